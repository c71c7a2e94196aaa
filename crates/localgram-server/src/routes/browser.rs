//! Browser plumbing the authorize windows, the Facebook dialog and the App Dashboard share: the
//! page language and the checks every form POST passes first.

use crate::error::{ApiError, Result};
use crate::http::params::body_params;
use crate::i18n::Lang;
use crate::session::{self, Session};
use crate::state::AppState;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::SignedCookieJar;
use localgram_core::params::Params;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lg_lang";

/// The language of a request: the switcher's cookie, else `Accept-Language`, else English.
pub fn lang(headers: &HeaderMap, jar: &SignedCookieJar) -> Lang {
    if let Some(l) = jar
        .get(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
    {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::negotiate)
        .unwrap_or_default()
}

/// The page language, as an extractor: a handler takes `PageLang(l): PageLang` (see [`lang`]).
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S> axum::extract::FromRequestParts<S> for PageLang
where
    S: Send + Sync,
    axum_extra::extract::cookie::Key: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        let jar = SignedCookieJar::from_request_parts(parts, state).await?;
        Ok(Self(lang(&parts.headers, &jar)))
    }
}

/// Adds `Retry-After` (whole seconds, at least 1) to a throttled answer.
pub fn with_retry_after(mut res: Response, wait: time::Duration) -> Response {
    let secs = wait.whole_seconds().max(1);
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}

/// A form POST that passed the checks every form passes first, as an extractor: same origin, a
/// session, and an unused CSRF token (`csrf`) issued to this browser, checked in that order once
/// the body is read. `F` is the body: [`Params`] (urlencoded or multipart text fields, the
/// default) or [`Upload`] (multipart with files). A handler that takes it cannot skip the
/// checks; a form that fails them never reaches the handler.
pub struct CheckedForm<F = Params>(pub F, pub Session);

/// A form body that [`CheckedForm`] reads.
pub trait FormBody: Sized + Send {
    /// What [`CheckedForm`] refuses a form with.
    type Rejection: IntoResponse + From<ApiError>;
    /// What a form sent without a session is told.
    const SESSION_EXPIRED: &'static str;
    /// Reads the body.
    fn read(req: Request) -> impl Future<Output = Result<Self>> + Send;
    /// The form's CSRF token (none when it was sent twice).
    fn csrf(&self) -> Option<&str>;
    /// Refuses a body read only in part, before its CSRF token is looked at (the token may be
    /// in the part that was not read).
    fn complete(self, session: Session) -> std::result::Result<(Self, Session), Self::Rejection> {
        Ok((self, session))
    }
}

impl FormBody for Params {
    type Rejection = ApiError;
    const SESSION_EXPIRED: &'static str =
        "Your session has expired. Go back to the app and start again.";

    async fn read(req: Request) -> Result<Self> {
        body_params(req)
            .await
            .map_err(|_| ApiError::Forbidden("The form could not be read."))
    }

    fn csrf(&self) -> Option<&str> {
        self.get("csrf").ok().flatten()
    }
}

/// A multipart form with files (the Emulator's upload): its text fields, and the parts sent
/// with a file name, read up to the route's body limit.
#[derive(Debug, Default)]
pub struct Upload {
    /// The parts sent without a file name, as text.
    pub fields: Params,
    /// The parts sent with a file name: the part's name and its bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// The body went over the limit: it was read up to there.
    too_large: bool,
}

impl Upload {
    /// A text field, or `""`.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).ok().flatten().unwrap_or("")
    }

    /// Takes the bytes of the file part `name`, if one was sent.
    pub fn take_file(&mut self, name: &str) -> Option<Vec<u8>> {
        let at = self.files.iter().position(|(n, _)| n == name)?;
        Some(self.files.swap_remove(at).1)
    }
}

const UNREADABLE: ApiError = ApiError::Forbidden("The form could not be read.");

