//! OAuth: authorize URLs for Instagram (both windows) and Facebook Login, with a generated
//! `state` (and PKCE when asked) that is verified on the way back; the redirect parser; and the
//! token calls (code exchange, long-lived exchange, refresh, Facebook code exchange,
//! `fb_exchange_token`).
//!
//! ```
//! use localgram_client::{AppSecret, Client};
//! use localgram_client::oauth::InstagramWindow;
//!
//! let client = Client::builder()
//!     .localgram("http://127.0.0.1:8090")
//!     .app_id("990000000000001")
//!     .app_secret(AppSecret::new("app-secret"))
//!     .build()?;
//! let request = client
//!     .oauth()
//!     .instagram_authorize(InstagramWindow::BusinessLogin, "https://app.example.com/auth/")
//!     .scopes(["instagram_business_basic"])
//!     .pkce()
//!     .build()?;
//! // Send the user to `request.url()`; keep `request` (or its state and verifier) until the
//! // redirect comes back, then:
//! let redirect = format!(
//!     "https://app.example.com/auth/?code=AQD7fake&state={}#_",
//!     request.state().secret()
//! );
//! let grant = request.verify_redirect(&redirect)?;
//! assert_eq!(grant.code().secret(), "AQD7fake");
//! // client.oauth().exchange_code(grant).send().await? gives the short-lived token.
//! # Ok::<(), localgram_client::ClientError>(())
//! ```

use std::fmt;

use reqwest::Method;
use url::Url;

use crate::client::{Call, Client, Host, Response, Target};
use crate::error::{ClientError, Result};
use crate::requests::DebugTokenRequest;
use crate::secret::{
    AccessToken, AppSecret, AuthorizationCode, CsrfState, PkceCodeVerifier, constant_time_eq,
};
use crate::token::TokenResponse;
use crate::util::{random_token, s256};

/// Which Instagram authorization window to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstagramWindow {
    /// `api.instagram.com/oauth/authorize`: the Basic Display window (also documented for the
    /// Instagram Platform scopes).
    BasicDisplay,
    /// `www.instagram.com/oauth/authorize`: Business Login for Instagram.
    BusinessLogin,
}

/// The OAuth flows of a [`Client`]; see [`Client::oauth`].
#[derive(Debug, Clone)]
pub struct OAuth {
    client: Client,
}

