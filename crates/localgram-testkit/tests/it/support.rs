//! Helpers of the HTTP integration suite: servers per backend, the browser flow (authorize,
//! login, consent), the code exchange, the two error envelopes, the security headers of pages, and
//! a look into the database the server writes.

use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestOptions, TestServer, client, form_value, html_unescape};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// The authorization window of Basic Display.
pub const API: &str = "/api.instagram.com";
/// The authorization window of Business Login for Instagram.
pub const WWW: &str = "/www.instagram.com";
/// The frozen clock of every test server, 2026-11-20T12:00:00Z, in epoch milliseconds.
pub const NOW_MS: i64 = 1_795_176_000_000;
/// Instagram Login scopes used by the tests.
pub const IG_LOGIN_SCOPES: &str = "instagram_business_basic,instagram_business_manage_messages";

/// A test server with the standard world on `backend`.
pub async fn spawn(backend: &Backend) -> TestServer {
    TestServer::spawn_with(TestOptions {
        backend: backend.clone(),
        ..Default::default()
    })
    .await
}

/// A finished response: status, headers and the body text.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// Reads the whole response.
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("cannot read a response body");
        Self {
            status,
            headers,
            text,
        }
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Location`.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
}

/// `GET url` with `client`.
pub async fn get(client: &Client, url: &str) -> Reply {
    Reply::read(client.get(url).send().await.expect("GET failed")).await
}

/// `POST url` with a form body.
/// `POST /_localgram/world` with `body` as `content_type` (`application/toml` or JSON).
pub async fn post_world(server: &TestServer, content_type: &str, body: &str) -> Reply {
    Reply::read(
        client()
            .post(server.url("/_localgram/world"))
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap(),
    )
    .await
}

pub async fn post_form(client: &Client, url: &str, form: &[(&str, &str)]) -> Reply {
    Reply::read(
        client
            .post(url)
            .form(form)
            .send()
            .await
            .expect("POST failed"),
    )
    .await
}

/// Authorize-request parameters, in order; a key may repeat.
#[derive(Debug, Clone)]
pub struct AuthParams(Vec<(String, String)>);

impl AuthParams {
    /// A valid Basic Display request of [`APP_ID`] with `state=st-1`.
    pub fn basic_display() -> Self {
        Self(
            [
                ("client_id", APP_ID),
                ("redirect_uri", REDIRECT_URI),
                ("scope", "user_profile,user_media"),
                ("response_type", "code"),
                ("state", "st-1"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        )
    }

    /// A valid Instagram Login request of [`APP_ID`].
    pub fn instagram_login() -> Self {
        Self::basic_display().set("scope", IG_LOGIN_SCOPES)
    }

    /// Replaces every value of `key` by one `value` (appended if absent).
    pub fn set(self, key: &str, value: &str) -> Self {
        let mut p = self.remove(key);
        p.0.push((key.to_owned(), value.to_owned()));
        p
    }

    /// Adds one more `key=value`, keeping the others.
    pub fn add(mut self, key: &str, value: &str) -> Self {
        self.0.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Removes `key`.
    pub fn remove(mut self, key: &str) -> Self {
        self.0.retain(|(k, _)| k != key);
        self
    }

    /// The form-urlencoded query string.
    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter())
            .finish()
    }
}

/// The authorize URL of a window (`API` or `WWW`).
pub fn authorize_url(server: &TestServer, window: &str, params: &AuthParams) -> String {
    server.url(&format!("{window}/oauth/authorize?{}", params.query()))
}

/// Asserts the anti-framing and leakage headers every HTML response carries
/// (`docs/robustness.md#browser-forms`).
pub fn assert_page_headers(headers: &HeaderMap, ctx: &str) {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    assert_eq!(h("x-frame-options"), Some("DENY"), "{ctx}: X-Frame-Options");
    let csp = h("content-security-policy").unwrap_or_else(|| panic!("{ctx}: no CSP"));
    assert!(csp.contains("frame-ancestors 'none'"), "{ctx}: CSP {csp}");
    assert!(csp.contains("default-src 'self'"), "{ctx}: CSP {csp}");
    assert!(
        !csp.contains("http"),
        "{ctx}: CSP names another origin: {csp}"
    );
    assert_eq!(
        h("referrer-policy"),
        Some("no-referrer"),
        "{ctx}: Referrer-Policy"
    );
    assert_eq!(h("cache-control"), Some("no-store"), "{ctx}: Cache-Control");
    assert_eq!(
        h("x-content-type-options"),
        Some("nosniff"),
        "{ctx}: nosniff"
    );
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{ctx}: CORS header on a page"
    );
}

