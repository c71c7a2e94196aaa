//! The app's callbacks when a person removes it under Apps and Websites
//! (`docs/dashboard.md#removal-callbacks`): the Deauthorize callback URL and the Data deletion
//! request URL each receive a POST form `signed_request=<signature>.<payload>`, as Meta sends
//! them. The payload is `{"algorithm":"HMAC-SHA256","issued_at":…,"user_id":"…"}`, base64url
//! without padding; the signature is HMAC-SHA256 of the encoded payload keyed with the Instagram
//! App Secret (the app secret when the app has no Instagram app), base64url without padding.
//!
//! Only loopback hosts are called (`localhost`, `127.0.0.0/8`, `::1`): [`host_allowed`].

use crate::platform::Platform;
use crate::store::StoreError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Which callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackKind {
    /// The Deauthorize callback URL.
    Deauthorize,
    /// The Data deletion request URL (answers `{"url","confirmation_code"}`).
    DataDeletion,
}

impl CallbackKind {
    /// `deauthorize` | `data_deletion`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deauthorize => "deauthorize",
            Self::DataDeletion => "data_deletion",
        }
    }
}

/// One call to make.
#[derive(Debug, Clone)]
pub struct RemovalCallback {
    /// Which callback.
    pub kind: CallbackKind,
    /// The app (the Facebook app id).
    pub app_id: String,
    /// The account that removed the app.
    pub user_id: String,
    /// The URL, as configured.
    pub url: String,
    /// The form value `signed_request`.
    pub signed_request: String,
}

/// `base64url(HMAC-SHA256(secret, base64url(payload))) . base64url(payload)`.
pub fn signed_request(secret: &str, payload: &serde_json::Value) -> String {
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{sig}.{body}")
}

/// Whether Localgram may call this URL: `http`/`https` to a loopback host only.
pub fn host_allowed(raw: &str) -> bool {
    let Ok(url) = url::Url::parse(raw) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Platform {
    /// The callbacks to make because `user_id` removed `app_id` (none when the app has no
    /// callback URL or its secret cannot be opened). Reads only.
    pub async fn removal_callbacks(
        &self,
        app_id: &str,
        user_id: &str,
    ) -> Result<Vec<RemovalCallback>, StoreError> {
        let Some(app) = self.store.find_app(app_id).await? else {
            return Ok(Vec::new());
        };
        let secret = match &app.instagram_app {
            Some(ig) => ig
                .secret_sealed
                .as_deref()
                .and_then(|s| self.sealer.open(&ig.id, s)),
            None => app
                .secret_sealed
                .as_deref()
                .and_then(|s| self.sealer.open(&app.id, s)),
        };
        let Some(secret) = secret else {
            if app.deauthorize_callback_url.is_some() || app.data_deletion_url.is_some() {
                tracing::warn!(app = %app.id, "the app secret is not sealed; callbacks not sent");
            }
            return Ok(Vec::new());
        };
        let payload = serde_json::json!({
            "algorithm": "HMAC-SHA256",
            "issued_at": self.clock.now().unix_timestamp(),
            "user_id": user_id,
        });
        let signed = signed_request(&secret, &payload);
        let mut out = Vec::new();
        for (kind, url) in [
            (CallbackKind::Deauthorize, &app.deauthorize_callback_url),
            (CallbackKind::DataDeletion, &app.data_deletion_url),
        ] {
            if let Some(url) = url {
                out.push(RemovalCallback {
                    kind,
                    app_id: app.id.clone(),
                    user_id: user_id.to_owned(),
                    url: url.clone(),
                    signed_request: signed.clone(),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_request_is_meta_s_shape() {
        let payload =
            serde_json::json!({"algorithm": "HMAC-SHA256", "issued_at": 1, "user_id": "7"});
        let s = signed_request("secret", &payload);
        let (sig, body) = s.split_once('.').unwrap();
        let decoded = URL_SAFE_NO_PAD.decode(body).unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&decoded).unwrap(),
            payload
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"secret").unwrap();
        mac.update(body.as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(sig).unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
        assert!(!s.contains('='));
    }

    #[test]
    fn only_loopback_hosts_are_called() {
        for ok in [
            "http://127.0.0.1:8080/d",
            "http://localhost/x",
            "https://[::1]:9/y",
            "http://127.9.9.9/",
        ] {
            assert!(host_allowed(ok), "{ok}");
        }
        for no in [
            "https://example.com/d",
            "http://10.0.0.1/",
            "ftp://127.0.0.1/",
            "not a url",
            "http://localhost.evil.com/",
        ] {
            assert!(!host_allowed(no), "{no}");
        }
    }
}
