//! Test actors: the people a test plays, each a thin set of named steps over HTTP that return the
//! whole [`Reply`] (status, headers, body), so a test still asserts exactly what came back.
//!
//! - [`Anonymous`]: a browser with a cookie jar (authorize windows, the Facebook dialog, pages),
//! - [`InstagramUser`]: an Instagram account holding a token for graph.instagram.com,
//! - [`FacebookUser`]: a Facebook user holding a token for graph.facebook.com,
//! - [`PageAdmin`]: a Facebook user with one of their Pages and its Page token,
//! - [`DashboardDeveloper`]: a browser on the App Dashboard, sending its forms with their CSRF
//!   tokens.
//!
//! A [`TestServer`] hands them out; [`TestServer::builder`] starts one.

use crate::pages::{Reply, assert_page, code_of, hidden_fields, is_consent_page, is_login_page};
use crate::world::{self, APP_ID, APP_SECRET, REDIRECT_URI};
use crate::{Backend, TestOptions, TestServer, client, facebook_world};
use localgram_server::config::Config;
use serde_json::{Value, json};

/// The authorization window of Basic Display.
pub const API: &str = "/api.instagram.com";
/// The authorization window of Business Login for Instagram.
pub const WWW: &str = "/www.instagram.com";
/// The Facebook Login dialog.
pub const DIALOG: &str = "/www.facebook.com/dialog/oauth";
/// graph.instagram.com, unversioned.
pub const IG_GRAPH: &str = "/graph.instagram.com";
/// graph.facebook.com at the version the tests call.
pub const FB_GRAPH: &str = "/graph.facebook.com/v21.0";
/// Instagram Login scopes used by the tests.
pub const IG_LOGIN_SCOPES: &str = "instagram_business_basic,instagram_business_manage_messages";

/// Form-urlencodes one value.
pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `path` with `access_token=token` appended to its query.
pub fn with_token(path: &str, token: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}access_token={}", encode(token))
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

/// Starts a [`TestServer`] (see [`TestServer::builder`]).
#[derive(Debug, Clone, Default)]
pub struct TestServerBuilder {
    options: TestOptions,
}

impl TestServerBuilder {
    /// The database (default: SQLite).
    pub fn backend(mut self, backend: &Backend) -> Self {
        self.options.backend = backend.clone();
        self
    }

    /// The world loaded at start (default: [`crate::TEST_WORLD`]).
    pub fn world(mut self, world: impl Into<String>) -> Self {
        self.options.world = Some(world.into());
        self
    }

    /// [`facebook_world`] as the world.
    pub fn facebook_world(self) -> Self {
        self.world(facebook_world())
    }

    /// No world: an empty emulator.
    pub fn no_world(mut self) -> Self {
        self.options.world = None;
        self
    }

    /// `--admin-token`.
    pub fn admin_token(mut self, token: &str) -> Self {
        self.options.admin_token = Some(token.to_owned());
        self
    }

    /// Any other configuration change.
    pub fn configure(mut self, configure: fn(&mut Config)) -> Self {
        self.options.configure = configure;
        self
    }

    /// The options as set so far, to change the rarer ones.
    pub fn options(mut self, change: impl FnOnce(&mut TestOptions)) -> Self {
        change(&mut self.options);
        self
    }

    /// Starts the server.
    pub async fn spawn(self) -> TestServer {
        TestServer::spawn_with(self.options).await
    }
}