impl FormBody for Upload {
    type Rejection = UploadRefusal;
    const SESSION_EXPIRED: &'static str =
        "Your session has expired. Reload the page and try again.";

    async fn read(req: Request) -> Result<Self> {
        use axum::extract::FromRequest;
        let mut multipart = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| UNREADABLE)?;
        let mut pairs = Vec::new();
        let mut files = Vec::new();
        let too_large = loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break false,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => break true,
                Err(_) => return Err(UNREADABLE),
            };
            let name = field.name().unwrap_or("").to_owned();
            if field.file_name().is_some() {
                match field.bytes().await {
                    Ok(b) => files.push((name, b.to_vec())),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => break true,
                    Err(_) => return Err(UNREADABLE),
                }
            } else {
                match field.text().await {
                    Ok(text) => pairs.push((name, text)),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => break true,
                    Err(_) => return Err(UNREADABLE),
                }
            }
        };
        Ok(Self {
            fields: Params::new(pairs),
            files,
            too_large,
        })
    }

    fn csrf(&self) -> Option<&str> {
        self.fields.get("csrf").ok().flatten()
    }

    fn complete(self, session: Session) -> std::result::Result<(Self, Session), UploadRefusal> {
        if self.too_large {
            return Err(UploadRefusal::TooLarge(self, session));
        }
        Ok((self, session))
    }
}

/// Why a [`CheckedForm<Upload>`] was refused.
pub enum UploadRefusal {
    /// A check failed (the answer says which).
    Refused(ApiError),
    /// The body went over the route's limit: the fields read before it and the browser's
    /// session, so the handler can show its page again with what was typed. The CSRF token was
    /// not checked, so nothing may be done with them but refusing.
    TooLarge(Upload, Session),
}

impl From<ApiError> for UploadRefusal {
    fn from(e: ApiError) -> Self {
        Self::Refused(e)
    }
}

impl IntoResponse for UploadRefusal {
    fn into_response(self) -> Response {
        match self {
            Self::Refused(e) => e.into_response(),
            Self::TooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        }
    }
}

impl<F: FormBody> axum::extract::FromRequest<AppState> for CheckedForm<F> {
    type Rejection = F::Rejection;

    async fn from_request(
        req: Request,
        state: &AppState,
    ) -> std::result::Result<Self, F::Rejection> {
        use axum::extract::FromRequestParts;
        if !session::same_origin(req.headers(), state) {
            return Err(ApiError::Forbidden(
                "This form was sent from another site and was refused.",
            )
            .into());
        }
        let (mut parts, body) = req.into_parts();
        let Ok(jar) = SignedCookieJar::from_request_parts(&mut parts, state).await;
        let form = F::read(Request::from_parts(parts, body)).await?;
        let session = session::load(&jar).ok_or(ApiError::Forbidden(F::SESSION_EXPIRED))?;
        let (form, session) = form.complete(session)?;
        let csrf = form.csrf().ok_or(ApiError::Forbidden(
            "The form is missing its security token. Reload the page and try again.",
        ))?;
        let ok = state
            .platform
            .consume_csrf(csrf, &session.browser_id)
            .await
            .map_err(|e| ApiError::PageInternal(e.into()))?;
        if !ok {
            return Err(ApiError::Forbidden(
                "The form's security token is invalid or was already used. Reload the page and try again.",
            )
            .into());
        }
        Ok(Self(form, session))
    }
}

/// The browser's session, as an extractor: the one its signed cookie holds, or a new one whose
/// cookie is in the jar given back (return that jar with the response). See
/// [`session::load_or_start`].
pub struct BrowserSession(pub SignedCookieJar, pub Session);

impl axum::extract::FromRequestParts<AppState> for BrowserSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let Ok(jar) = SignedCookieJar::from_request_parts(parts, state).await;
        let (jar, session) = session::load_or_start(jar, state);
        Ok(Self(jar, session))
    }
}
