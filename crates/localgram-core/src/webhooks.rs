//! Webhooks (`docs/webhooks.md`): an app's subscription to the `instagram` object
//! (`/{app-id}/subscriptions`, with Meta's verification handshake), the accounts and Pages that
//! enable an app (`subscribed_apps`), the updates the platform's events cause (comments,
//! mentions), and the durable queue of signed deliveries with its retry schedule.
//!
//! The HTTP calls to callbacks are made by the server through [`CallbackClient`]; this module
//! decides what is sent, when, to whom, and what an answer means.

use crate::comments::Comment;
use crate::error::{GraphError, GraphErrorType, GraphHost};
use crate::model::{IgMedia, TokenKind, TokenRecord};
use crate::platform::Platform;
use crate::store::StoreError;
use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

/// The one object Localgram serves webhooks for.
pub const OBJECT_INSTAGRAM: &str = "instagram";

/// The fields of the `instagram` object (`docs/webhooks.md#fields`).
pub const INSTAGRAM_FIELDS: &[&str] = &[
    "comments",
    "live_comments",
    "mentions",
    "message_reactions",
    "messages",
    "messaging_handover",
    "messaging_optins",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
    "standby",
    "story_insights",
];

/// How long Meta keeps retrying an update before dropping it (36 hours).
pub const DELIVERY_WINDOW: Duration = Duration::hours(36);

/// The waits after each failed attempt: at once, then growing (`docs/webhooks.md#retries`).
/// Past the last one, the last wait repeats until [`DELIVERY_WINDOW`] is over.
pub const RETRY_DELAYS: &[Duration] = &[
    Duration::ZERO,
    Duration::minutes(1),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(6),
    Duration::hours(12),
];

/// The longest part of a callback's answer kept with a delivery.
pub const MAX_KEPT_BODY: usize = 1024;

/// The permission that enables `subscribed_apps` on a Page (Facebook Login).
pub const PAGES_MANAGE_METADATA: &str = "pages_manage_metadata";

pub use crate::model::webhook::{
    AccountSubscription, AttemptRecord, ClaimedDelivery, Delivery, DeliveryState, EnabledBy,
    ExpiredStory, SubscribedField, Subscription, WebhookEvent,
};

/// What a callback answered (or why it did not).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallbackReply {
    /// The HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// The status's reason phrase (`Not Found`).
    pub reason: String,
    /// The body (at most a few KB).
    pub body: String,
    /// What went wrong when no answer came: `(curl errno, text)` as Meta reports it.
    pub error: Option<(i64, String)>,
}

/// Makes the calls to callbacks; the server's HTTP client (the domain knows no HTTP).
#[async_trait]
pub trait CallbackClient: Send + Sync {
    /// `GET url` (the verification handshake).
    async fn get(&self, url: &str) -> CallbackReply;
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure in webhooks");
    GraphError::from_store(&e)
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::invalid_parameter(message)
}

/// Code 15: the call needs an app access token.
pub fn app_token_required() -> GraphError {
    GraphError {
        message: "(#15) This method must be called with an app access_token.".into(),
        code: 15,
        ..GraphError::invalid_parameter("")
    }
}

/// Code 2200: the callback did not pass the verification handshake.
pub fn verification_failed(detail: &str) -> GraphError {
    GraphError {
        code: 2200,
        error_type: GraphErrorType::OAuth,
        message: format!(
            "(#2200) Callback verification failed with the following errors: {detail}"
        ),
        ..GraphError::invalid_parameter("")
    }
}

/// Why Localgram refuses to contact `raw`, or `None` when it may: an `http` or `https` URL on
/// the loopback (`localhost`, `127.0.0.0/8`, `::1`) or on a host of `allowed`
/// (`--webhook-allow-host`), compared without case.
pub fn callback_refusal(raw: &str, allowed: &[String]) -> Option<String> {
    let Ok(url) = url::Url::parse(raw) else {
        return Some(format!("{raw:?} is not an absolute URL"));
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!(
            "the scheme {:?} is neither http nor https",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("a callback URL may not carry credentials".into());
    }
    let (host, loopback) = match url.host() {
        Some(url::Host::Domain(d)) => (d.to_ascii_lowercase(), d.eq_ignore_ascii_case("localhost")),
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), ip.is_loopback()),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), ip.is_loopback()),
        None => return Some(format!("{raw:?} has no host")),
    };
    let host_allowed = allowed.iter().any(|a| {
        let a = a.trim().trim_start_matches('[').trim_end_matches(']');
        a.eq_ignore_ascii_case(&host)
    });
    if loopback || host_allowed {
        None
    } else {
        Some(format!(
            "Localgram only calls callbacks on the loopback or on a host allowed with --webhook-allow-host, and {host} is neither"
        ))
    }
}

