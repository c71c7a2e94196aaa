//! Server-rendered pages (askama templates in `templates/`, checked at compile time). Every page
//! is served with the security headers of [`crate::http::headers`] and loads nothing from another
//! origin.

use crate::http::headers::html_security_headers;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Renders a page with a status and the security headers.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut res = (status, html).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            html_security_headers(res.headers_mut());
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            let mut res = (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, something went wrong.",
            )
                .into_response();
            html_security_headers(res.headers_mut());
            res
        }
    }
}

/// An error page (authorize errors, CSRF refusals, internal failures).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// The text shown.
    pub message: &'a str,
}

/// The Instagram login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    /// The language of the texts.
    pub l: crate::i18n::Lang,
    /// Where the form posts.
    pub action: &'a str,
    /// The original authorize query, carried through.
    pub q: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The app asking.
    pub app_name: &'a str,
    /// What the person typed, kept after an error.
    pub username: &'a str,
    /// The error to show, if any.
    pub error: Option<&'a str>,
    /// Whether to offer "Log in with Facebook" (Business Login's `enable_fb_login`).
    pub enable_fb_login: bool,
}

/// One permission on the consent page.
pub struct Permission {
    /// The scope name.
    pub scope: String,
    /// What it lets the app do.
    pub description: &'static str,
}

/// The consent page.
#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    /// The language of the texts.
    pub l: crate::i18n::Lang,
    /// Where the form posts.
    pub action: &'a str,
    /// The original authorize query, carried through.
    pub q: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The app asking.
    pub app_name: &'a str,
    /// The logged-in account.
    pub username: &'a str,
    /// The requested permissions.
    pub permissions: Vec<Permission>,
    /// Where "Not you?" posts.
    pub logout_action: &'a str,
}

/// The demo redirect target: shows the code (or the error) and how to exchange it.
#[derive(Template)]
#[template(path = "callback.html")]
pub struct CallbackPage<'a> {
    /// The code, if the person allowed.
    pub code: Option<&'a str>,
    /// `state`, if any.
    pub state: Option<&'a str>,
    /// `error`, if the person cancelled.
    pub error: Option<&'a str>,
    /// `error_description`.
    pub error_description: Option<&'a str>,
    /// The host that issued the code (`instagram` or `facebook`), when Localgram knows it.
    pub host: Option<&'a str>,
    /// Ready curl commands for the exchange: one on the issuing host, or one per host when the
    /// code is unknown.
    pub commands: Vec<String>,
}

/// The Facebook login page.
#[derive(Template)]
#[template(path = "fb_login.html")]
pub struct FbLoginPage<'a> {
    /// The page's language.
    pub l: crate::i18n::Lang,
    /// Where the form posts.
    pub action: &'a str,
    /// The original dialog query, carried through.
    pub q: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The app asking.
    pub app_name: &'a str,
    /// What the person typed, kept after an error.
    pub email: &'a str,
    /// The error to show, if any.
    pub error: Option<&'a str>,
}

/// A test user's `login_url` worked: the browser is logged in to Facebook as that user.
#[derive(Template)]
#[template(path = "fb_test_user_login.html")]
pub struct FbTestUserLoginPage<'a> {
    /// The page's language.
    pub l: crate::i18n::Lang,
    /// The test user's name.
    pub name: &'a str,
}

/// One permission on the Facebook consent page.
pub struct FbPermission {
    /// The permission name.
    pub scope: String,
    /// What it lets the app do.
    pub description: &'static str,
    /// `public_profile`: always granted, no checkbox.
    pub required: bool,
}

/// One Page offered on the Facebook consent page.
pub struct FbPageChoice {
    /// The Page id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The Facebook consent page: a checkbox per permission and per Page.
#[derive(Template)]
#[template(path = "fb_consent.html")]
pub struct FbConsentPage<'a> {
    /// The page's language.
    pub l: crate::i18n::Lang,
    /// Where the form posts.
    pub action: &'a str,
    /// The original dialog query, carried through.
    pub q: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The app asking.
    pub app_name: &'a str,
    /// The logged-in user's name.
    pub name: &'a str,
    /// The requested permissions.
    pub permissions: Vec<FbPermission>,
    /// The person's Pages.
    pub pages: Vec<FbPageChoice>,
    /// Where "Not you?" posts.
    pub logout_action: &'a str,
}
