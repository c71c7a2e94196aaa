#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod schema;

use serde::{Deserialize, Serialize};

/// The Graph error envelope of graph.instagram.com and graph.facebook.com:
/// `{"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id", …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct GraphErrorBody {
    /// The error.
    pub error: GraphErrorDetail,
}

/// The inside of [`GraphErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct GraphErrorDetail {
    /// Human-readable message.
    pub message: String,
    /// `OAuthException`, `GraphMethodException`, `IGApiException`, …
    #[serde(rename = "type")]
    pub error_type: String,
    /// The Graph error code.
    pub code: i64,
    /// The subcode, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_subcode: Option<i64>,
    /// Whether retrying may succeed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub is_transient: Option<bool>,
    /// A title to show a person.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_user_title: Option<String>,
    /// A message to show a person.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_user_msg: Option<String>,
    /// The trace id, always present.
    pub fbtrace_id: String,
}

/// The flat Instagram OAuth error envelope of `api.instagram.com/oauth/*`:
/// `{"error_type": "OAuthException", "code": 400, "error_message": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct InstagramOAuthErrorBody {
    /// Always `OAuthException`.
    pub error_type: String,
    /// The HTTP status, repeated.
    pub code: i64,
    /// Human-readable message.
    pub error_message: String,
}

/// The Basic Display code-exchange answer: `{"access_token", "user_id": <number>}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct BasicDisplayTokenResponse {
    /// The short-lived token.
    pub access_token: String,
    /// The app-scoped user id, as a JSON number.
    pub user_id: u64,
}

/// The flat Instagram Login code-exchange answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct InstagramLoginTokenResponse {
    /// The short-lived token.
    pub access_token: String,
    /// The user id, as a JSON number.
    pub user_id: u64,
    /// Granted permissions.
    pub permissions: Vec<String>,
}

/// One element of the wrapped Instagram Login code-exchange answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct WrappedTokenItem {
    /// The short-lived token.
    pub access_token: String,
    /// The user id, as a string.
    pub user_id: String,
    /// Granted permissions, comma-separated.
    pub permissions: String,
}

/// The wrapped Instagram Login code-exchange answer: `{"data": [ … ]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct WrappedTokenResponse {
    /// One item.
    pub data: Vec<WrappedTokenItem>,
}

/// The long-lived exchange and refresh answer: `{"access_token", "token_type", "expires_in"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct LongLivedTokenResponse {
    /// The token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until expiry.
    pub expires_in: i64,
}

/// Graph paging cursors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Cursors {
    /// Cursor of the first item of the page.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub before: Option<String>,
    /// Cursor of the last item of the page.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub after: Option<String>,
}

/// Graph paging.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Paging {
    /// Cursors, on cursor-paged edges.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cursors: Option<Cursors>,
    /// URL of the previous page; absent on the first.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub previous: Option<String>,
    /// URL of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_omits_absent_members() {
        let body = GraphErrorBody {
            error: GraphErrorDetail {
                message: "m".into(),
                error_type: "OAuthException".into(),
                code: 190,
                error_subcode: None,
                is_transient: None,
                error_user_title: None,
                error_user_msg: None,
                fbtrace_id: "Abc".into(),
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"message":"m","type":"OAuthException","code":190,"fbtrace_id":"Abc"}}"#
        );
    }

    #[test]
    fn large_user_ids_stay_exact_numbers() {
        let r = BasicDisplayTokenResponse {
            access_token: "t".into(),
            user_id: 17841405793187218,
        };
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(s, r#"{"access_token":"t","user_id":17841405793187218}"#);
    }
}
