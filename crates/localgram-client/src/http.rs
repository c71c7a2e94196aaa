//! The HTTP seam: the client sends every request through an [`HttpClient`], which is `reqwest`
//! by default. Tests (and unusual deployments) can plug in their own, even a closure returning a
//! canned [`HttpResponse`].
//!
//! ```
//! use localgram_client::http::{HttpRequest, HttpResponse};
//! use localgram_client::{Client, StatusCode};
//!
//! let client = Client::builder()
//!     .http_client(|_req: HttpRequest| async {
//!         Ok(HttpResponse::new(StatusCode::OK, r#"{"id":"1"}"#))
//!     })
//!     .build()
//!     .unwrap();
//! # let _ = client;
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::{ClientError, Result};
use crate::util::redact_params_in_text;

/// A boxed, sendable future, as returned by [`HttpClient::execute`].
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One HTTP request, fully built: the URL already carries the query, including the access token
/// and `appsecret_proof` where they go there.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: Url,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body (a form-encoded body for POSTs), if any.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// The value of one query parameter, if present.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The value of one form field of the body, if present.
    pub fn form_param(&self, name: &str) -> Option<String> {
        let body = self.body.as_deref()?;
        url::form_urlencoded::parse(body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_params_in_text(self.url.as_str()))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// One HTTP response, body read in full.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body, and a JSON content type.
    pub fn new(status: StatusCode, body: impl Into<Vec<u8>>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        Self {
            status,
            headers,
            body: body.into(),
        }
    }

    /// Adds a header; panics on an invalid name or value (meant for tests and canned answers).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("valid header name");
        let value = HeaderValue::from_str(value).expect("valid header value");
        self.headers.append(name, value);
        self
    }
}

/// Sends HTTP requests for the client.
///
/// Implemented for `reqwest` (the default) and for any `Fn(HttpRequest) -> impl Future<Output =
/// Result<HttpResponse>>` closure. Errors should be [`ClientError::Http`] or
/// [`ClientError::Transport`], and must not contain the request URL (it carries the token).
pub trait HttpClient: Send + Sync + 'static {
    /// Sends one request and reads the whole response.
    fn execute(&self, request: HttpRequest) -> BoxFuture<Result<HttpResponse>>;
}

impl<F, Fut> HttpClient for F
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<HttpResponse>> + Send + 'static,
{
    fn execute(&self, request: HttpRequest) -> BoxFuture<Result<HttpResponse>> {
        Box::pin(self(request))
    }
}

/// The default transport.
pub(crate) struct ReqwestClient(pub(crate) reqwest::Client);

impl HttpClient for ReqwestClient {
    fn execute(&self, request: HttpRequest) -> BoxFuture<Result<HttpResponse>> {
        let client = self.0.clone();
        Box::pin(async move {
            let mut builder = client
                .request(request.method, request.url)
                .headers(request.headers);
            if let Some(body) = request.body {
                builder = builder.body(body);
            }
            let response = builder.send().await.map_err(ClientError::http)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(ClientError::http)?;
            Ok(HttpResponse {
                status,
                headers,
                body: body.to_vec(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_hides_the_token() {
        let req = HttpRequest {
            method: Method::GET,
            url: Url::parse("https://graph.instagram.com/me?access_token=IGQVJsecret&fields=id")
                .unwrap(),
            headers: HeaderMap::new(),
            body: None,
        };
        let s = format!("{req:?}");
        assert!(!s.contains("IGQVJsecret"), "{s}");
        assert_eq!(req.query_param("fields").as_deref(), Some("id"));
    }
}
