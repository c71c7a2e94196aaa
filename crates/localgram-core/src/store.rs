//! The store port: use-case-shaped traits, one per aggregate, bundled in [`Store`].
//! `localgram-store` implements all of them, once, for SQLite and PostgreSQL; every method owns
//! its transaction, and no transaction or pool type crosses the trait.
//!
//! Errors: [`StoreError`] only. Driver errors never cross the trait; the store maps them.

use crate::model::{
    App, AppRole, AppTester, AuthCode, Blob, City, FbGrant, FbUser, IgMedia, IgUser, Page,
    PageRole, TestUserLink, TestUserRemoval, TesterStatus, TokenRecord,
};
use async_trait::async_trait;
use time::OffsetDateTime;

/// The store's error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; `what` names the object.
    #[error("conflict: {what}")]
    Conflict {
        /// What collided, in words for the user (for example `instagram user username "jane"`).
        what: String,
    },
    /// The database cannot be reached (pool timeout, connection refused, disk full).
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Apps, their testers and their roles.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// The app with this id.
    async fn find_app(&self, id: &str) -> Result<Option<App>>;
    /// The app whose Instagram app (Instagram Basic Display → "Create New App") has this id.
    async fn find_app_by_instagram_app_id(&self, instagram_app_id: &str) -> Result<Option<App>>;
    /// The tester status of an Instagram account for an app, if it was invited.
    async fn find_tester_status(
        &self,
        app_id: &str,
        ig_user_id: &str,
    ) -> Result<Option<TesterStatus>>;
    /// The Facebook app role of a user, if any.
    async fn find_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<Option<AppRole>>;
}

/// Instagram accounts, their media, and Facebook users.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The Instagram account with this id.
    async fn find_ig_user(&self, id: &str) -> Result<Option<IgUser>>;
    /// The Instagram account with this username.
    async fn find_ig_user_by_username(&self, username: &str) -> Result<Option<IgUser>>;
    /// The number of media the account's media edge lists: top-level feed posts and reels
    /// (album children, stories and ads not counted), as Meta's `media_count`.
    async fn count_media(&self, owner_id: &str) -> Result<i64>;
    /// The Facebook user with this id.
    async fn find_fb_user(&self, id: &str) -> Result<Option<FbUser>>;
    /// The Facebook user with this login email.
    async fn find_fb_user_by_email(&self, email: &str) -> Result<Option<FbUser>>;
}

/// Authorization codes.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Stores a freshly issued code.
    async fn insert_code(&self, code: &AuthCode) -> Result<()>;
    /// Stores freshly issued codes, in one transaction: all of them or none.
    async fn insert_codes(&self, codes: &[AuthCode]) -> Result<()>;
    /// The code with this hash, consumed or not.
    async fn find_code(&self, code_hash: &str) -> Result<Option<AuthCode>>;
    /// In one transaction: marks code `code_id` consumed at `now` if it is unconsumed and
    /// unexpired at `now`, and inserts `token` ([`Redemption::Redeemed`]). Exactly one of any
    /// number of concurrent calls for the same code redeems it; every other one sees the code
    /// consumed and, in the same transaction, revokes every token issued from it
    /// ([`Redemption::Replayed`]): whatever order racing exchanges run in, once two were
    /// attempted, nothing issued from the code stays valid. An unconsumed code past its expiry
    /// is [`Redemption::Expired`] and writes nothing.
    async fn redeem_code(
        &self,
        code_id: &str,
        now: OffsetDateTime,
        token: &TokenRecord,
    ) -> Result<Redemption>;
    /// Revokes, at `now`, every unrevoked token descending from code `code_id`. Returns how many.
    async fn revoke_tokens_of_code(&self, code_id: &str, now: OffsetDateTime) -> Result<u64>;
}

