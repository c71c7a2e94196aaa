//! App secrets sealed at rest (`docs/graph-api.md#appsecret-proof`). `appsecret_proof` is an HMAC
//! keyed with the app secret, so the secret must be recoverable; the store keeps its SHA-256 for
//! authentication and, for proofs, a ChaCha20-Poly1305 ciphertext under a key derived from the
//! instance secret (`server_secrets`), with a fresh random nonce per record and the app id as
//! associated data (a ciphertext moved to another app does not open).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::rng::{Rng, RngExt};

/// The version prefix of a sealed secret.
const PREFIX: &str = "v1.";
/// Bytes of nonce.
const NONCE_LEN: usize = 12;
/// The label the sealing key is derived under.
const KEY_LABEL: &[u8] = b"localgram app secret sealing v1";

/// Seals and opens app secrets with one key.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

impl Sealer {
    /// A sealer whose key is derived (HMAC-SHA256 under a fixed label) from the instance secret.
    pub fn from_instance_secret(secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(KEY_LABEL);
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// A 256-bit value derived from the instance key for `purpose` and `message` (HMAC-SHA256,
    /// domain-separated from sealing): the same on every instance sharing the database, and
    /// unguessable without the instance secret.
    pub fn derive(&self, purpose: &str, message: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.key))
    }

    /// Seals `secret` of app `app_id`: `v1.` and base64url of nonce and ciphertext.
    pub fn seal(&self, rng: &dyn Rng, app_id: &str, secret: &str) -> String {
        let nonce = rng.bytes(NONCE_LEN);
        let ct = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: app_id.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 encrypts any message of this size");
        let mut bytes = nonce;
        bytes.extend_from_slice(&ct);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens a sealed secret of app `app_id`; `None` when it was not sealed by this key for
    /// this app, or is malformed.
    pub fn open(&self, app_id: &str, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let clear = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: app_id.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(clear).ok()
    }
}

/// Lowercase hex HMAC-SHA256 of `message` keyed with `secret`: an `appsecret_proof`.
pub fn appsecret_proof(secret: &str, message: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    #[test]
    fn sealed_secrets_open_only_for_their_app_and_key() {
        let rng = SeededRng::new(1);
        let sealer = Sealer::from_instance_secret(b"instance");
        let a = sealer.seal(&rng, "1001", "the secret");
        let b = sealer.seal(&rng, "1001", "the secret");
        assert_ne!(a, b, "a fresh nonce per record");
        assert!(!a.contains("the secret"));
        assert_eq!(sealer.open("1001", &a).as_deref(), Some("the secret"));
        assert_eq!(sealer.open("1002", &a), None, "bound to the app id");
        let other = Sealer::from_instance_secret(b"another instance");
        assert_eq!(other.open("1001", &a), None);
        let mut tampered = a.clone();
        tampered.pop();
        assert_eq!(sealer.open("1001", &tampered), None);
        assert_eq!(sealer.open("1001", "v1."), None);
        assert_eq!(sealer.open("1001", "garbage"), None);
    }

    #[test]
    fn proofs_are_lowercase_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            appsecret_proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
