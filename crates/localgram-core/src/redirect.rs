//! Redirect URIs: exact matching (RFC 9700 §2.1) with the one exception of loopback ports (RFC 8252
//! §7.3), and the registration rules (`docs/robustness.md#redirect-uri-matching`,
//! `docs/robustness.md#redirect-uri-registration`).

use url::Url;

/// Whether a requested redirect URI matches a registered one: byte-for-byte equality, except that
/// an `http` loopback URI (`127.0.0.1` or `[::1]`) matches on any port.
pub fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    match (
        strip_loopback_port(registered),
        strip_loopback_port(requested),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// For an `http://127.0.0.1[:port]/…` or `http://[::1][:port]/…` URI, the string with the port
/// removed; `None` for anything else.
fn strip_loopback_port(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = if let Some(v6) = authority.strip_prefix("[::1]") {
        (v6.is_empty() || valid_port(v6)).then_some("[::1]")?
    } else if let Some(v4) = authority.strip_prefix("127.0.0.1") {
        (v4.is_empty() || valid_port(v4)).then_some("127.0.0.1")?
    } else {
        return None;
    };
    Some(format!("http://{host}{path}"))
}

/// `:N` with N a TCP port a browser can be redirected to: 1 to 65535.
fn valid_port(s: &str) -> bool {
    s.strip_prefix(':').is_some_and(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok_and(|n| n != 0)
    })
}

/// Why a redirect URI cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// Not an absolute URL.
    #[error("is not an absolute URL")]
    NotAbsolute,
    /// `http` on a host other than the loopback.
    #[error("must use https (http is allowed only on 127.0.0.1, [::1] and localhost)")]
    InsecureHttp,
    /// Contains a wildcard.
    #[error("must not contain a wildcard")]
    Wildcard,
    /// Carries a fragment.
    #[error("must not contain a fragment")]
    Fragment,
    /// Carries user information (`user@host`).
    #[error("must not contain user information")]
    UserInfo,
    /// Names port 0 or a port above 65535.
    #[error("has an invalid port (1 to 65535)")]
    InvalidPort,
}

/// Checks that `uri` may be registered as a "Valid OAuth Redirect URI". The string itself is kept
/// exactly as given (a trailing slash matters).
pub fn validate_registration(uri: &str) -> Result<(), RegistrationError> {
    if uri.contains('*') {
        return Err(RegistrationError::Wildcard);
    }
    let url = Url::parse(uri).map_err(|e| match e {
        url::ParseError::InvalidPort => RegistrationError::InvalidPort,
        _ => RegistrationError::NotAbsolute,
    })?;
    if url.port() == Some(0) {
        return Err(RegistrationError::InvalidPort);
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(RegistrationError::NotAbsolute);
    }
    if url.fragment().is_some() || uri.contains('#') {
        return Err(RegistrationError::Fragment);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RegistrationError::UserInfo);
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => match url.host_str() {
            Some("127.0.0.1" | "[::1]" | "localhost") => Ok(()),
            _ => Err(RegistrationError::InsecureHttp),
        },
        // Custom schemes of native apps (com.example.app:/cb) are allowed.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn near_misses_never_match() {
        let reg = "https://app.example/cb";
        for req in [
            "https://app.example/cb/",
            "https://app.example/cb?x=1",
            "https://app.example/CB",
            "https://app.example:444/cb",
            "http://app.example/cb",
            "https://app.example@evil.example/cb",
            "https://app.example/cb%2F..",
            "https://app.example/cb#f",
            "",
        ] {
            assert!(!matches(reg, req), "{req} must not match");
        }
        assert!(matches(reg, reg));
    }

    #[test]
    fn loopback_matches_on_any_port_only() {
        assert!(matches("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"));
        assert!(matches("http://127.0.0.1:8080/cb", "http://127.0.0.1:9/cb"));
        assert!(matches("http://[::1]/cb", "http://[::1]:4000/cb"));
        assert!(!matches(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:51234/cb/"
        ));
        assert!(!matches(
            "http://127.0.0.1/cb",
            "http://127.0.0.1.evil.example/cb"
        ));
        assert!(!matches("http://127.0.0.1/cb", "http://127.0.0.1:x/cb"));
        for port in ["0", "00000", "65536", "99999", ""] {
            let req = format!("http://127.0.0.1:{port}/cb");
            assert!(!matches("http://127.0.0.1/cb", &req), "{req}");
            let req = format!("http://[::1]:{port}/cb");
            assert!(!matches("http://[::1]/cb", &req), "{req}");
        }
        assert!(matches("http://127.0.0.1/cb", "http://127.0.0.1:65535/cb"));
        assert!(!matches("https://127.0.0.1/cb", "https://127.0.0.1:5/cb"));
    }

    #[test]
    fn registration_rules() {
        assert_eq!(
            validate_registration("http://app.example/cb"),
            Err(RegistrationError::InsecureHttp)
        );
        assert_eq!(validate_registration("http://127.0.0.1/cb"), Ok(()));
        assert_eq!(
            validate_registration("https://*.example/cb"),
            Err(RegistrationError::Wildcard)
        );
        assert_eq!(
            validate_registration("https://app.example/cb#x"),
            Err(RegistrationError::Fragment)
        );
        assert_eq!(
            validate_registration("/cb"),
            Err(RegistrationError::NotAbsolute)
        );
        assert_eq!(validate_registration("https://app.example/auth/"), Ok(()));
        for uri in [
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:99999/cb",
            "https://app.example:0/cb",
        ] {
            assert_eq!(
                validate_registration(uri),
                Err(RegistrationError::InvalidPort),
                "{uri}"
            );
        }
        assert_eq!(validate_registration("http://127.0.0.1:8080/cb"), Ok(()));
    }

    proptest! {
        #[test]
        fn non_loopback_matching_is_byte_equality(a in "https://[a-z]{1,8}\\.example/[a-z/]{0,8}", b in "https://[a-z]{1,8}\\.example/[a-z/]{0,8}") {
            prop_assert_eq!(matches(&a, &b), a == b);
        }
    }
}