/// What [`GrantStore::redeem_code`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    /// The code was consumed and the token inserted.
    Redeemed,
    /// The code had been consumed already: this is a replay, and the tokens issued from the
    /// code (this many were still valid) are revoked.
    Replayed {
        /// Tokens revoked by this call.
        revoked: u64,
    },
    /// The code was never consumed and has expired; nothing was written.
    Expired,
}

/// A call of the shared request journal, secrets already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalCall {
    /// When it was answered (Unix ms, emulator clock).
    pub at_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Meta host.
    pub host: String,
    /// Path as served.
    pub path: String,
    /// Query, redacted.
    pub query: Option<String>,
    /// Form body, redacted.
    pub form: Option<String>,
    /// HTTP status.
    pub status: i64,
    /// Graph error code, 0 when none.
    pub graph_code: i64,
    /// Milliseconds taken.
    pub latency_ms: i64,
    /// App.
    pub app: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Ids of the fault rules that fired, comma-separated.
    pub faults: String,
}

/// Access tokens.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Revokes, at `now`, the token with this row id; whether it was valid until then.
    async fn revoke_token(&self, token_id: &str, now: OffsetDateTime) -> Result<bool>;
    /// Stores a token. A token whose hash already exists is left as it is.
    async fn insert_token(&self, token: &TokenRecord) -> Result<()>;
    /// The token with this hash.
    async fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    /// In one transaction: records that token `parent_id` was last derived from at `now`, and
    /// inserts `child`. A token may be derived from any number of times, concurrently too (Meta
    /// has no once-only rule for exchanges and refreshes); [`StoreError::NotFound`] when the
    /// parent does not exist.
    async fn derive_token(
        &self,
        parent_id: &str,
        now: OffsetDateTime,
        child: &TokenRecord,
    ) -> Result<()>;
}

/// Browser-session state shared by every instance: CSRF tokens and the server's signing keys.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a fault rule after the others (or in place of the rule with its id, counts
    /// reset); `spec` is its JSON.
    async fn put_fault_rule(&self, id: &str, spec: &str) -> Result<()>;
    /// Removes a fault rule; whether it existed.
    async fn delete_fault_rule(&self, id: &str) -> Result<bool>;
    /// Removes every fault rule; how many there were.
    async fn clear_fault_rules(&self) -> Result<u64>;
    /// The fault rules in order: `(id, spec, matched, fired)`.
    async fn list_fault_rules(&self) -> Result<Vec<(String, String, i64, i64)>>;
    /// Counts a matching call of rule `id` and, in the same transaction, a firing when
    /// `fires(matched, fired_before)` says so: `(fired, matched)`, `None` for an unknown rule.
    async fn count_fault_match(
        &self,
        id: &str,
        fires: Box<dyn FnOnce(u64, u64) -> bool + Send>,
    ) -> Result<Option<(bool, u64)>>;
    /// Appends a call to the shared request journal, keeping the newest `keep` calls.
    async fn insert_journal_call(&self, call: &JournalCall, keep: i64) -> Result<()>;
    /// The newest `limit` calls of the shared journal, newest first.
    async fn list_journal_calls(&self, limit: i64) -> Result<Vec<JournalCall>>;
    /// Empties the shared journal; how many calls it held.
    async fn clear_journal_calls(&self) -> Result<u64>;
    /// The test clock shared by the instances on this database, if one was ever written:
    /// `(frozen, millis, generation)` — frozen at `millis` (Unix ms), or running `millis` ahead
    /// of the system time.
    async fn read_shared_clock(&self) -> Result<Option<(bool, i64, i64)>>;
    /// Writes the shared test clock (its generation grows); the new generation.
    async fn write_shared_clock(&self, frozen: bool, millis: i64) -> Result<i64>;
    /// Keeps a sealed one-time reveal for `browser_id` under `slot` until `expires_at` (Unix
    /// ms), replacing an earlier one, and drops the reveals expired at `now` (Unix ms).
    async fn put_reveal(
        &self,
        browser_id: &str,
        slot: &str,
        sealed: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<()>;
    /// Takes (reads and deletes) the sealed reveal of `browser_id` under `slot`, if it is
    /// unexpired at `now` (Unix ms).
    async fn take_reveal(&self, browser_id: &str, slot: &str, now: i64) -> Result<Option<String>>;
    /// Stores a CSRF token (by hash) bound to a browser id.
    async fn insert_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()>;
    /// Consumes a CSRF token: `true` when it existed for this browser, was unused and unexpired
    /// at `now`; it cannot be used again.
    async fn consume_csrf(
        &self,
        token_hash: &str,
        browser_id: &str,
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// The value of server secret `name`; when none is stored yet, stores `candidate` and returns
    /// it. Concurrent instances all end up with the same value.
    async fn get_or_init_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>>;
}

/// A position in an account's media, newest first: publish time, then id (both descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaKey {
    /// Publish time.
    pub timestamp: OffsetDateTime,
    /// Media id (ties on time are broken by id, descending).
    pub id: String,
}

