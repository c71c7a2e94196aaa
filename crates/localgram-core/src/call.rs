//! The one boundary of a Graph call, on both Graph hosts: the token is resolved (or the right
//! "no token" error given), its `appsecret_proof` checked (`docs/graph-api.md#appsecret-proof`),
//! the call counted against the rate limits (`docs/graph-api.md#rate-limits`, the model in
//! [`crate::rate`]) and refused when throttled. Every Graph handler starts here.

use crate::clock::to_millis;
use crate::error::{GraphError, GraphHost};
use crate::model::{RateLimits, TokenRecord};
use crate::platform::Platform;
use crate::rate::{
    BUCKET_MS, Counted, DAY_MS, HOUR_MS, Usage, app_limit_error, instagram_account_limit_error,
    page_account_limit_error, pct, user_limit_error,
};
use crate::scope::Family;
use crate::store::StoreError;
use std::sync::Arc;

/// What a call carries to prove who makes it.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// The access token, from wherever the request put it.
    pub token: Option<&'a str>,
    /// `appsecret_proof`; `Err` when it was sent more than once.
    pub appsecret_proof: Result<Option<&'a str>, ()>,
    /// `appsecret_time`; `Err` when it was sent more than once.
    pub appsecret_time: Result<Option<&'a str>, ()>,
    /// The write generation the request read first (graph.instagram.com's token cache).
    pub generation: Option<u64>,
}

/// An admitted call: its token and the usage it raised.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The token.
    pub token: Arc<TokenRecord>,
    /// What the usage header says.
    pub usage: Usage,
}

/// Why a call is refused.
#[derive(Debug, Clone)]
pub enum Refused {
    /// No token, a bad token or a bad proof: counted against nothing.
    Graph(GraphError),
    /// Over a rate limit: counted, with the usage to report.
    Throttled(GraphError, Usage),
}

impl From<GraphError> for Refused {
    fn from(e: GraphError) -> Self {
        Self::Graph(e)
    }
}

impl Platform {
    /// Authenticates a Graph call on `host`: resolves the token (`me`: the call names `/me`,
    /// whose missing token has its own message), checks `appsecret_proof`, counts the call and
    /// refuses it when throttled.
    pub async fn authenticate_call(
        &self,
        host: GraphHost,
        me: bool,
        cred: &Credentials<'_>,
    ) -> Result<Authenticated, Refused> {
        let Some(raw) = cred.token else {
            return Err(if me {
                GraphError::no_token_for_me()
            } else {
                GraphError::no_token()
            }
            .into());
        };
        // One reading of the clock for the token's expiry and the rate window.
        let now = self.clock.now();
        let token = match host {
            GraphHost::Instagram => {
                self.resolve_token_at(raw, host, cred.generation, now)
                    .await?
            }
            GraphHost::Facebook => self.resolve_fb_token(raw).await?,
        };
        let proof = cred
            .appsecret_proof
            .map_err(|()| GraphError::invalid_appsecret_proof())?;
        let time = cred
            .appsecret_time
            .map_err(|()| GraphError::invalid_appsecret_proof())?;
        // The token's app, read once for the proof and the limits.
        let app = self.cached_app(&token.app_id).await.map_err(store_err)?;
        self.check_appsecret_proof(app.as_deref(), raw, proof, time)?;
        let limits = app.map(|a| a.rate_limits.clone()).unwrap_or_default();
        let counted = self.count_call(&token, &limits, now).await?;
        if let Some(e) = counted.throttled {
            return Err(Refused::Throttled(e, counted.usage));
        }
        Ok(Authenticated {
            token,
            usage: counted.usage,
        })
    }
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, "store failure while counting a call");
    GraphError::from_store(&e)
}

