//! Facebook Login and graph.facebook.com tokens (`docs/graph-api.md#facebook-login`,
//! `docs/graph-api.md#appsecret-proof`, `docs/graph-api.md#revoking-permissions`): the dialog's
//! validation, the Facebook login, the per-permission and per-Page grant, codes, the code exchange,
//! `fb_exchange_token`, app tokens (`client_credentials` and `{app-id}|{app-secret}`), token
//! resolution with the checkpoint rule, and revoking a grant.

use crate::error::{AuthorizeError, GraphError, GraphHost};
use crate::model::{
    App, AppMode, AuthCode, FbGrant, FbUser, Product, Subject, TokenKind, TokenRecord,
};
use crate::oauth::{AuthorizeFailure, LoginError};
use crate::params::Params;
use crate::platform::Platform;
use crate::secret::{self, Secret, SecretHash};
use crate::store::{Redemption, StoreError};
use crate::tokens::IssuedToken;

/// The prefix of every Facebook token Localgram issues (user, Page and app tokens).
pub const TOKEN_PREFIX: &str = "EAA";

pub use crate::scope::FACEBOOK_PERMISSIONS as PERMISSIONS;

/// Granted with every Facebook Login; cannot be unticked.
pub const ALWAYS_GRANTED: &str = "public_profile";

/// A validated Facebook Login dialog request.
#[derive(Debug, Clone, PartialEq)]
pub struct DialogRequest {
    /// The app.
    pub app: App,
    /// The redirect URI, exactly as sent.
    pub redirect_uri: String,
    /// The requested permissions, de-duplicated, `public_profile` first.
    pub scopes: Vec<String>,
    /// `state`, echoed byte for byte.
    pub state: Option<String>,
}

/// Splits a comma- or space-separated permission list; `public_profile` always comes first.
pub fn parse_permissions(raw: &str) -> Result<Vec<String>, String> {
    let mut scopes = vec![ALWAYS_GRANTED.to_owned()];
    for part in raw
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !PERMISSIONS.contains(&part) {
            return Err(part.to_owned());
        }
        if !scopes.iter().any(|s| s == part) {
            scopes.push(part.to_owned());
        }
    }
    Ok(scopes)
}

/// What the person chose on the consent page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    /// Permissions left ticked (only requested ones count; `public_profile` is always granted).
    pub scopes: Vec<String>,
    /// Pages chosen (only Pages the person has a task on count).
    pub page_ids: Vec<String>,
}

/// A successful Facebook code exchange or token grant.
#[derive(Debug)]
pub struct FbIssued {
    /// The token.
    pub access_token: Secret,
    /// Seconds until it expires; `None` for tokens that never expire (app tokens).
    pub expires_in: Option<i64>,
    /// The app, for logs.
    pub app_id: String,
}

impl From<FbIssued> for IssuedToken {
    fn from(f: FbIssued) -> Self {
        IssuedToken {
            access_token: f.access_token,
            expires_in: f.expires_in.unwrap_or(0),
            scopes: Vec::new(),
            app_id: f.app_id,
        }
    }
}

/// The input of `GET|POST graph.facebook.com/oauth/access_token`.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokenRequest<'a> {
    /// `client_id`.
    pub client_id: Option<&'a str>,
    /// `client_secret`.
    pub client_secret: Option<&'a str>,
    /// `grant_type` (absent for the code exchange).
    pub grant_type: Option<&'a str>,
    /// `redirect_uri`.
    pub redirect_uri: Option<&'a str>,
    /// `code`.
    pub code: Option<&'a str>,
    /// `fb_exchange_token`.
    pub fb_exchange_token: Option<&'a str>,
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure on graph.facebook.com");
    GraphError::from_store(&e)
}

fn missing(name: &str) -> GraphError {
    GraphError::invalid_parameter(format!("(#100) Missing {name} parameter"))
}

/// Whether a token string is the `{app-id}|{app-secret}` form.
pub fn is_app_secret_form(raw: &str) -> bool {
    crate::ascii::split_once_on(raw, b'|')
        .is_some_and(|(id, secret)| !id.is_empty() && !secret.is_empty())
}

