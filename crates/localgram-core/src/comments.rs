//! Comment moderation on both Graph hosts: the comments of a media (top-level, newest first,
//! with cursors), replies, commenting and replying as the account, hiding, deleting, and turning
//! comments off on a media (`comment_enabled`).
//!
//! Who may: the media owner's own token (Instagram Login) with
//! `instagram_business_manage_comments`, or a Facebook Login token reaching the owner's account
//! with `instagram_manage_comments`; without the permission, code 10 naming it. A media or
//! comment the token does not reach is the ordinary 100/33 of the host.

use crate::cursor::Position;
use crate::error::{GraphError, GraphHost};
use crate::model::{IgMedia, TokenRecord};
use crate::platform::Platform;
use crate::store::StoreError;

/// The permission with an Instagram Login token.
pub const MANAGE_COMMENTS_IG: &str = "instagram_business_manage_comments";
/// The permission with a Facebook Login token.
pub const MANAGE_COMMENTS_FB: &str = "instagram_manage_comments";
/// Default page size of the comments and replies edges.
pub const DEFAULT_LIMIT: i64 = 25;
/// Largest page size (Meta: 50).
pub const MAX_LIMIT: i64 = 50;
/// Longest comment, in characters (Meta's caption limit).
pub const MAX_TEXT: usize = 2200;

const COMMENTS_EDGE: &str = "comments";
const REPLIES_EDGE: &str = "replies";

pub use crate::model::comment::{Comment, CommentKey, CommentQuery};

/// A page of comments.
#[derive(Debug, Clone)]
pub struct CommentPage {
    /// The comments, newest first.
    pub items: Vec<Comment>,
    /// Cursor of the first item.
    pub before: Option<String>,
    /// Cursor of the last item.
    pub after: Option<String>,
    /// Whether an older page exists.
    pub has_next: bool,
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure in comments");
    GraphError::from_store(&e)
}

fn permission_required(permission: &str) -> GraphError {
    GraphError {
        message: format!("(#10) Requires {permission} permission to manage the object"),
        ..GraphError::permission_denied()
    }
}

/// Code 100: commenting on a media whose comments are turned off.
pub fn comments_disabled() -> GraphError {
    GraphError::invalid_parameter("(#100) Comments are disabled for this media")
}

fn key_of(c: &Comment) -> Position {
    Position {
        sort: crate::clock::to_millis(c.timestamp),
        id: c.id.clone(),
    }
}

/// Checks a `message`: present, not blank, at most [`MAX_TEXT`] characters.
fn check_message(message: Option<&str>) -> Result<String, GraphError> {
    let m = message
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| GraphError::invalid_parameter("(#100) The parameter message is required"))?;
    if m.chars().count() > MAX_TEXT {
        return Err(GraphError::invalid_parameter(format!(
            "(#100) Param message must be at most {MAX_TEXT} characters long"
        )));
    }
    Ok(m.to_owned())
}

impl Platform {
    /// Whether the token reaches Instagram account `owner` on `host`, with the comment permission
    /// of its family (code 10 without it).
    async fn comment_access(
        &self,
        token: &TokenRecord,
        owner: &str,
        host: GraphHost,
    ) -> Result<bool, GraphError> {
        match host {
            GraphHost::Instagram => {
                if !token.kind.is_instagram() || token.subject.user_id() != Some(owner) {
                    return Ok(false);
                }
                if !token.scopes.iter().any(|s| s == MANAGE_COMMENTS_IG) {
                    return Err(permission_required(MANAGE_COMMENTS_IG));
                }
                Ok(true)
            }
            GraphHost::Facebook => {
                if !self
                    .reachable_ig_accounts(token)
                    .await?
                    .iter()
                    .any(|a| a == owner)
                {
                    return Ok(false);
                }
                if !self
                    .effective_scopes(token)
                    .await?
                    .iter()
                    .any(|s| s == MANAGE_COMMENTS_FB)
                {
                    return Err(permission_required(MANAGE_COMMENTS_FB));
                }
                Ok(true)
            }
        }
    }

