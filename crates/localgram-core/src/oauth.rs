//! The Instagram authorization flow: the authorize window's validation, login, consent, codes, and
//! the code exchange (`docs/graph-api.md#authorize-window`, `docs/graph-api.md#code-exchange`,
//! `docs/robustness.md#code-exchange-rules`, `docs/robustness.md#pkce`).

use crate::error::{AuthorizeError, OAuthError};
use crate::model::{
    App, AppMode, AuthCode, IgUser, PkceMethod, Product, Subject, TesterStatus, TokenKind,
    TokenRecord, TokenResponseShape,
};
use crate::params::{Duplicate, Params};
use crate::platform::Platform;
use crate::scope::{Family, ScopeError, Scopes};
use crate::secret::{self, Secret, SecretHash};
use crate::store::{Redemption, StoreError};

/// Which authorization window a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// `api.instagram.com/oauth/authorize`.
    Api,
    /// `www.instagram.com/oauth/authorize` (Business Login: `enable_fb_login`, `force_reauth`).
    Www,
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizeRequest {
    /// The app.
    pub app: App,
    /// The redirect URI, exactly as sent.
    pub redirect_uri: String,
    /// The requested scopes.
    pub scopes: Scopes,
    /// `state`, echoed byte for byte.
    pub state: Option<String>,
    /// PKCE challenge and method.
    pub code_challenge: Option<(String, PkceMethod)>,
    /// `force_reauth=true` (www window only).
    pub force_reauth: bool,
    /// `enable_fb_login` (www window only; default true).
    pub enable_fb_login: bool,
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown username or wrong password (the page does not say which).
    #[error("Sorry, your password was incorrect. Please double-check your password.")]
    BadCredentials,
    /// Too many failed passwords for this account lately ([`crate::attempts`]): refused until
    /// `until`, whatever the password.
    #[error("Too many failed attempts. Please wait a few minutes before you try again.")]
    TooManyAttempts {
        /// When attempts are allowed again.
        until: time::OffsetDateTime,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A failure of the authorize window: a page text, or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeFailure {
    /// Shown on the error page.
    #[error(transparent)]
    Refused(#[from] AuthorizeError),
    /// The store failed (logged; the page says something went wrong).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Duplicate> for AuthorizeError {
    fn from(d: Duplicate) -> Self {
        Self::DuplicateParameter(d.0)
    }
}

impl From<Duplicate> for AuthorizeFailure {
    fn from(d: Duplicate) -> Self {
        Self::Refused(d.into())
    }
}

/// The outcome of a client secret check under brute-force slowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientSecretCheck {
    /// The secret is right.
    Ok,
    /// The secret is wrong (counted).
    Wrong,
    /// Too many wrong secrets for this app lately: refused whatever the secret.
    Throttled,
}

/// Reads a boolean query parameter of the authorize window (`force_reauth`, `enable_fb_login`):
/// `true`/`1`, `false`/`0` (any case), anything else or nothing gives `default`.
pub fn parse_bool(v: Option<&str>, default: bool) -> bool {
    match v {
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => true,
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => false,
        _ => default,
    }
}

/// The code exchange's input, as the server decoded it.
#[derive(Debug, Default)]
pub struct ExchangeInput<'a> {
    /// `client_id` / `app_id` (or the Basic user name).
    pub client_id: Option<&'a str>,
    /// `client_secret` / `app_secret` (or the Basic password).
    pub client_secret: Option<&'a str>,
    /// Whether the credentials came in an `Authorization: Basic` header.
    pub via_basic: bool,
    /// `grant_type`.
    pub grant_type: Option<&'a str>,
    /// `redirect_uri`.
    pub redirect_uri: Option<&'a str>,
    /// `code`, with any `#_` already stripped.
    pub code: Option<&'a str>,
    /// `code_verifier`.
    pub code_verifier: Option<&'a str>,
}

/// The API a code was issued for, which decides where it is exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeHost {
    /// An Instagram code: `api.instagram.com/oauth/access_token`.
    Instagram,
    /// A Facebook Login code: `graph.facebook.com/oauth/access_token`.
    Facebook,
}

/// What a redirect target may know about a code it received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeOrigin {
    /// Where the code is exchanged.
    pub host: CodeHost,
    /// The app it was issued to.
    pub app_id: String,
    /// The redirect URI it is bound to.
    pub redirect_uri: String,
}