/// Asserts an HTML page: status, content type and security headers.
pub fn assert_page(reply: &Reply, status: u16, ctx: &str) {
    assert_eq!(reply.status.as_u16(), status, "{ctx}: {}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{ctx}: content type"
    );
    assert_page_headers(&reply.headers, ctx);
}

/// The text of the element with this `id` (up to its first child tag), unescaped.
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let needle = format!("id=\"{id}\"");
    let at = html.find(&needle)? + needle.len();
    let start = html[at..].find('>')? + at + 1;
    let end = html[start..].find('<')? + start;
    Some(html_unescape(&html[start..end]))
}

/// Asserts an error page (never a redirect) with exactly this message.
pub fn assert_error_page(reply: &Reply, status: u16, message: &str, ctx: &str) {
    assert_page(reply, status, ctx);
    assert_eq!(
        reply.location(),
        None,
        "{ctx}: an error page must not redirect"
    );
    assert_eq!(
        element_text(&reply.text, "error-message").as_deref(),
        Some(message),
        "{ctx}: {}",
        reply.text
    );
}

/// The Instagram OAuth envelope.
pub fn ig_error(message: &str) -> Value {
    json!({"error_type": "OAuthException", "code": 400, "error_message": message})
}

/// Asserts a 400 in the Instagram OAuth envelope with `Cache-Control: no-store`.
pub fn assert_ig_error(reply: &Reply, message: &str, ctx: &str) {
    assert_eq!(reply.status, 400, "{ctx}: {}", reply.text);
    assert_eq!(reply.json(), ig_error(message), "{ctx}");
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{ctx}");
    assert_eq!(reply.header("pragma"), Some("no-cache"), "{ctx}");
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=UTF-8"),
        "{ctx}"
    );
}

/// The Graph envelope without `fbtrace_id`.
pub fn graph_error(code: i64, subcode: Option<i64>, kind: &str, message: &str) -> Value {
    let mut e = json!({"message": message, "type": kind, "code": code});
    if let Some(s) = subcode {
        e["error_subcode"] = json!(s);
    }
    json!({ "error": e })
}

/// Asserts a Graph error: status 400, the whole body (a non-empty `fbtrace_id` aside), and a
/// `WWW-Authenticate` challenge exactly for code 190.
pub fn assert_graph_error(reply: &Reply, expected: Value, ctx: &str) {
    assert_eq!(reply.status, 400, "{ctx}: {}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=UTF-8"),
        "{ctx}"
    );
    let mut body = reply.json();
    let trace = body["error"]
        .as_object_mut()
        .and_then(|e| e.remove("fbtrace_id"))
        .unwrap_or_else(|| panic!("{ctx}: no fbtrace_id in {}", reply.text));
    assert!(
        trace.as_str().is_some_and(|t| !t.is_empty()),
        "{ctx}: fbtrace_id {trace}"
    );
    assert_eq!(body, expected, "{ctx}");
    let challenge = reply.header("www-authenticate");
    if expected["error"]["code"] == 190 {
        let message = expected["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(
            challenge,
            Some(format!("OAuth \"Facebook Platform\" \"invalid_token\" \"{message}\"").as_str()),
            "{ctx}: WWW-Authenticate"
        );
    } else {
        assert_eq!(challenge, None, "{ctx}: WWW-Authenticate");
    }
}

/// The 190 answer to a token that is not one.
pub fn cannot_parse() -> Value {
    graph_error(
        190,
        None,
        "OAuthException",
        "Invalid OAuth access token - Cannot parse access token",
    )
}

