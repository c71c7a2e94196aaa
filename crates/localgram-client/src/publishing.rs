//! Content publishing, comment moderation and webhook signatures.
//!
//! Publishing is three calls (create a container, wait until it is `FINISHED`, publish it);
//! [`Client::publish`] makes them, polling the container with a growing delay. Every call takes
//! the host: [`Host::GraphInstagram`] with an Instagram Login token, [`Host::GraphFacebook`] with
//! a Facebook Login token.

use crate::client::{Call, Client, Host};
use crate::error::{ClientError, Result};
use crate::secret::AppSecret;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde::Deserialize;
use sha2::Sha256;
use std::time::Duration;

/// What to publish: the parameters of `POST /{ig-user-id}/media`.
#[derive(Debug, Clone, Default)]
pub struct NewMedia {
    params: Vec<(String, String)>,
}

impl NewMedia {
    fn with(pairs: &[(&str, &str)]) -> Self {
        Self {
            params: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// A single image (a public JPEG URL).
    pub fn image(url: impl AsRef<str>) -> Self {
        Self::with(&[("image_url", url.as_ref())])
    }

    /// A reel (an MP4 or MOV URL).
    pub fn reel(url: impl AsRef<str>) -> Self {
        Self::with(&[("media_type", "REELS"), ("video_url", url.as_ref())])
    }

    /// An image story.
    pub fn story_image(url: impl AsRef<str>) -> Self {
        Self::with(&[("media_type", "STORIES"), ("image_url", url.as_ref())])
    }

    /// An image carousel item.
    pub fn carousel_image(url: impl AsRef<str>) -> Self {
        Self::with(&[("image_url", url.as_ref()), ("is_carousel_item", "true")])
    }

    /// A video carousel item.
    pub fn carousel_video(url: impl AsRef<str>) -> Self {
        Self::with(&[
            ("media_type", "VIDEO"),
            ("video_url", url.as_ref()),
            ("is_carousel_item", "true"),
        ])
    }

    /// A carousel of item containers made before.
    pub fn carousel(children: &[String]) -> Self {
        Self::with(&[
            ("media_type", "CAROUSEL"),
            ("children", &children.join(",")),
        ])
    }

    /// `caption`.
    pub fn caption(self, caption: impl Into<String>) -> Self {
        self.param("caption", caption)
    }

    /// Any other parameter (`alt_text`, `location_id`, `user_tags`, `share_to_feed`, …).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }
}

/// A container's status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct ContainerStatus {
    /// The container id.
    pub id: String,
    /// `IN_PROGRESS`, `FINISHED`, `ERROR`, `EXPIRED` or `PUBLISHED`.
    pub status_code: String,
    /// Meta's free text (on `ERROR`, it names the error subcode).
    #[serde(default)]
    pub status: Option<String>,
}

/// How [`Client::publish`] waits for a container.
#[derive(Debug, Clone, Copy)]
pub struct WaitPolicy {
    /// The first delay between two status reads.
    pub first_delay: Duration,
    /// The longest delay between two status reads.
    pub max_delay: Duration,
    /// How many times the status is read at most before giving up.
    pub max_polls: u32,
}

impl Default for WaitPolicy {
    /// 1 s, doubling up to 60 s, at most 20 reads (Meta advises once a minute for 5 minutes).
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_polls: 20,
        }
    }
}

/// A comment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Comment {
    /// The comment id.
    pub id: String,
    /// The text.
    #[serde(default)]
    pub text: Option<String>,
    /// `2026-05-01T18:10:00+0000`.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The author's username.
    #[serde(default)]
    pub username: Option<String>,
    /// Hidden by the media owner.
    #[serde(default)]
    pub hidden: Option<bool>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct CommentList {
    data: Vec<Comment>,
}

impl Client {
    fn write_call(&self, host: Host, segments: &[&str], form: Vec<(String, String)>) -> Call {
        let mut call = Call::graph_get(
            self,
            host,
            segments.iter().map(|s| (*s).to_owned()).collect(),
        );
        call.method = Method::POST;
        call.retry = false;
        call.form = form;
        call
    }

    /// `POST /{ig-user-id}/media`: the container id.
    pub async fn create_container(
        &self,
        host: Host,
        ig_user_id: &str,
        media: &NewMedia,
    ) -> Result<String> {
        let call = self.write_call(host, &[ig_user_id, "media"], media.params.clone());
        Ok(call.send_json::<Created>().await?.value.id)
    }

    /// `GET /{container-id}?fields=status_code,status`.
    pub async fn container_status(
        &self,
        host: Host,
        container_id: &str,
    ) -> Result<ContainerStatus> {
        let mut call = Call::graph_get(self, host, vec![container_id.to_owned()]);
        call.push_query("fields", "status_code,status");
        Ok(call.send_json::<ContainerStatus>().await?.value)
    }

    /// `POST /{ig-user-id}/media_publish`: the new media's id.
    pub async fn publish_container(
        &self,
        host: Host,
        ig_user_id: &str,
        container_id: &str,
    ) -> Result<String> {
        let call = self.write_call(
            host,
            &[ig_user_id, "media_publish"],
            vec![("creation_id".into(), container_id.to_owned())],
        );
        Ok(call.send_json::<Created>().await?.value.id)
    }

