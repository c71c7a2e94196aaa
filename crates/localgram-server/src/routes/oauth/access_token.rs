//! `POST /oauth/access_token` on api.instagram.com: the code exchange
//! (`docs/graph-api.md#code-exchange`, its rules in `docs/robustness.md#code-exchange-rules`).
//! Every failure is the flat Instagram OAuth envelope; every answer carries
//! `Cache-Control: no-store` and `Pragma: no-cache`.

use crate::error::{ApiError, Result, no_store};
use crate::http::params::{BodyError, body_params, query_params};
use crate::http::tags::AppTag;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use localgram_core::error::OAuthError;
use localgram_core::model::TokenResponseShape;
use localgram_core::oauth::ExchangeInput;
use localgram_core::params::Params;
use localgram_core::scope::Family;
use localgram_types::{
    BasicDisplayTokenResponse, InstagramLoginTokenResponse, WrappedTokenItem, WrappedTokenResponse,
};

/// `/oauth/access_token`.
pub fn router() -> Router<AppState> {
    Router::new().route("/oauth/access_token", post(post_access_token))
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: each part form-urlencoded).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(encoded) = crate::http::admin::authorization(headers, "basic") else {
        return Ok(None);
    };
    let bad =
        || OAuthError::InvalidRequest("the Authorization header is not valid HTTP Basic".into());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

async fn post_access_token(State(state): State<AppState>, req: Request) -> Result<Response> {
    let query = query_params(req.uri().query());
    if query.has("client_secret") || query.has("app_secret") {
        return Err(OAuthError::SecretInQuery.into());
    }
    let basic = basic_credentials(req.headers())?;
    // Form or multipart only (`docs/graph-api.md#code-exchange`): a JSON body carries no fields
    // here, so it gets `Missing required field client_id` as on Meta's host.
    let json_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"));
    let form = if json_body {
        Params::default()
    } else {
        body_params(req).await.map_err(|e| match e {
            BodyError::TooLarge => {
                OAuthError::InvalidRequest("the request body is too large".into())
            }
            BodyError::Malformed(m) => OAuthError::InvalidRequest(m),
        })?
    };
    let dup =
        |d: localgram_core::params::Duplicate| ApiError::OAuth(OAuthError::DuplicateField(d.0));
    let body_id = form.get_any(&["client_id", "app_id"]).map_err(dup)?;
    let body_secret = form
        .get_any(&["client_secret", "app_secret"])
        .map_err(dup)?;
    let (client_id, client_secret, via_basic) = match &basic {
        Some((id, secret)) => {
            if body_secret.is_some() || body_id.is_some_and(|b| b != id) {
                return Err(OAuthError::CredentialsTwice.into());
            }
            (Some(id.as_str()), Some(secret.as_str()), true)
        }
        None => (body_id, body_secret, false),
    };
    let input = ExchangeInput {
        client_id,
        client_secret,
        via_basic,
        grant_type: form.get("grant_type").map_err(dup)?,
        redirect_uri: form.get("redirect_uri").map_err(dup)?,
        code: form.get("code").map_err(dup)?,
        code_verifier: form.get("code_verifier").map_err(dup)?,
    };
    let ex = state.platform.exchange_code(input).await?;
    let user_id_num: u64 = ex.user_id.parse().unwrap_or_default();
    let body = match (ex.family, ex.shape) {
        (Family::BasicDisplay, _) => serde_json::to_string(&BasicDisplayTokenResponse {
            access_token: ex.access_token.expose().to_owned(),
            user_id: user_id_num,
        }),
        (Family::InstagramLogin, TokenResponseShape::Flat) => {
            serde_json::to_string(&InstagramLoginTokenResponse {
                access_token: ex.access_token.expose().to_owned(),
                user_id: user_id_num,
                permissions: ex.scopes.clone(),
            })
        }
        (Family::InstagramLogin, TokenResponseShape::Wrapped) => {
            serde_json::to_string(&WrappedTokenResponse {
                data: vec![WrappedTokenItem {
                    access_token: ex.access_token.expose().to_owned(),
                    user_id: ex.user_id.clone(),
                    permissions: ex.scopes.join(","),
                }],
            })
        }
    }
    .map_err(|_| OAuthError::Internal)?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    no_store(res.headers_mut());
    res.extensions_mut().insert(AppTag(ex.app_id));
    Ok(res)
}
