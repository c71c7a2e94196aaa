//! The media of an Instagram account through a token: the media edge with keyset paging and cursors
//! (`docs/graph-api.md#media-edge`, `docs/graph-api.md#paging`), media nodes and album children
//! (`docs/graph-api.md#media-node`, `docs/graph-api.md#album-children`).

use crate::cursor::Position;
use crate::error::{GraphError, GraphHost};
use crate::model::{IgMedia, TokenRecord};
use crate::platform::Platform;
use crate::store::{MediaKey, MediaOrder, MediaQuery, StoreError};
use time::OffsetDateTime;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 25;
/// Largest page size; larger requests are clamped (`docs/graph-api.md#paging`).
pub const MAX_LIMIT: i64 = 100;

/// The edge name cursors of the media edge are bound to.
const MEDIA_EDGE: &str = "media";
/// The edge name cursors of album children are bound to.
const CHILDREN_EDGE: &str = "children";

/// Paging parameters of an edge request, as sent.
#[derive(Debug, Clone, Default)]
pub struct PageParams<'a> {
    /// `limit`.
    pub limit: Option<&'a str>,
    /// `after` cursor.
    pub after: Option<&'a str>,
    /// `before` cursor.
    pub before: Option<&'a str>,
    /// `since` (Unix seconds or a date).
    pub since: Option<&'a str>,
    /// `until` (Unix seconds or a date).
    pub until: Option<&'a str>,
}

/// One page of an edge.
#[derive(Debug, Clone)]
pub struct MediaPage {
    /// The items, newest first.
    pub items: Vec<IgMedia>,
    /// Cursor of the first item.
    pub before: Option<String>,
    /// Cursor of the last item.
    pub after: Option<String>,
    /// Whether a newer page exists (then `paging.previous` is given).
    pub has_previous: bool,
    /// Whether an older page exists (then `paging.next` is given).
    pub has_next: bool,
}

/// Parses `limit`: a positive decimal integer, clamped to [`MAX_LIMIT`]
/// (`docs/robustness.md#parameter-limits`).
pub fn parse_limit(raw: Option<&str>, default: i64) -> Result<i64, GraphError> {
    let Some(raw) = raw else { return Ok(default) };
    let invalid = || {
        GraphError::invalid_parameter(format!(
            "(#100) Param limit must be a positive integer, got {raw:?}"
        ))
    };
    if raw.is_empty() || raw.len() > 19 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let n: i64 = raw.parse().map_err(|_| invalid())?;
    if n < 1 {
        return Err(invalid());
    }
    Ok(n.min(MAX_LIMIT))
}

/// Parses `since` / `until`: Unix seconds, an RFC 3339 time, or a `YYYY-MM-DD` date (UTC).
pub fn parse_time_bound(
    name: &str,
    raw: Option<&str>,
) -> Result<Option<OffsetDateTime>, GraphError> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(secs) = raw.parse::<i64>()
        && let Ok(t) = OffsetDateTime::from_unix_timestamp(secs)
    {
        return Ok(Some(t));
    }
    if let Some(t) = crate::timefmt::parse_timestamp(raw) {
        return Ok(Some(t));
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(raw, &date_format) {
        return Ok(Some(d.midnight().assume_utc()));
    }
    Err(GraphError::invalid_parameter(format!(
        "(#100) Param {name} must be a Unix timestamp or a date (YYYY-MM-DD), got {raw:?}"
    )))
}

pub(crate) fn invalid_cursor(which: &str) -> GraphError {
    GraphError::invalid_parameter(format!(
        "(#100) Invalid {which} cursor: it was altered, or issued for another edge or object"
    ))
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure while reading media");
    GraphError::from_store(&e)
}

fn key_of(pos: Position) -> Result<MediaKey, GraphError> {
    let timestamp = OffsetDateTime::from_unix_timestamp_nanos(i128::from(pos.sort) * 1_000_000)
        .map_err(|_| invalid_cursor("paging"))?;
    Ok(MediaKey {
        timestamp,
        id: pos.id,
    })
}

fn position_of(m: &IgMedia) -> Position {
    Position {
        sort: crate::clock::to_millis(m.timestamp),
        id: m.id.clone(),
    }
}

/// Whether a token may read media: `user_media` (Basic Display), `instagram_business_basic`
/// (Instagram Login) or `instagram_basic` (Facebook Login; the Page link is checked by
/// [`crate::linked`]).
pub fn can_read_media(token: &TokenRecord) -> bool {
    token.scopes.iter().any(|s| {
        s == "user_media" || s == "instagram_business_basic" || s == crate::linked::INSTAGRAM_BASIC
    })
}

