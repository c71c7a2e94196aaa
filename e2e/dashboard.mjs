// Browser tests of the App Dashboard and the OAuth window, on Debian's Chromium with
// playwright-core. Usage: node e2e/dashboard.mjs <base-url> <artifact-dir>
// Prints one "ok: …" line per step and "RESULT ok" at the end; exits 1 on the first failure
// (with a screenshot failure.png in the artifact directory).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error("usage: node e2e/dashboard.mjs <base-url> <artifact-dir>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const USERNAME = "jane.doe";
const PASSWORD = "correct horse";

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
const context = await browser.newContext({ locale: "en-US", viewport: { width: 1100, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

try {
  // 1. Create an app.
  await page.goto(`${base}/`);
  check(await page.locator("#no-apps").isVisible(), "the world starts without apps");
  await page.fill("#app-name", "Browser App");
  await page.click("#create");
  await page.waitForSelector("#app-title");
  check((await page.textContent("#app-title")).trim() === "Browser App", "the app page opens after creating");
  const appId = (await page.textContent("#app-id")).trim();
  check(/^\d{16}$/.test(appId), `app id ${appId}`);
  check((await page.textContent("#app-secret")).includes("•"), "the secret is masked");
  await page.click("#reveal-secret");
  const secret = (await page.textContent("#app-secret")).trim();
  check(/^[0-9a-f]{32}$/.test(secret), "the secret is revealed once, on request");

  // 2. A redirect URI (the emulator's own callback page).
  const redirectUri = `${base}/_localgram/oauth/callback`;
  await page.fill("#new-redirect-uri", redirectUri);
  await page.click("#add-redirect-button");
  await page.waitForSelector("#notice");
  check(await page.locator(`input.redirect-uri[value="${redirectUri}"]`).count() === 1, "the redirect URI is listed");
  check(!(await page.content()).includes(secret), "the secret is not shown again");

  // A refused URI keeps what was typed.
  await page.fill("#new-redirect-uri", "not a url");
  await page.click("#add-redirect-button");
  await page.waitForSelector("#form-error");
  check((await page.inputValue("#new-redirect-uri")) === "not a url", "a refused redirect URI keeps the typed text");

  // 3. An Instagram tester, pending.
  await page.fill("#tester-username", USERNAME);
  await page.click("#add-tester-button");
  await page.waitForSelector("#notice");
  check((await page.textContent(".tester-status")).trim() === "Pending", "the tester is pending");

  // 4. Accept the invitation as the Instagram user (the OAuth window's login page).
  await page.goto(`${base}/instagram`);
  await page.fill("#username", USERNAME);
  await page.fill("#password", PASSWORD);
  await page.click("#login");
  await page.waitForSelector("#profile-username");
  await page.click("#apps-and-websites");
  await page.click(`tr.invite[data-app="${appId}"] .accept-invite`);
  await page.waitForSelector("#notice");
  check((await page.textContent(`tr.invite[data-app="${appId}"] .invite-status`)).trim() === "Accepted", "the invitation is accepted");

  // The profile's media grid, with thumbnails served by Localgram.
  await page.goto(`${base}/instagram`);
  await page.waitForSelector("#media-grid img");
  await page.waitForFunction(() => [...document.querySelectorAll("#media-grid img")].every((i) => i.complete && i.naturalWidth > 0));
  check(await page.locator("#media-grid img").count() > 0, "the media grid shows thumbnails");
  await page.screenshot({ path: join(artifacts, "media-grid.png"), fullPage: true });

  // 5. Generate Token: consent (already signed in), then the token once.
  await page.goto(`${base}/apps/${appId}`);
  await page.click(`a.generate-token[data-username="${USERNAME}"]`);
  await page.waitForSelector("#allow");
  await page.click("#allow");
  await page.waitForSelector("#token");
  const token = await page.inputValue("#token");
  check(token.startsWith("IG"), "a token is shown");
  check((await page.getAttribute("#token-expires", "datetime")).length > 0, "its expiry is shown");
  check(await page.locator("#copy-token").isVisible(), "a copy button is there");
  await page.screenshot({ path: join(artifacts, "token-page.png"), fullPage: true });
  await page.reload();
  check(await page.locator("#token-gone").isVisible(), "the token is shown only once");

  // 6. The token works on graph.instagram.com/me/media.
  const media = await fetch(`${base}/graph.instagram.com/me/media?fields=id,media_type&access_token=${encodeURIComponent(token)}`);
  const mediaBody = await media.json();
  check(media.status === 200 && Array.isArray(mediaBody.data) && mediaBody.data.length > 0, "the generated token reads /me/media");

  // 7. A full authorize-code round trip through the browser.
  const authorize = (state) => `${base}/api.instagram.com/oauth/authorize?` + new URLSearchParams({
    client_id: appId, redirect_uri: redirectUri, scope: "user_profile,user_media", response_type: "code", state,
  });
  await page.goto(authorize("round-trip"));
  await page.waitForSelector("#allow");
  await page.click("#allow");
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  const landed = new URL(page.url());
  const code = landed.searchParams.get("code");
  check(code && landed.searchParams.get("state") === "round-trip", "Allow redirects with a code and the state");
  const form = new URLSearchParams({
    client_id: appId, client_secret: secret, grant_type: "authorization_code", redirect_uri: redirectUri, code,
  });
  const exchanged = await fetch(`${base}/api.instagram.com/oauth/access_token`, { method: "POST", body: form });
  const tokenBody = await exchanged.json();
  check(exchanged.status === 200 && tokenBody.access_token, "the code exchanges for a token with the app secret");
  const me = await fetch(`${base}/graph.instagram.com/me?fields=username&access_token=${encodeURIComponent(tokenBody.access_token)}`);
  check((await me.json()).username === USERNAME, "the exchanged token reads /me");

  // 8. A denied consent.
  await page.goto(authorize("denied"));
  await page.waitForSelector("#cancel");
  await page.click("#cancel");
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  const denied = new URL(page.url());
  check(denied.searchParams.get("error") === "access_denied" && denied.searchParams.get("state") === "denied", "Cancel redirects with access_denied");

  // 9. Apps and Websites lists the app; the emulator shows the calls, never a token.
  await page.goto(`${base}/instagram/apps`);
  check(await page.locator(`tr.authorized[data-app="${appId}"]`).count() === 1, "the app is listed as authorized");
  await page.goto(`${base}/emulator`);
  const emulator = await page.content();
  check(emulator.includes("/graph.instagram.com/me/media") && !emulator.includes(token), "recent calls list /me/media without the token");
  check(await page.locator("#rate-chart polyline").count() > 0, "the rate-usage chart has a line");

  // 10. The language switcher.
  await page.click("#lang-sv");
  await page.waitForSelector("#nav-apps");
  check((await page.textContent("#nav-apps")).trim() === "Mina appar", "the switcher changes the language");

  check(errors.length === 0, `no script errors (${errors.join("; ")})`);
  console.log("RESULT ok");
} catch (e) {
  console.error(String(e && e.stack || e));
  try { await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true }); } catch {}
  console.log("RESULT failed");
  process.exitCode = 1;
} finally {
  await browser.close();
}