impl MediaKey {
    /// The key of a media object.
    pub fn of(m: &IgMedia) -> Self {
        Self {
            timestamp: m.timestamp,
            id: m.id.clone(),
        }
    }
}

/// The direction of a media listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaOrder {
    /// Newest first (the edge's order; used for `after` paging).
    NewestFirst,
    /// Oldest first (used for `before` paging; the caller reverses the page).
    OldestFirst,
}

/// A keyset query over an account's *listed* media: top-level (no album children), and of
/// product type `FEED` or `REELS` (stories and ads are never listed). Every bound is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaQuery {
    /// The account.
    pub owner_id: String,
    /// Only media strictly older than this key (after a cursor).
    pub older_than: Option<MediaKey>,
    /// Only media strictly newer than this key (before a cursor).
    pub newer_than: Option<MediaKey>,
    /// Only media published at or after this time (`since`).
    pub since: Option<OffsetDateTime>,
    /// Only media published at or before this time (`until`).
    pub until: Option<OffsetDateTime>,
    /// Only media at this key or newer (the cap on the most recent media reachable).
    pub not_older_than: Option<MediaKey>,
    /// Order of the result.
    pub order: MediaOrder,
    /// At most this many rows.
    pub limit: i64,
}

/// Media objects.
#[async_trait]
pub trait MediaStore: Send + Sync {
    /// The media object with this id (listed or not, album children included).
    async fn find_media(&self, id: &str) -> Result<Option<IgMedia>>;
    /// An album's children, by position.
    async fn list_children(&self, parent_id: &str) -> Result<Vec<IgMedia>>;
    /// A page of an account's listed media (see [`MediaQuery`]); uses the
    /// `(owner_id, timestamp_ms DESC, id DESC)` index, never `OFFSET`.
    async fn list_media(&self, query: &MediaQuery) -> Result<Vec<IgMedia>>;
    /// The key of the listed media at 0-based position `offset`, newest first (`None` when the
    /// account lists fewer). Used to enforce "only the N most recent media are reachable".
    async fn listed_media_key_at(&self, owner_id: &str, offset: i64) -> Result<Option<MediaKey>>;
    /// Upserts media objects by id, in one transaction (uploads, generated accounts).
    async fn upsert_media(&self, media: &[IgMedia]) -> Result<()>;
}

/// A Page with the tasks one user has on it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPage {
    /// The Page.
    pub page: Page,
    /// The user's tasks on it.
    pub tasks: Vec<String>,
}

