//! Access tokens on the Graph hosts: resolving a presented token, the short-to-long exchange and
//! the refresh (`docs/graph-api.md#long-lived-exchange`, `docs/graph-api.md#refresh`,
//! `docs/robustness.md#malformed-tokens`, `docs/robustness.md#refresh-races`).

use std::sync::Arc;

use crate::error::{GraphError, GraphHost};
use crate::model::{TokenKind, TokenRecord};
use crate::platform::Platform;
use crate::scope::Family;
use crate::secret::{self, Secret, SecretHash};

/// A token issued by an exchange or a refresh.
#[derive(Debug)]
pub struct IssuedToken {
    /// The new token.
    pub access_token: Secret,
    /// Seconds until it expires, counted from issue.
    pub expires_in: i64,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The app, for logs.
    pub app_id: String,
}

/// The longest token string Localgram looks up; longer ones cannot be tokens.
const MAX_TOKEN_LEN: usize = 1024;

fn store_err(e: crate::store::StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure while checking a token");
    GraphError::from_store(&e)
}

impl Platform {
    /// Resolves a presented token on a Graph host: unknown, malformed or wrong-host → 190
    /// "Cannot parse"; revoked → 190/460; expired → 190/463 with both dates.
    pub async fn resolve_token(
        &self,
        raw: &str,
        host: GraphHost,
    ) -> Result<Arc<TokenRecord>, GraphError> {
        self.resolve_token_at(raw, host, None, self.clock.now())
            .await
    }

    /// [`Platform::resolve_token`], with the store's write generation read at the start of the
    /// request ([`Store::data_version`](crate::store::Store::data_version)): under a generation,
    /// the token's row is read once and memoized until the next commit, so a revocation or a new
    /// token is seen by the very next request. Without one, the row is read every time (token
    /// validity is never cached by time, `docs/robustness.md#token-validity`). The checks of expiry
    /// against the clock (`now`, the call's one reading of it) run on every call either way.
    pub async fn resolve_token_at(
        &self,
        raw: &str,
        host: GraphHost,
        generation: Option<u64>,
        now: time::OffsetDateTime,
    ) -> Result<Arc<TokenRecord>, GraphError> {
        if raw.is_empty()
            || raw.len() > MAX_TOKEN_LEN
            || !crate::ascii::all_bytes(raw.as_bytes(), |b| b.is_ascii_graphic())
        {
            return Err(GraphError::cannot_parse_token());
        }
        let looks_instagram = raw.starts_with("IG");
        if looks_instagram != (host == GraphHost::Instagram) {
            return Err(GraphError::cannot_parse_token());
        }
        let digest = SecretHash::hex_of(raw);
        let hash = digest.as_str();
        let read = async { Ok(self.store.find_token(hash).await?.map(Arc::new)) };
        let found = match generation {
            Some(_) => self.caches.tokens.get_or_load(hash, generation, read).await,
            None => read.await,
        }
        .map_err(store_err)?;
        let token = found.ok_or_else(GraphError::cannot_parse_token)?;
        if token.kind.is_instagram() != (host == GraphHost::Instagram) {
            return Err(GraphError::cannot_parse_token());
        }
        if token.revoked_at.is_some() {
            return Err(GraphError::invalidated());
        }
        if let Some(exp) = token.expires_at
            && exp <= now
        {
            return Err(GraphError::expired(exp, now));
        }
        Ok(token)
    }