    /// The media `id` when the token may moderate its comments; 100/33 otherwise.
    pub async fn comment_media(
        &self,
        token: &TokenRecord,
        id: &str,
        host: GraphHost,
        method: &str,
    ) -> Result<IgMedia, GraphError> {
        let unsupported = || GraphError::unsupported_request(host, method, id);
        let media = self
            .store
            .find_media(id)
            .await
            .map_err(store_err)?
            .filter(|m| {
                m.media_product_type != crate::model::MediaProductType::Ad && m.parent_id.is_none()
            })
            .ok_or_else(unsupported)?;
        if self.comment_access(token, &media.owner_id, host).await? {
            Ok(media)
        } else {
            Err(unsupported())
        }
    }

    /// The comment `id` and its media when the token may moderate it; `None` when `id` is no
    /// comment the token reaches (the caller then tries other node types).
    pub async fn find_comment_for(
        &self,
        token: &TokenRecord,
        id: &str,
        host: GraphHost,
    ) -> Result<Option<(Comment, IgMedia)>, GraphError> {
        let Some(comment) = self.store.find_comment(id).await.map_err(store_err)? else {
            return Ok(None);
        };
        let Some(media) = self
            .store
            .find_media(&comment.media_id)
            .await
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        if self.comment_access(token, &media.owner_id, host).await? {
            Ok(Some((comment, media)))
        } else {
            Ok(None)
        }
    }

    /// The comment `id` the token may moderate; 100/33 otherwise.
    pub async fn comment_for(
        &self,
        token: &TokenRecord,
        id: &str,
        host: GraphHost,
        method: &str,
    ) -> Result<(Comment, IgMedia), GraphError> {
        self.find_comment_for(token, id, host)
            .await?
            .ok_or_else(|| GraphError::unsupported_request(host, method, id))
    }

    /// A page of the top-level comments of `media` (or of the replies to `parent`), newest first.
    pub async fn list_comments(
        &self,
        media: &IgMedia,
        parent: Option<&str>,
        limit: Option<&str>,
        after: Option<&str>,
    ) -> Result<CommentPage, GraphError> {
        let limit = crate::media::parse_limit(limit, DEFAULT_LIMIT)?.min(MAX_LIMIT);
        let (edge, owner) = match parent {
            Some(p) => (REPLIES_EDGE, p),
            None => (COMMENTS_EDGE, media.id.as_str()),
        };
        let older_than = after
            .map(|c| {
                self.cursors
                    .decode(edge, owner, c)
                    .map_err(|_| crate::media::invalid_cursor("after"))
            })
            .transpose()?
            .map(|p| CommentKey {
                timestamp_ms: p.sort,
                id: p.id,
            });
        let mut items = self
            .store
            .list_comments(&CommentQuery {
                media_id: media.id.clone(),
                parent_id: parent.map(str::to_owned),
                older_than,
                limit: limit + 1,
            })
            .await
            .map_err(store_err)?;
        let has_next = items.len() as i64 > limit;
        items.truncate(limit as usize);
        Ok(CommentPage {
            before: items
                .first()
                .map(|c| self.cursors.encode(edge, owner, &key_of(c))),
            after: items
                .last()
                .map(|c| self.cursors.encode(edge, owner, &key_of(c))),
            has_next,
            items,
        })
    }

    /// Every reply to `parent`, oldest first (for `replies{…}` expansion), at most [`MAX_LIMIT`].
    pub async fn replies_of(&self, parent: &Comment) -> Result<Vec<Comment>, GraphError> {
        let mut items = self
            .store
            .list_comments(&CommentQuery {
                media_id: parent.media_id.clone(),
                parent_id: Some(parent.id.clone()),
                older_than: None,
                limit: MAX_LIMIT,
            })
            .await
            .map_err(store_err)?;
        items.reverse();
        Ok(items)
    }

