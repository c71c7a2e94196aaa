//! PKCE (RFC 7636): optional, enforced once a challenge was sent, downgrade blocked
//! (`docs/robustness.md#pkce`).

use crate::model::PkceMethod;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Why a PKCE check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceError {
    /// The verifier is not 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    MalformedVerifier,
    /// A challenge was stored with the code but no verifier was sent.
    VerifierMissing,
    /// A verifier was sent for a code issued without a challenge (a downgrade).
    UnexpectedVerifier,
    /// The verifier does not match the challenge.
    Mismatch,
}

/// Whether `verifier` has the RFC 7636 §4.1 shape.
pub fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Checks a token request's verifier against what was stored with the code.
pub fn check(stored: Option<(&str, PkceMethod)>, verifier: Option<&str>) -> Result<(), PkceError> {
    match (stored, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PkceError::UnexpectedVerifier),
        (Some(_), None) => Err(PkceError::VerifierMissing),
        (Some((challenge, method)), Some(verifier)) => {
            if !verifier_is_well_formed(verifier) {
                return Err(PkceError::MalformedVerifier);
            }
            let computed = match method {
                PkceMethod::S256 => s256_challenge(verifier),
                PkceMethod::Plain => verifier.to_owned(),
            };
            if crate::secret::constant_time_eq(&computed, challenge) {
                Ok(())
            } else {
                Err(PkceError::Mismatch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            s256_challenge(VERIFIER),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn every_case_of_the_catalogue() {
        let s256 = s256_challenge(VERIFIER);
        assert_eq!(
            check(Some((&s256, PkceMethod::S256)), Some(VERIFIER)),
            Ok(())
        );
        assert_eq!(check(None, None), Ok(()));
        let other = "x".repeat(43);
        assert_eq!(
            check(Some((&s256, PkceMethod::S256)), Some(&other)),
            Err(PkceError::Mismatch)
        );
        assert_eq!(
            check(Some((&s256, PkceMethod::S256)), None),
            Err(PkceError::VerifierMissing)
        );
        assert_eq!(
            check(None, Some(VERIFIER)),
            Err(PkceError::UnexpectedVerifier)
        );
        for bad in [
            "a".repeat(42),
            "a".repeat(129),
            format!("{}!", "a".repeat(42)),
        ] {
            assert_eq!(
                check(Some((&s256, PkceMethod::S256)), Some(&bad)),
                Err(PkceError::MalformedVerifier)
            );
        }
        assert_eq!(
            check(Some((VERIFIER, PkceMethod::Plain)), Some(VERIFIER)),
            Ok(())
        );
    }
}