/// Facebook grants, Pages and the cities gazetteer.
#[async_trait]
pub trait PageStore: Send + Sync {
    /// Stores what a user granted an app, replacing an earlier grant.
    async fn upsert_fb_grant(&self, grant: &FbGrant) -> Result<()>;
    /// What a user granted an app, if a grant is stored.
    async fn find_fb_grant(&self, app_id: &str, fb_user_id: &str) -> Result<Option<FbGrant>>;
    /// In one transaction: deletes the grant of `app_id` by `fb_user_id` and revokes, at `now`,
    /// every unrevoked token of that app and user (user and Page tokens). Returns how many tokens
    /// were revoked.
    async fn revoke_fb_grant(
        &self,
        app_id: &str,
        fb_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64>;
    /// The Page with this id.
    async fn find_page(&self, id: &str) -> Result<Option<Page>>;
    /// Every Page the user has a role on, with the user's tasks, by Page id (bytewise).
    async fn list_user_pages(&self, fb_user_id: &str) -> Result<Vec<UserPage>>;
    /// The cities of the gazetteer, by id.
    async fn list_cities(&self) -> Result<Vec<City>>;
    /// In one transaction: inserts a new Page and its creator's role. A Page id that exists is a
    /// [`StoreError::Conflict`] and writes nothing.
    async fn create_page(&self, page: &Page, role: &PageRole) -> Result<()>;
    /// In one transaction, unless the app has `limit` test users already (then `false` and
    /// nothing is written): inserts `new_user` when given (a new test user; an existing id is a
    /// [`StoreError::Conflict`]), the association `link`, and `grant` when given.
    async fn add_test_user(
        &self,
        new_user: Option<&FbUser>,
        link: &TestUserLink,
        grant: Option<&FbGrant>,
        limit: i64,
    ) -> Result<bool>;
    /// The app's test users, oldest first (then by user id, bytewise).
    async fn list_test_users(&self, app_id: &str) -> Result<Vec<TestUserLink>>;
    /// The association of `fb_user_id` with `app_id`, if it is one of the app's test users.
    async fn find_test_user(&self, app_id: &str, fb_user_id: &str) -> Result<Option<TestUserLink>>;
    /// In one transaction: removes the association, the app's grant by the user, and revokes at
    /// `now` the user's tokens of the app, unless the user is not a test user of the app or is
    /// its only one (then nothing is written).
    async fn remove_test_user(
        &self,
        app_id: &str,
        fb_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<TestUserRemoval>;
}

/// Content-addressed file bytes.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores a blob; a blob with the same hash already stored is kept as it is.
    async fn put_blob(&self, blob: &Blob) -> Result<()>;
    /// The blob with this hash.
    async fn find_blob(&self, sha256: &str) -> Result<Option<Blob>>;
}

/// Call counters for rate limits, shared by every instance.
#[async_trait]
pub trait RateStore: Send + Sync {
    /// Atomically, for each of `buckets`: adds 1 to counter (`bucket`, `window_start`) (creating
    /// it at 1), then returns the sum of the bucket's counters whose `window_start >= sum_from`,
    /// in the order given. Concurrent calls on the same bucket are serialised by the counter, so
    /// each sees a distinct total. One call counts every bucket of a Graph call at once (on
    /// PostgreSQL, one round trip).
    async fn hit_counters(
        &self,
        buckets: &[&str],
        window_start: i64,
        sum_from: i64,
    ) -> Result<Vec<i64>>;
    /// [`RateStore::hit_counters`] for one bucket.
    async fn hit_counter(&self, bucket: &str, window_start: i64, sum_from: i64) -> Result<i64> {
        let counts = self.hit_counters(&[bucket], window_start, sum_from).await?;
        counts
            .first()
            .copied()
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bucket {bucket} was not counted")))
    }
    /// The sum of the bucket's counters whose `window_start >= sum_from`, without adding.
    async fn read_counter(&self, bucket: &str, sum_from: i64) -> Result<i64>;
}

/// Everything a world file declares, ready to write: validated, references resolved to ids,
/// secrets already hashed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorldPlan {
    /// Apps, upserted by id.
    pub apps: Vec<App>,
    /// Instagram testers; an app of the plan gets exactly this tester set.
    pub testers: Vec<AppTester>,
    /// Facebook app roles; an app of the plan gets exactly this role set.
    pub app_roles: Vec<AppRole>,
    /// Instagram accounts, upserted by id.
    pub ig_users: Vec<IgUser>,
    /// Media (album children included), upserted by id.
    pub media: Vec<IgMedia>,
    /// Facebook users, upserted by id.
    pub fb_users: Vec<FbUser>,
    /// Cities, upserted by id.
    pub cities: Vec<City>,
    /// Pages, upserted by id.
    pub pages: Vec<Page>,
    /// Page roles; a Page of the plan gets exactly this role set.
    pub page_roles: Vec<PageRole>,
    /// Ready-made tokens, inserted unless their hash exists already.
    pub tokens: Vec<TokenRecord>,
    /// File bytes referred to by media and profiles, inserted unless their hash exists.
    pub blobs: Vec<Blob>,
    /// Comments on media (top-level ones before their replies), upserted by id.
    pub comments: Vec<crate::model::comment::Comment>,
    /// Media whose world entry says `comment_enabled`: turned on (`true`) or off.
    pub comment_switches: Vec<(String, bool)>,
    /// The plan's stories that had already expired when it was made: their `story_insights`
    /// update is marked sent (at their expiry) instead of being sent.
    pub expired_stories: Vec<String>,
    /// Webhook subscriptions, upserted by app and object.
    pub subscriptions: Vec<crate::model::webhook::Subscription>,
    /// Accounts' and Pages' enablings of apps, upserted by app and account or Page.
    pub account_subscriptions: Vec<crate::model::webhook::AccountSubscription>,
}

