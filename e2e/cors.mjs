// A page on another origin calls the Graph hosts from the browser, as the JavaScript SDK does:
// fetch with the token in the query (a simple request) and in an Authorization header (a
// preflight), a Graph error read by the page, JSONP through a script tag, and the Instagram
// token endpoint, which the browser must not let the page read.
// Usage: node e2e/cors.mjs <base-url> <artifact-dir> <instagram-token> <facebook-token>
// Prints one "ok: …" line per check and "RESULT ok" at the end; exits 1 on the first failure.
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, artifacts, igToken, fbToken] = process.argv.slice(2);
if (!base || !artifacts || !igToken || !fbToken) {
  console.error("usage: node e2e/cors.mjs <base-url> <artifact-dir> <instagram-token> <facebook-token>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

// The page, served from another origin (another port of the loopback).
const config = JSON.stringify({ base, igToken, fbToken }).replace(/</g, "\\u003c");
const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>Another origin</title></head>
<body>
<h1>A page on another origin</h1>
<dl>
  <dt>graph.instagram.com /me (token in the query)</dt><dd id="ig-me">…</dd>
  <dt>graph.facebook.com /me (Authorization header, preflighted)</dt><dd id="fb-me">…</dd>
  <dt>graph.facebook.com /me with a bad token</dt><dd id="fb-error">…</dd>
  <dt>api.instagram.com/oauth/access_token</dt><dd id="token-endpoint">…</dd>
  <dt>JSONP</dt><dd id="jsonp">…</dd>
</dl>
<p id="done" hidden>done</p>
<script>
const { base, igToken, fbToken } = ${config};
const show = (id, v) => { document.getElementById(id).textContent = v; };
async function run() {
  const ig = await fetch(base + "/graph.instagram.com/me?fields=id,username&access_token=" + encodeURIComponent(igToken));
  show("ig-me", ig.status + " " + JSON.stringify(await ig.json()));
  const fb = await fetch(base + "/graph.facebook.com/v21.0/me", { headers: { Authorization: "Bearer " + fbToken } });
  show("fb-me", fb.status + " " + JSON.stringify(await fb.json()));
  const bad = await fetch(base + "/graph.facebook.com/v21.0/me?access_token=bogus");
  const err = (await bad.json()).error;
  show("fb-error", bad.status + " " + err.code + " " + err.message);
  try {
    await fetch(base + "/api.instagram.com/oauth/access_token", {
      method: "POST",
      body: new URLSearchParams({ client_id: "1", client_secret: "x", grant_type: "authorization_code", redirect_uri: "https://x.example/", code: "AQx" }),
    });
    show("token-endpoint", "readable");
  } catch (e) {
    show("token-endpoint", "blocked");
  }
  await new Promise((resolve, reject) => {
    window.jsonpAnswer = (v) => { show("jsonp", JSON.stringify(v)); resolve(); };
    const s = document.createElement("script");
    s.src = base + "/graph.instagram.com/me?fields=id,username&callback=jsonpAnswer&access_token=" + encodeURIComponent(igToken);
    s.onerror = () => reject(new Error("the JSONP script did not load"));
    document.body.appendChild(s);
  });
}
run().then(
  () => { document.getElementById("done").hidden = false; },
  (e) => { show("fb-error", "failure: " + e); document.getElementById("done").hidden = false; },
);
</script>
</body></html>`;

const server = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(html);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.LOCALGRAM_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
page.setDefaultTimeout(15000);
const consoleErrors = [];
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });

try {
  check(new URL(pageUrl).origin !== new URL(base).origin, `the page's origin ${new URL(pageUrl).origin} is not the server's`);
  await page.goto(pageUrl);
  await page.waitForSelector("#done", { state: "visible" });
  const text = async (id) => (await page.textContent(`#${id}`)).trim();
  const igMe = await text("ig-me");
  check(/^200 \{"id":"\d+","username":"[^"]+"\}$/.test(igMe), `the page reads graph.instagram.com /me: ${igMe}`);
  const fbMe = await text("fb-me");
  check(/^200 \{"id":"\d+","name":"[^"]+"\}$/.test(fbMe), `the page reads graph.facebook.com /me after a preflight: ${fbMe}`);
  const fbError = await text("fb-error");
  check(fbError === "400 190 Invalid OAuth access token - Cannot parse access token", `the page reads a Graph error: ${fbError}`);
  const tokenEndpoint = await text("token-endpoint");
  check(tokenEndpoint === "blocked", `the browser does not let the page read the Instagram token endpoint: ${tokenEndpoint}`);
  const jsonp = await text("jsonp");
  check(jsonp === igMe.slice(4), `JSONP gives the same answer: ${jsonp}`);
  check(consoleErrors.some((e) => e.includes("CORS")), "the browser reported the token endpoint's missing CORS header");
  await page.screenshot({ path: join(artifacts, "cors-page.png"), fullPage: true });
  console.log("RESULT ok");
} catch (e) {
  console.error(String(e));
  await page.screenshot({ path: join(artifacts, "cors-failure.png"), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
