//! The Instagram user node read through a token (`GET /me`, `docs/graph-api.md#user-node`). The
//! full field set, media edges and field expansion build on this.

use crate::error::{GraphError, GraphHost};
use crate::model::{IgUser, TokenRecord};
use crate::platform::Platform;
use crate::scope::Family;

/// What `/me` can show of an account.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The account.
    pub user: std::sync::Arc<IgUser>,
    /// Top-level media count.
    pub media_count: i64,
    /// The token's API family (decides `account_type` casing, `docs/graph-api.md#user-node`).
    pub family: Family,
}

impl Profile {
    /// `account_type` as the family spells it: `MEDIA_CREATOR` (Basic Display) or
    /// `Media_Creator` (Instagram Login).
    pub fn account_type(&self) -> String {
        match self.family {
            Family::BasicDisplay => self.user.account_type.clone(),
            Family::InstagramLogin => match self.user.account_type.as_str() {
                "BUSINESS" => "Business".into(),
                "MEDIA_CREATOR" => "Media_Creator".into(),
                other => other.to_owned(),
            },
        }
    }
}

impl Platform {
    /// The profile of the token's own account (`/me`), or of `id` when it is that account.
    pub async fn profile(
        &self,
        token: &TokenRecord,
        id: Option<&str>,
    ) -> Result<Profile, GraphError> {
        let own = token.subject.user_id().unwrap_or_default();
        if let Some(id) = id
            && id != own
        {
            return Err(GraphError::unsupported_request(
                GraphHost::Instagram,
                "GET",
                id,
            ));
        }
        if !token
            .scopes
            .iter()
            .any(|s| s == "user_profile" || s == "instagram_business_basic")
        {
            return Err(GraphError::permission_denied());
        }
        let store_err = |e: crate::store::StoreError| {
            tracing::error!(error = %e, "store failure while reading a profile");
            GraphError::from_store(&e)
        };
        let user = self
            .cached_ig_user(own)
            .await
            .map_err(store_err)?
            .ok_or_else(|| GraphError::unsupported_request(GraphHost::Instagram, "GET", own))?;
        let media_count = self
            .caches
            .media_counts
            .get_or_load(
                own,
                self.store.last_data_version(),
                self.store.count_media(own),
            )
            .await
            .map_err(store_err)?;
        let family = crate::scope::family_of(&token.scopes).unwrap_or(Family::BasicDisplay);
        Ok(Profile {
            user,
            media_count,
            family,
        })
    }
}