/// The 190/460 answer to a revoked token.
pub fn invalidated() -> Value {
    graph_error(
        190,
        Some(460),
        "OAuthException",
        "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
    )
}

/// The 190/463 answer to an expired token.
pub fn expired(expired_on: &str, now: &str) -> Value {
    graph_error(
        190,
        Some(463),
        "OAuthException",
        &format!(
            "Error validating access token: Session has expired on {expired_on}. The current time is {now}."
        ),
    )
}

/// The (html-unescaped) hidden fields `csrf` and `q` of a login or consent page.
pub fn hidden_fields(html: &str, ctx: &str) -> (String, String) {
    let csrf = form_value(html, "csrf").unwrap_or_else(|| panic!("{ctx}: no csrf field"));
    let q = form_value(html, "q").unwrap_or_else(|| panic!("{ctx}: no q field"));
    assert!(csrf.len() >= 32, "{ctx}: a weak csrf token {csrf:?}");
    (csrf, q)
}

/// Whether a page is the login page.
pub fn is_login_page(html: &str) -> bool {
    html.contains("id=\"login\"") && html.contains("name=\"password\"")
}

/// Whether a page is the consent page.
pub fn is_consent_page(html: &str) -> bool {
    html.contains("id=\"allow\"") && html.contains("name=\"decision\"")
}

/// Posts the login form of `page` as `username` / `password`.
pub async fn submit_login(
    server: &TestServer,
    browser: &Client,
    window: &str,
    page: &Reply,
    username: &str,
    password: &str,
) -> Reply {
    let (csrf, q) = hidden_fields(&page.text, "login page");
    post_form(
        browser,
        &server.url(&format!("{window}/oauth/authorize/login")),
        &[
            ("csrf", &csrf),
            ("q", &q),
            ("username", username),
            ("password", password),
        ],
    )
    .await
}

/// Opens the authorize URL, logs in as `username` when the login page shows, follows the 303 and
/// returns the consent page (asserted to be one).
pub async fn open_consent(
    server: &TestServer,
    browser: &Client,
    window: &str,
    params: &AuthParams,
    username: &str,
    password: &str,
) -> Reply {
    let url = authorize_url(server, window, params);
    let mut page = get(browser, &url).await;
    assert_page(&page, 200, "authorize");
    if is_login_page(&page.text) {
        let res = submit_login(server, browser, window, &page, username, password).await;
        assert_eq!(res.status, 303, "login as {username}: {}", res.text);
        let expected = format!("{window}/oauth/authorize?{}", params.query());
        assert_eq!(res.location(), Some(expected.as_str()), "after login");
        page = get(browser, &server.url(&expected)).await;
        assert_page(&page, 200, "authorize after login");
    }
    assert!(
        is_consent_page(&page.text),
        "not a consent page: {}",
        page.text
    );
    page
}

/// Clicks a button of the consent page (`allow` or `cancel`).
pub async fn decide(
    server: &TestServer,
    browser: &Client,
    window: &str,
    consent: &Reply,
    decision: &str,
) -> Reply {
    let (csrf, q) = hidden_fields(&consent.text, "consent page");
    post_form(
        browser,
        &server.url(&format!("{window}/oauth/authorize")),
        &[("csrf", &csrf), ("q", &q), ("decision", decision)],
    )
    .await
}

/// The code of a `303` to the redirect URI (`…?code=AQ…&state=…#_`).
pub fn code_of(reply: &Reply, ctx: &str) -> String {
    assert_eq!(reply.status, 303, "{ctx}: {}", reply.text);
    let location = reply
        .location()
        .unwrap_or_else(|| panic!("{ctx}: no Location"));
    assert!(location.ends_with("#_"), "{ctx}: {location}");
    let code = localgram_testkit::query_value(location, "code")
        .unwrap_or_else(|| panic!("{ctx}: no code in {location}"));
    assert!(code.starts_with("AQ") && code.len() >= 40, "{ctx}: {code}");
    code
}