impl TestServer {
    /// A builder: `TestServer::builder().backend(&b).facebook_world().spawn().await`.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// A fresh browser on this server, signed in nowhere.
    pub fn anonymous(&self) -> Anonymous<'_> {
        Anonymous {
            server: self,
            http: crate::browser(),
        }
    }

    /// A browser on this server around `http` (a client made elsewhere: its cookie jar is
    /// shared with it).
    pub fn anonymous_with(&self, http: reqwest::Client) -> Anonymous<'_> {
        Anonymous { server: self, http }
    }

    /// A browser on the App Dashboard (`/`). With an admin token, unlock it first
    /// ([`DashboardDeveloper::unlock`]).
    pub fn dashboard_developer(&self) -> DashboardDeveloper<'_> {
        DashboardDeveloper {
            browser: self.anonymous(),
        }
    }

    /// An Instagram user who already holds `token` (a world token, say).
    pub fn instagram_user_with_token(&self, token: &str) -> InstagramUser<'_> {
        InstagramUser {
            browser: self.anonymous(),
            token: token.to_owned(),
        }
    }

    /// `username` logs in through the Basic Display authorize window of [`APP_ID`], allows it,
    /// and the app exchanges the code: a user holding a short-lived token.
    pub async fn instagram_user(&self, username: &str, password: &str) -> InstagramUser<'_> {
        let browser = self.anonymous();
        let code = browser
            .authorize_as(API, &AuthParams::basic_display(), username, password)
            .await;
        let token = crate::pages::access_token_of(&browser.exchange_code(&code).await, "exchange");
        InstagramUser { browser, token }
    }

    /// The accepted tester [`world::TESTER`] with a fresh short-lived Basic Display token of
    /// [`APP_ID`], from a code minted by the control plane (no browser).
    pub async fn instagram_tester(&self) -> InstagramUser<'_> {
        let code = self
            .mint_codes(
                APP_ID,
                world::TESTER,
                &["user_profile", "user_media"],
                REDIRECT_URI,
                1,
            )
            .await
            .remove(0);
        let browser = self.anonymous();
        let token = crate::pages::access_token_of(&browser.exchange_code(&code).await, "exchange");
        InstagramUser { browser, token }
    }

    /// A Facebook user who already holds `token`.
    pub fn facebook_user_with_token(&self, token: &str) -> FacebookUser<'_> {
        FacebookUser {
            browser: self.anonymous(),
            token: token.to_owned(),
        }
    }

    /// The Facebook world's test user logs in through the dialog of [`world::fb::APP_ID`] asking
    /// `scope`, ticks `perms` and `pages`, and the app exchanges the code.
    pub async fn facebook_user(
        &self,
        scope: &str,
        perms: &[&str],
        pages: &[&str],
    ) -> FacebookUser<'_> {
        use world::fb;
        let browser = self.anonymous();
        let query = Anonymous::dialog_query(fb::APP_ID, fb::REDIRECT_URI, scope);
        let consent = browser
            .facebook_consent(&query, fb::EMAIL, fb::PASSWORD)
            .await;
        let res = browser
            .facebook_decide(&consent, "allow", perms, pages)
            .await;
        assert_eq!(res.status, 303, "{}", res.text);
        let loc = res.location().unwrap_or_default().to_owned();
        assert!(loc.starts_with("https://fb.example/cb?code=AQ"), "{loc}");
        assert_eq!(crate::query_value(&loc, "state").as_deref(), Some("fb-st"));
        let code = crate::query_value(&loc, "code").unwrap_or_default();
        let token = crate::pages::access_token_of(
            &browser
                .facebook_exchange(fb::APP_ID, fb::APP_SECRET, fb::REDIRECT_URI, &code)
                .await,
            "facebook exchange",
        );
        FacebookUser { browser, token }
    }

    /// `POST /_localgram/oauth/codes`: the raw reply.
    pub async fn mint(&self, body: Value) -> Reply {
        Reply::send(
            client()
                .post(self.url("/_localgram/oauth/codes"))
                .json(&body),
        )
        .await
    }

    /// Mints `count` codes without the browser; panics unless the server answers 200.
    pub async fn mint_codes(
        &self,
        app: &str,
        user: &str,
        scopes: &[&str],
        redirect_uri: &str,
        count: usize,
    ) -> Vec<String> {
        let res = self
            .mint(json!({"app": app, "user": user, "scopes": scopes, "redirect_uri": redirect_uri, "count": count}))
            .await;
        assert_eq!(res.status, 200, "minting codes: {}", res.text);
        res.json()["codes"]
            .as_array()
            .expect("no codes array")
            .iter()
            .map(|c| c.as_str().expect("a code is not a string").to_owned())
            .collect()
    }
}

/// A browser signed in nowhere (yet): it keeps cookies and does not follow redirects.
pub struct Anonymous<'a> {
    server: &'a TestServer,
    http: reqwest::Client,
}