/// JSON text as Meta writes it: `/` as `\/` and every non-ASCII character as `\uXXXX` (the
/// signature covers these exact bytes).
pub fn meta_json(value: &serde_json::Value) -> String {
    let plain = value.to_string();
    let mut out = String::with_capacity(plain.len() + 16);
    for c in plain.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// `sha256=<lowercase hex HMAC-SHA256 of body keyed with secret>`: `X-Hub-Signature-256`.
pub fn signature_256(secret: &str, body: &str) -> String {
    format!("sha256={}", crate::seal::appsecret_proof(secret, body))
}

/// `sha1=<lowercase hex HMAC-SHA1 of body keyed with secret>`: the older `X-Hub-Signature`.
pub fn signature_1(secret: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body.as_bytes());
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The change-type envelope: `{"object":"instagram","entry":[{"id","time","changes":[…]}]}`.
pub fn change_payload(
    entry_id: &str,
    at: OffsetDateTime,
    field: &str,
    value: serde_json::Value,
) -> String {
    meta_json(&serde_json::json!({
        "object": OBJECT_INSTAGRAM,
        "entry": [{
            "id": entry_id,
            "time": at.unix_timestamp(),
            "changes": [{"field": field, "value": value}],
        }],
    }))
}

/// The value of a `comments` update (`docs/webhooks.md#payloads`).
pub fn comment_value(comment: &Comment, media: &IgMedia) -> serde_json::Value {
    let mut value = serde_json::Map::new();
    value.insert(
        "from".into(),
        serde_json::json!({"id": comment.from_id, "username": comment.from_username}),
    );
    value.insert("id".into(), serde_json::json!(comment.id));
    if let Some(p) = &comment.parent_id {
        value.insert("parent_id".into(), serde_json::json!(p));
    }
    value.insert("text".into(), serde_json::json!(comment.text));
    value.insert(
        "media".into(),
        serde_json::json!({"id": media.id, "media_product_type": media.media_product_type.as_str()}),
    );
    serde_json::Value::Object(value)
}

/// The usernames `@mentioned` in a text, in order, each once (letters, digits, `.` and `_`).
pub fn mentioned_usernames(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let starts = c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '.');
        prev = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_')
            .collect();
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Meta's sample value for `field` (the dashboard's "Test" button), `None` for a field without
/// one (`docs/webhooks.md#test-events`).
pub fn sample_value(field: &str) -> Option<serde_json::Value> {
    use serde_json::json;
    let comment = || {
        json!({
            "from": {"id": "232323232", "username": "test"},
            "media": {"id": "123123123", "media_product_type": "FEED"},
            "id": "17865799348089039",
            "parent_id": "1231231234",
            "text": "This is an example.",
        })
    };
    Some(match field {
        "comments" | "live_comments" => comment(),
        "mentions" => json!({"media_id": "17887498072083520", "comment_id": "17887498072083520"}),
        "story_insights" => json!({
            "media_id": "17887498072083520", "impressions": 444, "reach": 44,
            "taps_forward": 4, "taps_back": 3, "exits": 3, "replies": 0,
        }),
        "messages" => json!({
            "sender": {"id": "12334"}, "recipient": {"id": "23245"},
            "timestamp": "1527459824", "message": {"mid": "random_mid", "text": "random_text"},
        }),
        _ => return None,
    })
}

/// Whether an enabling on graph.instagram.com (Instagram Login) receives `field`: every field
/// but `story_insights`, which Meta serves with Facebook Login only, through the Page
/// (`docs/webhooks.md#who-receives-what`).
pub fn field_via_instagram_login(field: &str) -> bool {
    field != "story_insights"
}

