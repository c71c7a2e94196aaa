//! Webhook subscriptions, enablings and deliveries as the store keeps them (the rules are in
//! [`crate::webhooks`]).

use time::OffsetDateTime;

/// An app's subscription to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The app.
    pub app_id: String,
    /// `instagram`.
    pub object: String,
    /// Where updates are sent.
    pub callback_url: String,
    /// The fields, with the Graph version each was subscribed with, sorted by name.
    pub fields: Vec<SubscribedField>,
    /// `include_values`.
    pub include_values: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it was last changed.
    pub updated_at: OffsetDateTime,
}

/// One field of a [`Subscription`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribedField {
    /// `comments`, `mentions`, …
    pub name: String,
    /// `v22.0`, …
    pub version: String,
}

/// What enabled an app's webhooks for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnabledBy {
    /// The Instagram account itself (graph.instagram.com, Instagram Login).
    Instagram,
    /// The Facebook Page linked to the account (graph.facebook.com, Facebook Login).
    Page,
}

impl EnabledBy {
    /// The store spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Page => "page",
        }
    }

    /// Parses the store spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "instagram" => Some(Self::Instagram),
            "page" => Some(Self::Page),
            _ => None,
        }
    }
}

/// An account or a Page that enabled an app (`subscribed_apps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSubscription {
    /// The app.
    pub app_id: String,
    /// The Instagram account or the Page.
    pub object_id: String,
    /// Which of the two.
    pub kind: EnabledBy,
    /// `subscribed_fields`, as given.
    pub fields: Vec<String>,
    /// When it was enabled.
    pub created_at: OffsetDateTime,
}

/// An update the platform's event causes: the store enqueues one delivery for every app
/// subscribed to `field` that the account enabled (`docs/webhooks.md#who-receives-what`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The Instagram account the update is about (`entry[].id`).
    pub account_id: String,
    /// The field.
    pub field: String,
    /// The exact body to send.
    pub payload: String,
    /// When it happened.
    pub at: OffsetDateTime,
}

/// A story whose `story_insights` update is due (it expired and was not marked sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredStory {
    /// The media id.
    pub id: String,
    /// The account that published it.
    pub owner_id: String,
    /// When it was published.
    pub published_at: OffsetDateTime,
}

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Answered 2xx.
    Delivered,
    /// Given up after [`DELIVERY_WINDOW`].
    Failed,
    /// The subscription was removed before it was delivered.
    Dropped,
}

impl DeliveryState {
    /// The store and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
        }
    }

    /// Parses the store spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            "dropped" => Some(Self::Dropped),
            _ => None,
        }
    }
}

/// A delivery as the control plane and the dashboard show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its place in the queue.
    pub id: i64,
    /// The app.
    pub app_id: String,
    /// `instagram`.
    pub object: String,
    /// The field.
    pub field: String,
    /// `event` or `test`.
    pub kind: String,
    /// The exact body.
    pub payload: String,
    /// Where it is.
    pub state: DeliveryState,
    /// Attempts made (or under way).
    pub attempts: i64,
    /// When it was enqueued.
    pub created_at: OffsetDateTime,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: OffsetDateTime,
    /// When it is given up.
    pub expires_at: OffsetDateTime,
    /// `sha256=…` as sent.
    pub signature: Option<String>,
    /// When the last attempt ended.
    pub last_attempt_at: Option<OffsetDateTime>,
    /// The callback's last HTTP status.
    pub last_status: Option<i64>,
    /// The start of the callback's last answer.
    pub last_body: Option<String>,
    /// Why the last attempt failed without an answer (connection, timeout, refusal).
    pub last_error: Option<String>,
}

/// A delivery an instance claimed to send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// Its id.
    pub id: i64,
    /// The app (whose secret signs it).
    pub app_id: String,
    /// The subscription's callback URL now.
    pub callback_url: String,
    /// The body.
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i64,
    /// When it is given up.
    pub expires_at: OffsetDateTime,
}

/// What an attempt ended with, for [`crate::store::WebhookStore::record_delivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The state after it.
    pub state: DeliveryState,
    /// When the next attempt is due (when still pending).
    pub next_attempt_at: OffsetDateTime,
    /// When it ended.
    pub at: OffsetDateTime,
    /// `sha256=…`.
    pub signature: Option<String>,
    /// The HTTP status, when the callback answered.
    pub status: Option<i64>,
    /// The start of the answer.
    pub body: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
}