impl<'a> Anonymous<'a> {
    /// The server.
    pub fn server(&self) -> &'a TestServer {
        self.server
    }

    /// The browser's HTTP client (its cookie jar), for a request no step covers.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET path` on the server.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_url(&self.server.url(path)).await
    }

    /// `GET url` (a whole URL).
    pub async fn get_url(&self, url: &str) -> Reply {
        Reply::send(self.http.get(url)).await
    }

    /// `GET path` asking for a language (`Accept-Language`).
    pub async fn get_in(&self, path: &str, accept_language: &str) -> Reply {
        Reply::send(
            self.http
                .get(self.server.url(path))
                .header("accept-language", accept_language),
        )
        .await
    }

    /// `POST path` with a form body.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        Reply::send(self.http.post(self.server.url(path)).form(form)).await
    }

    /// Opens `page` and posts `form` with that page's CSRF token to `action`.
    pub async fn submit(&self, page: &str, action: &str, form: &[(&str, &str)]) -> Reply {
        let shown = self.get(page).await;
        assert_eq!(shown.status, 200, "{page}: {}", shown.text);
        self.submit_on(&shown, action, form).await
    }

    /// Posts `form` with the CSRF token of the page already shown to `action`.
    pub async fn submit_on(&self, shown: &Reply, action: &str, form: &[(&str, &str)]) -> Reply {
        let token = shown.csrf();
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post_form(action, &fields).await
    }

    /// The authorize URL of a window ([`API`] or [`WWW`]).
    pub fn authorize_url(&self, window: &str, params: &AuthParams) -> String {
        self.server
            .url(&format!("{window}/oauth/authorize?{}", params.query()))
    }

    /// Opens the authorize window.
    pub async fn authorize(&self, window: &str, params: &AuthParams) -> Reply {
        self.get_url(&self.authorize_url(window, params)).await
    }

    /// Posts the login form of `page` as `username` / `password`.
    pub async fn submit_login(
        &self,
        window: &str,
        page: &Reply,
        username: &str,
        password: &str,
    ) -> Reply {
        let (csrf, q) = hidden_fields(&page.text, "login page");
        self.post_form(
            &format!("{window}/oauth/authorize/login"),
            &[
                ("csrf", &csrf),
                ("q", &q),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// Opens the authorize window, logs in as `username` when the login page shows, follows the
    /// 303 and returns the consent page (asserted to be one).
    pub async fn open_consent(
        &self,
        window: &str,
        params: &AuthParams,
        username: &str,
        password: &str,
    ) -> Reply {
        let mut page = self.authorize(window, params).await;
        assert_page(&page, 200, "authorize");
        if is_login_page(&page.text) {
            let res = self.submit_login(window, &page, username, password).await;
            assert_eq!(res.status, 303, "login as {username}: {}", res.text);
            let expected = format!("{window}/oauth/authorize?{}", params.query());
            assert_eq!(res.location(), Some(expected.as_str()), "after login");
            page = self.get(&expected).await;
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
    pub async fn decide(&self, window: &str, consent: &Reply, decision: &str) -> Reply {
        let (csrf, q) = hidden_fields(&consent.text, "consent page");
        self.post_form(
            &format!("{window}/oauth/authorize"),
            &[("csrf", &csrf), ("q", &q), ("decision", decision)],
        )
        .await
    }

    /// The whole flow on a window as `username`: authorize, login when needed, Allow; the code.
    pub async fn authorize_as(
        &self,
        window: &str,
        params: &AuthParams,
        username: &str,
        password: &str,
    ) -> String {
        let consent = self.open_consent(window, params, username, password).await;
        let res = self.decide(window, &consent, "allow").await;
        code_of(&res, "allow")
    }

    /// `POST /api.instagram.com/oauth/access_token` with a form body (the app's side).
    pub async fn exchange(&self, form: &[(&str, &str)]) -> Reply {
        Reply::send(
            client()
                .post(self.server.url("/api.instagram.com/oauth/access_token"))
                .form(form),
        )
        .await
    }

    /// Exchanges `code` of [`APP_ID`] issued for [`REDIRECT_URI`].
    pub async fn exchange_code(&self, code: &str) -> Reply {
        self.exchange(&[
            ("client_id", APP_ID),
            ("client_secret", APP_SECRET),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT_URI),
            ("code", code),
        ])
        .await
    }

    /// The query of a Facebook Login dialog request with `state=fb-st`.
    pub fn dialog_query(app: &str, redirect: &str, scope: &str) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", app)
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", scope)
            .append_pair("state", "fb-st")
            .finish()
    }

    /// Opens the Facebook Login dialog with this query.
    pub async fn facebook_dialog(&self, query: &str) -> Reply {
        self.get(&format!("{DIALOG}?{query}")).await
    }

    /// Opens the dialog, logs in with `email` / `password` when asked, and returns the consent
    /// page (asserted to be one).
    pub async fn facebook_consent(&self, query: &str, email: &str, password: &str) -> Reply {
        let mut page = self.facebook_dialog(query).await;
        assert_page(&page, 200, "dialog");
        if page.text.contains("name=\"password\"") {
            let (csrf, q) = hidden_fields(&page.text, "fb login");
            let res = self
                .post_form(
                    "/www.facebook.com/dialog/oauth/login",
                    &[
                        ("csrf", &csrf),
                        ("q", &q),
                        ("email", email),
                        ("password", password),
                    ],
                )
                .await;
            assert_eq!(res.status, 303, "login: {}", res.text);
            assert_eq!(res.location(), Some(format!("{DIALOG}?{query}").as_str()));
            page = self.facebook_dialog(query).await;
            assert_page(&page, 200, "dialog after login");
        }
        assert!(page.text.contains("id=\"allow\""), "{}", page.text);
        page
    }

    /// Clicks Continue (with these permissions and Pages ticked) or Cancel on the dialog.
    pub async fn facebook_decide(
        &self,
        consent: &Reply,
        decision: &str,
        perms: &[&str],
        pages: &[&str],
    ) -> Reply {
        let (csrf, q) = hidden_fields(&consent.text, "fb consent");
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("q", &q), ("decision", decision)];
        form.extend(perms.iter().map(|p| ("perm", *p)));
        form.extend(pages.iter().map(|p| ("page", *p)));
        self.post_form(DIALOG, &form).await
    }

    /// `GET graph.facebook.com/oauth/access_token` exchanging a dialog code (the app's side).
    pub async fn facebook_exchange(
        &self,
        app: &str,
        secret: &str,
        redirect_uri: &str,
        code: &str,
    ) -> Reply {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", app)
            .append_pair("client_secret", secret)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code", code)
            .finish();
        Reply::send(
            client().get(
                self.server
                    .url(&format!("{FB_GRAPH}/oauth/access_token?{q}")),
            ),
        )
        .await
    }

    /// Signs in on the Instagram side (`/instagram`), which must answer 303.
    pub async fn instagram_sign_in(&self, username: &str, password: &str) -> Reply {
        let res = self
            .submit(
                "/instagram",
                "/instagram/login",
                &[("username", username), ("password", password)],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.text);
        res
    }
}

/// An Instagram account holding a token for graph.instagram.com.
pub struct InstagramUser<'a> {
    browser: Anonymous<'a>,
    token: String,
}

