//! Secret newtypes: their `Debug` output is redacted and the value is reached only through an
//! explicit `.secret()` call, so a token never ends up in a log line by accident.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Every use of it is a place where it can leak: keep it
            /// out of logs and error messages.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Consumes the wrapper and returns the secret value.
            pub fn into_secret(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_type!(
    /// An Instagram or Facebook access token (user, Page or app token).
    ///
    /// ```
    /// use localgram_client::AccessToken;
    /// let token = AccessToken::new("IGQVJfake");
    /// assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
    /// assert_eq!(token.secret(), "IGQVJfake");
    /// ```
    AccessToken
);

secret_type!(
    /// An app secret (the Instagram app secret or the Facebook app secret). It is sent as
    /// `client_secret` in token exchanges and keys the `appsecret_proof` of every call.
    AppSecret
);

secret_type!(
    /// An authorization code from the redirect (`code=AQ…`). Single-use, valid for one hour.
    AuthorizationCode
);

secret_type!(
    /// A PKCE code verifier (RFC 7636), kept between the authorize URL and the code exchange.
    PkceCodeVerifier
);

secret_type!(
    /// The CSRF `state` sent to the authorization window and expected back on the redirect.
    CsrfState
);

impl AuthorizationCode {
    /// Builds a code from what the redirect carried, dropping the `#_` fragment Instagram appends
    /// and surrounding whitespace.
    pub fn from_redirect_value(value: &str) -> Self {
        let value = value.trim();
        Self::new(value.strip_suffix("#_").unwrap_or(value))
    }
}

impl Serialize for AccessToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        assert_eq!(
            format!("{:?}", AppSecret::new("s3cret")),
            "AppSecret([redacted])"
        );
        assert_eq!(
            format!("{:?}", AuthorizationCode::new("AQx")),
            "AuthorizationCode([redacted])"
        );
        assert_eq!(
            format!("{:?}", PkceCodeVerifier::new("v")),
            "PkceCodeVerifier([redacted])"
        );
    }

    #[test]
    fn code_from_redirect_drops_the_fragment() {
        assert_eq!(
            AuthorizationCode::from_redirect_value("AQD7x#_").secret(),
            "AQD7x"
        );
        assert_eq!(
            AuthorizationCode::from_redirect_value(" AQD7x ").secret(),
            "AQD7x"
        );
    }

    #[test]
    fn constant_time_eq_compares_contents() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