/// The whole browser flow on a window, as `username`: authorize, login when needed, Allow.
pub async fn authorize_as(
    server: &TestServer,
    browser: &Client,
    window: &str,
    params: &AuthParams,
    username: &str,
    password: &str,
) -> String {
    let consent = open_consent(server, browser, window, params, username, password).await;
    let res = decide(server, browser, window, &consent, "allow").await;
    code_of(&res, "allow")
}

/// The browser flow of the API window as the accepted tester [`TESTER`].
pub async fn authorize_and_get_code(
    server: &TestServer,
    browser: &Client,
    params: &AuthParams,
) -> String {
    authorize_as(server, browser, API, params, TESTER, TESTER_PASSWORD).await
}

/// `POST /api.instagram.com/oauth/access_token` with a form body.
pub async fn exchange(server: &TestServer, form: &[(&str, &str)]) -> Reply {
    post_form(
        &client(),
        &server.url("/api.instagram.com/oauth/access_token"),
        form,
    )
    .await
}

/// Exchanges `code` of [`APP_ID`] issued for [`REDIRECT_URI`].
pub async fn exchange_code(server: &TestServer, code: &str) -> Reply {
    exchange(
        server,
        &[
            ("client_id", APP_ID),
            ("client_secret", APP_SECRET),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT_URI),
            ("code", code),
        ],
    )
    .await
}

/// `POST /_localgram/oauth/codes`: the raw reply.
pub async fn mint(server: &TestServer, body: Value) -> Reply {
    Reply::read(
        client()
            .post(server.url("/_localgram/oauth/codes"))
            .json(&body)
            .send()
            .await
            .expect("POST /_localgram/oauth/codes failed"),
    )
    .await
}

/// Mints `count` codes without the browser.
pub async fn mint_codes(
    server: &TestServer,
    app: &str,
    user: &str,
    scopes: &[&str],
    redirect_uri: &str,
    count: usize,
) -> Vec<String> {
    let res = mint(
        server,
        json!({"app": app, "user": user, "scopes": scopes, "redirect_uri": redirect_uri, "count": count}),
    )
    .await;
    assert_eq!(res.status, 200, "minting codes: {}", res.text);
    res.json()["codes"]
        .as_array()
        .expect("no codes array")
        .iter()
        .map(|c| c.as_str().expect("a code is not a string").to_owned())
        .collect()
}

/// One Basic Display code of [`TESTER`] for [`APP_ID`].
pub async fn mint_code(server: &TestServer) -> String {
    mint_codes(
        server,
        APP_ID,
        TESTER,
        &["user_profile", "user_media"],
        REDIRECT_URI,
        1,
    )
    .await
    .remove(0)
}

/// The `access_token` of a successful flat exchange.
pub fn access_token_of(reply: &Reply, ctx: &str) -> String {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    reply.json()["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{ctx}: no access_token in {}", reply.text))
        .to_owned()
}

/// A fresh short-lived Basic Display token of [`TESTER`].
pub async fn short_lived_token(server: &TestServer) -> String {
    let code = mint_code(server).await;
    access_token_of(&exchange_code(server, &code).await, "code exchange")
}

/// `GET /graph.instagram.com/access_token?grant_type=ig_exchange_token&…`.
pub async fn exchange_long_lived(server: &TestServer, secret: &str, token: &str) -> Reply {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "ig_exchange_token")
        .append_pair("client_secret", secret)
        .append_pair("access_token", token)
        .finish();
    get(
        &client(),
        &server.url(&format!("/graph.instagram.com/access_token?{q}")),
    )
    .await
}

/// `GET /graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=…`.
pub async fn refresh(server: &TestServer, token: &str) -> Reply {
    get(
        &client(),
        &server.url(&format!(
            "/graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token={}",
            encode(token)
        )),
    )
    .await
}

/// `GET /graph.instagram.com/me?access_token=…`.
pub async fn me(server: &TestServer, token: &str) -> Reply {
    get(
        &client(),
        &server.url(&format!(
            "/graph.instagram.com/me?access_token={}",
            encode(token)
        )),
    )
    .await
}