/// A story's `story_insights` value, sent when it expires (`docs/webhooks.md#story-insights`).
/// Localgram keeps no viewers, so the counts are invented, the same every time for one story
/// and consistent with each other: `impressions` ≥ `reach` ≥ 1, taps and exits within the
/// impressions, a few replies.
pub fn story_insights_value(media_id: &str) -> serde_json::Value {
    use sha2::Digest;
    let h = sha2::Sha256::digest(media_id.as_bytes());
    let reach = 1 + u64::from(h[0]) % 60;
    let impressions = reach + u64::from(h[1]) % 25;
    let taps_forward = u64::from(h[2]) % (impressions + 1);
    let taps_back = u64::from(h[3]) % (impressions - taps_forward + 1).min(6);
    let exits = u64::from(h[4]) % reach.min(8);
    let replies = u64::from(h[5]) % reach.min(3);
    serde_json::json!({
        "media_id": media_id,
        "exits": exits,
        "replies": replies,
        "reach": reach,
        "taps_forward": taps_forward,
        "taps_back": taps_back,
        "impressions": impressions,
    })
}

/// When the attempt after `attempts` failed attempts is due, from `now`; `None` past
/// `expires_at` (given up).
pub fn next_attempt(
    attempts: i64,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let i = usize::try_from(attempts.max(1) - 1).unwrap_or(usize::MAX);
    let wait = RETRY_DELAYS
        .get(i)
        .copied()
        .unwrap_or(RETRY_DELAYS[RETRY_DELAYS.len() - 1]);
    let next = now + wait;
    (next <= expires_at).then_some(next)
}

