//! Small helpers: randomness, `appsecret_proof`, redaction, and lenient deserialisers.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::secret::AppSecret;

/// Query and form parameters whose values are secrets.
pub(crate) const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "appsecret_proof",
    "client_secret",
    "app_secret",
    "code",
    "code_verifier",
    "fb_exchange_token",
    "input_token",
    "password",
    "owner_access_token",
];

const REDACTED: &str = "[redacted]";
const SNIPPET_MAX: usize = 512;

/// Fills an array from the operating system's random source.
///
/// The workspace's `clippy.toml` keeps the OS random source inside `localgram-core` so that the
/// emulator's randomness is injectable; the SDK has no such seam to honour, and this is its only
/// draw (CSRF `state`, PKCE verifiers, retry jitter).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    #[allow(
        clippy::disallowed_methods,
        reason = "the SDK's single source of randomness (state, PKCE, jitter)"
    )]
    let drawn = getrandom::getrandom(&mut buf);
    drawn.expect("the operating system's random source is unavailable");
    buf
}

/// 32 random bytes, base64url without padding (43 characters).
pub(crate) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A uniform number in `[0, 1)`.
pub(crate) fn random_unit() -> f64 {
    let n = u64::from_le_bytes(random_bytes::<8>()) >> 11;
    n as f64 / (1u64 << 53) as f64
}

/// Base64url (no padding) of the SHA-256 of `input`: the PKCE S256 challenge.
pub(crate) fn s256(input: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(input.as_bytes()))
}

/// SHA-256 of `input`, used as a map key so raw tokens are not kept twice.
pub(crate) fn sha256(input: &str) -> [u8; 32] {
    Sha256::digest(input.as_bytes()).into()
}

/// `appsecret_proof`: lowercase hex HMAC-SHA256 of the access token, keyed with the app secret.
pub fn appsecret_proof(secret: &AppSecret, access_token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.secret().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Strings known to be secret in the context of one call, replaced wherever they appear.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    known: Vec<String>,
}

impl Redactor {
    pub(crate) fn add(&mut self, secret: &str) {
        // Very short values (e.g. `code=1` in a test) would blank out unrelated text.
        if secret.len() >= 4 && !self.known.iter().any(|k| k == secret) {
            self.known.push(secret.to_owned());
        }
    }

    /// Replaces known secrets and `secret_param=value` pairs in free text.
    pub(crate) fn text(&self, input: &str) -> String {
        let mut out = redact_params_in_text(input);
        for k in &self.known {
            out = out.replace(k.as_str(), REDACTED);
        }
        out
    }

    /// A short, redacted excerpt of a response body for error messages.
    pub(crate) fn snippet(&self, body: &[u8]) -> String {
        let text = match serde_json::from_slice::<Value>(body) {
            Ok(mut value) => {
                redact_json(&mut value);
                value.to_string()
            }
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        };
        truncate(&self.text(&text), SNIPPET_MAX)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn is_secret_key(key: &str) -> bool {
    SECRET_PARAMS.contains(&key)
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_key(k) && v.is_string() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) if s.contains('=') => *s = redact_params_in_text(s),
        _ => {}
    }
}

/// Masks the value of every `secret_param=value` occurrence (as in a URL query or a form body).
pub(crate) fn redact_params_in_text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    'outer: while !rest.is_empty() {
        for key in SECRET_PARAMS {
            if let Some(pos) = find_param(rest, key) {
                let value_start = pos + key.len() + 1;
                out.push_str(&rest[..value_start]);
                out.push_str(REDACTED);
                let tail = &rest[value_start..];
                let end = tail
                    .find(['&', '"', '\'', '#', ' ', '\n', '>', '<'])
                    .unwrap_or(tail.len());
                rest = &tail[end..];
                continue 'outer;
            }
        }
        out.push_str(rest);
        break;
    }
    out
}

/// Finds `key=` where the key starts a parameter (preceded by start, `?`, `&` or a quote).
fn find_param(haystack: &str, key: &str) -> Option<usize> {
    let needle = format!("{key}=");
    let mut from = 0;
    while let Some(i) = haystack[from..].find(&needle) {
        let pos = from + i;
        let starts = pos == 0
            || matches!(
                haystack.as_bytes()[pos - 1],
                b'?' | b'&' | b'"' | b'\'' | b' ' | b'\n'
            );
        if starts {
            return Some(pos);
        }
        from = pos + needle.len();
    }
    None
}

/// Deserialisers that accept what Meta's hosts really send.
pub(crate) mod de_lenient {
    use super::*;

    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Option<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an id as a string or an integer")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(IdVisitor)
        }
    }

    /// An optional id given as a JSON string or a JSON integer; never goes through `f64`.
    pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(IdVisitor)
    }

    /// An optional list given as a JSON array of strings or as one comma-separated string.
    pub(crate) fn opt_list<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<String>>, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum List {
            Array(Vec<String>),
            Comma(String),
        }
        Ok(
            match <Option<List> as serde::Deserialize>::deserialize(d)? {
                None => None,
                Some(List::Array(items)) => Some(items),
                Some(List::Comma(s)) => Some(
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ),
            },
        )
    }

    struct U64Visitor;

    impl<'de> Visitor<'de> for U64Visitor {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a non-negative integer, possibly as a string")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("negative number"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 {
                Ok(Some(v as u64))
            } else {
                Err(E::custom("not a non-negative integer"))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim().parse().map(Some).map_err(E::custom)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(U64Visitor)
        }
    }

    /// An optional unsigned integer, given as a number or a numeric string.
    pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(U64Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appsecret_proof_is_hex_hmac_sha256() {
        // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog"), RFC 4231-style vector.
        let proof = appsecret_proof(
            &AppSecret::new("key"),
            "The quick brown fox jumps over the lazy dog",
        );
        assert_eq!(
            proof,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_distinct_and_url_safe() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        let u = random_unit();
        assert!((0.0..1.0).contains(&u));
    }

    #[test]
    fn params_in_text_are_masked() {
        let s = "https://x/me?fields=id&access_token=IGQVJabc&limit=2";
        assert_eq!(
            redact_params_in_text(s),
            "https://x/me?fields=id&access_token=[redacted]&limit=2"
        );
        // A parameter whose name merely ends in a secret name is left alone.
        assert_eq!(redact_params_in_text("zipcode=123"), "zipcode=123");
    }

    #[test]
    fn snippets_mask_json_secrets_and_urls() {
        let r = Redactor::default();
        let body = br#"{"access_token":"IGQVJsecret","paging":{"next":"https://h/x?access_token=IGQVJsecret&after=A"}}"#;
        let s = r.snippet(body);
        assert!(!s.contains("IGQVJsecret"), "{s}");
    }

    #[test]
    fn known_secrets_are_replaced_in_text() {
        let mut r = Redactor::default();
        r.add("IGQVJsecret");
        assert_eq!(
            r.text("invalid type: string \"IGQVJsecret\""),
            "invalid type: string \"[redacted]\""
        );
    }
}
