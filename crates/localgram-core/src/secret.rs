//! Secrets: tokens, codes, client secrets and passwords. They are generated with at least 256
//! random bits, stored only as hashes (SHA-256; argon2 for passwords), compared in constant time,
//! and never printed: [`Secret`]'s `Debug` and `Display` say `[redacted]`.

use crate::rng::{Rng, RngExt};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A secret string. Its `Debug` and `Display` never show the value; [`Secret::expose`] does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that must send or hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 hash under which the stores keep this secret.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Lowercase hex SHA-256 of a secret: what the stores keep and look secrets up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretHash(pub String);

/// A SHA-256 digest as 64 lowercase hex digits ([`SecretHash::hex_of`]).
#[derive(Clone, Copy)]
pub struct HexDigest([u8; 64]);

impl HexDigest {
    /// The digits.
    pub fn as_str(&self) -> &str {
        // Hex digits are ASCII: the check is the fast one, and never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl SecretHash {
    /// The hash of `raw`.
    pub fn of(raw: &str) -> Self {
        Self(Self::hex_of(raw).as_str().to_owned())
    }

    /// The hash of `raw` as hex digits on the stack, for a lookup that needs no owned string
    /// (a Graph call's token in the token cache).
    pub fn hex_of(raw: &str) -> HexDigest {
        // Through a buffer rather than `hex::encode`, which builds the string a char at a time.
        let mut hex = [0_u8; 64];
        // 32 bytes always fit in 64 hex digits.
        let _ = hex::encode_to_slice(Sha256::digest(raw.as_bytes()), &mut hex);
        HexDigest(hex)
    }

    /// Whether `raw` hashes to this value, compared in constant time.
    pub fn matches(&self, raw: &str) -> bool {
        let other = Self::of(raw);
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }

    /// The hex string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fresh random secret: `prefix` followed by 32 random bytes (256 bits) in base64url.
pub fn generate(rng: &dyn Rng, prefix: &str) -> Secret {
    let body = URL_SAFE_NO_PAD.encode(rng.bytes(32));
    Secret(format!("{prefix}{body}"))
}

/// Hashes a password with argon2id (default parameters) and a salt drawn from `rng`.
pub fn hash_password(rng: &dyn Rng, password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rng.bytes(16))
        .map_err(|e| anyhow::anyhow!("cannot encode a password salt: {e}"))?;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash a password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches an argon2 hash made by [`hash_password`]. A malformed hash never
/// matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Constant-time equality of two strings.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{OsRng, SeededRng};

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::new("IGQVJtopsecret");
        assert!(!format!("{s:?}").contains("topsecret"));
        assert!(!format!("{s}").contains("topsecret"));
    }

    #[test]
    fn generated_secrets_carry_256_bits_after_the_prefix() {
        let s = generate(&OsRng, "IGQV");
        let body = s.expose().strip_prefix("IGQV").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
        assert!(
            body.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn hashes_match_only_their_secret() {
        let h = SecretHash::of("abc");
        assert!(h.matches("abc"));
        assert!(!h.matches("abd"));
        // Lowercase hex SHA-256, as every stored hash was written.
        assert_eq!(
            h.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(SecretHash::hex_of("abc").as_str(), h.as_str());
    }

    #[test]
    fn passwords_verify_against_their_argon2_hash() {
        let hash = hash_password(&SeededRng::new(1), "correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not-a-hash"));
    }
}