/// A successful code exchange.
#[derive(Debug)]
pub struct CodeExchange {
    /// The short-lived token.
    pub access_token: Secret,
    /// The app-scoped user id.
    pub user_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The API family, which picks the response shape (`docs/graph-api.md#code-exchange-shapes`).
    pub family: Family,
    /// The app's Instagram Login response shape.
    pub shape: TokenResponseShape,
    /// The app, for logs.
    pub app_id: String,
}

impl Platform {
    /// The app an Instagram OAuth `client_id` names, and the hash of the secret that
    /// authenticates it: the app's own id and secret, or its Instagram app's
    /// (`docs/dashboard.md#instagram-app`).
    pub async fn instagram_client(
        &self,
        client_id: &str,
    ) -> Result<Option<(crate::model::App, String)>, crate::store::StoreError> {
        if let Some(app) = self.store.find_app(client_id).await? {
            let hash = app.secret_hash.clone();
            return Ok(Some((app, hash)));
        }
        Ok(self
            .store
            .find_app_by_instagram_app_id(client_id)
            .await?
            .and_then(|app| {
                let hash = app.instagram_app.as_ref()?.secret_hash.clone();
                Some((app, hash))
            }))
    }

    /// Validates an authorize request before anything is shown
    /// (`docs/robustness.md#authorize-errors`). The tester rule needs the user and is checked by
    /// [`Platform::check_may_authorize`] once someone is logged in.
    pub async fn validate_authorize(
        &self,
        window: Window,
        params: &Params,
    ) -> Result<AuthorizeRequest, AuthorizeFailure> {
        let client_id = params
            .get_any(&["client_id", "app_id"])?
            .ok_or(AuthorizeError::InvalidPlatformApp)?;
        let (app, _) = self
            .instagram_client(client_id)
            .await?
            .ok_or(AuthorizeError::InvalidPlatformApp)?;
        if !app
            .products
            .iter()
            .any(|p| matches!(p, Product::InstagramBasicDisplay | Product::InstagramLogin))
        {
            return Err(AuthorizeError::InvalidPlatformApp.into());
        }
        let redirect_uri = params
            .get("redirect_uri")?
            .ok_or(AuthorizeError::InvalidRedirectUri)?;
        if !app
            .redirect_uris
            .iter()
            .any(|r| crate::redirect::matches(r, redirect_uri))
        {
            return Err(AuthorizeError::InvalidRedirectUri.into());
        }
        if params.get("response_type")? != Some("code") {
            return Err(AuthorizeError::InvalidResponseType.into());
        }
        let scopes = Scopes::parse(params.get("scope")?.unwrap_or("")).map_err(|e| match e {
            ScopeError::Missing => AuthorizeError::MissingScope("user_profile"),
            ScopeError::Unknown(s) => AuthorizeError::InvalidScope(s),
            ScopeError::MixedFamilies => AuthorizeError::MixedScopes,
            ScopeError::RequiredMissing(s) => AuthorizeError::MissingScope(s),
        })?;
        let product_needed = match scopes.family() {
            Family::BasicDisplay => Product::InstagramBasicDisplay,
            Family::InstagramLogin => Product::InstagramLogin,
        };
        if !app.products.contains(&product_needed) {
            return Err(AuthorizeError::InvalidPlatformApp.into());
        }
        let code_challenge = match (
            params.get("code_challenge")?,
            params.get("code_challenge_method")?,
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(AuthorizeError::InvalidPkce(
                    "code_challenge_method without code_challenge",
                )
                .into());
            }
            (Some(c), method) => {
                let method = match method {
                    None => PkceMethod::Plain,
                    Some(m) => PkceMethod::parse(m).ok_or(AuthorizeError::InvalidPkce(
                        "Unsupported code_challenge_method (use S256 or plain)",
                    ))?,
                };
                if !crate::pkce::verifier_is_well_formed(c) {
                    return Err(AuthorizeError::InvalidPkce(
                        "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
                    )
                    .into());
                }
                Some((c.to_owned(), method))
            }
        };
        let (force_reauth, enable_fb_login) = match window {
            Window::Api => (false, false),
            Window::Www => (
                parse_bool(params.get("force_reauth")?, false),
                parse_bool(params.get("enable_fb_login")?, true),
            ),
        };
        Ok(AuthorizeRequest {
            app,
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: params.get("state")?.map(str::to_owned),
            code_challenge,
            force_reauth,
            enable_fb_login,
        })
    }

    /// The tester rule: a development-mode app may be authorized only by its accepted testers.
    pub async fn check_may_authorize(
        &self,
        app: &App,
        user: &IgUser,
    ) -> Result<(), AuthorizeFailure> {
        if app.mode == AppMode::Live {
            return Ok(());
        }
        match self.store.find_tester_status(&app.id, &user.id).await? {
            Some(TesterStatus::Accepted) => Ok(()),
            _ => Err(AuthorizeError::InsufficientDeveloperRole.into()),
        }
    }

    /// Checks an Instagram username and password. Unknown users cost the same argon2 work as
    /// known ones, so timing does not tell them apart.
    pub async fn login_instagram(
        &self,
        username: &str,
        password: &str,
    ) -> Result<IgUser, LoginError> {
        use crate::attempts::Target;
        let now = self.clock.now();
        if let Some(until) = self
            .attempts
            .locked_until(Target::InstagramLogin, username, now)
        {
            return Err(LoginError::TooManyAttempts { until });
        }
        let user = self.store.find_ig_user_by_username(username.trim()).await?;
        let result = match user {
            Some(u) if secret::verify_password(password, &u.password_hash) => Ok(u),
            Some(_) => Err(LoginError::BadCredentials),
            None => {
                let _ = secret::verify_password(password, DUMMY_HASH);
                Err(LoginError::BadCredentials)
            }
        };
        match &result {
            Ok(_) => self.attempts.succeed(Target::InstagramLogin, username),
            Err(_) => self.attempts.fail(Target::InstagramLogin, username, now),
        }
        result
    }

    /// Refuses client authentication for an app with too many failed secrets lately, and
    /// counts this attempt's outcome (`ok`).
    pub(crate) fn client_secret_attempt(&self, app_id: &str, ok: bool) -> ClientSecretCheck {
        use crate::attempts::Target;
        let now = self.clock.now();
        if self
            .attempts
            .locked_until(Target::ClientSecret, app_id, now)
            .is_some()
        {
            return ClientSecretCheck::Throttled;
        }
        if ok {
            self.attempts.succeed(Target::ClientSecret, app_id);
            ClientSecretCheck::Ok
        } else {
            self.attempts.fail(Target::ClientSecret, app_id, now);
            ClientSecretCheck::Wrong
        }
    }

    /// The Instagram account with this id.
    pub async fn find_instagram_user(&self, id: &str) -> Result<Option<IgUser>, StoreError> {
        self.store.find_ig_user(id).await
    }

    /// Issues an authorization code (prefix `AQ`, 256 random bits) bound to app, redirect URI,
    /// user, scopes and PKCE challenge, valid for [`Settings::code_ttl`](crate::platform::Settings).
    pub async fn issue_code(
        &self,
        req: &AuthorizeRequest,
        user: &IgUser,
    ) -> Result<Secret, StoreError> {
        let (code, record) = self.new_code(req, user);
        self.store.insert_code(&record).await?;
        Ok(code)
    }

    /// A fresh code for `user` under `req`, and its record to store.
    fn new_code(&self, req: &AuthorizeRequest, user: &IgUser) -> (Secret, AuthCode) {
        let now = self.clock.now();
        let code = secret::generate(&*self.rng, "AQ");
        let record = AuthCode {
            id: self.new_id(),
            code_hash: code.hash().0,
            app_id: req.app.id.clone(),
            subject: Subject::Instagram(user.id.clone()),
            redirect_uri: req.redirect_uri.clone(),
            scopes: req.scopes.as_slice().to_vec(),
            code_challenge: req.code_challenge.as_ref().map(|(c, _)| c.clone()),
            code_challenge_method: req.code_challenge.as_ref().map(|(_, m)| *m),
            issued_at: now,
            expires_at: now + self.settings.code_ttl,
            consumed_at: None,
        };
        (code, record)
    }

    /// Mints codes without the browser (`POST /_localgram/oauth/codes`), obeying every rule of
    /// codes issued by a window. Instagram scopes (or none, for an Instagram account) mint
    /// Instagram codes for an Instagram account named by username or id, under the rules of the
    /// authorize window (app, exact redirect URI, scopes, tester rule). Facebook Login
    /// permissions (or none, for a Facebook user) mint Facebook Login codes for a Facebook user
    /// named by id, login email or name, under the rules of the dialog (the app has Facebook
    /// Login, exact redirect URI, known permissions, app role or test user in development mode);
    /// as if every requested permission and every Page of the user were left ticked.
    pub async fn mint_codes(
        &self,
        app_id: &str,
        user: &str,
        scopes: &[String],
        redirect_uri: &str,
        count: usize,
    ) -> Result<Vec<Secret>, AuthorizeFailure> {
        let facebook = if scopes.is_empty() {
            self.find_ig_account(user).await?.is_none()
                && self.find_fb_subject(app_id, user).await?.is_some()
        } else {
            scopes
                .iter()
                .all(|s| crate::scope::FACEBOOK_PERMISSIONS.contains(&s.as_str()))
        };
        if facebook {
            return self
                .mint_fb_codes(app_id, user, scopes, redirect_uri, count)
                .await;
        }
        let scopes = if scopes.is_empty() {
            vec!["user_profile".to_owned(), "user_media".to_owned()]
        } else {
            scopes.to_vec()
        };
        let mut pairs = vec![
            ("client_id".to_owned(), app_id.to_owned()),
            ("redirect_uri".to_owned(), redirect_uri.to_owned()),
            ("response_type".to_owned(), "code".to_owned()),
            ("scope".to_owned(), scopes.join(",")),
        ];
        pairs.retain(|(_, v)| !v.is_empty());
        let req = self
            .validate_authorize(Window::Api, &Params::new(pairs))
            .await?;
        let account = self
            .find_ig_account(user)
            .await?
            .ok_or(AuthorizeError::InsufficientDeveloperRole)?;
        self.check_may_authorize(&req.app, &account).await?;
        let (codes, records): (Vec<Secret>, Vec<AuthCode>) =
            (0..count).map(|_| self.new_code(&req, &account)).unzip();
        self.store.insert_codes(&records).await?;
        Ok(codes)
    }

    /// The Instagram account with this username, or else this id.
    async fn find_ig_account(&self, user: &str) -> Result<Option<IgUser>, StoreError> {
        match self.store.find_ig_user_by_username(user).await? {
            Some(u) => Ok(Some(u)),
            None => self.store.find_ig_user(user).await,
        }
    }

    /// Exchanges a code for a short-lived token (`docs/robustness.md#code-exchange-rules`).
    ///
    /// Order matters: client authentication first (a failure consumes nothing); a code of another
    /// app is "not found" and revokes nothing; a replay by the owning app revokes every token
    /// descending from the code; a redirect mismatch or a PKCE failure leaves the code unconsumed;
    /// the redemption itself is one atomic store call, so concurrent exchanges yield one token.
    pub async fn exchange_code(
        &self,
        input: ExchangeInput<'_>,
    ) -> Result<CodeExchange, OAuthError> {
        let client_id = input
            .client_id
            .ok_or(OAuthError::MissingField("client_id"))?;
        let client_secret = input
            .client_secret
            .ok_or(OAuthError::MissingField("client_secret"))?;
        let (app, secret_hash) = self
            .instagram_client(client_id)
            .await
            .map_err(internal)?
            .ok_or(OAuthError::InvalidPlatformApp)?;
        match self.client_secret_attempt(&app.id, SecretHash(secret_hash).matches(client_secret)) {
            ClientSecretCheck::Ok => {}
            ClientSecretCheck::Wrong => {
                return Err(OAuthError::InvalidClientSecret {
                    basic: input.via_basic,
                });
            }
            ClientSecretCheck::Throttled => return Err(OAuthError::TooManyClientFailures),
        }
        match input.grant_type {
            None => return Err(OAuthError::MissingField("grant_type")),
            Some("authorization_code") => {}
            Some(other) => return Err(OAuthError::UnsupportedGrantType(other.to_owned())),
        }
        let redirect_uri = input
            .redirect_uri
            .ok_or(OAuthError::MissingField("redirect_uri"))?;
        let raw_code = input.code.ok_or(OAuthError::MissingField("code"))?;
        let raw_code = raw_code.strip_suffix("#_").unwrap_or(raw_code);
        let code = self
            .store
            .find_code(&SecretHash::of(raw_code).0)
            .await
            .map_err(internal)?
            .ok_or(OAuthError::CodeNotFound)?;
        // A Facebook Login code is not an Instagram code: the same "not found" as a code of
        // another app, and it stays usable on graph.facebook.com.
        if code.app_id != app.id || !matches!(code.subject, Subject::Instagram(_)) {
            return Err(OAuthError::CodeNotFound);
        }
        let now = self.clock.now();
        if code.consumed_at.is_some() {
            let revoked = self
                .store
                .revoke_tokens_of_code(&code.id, now)
                .await
                .map_err(internal)?;
            tracing::warn!(app = %app.id, revoked, "authorization code replayed; tokens issued from it revoked");
            return Err(OAuthError::CodeNotFound);
        }
        if code.redirect_uri != redirect_uri {
            return Err(OAuthError::InvalidRedirectUri);
        }
        if code.expires_at <= now {
            return Err(OAuthError::CodeNotFound);
        }
        let stored = code
            .code_challenge
            .as_deref()
            .zip(code.code_challenge_method);
        crate::pkce::check(stored, input.code_verifier)
            .map_err(|_| OAuthError::InvalidCodeVerifier)?;
        let family = crate::scope::family_of(&code.scopes).unwrap_or(Family::BasicDisplay);
        let user_id = code.subject.user_id().unwrap_or_default().to_owned();
        let access_token = secret::generate(&*self.rng, family.token_prefix());
        let token = TokenRecord {
            scopes: code.scopes.clone(),
            expires_at: Some(now + self.settings.lifetimes.short_lived),
            code_id: Some(code.id.clone()),
            ..TokenRecord::new(
                self.new_id(),
                access_token.hash().0,
                app.id.clone(),
                TokenKind::InstagramShortLived,
                code.subject.clone(),
                now,
            )
        };
        match self
            .store
            .redeem_code(&code.id, now, &token)
            .await
            .map_err(internal)?
        {
            Redemption::Redeemed => {}
            Redemption::Replayed { revoked } => {
                tracing::warn!(app = %app.id, revoked, "authorization code replayed while being exchanged; tokens issued from it revoked");
                return Err(OAuthError::CodeNotFound);
            }
            Redemption::Expired => return Err(OAuthError::CodeNotFound),
        }
        Ok(CodeExchange {
            access_token,
            user_id,
            scopes: code.scopes,
            family,
            shape: app.token_response_shape,
            app_id: app.id,
        })
    }

    /// Where a code was issued (`None` when it is unknown): the demo redirect target shows the
    /// exchange for that host.
    pub async fn code_origin(&self, raw: &str) -> Result<Option<CodeOrigin>, StoreError> {
        let raw = raw.strip_suffix("#_").unwrap_or(raw);
        let code = self.store.find_code(&SecretHash::of(raw).0).await?;
        Ok(code.and_then(|c| {
            let host = match c.subject {
                Subject::Instagram(_) => CodeHost::Instagram,
                Subject::Facebook(_) => CodeHost::Facebook,
                Subject::App => return None,
            };
            Some(CodeOrigin {
                host,
                app_id: c.app_id,
                redirect_uri: c.redirect_uri,
            })
        }))
    }

    /// Issues a CSRF token bound to a browser.
    pub async fn issue_csrf(&self, browser_id: &str) -> Result<Secret, StoreError> {
        let token = secret::generate(&*self.rng, "");
        let expires = self.clock.now() + self.settings.csrf_ttl;
        self.store
            .insert_csrf(&token.hash().0, browser_id, expires)
            .await?;
        Ok(token)
    }

    /// Consumes a CSRF token: true once, for the browser it was issued to, before it expires.
    pub async fn consume_csrf(&self, token: &str, browser_id: &str) -> Result<bool, StoreError> {
        self.store
            .consume_csrf(&SecretHash::of(token).0, browser_id, self.clock.now())
            .await
    }
}

fn internal(e: StoreError) -> OAuthError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure during the code exchange");
    OAuthError::Internal
}

/// An argon2 hash of a random string, verified against when the username is unknown.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0MZjIT5S7Ebn5HJgJeIPFBOkWnHcvx5KgtI6GSuYzvw";