/// Loading worlds.
#[async_trait]
pub trait WorldStore: Send + Sync {
    /// Whether the store holds no app and no account (a fresh database).
    async fn is_empty(&self) -> Result<bool>;
    /// Writes a whole plan in one transaction: all of it or nothing.
    async fn apply_world(&self, plan: &WorldPlan) -> Result<()>;
}

/// An app of the App Dashboard an Instagram account has authorized: it holds at least one live
/// token of the account (unrevoked and unexpired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedApp {
    /// The app.
    pub app_id: String,
    /// The app's name.
    pub app_name: String,
    /// The scopes of the account's live tokens of the app, sorted and deduplicated.
    pub scopes: Vec<String>,
    /// How many live tokens the app holds.
    pub live_tokens: i64,
}

/// What the App Dashboard reads and writes beyond the OAuth flow: app settings, testers and
/// roles, and the apps an account has authorized.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Every app, by name then id.
    async fn list_apps(&self) -> Result<Vec<App>>;
    /// Inserts or replaces an app by id (its testers, roles, codes and tokens are kept).
    async fn save_app(&self, app: &App) -> Result<()>;
    /// Every Instagram account, by username.
    async fn list_ig_users(&self) -> Result<Vec<IgUser>>;
    /// The Instagram testers of an app (any status), by account id.
    async fn list_testers(&self, app_id: &str) -> Result<Vec<AppTester>>;
    /// The tester invitations of an Instagram account (any status), by app id.
    async fn list_invitations(&self, ig_user_id: &str) -> Result<Vec<AppTester>>;
    /// Inserts or updates a tester's status. [`StoreError::NotFound`] when the app or the
    /// account does not exist.
    async fn set_tester(&self, tester: &AppTester) -> Result<()>;
    /// Removes a tester; `false` when there was none.
    async fn remove_tester(&self, app_id: &str, ig_user_id: &str) -> Result<bool>;
    /// The Facebook app roles of an app, by user id.
    async fn list_app_roles(&self, app_id: &str) -> Result<Vec<AppRole>>;
    /// Inserts or updates a Facebook app role. [`StoreError::NotFound`] when the app or the user
    /// does not exist.
    async fn set_app_role(&self, role: &AppRole) -> Result<()>;
    /// Removes a Facebook app role; `false` when there was none.
    async fn remove_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<bool>;
    /// The apps holding a live token of Instagram account `ig_user_id` at `now`, by app name.
    async fn list_authorized_apps(
        &self,
        ig_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<AuthorizedApp>>;
    /// Revokes, at `now`, every unrevoked token app `app_id` holds for Instagram account
    /// `ig_user_id`. Returns how many.
    async fn revoke_app_tokens_of_user(
        &self,
        app_id: &str,
        ig_user_id: &str,
        now: OffsetDateTime,
    ) -> Result<u64>;
}

