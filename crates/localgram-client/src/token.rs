//! [`TokenResponse`]: every shape of token answer Meta's hosts send, normalised
//! (`docs/graph-api.md#code-exchange-shapes`).
//!
//! Accepted: the Basic Display flat shape (`{"access_token", "user_id": <number>}`), the
//! Instagram Login flat shape (with `permissions` as an array or a comma string, `user_id` as a
//! number or a string), the documented wrapped shape (`{"data": [{…}]}`), the long-lived and
//! refresh shape (`{"access_token", "token_type", "expires_in"}`), Facebook's answers (also
//! the old `expires` name), and the old `text/plain` form body
//! (`access_token=…&expires=…`). Ids are kept as exact strings, never through `f64`.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::error::{ClientError, Result, decode};
use crate::secret::AccessToken;
use crate::util::Redactor;

/// A token answer, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The token.
    pub access_token: AccessToken,
    /// `bearer`, when sent.
    pub token_type: Option<String>,
    /// Seconds until expiry, when sent (long-lived and refresh answers; Facebook answers).
    pub expires_in: Option<u64>,
    /// The user id, when sent (code exchanges), as an exact string.
    pub user_id: Option<String>,
    /// The granted permissions, when sent.
    pub permissions: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(
        default,
        alias = "expires",
        deserialize_with = "crate::util::de_lenient::opt_u64"
    )]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "crate::util::de_lenient::opt_id")]
    user_id: Option<String>,
    #[serde(default, deserialize_with = "crate::util::de_lenient::opt_list")]
    permissions: Option<Vec<String>>,
    #[serde(default)]
    data: Option<Vec<Raw>>,
}

impl TokenResponse {
    /// Parses a token answer in any accepted shape.
    pub fn from_slice(body: &[u8]) -> Result<Self> {
        Self::parse(body, &Redactor::default())
    }

    pub(crate) fn parse(body: &[u8], redactor: &Redactor) -> Result<Self> {
        let trimmed = body.trim_ascii_start();
        let raw: Raw = if trimmed.first() == Some(&b'{') {
            decode(body, redactor)?
        } else {
            Self::from_form(trimmed)
        };
        let raw = match raw {
            Raw {
                access_token: None,
                data: Some(mut items),
                ..
            } if !items.is_empty() => items.swap_remove(0),
            raw => raw,
        };
        let Some(access_token) = raw.access_token.filter(|t| !t.is_empty()) else {
            return Err(ClientError::Decode {
                path: "access_token".into(),
                message: "missing field `access_token`".into(),
                body_snippet: redactor.snippet(body),
            });
        };
        Ok(Self {
            access_token: AccessToken::new(access_token),
            token_type: raw.token_type,
            expires_in: raw.expires_in,
            user_id: raw.user_id,
            permissions: raw.permissions,
        })
    }

    fn from_form(body: &[u8]) -> Raw {
        let mut raw = Raw {
            access_token: None,
            token_type: None,
            expires_in: None,
            user_id: None,
            permissions: None,
            data: None,
        };
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "access_token" => raw.access_token = Some(v.into_owned()),
                "token_type" => raw.token_type = Some(v.into_owned()),
                "expires" | "expires_in" => raw.expires_in = v.trim().parse().ok(),
                "user_id" => raw.user_id = Some(v.into_owned()),
                _ => {}
            }
        }
        raw
    }

    /// When the token expires, counted from `received_at` (the time of the response).
    pub fn expires_at(&self, received_at: SystemTime) -> Option<SystemTime> {
        self.expires_in
            .map(|s| received_at + Duration::from_secs(s))
    }

    /// The user id as a number, when it is one.
    pub fn user_id_u64(&self) -> Option<u64> {
        self.user_id.as_deref().and_then(|id| id.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_beyond_2_pow_53_stays_exact() {
        let t =
            TokenResponse::from_slice(br#"{"access_token":"IGQVJx","user_id":17841405793187218}"#)
                .unwrap();
        assert_eq!(t.user_id.as_deref(), Some("17841405793187218"));
        assert_eq!(t.user_id_u64(), Some(17841405793187218));
    }

    #[test]
    fn old_facebook_form_bodies_parse() {
        let t = TokenResponse::from_slice(b"access_token=EAAx&expires=5183944").unwrap();
        assert_eq!(t.access_token.secret(), "EAAx");
        assert_eq!(t.expires_in, Some(5183944));
    }

    #[test]
    fn a_body_without_token_is_a_decode_error_without_secrets() {
        let e = TokenResponse::from_slice(br#"{"token_type":"bearer"}"#).unwrap_err();
        assert!(matches!(e, ClientError::Decode { ref path, .. } if path == "access_token"));
    }
}