impl Platform {
    /// Counts one Graph call made with `token` at `now`, under its app's `limits`, and says
    /// whether it is admitted.
    pub async fn count_call(
        &self,
        token: &TokenRecord,
        limits: &RateLimits,
        now: time::OffsetDateTime,
    ) -> Result<Counted, GraphError> {
        let now = to_millis(now);
        let bucket_start = now - now.rem_euclid(BUCKET_MS);
        let d = self.settings.rate_defaults;
        let user = token.subject.user_id().unwrap_or("-");
        if token.kind == crate::model::TokenKind::Page
            && let Some(page) = &token.page_id
        {
            let limit = limits
                .business_calls_per_day
                .unwrap_or(d.business_calls_per_day);
            let from = bucket_start - DAY_MS + BUCKET_MS;
            let n = self
                .store
                .hit_counter(&["pbuc", &token.app_id, page].join(":"), bucket_start, from)
                .await
                .map_err(store_err)?;
            let throttled = n > limit;
            return Ok(Counted {
                usage: Usage::PageUseCase {
                    page_id: page.clone(),
                    call_count: pct(n, limit),
                    estimated_time_to_regain_access: if throttled { DAY_MS / 60_000 } else { 0 },
                },
                throttled: throttled.then(page_account_limit_error),
            });
        }
        match crate::scope::family_of(&token.scopes) {
            Some(Family::InstagramLogin) => {
                self.count_instagram_buc(limits, &token.app_id, user, bucket_start)
                    .await
            }
            _ => {
                let app_limit = limits.app_calls_per_hour.unwrap_or(d.app_calls_per_hour);
                let user_limit = limits.user_calls_per_hour.unwrap_or(d.user_calls_per_hour);
                let from = bucket_start - HOUR_MS + BUCKET_MS;
                // `app:{app}` and `user:{app}:{user}`, in one buffer.
                let app = token.app_id.as_str();
                let mut names = String::with_capacity(10 + 2 * app.len() + user.len());
                for part in ["app:", app, "user:", app, ":", user] {
                    names.push_str(part);
                }
                let (app_bucket, user_bucket) = names.split_at("app:".len() + app.len());
                let counts = self
                    .store
                    .hit_counters(&[app_bucket, user_bucket], bucket_start, from)
                    .await
                    .map_err(store_err)?;
                let [app_n, user_n] = counts[..] else {
                    return Err(store_err(StoreError::Other(anyhow::anyhow!(
                        "two buckets counted, {} totals returned",
                        counts.len()
                    ))));
                };
                let throttled = if app_n > app_limit {
                    Some(app_limit_error())
                } else if user_n > user_limit {
                    Some(user_limit_error())
                } else {
                    None
                };
                Ok(Counted {
                    usage: Usage::App {
                        call_count: pct(app_n, app_limit).max(pct(user_n, user_limit)),
                    },
                    throttled,
                })
            }
        }
    }
}

impl Platform {
    /// Counts one read of an Instagram professional account made through graph.facebook.com
    /// (a Page's `instagram_business_account`) by `app_id`, against that account's Business Use
    /// Case limit for the app: the same count as the account's own Instagram Login calls.
    pub async fn count_instagram_account_call(
        &self,
        app_id: &str,
        ig_user_id: &str,
    ) -> Result<Counted, GraphError> {
        let limits: RateLimits = self
            .cached_app(app_id)
            .await
            .map_err(store_err)?
            .map(|a| a.rate_limits.clone())
            .unwrap_or_default();
        let now = to_millis(self.clock.now());
        let bucket_start = now - now.rem_euclid(BUCKET_MS);
        self.count_instagram_buc(&limits, app_id, ig_user_id, bucket_start)
            .await
    }

    /// One call against the Instagram Business Use Case count of an app-and-account pair
    /// (24 h window, code 80002 past the limit).
    async fn count_instagram_buc(
        &self,
        limits: &RateLimits,
        app_id: &str,
        account: &str,
        bucket_start: i64,
    ) -> Result<Counted, GraphError> {
        let limit = limits
            .business_calls_per_day
            .unwrap_or(self.settings.rate_defaults.business_calls_per_day);
        let from = bucket_start - DAY_MS + BUCKET_MS;
        let n = self
            .store
            .hit_counter(&["buc", app_id, account].join(":"), bucket_start, from)
            .await
            .map_err(store_err)?;
        let throttled = n > limit;
        Ok(Counted {
            usage: Usage::BusinessUseCase {
                account_id: account.to_owned(),
                call_count: pct(n, limit),
                estimated_time_to_regain_access: if throttled { DAY_MS / 60_000 } else { 0 },
            },
            throttled: throttled.then(instagram_account_limit_error),
        })
    }
}
