//! The domain's errors, named after what they stand for on the wire, with Meta's texts
//! (`docs/graph-api.md#errors`). They know nothing of HTTP: `localgram-server` picks statuses and
//! envelopes.
//!
//! - [`AuthorizeError`]: the authorization window; always an HTML error page, never a redirect.
//! - [`OAuthError`]: `api.instagram.com/oauth/access_token`; the flat Instagram OAuth envelope.
//! - [`GraphError`]: graph.instagram.com and graph.facebook.com; the Graph envelope.
//! - [`Internal`](GraphError::internal) causes are logged by the server and never shown.

use crate::store::StoreError;
use time::OffsetDateTime;

/// A failure of the authorization window. Its [`Display`](std::fmt::Display) is the page text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// Missing, unknown, or not an Instagram app.
    #[error("Invalid Request: Request parameters are invalid: Invalid platform app")]
    InvalidPlatformApp,
    /// `redirect_uri` missing or not registered, byte for byte.
    #[error("Invalid Request: Request parameters are invalid: Invalid redirect_uri")]
    InvalidRedirectUri,
    /// `response_type` missing or other than `code`.
    #[error("Invalid Request: Request parameters are invalid: Invalid response_type")]
    InvalidResponseType,
    /// An unknown scope.
    #[error("Invalid Request: Request parameters are invalid: Invalid scope: {0}")]
    InvalidScope(String),
    /// No scope, or the family's required scope absent.
    #[error("Invalid Request: Request parameters are invalid: Missing required scope {0}")]
    MissingScope(&'static str),
    /// Scopes of Basic Display and Instagram Login mixed.
    #[error(
        "Invalid Request: Request parameters are invalid: Invalid scope: Basic Display and Instagram Login scopes cannot be combined"
    )]
    MixedScopes,
    /// A parameter given more than once.
    #[error("Invalid Request: Request parameters are invalid: Duplicate parameter {0}")]
    DuplicateParameter(String),
    /// A PKCE parameter that cannot be honoured.
    #[error("Invalid Request: Request parameters are invalid: {0}")]
    InvalidPkce(&'static str),
    /// Development-mode app, and the user is not an accepted tester.
    #[error("Insufficient developer role")]
    InsufficientDeveloperRole,
    /// A control-plane call named a Facebook user by a name several users of the app share.
    #[error("Several Facebook users of the app are named {0:?}: name the user by id or email")]
    AmbiguousUser(String),
}

/// A failure of the Instagram code exchange (`POST api.instagram.com/oauth/access_token`).
/// Its [`Display`](std::fmt::Display) is the `error_message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// A required field is absent.
    #[error("Missing required field {0}")]
    MissingField(&'static str),
    /// A field given twice.
    #[error("Duplicate field {0}")]
    DuplicateField(String),
    /// Unknown app, or not an Instagram app.
    #[error("Invalid platform app")]
    InvalidPlatformApp,
    /// Wrong client secret. `basic` is true when it came in an `Authorization: Basic` header.
    #[error("Error validating client secret")]
    InvalidClientSecret {
        /// Whether the credentials came through HTTP Basic (answer 401 with `WWW-Authenticate`).
        basic: bool,
    },
    /// Too many wrong client secrets for this app lately ([`crate::attempts`]).
    #[error(
        "(#4) Application request limit reached: too many failed client authentications, try again later"
    )]
    TooManyClientFailures,
    /// The client secret was sent in the query string of the POST.
    #[error(
        "client_secret must be sent in the request body or an Authorization header, not in the URL"
    )]
    SecretInQuery,
    /// Credentials sent both in HTTP Basic and in the body.
    #[error(
        "Client credentials must be sent either in the Authorization header or in the body, not both"
    )]
    CredentialsTwice,
    /// `grant_type` other than `authorization_code`.
    #[error("Unsupported grant_type: {0}")]
    UnsupportedGrantType(String),
    /// `redirect_uri` differs from the one used at authorize (the code is not consumed).
    #[error("Invalid redirect_uri")]
    InvalidRedirectUri,
    /// Unknown, expired or already used code.
    #[error("Matching code was not found or was already used")]
    CodeNotFound,
    /// PKCE verifier absent, unexpected, malformed or wrong.
    #[error("Invalid code_verifier")]
    InvalidCodeVerifier,
    /// A body that cannot be decoded (not UTF-8, malformed multipart, unsupported type).
    #[error("Invalid request: {0}")]
    InvalidRequest(String),
    /// The store failed; logged, never shown.
    #[error("An unexpected error has occurred. Please retry your request later.")]
    Internal,
}

