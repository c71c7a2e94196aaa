"""A client with Meta's host names hard-coded, as many are: it knows nothing of Localgram.

Only the environment sends it there: HTTPS_PROXY (the proxy) and REQUESTS_CA_BUNDLE (the CA),
as `eval "$(localgram env)"` sets them. It reads /me/media on graph.instagram.com, follows
paging.next to the end, exchanges a code on api.instagram.com, and prints what it saw as JSON.
Inputs: LG_TOKEN, LG_CODE, LG_APP_ID, LG_APP_SECRET, LG_REDIRECT_URI.
"""
import json
import os

import requests

env = os.environ
ids, nexts = [], []
url = "https://graph.instagram.com/v22.0/me/media?fields=id&limit=1&access_token=" + env["LG_TOKEN"]
while url:
    page = requests.get(url, timeout=30)
    page.raise_for_status()
    body = page.json()
    ids += [m["id"] for m in body["data"]]
    url = body.get("paging", {}).get("next")
    if url:
        nexts.append(url)
exchange = requests.post(
    "https://api.instagram.com/oauth/access_token",
    data={
        "client_id": env["LG_APP_ID"],
        "client_secret": env["LG_APP_SECRET"],
        "grant_type": "authorization_code",
        "redirect_uri": env["LG_REDIRECT_URI"],
        "code": env["LG_CODE"],
    },
    timeout=30,
)
print(json.dumps({"ids": ids, "nexts": nexts, "status": exchange.status_code, "exchange": exchange.json()}))
