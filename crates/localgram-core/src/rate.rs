//! Rate limits with Meta's model (`docs/graph-api.md#rate-limits`,
//! `docs/robustness.md#rate-limit-accounting`).
//!
//! - Basic Display tokens count against Platform limits: the whole app per rolling hour (code 4)
//!   and one app-and-user pair per rolling hour (code 17); usage goes in `X-App-Usage`.
//! - Instagram Login tokens count against the Business Use Case limit of one app-and-account pair
//!   per rolling 24 hours (code 80002); usage goes in `X-Business-Use-Case-Usage`.
//! - Page tokens count against the Pages Business Use Case limit of one app-and-Page pair per
//!   rolling 24 hours (code 80001); usage goes in `X-Business-Use-Case-Usage` with `"type": "pages"`.
//!
//! Counting happens on the test clock, in one-minute buckets summed over the window (a rolling
//! window with minute resolution). Every call with a valid token counts, throttled ones included;
//! a call is admitted when every count it raised is at most its limit, so 200 concurrent calls
//! against a limit of 100 admit exactly 100 (the store serialises increments per bucket). Calls
//! refused for a bad token count against nothing.

use crate::clock::to_millis;
use crate::error::{AuthChallenge, GraphError, GraphErrorType};
use crate::model::{RateLimits, TokenRecord};
use crate::platform::Platform;
use crate::scope::Family;
use crate::store::StoreError;

/// Bucket width.
const BUCKET_MS: i64 = 60_000;
/// Platform window.
const HOUR_MS: i64 = 3_600_000;
/// Business Use Case window.
const DAY_MS: i64 = 86_400_000;

/// Server-wide defaults, overridden per app by the world file's `[apps.rate_limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDefaults {
    /// Calls of one app per rolling hour (code 4).
    pub app_calls_per_hour: i64,
    /// Calls of one app-and-user pair per rolling hour (code 17).
    pub user_calls_per_hour: i64,
    /// Calls of one app-and-account pair per rolling 24 hours (code 80002).
    pub business_calls_per_day: i64,
}

impl Default for RateDefaults {
    fn default() -> Self {
        Self {
            app_calls_per_hour: 20_000,
            user_calls_per_hour: 4_800,
            business_calls_per_day: 48_000,
        }
    }
}

/// What the usage headers say after a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// `X-App-Usage: {"call_count": pct, "total_time": pct, "total_cputime": pct}`.
    App {
        /// Percentage of the tightest Platform limit used (0–100).
        call_count: i64,
    },
    /// `X-Business-Use-Case-Usage: {"<account>": [{"type": "instagram", …}]}`.
    BusinessUseCase {
        /// The Instagram account id the usage is keyed by.
        account_id: String,
        /// Percentage used (0–100).
        call_count: i64,
        /// Minutes until calls are admitted again (0 when not throttled).
        estimated_time_to_regain_access: i64,
    },
    /// `X-Business-Use-Case-Usage: {"<page>": [{"type": "pages", …}]}` (Page tokens).
    PageUseCase {
        /// The Page id the usage is keyed by.
        page_id: String,
        /// Percentage used (0–100).
        call_count: i64,
        /// Minutes until calls are admitted again (0 when not throttled).
        estimated_time_to_regain_access: i64,
    },
}

impl Usage {
    /// The header name.
    pub fn header_name(&self) -> &'static str {
        match self {
            Self::App { .. } => "x-app-usage",
            Self::BusinessUseCase { .. } | Self::PageUseCase { .. } => "x-business-use-case-usage",
        }
    }

    /// The header value (JSON, Meta's keys only).
    pub fn header_value(&self) -> String {
        match self {
            // Written directly (it goes on every Graph answer); keys in the order the other
            // variants' maps serialize them.
            Self::App { call_count } => format!(
                r#"{{"call_count":{call_count},"total_cputime":{call_count},"total_time":{call_count}}}"#
            ),
            Self::BusinessUseCase {
                account_id,
                call_count,
                estimated_time_to_regain_access,
            } => serde_json::json!({
                account_id.as_str(): [{
                    "type": "instagram",
                    "call_count": call_count,
                    "total_cputime": call_count,
                    "total_time": call_count,
                    "estimated_time_to_regain_access": estimated_time_to_regain_access,
                }]
            })
            .to_string(),
            Self::PageUseCase {
                page_id,
                call_count,
                estimated_time_to_regain_access,
            } => serde_json::json!({
                page_id.as_str(): [{
                    "type": "pages",
                    "call_count": call_count,
                    "total_cputime": call_count,
                    "total_time": call_count,
                    "estimated_time_to_regain_access": estimated_time_to_regain_access,
                }]
            })
            .to_string(),
        }
    }
}

