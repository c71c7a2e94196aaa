// A client with Meta's host names hard-coded, as many are: it knows nothing of Localgram.
//
// Only the environment sends it there: HTTPS_PROXY (the proxy) and NODE_EXTRA_CA_CERTS (the CA),
// as `eval "$(localgram env)"` sets them. Node 24 and later (and 22.21 and later) route `fetch`
// through HTTPS_PROXY when NODE_USE_ENV_PROXY=1; older Node honours no proxy variable, so there
// the client opens the tunnel itself with an HTTP CONNECT to HTTPS_PROXY, as proxy agents do.
// It reads /me/media on graph.instagram.com, follows paging.next to the end, exchanges a code on
// api.instagram.com, and prints what it saw as JSON.
// Inputs: LG_TOKEN, LG_CODE, LG_APP_ID, LG_APP_SECRET, LG_REDIRECT_URI.
import http from "node:http";
import https from "node:https";
import tls from "node:tls";

const env = process.env;
const [major, minor] = process.versions.node.split(".").map(Number);
const fetchUsesProxy = env.NODE_USE_ENV_PROXY === "1" && (major >= 24 || (major === 22 && minor >= 21));

function tunnel(host) {
  const proxy = new URL(env.HTTPS_PROXY);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: `${host}:443` });
    req.on("connect", (res, socket) =>
      res.statusCode === 200 ? resolve(socket) : reject(new Error(`CONNECT ${host}: ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}

async function request(url, { method = "GET", form } = {}) {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const headers = body ? { "content-type": "application/x-www-form-urlencoded" } : {};
  if (fetchUsesProxy) {
    const res = await fetch(url, { method, headers, body });
    return { status: res.status, json: await res.json() };
  }
  const u = new URL(url);
  const socket = await tunnel(u.hostname);
  // An agent whose one connection is TLS over the tunnel (the CA from NODE_EXTRA_CA_CERTS).
  const agent = new https.Agent();
  agent.createConnection = () => tls.connect({ socket, servername: u.hostname });
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        path: u.pathname + u.search,
        method,
        headers: body ? { ...headers, "content-length": Buffer.byteLength(body) } : headers,
        agent,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const ids = [];
const nexts = [];
let url = `https://graph.instagram.com/v22.0/me/media?fields=id&limit=1&access_token=${env.LG_TOKEN}`;
while (url) {
  const page = await request(url);
  if (page.status !== 200) throw new Error(JSON.stringify(page.json));
  ids.push(...page.json.data.map((m) => m.id));
  url = page.json.paging?.next;
  if (url) nexts.push(url);
}
const exchange = await request("https://api.instagram.com/oauth/access_token", {
  method: "POST",
  form: {
    client_id: env.LG_APP_ID,
    client_secret: env.LG_APP_SECRET,
    grant_type: "authorization_code",
    redirect_uri: env.LG_REDIRECT_URI,
    code: env.LG_CODE,
  },
});
console.log(JSON.stringify({ ids, nexts, status: exchange.status, exchange: exchange.json, via: fetchUsesProxy ? "fetch" : "https+CONNECT" }));