/// The `type` member of a Graph error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphErrorType {
    /// `OAuthException`.
    OAuth,
    /// `GraphMethodException` (graph.facebook.com).
    GraphMethod,
    /// `IGApiException` (graph.instagram.com).
    IgApi,
}

impl GraphErrorType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth => "OAuthException",
            Self::GraphMethod => "GraphMethodException",
            Self::IgApi => "IGApiException",
        }
    }
}

/// Which Graph host answers; some error types differ by host (`docs/graph-api.md#errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphHost {
    /// graph.instagram.com.
    Instagram,
    /// graph.facebook.com.
    Facebook,
}

/// The `error` value of a `WWW-Authenticate: OAuth "Facebook Platform" …` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthChallenge {
    /// `invalid_token` (code 190).
    InvalidToken,
    /// `invalid_request` (rate limits).
    InvalidRequest,
    /// `invalid_code` (a reused Facebook authorization code).
    InvalidCode,
}

/// An error in the Graph envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// `code`.
    pub code: i64,
    /// `error_subcode`.
    pub subcode: Option<i64>,
    /// `type`.
    pub error_type: GraphErrorType,
    /// `message`.
    pub message: String,
    /// `is_transient`, when the error says so.
    pub is_transient: Option<bool>,
    /// The `WWW-Authenticate` challenge to send, if any.
    pub challenge: Option<AuthChallenge>,
    /// `error_user_title` and `error_user_msg`, when the error has them (boxed: most errors
    /// have none, and every `Result` carrying a `GraphError` stays small).
    pub user_text: Option<Box<UserText>>,
}

/// The texts of a Graph error meant for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserText {
    /// `error_user_title`.
    pub title: String,
    /// `error_user_msg`.
    pub msg: String,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for GraphError {}

impl GraphError {
    fn new(code: i64, error_type: GraphErrorType, message: impl Into<String>) -> Self {
        Self {
            code,
            subcode: None,
            error_type,
            message: message.into(),
            is_transient: None,
            challenge: None,
            user_text: None,
        }
    }

    fn invalid_token(subcode: Option<i64>, message: impl Into<String>) -> Self {
        Self {
            subcode,
            challenge: Some(AuthChallenge::InvalidToken),
            ..Self::new(190, GraphErrorType::OAuth, message)
        }
    }

    /// 190: garbage, unknown or wrong-host token.
    pub fn cannot_parse_token() -> Self {
        Self::invalid_token(
            None,
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    /// 190/463: expired token, with both instants in Meta's Pacific-time format.
    pub fn expired(expired_at: OffsetDateTime, now: OffsetDateTime) -> Self {
        Self::invalid_token(
            Some(463),
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                crate::timefmt::pacific(expired_at),
                crate::timefmt::pacific(now)
            ),
        )
    }

    /// 190/460: token invalidated (revoked after a code replay, or by the platform).
    pub fn invalidated() -> Self {
        Self::invalid_token(
            Some(460),
            "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
        )
    }

    /// 190/458: the user removed the app.
    pub fn app_not_installed(app_id: &str) -> Self {
        Self::invalid_token(
            Some(458),
            format!(
                "Error validating access token: The user has not authorized application {app_id}."
            ),
        )
    }

    /// 2500: `/me` without a token.
    pub fn no_token_for_me() -> Self {
        Self::new(
            2500,
            GraphErrorType::OAuth,
            "An active access token must be used to query information about the current user.",
        )
    }

    /// 104: another id without a token.
    pub fn no_token() -> Self {
        Self::new(
            104,
            GraphErrorType::OAuth,
            "An access token is required to request this resource.",
        )
    }

    /// 100/33: object missing, not visible, or not supporting the operation.
    pub fn unsupported_request(host: GraphHost, method: &str, id: &str) -> Self {
        let (error_type, suffix) = match host {
            GraphHost::Instagram => (GraphErrorType::IgApi, ""),
            GraphHost::Facebook => (
                GraphErrorType::GraphMethod,
                ". Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            ),
        };
        Self {
            subcode: Some(33),
            ..Self::new(
                100,
                error_type,
                format!(
                    "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation{suffix}",
                    method.to_ascii_lowercase()
                ),
            )
        }
    }

    /// 100: a field the node type does not have.
    pub fn nonexisting_field(field: &str, node_type: &str) -> Self {
        Self::new(
            100,
            GraphErrorType::OAuth,
            format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
            ),
        )
    }

    /// 2500: an unknown path component.
    pub fn unknown_path(component: &str) -> Self {
        Self::new(
            2500,
            GraphErrorType::OAuth,
            format!("Unknown path components: /{component}"),
        )
    }

    /// 2500: a `fields` syntax error; `message` is the full `Syntax error "…" at character N: …`.
    pub fn fields_syntax(message: impl Into<String>) -> Self {
        Self::new(2500, GraphErrorType::OAuth, message)
    }

    /// 100: an invalid or missing parameter; `message` is shown as is.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(100, GraphErrorType::OAuth, message)
    }