/// The outcome of counting one call.
#[derive(Debug, Clone)]
pub struct Counted {
    /// The usage to report.
    pub usage: Usage,
    /// The throttling error, when the call is refused.
    pub throttled: Option<GraphError>,
}

fn throttle(code: i64, message: &str) -> GraphError {
    GraphError {
        code,
        subcode: None,
        error_type: GraphErrorType::OAuth,
        message: message.to_owned(),
        is_transient: Some(true),
        challenge: Some(AuthChallenge::InvalidRequest),
        user_text: None,
    }
}

/// `(#4) Application request limit reached`.
pub fn app_limit_error() -> GraphError {
    throttle(4, "(#4) Application request limit reached")
}

/// `(#17) User request limit reached`.
pub fn user_limit_error() -> GraphError {
    throttle(17, "(#17) User request limit reached")
}

/// Code 80002.
pub fn instagram_account_limit_error() -> GraphError {
    throttle(
        80002,
        "There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    )
}

/// Code 80001.
pub fn page_account_limit_error() -> GraphError {
    throttle(
        80001,
        "There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    )
}

fn pct(n: i64, limit: i64) -> i64 {
    if limit <= 0 {
        100
    } else {
        (n.saturating_mul(100) / limit).min(100)
    }
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, "store failure while counting a call");
    GraphError::from_store(&e)
}

impl Platform {
    /// Counts one Graph call made with `token` and says whether it is admitted.
    pub async fn count_call(&self, token: &TokenRecord) -> Result<Counted, GraphError> {
        let limits: RateLimits = self
            .cached_app(&token.app_id)
            .await
            .map_err(store_err)?
            .map(|a| a.rate_limits.clone())
            .unwrap_or_default();
        let now = to_millis(self.clock.now());
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
                .hit_counter(&format!("pbuc:{}:{page}", token.app_id), bucket_start, from)
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
                self.count_instagram_buc(&limits, &token.app_id, user, bucket_start)
                    .await
            }
            _ => {
                let app_limit = limits.app_calls_per_hour.unwrap_or(d.app_calls_per_hour);
                let user_limit = limits.user_calls_per_hour.unwrap_or(d.user_calls_per_hour);
                let from = bucket_start - HOUR_MS + BUCKET_MS;
                let app_bucket = format!("app:{}", token.app_id);
                let user_bucket = format!("user:{}:{user}", token.app_id);
                let counts = self
                    .store
                    .hit_counters(&[&app_bucket, &user_bucket], bucket_start, from)
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
            .hit_counter(&format!("buc:{app_id}:{account}"), bucket_start, from)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_headers_carry_meta_keys_only() {
        assert_eq!(
            Usage::App { call_count: 28 }.header_value(),
            r#"{"call_count":28,"total_cputime":28,"total_time":28}"#
        );
        let buc = Usage::BusinessUseCase {
            account_id: "1784".into(),
            call_count: 42,
            estimated_time_to_regain_access: 0,
        };
        assert_eq!(
            buc.header_value(),
            r#"{"1784":[{"call_count":42,"estimated_time_to_regain_access":0,"total_cputime":42,"total_time":42,"type":"instagram"}]}"#
        );
    }

    #[test]
    fn throttle_errors_are_transient_with_the_request_challenge() {
        for e in [
            page_account_limit_error(),
            app_limit_error(),
            user_limit_error(),
            instagram_account_limit_error(),
        ] {
            assert_eq!(e.is_transient, Some(true));
            assert_eq!(e.challenge, Some(AuthChallenge::InvalidRequest));
        }
        assert_eq!(pct(150, 100), 100);
        assert_eq!(pct(28, 100), 28);
    }
}