impl<'a> InstagramUser<'a> {
    /// The token held.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Holds `token` from now on (the answer of an exchange or a refresh, say).
    pub fn set_token(&mut self, token: &str) {
        self.token = token.to_owned();
    }

    /// The user's browser (signed in to the authorize window when the user logged in there).
    pub fn browser(&self) -> &Anonymous<'a> {
        &self.browser
    }

    /// `GET graph.instagram.com{path}` with the token.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &self.token).await
    }

    /// `GET graph.instagram.com{path}` with another token (to compare answers).
    pub async fn get_with(&self, path: &str, token: &str) -> Reply {
        let url = self
            .browser
            .server
            .url(&with_token(&format!("{IG_GRAPH}{path}"), token));
        Reply::send(client().get(url)).await
    }

    /// `GET /me`.
    pub async fn me(&self) -> Reply {
        self.get("/me").await
    }

    /// `GET /me?fields=…`.
    pub async fn me_fields(&self, fields: &str) -> Reply {
        self.get(&format!("/me?fields={fields}")).await
    }

    /// `GET /me/media`.
    pub async fn media(&self) -> Reply {
        self.get("/me/media").await
    }

    /// `GET /access_token?grant_type=ig_exchange_token` with the app secret `secret`.
    pub async fn exchange_long_lived(&self, secret: &str) -> Reply {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "ig_exchange_token")
            .append_pair("client_secret", secret)
            .append_pair("access_token", &self.token)
            .finish();
        Reply::send(
            client().get(
                self.browser
                    .server
                    .url(&format!("{IG_GRAPH}/access_token?{q}")),
            ),
        )
        .await
    }

    /// `GET /refresh_access_token?grant_type=ig_refresh_token`.
    pub async fn refresh(&self) -> Reply {
        self.get("/refresh_access_token?grant_type=ig_refresh_token")
            .await
    }
}

/// A Facebook user holding a token for graph.facebook.com.
pub struct FacebookUser<'a> {
    browser: Anonymous<'a>,
    token: String,
}