/// Parses `fields` / `subscribed_fields`: a comma-separated list (or a JSON array) of
/// `instagram` fields; `param` names the parameter in errors.
fn parse_fields(raw: Option<&str>, param: &str) -> Result<Vec<String>, GraphError> {
    let raw = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad(format!("(#100) The parameter {param} is required")))?;
    let items: Vec<String> = if raw.starts_with('[') {
        serde_json::from_str::<Vec<String>>(raw).map_err(|_| {
            bad(format!(
                "(#100) Param {param} must be a comma-separated list or a JSON array of field names"
            ))
        })?
    } else {
        raw.split(',').map(|s| s.trim().to_owned()).collect()
    };
    let mut out: Vec<String> = Vec::new();
    for (i, f) in items.iter().enumerate() {
        if !INSTAGRAM_FIELDS.contains(&f.as_str()) {
            return Err(bad(format!(
                "(#100) Param {param}[{i}] must be one of {{{}}}",
                INSTAGRAM_FIELDS.join(", ")
            )));
        }
        if !out.contains(f) {
            out.push(f.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// The parameters of `POST /{app-id}/subscriptions`.
#[derive(Debug, Clone, Default)]
pub struct SubscribeRequest<'a> {
    /// `object`.
    pub object: Option<&'a str>,
    /// `callback_url`.
    pub callback_url: Option<&'a str>,
    /// `fields`.
    pub fields: Option<&'a str>,
    /// `verify_token`.
    pub verify_token: Option<&'a str>,
    /// `include_values`.
    pub include_values: Option<&'a str>,
    /// The Graph version of the call (recorded with each field).
    pub version: &'a str,
}

fn check_object(object: Option<&str>) -> Result<(), GraphError> {
    match object {
        None => Err(bad("(#100) The parameter object is required")),
        Some(OBJECT_INSTAGRAM) => Ok(()),
        Some(_) => Err(bad(
            "(#100) Param object must be one of {instagram} (the only object Localgram serves webhooks for)",
        )),
    }
}

impl Platform {
    /// The app `app_id` when `token` is its app access token (code 15 for other tokens, 100/33
    /// for another app's).
    async fn subscriptions_app(
        &self,
        token: &TokenRecord,
        app_id: &str,
        method: &str,
    ) -> Result<std::sync::Arc<crate::model::App>, GraphError> {
        if token.kind != TokenKind::App {
            return Err(app_token_required());
        }
        let unsupported = || GraphError::unsupported_request(GraphHost::Facebook, method, app_id);
        if token.app_id != app_id {
            return Err(unsupported());
        }
        self.cached_app(app_id)
            .await
            .map_err(store_err)?
            .ok_or_else(unsupported)
    }

    /// `POST /{app-id}/subscriptions`: checks the parameters and the callback URL, runs the
    /// verification handshake through `client`, then creates the subscription or adds the
    /// fields to it (a new `callback_url` replaces the old one).
    pub async fn subscribe_app(
        &self,
        token: &TokenRecord,
        app_id: &str,
        req: &SubscribeRequest<'_>,
        allowed_hosts: &[String],
        client: &dyn CallbackClient,
    ) -> Result<(), GraphError> {
        use crate::rng::RngExt;
        let app = self.subscriptions_app(token, app_id, "POST").await?;
        check_object(req.object)?;
        let callback_url = req
            .callback_url
            .ok_or_else(|| bad("(#100) The parameter callback_url is required"))?;
        if let Some(why) = callback_refusal(callback_url, allowed_hosts) {
            return Err(bad(format!("(#100) Param callback_url is refused: {why}")));
        }
        let fields = parse_fields(req.fields, "fields")?;
        let verify_token = req
            .verify_token
            .ok_or_else(|| bad("(#100) The parameter verify_token is required"))?;
        let include_values = match req.include_values {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(bad("(#100) Param include_values must be a boolean")),
        };
        // The handshake: GET callback?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…
        let challenge = self.rng.digits('1', 10);
        let mut url = url::Url::parse(callback_url)
            .map_err(|_| bad("(#100) Param callback_url must be a URL"))?;
        url.query_pairs_mut()
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.challenge", &challenge)
            .append_pair("hub.verify_token", verify_token);
        let reply = client.get(url.as_str()).await;
        check_handshake(&reply, &challenge)?;
        let now = self.clock.now();
        let existing = self
            .store
            .list_subscriptions(&app.id)
            .await
            .map_err(store_err)?
            .into_iter()
            .find(|s| s.object == OBJECT_INSTAGRAM);
        let mut merged: Vec<SubscribedField> = existing
            .as_ref()
            .map(|s| s.fields.clone())
            .unwrap_or_default();
        for f in fields {
            merged.retain(|m| m.name != f);
            merged.push(SubscribedField {
                name: f,
                version: req.version.to_owned(),
            });
        }
        merged.sort_by(|a, b| a.name.cmp(&b.name));
        let sub = Subscription {
            app_id: app.id.clone(),
            object: OBJECT_INSTAGRAM.into(),
            callback_url: callback_url.to_owned(),
            fields: merged,
            include_values,
            created_at: existing.map_or(now, |s| s.created_at),
            updated_at: now,
        };
        self.store.put_subscription(&sub).await.map_err(store_err)
    }

    /// `GET /{app-id}/subscriptions`.
    pub async fn app_subscriptions(
        &self,
        token: &TokenRecord,
        app_id: &str,
    ) -> Result<Vec<Subscription>, GraphError> {
        let app = self.subscriptions_app(token, app_id, "GET").await?;
        self.store
            .list_subscriptions(&app.id)
            .await
            .map_err(store_err)
    }

    /// `DELETE /{app-id}/subscriptions[?object=…[&fields=…]]`: removes the fields named, or the
    /// whole subscription (its pending deliveries are dropped), or every subscription of the
    /// app when no object is named.
    pub async fn unsubscribe_app(
        &self,
        token: &TokenRecord,
        app_id: &str,
        object: Option<&str>,
        fields: Option<&str>,
    ) -> Result<(), GraphError> {
        let app = self.subscriptions_app(token, app_id, "DELETE").await?;
        if object.is_none() && fields.is_some() {
            return Err(bad("(#100) The parameter object is required"));
        }
        if object.is_some() {
            check_object(object)?;
        }
        let existing = self
            .store
            .list_subscriptions(&app.id)
            .await
            .map_err(store_err)?
            .into_iter()
            .find(|s| s.object == OBJECT_INSTAGRAM);
        match (fields, existing) {
            (Some(f), Some(mut sub)) => {
                let remove = parse_fields(Some(f), "fields")?;
                sub.fields.retain(|f| !remove.contains(&f.name));
                if sub.fields.is_empty() {
                    self.store
                        .delete_subscriptions(&app.id, Some(OBJECT_INSTAGRAM))
                        .await
                        .map_err(store_err)?;
                } else {
                    sub.updated_at = self.clock.now();
                    self.store.put_subscription(&sub).await.map_err(store_err)?;
                }
            }
            (Some(f), None) => {
                parse_fields(Some(f), "fields")?;
            }
            (None, _) => {
                self.store
                    .delete_subscriptions(&app.id, object)
                    .await
                    .map_err(store_err)?;
            }
        }
        Ok(())
    }

    /// The account or Page `node` names for `subscribed_apps` with `token` on `host`, and what
    /// kind it is; 100/33 when the token does not own it.
    async fn subscribed_apps_target(
        &self,
        token: &TokenRecord,
        node: &str,
        host: GraphHost,
        method: &str,
    ) -> Result<(String, EnabledBy), GraphError> {
        let unsupported = || GraphError::unsupported_request(host, method, node);
        match host {
            GraphHost::Instagram => {
                let Some(own) = token
                    .subject
                    .user_id()
                    .filter(|_| token.kind.is_instagram())
                else {
                    return Err(unsupported());
                };
                if node != "me" && node != own {
                    return Err(unsupported());
                }
                Ok((own.to_owned(), EnabledBy::Instagram))
            }
            GraphHost::Facebook => {
                if token.kind != TokenKind::Page {
                    return Err(
                        if node == "me"
                            || self
                                .store
                                .find_page(node)
                                .await
                                .map_err(store_err)?
                                .is_some()
                        {
                            GraphError {
                            message: "(#210) A page access token is required to request this resource.".into(),
                            code: 210,
                            ..GraphError::invalid_parameter("")
                        }
                        } else {
                            unsupported()
                        },
                    );
                }
                let Some(page) = token.page_id.clone() else {
                    return Err(unsupported());
                };
                if node != "me" && node != page {
                    return Err(unsupported());
                }
                if !self
                    .effective_scopes(token)
                    .await?
                    .iter()
                    .any(|s| s == PAGES_MANAGE_METADATA)
                {
                    return Err(GraphError::permissions_error(&format!(
                        "the {PAGES_MANAGE_METADATA} permission is required"
                    )));
                }
                Ok((page, EnabledBy::Page))
            }
        }
    }

    /// `POST /{node}/subscribed_apps?subscribed_fields=…`: enables the token's app for the
    /// account (graph.instagram.com) or the Page (graph.facebook.com).
    pub async fn enable_subscribed_app(
        &self,
        token: &TokenRecord,
        node: &str,
        host: GraphHost,
        subscribed_fields: Option<&str>,
    ) -> Result<(), GraphError> {
        let (object_id, kind) = self
            .subscribed_apps_target(token, node, host, "POST")
            .await?;
        let fields = parse_fields(subscribed_fields, "subscribed_fields")?;
        self.store
            .put_account_subscription(&AccountSubscription {
                app_id: token.app_id.clone(),
                object_id,
                kind,
                fields,
                created_at: self.clock.now(),
            })
            .await
            .map_err(store_err)
    }

    /// `GET /{node}/subscribed_apps`: the apps enabled for the account or Page, by app id, with
    /// their names.
    pub async fn subscribed_apps(
        &self,
        token: &TokenRecord,
        node: &str,
        host: GraphHost,
    ) -> Result<Vec<(AccountSubscription, Option<String>)>, GraphError> {
        let (object_id, _) = self
            .subscribed_apps_target(token, node, host, "GET")
            .await?;
        let subs = self
            .store
            .list_account_subscriptions(&object_id)
            .await
            .map_err(store_err)?;
        let mut out = Vec::with_capacity(subs.len());
        for s in subs {
            let name = self
                .cached_app(&s.app_id)
                .await
                .map_err(store_err)?
                .map(|a| a.name.clone());
            out.push((s, name));
        }
        Ok(out)
    }

    /// `DELETE /{node}/subscribed_apps`: disables the token's app.
    pub async fn disable_subscribed_app(
        &self,
        token: &TokenRecord,
        node: &str,
        host: GraphHost,
    ) -> Result<(), GraphError> {
        let (object_id, _) = self
            .subscribed_apps_target(token, node, host, "DELETE")
            .await?;
        self.store
            .delete_account_subscription(&token.app_id, &object_id)
            .await
            .map_err(store_err)?;
        Ok(())
    }

    /// The updates a new comment causes: `comments` for the media's account, `mentions` for each
    /// other account `@mentioned` in it. None for a private account.
    pub(crate) async fn comment_events(
        &self,
        comment: &Comment,
        media: &IgMedia,
    ) -> Result<Vec<WebhookEvent>, GraphError> {
        let owner = self
            .cached_ig_user(&media.owner_id)
            .await
            .map_err(store_err)?;
        if owner.as_ref().is_none_or(|o| o.is_private) {
            return Ok(Vec::new());
        }
        let at = comment.timestamp;
        let mut events = vec![WebhookEvent {
            account_id: media.owner_id.clone(),
            field: "comments".into(),
            payload: change_payload(
                &media.owner_id,
                at,
                "comments",
                comment_value(comment, media),
            ),
            at,
        }];
        for mentioned in self
            .mentioned_accounts(&comment.text, &media.owner_id)
            .await?
        {
            events.push(WebhookEvent {
                payload: change_payload(
                    &mentioned,
                    at,
                    "mentions",
                    serde_json::json!({"comment_id": comment.id, "media_id": media.id}),
                ),
                account_id: mentioned,
                field: "mentions".into(),
                at,
            });
        }
        Ok(events)
    }

    /// The `mentions` updates a published media's caption causes (none for a private author).
    pub(crate) async fn caption_events(
        &self,
        media: &IgMedia,
    ) -> Result<Vec<WebhookEvent>, GraphError> {
        let Some(caption) = &media.caption else {
            return Ok(Vec::new());
        };
        let owner = self
            .cached_ig_user(&media.owner_id)
            .await
            .map_err(store_err)?;
        if owner.as_ref().is_none_or(|o| o.is_private) {
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        for mentioned in self.mentioned_accounts(caption, &media.owner_id).await? {
            events.push(WebhookEvent {
                payload: change_payload(
                    &mentioned,
                    media.timestamp,
                    "mentions",
                    serde_json::json!({"media_id": media.id}),
                ),
                account_id: mentioned,
                field: "mentions".into(),
                at: media.timestamp,
            });
        }
        Ok(events)
    }

    /// The ids of the accounts `@mentioned` in `text`, other than `author`.
    async fn mentioned_accounts(
        &self,
        text: &str,
        author: &str,
    ) -> Result<Vec<String>, GraphError> {
        let mut out = Vec::new();
        for name in mentioned_usernames(text) {
            if let Some(u) = self
                .store
                .find_ig_user_by_username(&name)
                .await
                .map_err(store_err)?
                && u.id != author
                && !out.contains(&u.id)
            {
                out.push(u.id);
            }
        }
        Ok(out)
    }

    /// Sends the `story_insights` updates of the stories that expired by now on the test clock
    /// (`docs/webhooks.md#story-insights`): each expired story is marked, and its update
    /// enqueued, in one write, so that it causes one update however many instances look. A
    /// private account's story is marked without an update. Returns how many stories were
    /// marked by this call.
    pub async fn notify_expired_stories(&self) -> Result<usize, StoreError> {
        const BATCH: i64 = 100;
        let now = self.clock.now();
        let mut marked = 0;
        loop {
            let stories = self
                .store
                .expired_stories(now - crate::model::STORY_LIFETIME, BATCH)
                .await?;
            let n = stories.len();
            for story in stories {
                let expired_at = story.published_at + crate::model::STORY_LIFETIME;
                let public = self
                    .cached_ig_user(&story.owner_id)
                    .await?
                    .is_some_and(|o| !o.is_private);
                let events = if public {
                    vec![WebhookEvent {
                        account_id: story.owner_id.clone(),
                        field: "story_insights".into(),
                        payload: change_payload(
                            &story.owner_id,
                            expired_at,
                            "story_insights",
                            story_insights_value(&story.id),
                        ),
                        at: expired_at,
                    }]
                } else {
                    Vec::new()
                };
                if self
                    .store
                    .mark_story_expired_notifying(&story.id, expired_at, &events)
                    .await?
                {
                    marked += 1;
                }
            }
            if n < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                return Ok(marked);
            }
        }
    }

    /// `POST /_localgram/webhooks/test`: enqueues Meta's sample update for `field` to the app's
    /// subscription to `object` (any app mode; `entry[].id` is `"0"`). `Ok(None)` when the app has
    /// no such subscription.
    pub async fn send_test_event(
        &self,
        app_id: &str,
        object: &str,
        field: &str,
    ) -> Result<Option<i64>, TestEventError> {
        if object != OBJECT_INSTAGRAM {
            return Err(TestEventError::Object);
        }
        let value = sample_value(field).ok_or(TestEventError::Field)?;
        if self
            .cached_app(app_id)
            .await
            .map_err(TestEventError::Store)?
            .is_none()
        {
            return Err(TestEventError::App);
        }
        let now = self.clock.now();
        let payload = change_payload("0", now, field, value);
        self.store
            .enqueue_test_delivery(app_id, object, field, &payload, now, now + DELIVERY_WINDOW)
            .await
            .map_err(TestEventError::Store)
    }

    /// An app's subscriptions, by object (the dashboard's view; no token involved).
    pub async fn subscriptions_of(&self, app_id: &str) -> Result<Vec<Subscription>, StoreError> {
        self.store.list_subscriptions(app_id).await
    }

    /// Removes an app's subscription to `object` (every one when `None`) and drops its pending
    /// deliveries; how many subscriptions went.
    pub async fn remove_subscriptions(
        &self,
        app_id: &str,
        object: Option<&str>,
    ) -> Result<u64, StoreError> {
        self.store.delete_subscriptions(app_id, object).await
    }

    /// The newest deliveries (of one app when given), newest first, at most `limit`.
    pub async fn deliveries(
        &self,
        app_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.store.list_deliveries(app_id, limit).await
    }

    /// When the earliest delivery at the head of its queue is due, if any.
    pub async fn next_delivery_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        self.store.next_delivery_due().await
    }

    /// Claims at most `limit` deliveries due now for `owner` until `lease_until_ms` (system
    /// time, as `lease_now_ms`); see [`crate::store::WebhookStore::claim_deliveries`].
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        lease_now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.store
            .claim_deliveries(self.clock.now(), owner, lease_now_ms, lease_until_ms, limit)
            .await
    }

    /// Records an attempt's outcome and ends `owner`'s lease; `false` when the lease was lost.
    pub async fn record_delivery(
        &self,
        id: i64,
        owner: &str,
        record: &AttemptRecord,
    ) -> Result<bool, StoreError> {
        self.store.record_delivery(id, owner, record).await
    }

    /// Gives back every lease `owner` holds (at a graceful stop).
    pub async fn release_deliveries(&self, owner: &str) -> Result<u64, StoreError> {
        self.store.release_deliveries(owner).await
    }

    /// The app secret that signs an app's deliveries (opened from its sealed copy).
    pub async fn webhook_secret(&self, app_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .store
            .find_app(app_id)
            .await?
            .and_then(|a| a.secret_sealed.and_then(|s| self.sealer.open(app_id, &s))))
    }

    /// What to record after an attempt of `claimed` that got `reply` at `now`.
    pub fn attempt_outcome(
        claimed: &ClaimedDelivery,
        reply: &CallbackReply,
        signature: Option<String>,
        now: OffsetDateTime,
    ) -> AttemptRecord {
        let ok = reply.status.is_some_and(|s| (200..300).contains(&s));
        let (state, next) = if ok {
            (DeliveryState::Delivered, now)
        } else {
            match next_attempt(claimed.attempts, now, claimed.expires_at) {
                Some(next) => (DeliveryState::Pending, next),
                None => (DeliveryState::Failed, now),
            }
        };
        AttemptRecord {
            state,
            next_attempt_at: next,
            at: now,
            signature,
            status: reply.status.map(i64::from),
            body: reply.status.map(|_| truncate(&reply.body, MAX_KEPT_BODY)),
            error: reply.error.as_ref().map(|(_, e)| e.clone()),
        }
    }
}

