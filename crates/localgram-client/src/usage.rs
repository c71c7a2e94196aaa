//! Usage headers (`X-App-Usage`, `X-Business-Use-Case-Usage`, `X-Page-Usage`,
//! `X-Ad-Account-Usage`) and `Retry-After`, parsed from any response.
//!
//! Header values are JSON strings; a value that does not parse is ignored rather than failing the
//! call. Only Meta's documented keys are read, so an extra key changes nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;

/// Usage figures reported by one response.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Usage {
    /// `X-App-Usage`: percentages of the app's (or the token's) budget, 0–100.
    pub app: Option<AppUsage>,
    /// `X-Page-Usage`: the older Page-level header, same three percentages.
    pub page: Option<AppUsage>,
    /// `X-Business-Use-Case-Usage`, keyed by business object id (IG account, Page, ad account).
    pub business_use_case: BTreeMap<String, Vec<BusinessUseCaseUsage>>,
    /// `X-Ad-Account-Usage`.
    pub ad_account: Option<AdAccountUsage>,
    /// `Retry-After`, when given in seconds.
    pub retry_after: Option<Duration>,
    /// `facebook-api-version`: the version that served the call.
    pub api_version: Option<String>,
}

/// The `X-App-Usage` (and `X-Page-Usage`) percentages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AppUsage {
    /// Share of the call budget used, in percent.
    #[serde(default)]
    pub call_count: f64,
    /// Share of the total time budget used, in percent.
    #[serde(default)]
    pub total_time: f64,
    /// Share of the CPU time budget used, in percent.
    #[serde(default)]
    pub total_cputime: f64,
}

impl AppUsage {
    /// The largest of the three percentages.
    pub fn max_percent(&self) -> f64 {
        self.call_count.max(self.total_time).max(self.total_cputime)
    }
}

/// One entry of `X-Business-Use-Case-Usage`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct BusinessUseCaseUsage {
    /// `instagram`, `pages`, `ads_management`, …
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Share of the call budget used, in percent.
    #[serde(default)]
    pub call_count: f64,
    /// Share of the CPU time budget used, in percent.
    #[serde(default)]
    pub total_cputime: f64,
    /// Share of the total time budget used, in percent.
    #[serde(default)]
    pub total_time: f64,
    /// Minutes until calls are accepted again (`0` when not throttled).
    #[serde(default, deserialize_with = "crate::util::de_lenient::opt_u64")]
    pub estimated_time_to_regain_access: Option<u64>,
    /// `development_access` or `standard_access`, on ads use cases.
    #[serde(default)]
    pub ads_api_access_tier: Option<String>,
}

impl BusinessUseCaseUsage {
    /// `estimated_time_to_regain_access` as a duration, when it is above zero.
    pub fn time_to_regain_access(&self) -> Option<Duration> {
        self.estimated_time_to_regain_access
            .filter(|m| *m > 0)
            .map(|m| Duration::from_secs(m.saturating_mul(60)))
    }
}

/// `X-Ad-Account-Usage`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AdAccountUsage {
    /// Percentage of the ad account's budget used.
    #[serde(default)]
    pub acc_id_util_pct: f64,
    /// Seconds until the budget resets.
    #[serde(default, deserialize_with = "crate::util::de_lenient::opt_u64")]
    pub reset_time_duration: Option<u64>,
    /// The access tier.
    #[serde(default)]
    pub ads_api_access_tier: Option<String>,
}

impl Usage {
    /// Reads the usage headers of a response. Missing or malformed headers are left empty.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        fn json<T: for<'de> Deserialize<'de>>(headers: &HeaderMap, name: &str) -> Option<T> {
            let value = headers.get(name)?.to_str().ok()?;
            serde_json::from_str(value).ok()
        }
        Self {
            app: json(headers, "x-app-usage"),
            page: json(headers, "x-page-usage"),
            business_use_case: json(headers, "x-business-use-case-usage").unwrap_or_default(),
            ad_account: json(headers, "x-ad-account-usage"),
            retry_after: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            api_version: headers
                .get("facebook-api-version")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// True when the response carried none of the headers.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// How long to wait before calling again: the longest of `Retry-After` and every
    /// `estimated_time_to_regain_access`. `None` when nothing says to wait.
    pub fn time_to_regain_access(&self) -> Option<Duration> {
        self.business_use_case
            .values()
            .flatten()
            .filter_map(BusinessUseCaseUsage::time_to_regain_access)
            .chain(self.retry_after.filter(|d| !d.is_zero()))
            .max()
    }

    /// The highest percentage reported by any header (useful to slow down before 100 %).
    pub fn max_percent(&self) -> Option<f64> {
        let buc = self
            .business_use_case
            .values()
            .flatten()
            .map(|u| u.call_count.max(u.total_time).max(u.total_cputime));
        self.app
            .iter()
            .chain(self.page.iter())
            .map(AppUsage::max_percent)
            .chain(buc)
            .chain(self.ad_account.iter().map(|a| a.acc_id_util_pct))
            .reduce(f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn contract_examples_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":28,"total_time":25,"total_cputime":25}"#),
        );
        h.insert(
            "x-ad-account-usage",
            HeaderValue::from_static(r#"{"acc_id_util_pct":9.67,"reset_time_duration":100,"ads_api_access_tier":"standard_access"}"#),
        );
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"17841400000000002":[{"type":"instagram","call_count":42,"total_cputime":8,"total_time":10,"estimated_time_to_regain_access":3}]}"#),
        );
        let u = Usage::from_headers(&h);
        assert_eq!(u.app.unwrap().call_count, 28.0);
        assert_eq!(u.ad_account.as_ref().unwrap().acc_id_util_pct, 9.67);
        let buc = &u.business_use_case["17841400000000002"][0];
        assert_eq!(buc.kind.as_deref(), Some("instagram"));
        assert_eq!(u.time_to_regain_access(), Some(Duration::from_secs(180)));
        assert_eq!(u.max_percent(), Some(42.0));
    }

    #[test]
    fn malformed_headers_are_ignored() {
        let mut h = HeaderMap::new();
        h.insert("x-app-usage", HeaderValue::from_static("not json"));
        h.insert("retry-after", HeaderValue::from_static("7"));
        let u = Usage::from_headers(&h);
        assert!(u.app.is_none());
        assert_eq!(u.time_to_regain_access(), Some(Duration::from_secs(7)));
    }
}