impl<'a> FacebookUser<'a> {
    /// The token held.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The user's browser (signed in to the dialog when the user logged in there).
    pub fn browser(&self) -> &Anonymous<'a> {
        &self.browser
    }

    /// `GET graph.facebook.com/v21.0{path}` with the token.
    pub async fn get(&self, path: &str) -> Reply {
        let url = self
            .browser
            .server
            .url(&with_token(&format!("{FB_GRAPH}{path}"), &self.token));
        Reply::send(client().get(url)).await
    }

    /// `POST graph.facebook.com/v21.0{path}` with a form carrying the token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut fields = vec![("access_token", self.token.as_str())];
        fields.extend_from_slice(form);
        Reply::send(
            client()
                .post(self.browser.server.url(&format!("{FB_GRAPH}{path}")))
                .form(&fields),
        )
        .await
    }

    /// `GET /me`.
    pub async fn me(&self) -> Reply {
        self.get("/me").await
    }

    /// `GET /me/accounts?fields=…` (the Pages the user granted).
    pub async fn accounts(&self, fields: &str) -> Reply {
        self.get(&format!("/me/accounts?fields={fields}")).await
    }

    /// `GET /oauth/access_token?grant_type=fb_exchange_token` of the app `app` / `secret`.
    pub async fn exchange_long_lived(&self, app: &str, secret: &str) -> Reply {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "fb_exchange_token")
            .append_pair("client_id", app)
            .append_pair("client_secret", secret)
            .append_pair("fb_exchange_token", &self.token)
            .finish();
        Reply::send(
            client().get(
                self.browser
                    .server
                    .url(&format!("{FB_GRAPH}/oauth/access_token?{q}")),
            ),
        )
        .await
    }

    /// The admin of `page`, holding the Page token that `/me/accounts` lists for it.
    pub async fn page_admin(self, page: &str) -> PageAdmin<'a> {
        let res = self.accounts("id,access_token").await;
        assert_eq!(res.status, 200, "{}", res.text);
        let body = res.json();
        let page_token = body["data"]
            .as_array()
            .and_then(|pages| pages.iter().find(|p| p["id"] == page))
            .and_then(|p| p["access_token"].as_str())
            .unwrap_or_else(|| panic!("no Page {page} with a token in {body}"))
            .to_owned();
        PageAdmin {
            user: self,
            page: page.to_owned(),
            page_token,
        }
    }
}

/// A Facebook user with one of their Pages and its Page token.
pub struct PageAdmin<'a> {
    user: FacebookUser<'a>,
    page: String,
    page_token: String,
}

impl<'a> PageAdmin<'a> {
    /// The Page's id.
    pub fn page_id(&self) -> &str {
        &self.page
    }

    /// The Page token.
    pub fn page_token(&self) -> &str {
        &self.page_token
    }

    /// The user behind the Page.
    pub fn user(&self) -> &FacebookUser<'a> {
        &self.user
    }

    /// `GET graph.facebook.com/v21.0{path}` with the Page token.
    pub async fn get(&self, path: &str) -> Reply {
        let url = self
            .user
            .browser
            .server
            .url(&with_token(&format!("{FB_GRAPH}{path}"), &self.page_token));
        Reply::send(client().get(url)).await
    }

    /// `GET /{page-id}?fields=…` with the Page token.
    pub async fn page(&self, fields: &str) -> Reply {
        self.get(&format!("/{}?fields={fields}", self.page)).await
    }
}

/// A browser on the App Dashboard, sending its forms with the CSRF token of the page they are on.
pub struct DashboardDeveloper<'a> {
    browser: Anonymous<'a>,
}

