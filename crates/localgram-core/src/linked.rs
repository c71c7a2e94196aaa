//! The Instagram professional account through Facebook Login: on graph.facebook.com, a Facebook
//! user token (or a Page token) reads the Instagram account linked to a Page, its media and their
//! album children. The account is reachable when the token's user has a task on the linked Page
//! and that Page is visible to the app (granted in the dialog; reached through a business only
//! with `business_management`), or when a Page token is the linked Page's own; reading it needs
//! the `instagram_basic` permission (code 10 otherwise). Anything else is the ordinary 100/33.

use crate::error::{GraphError, GraphHost};
use crate::model::{IgMedia, IgUser, Page, Subject, TokenKind, TokenRecord};
use crate::platform::Platform;
use crate::profile::Profile;
use crate::scope::Family;
use crate::store::StoreError;
use std::sync::Arc;

/// The permission every read of the Instagram account through Facebook Login needs.
pub const INSTAGRAM_BASIC: &str = "instagram_basic";

/// A node of graph.facebook.com named by id (other than the token's own user).
#[derive(Debug, Clone)]
pub enum FacebookNode {
    /// A Page.
    Page(Page),
    /// The Instagram professional account linked to a Page the token reaches.
    InstagramUser(Profile),
    /// A media object of such an account.
    InstagramMedia(IgMedia),
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure while reading an Instagram account through a Page");
    GraphError::from_store(&e)
}

/// `(#10)`: the token's app was not granted `instagram_basic`.
pub fn instagram_basic_required() -> GraphError {
    GraphError {
        message: "(#10) Requires instagram_basic permission to manage the object".into(),
        ..GraphError::permission_denied()
    }
}

impl Platform {
    /// What `GET /{id}` on graph.facebook.com names: a Page, a linked Instagram account, or one
    /// of its media; anything else (or an Instagram object the token does not reach) is 100/33.
    /// An Instagram object reached without `instagram_basic` is code 10.
    pub async fn facebook_node(
        &self,
        token: &TokenRecord,
        id: &str,
    ) -> Result<FacebookNode, GraphError> {
        if let Some(page) = self.store.find_page(id).await.map_err(store_err)? {
            return Ok(FacebookNode::Page(page));
        }
        if let Some(profile) = self.linked_profile(token, id).await? {
            return Ok(FacebookNode::InstagramUser(profile));
        }
        if let Some(media) = self.linked_media(token, id).await? {
            return Ok(FacebookNode::InstagramMedia(media));
        }
        Err(GraphError::unsupported_request(
            GraphHost::Facebook,
            "GET",
            id,
        ))
    }

    /// The linked Instagram accounts the token reaches, by id.
    pub(crate) async fn reachable_ig_accounts(
        &self,
        token: &TokenRecord,
    ) -> Result<Vec<String>, GraphError> {
        let Subject::Facebook(user) = &token.subject else {
            return Ok(Vec::new());
        };
        if token.kind == TokenKind::Page {
            let Some(page_id) = &token.page_id else {
                return Ok(Vec::new());
            };
            let page = self.store.find_page(page_id).await.map_err(store_err)?;
            return Ok(page
                .and_then(|p| p.instagram_business_account)
                .into_iter()
                .collect());
        }
        if !matches!(
            token.kind,
            TokenKind::FacebookUser | TokenKind::FacebookUserLongLived
        ) {
            return Ok(Vec::new());
        }
        let Some(user) = self.store.find_fb_user(user).await.map_err(store_err)? else {
            return Ok(Vec::new());
        };
        let scopes = self.effective_scopes(token).await?;
        Ok(self
            .visible_pages(token, &user, &scopes)
            .await?
            .into_iter()
            .filter_map(|p| p.page.instagram_business_account)
            .collect())
    }

    /// Checks `instagram_basic` among the token's permissions in force.
    async fn require_instagram_basic(&self, token: &TokenRecord) -> Result<(), GraphError> {
        if self
            .effective_scopes(token)
            .await?
            .iter()
            .any(|s| s == INSTAGRAM_BASIC)
        {
            Ok(())
        } else {
            Err(instagram_basic_required())
        }
    }

    /// The linked Instagram account `id` with its media count, when the token reaches it.
    pub async fn linked_profile(
        &self,
        token: &TokenRecord,
        id: &str,
    ) -> Result<Option<Profile>, GraphError> {
        if !self
            .reachable_ig_accounts(token)
            .await?
            .iter()
            .any(|a| a == id)
        {
            return Ok(None);
        }
        let Some(user) = self.cached_ig_user(id).await.map_err(store_err)? else {
            return Ok(None);
        };
        self.require_instagram_basic(token).await?;
        Ok(Some(self.profile_of(user).await?))
    }

    /// The account a Page's `instagram_business_account` names, for that field's expansion
    /// (the Page's reader reads it; `None` when the account no longer exists).
    pub async fn page_ig_account(&self, ig_user_id: &str) -> Result<Option<Profile>, GraphError> {
        match self.cached_ig_user(ig_user_id).await.map_err(store_err)? {
            Some(user) => Ok(Some(self.profile_of(user).await?)),
            None => Ok(None),
        }
    }

    /// The profile of an account read through Facebook Login.
    async fn profile_of(&self, user: Arc<IgUser>) -> Result<Profile, GraphError> {
        let media_count = self
            .caches
            .media_counts
            .get_or_load(
                user.id.as_str(),
                self.store.last_data_version(),
                self.store.count_media(&user.id),
            )
            .await
            .map_err(store_err)?;
        Ok(Profile {
            user,
            media_count,
            family: Family::InstagramLogin,
        })
    }

    /// The media object `id` of a linked account the token reaches (album children included,
    /// ads never), or `None`.
    pub async fn linked_media(
        &self,
        token: &TokenRecord,
        id: &str,
    ) -> Result<Option<IgMedia>, GraphError> {
        let Some(media) = self.store.find_media(id).await.map_err(store_err)? else {
            return Ok(None);
        };
        if media.media_product_type == crate::model::MediaProductType::Ad
            || !self
                .reachable_ig_accounts(token)
                .await?
                .contains(&media.owner_id)
        {
            return Ok(None);
        }
        self.require_instagram_basic(token).await?;
        Ok(Some(media))
    }

    /// The account whose media edge `GET /{ig-user-id}/media` asks for on graph.facebook.com.
    pub async fn linked_media_owner(
        &self,
        token: &TokenRecord,
        id: &str,
    ) -> Result<Profile, GraphError> {
        self.linked_profile(token, id)
            .await?
            .ok_or_else(|| GraphError::unsupported_request(GraphHost::Facebook, "GET", id))
    }

    /// `GET /{ig-media-id}/children` on graph.facebook.com; a non-album is 100/33.
    pub async fn linked_children(
        &self,
        token: &TokenRecord,
        id: &str,
    ) -> Result<(IgMedia, Vec<IgMedia>), GraphError> {
        let not_found = || GraphError::unsupported_request(GraphHost::Facebook, "GET", id);
        let album = self.linked_media(token, id).await?.ok_or_else(not_found)?;
        if album.media_type != crate::model::MediaType::CarouselAlbum {
            return Err(not_found());
        }
        let children = self.children_of(&album).await?;
        Ok((album, children))
    }
}
