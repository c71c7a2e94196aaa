// The Instagram token guides' eight App Dashboard steps, followed in a browser by their visible
// texts, in Chinese or Korean, from a database without apps to a token that reads /me
// (docs/dashboard.md#guide). A step whose text is not on the page fails the run.
// Usage: node e2e/guide.mjs <base-url> <zh|ko> <screenshot-dir>
// Prints one "ok: …" line per check and "RESULT ok" at the end; exits 1 on the first failure
// (with a screenshot guide-<lang>-failure.png). Screenshots: guide-<lang>-<step>.png.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, lang, shots] = process.argv.slice(2);
if (!base || !["zh", "ko"].includes(lang) || !shots) {
  console.error("usage: node e2e/guide.mjs <base-url> <zh|ko> <screenshot-dir>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const USERNAME = "jane.doe";
const PASSWORD = "correct horse";

// The names of the steps, as Meta's Chinese and Korean App Dashboards and the guides write them.
const TEXTS = {
  zh: {
    myApps: "我的应用", createApp: "创建应用", other: "其他", next: "下一步",
    displayName: "应用显示名称", contactEmail: "应用联系邮箱", createAppId: "创建应用编号",
    settings: "设置", basic: "基本", addPlatform: "添加平台", website: "网站", siteUrl: "网站网址",
    saveChanges: "保存更改", products: "产品", addProduct: "添加产品", ibd: "Instagram 基本显示",
    setUp: "设置", basicDisplay: "基本显示", createNewApp: "新建应用", show: "显示",
    clientOAuth: "客户端 OAuth 设置", redirectUris: "有效 OAuth 跳转 URI",
    deauthorize: "取消授权回调网址", dataDeletion: "数据删除请求网址",
    roles: "角色", addTesters: "添加 Instagram 测试用户",
    editProfile: "编辑主页", appsAndWebsites: "应用和网站", testerInvites: "测试邀请", accept: "接受",
    tokenGenerator: "用户口令生成器", generateToken: "生成口令", continueAs: "以 {} 的身份继续",
    allow: "允许",
  },
  ko: {
    myApps: "내 앱", createApp: "앱 만들기", other: "기타", next: "다음",
    displayName: "앱 표시 이름", contactEmail: "앱 연락처 이메일", createAppId: "앱 ID 만들기",
    settings: "설정", basic: "기본 설정", addPlatform: "플랫폼 추가", website: "웹사이트", siteUrl: "사이트 URL",
    saveChanges: "변경 내용 저장", products: "제품", addProduct: "제품 추가", ibd: "Instagram 기본 디스플레이",
    setUp: "설정", basicDisplay: "기본 디스플레이", createNewApp: "새 앱 만들기", show: "표시",
    clientOAuth: "클라이언트 OAuth 설정", redirectUris: "유효한 OAuth 리디렉션 URI",
    deauthorize: "승인 취소 콜백 URL", dataDeletion: "데이터 삭제 요청 URL",
    roles: "역할", addTesters: "Instagram 테스터 추가",
    editProfile: "프로필 편집", appsAndWebsites: "앱 및 웹사이트", testerInvites: "테스터 초대", accept: "수락",
    tokenGenerator: "사용자 토큰 생성기", generateToken: "토큰 생성", continueAs: "{}(으)로 계속",
    allow: "허용",
  },
}[lang];

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.LOCALGRAM_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const context = await browser.newContext({
  locale: lang === "zh" ? "zh-CN" : "ko-KR",
  viewport: { width: 1000, height: 700 },
});
const page = await context.newPage();
page.setDefaultTimeout(10000);
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

// A visible element with exactly this text (a link, button or summary), clicked; fails when the
// text is not there.
async function click(scope, role, name) {
  const target = scope.getByRole(role, { name, exact: true });
  const n = await target.count();
  if (n !== 1) throw new Error(`step text not found: ${role} "${name}" (${n} matches) on ${page.url()}`);
  await target.click();
  console.log(`ok: ${role} "${name}"`);
}

async function fill(scope, label, value) {
  const field = scope.getByLabel(label, { exact: true });
  const n = await field.count();
  if (n !== 1) throw new Error(`step text not found: field "${label}" (${n} matches) on ${page.url()}`);
  await field.fill(value);
  console.log(`ok: field "${label}"`);
}

async function shot(step) {
  await page.screenshot({ path: join(shots, `guide-${lang}-${step}.png`) });
}

async function group(id, heading) {
  const g = page.locator(`#${id}`);
  check((await g.locator("span").first().textContent()).trim() === heading, `the menu shows "${heading}"`);
  return g;
}

try {
  // The dashboard's language: the same as the browser's (Accept-Language).
  await page.goto(`${base}/`);
  check((await page.getAttribute("html", "lang")) === lang, `the dashboard speaks ${lang}`);

  // 1. My Apps → Create App → the app type: Other.
  await click(page.getByRole("navigation").first(), "link", TEXTS.myApps);
  await click(page, "link", TEXTS.createApp);
  const other = page.locator("label", { hasText: TEXTS.other });
  check(await other.count() === 1, `app type "${TEXTS.other}"`);
  await other.click();
  await shot(1);
  await click(page, "button", TEXTS.next);

  // 2. App display name and app contact e-mail → Create App ID.
  await fill(page, TEXTS.displayName, "Guide App");
  await fill(page, TEXTS.contactEmail, "dev@guide.example");
  await shot(2);
  await click(page, "button", TEXTS.createAppId);
  await page.waitForSelector("#app-title");
  const appId = (await page.textContent("#app-id")).trim();
  check(/^\d{16}$/.test(appId), `app id ${appId}`);

  // 3. Settings → Basic → Add Platform → Website → Site URL → Save changes.
  await click(await group("nav-group-settings", TEXTS.settings), "link", TEXTS.basic);
  await page.getByText(TEXTS.addPlatform, { exact: true }).click();
  console.log(`ok: summary "${TEXTS.addPlatform}"`);
  await page.getByLabel(TEXTS.website, { exact: true }).check();
  console.log(`ok: platform "${TEXTS.website}"`);
  await fill(page, TEXTS.siteUrl, "https://guide.example/");
  await click(page.locator("#platform-form"), "button", TEXTS.saveChanges);
  await page.waitForSelector("#site-url");
  check((await page.textContent("#site-url")).trim() === "https://guide.example/", "the Site URL is kept and shown");
  await page.locator("#basic").scrollIntoViewIfNeeded();
  await shot(3);

  // 4. Products → Instagram Basic Display → Set Up.
  await click(await group("nav-group-products", TEXTS.products), "link", TEXTS.addProduct);
  const card = page.locator("#products li", { hasText: TEXTS.ibd });
  check(await card.count() === 1, `product "${TEXTS.ibd}"`);
  await card.scrollIntoViewIfNeeded();
  await shot(4);
  await click(card, "button", TEXTS.setUp);

  // 5. Create New App: the Instagram app with its own id and secret; Client OAuth Settings.
  await click(page, "link", TEXTS.createNewApp);
  await fill(page, TEXTS.displayName, "Guide App IG");
  await click(page.locator("#new-ig-app-form"), "button", TEXTS.createApp);
  await page.waitForSelector("#instagram-app-id");
  const igAppId = (await page.textContent("#instagram-app-id")).trim();
  check(/^\d{16}$/.test(igAppId) && igAppId !== appId, "the Instagram App ID is its own");
  await click(page, "button", TEXTS.show);
  const igSecret = (await page.textContent("#instagram-app-secret")).trim();
  check(/^[0-9a-f]{32}$/.test(igSecret), "the Instagram App Secret is shown once");
  const oauth = page.locator("#client-oauth");
  check((await oauth.locator("h2").textContent()).trim() === TEXTS.clientOAuth, `"${TEXTS.clientOAuth}"`);
  const redirectUri = `${base}/_localgram/oauth/callback`;
  await fill(oauth, TEXTS.redirectUris, redirectUri);
  await fill(oauth, TEXTS.deauthorize, "https://guide.example/deauthorize");
  await fill(oauth, TEXTS.dataDeletion, "https://guide.example/data-deletion");
  await click(oauth, "button", TEXTS.saveChanges);
  await page.waitForSelector("#notice");
  check((await page.inputValue("#oauth-redirect-uris")).trim() === redirectUri, "the redirect URI is saved");
  await shot(5);

  // 6. Roles → Roles → Add Instagram Testers → the username.
  await click(await group("nav-group-roles", TEXTS.roles), "link", TEXTS.roles);
  await page.fill("#tester-username", USERNAME);
  await click(page.locator("#roles"), "button", TEXTS.addTesters);
  await page.waitForSelector("#notice");
  await page.locator("#roles").scrollIntoViewIfNeeded();
  await shot(6);

  // 7. The Instagram side: Edit Profile → Apps and Websites → Tester Invites → Accept.
  await page.click("#nav-instagram");
  await page.fill("#username", USERNAME);
  await page.fill("#password", PASSWORD);
  await page.click("#login");
  await page.waitForSelector("#profile-username");
  await page.getByText(TEXTS.editProfile, { exact: true }).click();
  console.log(`ok: summary "${TEXTS.editProfile}"`);
  await click(page.locator("#edit-profile"), "link", TEXTS.appsAndWebsites);
  check(await page.getByRole("heading", { name: TEXTS.testerInvites, exact: true }).count() === 1, `"${TEXTS.testerInvites}"`);
  await click(page.locator(`tr.invite[data-app="${appId}"]`), "button", TEXTS.accept);
  await page.waitForSelector("#notice");
  await shot(7);

  // 8. Products → Instagram Basic Display → Basic Display → User Token Generator → Generate
  //    Token → Continue as the account → Allow → the token.
  await click(page.getByRole("navigation").first(), "link", TEXTS.myApps);
  await page.click(`a.app-link[href="/apps/${appId}"]`);
  await click(await group("nav-group-basic-display", TEXTS.ibd), "link", TEXTS.basicDisplay);
  const generator = page.locator("#user-token-generator");
  check((await generator.locator("h2").textContent()).trim() === TEXTS.tokenGenerator, `"${TEXTS.tokenGenerator}"`);
  await click(generator, "link", TEXTS.generateToken);
  await click(page, "link", TEXTS.continueAs.replace("{}", USERNAME));
  await click(page, "button", TEXTS.allow);
  await page.waitForSelector("#token");
  const token = await page.inputValue("#token");
  check(token.startsWith("IG"), "a token is shown");
  await shot(8);
  const me = await fetch(`${base}/graph.instagram.com/me?fields=id,username&access_token=${encodeURIComponent(token)}`);
  const meBody = await me.json();
  check(me.status === 200 && meBody.username === USERNAME, "the token reads /me");

  // The Instagram App ID and Secret are the ones the authorize window and the exchange take.
  await page.goto(`${base}/api.instagram.com/oauth/authorize?` + new URLSearchParams({
    client_id: igAppId, redirect_uri: redirectUri, scope: "user_profile,user_media", response_type: "code", state: "guide",
  }));
  await click(page, "button", TEXTS.allow);
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  const code = new URL(page.url()).searchParams.get("code");
  const exchanged = await fetch(`${base}/api.instagram.com/oauth/access_token`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: igAppId, client_secret: igSecret, grant_type: "authorization_code", redirect_uri: redirectUri, code,
    }),
  });
  const tokenBody = await exchanged.json();
  check(exchanged.status === 200 && tokenBody.access_token, "the code exchanges with the Instagram App ID and Secret");
  const me2 = await fetch(`${base}/graph.instagram.com/me?fields=username&access_token=${encodeURIComponent(tokenBody.access_token)}`);
  check((await me2.json()).username === USERNAME, "that token reads /me");

  check(errors.length === 0, `no script errors (${errors.join("; ")})`);
  console.log("RESULT ok");
} catch (e) {
  console.error(String(e && e.stack || e));
  try { await page.screenshot({ path: join(shots, `guide-${lang}-failure.png`), fullPage: true }); } catch {}
  console.log("RESULT failed");
  process.exitCode = 1;
} finally {
  await browser.close();
}
