//! Helpers of the HTTP integration suite: servers per backend, the two error envelopes, a code
//! minted without a browser, and a look into the database the server writes. The steps of the
//! people a test plays (authorize, exchange, /me, refresh) are the actors of
//! `localgram_testkit::actors`.

pub use localgram_testkit::Reply;
pub use localgram_testkit::actors::{API, AuthParams, WWW, encode};
pub use localgram_testkit::pages::{
    access_token_of, assert_page, assert_page_headers, code_of, element_text, hidden_fields,
    is_consent_page, is_login_page,
};
use localgram_testkit::world::*;
use localgram_testkit::{Backend, TestServer, client};
use reqwest::Client;
use serde_json::{Value, json};

/// The frozen clock of every test server, 2026-11-20T12:00:00Z, in epoch milliseconds.
pub const NOW_MS: i64 = 1_795_176_000_000;

/// A test server with the standard world on `backend`.
pub async fn spawn(backend: &Backend) -> TestServer {
    TestServer::builder().backend(backend).spawn().await
}

/// `GET url` with `client`.
pub async fn get(client: &Client, url: &str) -> Reply {
    Reply::read(client.get(url).send().await.expect("GET failed")).await
}

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

/// `POST url` with a form body.
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

/// One Basic Display code of [`TESTER`] for [`APP_ID`].
pub async fn mint_code(server: &TestServer) -> String {
    server
        .mint_codes(
            APP_ID,
            TESTER,
            &["user_profile", "user_media"],
            REDIRECT_URI,
            1,
        )
        .await
        .remove(0)
}

/// Asserts `GET /me` answers 200 `{"id": TESTER_ID}` for a token of [`TESTER`].
pub async fn assert_me_ok(server: &TestServer, token: &str, ctx: &str) {
    let res = server.instagram_user_with_token(token).me().await;
    assert_eq!(res.status, 200, "{ctx}: {}", res.text);
    assert_eq!(res.json(), json!({"id": TESTER_ID}), "{ctx}");
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

    /// Runs a statement (to set up a case the API cannot reach).
    pub async fn exec(&self, sql: &str) {
        match self {
            Self::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop),
            Self::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// `SELECT COUNT(*) FROM {from_where}`.
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