/// A named snapshot of the store's state ([`StateStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The name it was saved under.
    pub name: String,
    /// When it was saved (the emulator clock's time).
    pub created_at: OffsetDateTime,
    /// What the caller saved with it (JSON text, for example the clock's state).
    pub meta: String,
}

/// Everything the store holds that a world file can declare, read in one transaction (for the
/// export, `GET /_localgram/world`). Revoked and expired tokens are included; the caller filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateDump {
    /// Apps, by id.
    pub apps: Vec<App>,
    /// Instagram testers of every app.
    pub testers: Vec<AppTester>,
    /// Facebook app roles of every app.
    pub app_roles: Vec<AppRole>,
    /// Instagram accounts, by id.
    pub ig_users: Vec<IgUser>,
    /// Every media object (album children included), by owner, then time, then id.
    pub media: Vec<IgMedia>,
    /// Facebook users, by id.
    pub fb_users: Vec<FbUser>,
    /// Cities, by id.
    pub cities: Vec<City>,
    /// Pages, by id.
    pub pages: Vec<Page>,
    /// Page roles of every Page.
    pub page_roles: Vec<PageRole>,
    /// Every token, by issue time.
    pub tokens: Vec<TokenRecord>,
    /// Every comment: by media, top-level comments before replies, then oldest first.
    pub comments: Vec<crate::model::comment::Comment>,
    /// The media whose comments are off, by id.
    pub comments_disabled: Vec<String>,
    /// Every webhook subscription, by app and object.
    pub subscriptions: Vec<crate::model::webhook::Subscription>,
    /// Every account's and Page's enabling of an app, by account or Page, then app.
    pub account_subscriptions: Vec<crate::model::webhook::AccountSubscription>,
}

/// Resetting, snapshotting and dumping the whole state (docs/state.md). The state is every
/// table but `server_secrets` (the instance's keys), `blobs` (content-addressed file bytes,
/// served only through the rows that name them) and the snapshots themselves.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// In one write job: deletes every row of the state (rate counters and CSRF tokens too),
    /// then writes `plan` when given. A dropped caller leaves the old state or the new one.
    async fn reset(&self, plan: Option<&WorldPlan>) -> Result<()>;
    /// In one write job: saves a copy of the state under `name` (replacing a snapshot of that
    /// name), with `meta`.
    async fn save_snapshot(&self, name: &str, at: OffsetDateTime, meta: &str) -> Result<()>;
    /// In one write job: replaces the state with snapshot `name`'s copy (rate counters and
    /// CSRF tokens are cleared). `None`, and nothing written, when there is no such snapshot.
    async fn restore_snapshot(&self, name: &str) -> Result<Option<SnapshotInfo>>;
    /// Every snapshot, by name.
    async fn list_snapshots(&self) -> Result<Vec<SnapshotInfo>>;
    /// Deletes a snapshot; `false` when there was none.
    async fn delete_snapshot(&self, name: &str) -> Result<bool>;
    /// Everything a world file can declare, read in one transaction.
    async fn dump_state(&self) -> Result<StateDump>;
}