impl Client {
    /// The OAuth flows: authorize URLs and token calls.
    pub fn oauth(&self) -> OAuth {
        OAuth {
            client: self.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Dialog {
    Instagram(InstagramWindow),
    Facebook,
}

/// Builds an authorization URL; see [`OAuth::instagram_authorize`] and
/// [`OAuth::facebook_authorize`].
#[must_use = "call `.build()` to get the URL"]
#[derive(Debug)]
pub struct AuthorizeUrlBuilder {
    client: Client,
    dialog: Dialog,
    redirect_uri: String,
    client_id: Option<String>,
    scopes: Vec<String>,
    state: Option<CsrfState>,
    pkce: bool,
    enable_fb_login: Option<bool>,
    force_reauth: Option<bool>,
    extra: Vec<(String, String)>,
}

impl AuthorizeUrlBuilder {
    /// The app id, if not the client's.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Adds one scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Adds scopes (sent comma-separated).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Uses this `state` instead of a random one.
    pub fn state(mut self, state: CsrfState) -> Self {
        self.state = Some(state);
        self
    }

    /// Adds a PKCE challenge (S256); the verifier travels in the [`AuthorizationRequest`] to
    /// the code exchange. Localgram enforces it once sent; Instagram ignores it.
    pub fn pkce(mut self) -> Self {
        self.pkce = true;
        self
    }

    /// `enable_fb_login` (Business Login only): `false` hides "log in with Facebook".
    pub fn enable_fb_login(mut self, enable: bool) -> Self {
        self.enable_fb_login = Some(enable);
        self
    }

    /// `force_reauth` (Business Login only): makes the user enter credentials again.
    pub fn force_reauth(mut self, force: bool) -> Self {
        self.force_reauth = Some(force);
        self
    }

    /// Adds any other query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Builds the URL, generating `state` (and the PKCE verifier when asked).
    pub fn build(self) -> Result<AuthorizationRequest> {
        let client_id = match self.client_id {
            Some(id) => id,
            None => self.client.require_app_id()?,
        };
        if self.redirect_uri.trim().is_empty() {
            return Err(ClientError::Input("a redirect URI is required".into()));
        }
        if matches!(self.dialog, Dialog::Instagram(_)) && self.scopes.is_empty() {
            return Err(ClientError::Input(
                "Instagram needs at least one scope (user_profile or instagram_business_basic)"
                    .into(),
            ));
        }
        let mut url = match self.dialog {
            Dialog::Instagram(InstagramWindow::BasicDisplay) => self.client.endpoint(
                Host::ApiInstagram,
                false,
                &["oauth".into(), "authorize".into()],
            )?,
            Dialog::Instagram(InstagramWindow::BusinessLogin) => self.client.endpoint(
                Host::WwwInstagram,
                false,
                &["oauth".into(), "authorize".into()],
            )?,
            Dialog::Facebook => {
                self.client
                    .endpoint(Host::WwwFacebook, true, &["dialog".into(), "oauth".into()])?
            }
        };
        let state = self.state.unwrap_or_else(|| CsrfState::new(random_token()));
        let verifier = self.pkce.then(|| PkceCodeVerifier::new(random_token()));
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &client_id);
            q.append_pair("redirect_uri", &self.redirect_uri);
            q.append_pair("response_type", "code");
            if !self.scopes.is_empty() {
                q.append_pair("scope", &self.scopes.join(","));
            }
            q.append_pair("state", state.secret());
            if let Some(verifier) = &verifier {
                q.append_pair("code_challenge", &s256(verifier.secret()));
                q.append_pair("code_challenge_method", "S256");
            }
            if let Some(v) = self.enable_fb_login {
                q.append_pair("enable_fb_login", if v { "true" } else { "false" });
            }
            if let Some(v) = self.force_reauth {
                q.append_pair("force_reauth", if v { "true" } else { "false" });
            }
            for (k, v) in &self.extra {
                q.append_pair(k, v);
            }
        }
        Ok(AuthorizationRequest {
            url,
            state,
            pkce_verifier: verifier,
            redirect_uri: self.redirect_uri,
        })
    }
}

/// An authorization in progress: the URL to send the user to, and what is needed to check and
/// use the redirect that comes back.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    url: Url,
    state: CsrfState,
    pkce_verifier: Option<PkceCodeVerifier>,
    redirect_uri: String,
}

impl AuthorizationRequest {
    /// Rebuilds a request from what was stored between the two steps (for web apps that keep
    /// the state and verifier in a session). Only verification and the exchange need it; its
    /// [`url`](Self::url) is `about:blank`.
    pub fn resume(
        state: CsrfState,
        redirect_uri: impl Into<String>,
        pkce_verifier: Option<PkceCodeVerifier>,
    ) -> Self {
        Self {
            url: Url::parse("about:blank").expect("valid URL"),
            state,
            pkce_verifier,
            redirect_uri: redirect_uri.into(),
        }
    }

    /// The URL to open in the user's browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` sent.
    pub fn state(&self) -> &CsrfState {
        &self.state
    }

    /// The PKCE verifier, when PKCE was asked for.
    pub fn pkce_verifier(&self) -> Option<&PkceCodeVerifier> {
        self.pkce_verifier.as_ref()
    }

    /// The redirect URI sent (the code exchange must repeat it exactly).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Checks the redirect the browser came back with: its `state` must match, and it must carry
    /// a code. A denial becomes [`ClientError::Denied`], a missing or different state
    /// [`ClientError::StateMismatch`].
    pub fn verify_redirect(&self, redirect_url: &str) -> Result<AuthorizationGrant> {
        let code = verify_redirect(redirect_url, &self.state)?;
        Ok(AuthorizationGrant {
            code,
            redirect_uri: self.redirect_uri.clone(),
            pkce_verifier: self.pkce_verifier.clone(),
        })
    }
}

/// What the code exchange needs: the code, the redirect URI used, and the PKCE verifier.
#[derive(Debug, Clone)]
pub struct AuthorizationGrant {
    code: AuthorizationCode,
    redirect_uri: String,
    pkce_verifier: Option<PkceCodeVerifier>,
}

impl AuthorizationGrant {
    /// A grant from a code obtained elsewhere (e.g. pasted by the user).
    pub fn new(code: AuthorizationCode, redirect_uri: impl Into<String>) -> Self {
        Self {
            code,
            redirect_uri: redirect_uri.into(),
            pkce_verifier: None,
        }
    }