    /// `POST /{ig-media-id}/comments` (and replies): writes a comment as the media's account;
    /// its id. A reply to a reply is filed under the top-level comment.
    pub async fn write_comment(
        &self,
        media: &IgMedia,
        replying_to: Option<&Comment>,
        message: Option<&str>,
    ) -> Result<String, GraphError> {
        let text = check_message(message)?;
        if !self
            .store
            .comments_enabled(&media.id)
            .await
            .map_err(store_err)?
        {
            return Err(comments_disabled());
        }
        let parent_id = match replying_to {
            Some(c) if c.hidden => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Cannot reply to a hidden comment",
                ));
            }
            Some(c) => Some(c.parent_id.clone().unwrap_or_else(|| c.id.clone())),
            None => None,
        };
        let author = self
            .cached_ig_user(&media.owner_id)
            .await
            .map_err(store_err)?
            .ok_or_else(GraphError::internal)?;
        self.add_comment(&media.id, parent_id, &author.id, &author.username, text)
            .await
    }

    /// Stores a new comment by `from_id` on `media_id` (the dashboard uses this for comments by
    /// other accounts); its id.
    pub async fn add_comment(
        &self,
        media_id: &str,
        parent_id: Option<String>,
        from_id: &str,
        from_username: &str,
        text: String,
    ) -> Result<String, GraphError> {
        use crate::rng::RngExt;
        let comment = Comment {
            id: format!("17{}", self.rng.digits('8', 15)),
            media_id: media_id.to_owned(),
            parent_id,
            from_id: from_id.to_owned(),
            from_username: from_username.to_owned(),
            text,
            timestamp: self.clock.now(),
            hidden: false,
        };
        // The webhook updates it causes are queued in the same write (docs/webhooks.md).
        let events = match self.store.find_media(media_id).await.map_err(store_err)? {
            Some(media) => self.comment_events(&comment, &media).await?,
            None => Vec::new(),
        };
        self.store
            .insert_comment_notifying(&comment, &events)
            .await
            .map_err(store_err)?;
        self.clear_caches();
        Ok(comment.id)
    }

    /// `POST /{ig-comment-id}?hide=…`: the media owner's own comments always stay visible.
    pub async fn hide_comment(
        &self,
        comment: &Comment,
        media: &IgMedia,
        hide: Option<&str>,
    ) -> Result<(), GraphError> {
        let hide = match hide {
            Some("true") => true,
            Some("false") => false,
            Some(_) => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Param hide must be a boolean",
                ));
            }
            None => {
                return Err(GraphError::invalid_parameter(
                    "(#100) The parameter hide is required",
                ));
            }
        };
        let hide = hide && comment.from_id != media.owner_id;
        self.store
            .set_comment_hidden(&comment.id, hide)
            .await
            .map_err(store_err)?;
        Ok(())
    }

    /// `DELETE /{ig-comment-id}`: the comment and its replies.
    pub async fn delete_comment(&self, comment: &Comment) -> Result<(), GraphError> {
        self.store
            .delete_comment(&comment.id)
            .await
            .map_err(store_err)?;
        self.clear_caches();
        Ok(())
    }

    /// `POST /{ig-media-id}?comment_enabled=…`.
    pub async fn set_comment_enabled(
        &self,
        media: &IgMedia,
        enabled: &str,
    ) -> Result<(), GraphError> {
        let enabled = match enabled {
            "true" => true,
            "false" => false,
            _ => {
                return Err(GraphError::invalid_parameter(
                    "(#100) Param comment_enabled must be a boolean",
                ));
            }
        };
        self.store
            .set_comments_enabled(&media.id, enabled)
            .await
            .map_err(store_err)
    }

    /// `comments_count` and `is_comment_enabled` of a media.
    pub async fn comment_summary(&self, media_id: &str) -> Result<(i64, bool), GraphError> {
        let count = self
            .store
            .count_comments(media_id)
            .await
            .map_err(store_err)?;
        let enabled = self
            .store
            .comments_enabled(media_id)
            .await
            .map_err(store_err)?;
        Ok((count, enabled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_required_and_bounded() {
        assert_eq!(check_message(Some("hi")).unwrap(), "hi");
        assert_eq!(check_message(None).unwrap_err().code, 100);
        assert_eq!(check_message(Some("  ")).unwrap_err().code, 100);
        assert!(check_message(Some(&"x".repeat(2201))).is_err());
    }
}