impl Platform {
    /// Validates a Facebook Login dialog request before anything is shown
    /// (`docs/robustness.md#authorize-errors`): the app (with Facebook Login), the exact redirect
    /// URI, `response_type` (default `code`) and the permissions.
    pub async fn validate_fb_dialog(
        &self,
        params: &Params,
    ) -> Result<DialogRequest, AuthorizeFailure> {
        let client_id = params
            .get_any(&["client_id", "app_id"])?
            .ok_or(AuthorizeError::InvalidPlatformApp)?;
        let app = self
            .store
            .find_app(client_id)
            .await?
            .filter(|a| a.products.contains(&Product::FacebookLogin))
            .ok_or(AuthorizeError::InvalidPlatformApp)?;
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
        match params.get("response_type")? {
            None | Some("code") => {}
            Some(_) => return Err(AuthorizeError::InvalidResponseType.into()),
        }
        let scopes = parse_permissions(params.get("scope")?.unwrap_or(""))
            .map_err(AuthorizeError::InvalidScope)?;
        Ok(DialogRequest {
            app,
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: params.get("state")?.map(str::to_owned),
        })
    }

    /// A development-mode app may be authorized only by users with a role on it and by its test
    /// users.
    pub async fn check_fb_may_authorize(
        &self,
        app: &App,
        user: &FbUser,
    ) -> Result<(), AuthorizeFailure> {
        if app.mode == AppMode::Live {
            return Ok(());
        }
        if self.store.find_app_role(&app.id, &user.id).await?.is_some()
            || self
                .store
                .find_test_user(&app.id, &user.id)
                .await?
                .is_some()
        {
            return Ok(());
        }
        Err(AuthorizeError::InsufficientDeveloperRole.into())
    }

    /// Checks a Facebook email and password. Unknown users cost the same argon2 work.
    pub async fn login_facebook(&self, email: &str, password: &str) -> Result<FbUser, LoginError> {
        use crate::attempts::Target;
        let now = self.clock.now();
        if let Some(until) = self
            .attempts
            .locked_until(Target::FacebookLogin, email, now)
        {
            return Err(LoginError::TooManyAttempts { until });
        }
        let user = self.store.find_fb_user_by_email(email.trim()).await?;
        let result = match user {
            Some(u) => match &u.password_hash {
                Some(h) if secret::verify_password(password, h) => Ok(u),
                _ => Err(LoginError::BadCredentials),
            },
            None => {
                let _ = secret::verify_password(password, crate::oauth::DUMMY_HASH);
                Err(LoginError::BadCredentials)
            }
        };
        match &result {
            Ok(_) => self.attempts.succeed(Target::FacebookLogin, email),
            Err(_) => self.attempts.fail(Target::FacebookLogin, email, now),
        }
        result
    }

    /// The Facebook user with this id.
    pub async fn find_facebook_user(&self, id: &str) -> Result<Option<FbUser>, StoreError> {
        self.store.find_fb_user(id).await
    }

    /// Records the person's choices as the app's grant and issues a code (prefix `AQ`) for the
    /// permissions left ticked.
    pub async fn issue_fb_code(
        &self,
        req: &DialogRequest,
        user: &FbUser,
        consent: &Consent,
    ) -> Result<Secret, StoreError> {
        let now = self.clock.now();
        let scopes: Vec<String> = req
            .scopes
            .iter()
            .filter(|s| *s == ALWAYS_GRANTED || consent.scopes.contains(s))
            .cloned()
            .collect();
        let own: Vec<String> = self
            .store
            .list_user_pages(&user.id)
            .await?
            .into_iter()
            .map(|p| p.page.id)
            .collect();
        let page_ids: Vec<String> = own
            .into_iter()
            .filter(|id| consent.page_ids.contains(id))
            .collect();
        self.store
            .upsert_fb_grant(&FbGrant {
                app_id: req.app.id.clone(),
                fb_user_id: user.id.clone(),
                scopes: scopes.clone(),
                page_ids,
                granted_at: now,
            })
            .await?;
        let code = secret::generate(&*self.rng, "AQ");
        self.store
            .insert_code(&AuthCode {
                id: self.new_id(),
                code_hash: code.hash().0,
                app_id: req.app.id.clone(),
                subject: Subject::Facebook(user.id.clone()),
                redirect_uri: req.redirect_uri.clone(),
                scopes,
                code_challenge: None,
                code_challenge_method: None,
                issued_at: now,
                expires_at: now + self.settings.code_ttl,
                consumed_at: None,
            })
            .await?;
        Ok(code)
    }

