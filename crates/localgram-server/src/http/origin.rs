//! The origin a request came in on, for the absolute URLs built while answering it (paging links,
//! media URLs, a test user's `login_url`).
//!
//! By default those URLs start with the public URL and the host's path prefix
//! (`http://127.0.0.1:8090/graph.instagram.com/…`). A request that came in over TLS (the HTTPS
//! listener or a proxy tunnel), or as an absolute-form proxy request (`GET http://graph.facebook.com/…`),
//! is answered with URLs on the origin it used instead: on a Meta host name, that host and scheme
//! without a prefix (`https://graph.instagram.com/v22.0/me/media?…`, and
//! `https://www.facebook.com/…` for the Login dialog's host), so a client that follows them stays
//! on the real name; on another name (`https://localhost:8443`), that origin with the prefix.
//!
//! The connection layer (`conn.rs`) finds the origin before routing and runs the request inside
//! [`scope`]; URL builders read it with [`public_url`] and [`host_url`].

use axum::http::{Request, header};
use std::borrow::Cow;
use std::future::Future;

/// How a connection reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Plain HTTP.
    Plain,
    /// TLS (the HTTPS listener, or a tunnel opened by `CONNECT`).
    Tls,
}

/// The origin of one request, when it is not the public URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOrigin {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The host, lowercase, without the port.
    pub host: String,
    /// The port, when the client named one.
    pub port: Option<u16>,
    /// Whether `host` is one of the Meta hosts.
    pub meta_host: bool,
}

tokio::task_local! {
    static ORIGIN: RequestOrigin;
}

/// Splits `host[:port]` (IPv6 in brackets) into a lowercase host and a port.
pub fn split_authority(authority: &str) -> (String, Option<u16>) {
    let authority = authority.trim();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && (!h.contains(':') || h.ends_with(']')) => {
            (h, p.parse::<u16>().ok())
        }
        _ => (authority, None),
    };
    (host.to_ascii_lowercase(), port)
}

/// The origin of `req` coming in `via`, when URLs must use it: over TLS, or for an absolute-form
/// request; `None` keeps the public URL.
pub fn of<B>(req: &Request<B>, via: Via) -> Option<RequestOrigin> {
    let absolute = req.uri().authority().map(|a| a.as_str().to_owned());
    let (scheme, authority) = match (via, absolute) {
        (Via::Tls, _) => (
            "https",
            req.headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
                .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))?,
        ),
        (Via::Plain, Some(authority)) => ("http", authority),
        (Via::Plain, None) => return None,
    };
    let (host, port) = split_authority(&authority);
    let default_port = if scheme == "https" { 443 } else { 80 };
    Some(RequestOrigin {
        scheme,
        meta_host: super::host::HOSTS.contains(&host.as_str()),
        port: port.filter(|p| *p != default_port),
        host,
    })
}

/// Runs `fut` with `origin` as the request's origin (not an `async fn`, which would keep `fut`
/// twice in its future).
pub fn scope<F: Future>(
    origin: RequestOrigin,
    fut: F,
) -> tokio::task::futures::TaskLocalFuture<RequestOrigin, F> {
    ORIGIN.scope(origin, fut)
}

fn with_port(scheme: &str, host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    }
}

/// The base of URLs outside the host prefixes (`/cdn/…`): the request's origin, or the public
/// URL `public`.
pub fn public_url(public: &str) -> Cow<'_, str> {
    ORIGIN
        .try_with(|o| Cow::Owned(with_port(o.scheme, &o.host, o.port)))
        .unwrap_or(Cow::Borrowed(public))
}

/// The base of URLs on the host mounted at `prefix` (`/graph.instagram.com`): on a Meta host
/// name, that host's own origin; otherwise the request's origin or the public URL `public`, then
/// `prefix`.
pub fn host_url(public: &str, prefix: &str) -> String {
    ORIGIN
        .try_with(|o| {
            if o.meta_host {
                with_port(o.scheme, prefix.trim_start_matches('/'), o.port)
            } else {
                format!("{}{prefix}", with_port(o.scheme, &o.host, o.port))
            }
        })
        .unwrap_or_else(|_| format!("{public}{prefix}"))
}

/// What distinguishes this request's URLs from another's, for caches of rendered answers:
/// empty under the public URL.
pub fn cache_tag() -> String {
    ORIGIN
        .try_with(|o| with_port(o.scheme, &o.host, o.port))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, host: &str) -> Request<()> {
        Request::builder()
            .uri(uri)
            .header("host", host)
            .body(())
            .unwrap()
    }

    #[test]
    fn tls_and_absolute_form_requests_have_an_origin_and_others_none() {
        assert_eq!(of(&req("/me", "127.0.0.1:8090"), Via::Plain), None);
        assert_eq!(
            of(&req("/me", "graph.instagram.com"), Via::Tls),
            Some(RequestOrigin {
                scheme: "https",
                host: "graph.instagram.com".into(),
                port: None,
                meta_host: true
            })
        );
        assert_eq!(
            of(&req("/me", "Graph.Instagram.com:8443"), Via::Tls).map(|o| o.port),
            Some(Some(8443))
        );
        assert_eq!(
            of(&req("/me", "graph.instagram.com:443"), Via::Tls).map(|o| o.port),
            Some(None)
        );
        let o = of(
            &req("http://graph.facebook.com/v21.0/me", "graph.facebook.com"),
            Via::Plain,
        )
        .unwrap();
        assert_eq!(
            (o.scheme, o.host.as_str(), o.meta_host),
            ("http", "graph.facebook.com", true)
        );
        assert_eq!(split_authority("[::1]:8443"), ("[::1]".into(), Some(8443)));
        assert_eq!(split_authority("LOCALHOST"), ("localhost".into(), None));
    }
}