/// Media containers of content publishing (see [`crate::publishing`]).
#[async_trait]
pub trait PublishStore: Send + Sync {
    /// In one transaction, unless the owner created `limit` containers since `window_from`
    /// already (then `false` and nothing is written): stores `blobs` (kept when stored already)
    /// and inserts the container.
    async fn insert_container(
        &self,
        container: &crate::model::container::Container,
        blobs: &[Blob],
        limit: i64,
        window_from: OffsetDateTime,
    ) -> Result<bool>;
    /// The container with this id.
    async fn find_container(&self, id: &str) -> Result<Option<crate::model::container::Container>>;
    /// In one transaction, serialized per account: unless container `container_id` was
    /// published already ([`crate::model::container::PublishOutcome::AlreadyPublished`]) or its owner
    /// published `quota` posts since `window_from` ([`crate::model::container::PublishOutcome::QuotaReached`],
    /// nothing written), inserts `media` (the post first, then album children) and marks the
    /// container and its children published at `now` as the first media.
    /// When it publishes, the deliveries `events` cause are enqueued in the same transaction.
    async fn publish_container(
        &self,
        container_id: &str,
        media: &[IgMedia],
        now: OffsetDateTime,
        quota: i64,
        window_from: OffsetDateTime,
        events: &[crate::model::webhook::WebhookEvent],
    ) -> Result<crate::model::container::PublishOutcome>;
    /// Posts the account published through the API since `since` (a carousel counts once).
    async fn count_published(&self, owner_id: &str, since: OffsetDateTime) -> Result<i64>;
}

/// Comments on media (see [`crate::comments`]).
#[async_trait]
pub trait CommentStore: Send + Sync {
    /// Inserts a comment.
    async fn insert_comment(&self, comment: &crate::model::comment::Comment) -> Result<()>;
    /// The comment with this id.
    async fn find_comment(&self, id: &str) -> Result<Option<crate::model::comment::Comment>>;
    /// A page of a media's top-level comments or of a comment's replies, newest first (time,
    /// then id, both descending).
    async fn list_comments(
        &self,
        query: &crate::model::comment::CommentQuery,
    ) -> Result<Vec<crate::model::comment::Comment>>;
    /// The number of comments on a media, replies included.
    async fn count_comments(&self, media_id: &str) -> Result<i64>;
    /// Sets a comment's `hidden`; `false` when there is no such comment.
    async fn set_comment_hidden(&self, id: &str, hidden: bool) -> Result<bool>;
    /// In one transaction: deletes a comment and its replies; `false` when there was none.
    async fn delete_comment(&self, id: &str) -> Result<bool>;
    /// Whether a media accepts comments (`true` unless turned off).
    async fn comments_enabled(&self, media_id: &str) -> Result<bool>;
    /// Turns a media's comments on or off.
    async fn set_comments_enabled(&self, media_id: &str, enabled: bool) -> Result<()>;
}