    /// `GET graph.instagram.com/access_token?grant_type=ig_exchange_token`: a short-lived token
    /// for a 60-day one. A short-lived token may be exchanged any number of times (Meta
    /// documents no once-only rule).
    pub async fn exchange_long_lived(
        &self,
        grant_type: Option<&str>,
        client_secret: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<IssuedToken, GraphError> {
        match grant_type {
            None => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Missing grant_type parameter: ig_exchange_token is required",
                ));
            }
            Some("ig_exchange_token") => {}
            Some(other) => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Unsupported grant_type {other:?}: this endpoint accepts ig_exchange_token"
                )));
            }
        }
        let client_secret = client_secret.ok_or_else(|| {
            GraphError::invalid_parameter("(#100) Missing client_secret parameter")
        })?;
        let raw = access_token.ok_or_else(GraphError::no_token)?;
        let parent = self.resolve_token(raw, GraphHost::Instagram).await?;
        let app = self
            .store
            .find_app(&parent.app_id)
            .await
            .map_err(store_err)?
            .ok_or_else(GraphError::cannot_parse_token)?;
        // The app secret, or the Instagram App Secret when the app has an Instagram app.
        let ok = SecretHash(app.secret_hash.clone()).matches(client_secret)
            || app
                .instagram_app
                .as_ref()
                .is_some_and(|ig| SecretHash(ig.secret_hash.clone()).matches(client_secret));
        match self.client_secret_attempt(&app.id, ok) {
            crate::oauth::ClientSecretCheck::Ok => {}
            crate::oauth::ClientSecretCheck::Wrong => {
                return Err(GraphError::invalid_client_secret());
            }
            crate::oauth::ClientSecretCheck::Throttled => {
                return Err(crate::rate::app_limit_error());
            }
        }
        if parent.kind != TokenKind::InstagramShortLived {
            return Err(GraphError::invalid_parameter(
                "(#100) Only short-lived access tokens can be exchanged for long-lived ones",
            ));
        }
        self.require_profile_scope(&parent)?;
        let child = self.child_token(&parent, TokenKind::InstagramLongLived);
        self.store
            .derive_token(&parent.id, self.clock.now(), &child.1)
            .await
            .map_err(store_err)?;
        Ok(child.0)
    }

    /// `GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token`: a new 60-day
    /// token for a long-lived one at least 24 hours old. The old token stays valid until its own
    /// expiry; a token may be refreshed any number of times, as on Meta's hosts
    /// (`docs/graph-api.md#refresh`).
    pub async fn refresh(
        &self,
        grant_type: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<IssuedToken, GraphError> {
        match grant_type {
            None => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Missing grant_type parameter: ig_refresh_token is required",
                ));
            }
            Some("ig_refresh_token") => {}
            Some(other) => {
                return Err(GraphError::invalid_parameter(format!(
                    "(#100) Unsupported grant_type {other:?}: this endpoint accepts ig_refresh_token"
                )));
            }
        }
        let raw = access_token.ok_or_else(GraphError::no_token)?;
        let parent = self.resolve_token(raw, GraphHost::Instagram).await?;
        if parent.kind != TokenKind::InstagramLongLived {
            return Err(GraphError::refresh_short_lived());
        }
        if self.clock.now() - parent.issued_at < self.settings.refresh_min_age {
            return Err(GraphError::refresh_too_early());
        }
        self.require_profile_scope(&parent)?;
        let child = self.child_token(&parent, TokenKind::InstagramLongLived);
        self.store
            .derive_token(&parent.id, self.clock.now(), &child.1)
            .await
            .map_err(store_err)?;
        Ok(child.0)
    }

    fn require_profile_scope(&self, token: &TokenRecord) -> Result<(), GraphError> {
        let ok = token
            .scopes
            .iter()
            .any(|s| s == "user_profile" || s == "instagram_business_basic");
        if ok {
            Ok(())
        } else {
            Err(GraphError::permission_denied())
        }
    }

    fn child_token(&self, parent: &TokenRecord, kind: TokenKind) -> (IssuedToken, TokenRecord) {
        let now = self.clock.now();
        let family = crate::scope::family_of(&parent.scopes).unwrap_or(Family::BasicDisplay);
        let raw = secret::generate(&*self.rng, family.token_prefix());
        let lifetime = self.settings.lifetimes.long_lived;
        let record = TokenRecord {
            scopes: parent.scopes.clone(),
            expires_at: Some(now + lifetime),
            code_id: parent.code_id.clone(),
            parent_id: Some(parent.id.clone()),
            ..TokenRecord::new(
                self.new_id(),
                raw.hash().0,
                parent.app_id.clone(),
                kind,
                parent.subject.clone(),
                now,
            )
        };
        let issued = IssuedToken {
            access_token: raw,
            expires_in: lifetime.whole_seconds(),
            scopes: parent.scopes.clone(),
            app_id: parent.app_id.clone(),
        };
        (issued, record)
    }
}