    /// Adds the PKCE verifier.
    pub fn with_pkce_verifier(mut self, verifier: PkceCodeVerifier) -> Self {
        self.pkce_verifier = Some(verifier);
        self
    }

    /// The code.
    pub fn code(&self) -> &AuthorizationCode {
        &self.code
    }

    /// The redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
}

/// What a successful redirect carries.
#[derive(Clone)]
#[non_exhaustive]
pub struct RedirectParams {
    /// The code, `#_` removed.
    pub code: AuthorizationCode,
    /// The `state` echoed, if any.
    pub state: Option<String>,
}

impl fmt::Debug for RedirectParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectParams")
            .field("code", &self.code)
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Parses the URL the authorization window redirected to (absolute, or just its path and
/// query). Instagram's trailing `#_` is dropped; `error=…` becomes [`ClientError::Denied`].
///
/// ```
/// use localgram_client::ClientError;
/// use localgram_client::oauth::parse_redirect;
///
/// let ok = parse_redirect("https://app.example.com/auth/?code=AQD7fakeCodeXyZ123&state=csrf-42#_")?;
/// assert_eq!(ok.code.secret(), "AQD7fakeCodeXyZ123");
/// assert_eq!(ok.state.as_deref(), Some("csrf-42"));
///
/// let denied = parse_redirect(
///     "https://app.example.com/auth/?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request",
/// );
/// assert!(matches!(
///     denied,
///     Err(ClientError::Denied { ref error, ref description, .. })
///         if error == "access_denied" && description.as_deref() == Some("The user denied your request")
/// ));
/// # Ok::<(), ClientError>(())
/// ```
pub fn parse_redirect(redirect_url: &str) -> Result<RedirectParams> {
    let input = redirect_url.trim();
    let url = match Url::parse(input) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => Url::parse("http://redirect.invalid/")
            .and_then(|base| base.join(input))
            .map_err(|e| ClientError::Redirect(format!("not a URL: {e}")))?,
        Err(e) => return Err(ClientError::Redirect(format!("not a URL: {e}"))),
    };
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let has = |p: &[(String, String)], k: &str| p.iter().any(|(n, _)| n == k);
    if !has(&params, "code")
        && !has(&params, "error")
        && let Some(fragment) = url.fragment()
    {
        // Some flows answer in the fragment; Instagram's `#_` holds nothing.
        params.extend(
            url::form_urlencoded::parse(fragment.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    if let Some(error) = get("error") {
        return Err(ClientError::Denied {
            error,
            reason: get("error_reason"),
            description: get("error_description"),
        });
    }
    match get("code") {
        Some(code) => Ok(RedirectParams {
            code: AuthorizationCode::from_redirect_value(&code),
            state: get("state"),
        }),
        None => Err(ClientError::Redirect(
            "the redirect carries neither `code` nor `error`".into(),
        )),
    }
}

/// Parses a redirect and checks its `state` against the one sent.
pub fn verify_redirect(
    redirect_url: &str,
    expected_state: &CsrfState,
) -> Result<AuthorizationCode> {
    let params = parse_redirect(redirect_url)?;
    match params.state {
        Some(state) if constant_time_eq(state.as_bytes(), expected_state.secret().as_bytes()) => {
            Ok(params.code)
        }
        _ => Err(ClientError::StateMismatch),
    }
}

#[derive(Debug)]
enum TokenKind {
    InstagramCode(AuthorizationGrant),
    FacebookCode(AuthorizationGrant),
    InstagramLongLived(AccessToken),
    InstagramRefresh(AccessToken),
    FacebookExchange(AccessToken),
}

/// A token call; see the methods of [`OAuth`]. Answers a [`TokenResponse`].
#[must_use = "a request does nothing until `.send()` is called"]
#[derive(Debug)]
pub struct TokenRequest {
    client: Client,
    kind: TokenKind,
    client_id: Option<String>,
    client_secret: Option<AppSecret>,
}

impl TokenRequest {
    fn new(client: &Client, kind: TokenKind) -> Self {
        Self {
            client: client.clone(),
            kind,
            client_id: None,
            client_secret: None,
        }
    }

    /// The app id, if not the client's.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The app secret, if not the client's.
    pub fn client_secret(mut self, secret: AppSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    fn id(&self) -> Result<String> {
        match &self.client_id {
            Some(id) => Ok(id.clone()),
            None => self.client.require_app_id(),
        }
    }

    fn secret(&self) -> Result<String> {
        match &self.client_secret {
            Some(s) => Ok(s.secret().to_owned()),
            None => Ok(self.client.require_app_secret()?.secret().to_owned()),
        }
    }

    fn call(&self) -> Result<Call> {
        let endpoint = |host, versioned, path: &[&str]| Target::Endpoint {
            host,
            versioned,
            segments: path.iter().map(|s| (*s).to_owned()).collect(),
        };
        let pair = |k: &str, v: String| (k.to_owned(), v);
        let mut call = Call {
            client: self.client.clone(),
            method: Method::GET,
            target: endpoint(Host::GraphInstagram, false, &["access_token"]),
            query: Vec::new(),
            form: Vec::new(),
            token: None,
            attach_token: false,
            needs_token: false,
            retry: true,
        };
        match &self.kind {
            TokenKind::InstagramCode(grant) => {
                call.method = Method::POST;
                call.target = endpoint(Host::ApiInstagram, false, &["oauth", "access_token"]);
                call.retry = false;
                call.form = vec![
                    pair("client_id", self.id()?),
                    pair("client_secret", self.secret()?),
                    pair("grant_type", "authorization_code".into()),
                    pair("redirect_uri", grant.redirect_uri.clone()),
                    pair("code", grant.code.secret().to_owned()),
                ];
                if let Some(v) = &grant.pkce_verifier {
                    call.form.push(pair("code_verifier", v.secret().to_owned()));
                }
            }
            TokenKind::FacebookCode(grant) => {
                call.target = endpoint(Host::GraphFacebook, true, &["oauth", "access_token"]);
                call.retry = false;
                call.query = vec![
                    pair("client_id", self.id()?),
                    pair("redirect_uri", grant.redirect_uri.clone()),
                    pair("client_secret", self.secret()?),
                    pair("code", grant.code.secret().to_owned()),
                ];
                if let Some(v) = &grant.pkce_verifier {
                    call.query
                        .push(pair("code_verifier", v.secret().to_owned()));
                }
            }
            TokenKind::InstagramLongLived(short) => {
                call.query = vec![
                    pair("grant_type", "ig_exchange_token".into()),
                    pair("client_secret", self.secret()?),
                ];
                call.token = Some(short.clone());
                call.attach_token = true;
                call.needs_token = true;
            }
            TokenKind::InstagramRefresh(long) => {
                call.target = endpoint(Host::GraphInstagram, false, &["refresh_access_token"]);
                call.query = vec![pair("grant_type", "ig_refresh_token".into())];
                call.token = Some(long.clone());
                call.attach_token = true;
                call.needs_token = true;
            }
            TokenKind::FacebookExchange(token) => {
                call.target = endpoint(Host::GraphFacebook, true, &["oauth", "access_token"]);
                call.query = vec![
                    pair("grant_type", "fb_exchange_token".into()),
                    pair("client_id", self.id()?),
                    pair("client_secret", self.secret()?),
                    pair("fb_exchange_token", token.secret().to_owned()),
                ];
            }
        }
        Ok(call)
    }

    /// Sends the call. Code exchanges are never retried (a code is single-use); the other token
    /// calls follow the client's retry policy.
    pub async fn send(self) -> Result<TokenResponse> {
        Ok(self.send_with_meta().await?.value)
    }

    /// Sends the call and keeps the status and headers.
    pub async fn send_with_meta(self) -> Result<Response<TokenResponse>> {
        let call = self.call()?;
        let (response, redactor) = call.execute().await?;
        let value = TokenResponse::parse(&response.body, &redactor)?;
        Ok(Response {
            value,
            status: response.status,
            usage: crate::usage::Usage::from_headers(&response.headers),
            headers: response.headers,
        })
    }
}

impl OAuth {
    /// An Instagram authorization URL (`/oauth/authorize` on api.instagram.com or
    /// www.instagram.com).
    pub fn instagram_authorize(
        &self,
        window: InstagramWindow,
        redirect_uri: impl Into<String>,
    ) -> AuthorizeUrlBuilder {
        self.authorize(Dialog::Instagram(window), redirect_uri.into())
    }

    /// A Facebook Login dialog URL (`www.facebook.com/{version}/dialog/oauth`).
    pub fn facebook_authorize(&self, redirect_uri: impl Into<String>) -> AuthorizeUrlBuilder {
        self.authorize(Dialog::Facebook, redirect_uri.into())
    }

    fn authorize(&self, dialog: Dialog, redirect_uri: String) -> AuthorizeUrlBuilder {
        AuthorizeUrlBuilder {
            client: self.client.clone(),
            dialog,
            redirect_uri,
            client_id: None,
            scopes: Vec::new(),
            state: None,
            pkce: false,
            enable_fb_login: None,
            force_reauth: None,
            extra: Vec::new(),
        }
    }

    /// Instagram code exchange: `POST api.instagram.com/oauth/access_token` → a short-lived
    /// token and the user id. Never retried.
    pub fn exchange_code(&self, grant: AuthorizationGrant) -> TokenRequest {
        TokenRequest::new(&self.client, TokenKind::InstagramCode(grant))
    }

    /// Short-lived → long-lived (60 days): `GET graph.instagram.com/access_token?grant_type=ig_exchange_token`.
    pub fn exchange_for_long_lived(&self, short_lived: &AccessToken) -> TokenRequest {
        TokenRequest::new(
            &self.client,
            TokenKind::InstagramLongLived(short_lived.clone()),
        )
    }

    /// Refreshes a long-lived token (at least 24 hours old, unexpired):
    /// `GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token`.
    pub fn refresh(&self, long_lived: &AccessToken) -> TokenRequest {
        TokenRequest::new(
            &self.client,
            TokenKind::InstagramRefresh(long_lived.clone()),
        )
    }

    /// Facebook Login code exchange: `GET graph.facebook.com/{v}/oauth/access_token?code=…`.
    /// Never retried.
    pub fn facebook_exchange_code(&self, grant: AuthorizationGrant) -> TokenRequest {
        TokenRequest::new(&self.client, TokenKind::FacebookCode(grant))
    }

    /// Facebook short-lived → long-lived: `grant_type=fb_exchange_token`.
    pub fn facebook_exchange_token(&self, token: &AccessToken) -> TokenRequest {
        TokenRequest::new(&self.client, TokenKind::FacebookExchange(token.clone()))
    }

    /// `GET /debug_token`; the same as [`Client::debug_token`].
    pub fn debug_token(&self, input_token: &AccessToken) -> DebugTokenRequest {
        self.client.debug_token(input_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder()
            .localgram("http://127.0.0.1:8090")
            .app_id("990001")
            .build()
            .unwrap()
    }

    #[test]
    fn instagram_business_login_url_carries_every_parameter() {
        let req = client()
            .oauth()
            .instagram_authorize(
                InstagramWindow::BusinessLogin,
                "https://app.example.com/auth/",
            )
            .scopes([
                "instagram_business_basic",
                "instagram_business_manage_messages",
            ])
            .enable_fb_login(false)
            .force_reauth(true)
            .pkce()
            .build()
            .unwrap();
        let url = req.url();
        assert_eq!(url.path(), "/www.instagram.com/oauth/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "990001");
        assert_eq!(q["redirect_uri"], "https://app.example.com/auth/");
        assert_eq!(q["response_type"], "code");
        assert_eq!(
            q["scope"],
            "instagram_business_basic,instagram_business_manage_messages"
        );
        assert_eq!(q["state"], req.state().secret());
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(
            q["code_challenge"],
            s256(req.pkce_verifier().unwrap().secret())
        );
        assert_eq!(q["enable_fb_login"], "false");
        assert_eq!(q["force_reauth"], "true");
    }

    #[test]
    fn basic_display_and_facebook_dialogs_use_their_hosts() {
        let c = client();
        let ig = c
            .oauth()
            .instagram_authorize(InstagramWindow::BasicDisplay, "https://a.example/cb")
            .scope("user_profile")
            .build()
            .unwrap();
        assert_eq!(ig.url().path(), "/api.instagram.com/oauth/authorize");
        assert!(ig.pkce_verifier().is_none());
        let fb = c
            .oauth()
            .facebook_authorize("https://a.example/cb")
            .build()
            .unwrap();
        assert_eq!(fb.url().path(), "/www.facebook.com/v21.0/dialog/oauth");
        // Each request gets its own state.
        assert_ne!(ig.state().secret(), fb.state().secret());
    }

    #[test]
    fn instagram_without_scope_is_refused() {
        let e = client()
            .oauth()
            .instagram_authorize(InstagramWindow::BasicDisplay, "https://a.example/cb")
            .build()
            .unwrap_err();
        assert!(matches!(e, ClientError::Input(_)));
    }
}
