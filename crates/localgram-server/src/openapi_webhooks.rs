//! The OpenAPI operations of webhooks (`docs/webhooks.md`), merged into
//! [`crate::openapi::ApiDoc`] by [`crate::openapi::json`].
#![allow(dead_code)] // the functions below exist only to carry their `#[utoipa::path]`

use crate::openapi_shared::{ControlError, Success};
use localgram_types::GraphErrorBody;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// One field of a subscription.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionField {
    /// `comments`, `mentions`, …
    name: String,
    /// The Graph version of the call that subscribed it.
    version: String,
}

/// An app's subscription.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionItem {
    /// `instagram`.
    object: String,
    callback_url: String,
    active: bool,
    fields: Vec<SubscriptionField>,
}

/// `{"data": [ … ]}`.
#[derive(Serialize, ToSchema)]
pub struct Subscriptions {
    data: Vec<SubscriptionItem>,
}

/// An app enabled for an account (graph.instagram.com) or a Page (graph.facebook.com, with
/// `name`).
#[derive(Serialize, ToSchema)]
pub struct SubscribedApp {
    /// The app id.
    id: String,
    /// graph.facebook.com only.
    name: Option<String>,
    subscribed_fields: Vec<String>,
}

/// `{"data": [ … ]}`.
#[derive(Serialize, ToSchema)]
pub struct SubscribedApps {
    data: Vec<SubscribedApp>,
}

/// The body of `POST /_localgram/webhooks/test`.
#[derive(Serialize, ToSchema)]
pub struct TestEvent {
    /// The app id.
    app: String,
    /// `instagram` (the default).
    object: Option<String>,
    /// `comments`, `live_comments`, `mentions`, `messages` or `story_insights`.
    field: String,
}

#[utoipa::path(post, path = "/graph.facebook.com/{app_id}/subscriptions", tag = "webhooks",
    params(("app_id" = String, Path), ("access_token" = String, Query, description = "An app token ({app-id}|{app-secret} or from client_credentials)"),
        ("object" = String, Query, description = "instagram"), ("callback_url" = String, Query, description = "On the loopback or a host allowed with --webhook-allow-host"),
        ("fields" = String, Query, description = "Comma-separated instagram fields"), ("verify_token" = String, Query), ("include_values" = Option<bool>, Query)),
    description = "Subscribes the app (or adds fields). First calls GET callback_url?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…, which must answer 200 with the challenge, else code 2200. Code 15 without an app token.",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn subscribe() {}

#[utoipa::path(get, path = "/graph.facebook.com/{app_id}/subscriptions", tag = "webhooks",
    params(("app_id" = String, Path), ("access_token" = String, Query, description = "An app token")),
    responses((status = 200, body = Subscriptions), (status = 400, body = GraphErrorBody)))]
fn subscriptions() {}

#[utoipa::path(delete, path = "/graph.facebook.com/{app_id}/subscriptions", tag = "webhooks",
    params(("app_id" = String, Path), ("access_token" = String, Query, description = "An app token"), ("object" = Option<String>, Query, description = "Absent: every subscription"), ("fields" = Option<String>, Query, description = "Only these fields")),
    description = "Removes fields, a subscription (its pending deliveries are dropped) or every subscription of the app.",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn unsubscribe() {}

#[utoipa::path(post, path = "/graph.instagram.com/{ig_user_id}/subscribed_apps", tag = "webhooks",
    params(("ig_user_id" = String, Path, description = "`me` or the token's account; on graph.facebook.com a Page (or `me`) with its Page token and pages_manage_metadata"), ("subscribed_fields" = String, Query)),
    description = "Enables the token's app's webhooks for the account (or the Page's linked account).",
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn enable_app() {}

#[utoipa::path(get, path = "/graph.instagram.com/{ig_user_id}/subscribed_apps", tag = "webhooks",
    params(("ig_user_id" = String, Path)),
    description = "The apps enabled for the account (or, on graph.facebook.com, the Page). Code 210 on graph.facebook.com without a Page token.",
    responses((status = 200, body = SubscribedApps), (status = 400, body = GraphErrorBody)))]
fn enabled_apps() {}

#[utoipa::path(delete, path = "/graph.instagram.com/{ig_user_id}/subscribed_apps", tag = "webhooks",
    params(("ig_user_id" = String, Path)),
    responses((status = 200, body = Success), (status = 400, body = GraphErrorBody)))]
fn disable_app() {}

#[utoipa::path(get, path = "/_localgram/webhooks/deliveries", tag = "control",
    params(("app" = Option<String>, Query, description = "Only this app's"), ("limit" = Option<i64>, Query, description = "1 to 1000, default 100")),
    responses((status = 200, description = "{\"data\": [{\"id\", \"app\", \"object\", \"field\", \"kind\", \"state\", \"attempts\", \"created_at\", \"next_attempt_at\", \"expires_at\", \"last_attempt_at\", \"response_status\", \"response_body\", \"error\", \"signature\", \"payload\"}]}, newest first"), (status = 400, body = ControlError)))]
fn deliveries() {}

#[utoipa::path(post, path = "/_localgram/webhooks/test", tag = "control",
    request_body(content = TestEvent, content_type = "application/json"),
    description = "Queues Meta's sample update for the field (entry id \"0\") to the app's subscription, signed, in any app mode.",
    responses((status = 202, description = "{\"id\": N}: the delivery"), (status = 400, body = ControlError), (status = 404, body = ControlError)))]
fn test_event() {}

/// Webhooks.
#[derive(OpenApi)]
#[openapi(
    paths(
        subscribe,
        subscriptions,
        unsubscribe,
        enable_app,
        enabled_apps,
        disable_app,
        deliveries,
        test_event
    ),
    components(schemas(
        SubscriptionField,
        SubscriptionItem,
        Subscriptions,
        SubscribedApp,
        SubscribedApps,
        TestEvent
    ))
)]
pub struct WebhooksDoc;
