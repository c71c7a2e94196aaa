//! Plain reads of stored objects, for the server's pages, files and fault matching: the store
//! itself stays inside the domain ([`Platform`] keeps it private), so every read the server
//! makes is a method here or a use case elsewhere.

use crate::model::{App, Blob, FbUser, IgMedia, IgUser, TesterStatus, TokenRecord};
use crate::platform::Platform;
use crate::store::{MediaOrder, MediaQuery, Result};

impl Platform {
    /// The database: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Writes out what the store keeps in memory (SQLite's rate counts), at a graceful stop.
    pub async fn flush(&self) -> Result<()> {
        self.store.flush().await
    }

    /// The database's write generation, when the store tracks one (the answer caches' key).
    pub fn data_version(&self) -> Option<u64> {
        self.store.data_version()
    }

    /// A media object by id.
    pub async fn find_media(&self, id: &str) -> Result<Option<IgMedia>> {
        self.store.find_media(id).await
    }

    /// An album's children, in order.
    pub async fn media_children(&self, album_id: &str) -> Result<Vec<IgMedia>> {
        self.store.list_children(album_id).await
    }

    /// An account's newest listed media (posts and reels, as `/me/media` lists them), at most
    /// `limit`.
    pub async fn newest_media(&self, owner_id: &str, limit: i64) -> Result<Vec<IgMedia>> {
        self.store
            .list_media(&MediaQuery {
                owner_id: owner_id.to_owned(),
                older_than: None,
                newer_than: None,
                since: None,
                until: None,
                not_older_than: None,
                order: MediaOrder::NewestFirst,
                limit,
            })
            .await
    }

    /// How many posts an account has (`media_count`).
    pub async fn count_media(&self, owner_id: &str) -> Result<i64> {
        self.store.count_media(owner_id).await
    }

    /// An Instagram account by id.
    pub async fn find_ig_user(&self, id: &str) -> Result<Option<IgUser>> {
        self.store.find_ig_user(id).await
    }

    /// An Instagram account by username.
    pub async fn find_ig_user_by_username(&self, username: &str) -> Result<Option<IgUser>> {
        self.store.find_ig_user_by_username(username).await
    }

    /// Every Instagram account.
    pub async fn list_ig_users(&self) -> Result<Vec<IgUser>> {
        self.store.list_ig_users().await
    }

    /// A Facebook user by id.
    pub async fn find_fb_user(&self, id: &str) -> Result<Option<FbUser>> {
        self.store.find_fb_user(id).await
    }

    /// An app by id (not through the cache).
    pub async fn find_app(&self, id: &str) -> Result<Option<App>> {
        self.store.find_app(id).await
    }

    /// Where an account stands as a tester of an app.
    pub async fn tester_status(
        &self,
        app_id: &str,
        ig_user_id: &str,
    ) -> Result<Option<TesterStatus>> {
        self.store.find_tester_status(app_id, ig_user_id).await
    }

    /// Stored file bytes by their SHA-256.
    pub async fn find_blob(&self, sha256: &str) -> Result<Option<Blob>> {
        self.store.find_blob(sha256).await
    }

    /// The stored record of a token, from the token's value (hashed here; `Ok(None)` for an
    /// unknown value).
    pub async fn token_record(&self, value: &str) -> Result<Option<TokenRecord>> {
        self.store
            .find_token(&crate::secret::SecretHash::of(value).0)
            .await
    }

    /// The stored record of a token, from its hash.
    pub async fn token_record_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>> {
        self.store.find_token(hash).await
    }

    /// Revokes token `token_id` now and forgets the read caches; `false` when it was revoked
    /// already or does not exist.
    pub async fn revoke_token_now(&self, token_id: &str) -> Result<bool> {
        let revoked = self.store.revoke_token(token_id, self.clock.now()).await?;
        self.clear_caches();
        Ok(revoked)
    }

    /// What kind of Graph node an id is, looked up in that order: `media`, `user` (Instagram),
    /// `page`, `facebook_user`, `app`; `None` when it is none of them.
    pub async fn node_kind(&self, id: &str) -> Result<Option<&'static str>> {
        Ok(if self.store.find_media(id).await?.is_some() {
            Some("media")
        } else if self.store.find_ig_user(id).await?.is_some() {
            Some("user")
        } else if self.store.find_page(id).await?.is_some() {
            Some("page")
        } else if self.store.find_fb_user(id).await?.is_some() {
            Some("facebook_user")
        } else if self.store.find_app(id).await?.is_some() {
            Some("app")
        } else {
            None
        })
    }
}
