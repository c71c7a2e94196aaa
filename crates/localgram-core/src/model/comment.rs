//! Comments as the store keeps and queries them (the rules are in [`crate::comments`]).

use time::OffsetDateTime;

/// A comment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment id.
    pub id: String,
    /// The media commented on.
    pub media_id: String,
    /// The top-level comment this replies to.
    pub parent_id: Option<String>,
    /// The author's Instagram account id.
    pub from_id: String,
    /// The author's username.
    pub from_username: String,
    /// The text.
    pub text: String,
    /// When it was written.
    pub timestamp: OffsetDateTime,
    /// Hidden by the media owner.
    pub hidden: bool,
}

/// A position in a comment listing, newest first: time, then id (both descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentKey {
    /// Epoch milliseconds.
    pub timestamp_ms: i64,
    /// Comment id.
    pub id: String,
}

/// A keyset query over a media's top-level comments or a comment's replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentQuery {
    /// The media.
    pub media_id: String,
    /// `None`: top-level comments; `Some(id)`: the replies to comment `id`.
    pub parent_id: Option<String>,
    /// Only comments strictly older than this key.
    pub older_than: Option<CommentKey>,
    /// At most this many.
    pub limit: i64,
}
