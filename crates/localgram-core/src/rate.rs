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
//! refused for a bad token count against nothing. The counting itself is part of a call's
//! authentication (`call.rs`); this module holds the model: windows, usage and errors.

use crate::error::{AuthChallenge, GraphError, GraphErrorType};

/// Bucket width.
pub(crate) const BUCKET_MS: i64 = 60_000;
/// Platform window.
pub(crate) const HOUR_MS: i64 = 3_600_000;
/// Business Use Case window.
pub(crate) const DAY_MS: i64 = 86_400_000;

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
            } => use_case_value(
                account_id,
                "instagram",
                *call_count,
                *estimated_time_to_regain_access,
            ),
            Self::PageUseCase {
                page_id,
                call_count,
                estimated_time_to_regain_access,
            } => use_case_value(
                page_id,
                "pages",
                *call_count,
                *estimated_time_to_regain_access,
            ),
        }
    }
}

/// `{"<id>":[{…}]}`, the value of `X-Business-Use-Case-Usage`: written directly like `App`'s,
/// keys in alphabetical order (as a serialized JSON map has them).
fn use_case_value(id: &str, kind: &str, call_count: i64, regain_minutes: i64) -> String {
    let id = serde_json::Value::from(id);
    format!(
        r#"{{{id}:[{{"call_count":{call_count},"estimated_time_to_regain_access":{regain_minutes},"total_cputime":{call_count},"total_time":{call_count},"type":"{kind}"}}]}}"#
    )
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

pub(crate) fn pct(n: i64, limit: i64) -> i64 {
    if limit <= 0 {
        100
    } else {
        (n.saturating_mul(100) / limit).min(100)
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
        let page = Usage::PageUseCase {
            page_id: "10\"5".into(),
            call_count: 100,
            estimated_time_to_regain_access: 60,
        };
        assert_eq!(
            page.header_value(),
            r#"{"10\"5":[{"call_count":100,"estimated_time_to_regain_access":60,"total_cputime":100,"total_time":100,"type":"pages"}]}"#
        );
        // The same JSON as a serialized map would be.
        let parsed: serde_json::Value = serde_json::from_str(&page.header_value()).unwrap();
        assert_eq!(parsed.to_string(), page.header_value());
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