    /// The Facebook user a control-plane call names for an app: by id, by login email, or by
    /// name among the app's role holders and test users (a name two of them share is refused).
    pub(crate) async fn find_fb_subject(
        &self,
        app_id: &str,
        user: &str,
    ) -> Result<Option<FbUser>, AuthorizeFailure> {
        if let Some(u) = self.store.find_fb_user(user).await? {
            return Ok(Some(u));
        }
        if let Some(u) = self.store.find_fb_user_by_email(user).await? {
            return Ok(Some(u));
        }
        let mut ids: Vec<String> = self
            .store
            .list_app_roles(app_id)
            .await?
            .into_iter()
            .map(|r| r.fb_user_id)
            .collect();
        ids.extend(
            self.store
                .list_test_users(app_id)
                .await?
                .into_iter()
                .map(|t| t.fb_user_id),
        );
        ids.sort();
        ids.dedup();
        let mut found = None;
        for id in ids {
            if let Some(u) = self.store.find_fb_user(&id).await?
                && u.name == user
            {
                if found.is_some() {
                    return Err(AuthorizeError::AmbiguousUser(user.to_owned()).into());
                }
                found = Some(u);
            }
        }
        Ok(found)
    }

    /// Mints Facebook Login codes without the browser, under the dialog's rules, as if the user
    /// left every requested permission and every one of their Pages ticked (see
    /// [`Platform::mint_codes`]).
    pub(crate) async fn mint_fb_codes(
        &self,
        app_id: &str,
        user: &str,
        scopes: &[String],
        redirect_uri: &str,
        count: usize,
    ) -> Result<Vec<Secret>, AuthorizeFailure> {
        let mut pairs = vec![
            ("client_id".to_owned(), app_id.to_owned()),
            ("redirect_uri".to_owned(), redirect_uri.to_owned()),
            ("scope".to_owned(), scopes.join(",")),
        ];
        pairs.retain(|(_, v)| !v.is_empty());
        let req = self.validate_fb_dialog(&Params::new(pairs)).await?;
        let person = self
            .find_fb_subject(&req.app.id, user)
            .await?
            .ok_or(AuthorizeError::InsufficientDeveloperRole)?;
        self.check_fb_may_authorize(&req.app, &person).await?;
        let consent = Consent {
            scopes: req.scopes.clone(),
            page_ids: self
                .store
                .list_user_pages(&person.id)
                .await?
                .into_iter()
                .map(|p| p.page.id)
                .collect(),
        };
        let mut codes = Vec::with_capacity(count);
        for _ in 0..count {
            codes.push(self.issue_fb_code(&req, &person, &consent).await?);
        }
        Ok(codes)
    }

    /// The app named by `client_id`, authenticated by `client_secret`.
    async fn authenticate_app(&self, req: &TokenRequest<'_>) -> Result<App, GraphError> {
        let client_id = req.client_id.ok_or_else(|| missing("client_id"))?;
        let client_secret = req.client_secret.ok_or_else(|| missing("client_secret"))?;
        let app = self
            .store
            .find_app(client_id)
            .await
            .map_err(store_err)?
            .ok_or_else(GraphError::invalid_application)?;
        let ok = SecretHash(app.secret_hash.clone()).matches(client_secret);
        match self.client_secret_attempt(&app.id, ok) {
            crate::oauth::ClientSecretCheck::Ok => Ok(app),
            crate::oauth::ClientSecretCheck::Wrong => Err(GraphError::invalid_client_secret()),
            crate::oauth::ClientSecretCheck::Throttled => Err(crate::rate::app_limit_error()),
        }
    }

    /// `graph.facebook.com/oauth/access_token`: the code exchange (no `grant_type`, or
    /// `authorization_code`), `fb_exchange_token`, and `client_credentials`.
    pub async fn fb_access_token(&self, req: TokenRequest<'_>) -> Result<FbIssued, GraphError> {
        let app = self.authenticate_app(&req).await?;
        match req.grant_type {
            None | Some("authorization_code") => self.exchange_fb_code(&app, &req).await,
            Some("fb_exchange_token") => self.exchange_fb_token(&app, &req).await,
            Some("client_credentials") => self.issue_app_token(&app).await,
            Some(other) => Err(GraphError::invalid_parameter(format!(
                "(#100) Unsupported grant_type {other:?}: use fb_exchange_token or client_credentials, or none for a code"
            ))),
        }
    }

