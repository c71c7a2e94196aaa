// Accessibility and small-screen checks of the App Dashboard and the consent pages, on Debian's
// Chromium with playwright-core and axe-core. Usage: node e2e/a11y.mjs <base-url> <artifact-dir>
// The server runs the standard test world with its Facebook part (jane.doe, Social Sizzle,
// test.user@example.com, the "Facebook Only" app).
// Prints one "ok: …" line per check and "RESULT ok" at the end; exits 1 on the first failure
// (with a screenshot a11y-failure.png in the artifact directory).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error("usage: node e2e/a11y.mjs <base-url> <artifact-dir>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const AXE = join(dirname(fileURLToPath(import.meta.url)), "node_modules/axe-core/axe.min.js");

const APP_ID = "990602627938098";
const REDIRECT_URI = "https://socialsizzle.example/auth/";
const FB_APP_ID = "990602627938100";
const FB_REDIRECT_URI = "https://fb.example/cb";
const TOKEN = "IGQVJlocalgramJaneLongLived";

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
const errors = [];
let current = null;

async function newPage(options) {
  // The pages forbid inline scripts (CSP); axe is injected as one, so the test context bypasses it.
  const context = await browser.newContext({ locale: "en-US", bypassCSP: true, ...options });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (e) => errors.push(String(e)));
  current = page;
  return page;
}

// axe-core on the page: no serious or critical violation.
async function axe(page, what) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const detail = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
  check(bad.length === 0, `axe: ${what} has no serious or critical violation${detail.length ? " — " + detail.join("; ") : ""}`);
}

// No horizontal scroll at the page's width.
async function fits(page, what) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(scroll <= inner, `${what} fits ${inner} px without horizontal scroll (scrollWidth ${scroll})`);
}

try {
  // Calls for the emulator's list and chart.
  for (const path of ["/me?fields=id,username", "/me/media?fields=id", "/me?fields=nope"]) {
    await fetch(`${base}/graph.instagram.com${path}&access_token=${TOKEN}`);
  }

  // 1. Every dashboard page passes axe, signed out and signed in on the Instagram side.
  const page = await newPage({ viewport: { width: 1100, height: 900 }, timezoneId: "Asia/Seoul" });
  for (const path of ["/", `/apps/${APP_ID}`, "/people", "/emulator", "/emulator?status=abc", "/instagram"]) {
    await page.goto(`${base}${path}`);
    await axe(page, path);
  }
  await page.fill("#username", "jane.doe");
  await page.fill("#password", "correct horse");
  await page.click("#login");
  await page.waitForSelector("#profile-username");
  for (const path of ["/instagram", "/instagram/apps"]) {
    await page.goto(`${base}${path}`);
    await axe(page, `${path} (signed in)`);
  }

  // Every page links the icon, and it is served.
  const icon = await page.getAttribute("link[rel=icon]", "href");
  const iconRes = await fetch(`${base}${icon}`);
  check(iconRes.status === 200 && (await iconRes.text()).startsWith("<svg"), "the favicon is linked and served");

  // Times in the browser's time zone: 2026-11-20T12:00:00Z is 9 PM in Seoul.
  await page.goto(`${base}/emulator`);
  const now = (await page.textContent("#clock-now")).trim();
  check(now.includes("9:00:00") && !now.includes("UTC"), `the test clock shows in the browser's time zone (${now})`);
  check(await page.locator("#rate-chart text#x-axis").count() === 1, "the rate chart has a labelled time axis");
  const firstDuration = (await page.textContent("#call-table td.duration")).trim();
  check(/^\d+(\.\d)? (µs|ms)$/.test(firstDuration) && firstDuration !== "0 ms", `call durations are real (${firstDuration})`);

  // 2. Keyboard: Tab to the app name, type, Enter creates the app.
  await page.goto(`${base}/`);
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "app-name");
  }
  check(reached, "Tab reaches the new app's name field");
  await page.keyboard.type("Keyboard App");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#app-title");
  check((await page.textContent("#app-title")).trim() === "Keyboard App", "Enter creates the app");
  // Copy gives feedback, read out by the live region; Tab and Enter reach it too.
  await page.focus("button.copy[data-copy=app-id]");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("live")?.textContent === "Copied");
  check((await page.textContent("button.copy[data-copy=app-id]")).trim() === "Copied", "Copy says Copied on the button and in the live region");

  // 3. At 375 px: the emulator, the people page and both consent pages fit.
  // A plain 375 px viewport (not isMobile, which widens the layout viewport to the content).
  const phone = await newPage({ viewport: { width: 375, height: 812 }, hasTouch: true });
  for (const path of ["/emulator", "/people", "/"]) {
    await phone.goto(`${base}${path}`);
    await fits(phone, path);
  }
  // Chinese and Korean buttons keep their words on one line.
  for (const code of ["zh", "ko"]) {
    await phone.goto(`${base}/lang/${code}?back=/`);
    const box = await phone.locator("#create").boundingBox();
    const label = (await phone.textContent("#create")).trim();
    check(box && box.height < 48, `the ${code} button "${label}" is one line (${box && Math.round(box.height)} px high)`);
  }
  await phone.goto(`${base}/lang/en?back=/`);

  const igAuthorize = `${base}/api.instagram.com/oauth/authorize?` + new URLSearchParams({
    client_id: APP_ID, redirect_uri: REDIRECT_URI, scope: "user_profile,user_media", response_type: "code", state: "a11y",
  });
  await phone.goto(igAuthorize);
  await phone.fill("#username", "jane.doe");
  await phone.fill("#password", "correct horse");
  await phone.click("#login");
  await phone.waitForSelector("#allow");
  await fits(phone, "the Instagram consent page");
  await axe(phone, "the Instagram consent page");

  const fbDialog = `${base}/www.facebook.com/v22.0/dialog/oauth?` + new URLSearchParams({
    client_id: FB_APP_ID, redirect_uri: FB_REDIRECT_URI, scope: "public_profile,pages_show_list", response_type: "code", state: "a11y",
  });
  await phone.goto(fbDialog);
  await phone.fill("#email", "test.user@example.com");
  await phone.fill("#password", "hunter2");
  await phone.click("#login");
  await phone.waitForSelector("#allow");
  await fits(phone, "the Facebook consent page");
  await axe(phone, "the Facebook consent page");
  // Each checkbox sits on its label's line.
  const boxes = await phone.$$eval("fieldset label input[type=checkbox]", (inputs) => inputs.map((i) => {
    const a = i.getBoundingClientRect();
    const strong = i.parentElement.querySelector("strong") ?? i.parentElement;
    const b = strong.getBoundingClientRect();
    return Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2) < b.height;
  }));
  check(boxes.length > 0 && boxes.every(Boolean), "the Facebook consent checkboxes sit beside their labels");
  await phone.screenshot({ path: join(artifacts, "fb-consent-375.png"), fullPage: true });

  check(errors.length === 0, `no script errors (${errors.join("; ")})`);
  console.log("RESULT ok");
} catch (e) {
  console.error(String(e && e.stack || e));
  try { await current?.screenshot({ path: join(artifacts, "a11y-failure.png"), fullPage: true }); } catch {}
  console.log("RESULT failed");
  process.exitCode = 1;
} finally {
  await browser.close();
}
