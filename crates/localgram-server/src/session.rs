//! The browser session: a signed, HttpOnly cookie holding a random browser id and, once someone
//! logged in, the Instagram account and the login time. CSRF tokens are bound to the browser id
//! and kept (hashed, single-use) in the store, so every instance accepts them.

use crate::state::AppState;
use axum::http::HeaderMap;
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use localgram_core::clock::{from_millis, to_millis};
use localgram_core::rng::RngExt;
use time::OffsetDateTime;

/// The cookie's name.
pub const COOKIE: &str = "lg_session";

/// What the cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// A random id for this browser.
    pub browser_id: String,
    /// The logged-in Instagram account, if any.
    pub ig_user_id: Option<String>,
    /// When that login happened.
    pub login_at: Option<OffsetDateTime>,
    /// The logged-in Facebook user, if any (the Facebook Login dialog).
    pub fb_user_id: Option<String>,
}

impl Session {
    fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.browser_id,
            self.ig_user_id.as_deref().unwrap_or(""),
            self.login_at
                .map(to_millis)
                .map(|m| m.to_string())
                .unwrap_or_default(),
            self.fb_user_id.as_deref().unwrap_or("")
        )
    }

    fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let browser_id = parts.next().filter(|b| b.len() >= 16)?.to_owned();
        let ig_user_id = parts.next().filter(|u| !u.is_empty()).map(str::to_owned);
        let login_at = parts
            .next()
            .and_then(|m| m.parse::<i64>().ok())
            .map(from_millis);
        let fb_user_id = parts.next().filter(|u| !u.is_empty()).map(str::to_owned);
        Some(Self {
            browser_id,
            ig_user_id,
            login_at,
            fb_user_id,
        })
    }
}

/// The session of this browser, starting a new one (and setting its cookie) when there is none.
pub fn load_or_start(jar: SignedCookieJar, state: &AppState) -> (SignedCookieJar, Session) {
    if let Some(s) = jar.get(COOKIE).and_then(|c| Session::decode(c.value())) {
        return (jar, s);
    }
    let session = Session {
        browser_id: hex_id(state),
        ig_user_id: None,
        login_at: None,
        fb_user_id: None,
    };
    let jar = store(jar, state, &session);
    (jar, session)
}

/// The session, if the browser has one.
pub fn load(jar: &SignedCookieJar) -> Option<Session> {
    jar.get(COOKIE).and_then(|c| Session::decode(c.value()))
}

/// Writes the session cookie.
pub fn store(jar: SignedCookieJar, state: &AppState, session: &Session) -> SignedCookieJar {
    let mut cookie = Cookie::new(COOKIE, session.encode());
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    cookie.set_secure(state.public_url.starts_with("https://"));
    jar.add(cookie)
}

fn hex_id(state: &AppState) -> String {
    hex_encode(&state.platform.rng.bytes(16))
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a form POST's `Origin` (when sent) is this server's own: the public URL's origin or the
/// origin the browser used to reach us.
pub fn same_origin(headers: &HeaderMap, state: &AppState) -> bool {
    let Some(origin) = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    if origin == "null" {
        // Browsers send `Origin: null` for a form posted from a page whose Referrer-Policy is
        // `no-referrer` (every page here). `Sec-Fetch-Site` is set by the browser alone (a page
        // cannot forge it) and tells a same-origin post from a cross-site one.
        return headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "same-origin");
    }
    let public = url::Url::parse(&state.public_url)
        .ok()
        .map(|u| u.origin().ascii_serialization());
    if public.as_deref() == Some(origin) {
        return true;
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_round_trip_through_their_encoding() {
        let s = Session {
            browser_id: "0123456789abcdef0123".into(),
            ig_user_id: Some("17841405793187218".into()),
            login_at: Some(from_millis(1_700_000_000_123)),
            fb_user_id: Some("100000000000001".into()),
        };
        assert_eq!(Session::decode(&s.encode()), Some(s));
        let anon = Session {
            browser_id: "0123456789abcdef0123".into(),
            ig_user_id: None,
            login_at: None,
            fb_user_id: None,
        };
        assert_eq!(Session::decode(&anon.encode()), Some(anon));
        assert_eq!(Session::decode("short"), None);
    }
}