impl<'a> DashboardDeveloper<'a> {
    /// The developer's browser.
    pub fn browser(&self) -> &Anonymous<'a> {
        &self.browser
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.browser.get(path).await
    }

    /// `GET path` asking for a language (`Accept-Language`).
    pub async fn get_in(&self, path: &str, accept_language: &str) -> Reply {
        self.browser.get_in(path, accept_language).await
    }

    /// `POST path` with a form body as given (no CSRF token added).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.browser.post_form(path, form).await
    }

    /// The browser's HTTP client, for a request no step covers.
    pub fn http(&self) -> &reqwest::Client {
        self.browser.http()
    }

    /// Opens `page` and posts `form` with its CSRF token to `action`.
    pub async fn submit(&self, page: &str, action: &str, form: &[(&str, &str)]) -> Reply {
        self.browser.submit(page, action, form).await
    }

    /// Posts `form` with the CSRF token of the page already shown to `action`.
    pub async fn submit_on(&self, shown: &Reply, action: &str, form: &[(&str, &str)]) -> Reply {
        self.browser.submit_on(shown, action, form).await
    }

    /// `POST /unlock` with the admin token, on the CSRF token of `/unlock`.
    pub async fn unlock(&self, token: &str) -> Reply {
        let page = self.get("/unlock").await;
        self.browser
            .submit_on(&page, "/unlock", &[("token", token)])
            .await
    }

    /// The app list (`/`).
    pub async fn apps(&self) -> Reply {
        self.get("/").await
    }

    /// The page of app `id`.
    pub async fn app(&self, id: &str) -> Reply {
        self.get(&format!("/apps/{id}")).await
    }

    /// Creates an app named `name` from the app list: the 303 to its page.
    pub async fn create_app(&self, name: &str) -> Reply {
        self.submit("/", "/apps", &[("name", name)]).await
    }

    /// Creates an app and opens the page it redirects to: its id and the secret shown there
    /// once. Panics unless the page says the app was created.
    pub async fn created_app(&self, name: &str) -> (String, String, Reply) {
        let res = self.create_app(name).await;
        assert_eq!(res.status, 303, "{}", res.text);
        crate::pages::assert_page_headers(&res.headers, "create");
        let location = res.location().unwrap_or_default().to_owned();
        let id = location
            .strip_prefix("/apps/")
            .and_then(|r| r.split('?').next())
            .unwrap_or_else(|| panic!("not an app page: {location}"))
            .to_owned();
        let page = self.get(&location).await;
        assert_page(&page, 200, "app page");
        let secret = shown_secret(&page).expect("the secret is shown right after creation");
        assert!(page.text.contains("App created."), "{}", page.text);
        (id, secret, page)
    }

    /// Invites `username` as a tester of `app`.
    pub async fn add_tester(&self, app: &str, username: &str) -> Reply {
        let page = format!("/apps/{app}");
        self.submit(&page, &format!("{page}/testers"), &[("username", username)])
            .await
    }

    /// Removes the tester `ig_user_id` from `app`.
    pub async fn remove_tester(&self, app: &str, ig_user_id: &str) -> Reply {
        let page = format!("/apps/{app}");
        self.submit(
            &page,
            &format!("{page}/testers/remove"),
            &[("ig_user_id", ig_user_id)],
        )
        .await
    }

    /// The User Token Generator of `app` for the tester `user_id`.
    pub async fn token_generator(&self, app: &str, user_id: &str) -> Reply {
        self.get(&format!("/apps/{app}/token-generator/{user_id}"))
            .await
    }

    /// Posts the Token Generator's login form, on the CSRF token of `shown`.
    pub async fn token_generator_login(
        &self,
        app: &str,
        user_id: &str,
        shown: &Reply,
        username: &str,
        password: &str,
    ) -> Reply {
        self.browser
            .submit_on(
                shown,
                &format!("/apps/{app}/token-generator/{user_id}/login"),
                &[("username", username), ("password", password)],
            )
            .await
    }

    /// Clicks `allow` or `cancel` on the Token Generator's consent page `shown`.
    pub async fn token_generator_decide(
        &self,
        app: &str,
        user_id: &str,
        shown: &Reply,
        decision: &str,
    ) -> Reply {
        self.browser
            .submit_on(
                shown,
                &format!("/apps/{app}/token-generator/{user_id}"),
                &[("decision", decision)],
            )
            .await
    }

    /// The Emulator page.
    pub async fn emulator(&self) -> Reply {
        self.get("/emulator").await
    }

    /// Advances the clock from the Emulator page by `duration` (`1h30m`).
    pub async fn advance_clock(&self, duration: &str) -> Reply {
        self.submit(
            "/emulator",
            "/emulator/clock/advance",
            &[("duration", duration)],
        )
        .await
    }

    /// Uploads `bytes` as `file_name` for `owner` from the Emulator page, captioned `Uploaded`.
    pub async fn upload(&self, owner: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
        let page = self.emulator().await;
        let form = reqwest::multipart::Form::new()
            .text("csrf", page.csrf())
            .text("owner", owner.to_owned())
            .text("caption", "Uploaded")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
            );
        Reply::send(
            self.browser
                .http
                .post(self.browser.server.url("/emulator/media"))
                .multipart(form),
        )
        .await
    }

    /// Chooses the dashboard's language (`/lang/{lang}`), coming back to `back`.
    pub async fn choose_language(&self, lang: &str, back: &str) -> Reply {
        self.get(&format!("/lang/{lang}?back={back}")).await
    }
}

/// The app secret a page shows once (`data-secret="…"`), if it shows one.
pub fn shown_secret(page: &Reply) -> Option<String> {
    page.text
        .split("data-secret=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(str::to_owned)
}
