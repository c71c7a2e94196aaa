//! Routing by `Host` header: a request for `Host: graph.instagram.com` is routed as if it carried
//! the `/graph.instagram.com` prefix (README, "A walk-through with curl").

use axum::http::{Request, Uri, header};

/// The Meta hosts Localgram emulates, each mounted under `/<host>`.
pub const HOSTS: &[&str] = localgram_core::faults::HOSTS;

/// Rewrites the URI of a request addressed to a real Meta host name onto that host's prefix.
pub fn route_by_host<B>(mut req: Request<B>) -> Request<B> {
    // Compared without case and without a lowercase copy: most requests name another host.
    let host = req.headers().get(header::HOST).and_then(|h| {
        let name = h.as_bytes();
        let name = memchr::memchr(b':', name).map_or(name, |colon| &name[..colon]);
        HOSTS
            .iter()
            .find(|known| known.as_bytes().eq_ignore_ascii_case(name))
    });
    let Some(host) = host else {
        return req;
    };
    let path = req.uri().path();
    let prefix = format!("/{host}");
    if path == prefix
        || path.starts_with(&format!("{prefix}/"))
        || path.starts_with("/_localgram/")
        || path.starts_with("/static/")
        || path.starts_with("/cdn/")
    {
        return req;
    }
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    if let Ok(uri) = format!("{prefix}{pq}").parse::<Uri>() {
        *req.uri_mut() = uri;
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(host: &str, uri: &str) -> String {
        let req = Request::builder()
            .uri(uri)
            .header("host", host)
            .body(())
            .unwrap();
        route_by_host(req).uri().to_string()
    }

    #[test]
    fn real_host_names_map_onto_their_prefix() {
        assert_eq!(
            rewrite("graph.instagram.com", "/me?fields=id"),
            "/graph.instagram.com/me?fields=id"
        );
        assert_eq!(
            rewrite("api.instagram.com:443", "/oauth/access_token"),
            "/api.instagram.com/oauth/access_token"
        );
        assert_eq!(
            rewrite("api.instagram.com", "/api.instagram.com/oauth/authorize"),
            "/api.instagram.com/oauth/authorize"
        );
        assert_eq!(rewrite("127.0.0.1:8090", "/me"), "/me");
        assert_eq!(
            rewrite("Graph.Instagram.COM:443", "/me"),
            "/graph.instagram.com/me"
        );
        assert_eq!(rewrite("graph.instagram.com.evil", "/me"), "/me");
        assert_eq!(
            rewrite("graph.instagram.com", "/static/style.css"),
            "/static/style.css"
        );
    }
}