    async fn exchange_fb_code(
        &self,
        app: &App,
        req: &TokenRequest<'_>,
    ) -> Result<FbIssued, GraphError> {
        let redirect_uri = req.redirect_uri.ok_or_else(|| missing("redirect_uri"))?;
        let raw = req.code.ok_or_else(|| missing("code"))?;
        let code = self
            .store
            .find_code(&SecretHash::of(raw).0)
            .await
            .map_err(store_err)?
            .filter(|c| c.app_id == app.id && matches!(c.subject, Subject::Facebook(_)))
            .ok_or_else(GraphError::invalid_code)?;
        let now = self.clock.now();
        if code.consumed_at.is_some() {
            let revoked = self
                .store
                .revoke_tokens_of_code(&code.id, now)
                .await
                .map_err(store_err)?;
            tracing::warn!(app = %app.id, revoked, "facebook authorization code replayed; tokens issued from it revoked");
            return Err(GraphError::code_used());
        }
        if code.redirect_uri != redirect_uri {
            return Err(GraphError::code_redirect_mismatch());
        }
        if code.expires_at <= now {
            return Err(GraphError::code_expired());
        }
        // The server-side code exchange gives a long-lived (about 60 days) user token, as the
        // contract's example shows (`expires_in` ≈ 5,184,000); `fb_exchange_token` still works
        // on it, and on the short-lived tokens a world file may declare.
        let lifetime = self.settings.lifetimes.long_lived;
        let access_token = secret::generate(&*self.rng, TOKEN_PREFIX);
        let token = TokenRecord {
            scopes: code.scopes.clone(),
            expires_at: Some(now + lifetime),
            code_id: Some(code.id.clone()),
            ..TokenRecord::new(
                self.new_id(),
                access_token.hash().0,
                app.id.clone(),
                TokenKind::FacebookUserLongLived,
                code.subject.clone(),
                now,
            )
        };
        match self
            .store
            .redeem_code(&code.id, now, &token)
            .await
            .map_err(store_err)?
        {
            Redemption::Redeemed => {}
            Redemption::Replayed { revoked } => {
                tracing::warn!(app = %app.id, revoked, "facebook authorization code replayed while being exchanged; tokens issued from it revoked");
                return Err(GraphError::code_used());
            }
            Redemption::Expired => return Err(GraphError::code_expired()),
        }
        Ok(FbIssued {
            access_token,
            expires_in: Some(lifetime.whole_seconds()),
            app_id: app.id.clone(),
        })
    }

    async fn exchange_fb_token(
        &self,
        app: &App,
        req: &TokenRequest<'_>,
    ) -> Result<FbIssued, GraphError> {
        let raw = req
            .fb_exchange_token
            .ok_or_else(|| missing("fb_exchange_token"))?;
        let parent = self.resolve_token(raw, GraphHost::Facebook).await?;
        if parent.app_id != app.id {
            return Err(GraphError::invalid_parameter(
                "(#100) The fb_exchange_token belongs to another app",
            ));
        }
        if !matches!(
            parent.kind,
            TokenKind::FacebookUser | TokenKind::FacebookUserLongLived
        ) {
            return Err(GraphError::invalid_parameter(
                "(#100) Only Facebook user access tokens can be exchanged",
            ));
        }
        let now = self.clock.now();
        let lifetime = self.settings.lifetimes.long_lived;
        let access_token = secret::generate(&*self.rng, TOKEN_PREFIX);
        let child = TokenRecord {
            scopes: parent.scopes.clone(),
            expires_at: Some(now + lifetime),
            code_id: parent.code_id.clone(),
            parent_id: Some(parent.id.clone()),
            ..TokenRecord::new(
                self.new_id(),
                access_token.hash().0,
                app.id.clone(),
                TokenKind::FacebookUserLongLived,
                parent.subject.clone(),
                now,
            )
        };
        self.store.insert_token(&child).await.map_err(store_err)?;
        Ok(FbIssued {
            access_token,
            expires_in: Some(lifetime.whole_seconds()),
            app_id: app.id.clone(),
        })
    }

    async fn issue_app_token(&self, app: &App) -> Result<FbIssued, GraphError> {
        let access_token = secret::generate(&*self.rng, TOKEN_PREFIX);
        let token = TokenRecord::new(
            self.new_id(),
            access_token.hash().0,
            app.id.clone(),
            TokenKind::App,
            Subject::App,
            self.clock.now(),
        );
        self.store.insert_token(&token).await.map_err(store_err)?;
        Ok(FbIssued {
            access_token,
            expires_in: None,
            app_id: app.id.clone(),
        })
    }