    /// 100: wrong client secret on graph.instagram.com.
    pub fn invalid_client_secret() -> Self {
        Self::new(100, GraphErrorType::OAuth, "Error validating client secret")
    }

    /// 10: a permission the token lacks.
    pub fn permission_denied() -> Self {
        Self::new(
            10,
            GraphErrorType::OAuth,
            "(#10) Application does not have permission for this action",
        )
    }

    /// 2635: a Graph version older than Localgram serves.
    pub fn deprecated_version() -> Self {
        Self::new(
            2635,
            GraphErrorType::OAuth,
            "(#2635) You are calling a deprecated version of the Graph API. Please update to the latest version",
        )
    }

    /// 100: refresh of a token younger than 24 hours (`docs/graph-api.md#refresh`).
    pub fn refresh_too_early() -> Self {
        Self::invalid_parameter(
            "(#100) The access token can be refreshed only 24 hours after it was issued",
        )
    }

    /// 100: refresh of a short-lived token (`docs/graph-api.md#refresh`).
    pub fn refresh_short_lived() -> Self {
        Self::invalid_parameter("(#100) Only long-lived access tokens can be refreshed")
    }

    /// 1: an internal failure; the cause is logged, never shown.
    pub fn internal() -> Self {
        Self {
            is_transient: Some(true),
            ..Self::new(
                1,
                GraphErrorType::OAuth,
                "An unknown error has occurred. Please retry your request later.",
            )
        }
    }

    /// 2: the database is unavailable; retry.
    pub fn unavailable() -> Self {
        Self {
            is_transient: Some(true),
            ..Self::new(
                2,
                GraphErrorType::OAuth,
                "The service is temporarily unavailable. Please retry your request later.",
            )
        }
    }

    /// 459: the user is checkpointed (must log in at facebook.com).
    pub fn checkpointed() -> Self {
        Self::new(
            459,
            GraphErrorType::OAuth,
            "(#459) The session is invalid because the user has been checkpointed",
        )
    }

    /// 368: the user is blocked.
    pub fn blocked() -> Self {
        Self::new(
            368,
            GraphErrorType::OAuth,
            "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
        )
    }

    /// 110: a user id that names no user.
    pub fn invalid_user_id() -> Self {
        Self::new(110, GraphErrorType::OAuth, "(#110) Invalid user id")
    }

    /// 210: a user the token may not see.
    pub fn user_not_visible() -> Self {
        Self::new(210, GraphErrorType::OAuth, "(#210) User not visible")
    }

    /// 200: a permission missing; `detail` says which.
    pub fn permissions_error(detail: &str) -> Self {
        Self::new(
            200,
            GraphErrorType::OAuth,
            format!("(#200) Permissions error: {detail}"),
        )
    }

    /// 152: a Page category that does not exist.
    pub fn invalid_page_type(detail: &str) -> Self {
        Self::new(
            152,
            GraphErrorType::OAuth,
            format!("(#152) Invalid page type: {detail}"),
        )
    }

    /// 194: a required parameter missing.
    pub fn missing_required(param: &str) -> Self {
        Self::new(
            194,
            GraphErrorType::OAuth,
            format!("(#194) Missing at least one required parameter: {param}"),
        )
    }

