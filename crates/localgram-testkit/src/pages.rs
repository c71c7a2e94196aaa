//! A finished HTTP answer ([`Reply`]) and what every test reads off an HTML page: the security
//! headers, the hidden fields of a form, which page it is, the code a redirect carries.

use crate::{form_value, html_unescape, query_value};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// A finished response: status, headers and the body text.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body as text.
    pub text: String,
}

impl Reply {
    /// Reads the whole response.
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("cannot read a response body");
        Self {
            status,
            headers,
            text,
        }
    }

    /// Sends `req` and reads the whole response.
    pub async fn send(req: reqwest::RequestBuilder) -> Self {
        Self::read(req.send().await.expect("the request failed")).await
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text))
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Location`.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The value of the form field `csrf` of this page; panics when it has none.
    pub fn csrf(&self) -> String {
        form_value(&self.text, "csrf").unwrap_or_else(|| panic!("no csrf in {}", self.text))
    }
}

/// Asserts the anti-framing and leakage headers every HTML response carries
/// (`docs/robustness.md#browser-forms`).
pub fn assert_page_headers(headers: &HeaderMap, ctx: &str) {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    assert_eq!(h("x-frame-options"), Some("DENY"), "{ctx}: X-Frame-Options");
    let csp = h("content-security-policy").unwrap_or_else(|| panic!("{ctx}: no CSP"));
    assert!(csp.contains("frame-ancestors 'none'"), "{ctx}: CSP {csp}");
    assert!(csp.contains("default-src 'self'"), "{ctx}: CSP {csp}");
    assert!(
        !csp.contains("http"),
        "{ctx}: CSP names another origin: {csp}"
    );
    assert_eq!(
        h("referrer-policy"),
        Some("no-referrer"),
        "{ctx}: Referrer-Policy"
    );
    assert_eq!(h("cache-control"), Some("no-store"), "{ctx}: Cache-Control");
    assert_eq!(
        h("x-content-type-options"),
        Some("nosniff"),
        "{ctx}: nosniff"
    );
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{ctx}: CORS header on a page"
    );
}

/// Asserts an HTML page: status, content type and security headers.
pub fn assert_page(reply: &Reply, status: u16, ctx: &str) {
    assert_eq!(reply.status.as_u16(), status, "{ctx}: {}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{ctx}: content type"
    );
    assert_page_headers(&reply.headers, ctx);
}

/// The text of the element with this `id` (up to its first child tag), unescaped.
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let needle = format!("id=\"{id}\"");
    let at = html.find(&needle)? + needle.len();
    let start = html[at..].find('>')? + at + 1;
    let end = html[start..].find('<')? + start;
    Some(html_unescape(&html[start..end]))
}

/// The (html-unescaped) hidden fields `csrf` and `q` of a login or consent page.
pub fn hidden_fields(html: &str, ctx: &str) -> (String, String) {
    let csrf = form_value(html, "csrf").unwrap_or_else(|| panic!("{ctx}: no csrf field"));
    let q = form_value(html, "q").unwrap_or_else(|| panic!("{ctx}: no q field"));
    assert!(csrf.len() >= 32, "{ctx}: a weak csrf token {csrf:?}");
    (csrf, q)
}

/// Whether a page is the login page.
pub fn is_login_page(html: &str) -> bool {
    html.contains("id=\"login\"") && html.contains("name=\"password\"")
}

/// Whether a page is the consent page.
pub fn is_consent_page(html: &str) -> bool {
    html.contains("id=\"allow\"") && html.contains("name=\"decision\"")
}

/// The code of a `303` to the redirect URI (`…?code=AQ…&state=…#_`).
pub fn code_of(reply: &Reply, ctx: &str) -> String {
    assert_eq!(reply.status, 303, "{ctx}: {}", reply.text);
    let location = reply
        .location()
        .unwrap_or_else(|| panic!("{ctx}: no Location"));
    assert!(location.ends_with("#_"), "{ctx}: {location}");
    let code =
        query_value(location, "code").unwrap_or_else(|| panic!("{ctx}: no code in {location}"));
    assert!(code.starts_with("AQ") && code.len() >= 40, "{ctx}: {code}");
    code
}

/// The `access_token` of a successful token answer.
pub fn access_token_of(reply: &Reply, ctx: &str) -> String {
    assert_eq!(reply.status, 200, "{ctx}: {}", reply.text);
    reply.json()["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{ctx}: no access_token in {}", reply.text))
        .to_owned()
}