    /// Resolves a token presented to graph.facebook.com: the `{app-id}|{app-secret}` form, or a
    /// stored Facebook token (an Instagram token is 190 "Cannot parse"). A user token of a
    /// checkpointed user answers 459.
    pub async fn resolve_fb_token(
        &self,
        raw: &str,
    ) -> Result<std::sync::Arc<TokenRecord>, GraphError> {
        let token = if is_app_secret_form(raw) {
            let (app_id, app_secret) = raw.split_once('|').unwrap_or_default();
            let app = self
                .cached_app(app_id)
                .await
                .map_err(store_err)?
                .ok_or_else(GraphError::cannot_parse_token)?;
            if !SecretHash(app.secret_hash.clone()).matches(app_secret) {
                return Err(GraphError::cannot_parse_token());
            }
            std::sync::Arc::new(TokenRecord::new(
                format!("app:{}", app.id),
                SecretHash::of(raw).0,
                app.id.clone(),
                TokenKind::App,
                Subject::App,
                self.clock.now(),
            ))
        } else {
            self.resolve_token(raw, GraphHost::Facebook).await?
        };
        if let Subject::Facebook(id) = &token.subject
            && token.kind != TokenKind::Page
            && self
                .store
                .find_fb_user(id)
                .await
                .map_err(store_err)?
                .is_some_and(|u| u.checkpointed)
        {
            return Err(GraphError::checkpointed());
        }
        Ok(token)
    }

    /// `appsecret_proof` (`docs/graph-api.md#appsecret-proof`) on graph.facebook.com and
    /// graph.instagram.com: when sent, it must be the lowercase hex HMAC-SHA256 of the token (or,
    /// with `appsecret_time`, of `<token>|<appsecret_time>`) keyed with the app secret; when the
    /// app sets `require_appsecret_proof`, it must be sent. A token in the `{app-id}|{app-secret}`
    /// form carries the secret itself and needs no proof.
    /// `app` is the token's app, `None` when it is gone.
    pub fn check_appsecret_proof(
        &self,
        app: Option<&crate::model::App>,
        raw: &str,
        proof: Option<&str>,
        time: Option<&str>,
    ) -> Result<(), GraphError> {
        if is_app_secret_form(raw) {
            return Ok(());
        }
        let app = app.ok_or_else(GraphError::cannot_parse_token)?;
        let Some(proof) = proof else {
            return if app.require_appsecret_proof {
                Err(GraphError::appsecret_proof_required())
            } else {
                Ok(())
            };
        };
        let Some(secret) = app
            .secret_sealed
            .as_deref()
            .and_then(|s| self.sealer.open(&app.id, s))
        else {
            tracing::warn!(app = %app.id, "appsecret_proof sent but the app secret cannot be unsealed; load the world again");
            return Err(GraphError::invalid_appsecret_proof());
        };
        let message = match time {
            None => raw.to_owned(),
            Some(t) if !t.is_empty() && t.len() <= 19 && t.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{raw}|{t}")
            }
            Some(_) => return Err(GraphError::invalid_appsecret_proof()),
        };
        let expected = crate::seal::appsecret_proof(&secret, &message);
        if secret::constant_time_eq(&expected, &proof.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(GraphError::invalid_appsecret_proof())
        }
    }

    /// The permissions in force for a token: the token's scopes, narrowed by the app's stored
    /// grant when there is one.
    pub async fn effective_scopes(&self, token: &TokenRecord) -> Result<Vec<String>, GraphError> {
        let Subject::Facebook(user) = &token.subject else {
            return Ok(token.scopes.clone());
        };
        let grant = self
            .store
            .find_fb_grant(&token.app_id, user)
            .await
            .map_err(store_err)?;
        Ok(match grant {
            Some(g) => token
                .scopes
                .iter()
                .filter(|s| g.scopes.contains(s))
                .cloned()
                .collect(),
            None => token.scopes.clone(),
        })
    }

    /// `DELETE /{user-id}/permissions`: revokes the app's grant by the token's user; every token
    /// of that app and user stops working (code 190).
    pub async fn revoke_fb_permissions(
        &self,
        token: &TokenRecord,
        user_id: Option<&str>,
    ) -> Result<(), GraphError> {
        let user = match (&token.subject, user_id) {
            (Subject::Facebook(own), None) => own.clone(),
            (Subject::Facebook(own), Some(id)) if id == own => own.clone(),
            (Subject::App, Some(id)) => id.to_owned(),
            (_, id) => {
                return Err(GraphError::unsupported_request(
                    GraphHost::Facebook,
                    "DELETE",
                    id.unwrap_or("me"),
                ));
            }
        };
        let revoked = self
            .store
            .revoke_fb_grant(&token.app_id, &user, self.clock.now())
            .await
            .map_err(store_err)?;
        tracing::info!(app = %token.app_id, revoked, "facebook grant revoked");
        Ok(())
    }
}

