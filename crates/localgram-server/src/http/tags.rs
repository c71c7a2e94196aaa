//! Marks handlers attach to a response's extensions for the access log, the request journal and
//! the dashboard: plain values, read by `http::logging`.

/// The app a request concerned, attached to the response by handlers for the log line.
#[derive(Debug, Clone)]
pub struct AppTag(pub String);

/// The token a Graph call was authenticated with, attached to the response by
/// `routes::graph::call::Caller::finish`: its app (unless an [`AppTag`] names one) and its user
/// are the call's, for the log line, the dashboard's call log and rate chart. One shared
/// record, so tagging a call copies no string.
#[derive(Debug, Clone)]
pub struct CallerTag(pub std::sync::Arc<localgram_core::model::TokenRecord>);

impl CallerTag {
    /// The app a response concerned: its [`AppTag`], or its caller's app.
    pub fn app_of(extensions: &axum::http::Extensions) -> Option<&str> {
        extensions
            .get::<AppTag>()
            .map(|a| a.0.as_str())
            .or_else(|| extensions.get::<Self>().map(|c| c.0.app_id.as_str()))
    }

    /// The user a response concerned: its caller's user.
    pub fn user_of(extensions: &axum::http::Extensions) -> Option<&str> {
        extensions.get::<Self>().and_then(|c| c.0.subject.user_id())
    }
}

/// The Graph error code of an error response, for the log line.
#[derive(Debug, Clone, Copy)]
pub struct GraphCode(pub i64);
