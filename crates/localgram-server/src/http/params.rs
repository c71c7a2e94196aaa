//! Decoding query strings and bodies into [`Params`] (urlencoded, multipart or JSON), with a
//! clear error instead of a panic or a 500 for anything malformed.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use localgram_core::params::Params;

/// The body limit of every public endpoint (forms, Graph calls).
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Larger than the limit.
    #[error("the request body is too large")]
    TooLarge,
    /// Not UTF-8, not well-formed, or of a content type this endpoint does not take.
    #[error("{0}")]
    Malformed(String),
}

/// Decodes a query string. Invalid percent-encoding is replaced, never a panic.
pub fn query_params(query: Option<&str>) -> Params {
    Params::parse_urlencoded(query.unwrap_or(""))
}

/// Reads a form body: `application/x-www-form-urlencoded`, `multipart/form-data`, or (Graph
/// tolerance) a JSON object of scalars. An empty body gives no parameters.
pub async fn body_params(req: Request) -> Result<Params, BodyError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, &())
            .await
            .map_err(|e| BodyError::Malformed(e.body_text()))?;
        let mut pairs = Vec::new();
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| BodyError::Malformed(e.body_text()))?
        {
            let name = field.name().unwrap_or("").to_owned();
            let value = field
                .text()
                .await
                .map_err(|e| BodyError::Malformed(e.body_text()))?;
            pairs.push((name, value));
        }
        return Ok(Params::new(pairs));
    }
    let bytes = Bytes::from_request(req, &()).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            BodyError::TooLarge
        } else {
            BodyError::Malformed(e.body_text())
        }
    })?;
    if bytes.is_empty() {
        return Ok(Params::default());
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| BodyError::Malformed("the request body is not valid UTF-8".into()))?;
    if content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| BodyError::Malformed(format!("the JSON body is malformed: {e}")))?;
        let obj = value
            .as_object()
            .ok_or_else(|| BodyError::Malformed("the JSON body must be an object".into()))?;
        let pairs = obj
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect();
        return Ok(Params::new(pairs));
    }
    if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.starts_with("text/plain")
    {
        return Ok(Params::parse_urlencoded(text));
    }
    Err(BodyError::Malformed(format!(
        "unsupported content type {content_type:?}; send application/x-www-form-urlencoded or multipart/form-data"
    )))
}