/// Asserts `GET /me` answers 200 `{"id": TESTER_ID}` for a token of [`TESTER`].
pub async fn assert_me_ok(server: &TestServer, token: &str, ctx: &str) {
    let res = me(server, token).await;
    assert_eq!(res.status, 200, "{ctx}: {}", res.text);
    assert_eq!(res.json(), json!({"id": TESTER_ID}), "{ctx}");
}

/// Form-urlencodes one value.
pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The lowercase hex SHA-256 the store keeps for a secret.
pub fn hash(raw: &str) -> String {
    localgram_core::secret::SecretHash::of(raw).0
}

/// The server's database, opened beside it to check what it stored.
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    /// Opens the database of `server`.
    pub async fn open(server: &TestServer) -> Self {
        let url = server.database_url();
        if url.starts_with("sqlite:") {
            Self::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .expect("cannot open the SQLite database"),
            )
        } else {
            Self::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .expect("cannot open the PostgreSQL database"),
            )
        }
    }

    /// `SELECT COUNT(*) FROM {from_where}`.
    /// Runs a statement (to set up a case the API cannot reach).
    pub async fn exec(&self, sql: &str) {
        match self {
            Self::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop),
            Self::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub async fn count(&self, from_where: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {from_where}");
        match self {
            Self::Sqlite(p) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await,
            Self::Postgres(p) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The nullable BIGINT of a query returning exactly one row.
    pub async fn opt_i64(&self, sql: &str) -> Option<i64> {
        match self {
            Self::Sqlite(p) => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(p).await,
            Self::Postgres(p) => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(p).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The nullable TEXT of a query returning exactly one row.
    pub async fn opt_string(&self, sql: &str) -> Option<String> {
        match self {
            Self::Sqlite(p) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .fetch_one(p)
                    .await
            }
            Self::Postgres(p) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .fetch_one(p)
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// `consumed_at` of the code whose raw value is `code`.
    pub async fn code_consumed_at(&self, code: &str) -> Option<i64> {
        self.opt_i64(&format!(
            "SELECT consumed_at FROM auth_codes WHERE code_hash = '{}'",
            hash(code)
        ))
        .await
    }

    /// `revoked_at` of the token whose raw value is `token`.
    pub async fn token_revoked_at(&self, token: &str) -> Option<i64> {
        self.opt_i64(&format!(
            "SELECT revoked_at FROM tokens WHERE token_hash = '{}'",
            hash(token)
        ))
        .await
    }

    /// Every row of every table as text, one line per row (SQLite: each column cast to BLOB;
    /// PostgreSQL: `row_to_json`).
    pub async fn dump(&self) -> String {
        let mut out = String::new();
        match self {
            Self::Sqlite(p) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                )
                .fetch_all(p)
                .await
                .expect("cannot list the SQLite tables");
                assert!(tables.len() > 5, "too few tables: {tables:?}");
                for t in tables {
                    let cols: Vec<String> = sqlx::query_scalar(&format!(
                        "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
                    ))
                    .fetch_all(p)
                    .await
                    .expect("cannot list columns");
                    let select = cols
                        .iter()
                        .map(|c| format!("CAST(\"{c}\" AS BLOB)"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let rows = sqlx::query(&format!("SELECT {select} FROM \"{t}\""))
                        .fetch_all(p)
                        .await
                        .expect("cannot read a table");
                    for row in rows {
                        use sqlx::Row;
                        out.push_str(&t);
                        for i in 0..cols.len() {
                            let v: Option<Vec<u8>> = row.try_get(i).expect("a column");
                            out.push('|');
                            out.push_str(&String::from_utf8_lossy(&v.unwrap_or_default()));
                        }
                        out.push('\n');
                    }
                }
            }
            Self::Postgres(p) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                )
                .fetch_all(p)
                .await
                .expect("cannot list the PostgreSQL tables");
                assert!(tables.len() > 5, "too few tables: {tables:?}");
                for t in tables {
                    let rows: Vec<String> =
                        sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM \"{t}\" t"))
                            .fetch_all(p)
                            .await
                            .expect("cannot read a table");
                    for r in rows {
                        out.push_str(&t);
                        out.push('|');
                        out.push_str(&r);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }
}