impl Platform {
    /// The account whose edge is asked for: `/me` or the token's own id; anything else is an
    /// object the token cannot see (100/33).
    pub fn own_account<'t>(
        &self,
        token: &'t TokenRecord,
        id: Option<&str>,
    ) -> Result<&'t str, GraphError> {
        let own = token.subject.user_id().unwrap_or_default();
        match id {
            Some(id) if id != own => Err(GraphError::unsupported_request(
                GraphHost::Instagram,
                "GET",
                id,
            )),
            _ => Ok(own),
        }
    }

    /// A page of an account's media, newest first (`GET /me/media`).
    pub async fn list_media(
        &self,
        token: &TokenRecord,
        owner: &str,
        params: &PageParams<'_>,
        default_limit: i64,
    ) -> Result<MediaPage, GraphError> {
        if !can_read_media(token) {
            return Err(GraphError::permission_denied());
        }
        let limit = parse_limit(params.limit, default_limit)?;
        let since = parse_time_bound("since", params.since)?;
        let until = parse_time_bound("until", params.until)?;
        let after = params
            .after
            .map(|c| {
                self.cursors
                    .decode(MEDIA_EDGE, owner, c)
                    .map_err(|_| invalid_cursor("after"))
            })
            .transpose()?;
        let before = params
            .before
            .map(|c| {
                self.cursors
                    .decode(MEDIA_EDGE, owner, c)
                    .map_err(|_| invalid_cursor("before"))
            })
            .transpose()?;
        // The position of the cap is an OFFSET scan (bounded by the cap); read it at most once
        // per cache period per account.
        let not_older_than = self
            .caches
            .media_cap
            .get_or_load(
                owner,
                self.store.last_data_version(),
                self.store
                    .listed_media_key_at(owner, self.settings.max_listed_media - 1),
            )
            .await
            .map_err(store_err)?;
        let backwards = before.is_some() && after.is_none();
        let query = MediaQuery {
            owner_id: owner.to_owned(),
            older_than: after.map(key_of).transpose()?,
            newer_than: before.map(key_of).transpose()?,
            since,
            until,
            not_older_than,
            order: if backwards {
                MediaOrder::OldestFirst
            } else {
                MediaOrder::NewestFirst
            },
            limit: limit + 1,
        };
        let mut items = self.store.list_media(&query).await.map_err(store_err)?;
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let (has_previous, has_next) = if backwards {
            items.reverse();
            (more, true)
        } else {
            (params.after.is_some(), more)
        };
        let before = items
            .first()
            .map(|m| self.cursors.encode(MEDIA_EDGE, owner, &position_of(m)));
        let after = items
            .last()
            .map(|m| self.cursors.encode(MEDIA_EDGE, owner, &position_of(m)));
        Ok(MediaPage {
            has_previous: has_previous && !items.is_empty(),
            has_next: has_next && !items.is_empty(),
            items,
            before,
            after,
        })
    }

    /// A media node the token's account owns (`GET /{media-id}`); anything else is 100/33,
    /// byte-identical whether or not it exists.
    pub async fn get_media(&self, token: &TokenRecord, id: &str) -> Result<IgMedia, GraphError> {
        if !can_read_media(token) {
            return Err(GraphError::permission_denied());
        }
        let own = token.subject.user_id().unwrap_or_default();
        match self.store.find_media(id).await.map_err(store_err)? {
            Some(m)
                if m.owner_id == own
                    && m.media_product_type != crate::model::MediaProductType::Ad =>
            {
                Ok(m)
            }
            _ => Err(GraphError::unsupported_request(
                GraphHost::Instagram,
                "GET",
                id,
            )),
        }
    }

    /// An album's children (`GET /{media-id}/children`); a non-album is 100/33.
    pub async fn get_children(
        &self,
        token: &TokenRecord,
        id: &str,
    ) -> Result<(IgMedia, Vec<IgMedia>), GraphError> {
        let album = self.get_media(token, id).await?;
        if album.media_type != crate::model::MediaType::CarouselAlbum {
            return Err(GraphError::unsupported_request(
                GraphHost::Instagram,
                "GET",
                id,
            ));
        }
        let children = self.store.list_children(id).await.map_err(store_err)?;
        Ok((album, children))
    }

    /// The children of an album, for inline expansion (`children{…}`); empty for a non-album.
    pub async fn children_of(&self, album: &IgMedia) -> Result<Vec<IgMedia>, GraphError> {
        if album.media_type != crate::model::MediaType::CarouselAlbum {
            return Ok(Vec::new());
        }
        self.store.list_children(&album.id).await.map_err(store_err)
    }

    /// The cursor of a child at `position` of album `album_id`.
    pub fn child_cursor(&self, album_id: &str, child: &IgMedia) -> String {
        self.cursors.encode(
            CHILDREN_EDGE,
            album_id,
            &Position {
                sort: child.position,
                id: child.id.clone(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_positive_integers_clamped_to_100() {
        assert_eq!(parse_limit(None, 25).unwrap(), 25);
        assert_eq!(parse_limit(Some("7"), 25).unwrap(), 7);
        assert_eq!(parse_limit(Some("10000"), 25).unwrap(), 100);
        for bad in ["0", "-1", "abc", "1e3", "18446744073709551616", "", " 5"] {
            let e = parse_limit(Some(bad), 25).unwrap_err();
            assert_eq!(e.code, 100, "{bad}");
        }
    }

    #[test]
    fn time_bounds_accept_unix_seconds_dates_and_rfc3339() {
        use time::macros::datetime;
        assert_eq!(
            parse_time_bound("since", Some("1714586400")).unwrap(),
            Some(datetime!(2024-05-01 18:00 UTC))
        );
        assert_eq!(
            parse_time_bound("since", Some("2024-05-01")).unwrap(),
            Some(datetime!(2024-05-01 0:00 UTC))
        );
        assert_eq!(
            parse_time_bound("until", Some("2024-05-01T18:10:00+0000")).unwrap(),
            Some(datetime!(2024-05-01 18:10 UTC))
        );
        assert_eq!(
            parse_time_bound("until", Some("next tuesday"))
                .unwrap_err()
                .code,
            100
        );
    }
}