/// Why `POST /_localgram/webhooks/test` cannot send.
#[derive(Debug)]
pub enum TestEventError {
    /// Not `instagram`.
    Object,
    /// A field without a sample.
    Field,
    /// No such app.
    App,
    /// The store failed.
    Store(StoreError),
}

/// The first `max` bytes of `s`, cut at a character boundary.
pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// Checks the answer to the verification GET: 200 with the challenge as the body.
fn check_handshake(reply: &CallbackReply, challenge: &str) -> Result<(), GraphError> {
    match reply.status {
        None => {
            let (errno, text) = reply
                .error
                .clone()
                .unwrap_or((7, "Couldn't connect to server".into()));
            Err(verification_failed(&format!(
                "curl_errno = {errno}; curl_error = {text}; HTTP Status Code = 0; HTTP Message = "
            )))
        }
        Some(200) if reply.body.trim() == challenge => Ok(()),
        Some(200) => Err(verification_failed(&format!(
            "HTTP Status Code = 200; HTTP Message = OK; Response does not match challenge, expected value=\"{challenge}\", received=\"{}\"",
            truncate(&reply.body, 100)
        ))),
        Some(status) => Err(verification_failed(&format!(
            "HTTP Status Code = {status}; HTTP Message = {}",
            reply.reason
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_on_the_loopback_or_allowed_hosts_only() {
        assert_eq!(callback_refusal("http://127.0.0.1:9/hook", &[]), None);
        assert_eq!(callback_refusal("https://localhost/hook", &[]), None);
        assert_eq!(callback_refusal("http://[::1]:8080/", &[]), None);
        let why = callback_refusal("https://example.com/hook", &[]).unwrap();
        assert!(why.contains("example.com is neither"), "{why}");
        assert_eq!(
            callback_refusal("https://Hooks.Test/x", &["hooks.test".into()]),
            None
        );
        assert!(
            callback_refusal("ftp://127.0.0.1/", &[])
                .unwrap()
                .contains("ftp")
        );
        assert!(callback_refusal("not a url", &[]).is_some());
        assert!(callback_refusal("http://u:p@127.0.0.1/", &[]).is_some());
    }

    #[test]
    fn meta_json_escapes_slashes_and_non_ascii() {
        let v = serde_json::json!({"t": "a/b é 😀"});
        assert_eq!(meta_json(&v), r#"{"t":"a\/b \u00e9 \ud83d\ude00"}"#);
        let back: serde_json::Value = serde_json::from_str(&meta_json(&v)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn retries_grow_and_stop_after_the_window() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let exp = t0 + DELIVERY_WINDOW;
        assert_eq!(next_attempt(1, t0, exp), Some(t0));
        assert_eq!(next_attempt(2, t0, exp), Some(t0 + Duration::minutes(1)));
        assert_eq!(next_attempt(7, t0, exp), Some(t0 + Duration::hours(12)));
        assert_eq!(next_attempt(20, t0, exp), Some(t0 + Duration::hours(12)));
        assert_eq!(next_attempt(20, exp - Duration::hours(1), exp), None);
    }

    #[test]
    fn mentions_are_found_once_each() {
        assert_eq!(
            mentioned_usernames("hi @jane.doe and @Sizzle.Cafe. @jane.doe again, mail a@b.c"),
            vec!["jane.doe".to_owned(), "sizzle.cafe".to_owned()]
        );
    }

    #[test]
    fn fields_are_checked_and_sorted() {
        assert_eq!(
            parse_fields(Some("mentions, comments,comments"), "fields").unwrap(),
            vec!["comments".to_owned(), "mentions".to_owned()]
        );
        assert_eq!(
            parse_fields(Some(r#"["comments"]"#), "fields").unwrap(),
            vec!["comments".to_owned()]
        );
        let e = parse_fields(Some("comments,likes"), "fields").unwrap_err();
        assert!(
            e.message
                .starts_with("(#100) Param fields[1] must be one of {comments,"),
            "{}",
            e.message
        );
        assert_eq!(
            parse_fields(None, "subscribed_fields").unwrap_err().message,
            "(#100) The parameter subscribed_fields is required"
        );
    }

    #[test]
    fn story_insights_are_stable_and_consistent() {
        for i in 0..2000 {
            let id = format!("1790000000{i:07}");
            let v = story_insights_value(&id);
            assert_eq!(v, story_insights_value(&id));
            assert_eq!(v["media_id"], id.as_str());
            let n = |k: &str| v[k].as_u64().unwrap();
            assert!(n("reach") >= 1, "{v}");
            assert!(n("impressions") >= n("reach"), "{v}");
            assert!(
                n("taps_forward") + n("taps_back") <= n("impressions"),
                "{v}"
            );
            assert!(n("exits") < n("reach") || n("exits") == 0, "{v}");
            assert!(n("replies") < n("reach") || n("replies") == 0, "{v}");
        }
        assert_ne!(
            story_insights_value("17900000000000001"),
            story_insights_value("17900000000000002")
        );
        assert!(!field_via_instagram_login("story_insights"));
        assert!(field_via_instagram_login("comments"));
    }

    #[test]
    fn signatures_are_hex_hmacs() {
        assert_eq!(
            signature_256("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 2202 test case 2.
        assert_eq!(
            signature_1("Jefe", "what do ya want for nothing?"),
            "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }
}