    /// 100/36009: a Facebook authorization code used twice.
    pub fn code_used() -> Self {
        Self {
            subcode: Some(36009),
            challenge: Some(AuthChallenge::InvalidCode),
            ..Self::new(
                100,
                GraphErrorType::OAuth,
                "This authorization code has been used.",
            )
        }
    }

    /// 100/36007: a Facebook authorization code past its lifetime.
    pub fn code_expired() -> Self {
        Self {
            subcode: Some(36007),
            ..Self::new(
                100,
                GraphErrorType::OAuth,
                "This authorization code has expired.",
            )
        }
    }

    /// 100: an unknown Facebook authorization code.
    pub fn invalid_code() -> Self {
        Self::new(
            100,
            GraphErrorType::OAuth,
            "Invalid verification code format.",
        )
    }

    /// 100/36008: `redirect_uri` differs from the dialog's (the code is not consumed).
    pub fn code_redirect_mismatch() -> Self {
        Self {
            subcode: Some(36008),
            ..Self::new(
                100,
                GraphErrorType::OAuth,
                "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
            )
        }
    }

    /// 101: an unknown app id at the token endpoint.
    pub fn invalid_application() -> Self {
        Self::new(
            101,
            GraphErrorType::OAuth,
            "Error validating application. Invalid application ID.",
        )
    }

    /// 2900: the app has as many test users as its `test_user_limit`
    /// (`docs/graph-api.md#test-users`).
    pub fn too_many_test_accounts() -> Self {
        Self::new(
            2900,
            GraphErrorType::OAuth,
            "(#2900) Too many test accounts",
        )
    }

    /// 2902: the test user is the app's only one (`docs/graph-api.md#test-users`).
    pub fn cannot_remove_test_account() -> Self {
        Self::new(
            2902,
            GraphErrorType::OAuth,
            "(#2902) Cannot remove test account from this app",
        )
    }

    /// 100: a wrong `appsecret_proof` (`docs/graph-api.md#appsecret-proof`).
    pub fn invalid_appsecret_proof() -> Self {
        Self::new(
            100,
            GraphErrorType::GraphMethod,
            "Invalid appsecret_proof provided in the API argument",
        )
    }

    /// 100: `appsecret_proof` required by the app and absent.
    pub fn appsecret_proof_required() -> Self {
        Self::new(
            100,
            GraphErrorType::GraphMethod,
            "API calls from the server require an appsecret_proof argument",
        )
    }

    /// The Graph error for a store failure.
    pub fn from_store(e: &StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::unavailable(),
            _ => Self::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expired_message_uses_meta_format_in_pacific_time() {
        let e = GraphError::expired(
            datetime!(2024-05-06 17:00 UTC),
            datetime!(2024-05-07 15:12:03 UTC),
        );
        assert_eq!(
            e.message,
            "Error validating access token: Session has expired on Monday, 06-May-24 10:00:00 PDT. The current time is Tuesday, 07-May-24 08:12:03 PDT."
        );
        assert_eq!((e.code, e.subcode), (190, Some(463)));
        assert_eq!(e.challenge, Some(AuthChallenge::InvalidToken));
    }

    #[test]
    fn unsupported_request_type_and_text_depend_on_host() {
        let ig = GraphError::unsupported_request(GraphHost::Instagram, "GET", "42");
        assert_eq!(ig.error_type, GraphErrorType::IgApi);
        assert!(ig.message.ends_with("does not support this operation"));
        let fb = GraphError::unsupported_request(GraphHost::Facebook, "POST", "42");
        assert_eq!(fb.error_type, GraphErrorType::GraphMethod);
        assert!(
            fb.message
                .starts_with("Unsupported post request. Object with ID '42'")
        );
        assert!(
            fb.message
                .ends_with("https://developers.facebook.com/docs/graph-api")
        );
    }

    #[test]
    fn authorize_page_texts() {
        assert_eq!(
            AuthorizeError::InvalidRedirectUri.to_string(),
            "Invalid Request: Request parameters are invalid: Invalid redirect_uri"
        );
        assert_eq!(
            AuthorizeError::InsufficientDeveloperRole.to_string(),
            "Insufficient developer role"
        );
    }
}