/// Webhooks: subscriptions, enabled accounts and the delivery queue (see [`crate::webhooks`]).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Inserts or replaces an app's subscription to an object.
    async fn put_subscription(&self, sub: &crate::model::webhook::Subscription) -> Result<()>;
    /// An app's subscriptions, by object.
    async fn list_subscriptions(
        &self,
        app_id: &str,
    ) -> Result<Vec<crate::model::webhook::Subscription>>;
    /// In one transaction: deletes an app's subscription to `object` (every one when `None`) and
    /// marks their pending deliveries dropped. Returns how many subscriptions were deleted.
    async fn delete_subscriptions(&self, app_id: &str, object: Option<&str>) -> Result<u64>;
    /// Inserts or replaces an account's (or a Page's) enabling of an app.
    async fn put_account_subscription(
        &self,
        sub: &crate::model::webhook::AccountSubscription,
    ) -> Result<()>;
    /// The apps an account or a Page enabled, by app id.
    async fn list_account_subscriptions(
        &self,
        object_id: &str,
    ) -> Result<Vec<crate::model::webhook::AccountSubscription>>;
    /// Removes an account's (or a Page's) enabling of an app; `false` when there was none.
    async fn delete_account_subscription(&self, app_id: &str, object_id: &str) -> Result<bool>;
    /// In one transaction: inserts a comment and enqueues the deliveries `events` cause.
    async fn insert_comment_notifying(
        &self,
        comment: &crate::model::comment::Comment,
        events: &[crate::model::webhook::WebhookEvent],
    ) -> Result<()>;
    /// The stories published at or before `published_by` whose `story_insights` update is not
    /// marked sent, oldest first, at most `limit` (a read).
    async fn expired_stories(
        &self,
        published_by: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<crate::model::webhook::ExpiredStory>>;
    /// In one transaction: marks story `media_id`'s `story_insights` update sent at `at` and
    /// enqueues the deliveries `events` cause; `false` (nothing written) when it was marked
    /// already.
    async fn mark_story_expired_notifying(
        &self,
        media_id: &str,
        at: OffsetDateTime,
        events: &[crate::model::webhook::WebhookEvent],
    ) -> Result<bool>;
    /// Enqueues one test delivery to the app's subscription to `object`; its id, `None` (and
    /// nothing written) when the app has no such subscription.
    async fn enqueue_test_delivery(
        &self,
        app_id: &str,
        object: &str,
        field: &str,
        payload: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<Option<i64>>;
    /// When the earliest delivery at the head of its queue is due, if any (a read: the
    /// worker's cheap check; deliveries waiting behind another are not counted).
    async fn next_delivery_due(&self) -> Result<Option<OffsetDateTime>>;
    /// In one transaction: claims at most `limit` deliveries due at `now`, each the oldest
    /// pending delivery of its subscription and not leased by anyone at `lease_now_ms`, for
    /// `owner` until `lease_until_ms` (system time), counting an attempt on each. Two claims
    /// never get the same delivery while its lease runs, and a subscription never has two
    /// deliveries claimed at once.
    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        owner: &str,
        lease_now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> Result<Vec<crate::model::webhook::ClaimedDelivery>>;
    /// Records the outcome of an attempt of delivery `id` claimed by `owner` and ends the lease;
    /// `false` (nothing written) when `owner` no longer holds it.
    async fn record_delivery(
        &self,
        id: i64,
        owner: &str,
        record: &crate::model::webhook::AttemptRecord,
    ) -> Result<bool>;
    /// Ends every lease `owner` holds, undoing the attempt it counted (at a graceful stop).
    async fn release_deliveries(&self, owner: &str) -> Result<u64>;
    /// The newest deliveries (of one app when given), newest first, at most `limit`.
    async fn list_deliveries(
        &self,
        app_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<crate::model::webhook::Delivery>>;
}

/// Every store capability, as one trait object.
#[async_trait]
pub trait Store:
    AppStore
    + WebhookStore
    + PublishStore
    + CommentStore
    + AccountStore
    + GrantStore
    + TokenStore
    + SessionStore
    + WorldStore
    + MediaStore
    + BlobStore
    + RateStore
    + PageStore
    + DashboardStore
    + StateStore
{
    /// Checks that the database answers.
    async fn ping(&self) -> Result<()>;
    /// Writes out what the store keeps in memory (SQLite's rate counters), for a graceful
    /// shutdown; the store stays usable.
    async fn flush(&self) -> Result<()> {
        Ok(())
    }
    /// The backend's name (`sqlite` or `postgres`), for logs and health.
    fn backend(&self) -> &'static str;
    /// The database's write generation, read now: larger than every value returned before the
    /// latest commit to the database (by any connection, in this process or another one
    /// sharing the database). Reads memoized under a generation read *before* them stay exact
    /// while the generation stays the same. `None` when the backend cannot tell cheaply; then
    /// nothing is memoized beyond the short TTL of [`crate::cache`].
    fn data_version(&self) -> Option<u64> {
        None
    }
    /// The generation [`Store::data_version`] returned last, without reading the database.
    fn last_data_version(&self) -> Option<u64> {
        None
    }
}