    /// Creates a container, waits until it is `FINISHED` (reading its status with a growing
    /// delay), and publishes it; the new media's id. A container that ends in `ERROR` or
    /// `EXPIRED`, or is still in progress after `wait.max_polls` reads, is an error naming its
    /// status.
    pub async fn publish(
        &self,
        host: Host,
        ig_user_id: &str,
        media: &NewMedia,
        wait: WaitPolicy,
    ) -> Result<String> {
        let container = self.create_container(host, ig_user_id, media).await?;
        self.wait_finished(host, &container, wait).await?;
        self.publish_container(host, ig_user_id, &container).await
    }

    /// Reads a container's status until it is `FINISHED` (see [`Client::publish`]).
    pub async fn wait_finished(
        &self,
        host: Host,
        container_id: &str,
        wait: WaitPolicy,
    ) -> Result<ContainerStatus> {
        let mut delay = wait.first_delay;
        for _ in 0..wait.max_polls.max(1) {
            let status = self.container_status(host, container_id).await?;
            match status.status_code.as_str() {
                "FINISHED" => return Ok(status),
                "IN_PROGRESS" => {}
                other => {
                    return Err(ClientError::Config(format!(
                        "container {container_id} is {other}: {}",
                        status.status.as_deref().unwrap_or("")
                    )));
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(wait.max_delay);
        }
        Err(ClientError::Config(format!(
            "container {container_id} is still IN_PROGRESS after {} reads",
            wait.max_polls
        )))
    }

    /// `GET /{ig-media-id}/comments` (first page: `timestamp,text,id,username,hidden`).
    pub async fn comments(&self, host: Host, media_id: &str) -> Result<Vec<Comment>> {
        let mut call = Call::graph_get(self, host, vec![media_id.to_owned(), "comments".into()]);
        call.push_query("fields", "timestamp,text,id,username,hidden");
        Ok(call.send_json::<CommentList>().await?.value.data)
    }

    /// `POST /{ig-media-id}/comments`: the comment id.
    pub async fn comment(&self, host: Host, media_id: &str, message: &str) -> Result<String> {
        let call = self.write_call(
            host,
            &[media_id, "comments"],
            vec![("message".into(), message.to_owned())],
        );
        Ok(call.send_json::<Created>().await?.value.id)
    }

    /// `POST /{ig-comment-id}/replies`: the reply id.
    pub async fn reply(&self, host: Host, comment_id: &str, message: &str) -> Result<String> {
        let call = self.write_call(
            host,
            &[comment_id, "replies"],
            vec![("message".into(), message.to_owned())],
        );
        Ok(call.send_json::<Created>().await?.value.id)
    }

    /// `POST /{app-id}/subscriptions` on graph.facebook.com, with the client's token an app
    /// token: subscribes the app to the `instagram` object's `fields` (the server first checks
    /// the callback with Meta's `hub.challenge` handshake, answering `verify_token`).
    pub async fn subscribe_webhooks(
        &self,
        app_id: &str,
        callback_url: &str,
        fields: &[&str],
        verify_token: &str,
    ) -> Result<()> {
        let call = self.write_call(
            Host::GraphFacebook,
            &[app_id, "subscriptions"],
            vec![
                ("object".into(), "instagram".into()),
                ("callback_url".into(), callback_url.to_owned()),
                ("fields".into(), fields.join(",")),
                ("verify_token".into(), verify_token.to_owned()),
            ],
        );
        call.send_json::<serde_json::Value>().await?;
        Ok(())
    }

    /// `POST /{node}/subscribed_apps`: enables the token's app for an Instagram account
    /// ([`Host::GraphInstagram`], `me` or the account) or a Page ([`Host::GraphFacebook`], with
    /// the Page's token).
    pub async fn enable_webhooks(&self, host: Host, node: &str, fields: &[&str]) -> Result<()> {
        let call = self.write_call(
            host,
            &[node, "subscribed_apps"],
            vec![("subscribed_fields".into(), fields.join(","))],
        );
        call.send_json::<serde_json::Value>().await?;
        Ok(())
    }

    /// `POST /{ig-comment-id}?hide=…`.
    pub async fn hide_comment(&self, host: Host, comment_id: &str, hide: bool) -> Result<()> {
        let call = self.write_call(host, &[comment_id], vec![("hide".into(), hide.to_string())]);
        call.send_json::<serde_json::Value>().await?;
        Ok(())
    }
}

/// Checks a webhook delivery's `X-Hub-Signature-256` header (`sha256=<hex>`) against the raw
/// body and the app secret, in constant time.
pub fn verify_webhook_signature(secret: &AppSecret, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.secret().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// The `X-Hub-Signature-256` value of `body` under `secret` (for tests and receivers that sign
/// what they forward).
pub fn webhook_signature(secret: &AppSecret, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.secret().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_the_same_body_and_secret() {
        let secret = AppSecret::new("app-secret");
        let body = br#"{"object":"instagram","entry":[]}"#;
        let header = webhook_signature(&secret, body);
        assert!(header.starts_with("sha256="));
        assert_eq!(header.len(), "sha256=".len() + 64);
        assert!(verify_webhook_signature(&secret, body, &header));
        assert!(!verify_webhook_signature(&secret, b"{}", &header));
        assert!(!verify_webhook_signature(
            &AppSecret::new("other"),
            body,
            &header
        ));
        assert!(!verify_webhook_signature(&secret, body, "sha1=abc"));
        assert!(!verify_webhook_signature(&secret, body, "sha256=zz"));
    }
}