/// Days of data access a user grant gives an app (`data_access_expires_at`).
const DATA_ACCESS_DAYS: i64 = 90;

impl Platform {
    /// `GET /debug_token?input_token=…`: what a token is (`docs/graph-api.md#debug-token`). The
    /// caller is an app token, or a user token of the same app; a token of another app is refused.
    /// An unknown, expired or revoked input token is described with `is_valid: false` and its
    /// error.
    pub async fn debug_token(
        &self,
        caller: &TokenRecord,
        input: Option<&str>,
    ) -> Result<serde_json::Value, GraphError> {
        use serde_json::json;
        let input = input.ok_or_else(|| {
            GraphError::invalid_parameter("(#100) The parameter input_token is required")
        })?;
        if caller.kind == TokenKind::Page {
            return Err(GraphError::invalid_parameter(
                "(#100) debug_token needs an app access token or a user access token of the app",
            ));
        }
        let record = if is_app_secret_form(input) {
            self.resolve_fb_token(input).await.ok()
        } else {
            self.store
                .find_token(&SecretHash::of(input).0)
                .await
                .map_err(store_err)?
                .filter(|t| !t.kind.is_instagram())
                .map(std::sync::Arc::new)
        };
        let Some(t) = record else {
            let e = GraphError::cannot_parse_token();
            return Ok(json!({"data": {
                "error": {"code": e.code, "message": e.message},
                "is_valid": false,
                "scopes": [],
            }}));
        };
        if t.app_id != caller.app_id {
            return Err(GraphError::invalid_parameter(
                "(#100) The input token belongs to another app than the access token",
            ));
        }
        let app = self
            .cached_app(&t.app_id)
            .await
            .map_err(store_err)?
            .ok_or_else(GraphError::cannot_parse_token)?;
        let now = self.clock.now();
        let error = if t.revoked_at.is_some() {
            Some(GraphError::invalidated())
        } else {
            t.expires_at
                .filter(|e| *e <= now)
                .map(|e| GraphError::expired(e, now))
        };
        let kind = match t.kind {
            TokenKind::App => "APP",
            TokenKind::Page => "PAGE",
            _ => "USER",
        };
        let scopes = self.effective_scopes(&t).await?;
        let mut data = json!({
            "app_id": app.id,
            "type": kind,
            "application": app.name,
            "expires_at": t.expires_at.map_or(0, |e| e.unix_timestamp()),
            "is_valid": error.is_none(),
            "scopes": scopes,
        });
        if t.kind != TokenKind::App {
            data["issued_at"] = json!(t.issued_at.unix_timestamp());
        }
        if let Some(user) = t.subject.user_id() {
            data["user_id"] = json!(user);
            data["data_access_expires_at"] =
                json!((t.issued_at + time::Duration::days(DATA_ACCESS_DAYS)).unix_timestamp());
            let grant = self
                .store
                .find_fb_grant(&t.app_id, user)
                .await
                .map_err(store_err)?;
            let granular: Vec<serde_json::Value> = scopes
                .iter()
                .map(|s| {
                    let targets = grant
                        .as_ref()
                        .filter(|_| s.starts_with("pages_") || s == "business_management")
                        .map(|g| g.page_ids.clone());
                    match targets {
                        Some(ids) => json!({"scope": s, "target_ids": ids}),
                        None => json!({"scope": s}),
                    }
                })
                .collect();
            data["granular_scopes"] = json!(granular);
        }
        if let Some(page) = &t.page_id {
            data["profile_id"] = json!(page);
        }
        if let Some(e) = error {
            let mut err = json!({"code": e.code, "message": e.message});
            if let Some(sub) = e.subcode {
                err["subcode"] = json!(sub);
            }
            data["error"] = err;
        }
        Ok(json!({ "data": data }))
    }
}
