//! The store conformance suite: every story runs against SQLite (a fresh temporary file) and
//! PostgreSQL (a fresh database per test, when `LOCALGRAM_TEST_PG_URL` names a server whose user
//! may create databases; otherwise the Postgres half prints a skip line and passes).
//!
//! ```text
//! LOCALGRAM_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo nextest run -p localgram-testkit --test store_conformance
//! ```

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use localgram_core::clock::{from_millis, to_millis};
use localgram_core::model::{
    App, AppMode, AppRole, AppTester, AuthCode, Blob, City, FbUser, IgMedia, IgUser,
    MediaProductType, MediaType, Page, PageRole, PkceMethod, Product, RateLimits, Subject,
    TesterStatus, TokenKind, TokenRecord, TokenResponseShape,
};
use localgram_core::model::{FbGrant, TestUserLink, TestUserRemoval};
use localgram_core::store::{
    MediaKey, MediaOrder, MediaQuery, Redemption, Store, StoreError, UserPage, WorldPlan,
};
use localgram_store::PgStore;
use localgram_store::{SqliteOptions, SqliteStore};
use sqlx::Connection;

const PG_URL_VAR: &str = "LOCALGRAM_TEST_PG_URL";
const SKIPPED: &str = "skipped: LOCALGRAM_TEST_PG_URL not set";

/// Every table of the schema (sqlx's `_sqlx_migrations` aside).
const TABLES: [&str; 28] = [
    "app_roles",
    "app_testers",
    "apps",
    "auth_codes",
    "blobs",
    "cities",
    "csrf_tokens",
    "dashboard_reveals",
    "fault_rules",
    "fb_grants",
    "fb_test_users",
    "fb_users",
    "ig_comments",
    "ig_comments_disabled",
    "ig_containers",
    "ig_media",
    "ig_users",
    "journal_calls",
    "page_roles",
    "pages",
    "rate_counters",
    "server_secrets",
    "shared_clock",
    "snapshots",
    "tokens",
    "webhook_deliveries",
    "webhook_subscribed_apps",
    "webhook_subscriptions",
];

/// The stories' reference instant (2026-04-24), in epoch milliseconds.
const T0: i64 = 1_777_000_000_000;
const MINUTE: i64 = 60_000;

// ------------------------------------------------------------------------------------------------
// Harness
// ------------------------------------------------------------------------------------------------

/// A name no other test (in this or a concurrent process) uses: pid, a counter, and a draw from
/// std's randomly keyed hasher.
fn unique_suffix() -> String {
    use std::hash::{BuildHasher, RandomState};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let salt = RandomState::new().hash_one(seq);
    format!("{}_{seq}_{salt:016x}", std::process::id())
}

/// Raw access to the database behind the store under test.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// What to remove when a test ends.
enum Cleanup {
    SqliteFile(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Self::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::PgDatabase { admin_url, name } => {
                // Drop may run inside the test's runtime (or while panicking): do the async work
                // on a thread of its own.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime for cleanup");
                    runtime.block_on(async {
                        let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin)
                            .await?;
                        admin.close().await
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("could not drop test database {}: {dropped:?}", self.name());
                }
            }
        }
    }
}

impl Cleanup {
    fn name(&self) -> String {
        match self {
            Self::SqliteFile(path) => path.display().to_string(),
            Self::PgDatabase { name, .. } => name.clone(),
        }
    }
}

/// A store under test, on a database of its own.
struct Ctx {
    store: Arc<dyn Store>,
    raw: Raw,
    expected_backend: &'static str,
    cleanup: Cleanup,
}

impl Ctx {
    fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// Runs a raw `SELECT COUNT(*) …` (portable SQL, no parameters).
    async fn count(&self, sql: &str) -> i64 {
        let counted = match &self.raw {
            Raw::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
            Raw::Postgres(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        };
        counted.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs a raw statement (portable SQL, no parameters).
    async fn exec(&self, sql: &str) {
        let done = match &self.raw {
            Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
            Raw::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        };
        done.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The row count of every table, read in one statement (so at one moment: a write that
    /// commits meanwhile is seen whole or not at all). The tables a reset or a restore locks come
    /// first, in the order it locks them: PostgreSQL takes a statement's locks in the order its
    /// tables appear, and a reader taking them in another order while a restore runs (as
    /// `story_snapshot_restore_is_whole` does) could hold one the restore waits for while
    /// waiting for one it holds, a deadlock PostgreSQL breaks by failing the read.
    async fn table_counts(&self) -> BTreeMap<&'static str, i64> {
        let restore_order = localgram_store::STATE_TABLES
            .iter()
            .chain(localgram_store::CLEARED_TABLES);
        let sql = restore_order
            .clone()
            .chain(
                TABLES
                    .iter()
                    .filter(|t| !restore_order.clone().any(|r| r == *t)),
            )
            .map(|table| format!("SELECT '{table}', COUNT(*) FROM {table}"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows = match &self.raw {
            Raw::Sqlite(pool) => {
                sqlx::query_as::<_, (String, i64)>(&sql)
                    .fetch_all(pool)
                    .await
            }
            Raw::Postgres(pool) => {
                sqlx::query_as::<_, (String, i64)>(&sql)
                    .fetch_all(pool)
                    .await
            }
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let counts: BTreeMap<&'static str, i64> = rows
            .into_iter()
            .map(|(name, n)| {
                let table = TABLES
                    .iter()
                    .find(|t| **t == name)
                    .expect("a table of TABLES");
                (*table, n)
            })
            .collect();
        assert_eq!(counts.len(), TABLES.len());
        counts
    }
}

async fn open_sqlite() -> Ctx {
    let path = std::env::temp_dir().join(format!("localgram_conformance_{}.db", unique_suffix()));
    let cleanup = Cleanup::SqliteFile(path.clone());
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url, SqliteOptions::default())
        .await
        .unwrap_or_else(|e| panic!("opening {url}: {e:?}"));
    let raw = Raw::Sqlite(store.pool().clone());
    Ctx {
        store: Arc::new(store),
        raw,
        expected_backend: "sqlite",
        cleanup,
    }
}

/// The admin URL from `LOCALGRAM_TEST_PG_URL`; `None` (after printing the skip line) when unset.
fn pg_admin_url() -> Option<String> {
    match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            println!("{SKIPPED}");
            None
        }
    }
}

/// Creates a fresh database; returns its URL and the guard that drops it.
async fn create_pg_database(admin_url: &str) -> (String, Cleanup) {
    let name = format!("lg_test_{}", unique_suffix());
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {PG_URL_VAR}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    admin.close().await.expect("closing the admin connection");
    let cleanup = Cleanup::PgDatabase {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    let mut url = url::Url::parse(admin_url).expect("LOCALGRAM_TEST_PG_URL is a URL");
    url.set_path(&format!("/{name}"));
    (url.to_string(), cleanup)
}

async fn open_postgres() -> Option<Ctx> {
    let admin_url = pg_admin_url()?;
    let (url, cleanup) = create_pg_database(&admin_url).await;
    let store = PgStore::connect(&url, true)
        .await
        .unwrap_or_else(|e| panic!("opening {url}: {e:?}"));
    let raw = Raw::Postgres(store.pool().clone());
    Some(Ctx {
        store: Arc::new(store),
        raw,
        expected_backend: "postgres",
        cleanup,
    })
}

/// Runs each story on both backends: `sqlite::story_x` and `postgres::story_x`.
macro_rules! conformance {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $story() {
                    let ctx = super::open_sqlite().await;
                    super::$story(&ctx).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $story() {
                    let Some(ctx) = super::open_postgres().await else { return };
                    super::$story(&ctx).await;
                }
            )*
        }
    };
}

conformance!(
    story_ping_and_backend,
    story_data_version,
    story_world_lookups,
    story_world_reapply_is_idempotent,
    story_world_conflict_writes_nothing,
    story_codes,
    story_concurrent_redeem,
    story_revoke_tokens_of_code,
    story_insert_and_find_token,
    story_derive_token,
    story_concurrent_derive,
    story_csrf,
    story_reveals,
    story_secrets,
    story_world_blobs,
    story_blobs,
    story_rate_limits_round_trip,
    story_find_media_and_children,
    story_upsert_media,
    story_keyset_paging,
    story_media_bounds,
    story_rate_counter,
    story_concurrent_rate_counter,
    story_fb_grants,
    story_user_pages_and_cities,
    story_create_page,
    story_dashboard_apps,
    story_dashboard_testers_and_roles,
    story_dashboard_authorized_apps,
    story_test_users,
    story_dropped_writes,
    story_revoke_one_token,
    story_shared_clock_and_journal,
    story_shared_fault_rules,
    story_state_reset,
    story_snapshots,
    story_snapshot_restore_is_whole,
    story_dump_state,
    story_publishing_containers,
    story_concurrent_publish,
    story_comments,
    story_webhooks,
    story_expired_stories,
);

// ------------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------------

const APP_A: &str = "1001";
const APP_B: &str = "1002";
const JANE: &str = "17841400000000001";
const JOE: &str = "17841400000000002";
const ANA: &str = "17841400000000003";
const DEV: &str = "100001";
const NOMAIL_1: &str = "100002";
const NOMAIL_2: &str = "100003";
const PAGE: &str = "200001";

fn app(id: &str, name: &str) -> App {
    App {
        id: id.into(),
        name: name.into(),
        secret_hash: format!("sha256-of-the-secret-of-{id}"),
        secret_sealed: Some(format!("v1.sealed-secret-of-{id}")),
        mode: AppMode::Development,
        products: vec![Product::InstagramLogin, Product::FacebookLogin],
        redirect_uris: vec![
            "https://app.example/cb".into(),
            "https://app.example/cb2".into(),
        ],
        require_appsecret_proof: false,
        token_response_shape: TokenResponseShape::Flat,
        test_user_limit: 500,
        rate_limits: RateLimits::default(),
        deauthorize_callback_url: None,
        data_deletion_url: None,
        page_creation_allowed: false,
        contact_email: None,
        site_url: None,
        instagram_app: None,
    }
}

fn ig_user(id: &str, username: &str) -> IgUser {
    IgUser {
        id: id.into(),
        username: username.into(),
        password_hash: format!("$argon2id$v=19$hash-of-{username}"),
        account_type: "BUSINESS".into(),
        name: format!("{username} doe"),
        biography: "Hello".into(),
        website: "https://example.com".into(),
        is_private: false,
        followers_count: 120,
        follows_count: 80,
        profile_picture: Some(format!("media/{username}.jpg")),
        profile_blob: None,
    }
}

fn fb_user(id: &str, email: Option<&str>) -> FbUser {
    FbUser {
        id: id.into(),
        name: format!("User {id}"),
        email: email.map(Into::into),
        password_hash: email.map(|_| "$argon2id$v=19$hash".into()),
        test_user: email.is_none(),
        checkpointed: false,
        blocked: false,
    }
}

fn media(id: &str, owner: &str, parent: Option<&str>, position: i64) -> IgMedia {
    IgMedia {
        id: id.into(),
        owner_id: owner.into(),
        parent_id: parent.map(Into::into),
        position,
        media_type: MediaType::Image,
        caption: parent.is_none().then(|| format!("caption of {id}")),
        timestamp: from_millis(T0 - 1000 * MINUTE + position),
        file: Some(format!("media/{id}.jpg")),
        thumbnail_file: None,
        shortcode: format!("SC{id}"),
        copyright_flagged: false,
        media_product_type: MediaProductType::Feed,
        is_shared_to_feed: None,
        media_blob: None,
        thumbnail_blob: None,
    }
}

/// The files of [`world`]: a photo (used by two media), a video, its thumbnail, an avatar.
fn world_blobs() -> [Blob; 4] {
    [
        Blob::new(
            "image/jpeg",
            b"\xff\xd8\xff\xe0 a photo \x00\x01\xfe\xff".to_vec(),
        ),
        Blob::new("video/mp4", b"\x00\x00\x00\x18ftypmp42 a video".to_vec()),
        Blob::new("image/jpeg", b"\xff\xd8\xff\xe0 a thumbnail".to_vec()),
        Blob::new("image/png", b"\x89PNG\r\n\x1a\n an avatar".to_vec()),
    ]
}

fn world() -> WorldPlan {
    let [photo, video, thumbnail, avatar] = world_blobs();
    let mut live = app(APP_B, "Beta");
    live.mode = AppMode::Live;
    live.products = vec![Product::InstagramBasicDisplay];
    live.token_response_shape = TokenResponseShape::Wrapped;
    live.require_appsecret_proof = true;
    live.page_creation_allowed = true;
    live.rate_limits = RateLimits {
        app_calls_per_hour: Some(200),
        user_calls_per_hour: None,
        business_calls_per_day: Some(4800),
    };

    let mut album = media("m2", JANE, None, 0);
    album.media_type = MediaType::CarouselAlbum;
    let mut reel = media("m5", JOE, None, 0);
    reel.media_type = MediaType::Video;
    reel.media_product_type = MediaProductType::Reels;
    reel.is_shared_to_feed = Some(true);
    reel.thumbnail_file = Some("media/m5.jpg".into());
    reel.copyright_flagged = true;
    reel.media_blob = Some(video.sha256.clone());
    reel.thumbnail_blob = Some(thumbnail.sha256.clone());
    // Two media share one file.
    let mut m1 = media("m1", JANE, None, 0);
    m1.media_blob = Some(photo.sha256.clone());
    let mut m3 = media("m3", JANE, Some("m2"), 0);
    m3.media_blob = Some(photo.sha256.clone());

    let mut jane = ig_user(JANE, "jane");
    jane.profile_blob = Some(avatar.sha256.clone());
    let mut private = ig_user(ANA, "ana");
    private.is_private = true;
    private.profile_picture = None;

    let mut app_token = token("world-app-token", APP_A, TokenKind::App, Subject::App);
    app_token.expires_at = None;
    let mut page_token = token(
        "world-page-token",
        APP_A,
        TokenKind::Page,
        Subject::Facebook(DEV.into()),
    );
    page_token.page_id = Some(PAGE.into());

    WorldPlan {
        apps: vec![app(APP_A, "Alpha"), live],
        testers: vec![
            AppTester {
                app_id: APP_A.into(),
                ig_user_id: JANE.into(),
                status: TesterStatus::Accepted,
            },
            AppTester {
                app_id: APP_A.into(),
                ig_user_id: JOE.into(),
                status: TesterStatus::Invited,
            },
            AppTester {
                app_id: APP_B.into(),
                ig_user_id: ANA.into(),
                status: TesterStatus::Accepted,
            },
        ],
        app_roles: vec![
            AppRole {
                app_id: APP_A.into(),
                fb_user_id: DEV.into(),
                role: "admin".into(),
            },
            AppRole {
                app_id: APP_B.into(),
                fb_user_id: DEV.into(),
                role: "developer".into(),
            },
        ],
        ig_users: vec![jane, ig_user(JOE, "joe"), private],
        // Album children come before their album: the store must order the writes itself.
        media: vec![m3, media("m4", JANE, Some("m2"), 1), m1, album, reel],
        fb_users: vec![
            fb_user(DEV, Some("dev@example.com")),
            fb_user(NOMAIL_1, None),
            fb_user(NOMAIL_2, None),
        ],
        cities: vec![City {
            id: "2421836".into(),
            name: "Lisbon".into(),
            state: String::new(),
            country: "Portugal".into(),
            latitude: 38.7223,
            longitude: -9.1393,
            radius_km: 12.5,
        }],
        pages: vec![Page {
            id: PAGE.into(),
            name: "Jane's Bakery".into(),
            category_enum: "BAKERY".into(),
            about: "Bread".into(),
            description: "Fresh bread daily".into(),
            phone: "+351 000 000".into(),
            website: "https://bakery.example".into(),
            is_place: true,
            is_promotable: false,
            business_id: String::new(),
            instagram_business_account: Some(JANE.into()),
            extra: serde_json::json!({"location": {"city_id": "2421836", "street": "Rua 1"}}),
        }],
        page_roles: vec![PageRole {
            page_id: PAGE.into(),
            fb_user_id: DEV.into(),
            tasks: vec!["MANAGE".into(), "CREATE_CONTENT".into()],
        }],
        tokens: vec![app_token, page_token],
        // The photo twice: a plan may repeat a file (the store keeps one row).
        blobs: vec![photo.clone(), video, thumbnail, avatar, photo],
        comments: Vec::new(),
        comment_switches: Vec::new(),
        expired_stories: Vec::new(),
        subscriptions: Vec::new(),
        account_subscriptions: Vec::new(),
    }
}

fn code(id: &str, subject: Subject, expires_at_ms: i64) -> AuthCode {
    AuthCode {
        id: id.into(),
        code_hash: format!("code-hash-{id}"),
        app_id: APP_A.into(),
        subject,
        redirect_uri: "https://app.example/cb?x=1".into(),
        scopes: vec![
            "instagram_business_basic".into(),
            "instagram_business_manage_comments".into(),
        ],
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some(PkceMethod::S256),
        issued_at: from_millis(T0),
        expires_at: from_millis(expires_at_ms),
        consumed_at: None,
    }
}

fn token(id: &str, app_id: &str, kind: TokenKind, subject: Subject) -> TokenRecord {
    TokenRecord {
        id: id.into(),
        token_hash: format!("token-hash-{id}"),
        app_id: app_id.into(),
        kind,
        subject,
        page_id: None,
        scopes: vec!["instagram_business_basic".into()],
        issued_at: from_millis(T0),
        expires_at: Some(from_millis(T0 + 60 * MINUTE)),
        revoked_at: None,
        code_id: None,
        parent_id: None,
        derived_at: None,
    }
}

fn ig_token(id: &str) -> TokenRecord {
    token(
        id,
        APP_A,
        TokenKind::InstagramShortLived,
        Subject::Instagram(JANE.into()),
    )
}

fn token_from_code(id: &str, code_id: &str) -> TokenRecord {
    TokenRecord {
        code_id: Some(code_id.into()),
        ..ig_token(id)
    }
}

async fn seed(store: &dyn Store) {
    store
        .apply_world(&world())
        .await
        .expect("applying the world");
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, needles: &[&str]) {
    match result {
        Err(StoreError::Conflict { what }) => {
            for needle in needles {
                assert!(
                    what.contains(needle),
                    "conflict {what:?} does not mention {needle:?}"
                );
            }
        }
        other => panic!("expected a conflict mentioning {needles:?}, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------------------------
// Stories
// ------------------------------------------------------------------------------------------------

async fn story_ping_and_backend(ctx: &Ctx) {
    let store = ctx.store();
    store.ping().await.expect("ping");
    assert_eq!(store.backend(), ctx.expected_backend);
    assert!(store.is_empty().await.unwrap(), "a fresh store is empty");
    for (table, rows) in ctx.table_counts().await {
        assert_eq!(rows, 0, "{table} is empty in a fresh store");
    }
}

/// SQLite's write generation moves after every commit, whoever makes it (this store, or
/// another connection on the file, as another process would), and only then; PostgreSQL has
/// none, so nothing is memoized on it beyond the short TTL.
async fn story_data_version(ctx: &Ctx) {
    let store = ctx.store();
    let Raw::Sqlite(raw) = &ctx.raw else {
        assert_eq!(store.data_version(), None);
        assert_eq!(store.last_data_version(), None);
        return;
    };
    // Each read connection notices a commit once, on its next call; after a few calls every
    // one has, and the generation holds still until the next commit.
    let settled = || {
        let mut v = store
            .data_version()
            .expect("a file database has a generation");
        for _ in 0..16 {
            let next = store.data_version().unwrap();
            assert!(next >= v, "never goes back");
            v = next;
        }
        for _ in 0..16 {
            assert_eq!(store.data_version(), Some(v), "no commit, no move");
        }
        assert_eq!(store.last_data_version(), Some(v));
        v
    };
    seed(store).await;
    let v0 = settled();
    // A commit through the store.
    store.insert_token(&ig_token("t-dv-1")).await.unwrap();
    let first = store.data_version().unwrap();
    assert!(
        first > v0,
        "{first} > {v0} at once after the store's own commit"
    );
    let v1 = settled();
    // A commit by another connection on the same file.
    sqlx::query("UPDATE tokens SET revoked_at = 1 WHERE id = 't-dv-1'")
        .execute(raw)
        .await
        .unwrap();
    let first = store.data_version().unwrap();
    assert!(
        first > v1,
        "{first} > {v1} at once after another connection's commit"
    );
    let v2 = settled();
    // Reads do not move it.
    let found = store
        .find_token(&ig_token("t-dv-1").token_hash)
        .await
        .unwrap()
        .unwrap();
    assert!(found.revoked_at.is_some());
    assert_eq!(store.data_version(), Some(v2));
}

async fn story_world_lookups(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    assert!(store.is_empty().await.unwrap());
    store.apply_world(&plan).await.expect("applying the world");
    assert!(!store.is_empty().await.unwrap());

    // Apps, whole records.
    for app in &plan.apps {
        assert_eq!(store.find_app(&app.id).await.unwrap().as_ref(), Some(app));
    }
    assert_eq!(store.find_app("999").await.unwrap(), None);

    // Testers and roles.
    assert_eq!(
        store.find_tester_status(APP_A, JANE).await.unwrap(),
        Some(TesterStatus::Accepted)
    );
    assert_eq!(
        store.find_tester_status(APP_A, JOE).await.unwrap(),
        Some(TesterStatus::Invited)
    );
    assert_eq!(store.find_tester_status(APP_A, ANA).await.unwrap(), None);
    assert_eq!(
        store.find_tester_status(APP_B, ANA).await.unwrap(),
        Some(TesterStatus::Accepted)
    );
    assert_eq!(
        store.find_app_role(APP_A, DEV).await.unwrap(),
        Some(AppRole {
            app_id: APP_A.into(),
            fb_user_id: DEV.into(),
            role: "admin".into()
        })
    );
    assert_eq!(
        store.find_app_role(APP_B, DEV).await.unwrap().unwrap().role,
        "developer"
    );
    assert_eq!(store.find_app_role(APP_A, NOMAIL_1).await.unwrap(), None);

    // Instagram accounts.
    for user in &plan.ig_users {
        assert_eq!(
            store.find_ig_user(&user.id).await.unwrap().as_ref(),
            Some(user)
        );
        assert_eq!(
            store
                .find_ig_user_by_username(&user.username)
                .await
                .unwrap()
                .as_ref(),
            Some(user)
        );
    }
    assert_eq!(store.find_ig_user("0").await.unwrap(), None);
    assert_eq!(
        store.find_ig_user_by_username("nobody").await.unwrap(),
        None
    );

    // Media: album children are not counted.
    assert_eq!(ctx.count("SELECT COUNT(*) FROM ig_media").await, 5);
    assert_eq!(
        store.count_media(JANE).await.unwrap(),
        2,
        "m1 and the album m2, not m3/m4"
    );
    assert_eq!(store.count_media(JOE).await.unwrap(), 1);
    assert_eq!(store.count_media(ANA).await.unwrap(), 0);
    assert_eq!(store.count_media("unknown").await.unwrap(), 0);

    // Facebook users; two users without an email coexist.
    for user in &plan.fb_users {
        assert_eq!(
            store.find_fb_user(&user.id).await.unwrap().as_ref(),
            Some(user)
        );
    }
    assert_eq!(
        store
            .find_fb_user_by_email("dev@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(DEV.to_owned())
    );
    assert_eq!(
        store
            .find_fb_user_by_email("nobody@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.find_fb_user_by_email("").await.unwrap(), None);
    assert_eq!(store.find_fb_user("0").await.unwrap(), None);

    // Ready-made tokens.
    for token in &plan.tokens {
        assert_eq!(
            store.find_token(&token.token_hash).await.unwrap().as_ref(),
            Some(token)
        );
    }

    // Cities, Pages and Page roles have no finder yet: check the rows.
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM cities WHERE name = 'Lisbon'")
            .await,
        1
    );
    assert_eq!(
        ctx.count(&format!(
            "SELECT COUNT(*) FROM pages WHERE id = '{PAGE}' AND instagram_business_account = '{JANE}'"
        ))
        .await,
        1
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM page_roles").await, 1);
}

async fn story_world_reapply_is_idempotent(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    store.apply_world(&plan).await.expect("first apply");
    let first = ctx.table_counts().await;
    store.apply_world(&plan).await.expect("second apply");
    assert_eq!(
        ctx.table_counts().await,
        first,
        "re-applying the same world changes nothing"
    );
    assert_eq!(
        store.find_app(APP_A).await.unwrap().as_ref(),
        Some(&plan.apps[0])
    );

    // A changed world: fields update, the testers and roles of the apps and Pages in the plan are
    // replaced, apps not in the plan keep theirs.
    let mut changed = world();
    changed.apps.retain(|a| a.id == APP_A);
    changed.apps[0].name = "Alpha 2".into();
    changed.apps[0].mode = AppMode::Live;
    changed.apps[0].redirect_uris = vec!["https://new.example/cb".into()];
    changed.testers = vec![AppTester {
        app_id: APP_A.into(),
        ig_user_id: JOE.into(),
        status: TesterStatus::Accepted,
    }];
    changed.app_roles = vec![AppRole {
        app_id: APP_A.into(),
        fb_user_id: NOMAIL_1.into(),
        role: "tester".into(),
    }];
    changed.ig_users[0].username = "jane_renamed".into();
    changed.ig_users[0].followers_count = 121;
    changed.media[0].caption = Some("now with a caption".into());
    changed.page_roles = vec![PageRole {
        page_id: PAGE.into(),
        fb_user_id: NOMAIL_2.into(),
        tasks: vec!["ANALYZE".into()],
    }];
    changed.fb_users[0].email = Some("dev2@example.com".into());
    store
        .apply_world(&changed)
        .await
        .expect("applying the changed world");

    assert_eq!(
        store.find_app(APP_A).await.unwrap().as_ref(),
        Some(&changed.apps[0])
    );
    assert_eq!(
        store.find_app(APP_B).await.unwrap().unwrap().name,
        "Beta",
        "not in the plan"
    );
    assert_eq!(
        store.find_tester_status(APP_A, JANE).await.unwrap(),
        None,
        "removed"
    );
    assert_eq!(
        store.find_tester_status(APP_A, JOE).await.unwrap(),
        Some(TesterStatus::Accepted)
    );
    assert_eq!(
        store.find_tester_status(APP_B, ANA).await.unwrap(),
        Some(TesterStatus::Accepted)
    );
    assert_eq!(
        store.find_app_role(APP_A, DEV).await.unwrap(),
        None,
        "replaced"
    );
    assert_eq!(
        store
            .find_app_role(APP_A, NOMAIL_1)
            .await
            .unwrap()
            .unwrap()
            .role,
        "tester"
    );
    assert_eq!(
        store.find_app_role(APP_B, DEV).await.unwrap().unwrap().role,
        "developer"
    );
    assert_eq!(store.find_ig_user_by_username("jane").await.unwrap(), None);
    assert_eq!(
        store
            .find_ig_user_by_username("jane_renamed")
            .await
            .unwrap()
            .as_ref(),
        Some(&changed.ig_users[0])
    );
    assert_eq!(
        store
            .find_fb_user_by_email("dev@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_fb_user_by_email("dev2@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(DEV.to_owned())
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM ig_media WHERE caption = 'now with a caption'")
            .await,
        1
    );
    assert_eq!(
        ctx.count(&format!(
            "SELECT COUNT(*) FROM page_roles WHERE fb_user_id = '{NOMAIL_2}'"
        ))
        .await,
        1
    );

    let mut expected = first.clone();
    expected.insert("app_testers", 2); // APP_A: joe; APP_B: ana
    expected.insert("app_roles", 2); // APP_A: NOMAIL_1; APP_B: DEV
    expected.insert("page_roles", 1);
    assert_eq!(
        ctx.table_counts().await,
        expected,
        "no duplicates after the update"
    );
    store
        .apply_world(&changed)
        .await
        .expect("re-applying the changed world");
    assert_eq!(ctx.table_counts().await, expected);
}

async fn story_world_conflict_writes_nothing(ctx: &Ctx) {
    let store = ctx.store();

    // On an empty store: the plan is valid up to a username taken by another id.
    let mut plan = world();
    plan.ig_users.push(ig_user("17841400000000099", "jane"));
    assert_conflict(
        store.apply_world(&plan).await,
        &[
            "instagram user 17841400000000099",
            "username \"jane\" is already taken",
        ],
    );
    assert!(store.is_empty().await.unwrap());
    for (table, rows) in ctx.table_counts().await {
        assert_eq!(rows, 0, "{table}: a failed world writes nothing");
    }

    // On a loaded store: a changed app and a taken email in the same plan change nothing.
    seed(store).await;
    let before = ctx.table_counts().await;
    let mut plan = world();
    plan.apps[0].name = "Alpha 2".into();
    plan.fb_users
        .push(fb_user("100099", Some("dev@example.com")));
    assert_conflict(
        store.apply_world(&plan).await,
        &["facebook user 100099", "email \"dev@example.com\""],
    );
    assert_eq!(store.find_app(APP_A).await.unwrap().unwrap().name, "Alpha");
    assert_eq!(store.find_fb_user("100099").await.unwrap(), None);
    assert_eq!(ctx.table_counts().await, before);

    // A taken username by an existing account, not by another account of the plan.
    let plan = WorldPlan {
        ig_users: vec![ig_user("17841400000000098", "joe")],
        ..Default::default()
    };
    assert_conflict(store.apply_world(&plan).await, &["username \"joe\""]);
    assert_eq!(store.find_ig_user("17841400000000098").await.unwrap(), None);
    assert_eq!(ctx.table_counts().await, before);
}

async fn story_codes(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let now = from_millis(T0 + MINUTE);

    // Insert and find, for every subject shape.
    let c1 = code("c1", Subject::Instagram(JANE.into()), T0 + 10 * MINUTE);
    store.insert_code(&c1).await.unwrap();
    assert_eq!(
        store.find_code(&c1.code_hash).await.unwrap().as_ref(),
        Some(&c1)
    );
    let mut c_fb = code("c-fb", Subject::Facebook(DEV.into()), T0 + 10 * MINUTE);
    c_fb.code_challenge = None;
    c_fb.code_challenge_method = None;
    c_fb.scopes = vec![];
    store.insert_code(&c_fb).await.unwrap();
    assert_eq!(
        store.find_code(&c_fb.code_hash).await.unwrap().as_ref(),
        Some(&c_fb)
    );
    let mut c_plain = code("c-plain", Subject::App, T0 + 10 * MINUTE);
    c_plain.code_challenge_method = Some(PkceMethod::Plain);
    store.insert_code(&c_plain).await.unwrap();
    assert_eq!(
        store.find_code(&c_plain.code_hash).await.unwrap().as_ref(),
        Some(&c_plain)
    );
    assert_eq!(store.find_code("code-hash-unknown").await.unwrap(), None);
    assert_conflict(store.insert_code(&c1).await, &["authorization code c1"]);
    // A batch is stored whole, or not at all.
    let batch: Vec<AuthCode> = (0..3)
        .map(|i| {
            code(
                &format!("batch-{i}"),
                Subject::Instagram(JANE.into()),
                T0 + 10 * MINUTE,
            )
        })
        .collect();
    store.insert_codes(&batch).await.unwrap();
    for c in &batch {
        assert_eq!(
            store.find_code(&c.code_hash).await.unwrap().as_ref(),
            Some(c)
        );
    }
    let clashing = [
        code(
            "batch-new",
            Subject::Instagram(JANE.into()),
            T0 + 10 * MINUTE,
        ),
        batch[0].clone(),
    ];
    assert_conflict(
        store.insert_codes(&clashing).await,
        &["authorization code batch-0"],
    );
    assert_eq!(store.find_code("code-hash-batch-new").await.unwrap(), None);

    // Redeem once.
    let t1 = token_from_code("t1", "c1");
    assert_eq!(
        store.redeem_code("c1", now, &t1).await.unwrap(),
        Redemption::Redeemed
    );
    assert_eq!(
        store.find_token(&t1.token_hash).await.unwrap().as_ref(),
        Some(&t1)
    );
    let consumed = store.find_code(&c1.code_hash).await.unwrap().unwrap();
    assert_eq!(consumed.consumed_at, Some(now));

    // A second redeem is a replay: it inserts nothing and revokes what the code issued.
    let t2 = token_from_code("t2", "c1");
    assert_eq!(
        store
            .redeem_code("c1", from_millis(T0 + 2 * MINUTE), &t2)
            .await
            .unwrap(),
        Redemption::Replayed { revoked: 1 }
    );
    assert_eq!(store.find_token(&t2.token_hash).await.unwrap(), None);
    assert_eq!(
        store
            .find_token(&t1.token_hash)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(from_millis(T0 + 2 * MINUTE))
    );
    assert_eq!(
        store
            .find_code(&c1.code_hash)
            .await
            .unwrap()
            .unwrap()
            .consumed_at,
        Some(now)
    );

    // An expired code (expiry is exclusive) cannot be redeemed.
    let c2 = code("c2", Subject::Instagram(JANE.into()), T0 + 10 * MINUTE);
    store.insert_code(&c2).await.unwrap();
    let t3 = token_from_code("t3", "c2");
    for at in [T0 + 10 * MINUTE, T0 + 11 * MINUTE] {
        assert_eq!(
            store.redeem_code("c2", from_millis(at), &t3).await.unwrap(),
            Redemption::Expired
        );
    }
    assert_eq!(store.find_token(&t3.token_hash).await.unwrap(), None);
    assert_eq!(
        store
            .find_code(&c2.code_hash)
            .await
            .unwrap()
            .unwrap()
            .consumed_at,
        None
    );

    // An unknown code cannot be redeemed.
    assert_eq!(
        store.redeem_code("nope", now, &t3).await.unwrap(),
        Redemption::Expired
    );
    assert_eq!(store.find_token(&t3.token_hash).await.unwrap(), None);

    // When the token cannot be written, the code stays unconsumed (one transaction).
    let c3 = code("c3", Subject::Instagram(JANE.into()), T0 + 10 * MINUTE);
    store.insert_code(&c3).await.unwrap();
    let clash = TokenRecord {
        id: "t-clash".into(),
        ..token_from_code("t1", "c3")
    };
    assert!(matches!(
        store.redeem_code("c3", now, &clash).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store
            .find_code(&c3.code_hash)
            .await
            .unwrap()
            .unwrap()
            .consumed_at,
        None
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE id = 't-clash'")
            .await,
        0
    );
    assert_eq!(
        store
            .redeem_code("c3", now, &token_from_code("t4", "c3"))
            .await
            .unwrap(),
        Redemption::Redeemed
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE code_id IS NOT NULL")
            .await,
        2
    );
}

async fn story_concurrent_redeem(ctx: &Ctx) {
    const CALLERS: usize = 50;
    seed(ctx.store()).await;
    let c = code("c-race", Subject::Instagram(JANE.into()), T0 + 10 * MINUTE);
    ctx.store().insert_code(&c).await.unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|i| {
            let store = Arc::clone(&ctx.store);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                let token = token_from_code(&format!("race-{i}"), "c-race");
                barrier.wait().await;
                store
                    .redeem_code("c-race", from_millis(T0 + MINUTE), &token)
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task
            .await
            .expect("task")
            .expect("redeem_code never fails under contention")
        {
            Redemption::Redeemed => winners += 1,
            Redemption::Replayed { .. } => {}
            Redemption::Expired => panic!("the code was not expired"),
        }
    }
    assert_eq!(
        winners, 1,
        "exactly one of {CALLERS} concurrent redeems wins"
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE code_id = 'c-race'")
            .await,
        1
    );
    // Whatever order the racers ran in, the replays revoked the winner's token.
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE code_id = 'c-race' AND revoked_at IS NULL")
            .await,
        0,
        "a replay racing the first exchange revokes what the code issued"
    );
    let redeemed = ctx.store().find_code(&c.code_hash).await.unwrap().unwrap();
    assert_eq!(redeemed.consumed_at, Some(from_millis(T0 + MINUTE)));
}

/// Polls `fut` at most `polls` times, yielding to the runtime between polls, then drops it, as
/// a client that disconnects drops its request's future; its output if it finished first.
async fn poll_then_drop<F: std::future::Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    for _ in 0..polls {
        let polled = std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await;
        if let std::task::Poll::Ready(out) = polled {
            return Some(out);
        }
        tokio::task::yield_now().await;
    }
    None
}

/// Writes abandoned at every poll point leave the store whole: each write is all there or not
/// at all, and the next write succeeds.
async fn story_dropped_writes(ctx: &Ctx) {
    const POLL_POINTS: usize = 40;
    let store = ctx.store();
    seed(store).await;
    let now = from_millis(T0 + MINUTE);
    for polls in 1..=POLL_POINTS {
        // A code exchange: the code consumed and its token inserted, in one transaction.
        let code_id = format!("drop-{polls}");
        store
            .insert_code(&code(
                &code_id,
                Subject::Instagram(JANE.into()),
                T0 + 10 * MINUTE,
            ))
            .await
            .unwrap_or_else(|e| panic!("the write after {} drops: {e:?}", polls - 1));
        let token = token_from_code(&format!("drop-token-{polls}"), &code_id);
        poll_then_drop(store.redeem_code(&code_id, now, &token), polls).await;
        // A bulk media write of two statements.
        let media: Vec<IgMedia> = (0..1500)
            .map(|i| media(&format!("drop-{polls}-{i}"), JOE, None, i))
            .collect();
        poll_then_drop(store.upsert_media(&media), polls).await;
        // A Page with its role.
        let page_id = format!("drop-page-{polls}");
        let page = Page {
            id: page_id.clone(),
            ..world().pages[0].clone()
        };
        let role = PageRole {
            page_id: page_id.clone(),
            fb_user_id: DEV.into(),
            tasks: vec!["MANAGE".into()],
        };
        poll_then_drop(store.create_page(&page, &role), polls).await;

        // Nothing half-written is ever visible.
        assert_eq!(
            ctx.count(&format!(
                "SELECT COUNT(*) FROM auth_codes AS c WHERE c.id = '{code_id}'
                   AND (c.consumed_at IS NULL) = EXISTS (SELECT 1 FROM tokens WHERE code_id = c.id)"
            ))
            .await,
            0,
            "code {code_id}: consumed exactly when its token exists"
        );
        let written = ctx
            .count(&format!(
                "SELECT COUNT(*) FROM ig_media WHERE id LIKE 'drop-{polls}-%'"
            ))
            .await;
        assert!(
            written == 0 || written == 1500,
            "{written} of 1500 media of one write are visible"
        );
        assert_eq!(
            ctx.count(&format!(
                "SELECT COUNT(*) FROM pages AS p WHERE p.id = '{page_id}'
                   AND NOT EXISTS (SELECT 1 FROM page_roles WHERE page_id = p.id)"
            ))
            .await,
            0,
            "page {page_id} without its role"
        );
    }
    // The store still takes writes, and every abandoned write ended whole.
    let last = code(
        "drop-last",
        Subject::Instagram(JANE.into()),
        T0 + 10 * MINUTE,
    );
    store.insert_code(&last).await.unwrap();
    assert_eq!(
        store
            .redeem_code(
                "drop-last",
                now,
                &token_from_code("drop-last-token", "drop-last")
            )
            .await
            .unwrap(),
        Redemption::Redeemed
    );
    assert_eq!(
        ctx.count(
            "SELECT COUNT(*) FROM auth_codes AS c WHERE c.id LIKE 'drop-%'
               AND (c.consumed_at IS NULL) = EXISTS (SELECT 1 FROM tokens WHERE code_id = c.id)"
        )
        .await,
        0
    );
}

async fn story_revoke_tokens_of_code(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    store
        .insert_code(&code(
            "c1",
            Subject::Instagram(JANE.into()),
            T0 + 10 * MINUTE,
        ))
        .await
        .unwrap();
    let from_code = token_from_code("t1", "c1");
    assert_eq!(
        store
            .redeem_code("c1", from_millis(T0 + MINUTE), &from_code)
            .await
            .unwrap(),
        Redemption::Redeemed
    );
    // A long-lived token descending from the same code, one already revoked, one unrelated.
    let long_lived = TokenRecord {
        kind: TokenKind::InstagramLongLived,
        parent_id: Some("t1".into()),
        ..token_from_code("t2", "c1")
    };
    store.insert_token(&long_lived).await.unwrap();
    let earlier = from_millis(T0 + 2 * MINUTE);
    let already = TokenRecord {
        revoked_at: Some(earlier),
        ..token_from_code("t3", "c1")
    };
    store.insert_token(&already).await.unwrap();
    let unrelated = token_from_code("t4", "c-other");
    store.insert_token(&unrelated).await.unwrap();

    let now = from_millis(T0 + 5 * MINUTE);
    assert_eq!(store.revoke_tokens_of_code("c1", now).await.unwrap(), 2);
    let revoked_at = |hash: String| async move {
        store
            .find_token(&hash)
            .await
            .unwrap()
            .expect("token exists")
            .revoked_at
    };
    assert_eq!(revoked_at(from_code.token_hash.clone()).await, Some(now));
    assert_eq!(revoked_at(long_lived.token_hash.clone()).await, Some(now));
    assert_eq!(
        revoked_at(already.token_hash.clone()).await,
        Some(earlier),
        "kept as it was"
    );
    assert_eq!(
        revoked_at(unrelated.token_hash.clone()).await,
        None,
        "other code"
    );

    assert_eq!(
        store
            .revoke_tokens_of_code("c1", from_millis(T0 + 6 * MINUTE))
            .await
            .unwrap(),
        0
    );
    assert_eq!(revoked_at(from_code.token_hash.clone()).await, Some(now));
    assert_eq!(
        store.revoke_tokens_of_code("unknown", now).await.unwrap(),
        0
    );
}

async fn story_insert_and_find_token(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let mut t = token(
        "t1",
        APP_A,
        TokenKind::FacebookUserLongLived,
        Subject::Facebook(DEV.into()),
    );
    t.scopes = vec!["pages_show_list".into(), "pages_manage_posts".into()];
    t.expires_at = Some(from_millis(T0 + 60 * 24 * 60 * MINUTE));
    store.insert_token(&t).await.unwrap();
    assert_eq!(
        store.find_token(&t.token_hash).await.unwrap().as_ref(),
        Some(&t)
    );

    // Same hash again: left as it is.
    let same_hash = TokenRecord {
        id: "t1-again".into(),
        scopes: vec![],
        expires_at: None,
        ..t.clone()
    };
    store.insert_token(&same_hash).await.unwrap();
    assert_eq!(
        store.find_token(&t.token_hash).await.unwrap().as_ref(),
        Some(&t)
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE id LIKE 't1%'")
            .await,
        1
    );

    // Never-expiring app token, Page token.
    let mut app_token = token("t-app", APP_B, TokenKind::App, Subject::App);
    app_token.expires_at = None;
    app_token.scopes = vec![];
    store.insert_token(&app_token).await.unwrap();
    assert_eq!(
        store
            .find_token(&app_token.token_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&app_token)
    );
    let mut page_token = token(
        "t-page",
        APP_A,
        TokenKind::Page,
        Subject::Facebook(DEV.into()),
    );
    page_token.page_id = Some(PAGE.into());
    store.insert_token(&page_token).await.unwrap();
    assert_eq!(
        store
            .find_token(&page_token.token_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&page_token)
    );

    assert_eq!(store.find_token("token-hash-unknown").await.unwrap(), None);
}

async fn story_derive_token(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let parent = ig_token("short");
    store.insert_token(&parent).await.unwrap();
    let now = from_millis(T0 + 3 * MINUTE);
    let child = TokenRecord {
        kind: TokenKind::InstagramLongLived,
        parent_id: Some("short".into()),
        issued_at: now,
        expires_at: Some(from_millis(T0 + 60 * 24 * 60 * MINUTE)),
        ..ig_token("long")
    };
    store.derive_token("short", now, &child).await.unwrap();
    assert_eq!(
        store
            .find_token(&parent.token_hash)
            .await
            .unwrap()
            .unwrap()
            .derived_at,
        Some(now)
    );
    assert_eq!(
        store.find_token(&child.token_hash).await.unwrap().as_ref(),
        Some(&child)
    );

    // A token may be derived from again (Meta has no once-only rule): the second child is
    // stored too, and the parent remembers the latest derivation.
    let again = TokenRecord {
        parent_id: Some("short".into()),
        ..ig_token("long-2")
    };
    store
        .derive_token("short", from_millis(T0 + 4 * MINUTE), &again)
        .await
        .unwrap();
    assert_eq!(
        store.find_token(&again.token_hash).await.unwrap().as_ref(),
        Some(&again)
    );
    assert_eq!(
        store
            .find_token(&parent.token_hash)
            .await
            .unwrap()
            .unwrap()
            .derived_at,
        Some(from_millis(T0 + 4 * MINUTE))
    );

    // The child can derive in turn (refresh chain); an unknown parent cannot.
    let grandchild = TokenRecord {
        parent_id: Some("long".into()),
        ..ig_token("long-3")
    };
    store
        .derive_token("long", from_millis(T0 + 5 * MINUTE), &grandchild)
        .await
        .unwrap();
    assert!(matches!(
        store
            .derive_token("unknown", now, &ig_token("orphan"))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.find_token("token-hash-orphan").await.unwrap(), None);
}

async fn story_concurrent_derive(ctx: &Ctx) {
    const CALLERS: usize = 20;
    seed(ctx.store()).await;
    ctx.store().insert_token(&ig_token("parent")).await.unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|i| {
            let store = Arc::clone(&ctx.store);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                let child = TokenRecord {
                    parent_id: Some("parent".into()),
                    ..ig_token(&format!("child-{i}"))
                };
                barrier.wait().await;
                store
                    .derive_token("parent", from_millis(T0 + MINUTE), &child)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("task")
            .expect("concurrent derivations of one token all succeed");
    }
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE parent_id = 'parent'")
            .await,
        CALLERS as i64
    );
}

/// One-time reveals: taken once, by their browser and slot only, never after they expire; a
/// second put replaces the first; a put drops the expired ones.
async fn story_reveals(ctx: &Ctx) {
    let store = ctx.store();
    let expires = T0 + 10 * MINUTE;
    store
        .put_reveal("browser-1", "secret:1", "sealed-1", expires, T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .take_reveal("browser-2", "secret:1", T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_reveal("browser-1", "secret:2", T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .take_reveal("browser-1", "secret:1", T0 + MINUTE)
            .await
            .unwrap()
            .as_deref(),
        Some("sealed-1")
    );
    assert_eq!(
        store
            .take_reveal("browser-1", "secret:1", T0)
            .await
            .unwrap(),
        None,
        "read once"
    );
    for sealed in ["old", "new"] {
        store
            .put_reveal("browser-1", "token", sealed, expires, T0)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .take_reveal("browser-1", "token", T0)
            .await
            .unwrap()
            .as_deref(),
        Some("new")
    );
    store
        .put_reveal("browser-1", "late", "x", expires, T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .take_reveal("browser-1", "late", expires)
            .await
            .unwrap(),
        None,
        "expired"
    );
    store
        .put_reveal("browser-1", "stale", "x", T0 + MINUTE, T0)
        .await
        .unwrap();
    store
        .put_reveal("browser-2", "fresh", "y", expires, T0 + 2 * MINUTE)
        .await
        .unwrap();
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM dashboard_reveals").await,
        1,
        "the stale one is dropped"
    );
}

async fn story_csrf(ctx: &Ctx) {
    let store = ctx.store();
    let expires = from_millis(T0 + 60 * MINUTE);
    let now = from_millis(T0 + MINUTE);
    store
        .insert_csrf("csrf-1", "browser-1", expires)
        .await
        .unwrap();
    assert!(
        !store
            .consume_csrf("csrf-1", "browser-2", now)
            .await
            .unwrap(),
        "wrong browser"
    );
    assert!(
        store
            .consume_csrf("csrf-1", "browser-1", now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .consume_csrf("csrf-1", "browser-1", now)
            .await
            .unwrap(),
        "second use"
    );
    assert!(
        !store
            .consume_csrf("unknown", "browser-1", now)
            .await
            .unwrap()
    );
    assert_conflict(
        store.insert_csrf("csrf-1", "browser-3", expires).await,
        &["csrf"],
    );

    // Expiry is exclusive.
    store
        .insert_csrf("csrf-2", "browser-1", expires)
        .await
        .unwrap();
    assert!(
        !store
            .consume_csrf("csrf-2", "browser-1", expires)
            .await
            .unwrap(),
        "expired"
    );
    store
        .insert_csrf("csrf-3", "browser-1", expires)
        .await
        .unwrap();
    let just_before = from_millis(to_millis(expires) - 1);
    assert!(
        store
            .consume_csrf("csrf-3", "browser-1", just_before)
            .await
            .unwrap()
    );

    // Long-expired tokens are swept; live ones are not.
    store
        .insert_csrf("csrf-4", "browser-1", from_millis(T0 + 120 * MINUTE))
        .await
        .unwrap();
    let much_later = from_millis(to_millis(expires) + 2 * 24 * 60 * MINUTE);
    assert!(
        !store
            .consume_csrf("csrf-4", "browser-1", much_later)
            .await
            .unwrap()
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM csrf_tokens").await, 0);
}

async fn story_secrets(ctx: &Ctx) {
    let store = ctx.store();
    let first = store
        .get_or_init_secret("cookie_key", b"first candidate")
        .await
        .unwrap();
    assert_eq!(first, b"first candidate");
    let second = store
        .get_or_init_secret("cookie_key", b"second candidate")
        .await
        .unwrap();
    assert_eq!(second, b"first candidate", "the first value stays");
    let other = store
        .get_or_init_secret("csrf_key", &[0, 255, 1, 254])
        .await
        .unwrap();
    assert_eq!(other, [0, 255, 1, 254], "secrets are bytes, not text");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM server_secrets").await, 2);

    // Concurrent instances starting together all end up with one value.
    let tasks: Vec<_> = (0..10u8)
        .map(|i| {
            let store = Arc::clone(&ctx.store);
            tokio::spawn(async move { store.get_or_init_secret("signing_key", &[i; 32]).await })
        })
        .collect();
    let mut values = BTreeSet::new();
    for task in tasks {
        values.insert(task.await.expect("task").expect("get_or_init_secret"));
    }
    assert_eq!(
        values.len(),
        1,
        "every caller sees the same secret: {values:?}"
    );
}

async fn story_world_blobs(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    store.apply_world(&plan).await.expect("applying the world");

    // Five blob entries in the plan, one of them repeated: four rows. Two media share the photo.
    assert_eq!(ctx.count("SELECT COUNT(*) FROM blobs").await, 4);
    for blob in world_blobs() {
        assert_eq!(
            store.find_blob(&blob.sha256).await.unwrap().as_ref(),
            Some(&blob)
        );
        assert_eq!(
            ctx.count(&format!(
                "SELECT COUNT(*) FROM blobs WHERE sha256 = '{}' AND size = {}",
                blob.sha256,
                blob.bytes.len()
            ))
            .await,
            1,
            "size is the byte length"
        );
    }
    let [photo, video, thumbnail, avatar] = world_blobs();
    assert_eq!(
        ctx.count(&format!(
            "SELECT COUNT(*) FROM ig_media WHERE media_blob = '{}'",
            photo.sha256
        ))
        .await,
        2
    );
    for id in ["m1", "m3"] {
        let m = store.find_media(id).await.unwrap().expect("media exists");
        assert_eq!(m.media_blob.as_deref(), Some(photo.sha256.as_str()));
        assert_eq!(m.thumbnail_blob, None);
    }
    let reel = store.find_media("m5").await.unwrap().expect("the reel");
    assert_eq!(reel.media_blob, Some(video.sha256));
    assert_eq!(reel.thumbnail_blob, Some(thumbnail.sha256));
    assert_eq!(
        store
            .find_ig_user(JANE)
            .await
            .unwrap()
            .unwrap()
            .profile_blob,
        Some(avatar.sha256)
    );
    assert_eq!(
        store.find_ig_user(JOE).await.unwrap().unwrap().profile_blob,
        None
    );

    // Re-applying changes nothing.
    let before = ctx.table_counts().await;
    store.apply_world(&plan).await.expect("second apply");
    assert_eq!(ctx.table_counts().await, before);

    // A world whose file changed: the media points at the new blob, the old one stays.
    let mut changed = world();
    let new_photo = Blob::new("image/png", b"\x89PNG\r\n\x1a\n another photo".to_vec());
    changed.media[2].media_blob = Some(new_photo.sha256.clone());
    changed.ig_users[0].profile_blob = None;
    changed.blobs.push(new_photo.clone());
    store.apply_world(&changed).await.expect("changed world");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM blobs").await, 5);
    assert_eq!(
        store.find_media("m1").await.unwrap().unwrap().media_blob,
        Some(new_photo.sha256)
    );
    assert_eq!(
        store
            .find_ig_user(JANE)
            .await
            .unwrap()
            .unwrap()
            .profile_blob,
        None
    );
    assert_eq!(
        store.find_blob(&photo.sha256).await.unwrap(),
        Some(photo),
        "kept"
    );
}

async fn story_blobs(ctx: &Ctx) {
    let store = ctx.store();
    let blob = Blob::new("image/jpeg", (0..=255u8).cycle().take(100_000).collect());
    store.put_blob(&blob).await.unwrap();
    assert_eq!(
        store.find_blob(&blob.sha256).await.unwrap().as_ref(),
        Some(&blob)
    );

    // Same hash again (whatever it claims): the stored blob is kept as it is.
    let impostor = Blob {
        content_type: "video/mp4".into(),
        ..blob.clone()
    };
    store.put_blob(&impostor).await.unwrap();
    assert_eq!(
        store.find_blob(&blob.sha256).await.unwrap().as_ref(),
        Some(&blob)
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM blobs").await, 1);

    // An empty file is a blob too.
    let empty = Blob::new("image/gif", Vec::new());
    store.put_blob(&empty).await.unwrap();
    assert_eq!(
        store.find_blob(&empty.sha256).await.unwrap().as_ref(),
        Some(&empty)
    );
    assert_eq!(store.find_blob("0000").await.unwrap(), None);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM blobs").await, 2);
}

async fn story_rate_limits_round_trip(ctx: &Ctx) {
    let store = ctx.store();
    let mut plan = world();
    let full = RateLimits {
        app_calls_per_hour: Some(1),
        user_calls_per_hour: Some(2),
        business_calls_per_day: Some(i64::MAX),
    };
    plan.apps[0].rate_limits = full.clone();
    store.apply_world(&plan).await.unwrap();
    assert_eq!(
        store.find_app(APP_A).await.unwrap().unwrap().rate_limits,
        full
    );
    assert_eq!(
        store.find_app(APP_B).await.unwrap().unwrap().rate_limits,
        plan.apps[1].rate_limits,
        "partly set"
    );

    // Back to the defaults: stored as NULL, read back as all-None.
    let mut plan = world();
    plan.apps[1].rate_limits = RateLimits::default();
    store.apply_world(&plan).await.unwrap();
    for app in &plan.apps {
        assert_eq!(
            store.find_app(&app.id).await.unwrap().unwrap().rate_limits,
            RateLimits::default()
        );
    }
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM apps WHERE rate_limits IS NULL")
            .await,
        2
    );

    let mut plan = world();
    plan.apps[0].rate_limits.user_calls_per_hour = Some(17);
    store.apply_world(&plan).await.unwrap();
    assert_eq!(
        store.find_app(APP_A).await.unwrap().unwrap().rate_limits,
        RateLimits {
            user_calls_per_hour: Some(17),
            ..RateLimits::default()
        }
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM apps WHERE rate_limits IS NULL")
            .await,
        0
    );
}

async fn story_find_media_and_children(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    store.apply_world(&plan).await.unwrap();

    // Every media object, listed or not, album children included, as written.
    for m in &plan.media {
        assert_eq!(store.find_media(&m.id).await.unwrap().as_ref(), Some(m));
    }
    assert_eq!(store.find_media("nope").await.unwrap(), None);

    // Children by position (not by id, not by insertion order).
    let mut late = media("m0", JANE, Some("m2"), 2);
    late.media_type = MediaType::Video;
    late.timestamp = from_millis(T0);
    store.upsert_media(&[late.clone()]).await.unwrap();
    let children = store.list_children("m2").await.unwrap();
    let by_id = |id: &str| plan.media.iter().find(|m| m.id == id).unwrap().clone();
    assert_eq!(children, vec![by_id("m3"), by_id("m4"), late]);
    assert_eq!(store.list_children("m1").await.unwrap(), vec![]);
    assert_eq!(store.list_children("nope").await.unwrap(), vec![]);

    // Stories and ads are found by id.
    let mut story = media("s1", JANE, None, 0);
    story.media_product_type = MediaProductType::Story;
    let mut ad = media("a1", JANE, None, 0);
    ad.media_product_type = MediaProductType::Ad;
    store
        .upsert_media(&[story.clone(), ad.clone()])
        .await
        .unwrap();
    assert_eq!(store.find_media("s1").await.unwrap(), Some(story));
    assert_eq!(store.find_media("a1").await.unwrap(), Some(ad));
}

async fn story_upsert_media(ctx: &Ctx) {
    const N: usize = 2_500; // more than one multi-row statement
    let store = ctx.store();
    seed(store).await;
    let before = ctx.count("SELECT COUNT(*) FROM ig_media").await;

    // One call: children before their albums, one id twice (the last wins), an existing object
    // updated, enough rows to need several statements.
    let mut batch = Vec::new();
    for i in 0..N {
        let mut m = media(&format!("u{i}"), JOE, None, 0);
        m.timestamp = from_millis(T0 - i as i64);
        m.media_blob = (i % 2 == 0).then(|| format!("{i:064x}"));
        batch.push(m);
    }
    for (i, parent) in [(0, "u7"), (1, "u7"), (0, "u2400")] {
        batch.insert(
            0,
            media(&format!("{parent}-child-{i}"), JOE, Some(parent), i),
        );
    }
    batch[10].media_type = MediaType::CarouselAlbum; // u7
    let mut twice = batch[20].clone();
    twice.caption = Some("the second one".into());
    batch.push(twice.clone());
    let mut existing = world().media[4].clone(); // the reel m5
    existing.caption = Some("edited".into());
    existing.thumbnail_blob = None;
    batch.push(existing.clone());
    store.upsert_media(&batch).await.expect("upsert_media");

    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM ig_media").await,
        before + N as i64 + 3
    );
    assert_eq!(store.find_media(&twice.id).await.unwrap(), Some(twice));
    assert_eq!(store.find_media("m5").await.unwrap(), Some(existing));
    assert_eq!(
        store.find_media("u2499").await.unwrap().as_ref(),
        batch.iter().find(|m| m.id == "u2499")
    );
    assert_eq!(store.list_children("u7").await.unwrap().len(), 2);
    assert_eq!(store.count_media(JOE).await.unwrap(), N as i64 + 1);

    // Idempotent.
    store.upsert_media(&batch).await.unwrap();
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM ig_media").await,
        before + N as i64 + 3
    );
    store
        .upsert_media(&[])
        .await
        .expect("an empty batch is fine");

    // All or nothing: an unknown owner far into the batch (a later statement) writes nothing.
    let mut failing: Vec<IgMedia> = (0..N)
        .map(|i| media(&format!("v{i}"), JANE, None, 0))
        .collect();
    failing[0].caption = Some("changed".into());
    failing[N - 1].owner_id = "no-such-account".into();
    let updated = IgMedia {
        caption: Some("must not stick".into()),
        ..world().media[2].clone() // m1
    };
    failing.insert(0, updated);
    assert!(store.upsert_media(&failing).await.is_err());
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM ig_media").await,
        before + N as i64 + 3
    );
    assert_eq!(
        store.find_media("m1").await.unwrap().as_ref(),
        Some(&world().media[2])
    );
}

/// The account of the paging stories.
const BIG: &str = "17841400000000777";
/// Listed media of [`BIG`].
const BIG_LISTED: usize = 250;

/// Loads [`BIG`]: 250 listed media (feed posts, reels and albums; timestamps in groups of three,
/// ids of mixed lengths), album children, stories and ads newer than everything, plus media of
/// another account at the same instants. Returns the listed media, newest first.
async fn load_big_account(store: &dyn Store) -> Vec<IgMedia> {
    seed(store).await;
    store
        .apply_world(&WorldPlan {
            ig_users: vec![ig_user(BIG, "big")],
            ..WorldPlan::default()
        })
        .await
        .unwrap();
    let mut listed = Vec::new();
    let mut unlisted = Vec::new();
    for i in 0..BIG_LISTED {
        // "12", "1000013", "900000014": byte order differs from numeric order.
        let id = match i % 3 {
            0 => format!("{i}"),
            1 => format!("1{i:06}"),
            _ => format!("{}", 900_000_000 + i),
        };
        let mut m = media(&id, BIG, None, 0);
        m.timestamp = from_millis(T0 - (i as i64 / 3) * MINUTE);
        m.caption = Some(format!("n{i}"));
        if i % 10 == 4 {
            m.media_product_type = MediaProductType::Reels;
            m.media_type = MediaType::Video;
            m.is_shared_to_feed = Some(i % 20 == 4);
        }
        if i % 25 == 5 {
            m.media_type = MediaType::CarouselAlbum;
            for position in 0..3 {
                let mut child = media(&format!("c{id}-{position}"), BIG, Some(&id), position);
                child.timestamp = from_millis(T0 + MINUTE); // newer than anything listed
                unlisted.push(child);
            }
        }
        listed.push(m);
        // Another account at the same instant.
        let mut other = media(&format!("o{i}"), JOE, None, 0);
        other.timestamp = from_millis(T0 - (i as i64 / 3) * MINUTE);
        unlisted.push(other);
    }
    for (i, kind) in [
        MediaProductType::Story,
        MediaProductType::Ad,
        MediaProductType::Story,
        MediaProductType::Ad,
    ]
    .into_iter()
    .enumerate()
    {
        let mut m = media(&format!("{}", 990_000 + i), BIG, None, 0);
        m.media_product_type = kind;
        m.timestamp = from_millis(T0 + i as i64 * MINUTE - MINUTE);
        unlisted.push(m);
    }
    // Children first, in one batch: the store orders the writes.
    let mut batch = unlisted;
    batch.extend(listed.iter().cloned());
    store
        .upsert_media(&batch)
        .await
        .expect("loading the account");
    listed.sort_by(|a, b| (b.timestamp, &b.id).cmp(&(a.timestamp, &a.id)));
    listed
}

fn big_query() -> MediaQuery {
    MediaQuery {
        owner_id: BIG.into(),
        older_than: None,
        newer_than: None,
        since: None,
        until: None,
        not_older_than: None,
        order: MediaOrder::NewestFirst,
        limit: 1000,
    }
}

/// Pages through `query` with `limit` per page: forwards (`older_than`) for newest-first,
/// backwards (`newer_than`) for oldest-first; returns the concatenation.
async fn page_all(store: &dyn Store, query: &MediaQuery, limit: i64) -> Vec<IgMedia> {
    let mut all: Vec<IgMedia> = Vec::new();
    let mut query = MediaQuery {
        limit,
        ..query.clone()
    };
    for _ in 0..1000 {
        let page = store.list_media(&query).await.unwrap();
        assert!(
            page.len() <= limit as usize,
            "a page holds at most `limit` items"
        );
        let Some(last) = page.last() else {
            return all;
        };
        match query.order {
            MediaOrder::NewestFirst => query.older_than = Some(MediaKey::of(last)),
            MediaOrder::OldestFirst => query.newer_than = Some(MediaKey::of(last)),
        }
        let full = page.len() == limit as usize;
        all.extend(page);
        if !full {
            // A short page is the last: the next one is empty.
            assert_eq!(store.list_media(&query).await.unwrap(), vec![]);
            return all;
        }
    }
    panic!("paging does not end");
}

fn ids(media: &[IgMedia]) -> Vec<&str> {
    media.iter().map(|m| m.id.as_str()).collect()
}

async fn story_keyset_paging(ctx: &Ctx) {
    let store = ctx.store();
    let expected = load_big_account(store).await;
    assert_eq!(expected.len(), BIG_LISTED);
    let reversed: Vec<IgMedia> = expected.iter().rev().cloned().collect();

    // One query: everything listed, newest first, whole records.
    assert_eq!(store.list_media(&big_query()).await.unwrap(), expected);

    // Forwards, 7 at a time: every listed media exactly once, in order.
    let forwards = page_all(store, &big_query(), 7).await;
    assert_eq!(ids(&forwards), ids(&expected));
    assert_eq!(forwards, expected);
    let unique: HashSet<&str> = ids(&forwards).into_iter().collect();
    assert_eq!(unique.len(), BIG_LISTED);

    // Backwards from the oldest, 7 at a time, oldest first.
    let oldest_first = MediaQuery {
        order: MediaOrder::OldestFirst,
        ..big_query()
    };
    assert_eq!(
        ids(&page_all(store, &oldest_first, 7).await),
        ids(&reversed)
    );

    // From a cursor in the middle of a group of equal timestamps, both ways.
    for at in [0, 1, 100, 101, 102, 148, BIG_LISTED - 1] {
        let key = MediaKey::of(&expected[at]);
        let after = MediaQuery {
            older_than: Some(key.clone()),
            ..big_query()
        };
        assert_eq!(
            ids(&page_all(store, &after, 7).await),
            ids(&expected[at + 1..]),
            "after position {at}"
        );
        let before = MediaQuery {
            newer_than: Some(key.clone()),
            ..oldest_first.clone()
        };
        let mut newer = page_all(store, &before, 7).await;
        newer.reverse();
        assert_eq!(ids(&newer), ids(&expected[..at]), "before position {at}");
        // A page before the cursor, as the edge asks for it: the 7 just newer, oldest first.
        let page = store
            .list_media(&MediaQuery {
                limit: 7,
                ..before.clone()
            })
            .await
            .unwrap();
        let expected_page: Vec<&str> = ids(&expected[at.saturating_sub(7)..at])
            .into_iter()
            .rev()
            .collect();
        assert_eq!(ids(&page), expected_page, "the page before position {at}");
        // Both bounds: the media strictly between two keys.
        if at >= 10 {
            let between = MediaQuery {
                older_than: Some(MediaKey::of(&expected[at - 10])),
                newer_than: Some(key),
                ..big_query()
            };
            assert_eq!(
                ids(&store.list_media(&between).await.unwrap()),
                ids(&expected[at - 9..at])
            );
        }
    }

    // A key of media that does not exist still bounds: (timestamp, id) tuple order.
    let gap = MediaKey {
        timestamp: expected[30].timestamp,
        id: "5".into(),
    };
    let after_gap = store
        .list_media(&MediaQuery {
            older_than: Some(gap.clone()),
            ..big_query()
        })
        .await
        .unwrap();
    let want: Vec<&str> = expected
        .iter()
        .filter(|m| (m.timestamp, m.id.as_str()) < (gap.timestamp, gap.id.as_str()))
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(ids(&after_gap), want);

    // Limits.
    let first = store
        .list_media(&MediaQuery {
            limit: 3,
            ..big_query()
        })
        .await
        .unwrap();
    assert_eq!(first, expected[..3]);
    assert_eq!(
        store
            .list_media(&MediaQuery {
                limit: 0,
                ..big_query()
            })
            .await
            .unwrap(),
        vec![]
    );
    // Accounts without listed media.
    for owner in [ANA, "unknown"] {
        assert_eq!(
            store
                .list_media(&MediaQuery {
                    owner_id: owner.into(),
                    ..big_query()
                })
                .await
                .unwrap(),
            vec![]
        );
    }
}

async fn story_media_bounds(ctx: &Ctx) {
    let store = ctx.store();
    let expected = load_big_account(store).await;
    let within = |since: Option<i64>, until: Option<i64>| -> Vec<&str> {
        expected
            .iter()
            .filter(|m| {
                let t = to_millis(m.timestamp);
                since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u)
            })
            .map(|m| m.id.as_str())
            .collect()
    };

    // since / until are inclusive, and take whole groups of equal timestamps.
    let since = to_millis(expected[40].timestamp);
    let until = to_millis(expected[10].timestamp);
    for (s, u) in [
        (Some(since), Some(until)),
        (Some(since), None),
        (None, Some(until)),
        (Some(since + 1), Some(until - 1)),
        (Some(until + 1), Some(since - 1)), // empty
        (Some(T0 + MINUTE), None),          // empty: only children and stories are that new
    ] {
        let query = MediaQuery {
            since: s.map(from_millis),
            until: u.map(from_millis),
            ..big_query()
        };
        let want = within(s, u);
        assert_eq!(ids(&store.list_media(&query).await.unwrap()), want);
        assert_eq!(ids(&page_all(store, &query, 7).await), want, "{s:?}..{u:?}");
        let mut backwards = page_all(
            store,
            &MediaQuery {
                order: MediaOrder::OldestFirst,
                ..query
            },
            7,
        )
        .await;
        backwards.reverse();
        assert_eq!(ids(&backwards), want, "backwards {s:?}..{u:?}");
    }
    assert_eq!(
        within(Some(since), Some(until)).len(),
        33,
        "groups of three"
    );

    // The cap: only the 100 most recent listed media are reachable.
    let key = store.listed_media_key_at(BIG, 99).await.unwrap();
    assert_eq!(key, Some(MediaKey::of(&expected[99])));
    assert_eq!(
        expected[99].timestamp, expected[100].timestamp,
        "the cap cuts through a group of equal timestamps"
    );
    let capped = MediaQuery {
        not_older_than: key,
        ..big_query()
    };
    let all = store.list_media(&capped).await.unwrap();
    assert_eq!(all.len(), 100);
    assert_eq!(ids(&all), ids(&expected[..100]));
    assert_eq!(
        ids(&page_all(store, &capped, 7).await),
        ids(&expected[..100])
    );
    let mut backwards = page_all(
        store,
        &MediaQuery {
            order: MediaOrder::OldestFirst,
            ..capped.clone()
        },
        7,
    )
    .await;
    backwards.reverse();
    assert_eq!(ids(&backwards), ids(&expected[..100]));
    // With since as well: the tighter bound wins.
    let with_since = MediaQuery {
        since: Some(expected[150].timestamp),
        ..capped.clone()
    };
    assert_eq!(store.list_media(&with_since).await.unwrap().len(), 100);
    let with_since = MediaQuery {
        since: Some(expected[50].timestamp),
        ..capped
    };
    assert_eq!(
        ids(&store.list_media(&with_since).await.unwrap()),
        within(Some(to_millis(expected[50].timestamp)), None)
    );

    // listed_media_key_at: positions over listed media only.
    assert_eq!(
        store.listed_media_key_at(BIG, 0).await.unwrap(),
        Some(MediaKey::of(&expected[0]))
    );
    assert_eq!(
        store
            .listed_media_key_at(BIG, BIG_LISTED as i64 - 1)
            .await
            .unwrap(),
        Some(MediaKey::of(&expected[BIG_LISTED - 1]))
    );
    assert_eq!(
        store
            .listed_media_key_at(BIG, BIG_LISTED as i64)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.listed_media_key_at(BIG, -1).await.unwrap(), None);
    assert_eq!(store.listed_media_key_at(ANA, 0).await.unwrap(), None);
    // JANE: m1 and the album m2 share a timestamp; the id breaks the tie.
    assert_eq!(
        store.listed_media_key_at(JANE, 0).await.unwrap(),
        Some(MediaKey {
            timestamp: from_millis(T0 - 1000 * MINUTE),
            id: "m2".into()
        })
    );
}

async fn story_rate_counter(ctx: &Ctx) {
    const HOUR: i64 = 60 * MINUTE;
    let store = ctx.store();
    assert_eq!(store.read_counter("app:1", 0).await.unwrap(), 0);

    assert_eq!(store.hit_counter("app:1", T0, T0 - HOUR).await.unwrap(), 1);
    assert_eq!(store.hit_counter("app:1", T0, T0 - HOUR).await.unwrap(), 2);
    assert_eq!(store.read_counter("app:1", T0 - HOUR).await.unwrap(), 2);
    assert_eq!(store.read_counter("app:1", T0).await.unwrap(), 2);
    assert_eq!(store.read_counter("app:1", T0 + 1).await.unwrap(), 0);
    assert_eq!(store.read_counter("app:2", T0).await.unwrap(), 0);

    // Another bucket, same window: counted apart.
    assert_eq!(
        store.hit_counter("user:1:a", T0, T0 - HOUR).await.unwrap(),
        1
    );

    // The next windows sum with the earlier ones still in range.
    let w1 = T0 + 10 * MINUTE;
    assert_eq!(store.hit_counter("app:1", w1, T0 - HOUR).await.unwrap(), 3);
    assert_eq!(store.hit_counter("app:1", w1, T0).await.unwrap(), 4);
    assert_eq!(store.read_counter("app:1", w1).await.unwrap(), 2);

    // sum_from excludes older windows; their rows are swept, other buckets' are not.
    let w2 = T0 + 20 * MINUTE;
    assert_eq!(store.hit_counter("app:1", w2, w1).await.unwrap(), 3);
    assert_eq!(store.read_counter("app:1", T0).await.unwrap(), 3);
    // PostgreSQL keeps counters in rows (shared by instances); SQLite keeps them in memory.
    if ctx.expected_backend == "postgres" {
        assert_eq!(
            ctx.count("SELECT COUNT(*) FROM rate_counters WHERE bucket = 'app:1'")
                .await,
            2
        );
    }
    assert_eq!(store.read_counter("user:1:a", T0).await.unwrap(), 1);
    assert_eq!(store.hit_counter("app:1", w2, w2).await.unwrap(), 2);
    assert_eq!(store.read_counter("app:1", 0).await.unwrap(), 2);

    // One call counts every bucket it names (an app's and a user's), totals in that order.
    assert_eq!(
        store
            .hit_counters(&["app:9", "user:9:x"], w2, w1)
            .await
            .unwrap(),
        vec![1, 1]
    );
    assert_eq!(
        store
            .hit_counters(&["app:9", "user:9:y"], w2, w1)
            .await
            .unwrap(),
        vec![2, 1]
    );
    assert_eq!(store.read_counter("user:9:x", w1).await.unwrap(), 1);

    // Counts far beyond 32 bits (the sum is a BIGINT on PostgreSQL).
    if ctx.expected_backend == "postgres" {
        ctx.exec("UPDATE rate_counters SET n = 5000000000 WHERE bucket = 'user:1:a'")
            .await;
        assert_eq!(
            store.hit_counter("user:1:a", w1, T0).await.unwrap(),
            5_000_000_001
        );
    }
}

async fn story_concurrent_rate_counter(ctx: &Ctx) {
    const CALLERS: i64 = 200;
    let (window, sum_from) = (T0, T0 - 60 * MINUTE);

    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS as usize));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let store = Arc::clone(&ctx.store);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                store.hit_counter("hot", window, sum_from).await
            })
        })
        .collect();
    let mut totals = BTreeSet::new();
    for task in tasks {
        let total = task
            .await
            .expect("task")
            .expect("hit_counter never fails under contention");
        assert!(totals.insert(total), "total {total} seen twice");
    }
    // Each caller saw its own place in the queue: exactly 1..=200.
    assert_eq!(totals, (1..=CALLERS).collect::<BTreeSet<_>>());
    assert_eq!(
        ctx.store().read_counter("hot", sum_from).await.unwrap(),
        CALLERS
    );
    if ctx.expected_backend == "postgres" {
        assert_eq!(
            ctx.count("SELECT COUNT(*) FROM rate_counters").await,
            1,
            "one counter row"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Backend-specific checks
// ------------------------------------------------------------------------------------------------

/// Two stores on one file behave like two processes: they share SQLite's write lock through the
/// busy timeout, and a code is still redeemed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_stores_on_one_file_redeem_once() {
    let ctx = open_sqlite().await;
    let Cleanup::SqliteFile(path) = &ctx.cleanup else {
        unreachable!()
    };
    let url = format!("sqlite://{}", path.display());
    let other: Arc<dyn Store> = Arc::new(
        SqliteStore::connect(
            &url,
            SqliteOptions {
                synchronous_full: false,
                run_migrations: true,
            },
        )
        .await
        .expect("a second store on the same file"),
    );
    seed(ctx.store()).await;
    ctx.store()
        .insert_code(&code("c", Subject::Instagram(JANE.into()), T0 + MINUTE))
        .await
        .unwrap();

    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = if i % 2 == 0 {
                Arc::clone(&ctx.store)
            } else {
                Arc::clone(&other)
            };
            tokio::spawn(async move {
                let token = token_from_code(&format!("t{i}"), "c");
                store.redeem_code("c", from_millis(T0), &token).await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        let outcome = task.await.expect("task").expect("no SQLITE_BUSY surfaces");
        winners += usize::from(outcome == Redemption::Redeemed);
    }
    assert_eq!(winners, 1);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM tokens WHERE code_id = 'c'")
            .await,
        1
    );
}

/// A database made by release 0.1.0 (the demo world, a code exchanged for a short-lived token and
/// that one exchanged for a long-lived token, then the server stopped) opens with today's store:
/// its applied migrations match the shipped ones, and nothing in it is lost.
#[tokio::test]
async fn sqlite_a_database_from_release_0_1_0_opens_with_nothing_lost() {
    use localgram_core::secret::SecretHash;
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqlite-0.1.0.db");
    let path = std::env::temp_dir().join(format!("localgram_upgrade_{}.db", unique_suffix()));
    std::fs::copy(&fixture, &path).expect("copy the fixture");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::connect(
            &format!("sqlite://{}", path.display()),
            SqliteOptions::default(),
        )
        .await
        .expect("a 0.1.0 database opens and migrates"),
    );

    let app = store
        .find_app("761044987265349")
        .await
        .unwrap()
        .expect("the demo app");
    assert_eq!(app.name, "Localgram Demo App");
    assert!(
        !app.page_creation_allowed,
        "an app stored before the Page creation allowlist is not allowlisted"
    );
    let jane = store
        .find_ig_user_by_username("jane.doe")
        .await
        .unwrap()
        .expect("the demo tester");
    assert_eq!(jane.id, "17841405793187218");
    assert_eq!(store.count_media(&jane.id).await.unwrap(), 11);
    // The tokens issued by that release still resolve, with their lineage.
    let ready = store
        .find_token(&SecretHash::of("IGQVJlocalgram-demo-jane-long-lived-token").0)
        .await
        .unwrap()
        .expect("the demo's ready token");
    assert_eq!(ready.kind, TokenKind::InstagramLongLived);
    let short = store
        .find_token(&SecretHash::of("IGQVJ31pcdgTAtunoTTi9bItR7uBkFRjPc10lMQw8CrMd--8").0)
        .await
        .unwrap()
        .expect("the exchanged short-lived token");
    assert_eq!(short.kind, TokenKind::InstagramShortLived);
    assert!(short.code_id.is_some());
    let long = store
        .find_token(&SecretHash::of("IGQVJkYqnaUdTAvQifuxe131xNk5CrvhQS-iqlOetZtFOW3g").0)
        .await
        .unwrap()
        .expect("the long-lived token");
    assert_eq!(long.parent_id.as_deref(), Some(short.id.as_str()));
    // And it takes new writes.
    let mut renamed = app.clone();
    renamed.name = "Renamed".into();
    store.save_app(&renamed).await.unwrap();
    assert_eq!(
        store.find_app(&app.id).await.unwrap().unwrap().name,
        "Renamed"
    );
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// SQLite's rate counters, counted in memory, are written out by `flush` (the server calls it at a
/// graceful shutdown, and the store every second while calls come in) and read back when the file
/// is opened again: a restart keeps each window's count.
#[tokio::test]
async fn sqlite_rate_counters_survive_a_restart() {
    let ctx = open_sqlite().await;
    let Cleanup::SqliteFile(path) = &ctx.cleanup else {
        unreachable!()
    };
    let url = format!("sqlite://{}", path.display());
    let store = ctx.store();
    for _ in 0..3 {
        store
            .hit_counters(&["app:1", "user:1:a"], T0, T0 - 60 * MINUTE)
            .await
            .unwrap();
    }
    store.hit_counter("app:1", T0 + MINUTE, T0).await.unwrap();
    store.flush().await.unwrap();
    assert_eq!(ctx.count("SELECT COUNT(*) FROM rate_counters").await, 3);

    let reopened = SqliteStore::connect(&url, SqliteOptions::default())
        .await
        .unwrap();
    let reopened: &dyn Store = &reopened;
    assert_eq!(reopened.read_counter("app:1", T0).await.unwrap(), 4);
    assert_eq!(
        reopened.read_counter("app:1", T0 + MINUTE).await.unwrap(),
        1
    );
    assert_eq!(reopened.read_counter("user:1:a", 0).await.unwrap(), 3);
    assert_eq!(
        reopened.hit_counter("user:1:a", T0, T0).await.unwrap(),
        4,
        "counting goes on from the stored count"
    );
}

/// The pragmas the store promises, on every connection.
#[tokio::test]
async fn sqlite_connection_settings() {
    use sqlx::Row;
    async fn pragma(pool: &sqlx::SqlitePool, name: &str) -> String {
        let value: sqlx::sqlite::SqliteRow = sqlx::query(&format!("PRAGMA {name}"))
            .fetch_one(pool)
            .await
            .unwrap();
        value
            .try_get::<String, _>(0)
            .or_else(|_| value.try_get::<i64, _>(0).map(|v| v.to_string()))
            .unwrap()
    }
    let ctx = open_sqlite().await;
    let Raw::Sqlite(pool) = &ctx.raw else {
        unreachable!()
    };
    assert_eq!(pragma(pool, "journal_mode").await, "wal");
    assert_eq!(pragma(pool, "synchronous").await, "2", "FULL by default");
    assert_eq!(pragma(pool, "busy_timeout").await, "5000");
    assert_eq!(pragma(pool, "foreign_keys").await, "1");

    let Cleanup::SqliteFile(path) = &ctx.cleanup else {
        unreachable!()
    };
    let url = format!("sqlite://{}", path.display());
    let normal = SqliteStore::connect(
        &url,
        SqliteOptions {
            synchronous_full: false,
            run_migrations: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        pragma(normal.pool(), "synchronous").await,
        "1",
        "NORMAL when asked"
    );
    normal
        .migrate()
        .await
        .expect("migrating an up-to-date database is a no-op");
    assert_eq!(normal.backend(), "sqlite");
}

/// `sqlite::memory:` works: the read pool and the writer see the same in-memory database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_in_memory() {
    let store = SqliteStore::connect("sqlite::memory:", SqliteOptions::default())
        .await
        .unwrap();
    let store: &dyn Store = &store;
    let expected = load_big_account(store).await;
    assert_eq!(store.find_app(APP_A).await.unwrap().unwrap().name, "Alpha");
    assert_eq!(store.count_media(JANE).await.unwrap(), 2);
    assert!(!store.is_empty().await.unwrap());
    // Without a file there is no read path: media pages come through sqlx, with the same
    // query, in the same order, both ways.
    assert_eq!(page_all(store, &big_query(), 7).await, expected);
    let oldest_first = MediaQuery {
        order: MediaOrder::OldestFirst,
        ..big_query()
    };
    let mut backwards = page_all(store, &oldest_first, 7).await;
    backwards.reverse();
    assert_eq!(backwards, expected);
}

/// A file that cannot be opened is "unavailable", not a bug.
#[tokio::test]
async fn sqlite_unopenable_file_is_unavailable() {
    let dir = std::env::temp_dir().join(format!("localgram_missing_dir_{}", unique_suffix()));
    let url = format!("sqlite://{}/store.db", dir.display());
    match SqliteStore::connect(&url, SqliteOptions::default()).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {:?}", other.map(|s| s.backend())),
    }
}

/// A server that does not answer is "unavailable" (and the pool gives up within its timeout).
#[tokio::test]
async fn postgres_unreachable_is_unavailable() {
    match PgStore::connect("postgres://postgres@127.0.0.1:1/nowhere", true).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {:?}", other.map(|s| s.backend())),
    }
}

/// A bulk media write refreshes PostgreSQL's planner statistics at once, so the first page of a
/// freshly loaded account is an ordered index scan that stops after the page, not a scan of the
/// whole account plus a sort (which made the first page of 100,000 media ten times slower than
/// the last). Small writes leave the statistics to autovacuum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_bulk_media_refreshes_planner_statistics() {
    let Some(ctx) = open_postgres().await else {
        println!("{SKIPPED}");
        return;
    };
    let Raw::Postgres(pool) = &ctx.raw else {
        unreachable!()
    };
    let store = ctx.store.as_ref();
    seed(store).await;
    let reltuples = || async {
        sqlx::query_scalar::<_, f32>("SELECT reltuples FROM pg_class WHERE relname = 'ig_media'")
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let before = reltuples().await;
    // A small write (under the bulk threshold) does not analyze.
    let few: Vec<IgMedia> = (0..10)
        .map(|i| media(&format!("{}", 5_000_000 + i), JANE, None, 0))
        .collect();
    store.upsert_media(&few).await.unwrap();
    assert_eq!(
        reltuples().await,
        before,
        "a small write left the statistics alone"
    );

    let many: Vec<IgMedia> = (0..5000)
        .map(|i| {
            let mut m = media(&format!("{}", 6_000_000 + i), JANE, None, 0);
            m.timestamp = from_millis(T0 - i64::from(i) * MINUTE);
            m
        })
        .collect();
    store.upsert_media(&many).await.unwrap();
    let after = reltuples().await;
    assert!(after >= 5000.0, "statistics refreshed: reltuples {after}");

    let mut conn = pool.acquire().await.unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (COSTS OFF) SELECT id FROM ig_media \
         WHERE parent_id IS NULL AND media_product_type IN ('FEED', 'REELS') AND owner_id = $1 \
         ORDER BY timestamp_ms DESC, id COLLATE \"C\" DESC LIMIT 26",
    )
    .bind(JANE)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("Index Scan using ig_media_owner_timestamp") && !plan.contains("Sort"),
        "the first page is an ordered index scan:\n{plan}"
    );
}

// ------------------------------------------------------------------------------------------------
// The App Dashboard
// ------------------------------------------------------------------------------------------------

async fn story_dashboard_apps(ctx: &Ctx) {
    let store = ctx.store();
    assert!(store.list_apps().await.unwrap().is_empty());
    seed(store).await;
    let names: Vec<String> = store
        .list_apps()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Alpha", "Beta"]);

    // A new app, then its settings changed: everything round-trips, trailing slashes included.
    let mut created = app("1003", "Aardvark");
    created.redirect_uris = vec![
        "https://z.example/cb/".into(),
        "https://z.example/cb".into(),
    ];
    store.save_app(&created).await.unwrap();
    created.mode = AppMode::Live;
    created.products = vec![Product::InstagramBasicDisplay];
    created.require_appsecret_proof = true;
    created.page_creation_allowed = true;
    created.deauthorize_callback_url = Some("https://z.example/deauth".into());
    created.data_deletion_url = Some("https://z.example/delete".into());
    created.secret_hash = "another-hash".into();
    store.save_app(&created).await.unwrap();
    assert_eq!(store.find_app("1003").await.unwrap(), Some(created.clone()));
    // The Page creation allowlist is taken away again, and stays off.
    created.page_creation_allowed = false;
    store.save_app(&created).await.unwrap();
    assert!(
        !store
            .find_app("1003")
            .await
            .unwrap()
            .unwrap()
            .page_creation_allowed
    );
    created.page_creation_allowed = true;
    store.save_app(&created).await.unwrap();
    assert_eq!(store.find_app("1003").await.unwrap(), Some(created.clone()));

    // The guide's fields: contact e-mail, Site URL, the Instagram app (found by its own id,
    // never by the app's; its sealed secret kept when a save carries none, dropped with it).
    assert_eq!(
        store.find_app_by_instagram_app_id("1003").await.unwrap(),
        None
    );
    created.contact_email = Some("dev@z.example".into());
    created.site_url = Some("https://z.example/".into());
    created.instagram_app = Some(localgram_core::model::InstagramApp {
        id: "2003".into(),
        name: "Aardvark IG".into(),
        secret_hash: "ig-hash".into(),
        secret_sealed: Some("v1.sealed-ig".into()),
    });
    store.save_app(&created).await.unwrap();
    assert_eq!(store.find_app("1003").await.unwrap(), Some(created.clone()));
    assert_eq!(
        store.find_app_by_instagram_app_id("2003").await.unwrap(),
        Some(created.clone())
    );
    let mut unsealed = created.clone();
    unsealed.instagram_app.as_mut().unwrap().secret_sealed = None;
    store.save_app(&unsealed).await.unwrap();
    assert_eq!(store.find_app("1003").await.unwrap(), Some(created.clone()));
    // Another app cannot take the same Instagram app id.
    let mut thief = app("1004", "Thief");
    thief.instagram_app = created.instagram_app.clone();
    assert!(store.save_app(&thief).await.is_err());
    assert_eq!(store.find_app("1004").await.unwrap(), None);
    let mut without = created.clone();
    without.instagram_app = None;
    store.save_app(&without).await.unwrap();
    assert_eq!(store.find_app("1003").await.unwrap(), Some(without));
    assert_eq!(
        store.find_app_by_instagram_app_id("2003").await.unwrap(),
        None
    );
    store.save_app(&created).await.unwrap();
    let all = store.list_apps().await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], created, "ordered by name");

    // Saving an app keeps its testers.
    let mut alpha = store.find_app(APP_A).await.unwrap().unwrap();
    alpha.name = "Alpha 2".into();
    store.save_app(&alpha).await.unwrap();
    assert_eq!(store.list_testers(APP_A).await.unwrap().len(), 2);

    let users: Vec<String> = store
        .list_ig_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(users, ["ana", "jane", "joe"]);
}

async fn story_dashboard_testers_and_roles(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let testers = store.list_testers(APP_A).await.unwrap();
    assert_eq!(
        testers
            .iter()
            .map(|t| (t.ig_user_id.as_str(), t.status))
            .collect::<Vec<_>>(),
        [(JANE, TesterStatus::Accepted), (JOE, TesterStatus::Invited)]
    );

    // Invite, decline, invite again, accept.
    let mut ana = AppTester {
        app_id: APP_A.into(),
        ig_user_id: ANA.into(),
        status: TesterStatus::Invited,
    };
    store.set_tester(&ana).await.unwrap();
    ana.status = TesterStatus::Declined;
    store.set_tester(&ana).await.unwrap();
    assert_eq!(
        store.find_tester_status(APP_A, ANA).await.unwrap(),
        Some(TesterStatus::Declined)
    );
    let invitations = store.list_invitations(ANA).await.unwrap();
    assert_eq!(
        invitations
            .iter()
            .map(|t| (t.app_id.as_str(), t.status))
            .collect::<Vec<_>>(),
        [
            (APP_A, TesterStatus::Declined),
            (APP_B, TesterStatus::Accepted)
        ]
    );
    ana.status = TesterStatus::Accepted;
    store.set_tester(&ana).await.unwrap();
    assert_eq!(
        store.find_tester_status(APP_A, ANA).await.unwrap(),
        Some(TesterStatus::Accepted)
    );

    // Unknown app or account: not found, nothing written.
    for (app_id, user) in [("9999", JANE), (APP_A, "no-such-user")] {
        let before = ctx.table_counts().await;
        let r = store
            .set_tester(&AppTester {
                app_id: app_id.into(),
                ig_user_id: user.into(),
                status: TesterStatus::Invited,
            })
            .await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
        assert_eq!(ctx.table_counts().await, before);
    }

    assert!(store.remove_tester(APP_A, JOE).await.unwrap());
    assert!(!store.remove_tester(APP_A, JOE).await.unwrap());
    assert_eq!(store.find_tester_status(APP_A, JOE).await.unwrap(), None);

    // Facebook app roles.
    assert_eq!(store.list_app_roles(APP_A).await.unwrap().len(), 1);
    let role = AppRole {
        app_id: APP_A.into(),
        fb_user_id: NOMAIL_1.into(),
        role: "tester".into(),
    };
    store.set_app_role(&role).await.unwrap();
    let role = AppRole {
        role: "developer".into(),
        ..role
    };
    store.set_app_role(&role).await.unwrap();
    assert_eq!(
        store.list_app_roles(APP_A).await.unwrap(),
        vec![
            AppRole {
                app_id: APP_A.into(),
                fb_user_id: DEV.into(),
                role: "admin".into(),
            },
            role.clone(),
        ]
    );
    let r = store
        .set_app_role(&AppRole {
            fb_user_id: "no-such-user".into(),
            ..role.clone()
        })
        .await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert!(store.remove_app_role(APP_A, NOMAIL_1).await.unwrap());
    assert!(!store.remove_app_role(APP_A, NOMAIL_1).await.unwrap());
    assert_eq!(store.find_app_role(APP_A, NOMAIL_1).await.unwrap(), None);
}

async fn story_dashboard_authorized_apps(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let now = from_millis(T0 + MINUTE);
    assert!(
        store
            .list_authorized_apps(JANE, now)
            .await
            .unwrap()
            .is_empty()
    );
    let mut a1 = ig_token("a1");
    a1.scopes = vec!["instagram_business_basic".into()];
    let mut a2 = ig_token("a2");
    a2.scopes = vec![
        "instagram_business_content_publish".into(),
        "instagram_business_basic".into(),
    ];
    let mut expired = ig_token("a3");
    expired.expires_at = Some(now);
    let mut revoked = ig_token("a4");
    revoked.revoked_at = Some(from_millis(T0));
    let mut other_app = ig_token("b1");
    other_app.app_id = APP_B.into();
    other_app.expires_at = None;
    let mut other_user = ig_token("c1");
    other_user.subject = Subject::Instagram(JOE.into());
    for t in [&a1, &a2, &expired, &revoked, &other_app, &other_user] {
        store.insert_token(t).await.unwrap();
    }
    let apps = store.list_authorized_apps(JANE, now).await.unwrap();
    assert_eq!(
        apps,
        vec![
            localgram_core::store::AuthorizedApp {
                app_id: APP_A.into(),
                app_name: "Alpha".into(),
                scopes: vec![
                    "instagram_business_basic".into(),
                    "instagram_business_content_publish".into(),
                ],
                live_tokens: 2,
            },
            localgram_core::store::AuthorizedApp {
                app_id: APP_B.into(),
                app_name: "Beta".into(),
                scopes: vec!["instagram_business_basic".into()],
                live_tokens: 1,
            },
        ]
    );

    // Removing an app revokes its unrevoked tokens of that account only.
    assert_eq!(
        store
            .revoke_app_tokens_of_user(APP_A, JANE, now)
            .await
            .unwrap(),
        3,
        "a1, a2 and the expired a3"
    );
    assert_eq!(
        store
            .revoke_app_tokens_of_user(APP_A, JANE, now)
            .await
            .unwrap(),
        0
    );
    let apps = store.list_authorized_apps(JANE, now).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].app_id, APP_B);
    let joe = store.find_token("token-hash-c1").await.unwrap().unwrap();
    assert_eq!(joe.revoked_at, None);
    let a1 = store.find_token("token-hash-a1").await.unwrap().unwrap();
    assert_eq!(a1.revoked_at, Some(now));
}

// ------------------------------------------------------------------------------------------------
// Meta checks
// ------------------------------------------------------------------------------------------------

/// Every method of every store trait is called somewhere in this file.
#[test]
fn every_store_method_appears_in_a_story() {
    let port = include_str!("../../localgram-core/src/store.rs");
    let this = include_str!("store_conformance.rs");
    let mut methods = Vec::new();
    let mut in_trait = false;
    for line in port.lines() {
        if line.starts_with("pub trait ") {
            in_trait = true;
        } else if line == "}" {
            in_trait = false;
        } else if in_trait && let Some((_, rest)) = line.split_once("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            methods.push(name);
        }
    }
    assert!(
        methods.len() >= 20,
        "parsed too few trait methods from store.rs: {methods:?}"
    );
    let missing: Vec<_> = methods
        .iter()
        .filter(|name| !this.contains(&format!(".{name}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "store methods no story calls: {missing:?}"
    );
}

/// Tables, columns and nullability as each backend reports them.
type Schema = BTreeSet<(String, String, bool)>;

async fn sqlite_schema(pool: &sqlx::SqlitePool) -> Schema {
    sqlx::query_as::<_, (String, String, i64)>(
        "SELECT m.name, p.name, p.\"notnull\"
         FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(table, column, not_null)| (table, column, not_null == 0))
    .collect()
}

async fn postgres_schema(pool: &sqlx::PgPool) -> Schema {
    sqlx::query_as::<_, (String, String, bool)>(
        "SELECT table_name::text, column_name::text, is_nullable = 'YES'
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

fn migration_files(backend: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../localgram-store/migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The two migration histories stay in lockstep: same files, same tables, same columns.
#[tokio::test]
async fn schema_parity() {
    let sqlite_files = migration_files("sqlite");
    assert!(!sqlite_files.is_empty());
    assert_eq!(
        sqlite_files,
        migration_files("postgres"),
        "migration file names"
    );

    let ctx = open_sqlite().await;
    let Raw::Sqlite(pool) = &ctx.raw else {
        unreachable!()
    };
    let sqlite = sqlite_schema(pool).await;
    let tables: BTreeSet<&str> = sqlite.iter().map(|(table, _, _)| table.as_str()).collect();
    assert_eq!(tables, BTreeSet::from(TABLES), "the SQLite tables");

    let Some(admin_url) = pg_admin_url() else {
        return;
    };
    let (url, _drop_database) = create_pg_database(&admin_url).await;
    let store = PgStore::connect(&url, false)
        .await
        .expect("connecting without migrating");
    assert!(
        postgres_schema(store.pool()).await.is_empty(),
        "no tables before migrate()"
    );
    store.migrate().await.expect("migrate");
    store.migrate().await.expect("migrate is idempotent");
    let postgres = postgres_schema(store.pool()).await;
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ (table, column, nullable):\n only in SQLite: {only_sqlite:?}\n \
         only in Postgres: {only_postgres:?}"
    );
    store.pool().close().await;
}

// ------------------------------------------------------------------------------------------------
// Facebook grants, Pages and cities
// ------------------------------------------------------------------------------------------------

fn grant(page_ids: &[&str], at_ms: i64) -> FbGrant {
    FbGrant {
        app_id: APP_A.into(),
        fb_user_id: DEV.into(),
        scopes: vec!["public_profile".into(), "pages_show_list".into()],
        page_ids: page_ids.iter().map(|p| (*p).to_owned()).collect(),
        granted_at: from_millis(at_ms),
    }
}

fn fb_token(id: &str, kind: TokenKind, user: &str) -> TokenRecord {
    TokenRecord {
        scopes: vec!["pages_show_list".into()],
        ..token(id, APP_A, kind, Subject::Facebook(user.into()))
    }
}

async fn story_fb_grants(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    assert_eq!(store.find_fb_grant(APP_A, DEV).await.unwrap(), None);
    store.upsert_fb_grant(&grant(&[PAGE], T0)).await.unwrap();
    assert_eq!(
        store.find_fb_grant(APP_A, DEV).await.unwrap(),
        Some(grant(&[PAGE], T0))
    );
    // A second grant replaces the first.
    store
        .upsert_fb_grant(&grant(&[], T0 + MINUTE))
        .await
        .unwrap();
    assert_eq!(
        store.find_fb_grant(APP_A, DEV).await.unwrap(),
        Some(grant(&[], T0 + MINUTE))
    );
    assert_eq!(store.find_fb_grant(APP_B, DEV).await.unwrap(), None);
    // Revoking deletes the grant and revokes the user's and Page tokens of that app only.
    let user_token = fb_token("fb-user", TokenKind::FacebookUser, DEV);
    let mut page_token = fb_token("fb-page", TokenKind::Page, DEV);
    page_token.page_id = Some(PAGE.into());
    let other_user = fb_token("fb-other", TokenKind::FacebookUser, NOMAIL_1);
    let other_app = TokenRecord {
        app_id: APP_B.into(),
        ..fb_token("fb-other-app", TokenKind::FacebookUser, DEV)
    };
    for t in [&user_token, &page_token, &other_user, &other_app] {
        store.insert_token(t).await.unwrap();
    }
    let now = from_millis(T0 + 2 * MINUTE);
    // Three: these two and the world's own Page token of DEV on APP_A.
    assert_eq!(store.revoke_fb_grant(APP_A, DEV, now).await.unwrap(), 3);
    assert_eq!(store.find_fb_grant(APP_A, DEV).await.unwrap(), None);
    for (t, revoked) in [
        (&user_token, true),
        (&page_token, true),
        (&other_user, false),
        (&other_app, false),
    ] {
        let found = store.find_token(&t.token_hash).await.unwrap().unwrap();
        assert_eq!(found.revoked_at.is_some(), revoked, "{}", t.id);
        if revoked {
            assert_eq!(found.revoked_at, Some(now));
        }
    }
    // Revoking again revokes nothing.
    assert_eq!(store.revoke_fb_grant(APP_A, DEV, now).await.unwrap(), 0);
}

async fn story_user_pages_and_cities(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let plan = world();
    let pages = store.list_user_pages(DEV).await.unwrap();
    assert_eq!(
        pages,
        vec![UserPage {
            page: plan.pages[0].clone(),
            tasks: vec!["MANAGE".into(), "CREATE_CONTENT".into()],
        }]
    );
    assert_eq!(store.list_user_pages(NOMAIL_1).await.unwrap(), vec![]);
    assert_eq!(
        store.find_page(PAGE).await.unwrap(),
        Some(plan.pages[0].clone())
    );
    assert_eq!(store.find_page("404").await.unwrap(), None);
    assert_eq!(store.list_cities().await.unwrap(), plan.cities);
}

async fn story_create_page(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let page = Page {
        id: "200002".into(),
        name: "New Page".into(),
        category_enum: "CAFE".into(),
        about: String::new(),
        description: String::new(),
        phone: String::new(),
        website: String::new(),
        is_place: false,
        is_promotable: true,
        business_id: String::new(),
        instagram_business_account: None,
        extra: serde_json::json!({"category_list": ["128673187201735"]}),
    };
    let role = PageRole {
        page_id: "200002".into(),
        fb_user_id: DEV.into(),
        tasks: vec!["ANALYZE".into(), "MANAGE".into()],
    };
    store.create_page(&page, &role).await.unwrap();
    assert_eq!(store.find_page("200002").await.unwrap(), Some(page.clone()));
    let ids: Vec<String> = store
        .list_user_pages(DEV)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.page.id)
        .collect();
    assert_eq!(ids, vec![PAGE.to_owned(), "200002".to_owned()], "by id");
    // An existing id is a conflict and writes nothing (not even the role).
    let before = ctx.table_counts().await;
    let clash = Page {
        name: "Clash".into(),
        ..page.clone()
    };
    let other_role = PageRole {
        fb_user_id: NOMAIL_1.into(),
        ..role.clone()
    };
    assert_conflict(store.create_page(&clash, &other_role).await, &["200002"]);
    assert_eq!(ctx.table_counts().await, before);
    assert_eq!(store.find_page("200002").await.unwrap(), Some(page));
    assert_eq!(store.list_user_pages(NOMAIL_1).await.unwrap(), vec![]);
}

fn test_user_link(user: &str, at_ms: i64) -> TestUserLink {
    TestUserLink {
        app_id: APP_A.into(),
        fb_user_id: user.into(),
        created_at: from_millis(at_ms),
    }
}

async fn story_test_users(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    const NEW: &str = "100009";
    let new_user = FbUser {
        id: NEW.into(),
        name: "New Tester".into(),
        email: Some("newtester_100009@tfbnw.net".into()),
        password_hash: Some("$argon2id$v=19$hash".into()),
        test_user: true,
        checkpointed: false,
        blocked: false,
    };
    let new_grant = FbGrant {
        fb_user_id: NEW.into(),
        ..grant(&[], T0)
    };
    // A new user, its association and its grant, in one write.
    assert!(
        store
            .add_test_user(
                Some(&new_user),
                &test_user_link(NEW, T0),
                Some(&new_grant),
                2
            )
            .await
            .unwrap()
    );
    assert_eq!(
        store.find_fb_user(NEW).await.unwrap(),
        Some(new_user.clone())
    );
    assert_eq!(
        store.find_test_user(APP_A, NEW).await.unwrap(),
        Some(test_user_link(NEW, T0))
    );
    assert_eq!(
        store.find_fb_grant(APP_A, NEW).await.unwrap(),
        Some(new_grant)
    );
    // An existing user associated, without a grant; the list is oldest first, then by id.
    assert!(
        store
            .add_test_user(None, &test_user_link(NOMAIL_1, T0), None, 2)
            .await
            .unwrap()
    );
    assert_eq!(
        store.list_test_users(APP_A).await.unwrap(),
        vec![test_user_link(NOMAIL_1, T0), test_user_link(NEW, T0)]
    );
    assert_eq!(store.list_test_users(APP_B).await.unwrap(), vec![]);
    assert_eq!(store.find_test_user(APP_B, NEW).await.unwrap(), None);
    // At the limit: refused, nothing written.
    let before = ctx.table_counts().await;
    assert!(
        !store
            .add_test_user(None, &test_user_link(NOMAIL_2, T0 + MINUTE), None, 2)
            .await
            .unwrap()
    );
    // A new user whose id exists is a conflict and writes nothing.
    assert_conflict(
        store
            .add_test_user(
                Some(&fb_user(DEV, None)),
                &test_user_link(DEV, T0 + MINUTE),
                None,
                10,
            )
            .await,
        &[DEV],
    );
    assert_eq!(ctx.table_counts().await, before);
    // Removal: unknown user and only test user write nothing; otherwise the association, the
    // grant and the user's tokens of the app go.
    let t = fb_token("tu-token", TokenKind::FacebookUser, NEW);
    store.insert_token(&t).await.unwrap();
    let now = from_millis(T0 + 2 * MINUTE);
    assert_eq!(
        store.remove_test_user(APP_A, DEV, now).await.unwrap(),
        TestUserRemoval::NotFound
    );
    assert_eq!(
        store.remove_test_user(APP_A, NEW, now).await.unwrap(),
        TestUserRemoval::Removed
    );
    assert_eq!(store.find_test_user(APP_A, NEW).await.unwrap(), None);
    assert_eq!(store.find_fb_grant(APP_A, NEW).await.unwrap(), None);
    let found = store.find_token(&t.token_hash).await.unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(now));
    assert!(
        store.find_fb_user(NEW).await.unwrap().is_some(),
        "the user stays"
    );
    let before = ctx.table_counts().await;
    assert_eq!(
        store.remove_test_user(APP_A, NOMAIL_1, now).await.unwrap(),
        TestUserRemoval::OnlyOne
    );
    assert_eq!(ctx.table_counts().await, before);
    assert_eq!(
        store.list_test_users(APP_A).await.unwrap(),
        vec![test_user_link(NOMAIL_1, T0)]
    );
}

/// `revoke_token` revokes the one token, once.
async fn story_revoke_one_token(ctx: &Ctx) {
    let store = ctx.store();
    seed(store).await;
    let t = token(
        "rv1",
        APP_A,
        TokenKind::FacebookUserLongLived,
        Subject::Facebook(DEV.into()),
    );
    let other = token(
        "rv2",
        APP_A,
        TokenKind::FacebookUserLongLived,
        Subject::Facebook(DEV.into()),
    );
    store.insert_token(&t).await.unwrap();
    store.insert_token(&other).await.unwrap();
    let at = from_millis(T0 + MINUTE);
    assert!(store.revoke_token("rv1", at).await.unwrap());
    assert!(
        !store
            .revoke_token("rv1", from_millis(T0 + 2 * MINUTE))
            .await
            .unwrap()
    );
    assert!(!store.revoke_token("missing", at).await.unwrap());
    let found = store.find_token(&t.token_hash).await.unwrap().unwrap();
    assert_eq!(
        found.revoked_at,
        Some(at),
        "the first revocation's instant stays"
    );
    let untouched = store.find_token(&other.token_hash).await.unwrap().unwrap();
    assert_eq!(untouched.revoked_at, None);
}

/// The shared test clock and the shared journal (used on PostgreSQL by several instances).
async fn story_shared_clock_and_journal(ctx: &Ctx) {
    use localgram_core::store::JournalCall;
    let store = ctx.store();
    assert_eq!(store.read_shared_clock().await.unwrap(), None);
    assert_eq!(store.write_shared_clock(true, T0).await.unwrap(), 1);
    assert_eq!(store.write_shared_clock(false, -5_000).await.unwrap(), 2);
    assert_eq!(
        store.read_shared_clock().await.unwrap(),
        Some((false, -5_000, 2))
    );
    let call = |i: i64| JournalCall {
        at_ms: T0 + i,
        method: "GET".into(),
        host: "graph.instagram.com".into(),
        path: format!("/graph.instagram.com/{i}"),
        query: (i % 2 == 0).then(|| "access_token=[redacted]".to_owned()),
        form: None,
        status: 200,
        graph_code: 0,
        latency_ms: i,
        app: Some(APP_A.into()),
        user: None,
        faults: if i == 4 {
            "f1,f2".into()
        } else {
            String::new()
        },
    };
    for i in 0..5 {
        store.insert_journal_call(&call(i), 3).await.unwrap();
    }
    let listed = store.list_journal_calls(10).await.unwrap();
    assert_eq!(
        listed,
        vec![call(4), call(3), call(2)],
        "the newest 3, newest first"
    );
    assert_eq!(store.list_journal_calls(1).await.unwrap(), vec![call(4)]);
    assert_eq!(store.clear_journal_calls().await.unwrap(), 3);
    assert!(store.list_journal_calls(10).await.unwrap().is_empty());
}

/// Shared fault rules: order, replacement by id, and counts raised atomically under contention.
async fn story_shared_fault_rules(ctx: &Ctx) {
    let store = ctx.store();
    store.put_fault_rule("a", "{\"x\":1}").await.unwrap();
    store.put_fault_rule("b", "{\"x\":2}").await.unwrap();
    assert_eq!(
        store
            .count_fault_match("a", Box::new(|n, _| n == 1))
            .await
            .unwrap(),
        Some((true, 1))
    );
    assert_eq!(
        store
            .count_fault_match("missing", Box::new(|_, _| true))
            .await
            .unwrap(),
        None
    );
    // Replacing a rule keeps its place and resets its counts.
    store.put_fault_rule("a", "{\"x\":3}").await.unwrap();
    assert_eq!(
        store.list_fault_rules().await.unwrap(),
        vec![
            ("a".to_owned(), "{\"x\":3}".to_owned(), 0, 0),
            ("b".to_owned(), "{\"x\":2}".to_owned(), 0, 0)
        ]
    );
    // 20 concurrent matches of a rule that fires at most 5 times: exactly 5 fire.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&ctx.store);
            tokio::spawn(async move {
                store
                    .count_fault_match("b", Box::new(|_, fired| fired < 5))
                    .await
            })
        })
        .collect();
    let mut fired = 0;
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let (f, n) = t.await.unwrap().unwrap().unwrap();
        fired += usize::from(f);
        numbers.insert(n);
    }
    assert_eq!(fired, 5);
    assert_eq!(numbers.len(), 20, "every match has its own number");
    assert!(store.delete_fault_rule("a").await.unwrap());
    assert!(!store.delete_fault_rule("a").await.unwrap());
    assert_eq!(store.clear_fault_rules().await.unwrap(), 1);
    assert!(store.list_fault_rules().await.unwrap().is_empty());
}

// ------------------------------------------------------------------------------------------------
// State: reset, snapshots, dump
// ------------------------------------------------------------------------------------------------

/// Every table is named by exactly one of the state lists: a new table must say whether a reset
/// and a snapshot cover it.
#[test]
fn every_table_is_classified_for_reset_and_snapshots() {
    let mut classified: Vec<&str> = localgram_store::STATE_TABLES
        .iter()
        .chain(localgram_store::CLEARED_TABLES)
        .chain(localgram_store::KEPT_TABLES)
        .copied()
        .filter(|t| *t != "_sqlx_migrations")
        .collect();
    classified.sort_unstable();
    let before = classified.len();
    classified.dedup();
    assert_eq!(before, classified.len(), "a table is listed twice");
    let mut tables = TABLES.to_vec();
    tables.sort_unstable();
    assert_eq!(classified, tables);
}

/// The tables holding snapshot copies, as the database lists them.
async fn snapshot_tables(ctx: &Ctx) -> i64 {
    match &ctx.raw {
        Raw::Sqlite(_) => {
            ctx.count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'snap\\_%' ESCAPE '\\'")
                .await
        }
        Raw::Postgres(_) => {
            ctx.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'snap\\_%'")
                .await
        }
    }
}

async fn story_state_reset(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    store.apply_world(&plan).await.unwrap();
    store.insert_token(&ig_token("t-extra")).await.unwrap();
    store
        .insert_csrf("csrf-1", "browser", from_millis(T0 + MINUTE))
        .await
        .unwrap();
    store.hit_counter("app:1", T0, T0 - MINUTE).await.unwrap();
    store.flush().await.unwrap();
    let secret = store.get_or_init_secret("cookie", b"k1").await.unwrap();
    let blobs = ctx.count("SELECT COUNT(*) FROM blobs").await;
    let secrets = ctx.count("SELECT COUNT(*) FROM server_secrets").await;

    // Empty: every state table and cleared table has no rows; keys and files are kept.
    store.reset(None).await.unwrap();
    for (table, n) in ctx.table_counts().await {
        let expected = match table {
            "server_secrets" => secrets,
            "blobs" => blobs,
            _ => 0,
        };
        assert_eq!(n, expected, "{table} after an empty reset");
    }
    assert!(store.is_empty().await.unwrap());
    assert_eq!(
        store.read_counter("app:1", 0).await.unwrap(),
        0,
        "rate counts forgotten"
    );
    assert_eq!(
        store.get_or_init_secret("cookie", b"k2").await.unwrap(),
        secret,
        "the instance's keys are kept"
    );
    assert!(
        store
            .find_token("token-hash-t-extra")
            .await
            .unwrap()
            .is_none()
    );

    // With a plan: the world again, and only it.
    store.reset(Some(&plan)).await.unwrap();
    for app in &plan.apps {
        assert_eq!(store.find_app(&app.id).await.unwrap().as_ref(), Some(app));
    }
    assert_eq!(
        store.list_children("m2").await.unwrap().len(),
        plan.media
            .iter()
            .filter(|m| m.parent_id.as_deref() == Some("m2"))
            .count()
    );
    assert!(
        store
            .find_token("token-hash-t-extra")
            .await
            .unwrap()
            .is_none()
    );
    for t in &plan.tokens {
        assert_eq!(
            store.find_token(&t.token_hash).await.unwrap().as_ref(),
            Some(t)
        );
    }

    // A reset whose plan fails writes nothing: the state before it stays whole.
    let mut bad = plan.clone();
    bad.testers.push(AppTester {
        app_id: APP_A.into(),
        ig_user_id: "404".into(),
        status: TesterStatus::Accepted,
    });
    let before = ctx.table_counts().await;
    store.reset(Some(&bad)).await.unwrap_err();
    assert_eq!(ctx.table_counts().await, before);
}

async fn story_snapshots(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    store.apply_world(&plan).await.unwrap();
    assert_eq!(store.list_snapshots().await.unwrap(), vec![]);
    store
        .save_snapshot("base", from_millis(T0), r#"{"clock":1}"#)
        .await
        .unwrap();
    let saved = ctx.table_counts().await;
    let dump = store.dump_state().await.unwrap();

    // Change the state: a new token, a revoked one, a removed tester, a new app, a code.
    store.insert_token(&ig_token("t-after")).await.unwrap();
    store
        .revoke_fb_grant(APP_A, DEV, from_millis(T0 + MINUTE))
        .await
        .unwrap();
    assert!(store.remove_tester(APP_A, JANE).await.unwrap());
    store.save_app(&app("1003", "Gamma")).await.unwrap();
    store
        .insert_code(&code(
            "c-after",
            Subject::Instagram(JANE.into()),
            T0 + MINUTE,
        ))
        .await
        .unwrap();
    store.hit_counter("app:1", T0, T0 - MINUTE).await.unwrap();
    assert_ne!(ctx.table_counts().await, saved);

    let info = store
        .restore_snapshot("base")
        .await
        .unwrap()
        .expect("restored");
    assert_eq!(info.name, "base");
    assert_eq!(info.created_at, from_millis(T0));
    assert_eq!(info.meta, r#"{"clock":1}"#);
    assert_eq!(ctx.table_counts().await, saved);
    assert_eq!(store.dump_state().await.unwrap(), dump);
    assert!(
        store
            .find_token("token-hash-t-after")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.find_app("1003").await.unwrap().is_none());
    assert_eq!(
        store.find_tester_status(APP_A, JANE).await.unwrap(),
        Some(TesterStatus::Accepted)
    );
    assert_eq!(store.read_counter("app:1", 0).await.unwrap(), 0);

    // A snapshot survives a restore and a reset, and restores again.
    store.reset(None).await.unwrap();
    assert!(store.is_empty().await.unwrap());
    store
        .restore_snapshot("base")
        .await
        .unwrap()
        .expect("restored");
    assert_eq!(store.dump_state().await.unwrap(), dump);
    let media = &plan.media[0];
    assert_eq!(
        store.find_media(&media.id).await.unwrap().as_ref(),
        Some(media)
    );

    // A snapshot saved before migration 0011 (no guide columns on its apps) restores, the new
    // columns empty.
    let guide_columns = [
        "contact_email",
        "site_url",
        "instagram_app_id",
        "instagram_app_name",
        "instagram_secret_hash",
        "instagram_secret_sealed",
    ];
    let snap_id = ctx
        .count("SELECT id FROM snapshots WHERE name = 'base'")
        .await;
    for column in guide_columns {
        ctx.exec(&format!(
            "ALTER TABLE snap_{snap_id}_apps DROP COLUMN {column}"
        ))
        .await;
    }
    store.reset(None).await.unwrap();
    store
        .restore_snapshot("base")
        .await
        .unwrap()
        .expect("an older snapshot restores");
    assert_eq!(store.dump_state().await.unwrap(), dump);

    // Saving under the same name replaces it; names are listed in order.
    store
        .save_snapshot("empty", from_millis(T0 + 1), "{}")
        .await
        .unwrap();
    store
        .save_snapshot("base", from_millis(T0 + 2), "{}")
        .await
        .unwrap();
    let names: Vec<_> = store
        .list_snapshots()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.name, to_millis(s.created_at)))
        .collect();
    assert_eq!(
        names,
        vec![("base".into(), T0 + 2), ("empty".into(), T0 + 1)]
    );
    assert_eq!(
        snapshot_tables(ctx).await,
        2 * localgram_store::STATE_TABLES.len() as i64,
        "a replaced snapshot's tables are dropped"
    );

    // Unknown names.
    assert_eq!(store.restore_snapshot("nope").await.unwrap(), None);
    assert!(!store.delete_snapshot("nope").await.unwrap());
    assert!(store.delete_snapshot("base").await.unwrap());
    assert!(store.delete_snapshot("empty").await.unwrap());
    assert_eq!(store.list_snapshots().await.unwrap(), vec![]);
    assert_eq!(snapshot_tables(ctx).await, 0);
}

/// A restore dropped after any number of polls leaves the old state or the snapshot's, whole.
async fn story_snapshot_restore_is_whole(ctx: &Ctx) {
    let store = ctx.store.clone();
    store
        .save_snapshot("empty", from_millis(T0), "{}")
        .await
        .unwrap();
    let mut empty = ctx.table_counts().await;
    empty.remove("blobs");
    store.apply_world(&world()).await.unwrap();
    let mut full = ctx.table_counts().await;
    full.remove("blobs");
    for polls in [1, 2, 3, 5, 8, 13, 21] {
        let finished = poll_then_drop(store.restore_snapshot("empty"), polls)
            .await
            .is_some();
        // PostgreSQL runs a write on a task of its own from its first poll, so a dropped restore
        // still runs, later: wait until it has (every state seen on the way must be one of the
        // two, whole), or the next write could land before it. SQLite's one writer runs it
        // before any later write.
        let wait = !finished && ctx.expected_backend == "postgres";
        let mut waited = 0;
        let counts = loop {
            let mut counts = ctx.table_counts().await;
            // Files are kept by a restore (content-addressed, served only through the rows).
            counts.remove("blobs");
            assert!(
                counts == empty || counts == full,
                "half a restore after {polls} polls: {counts:?}"
            );
            if !wait || counts == empty {
                break counts;
            }
            waited += 1;
            assert!(waited < 3000, "a dropped restore never finished");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        };
        if finished {
            assert_eq!(counts, empty);
        }
        store.apply_world(&world()).await.unwrap();
        let mut again = ctx.table_counts().await;
        again.remove("blobs");
        assert_eq!(again, full);
    }
}

async fn story_dump_state(ctx: &Ctx) {
    let store = ctx.store();
    let plan = world();
    store.apply_world(&plan).await.unwrap();
    let dump = store.dump_state().await.unwrap();
    let mut apps = plan.apps.clone();
    apps.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(dump.apps, apps);
    let mut ig_users = plan.ig_users.clone();
    ig_users.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(dump.ig_users, ig_users);
    let mut fb_users = plan.fb_users.clone();
    fb_users.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(dump.fb_users, fb_users);
    assert_eq!(dump.media.len(), plan.media.len());
    for m in &plan.media {
        assert!(dump.media.contains(m), "{} dumped whole", m.id);
    }
    assert_eq!(dump.cities, plan.cities);
    assert_eq!(dump.pages, plan.pages);
    assert_eq!(dump.page_roles, plan.page_roles);
    let mut testers = plan.testers.clone();
    testers.sort_by(|a, b| (&a.app_id, &a.ig_user_id).cmp(&(&b.app_id, &b.ig_user_id)));
    assert_eq!(dump.testers, testers);
    let mut roles = plan.app_roles.clone();
    roles.sort_by(|a, b| (&a.app_id, &a.fb_user_id).cmp(&(&b.app_id, &b.fb_user_id)));
    assert_eq!(dump.app_roles, roles);
    assert_eq!(dump.tokens.len(), plan.tokens.len());
    for t in &plan.tokens {
        assert!(dump.tokens.contains(t), "token {} dumped whole", t.id);
    }
}

// ------------------------------------------------------------------------------------------------
// Content publishing
// ------------------------------------------------------------------------------------------------

fn container(
    id: &str,
    kind: localgram_core::publishing::ContainerKind,
) -> localgram_core::publishing::Container {
    localgram_core::publishing::Container {
        id: id.into(),
        owner_id: JANE.into(),
        app_id: APP_A.into(),
        kind,
        is_video: false,
        is_carousel_item: false,
        children: Vec::new(),
        caption: Some(format!("caption of {id}")),
        alt_text: Some("alt".into()),
        location_id: None,
        user_tags: Some(serde_json::json!([{"username": "joe", "x": 0.5, "y": 0.25}])),
        share_to_feed: None,
        thumb_offset: Some(1500),
        source_url: Some(format!("http://127.0.0.1/{id}.jpg")),
        cover_url: None,
        media_blob: None,
        thumbnail_blob: None,
        created_at: from_millis(T0),
        ready_at: from_millis(T0 + 2000),
        error_subcode: None,
        published_media_id: None,
        published_at: None,
    }
}

async fn story_publishing_containers(ctx: &Ctx) {
    use localgram_core::publishing::{ContainerKind, PublishOutcome};
    let store = ctx.store();
    store.apply_world(&world()).await.unwrap();
    let window = from_millis(T0 - 86_400_000);
    let photo = Blob::new("image/jpeg", b"\xff\xd8\xff published photo".to_vec());

    // Stored with its blob, read back whole.
    let mut image = container("17000000000000001", ContainerKind::Image);
    image.media_blob = Some(photo.sha256.clone());
    assert!(
        store
            .insert_container(&image, std::slice::from_ref(&photo), 3, window)
            .await
            .unwrap()
    );
    assert_eq!(
        store.find_container(&image.id).await.unwrap(),
        Some(image.clone())
    );
    assert_eq!(
        store.find_blob(&photo.sha256).await.unwrap(),
        Some(photo.clone())
    );
    assert_eq!(
        store.find_container("17000000000000999").await.unwrap(),
        None
    );

    // The carousel and its items.
    let mut items = Vec::new();
    for (i, video) in [(2, false), (3, true)] {
        let mut item = container(
            &format!("1700000000000000{i}"),
            if video {
                ContainerKind::Video
            } else {
                ContainerKind::Image
            },
        );
        item.is_carousel_item = true;
        item.is_video = video;
        item.caption = None;
        assert!(store.insert_container(&item, &[], 3, window).await.unwrap());
        items.push(item);
    }
    // The fourth container in the window is refused, and nothing is written.
    let before = ctx.table_counts().await;
    let mut album = container("17000000000000004", ContainerKind::Carousel);
    album.children = items.iter().map(|c| c.id.clone()).collect();
    album.user_tags = None;
    assert!(
        !store
            .insert_container(&album, std::slice::from_ref(&photo), 3, window)
            .await
            .unwrap()
    );
    assert_eq!(ctx.table_counts().await, before);
    // Containers older than the window do not count.
    assert!(
        store
            .insert_container(&album, &[], 3, from_millis(T0 + 1))
            .await
            .unwrap()
    );
    assert_eq!(
        store.find_container(&album.id).await.unwrap(),
        Some(album.clone())
    );

    // Publishing the image: the media appears, the container points at it.
    let now = from_millis(T0 + 5000);
    let mut post = media("17900000000000001", JANE, None, 0);
    post.timestamp = now;
    post.media_blob = Some(photo.sha256.clone());
    let outcome = store
        .publish_container(&image.id, &[post.clone()], now, 1, window, &[])
        .await
        .unwrap();
    assert_eq!(outcome, PublishOutcome::Published(post.id.clone()));
    assert_eq!(
        store.find_media(&post.id).await.unwrap(),
        Some(post.clone())
    );
    let published = store.find_container(&image.id).await.unwrap().unwrap();
    assert_eq!(
        published.published_media_id.as_deref(),
        Some(post.id.as_str())
    );
    assert_eq!(published.published_at, Some(now));
    assert_eq!(store.count_published(JANE, window).await.unwrap(), 1);
    assert_eq!(
        store
            .count_published(JANE, from_millis(T0 + 5001))
            .await
            .unwrap(),
        0
    );

    // Again: the same media, nothing new.
    let mut other = post.clone();
    other.id = "17900000000000009".into();
    assert_eq!(
        store
            .publish_container(&image.id, &[other.clone()], now, 10, window, &[])
            .await
            .unwrap(),
        PublishOutcome::AlreadyPublished(post.id.clone())
    );
    assert_eq!(store.find_media(&other.id).await.unwrap(), None);

    // Over the quota: nothing written.
    let mut top = media("17900000000000002", JANE, None, 0);
    top.media_type = MediaType::CarouselAlbum;
    let children = [
        media("17900000000000021", JANE, Some(&top.id), 0),
        media("17900000000000022", JANE, Some(&top.id), 1),
    ];
    let mut album_media = vec![top.clone()];
    album_media.extend(children.iter().cloned());
    let before = ctx.table_counts().await;
    assert_eq!(
        store
            .publish_container(&album.id, &album_media, now, 1, window, &[])
            .await
            .unwrap(),
        PublishOutcome::QuotaReached
    );
    assert_eq!(ctx.table_counts().await, before);
    assert_eq!(
        store
            .find_container(&album.id)
            .await
            .unwrap()
            .unwrap()
            .published_media_id,
        None
    );

    // Within it: the album and its children, every container marked; the carousel counts once.
    assert_eq!(
        store
            .publish_container(&album.id, &album_media, now, 2, window, &[])
            .await
            .unwrap(),
        PublishOutcome::Published(top.id.clone())
    );
    assert_eq!(
        ids(&store.list_children(&top.id).await.unwrap()),
        ["17900000000000021", "17900000000000022"]
    );
    for item in &items {
        let c = store.find_container(&item.id).await.unwrap().unwrap();
        assert_eq!(
            c.published_media_id.as_deref(),
            Some(top.id.as_str()),
            "{}",
            item.id
        );
    }
    assert_eq!(store.count_published(JANE, window).await.unwrap(), 2);

    // An unknown container is NotFound, and nothing is written.
    assert!(matches!(
        store
            .publish_container("17000000000000999", &[other], now, 10, window, &[])
            .await,
        Err(StoreError::NotFound)
    ));
}

/// Many publications of one container at once: exactly one publishes, the others see it done.
async fn story_concurrent_publish(ctx: &Ctx) {
    use localgram_core::publishing::{ContainerKind, PublishOutcome};
    let store = ctx.store.clone();
    store.apply_world(&world()).await.unwrap();
    let window = from_millis(T0 - 86_400_000);
    let c = container("17000000000000001", ContainerKind::Image);
    assert!(store.insert_container(&c, &[], 400, window).await.unwrap());
    let now = from_millis(T0 + 5000);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let mut m = media(&format!("1790000000000010{i}"), JANE, None, 0);
        m.timestamp = now;
        tasks.push(tokio::spawn(async move {
            store
                .publish_container("17000000000000001", &[m], now, 50, window, &[])
                .await
                .unwrap()
        }));
    }
    let mut published = Vec::new();
    let mut again = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            PublishOutcome::Published(id) => published.push(id),
            PublishOutcome::AlreadyPublished(id) => again.push(id),
            PublishOutcome::QuotaReached => panic!("the quota is not reached"),
        }
    }
    assert_eq!(published.len(), 1);
    assert!(again.iter().all(|id| *id == published[0]));
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM ig_media WHERE id LIKE '1790000000000010%'")
            .await,
        1
    );
    assert_eq!(store.count_published(JANE, window).await.unwrap(), 1);
}

// ------------------------------------------------------------------------------------------------
// Comments
// ------------------------------------------------------------------------------------------------

fn comment(id: &str, parent: Option<&str>, at_ms: i64) -> localgram_core::comments::Comment {
    localgram_core::comments::Comment {
        id: id.into(),
        media_id: "17000000000000001".into(),
        parent_id: parent.map(Into::into),
        from_id: JOE.into(),
        from_username: "joe".into(),
        text: format!("text of {id}"),
        timestamp: from_millis(at_ms),
        hidden: false,
    }
}

async fn story_comments(ctx: &Ctx) {
    use localgram_core::comments::{CommentKey, CommentQuery};
    let store = ctx.store();
    store.apply_world(&world()).await.unwrap();
    let post = media("17000000000000001", JANE, None, 0);
    store
        .upsert_media(std::slice::from_ref(&post))
        .await
        .unwrap();
    // Three top-level comments, two at the same instant (ordered by id, descending), one reply.
    let top = [
        comment("17800000000000001", None, T0),
        comment("17800000000000002", None, T0 + 1000),
        comment("17800000000000003", None, T0 + 1000),
    ];
    for c in &top {
        store.insert_comment(c).await.unwrap();
    }
    let reply = comment("17800000000000009", Some("17800000000000001"), T0 + 2000);
    store.insert_comment(&reply).await.unwrap();
    assert_eq!(
        store.find_comment(&reply.id).await.unwrap(),
        Some(reply.clone())
    );
    assert_eq!(store.count_comments(&post.id).await.unwrap(), 4);

    let query = CommentQuery {
        media_id: post.id.clone(),
        parent_id: None,
        older_than: None,
        limit: 10,
    };
    let listed = store.list_comments(&query).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "17800000000000003",
            "17800000000000002",
            "17800000000000001"
        ]
    );
    let after_first = store
        .list_comments(&CommentQuery {
            older_than: Some(CommentKey {
                timestamp_ms: T0 + 1000,
                id: "17800000000000003".into(),
            }),
            limit: 1,
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(after_first, vec![top[1].clone()]);
    let replies = store
        .list_comments(&CommentQuery {
            parent_id: Some("17800000000000001".into()),
            ..query.clone()
        })
        .await
        .unwrap();
    assert_eq!(replies, vec![reply.clone()]);

    assert!(store.set_comment_hidden(&top[1].id, true).await.unwrap());
    assert!(
        store
            .find_comment(&top[1].id)
            .await
            .unwrap()
            .unwrap()
            .hidden
    );
    assert!(
        !store
            .set_comment_hidden("17800000000000099", true)
            .await
            .unwrap()
    );

    // Deleting a comment deletes its replies, in one transaction.
    assert!(store.delete_comment(&top[0].id).await.unwrap());
    assert_eq!(store.find_comment(&reply.id).await.unwrap(), None);
    assert_eq!(store.count_comments(&post.id).await.unwrap(), 2);
    assert!(!store.delete_comment(&top[0].id).await.unwrap());

    assert!(store.comments_enabled(&post.id).await.unwrap());
    store.set_comments_enabled(&post.id, false).await.unwrap();
    store.set_comments_enabled(&post.id, false).await.unwrap();
    assert!(!store.comments_enabled(&post.id).await.unwrap());
    store.set_comments_enabled(&post.id, true).await.unwrap();
    assert!(store.comments_enabled(&post.id).await.unwrap());
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM ig_comments_disabled").await,
        0
    );
}

// ------------------------------------------------------------------------------------------------
// Webhooks
// ------------------------------------------------------------------------------------------------

/// Subscriptions, enabled accounts and Pages, the queue: enqueue in the event's write, claim the
/// head of each subscription under a lease, record, retry, order, release, test deliveries.
async fn story_webhooks(ctx: &Ctx) {
    use localgram_core::webhooks::{
        AccountSubscription, AttemptRecord, DeliveryState, EnabledBy, SubscribedField,
        Subscription, WebhookEvent,
    };
    let store = ctx.store();
    store.apply_world(&world()).await.unwrap();
    let post = media("17000000000000001", JANE, None, 0);
    store
        .upsert_media(std::slice::from_ref(&post))
        .await
        .unwrap();
    let sub = |app: &str| Subscription {
        app_id: app.into(),
        object: "instagram".into(),
        callback_url: format!("http://127.0.0.1:9/{app}"),
        fields: vec![SubscribedField {
            name: "comments".into(),
            version: "v22.0".into(),
        }],
        include_values: false,
        created_at: from_millis(T0),
        updated_at: from_millis(T0),
    };
    // Both apps subscribe; only the live one (APP_B) gets updates.
    store.put_subscription(&sub(APP_A)).await.unwrap();
    store.put_subscription(&sub(APP_B)).await.unwrap();
    store.put_subscription(&sub(APP_B)).await.unwrap();
    assert_eq!(
        store.list_subscriptions(APP_B).await.unwrap(),
        vec![sub(APP_B)]
    );
    assert!(
        store.put_subscription(&sub("999")).await.is_err(),
        "no such app"
    );
    let enabled = |app: &str, object: &str, kind: EnabledBy, fields: &[&str]| AccountSubscription {
        app_id: app.into(),
        object_id: object.into(),
        kind,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        created_at: from_millis(T0),
    };
    for app in [APP_A, APP_B] {
        store
            .put_account_subscription(&enabled(app, JANE, EnabledBy::Instagram, &["comments"]))
            .await
            .unwrap();
    }
    assert_eq!(
        store.list_account_subscriptions(JANE).await.unwrap(),
        vec![
            enabled(APP_A, JANE, EnabledBy::Instagram, &["comments"]),
            enabled(APP_B, JANE, EnabledBy::Instagram, &["comments"])
        ]
    );
    let event = |n: i64, account: &str| WebhookEvent {
        account_id: account.into(),
        field: "comments".into(),
        payload: format!("{{\"n\":{n}}}"),
        at: from_millis(T0 + n),
    };
    for n in 1..=3 {
        store
            .insert_comment_notifying(
                &comment(&format!("1780000000000000{n}"), None, T0 + n),
                &[event(n, JANE)],
            )
            .await
            .unwrap();
    }
    // An account that enabled nothing: the comment, no delivery.
    store
        .insert_comment_notifying(
            &comment("17800000000000004", None, T0 + 4),
            &[event(4, JOE)],
        )
        .await
        .unwrap();
    assert!(
        store
            .find_comment("17800000000000004")
            .await
            .unwrap()
            .is_some()
    );
    let payloads = |list: &[localgram_core::webhooks::Delivery]| {
        list.iter().map(|d| d.payload.clone()).collect::<Vec<_>>()
    };
    let listed = store.list_deliveries(None, 100).await.unwrap();
    assert_eq!(payloads(&listed), ["{\"n\":3}", "{\"n\":2}", "{\"n\":1}"]);
    assert!(listed.iter().all(|d| d.app_id == APP_B
        && d.state == DeliveryState::Pending
        && d.attempts == 0
        && d.kind == "event"
        && d.field == "comments"));
    assert_eq!(
        store.next_delivery_due().await.unwrap(),
        Some(from_millis(T0 + 1))
    );

    // Claims: nothing before it is due; then the head of the queue only, leased.
    let real = 1_000_000;
    let claim = |at: i64, owner: &'static str, lease_now: i64| {
        let store = ctx.store.clone();
        async move {
            store
                .claim_deliveries(from_millis(at), owner, lease_now, lease_now + 60_000, 10)
                .await
                .unwrap()
        }
    };
    assert!(claim(T0, "a", real).await.is_empty());
    let a = claim(T0 + 10, "a", real).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].payload, "{\"n\":1}");
    assert_eq!(a[0].attempts, 1);
    assert_eq!(a[0].callback_url, format!("http://127.0.0.1:9/{APP_B}"));
    assert!(claim(T0 + 10, "b", real + 1).await.is_empty(), "leased");
    // The lease runs out: another owner takes it, and the first one's record is refused.
    let b = claim(T0 + 10, "b", real + 60_001).await;
    assert_eq!((b[0].id, b[0].attempts), (a[0].id, 2));
    let record = |state: DeliveryState, next: i64, status: i64| AttemptRecord {
        state,
        next_attempt_at: from_millis(next),
        at: from_millis(T0 + 10),
        signature: Some("sha256=ab".into()),
        status: Some(status),
        body: Some("answer".into()),
        error: None,
    };
    assert!(
        !store
            .record_delivery(a[0].id, "a", &record(DeliveryState::Delivered, T0, 200))
            .await
            .unwrap()
    );
    // A failure: retried a minute later, and the rest of the queue waits behind it.
    assert!(
        store
            .record_delivery(
                b[0].id,
                "b",
                &record(DeliveryState::Pending, T0 + 10 + MINUTE, 500)
            )
            .await
            .unwrap()
    );
    assert!(claim(T0 + 20, "a", real + 120_001).await.is_empty());
    assert_eq!(
        store.next_delivery_due().await.unwrap(),
        Some(from_millis(T0 + 10 + MINUTE)),
        "the deliveries behind the head do not count"
    );
    let c = claim(T0 + 10 + MINUTE, "a", real + 120_001).await;
    assert_eq!((c[0].id, c[0].attempts), (a[0].id, 3));
    assert!(
        store
            .record_delivery(c[0].id, "a", &record(DeliveryState::Delivered, T0, 200))
            .await
            .unwrap()
    );
    let d = claim(T0 + 10 + MINUTE, "a", real + 120_002).await;
    assert_eq!(d[0].payload, "{\"n\":2}");
    assert!(
        store
            .record_delivery(d[0].id, "a", &record(DeliveryState::Delivered, T0, 200))
            .await
            .unwrap()
    );
    let e = claim(T0 + 10 + MINUTE, "a", real + 120_003).await;
    assert_eq!(e[0].payload, "{\"n\":3}");
    // A graceful stop gives the lease back and undoes the attempt.
    assert_eq!(store.release_deliveries("a").await.unwrap(), 1);
    let top = store.list_deliveries(Some(APP_B), 3).await.unwrap();
    assert_eq!((top[0].state, top[0].attempts), (DeliveryState::Pending, 0));
    assert_eq!(top[2].state, DeliveryState::Delivered);
    assert_eq!(top[2].attempts, 3);
    assert_eq!(top[2].last_status, Some(200));
    assert_eq!(top[2].signature.as_deref(), Some("sha256=ab"));

    // Test deliveries go to an existing subscription only, whatever the app's mode.
    let day = from_millis(T0 + 86_400_000);
    assert_eq!(
        store
            .enqueue_test_delivery("999", "instagram", "comments", "{}", from_millis(T0), day)
            .await
            .unwrap(),
        None
    );
    let test_id = store
        .enqueue_test_delivery(APP_A, "instagram", "comments", "{}", from_millis(T0), day)
        .await
        .unwrap()
        .unwrap();
    let listed = store.list_deliveries(Some(APP_A), 10).await.unwrap();
    assert_eq!((listed[0].id, listed[0].kind.as_str()), (test_id, "test"));
    // Removing the subscription drops what is pending.
    assert_eq!(
        store
            .delete_subscriptions(APP_A, Some("instagram"))
            .await
            .unwrap(),
        1
    );
    let listed = store.list_deliveries(Some(APP_A), 10).await.unwrap();
    assert_eq!(listed[0].state, DeliveryState::Dropped);
    assert!(store.list_subscriptions(APP_A).await.unwrap().is_empty());

    // Through the Page linked to the account, only the Page's fields are delivered.
    assert!(
        store
            .delete_account_subscription(APP_B, JANE)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_account_subscription(APP_B, JANE)
            .await
            .unwrap()
    );
    store
        .put_account_subscription(&enabled(APP_B, PAGE, EnabledBy::Page, &["mentions"]))
        .await
        .unwrap();
    let before = store.list_deliveries(Some(APP_B), 100).await.unwrap().len();
    store
        .insert_comment_notifying(
            &comment("17800000000000005", None, T0 + 5),
            &[event(5, JANE)],
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_deliveries(Some(APP_B), 100).await.unwrap().len(),
        before
    );
    store
        .put_account_subscription(&enabled(
            APP_B,
            PAGE,
            EnabledBy::Page,
            &["comments", "mentions"],
        ))
        .await
        .unwrap();
    store
        .insert_comment_notifying(
            &comment("17800000000000006", None, T0 + 6),
            &[event(6, JANE)],
        )
        .await
        .unwrap();
    let listed = store.list_deliveries(Some(APP_B), 100).await.unwrap();
    assert_eq!(listed.len(), before + 1);
    assert_eq!(listed[0].payload, "{\"n\":6}");
    // A failed enqueue leaves no comment behind (one transaction).
    let bad = WebhookEvent {
        payload: String::new(),
        ..event(7, JANE)
    };
    let dup = comment("17800000000000006", None, T0 + 7);
    assert!(store.insert_comment_notifying(&dup, &[bad]).await.is_err());
    assert_eq!(
        store.list_deliveries(Some(APP_B), 100).await.unwrap().len(),
        before + 1
    );
}

/// Expired stories: listed once expired and until marked; marking is once, with the deliveries
/// in the same write; `story_insights` goes through a Page's enabling only; a plan marks the
/// stories it names.
async fn story_expired_stories(ctx: &Ctx) {
    use localgram_core::webhooks::{
        AccountSubscription, EnabledBy, ExpiredStory, SubscribedField, Subscription, WebhookEvent,
    };
    let store = ctx.store();
    store.apply_world(&world()).await.unwrap();
    let story_at = |id: &str, at: i64| {
        let mut m = media(id, JANE, None, 0);
        m.media_product_type = MediaProductType::Story;
        m.timestamp = from_millis(at);
        m
    };
    let (s1, s2, feed) = (
        story_at("17000000000000011", T0),
        story_at("17000000000000012", T0 + 10),
        media("17000000000000013", JANE, None, 0),
    );
    store
        .upsert_media(&[s1.clone(), s2.clone(), feed])
        .await
        .unwrap();
    let expired = |id: &str, at: i64| ExpiredStory {
        id: id.into(),
        owner_id: JANE.into(),
        published_at: from_millis(at),
    };
    assert_eq!(
        store
            .expired_stories(from_millis(T0 - 1), 10)
            .await
            .unwrap(),
        []
    );
    assert_eq!(
        store
            .expired_stories(from_millis(T0 + 10), 10)
            .await
            .unwrap(),
        [expired(&s1.id, T0), expired(&s2.id, T0 + 10)]
    );
    assert_eq!(
        store
            .expired_stories(from_millis(T0 + 10), 1)
            .await
            .unwrap(),
        [expired(&s1.id, T0)]
    );

    store
        .put_subscription(&Subscription {
            app_id: APP_B.into(),
            object: "instagram".into(),
            callback_url: "http://127.0.0.1:9/hook".into(),
            fields: vec![SubscribedField {
                name: "story_insights".into(),
                version: "v22.0".into(),
            }],
            include_values: false,
            created_at: from_millis(T0),
            updated_at: from_millis(T0),
        })
        .await
        .unwrap();
    let enabled = |object: &str, kind| AccountSubscription {
        app_id: APP_B.into(),
        object_id: object.into(),
        kind,
        fields: vec!["story_insights".into()],
        created_at: from_millis(T0),
    };
    store
        .put_account_subscription(&enabled(JANE, EnabledBy::Instagram))
        .await
        .unwrap();
    let event = |id: &str| WebhookEvent {
        account_id: JANE.into(),
        field: "story_insights".into(),
        payload: format!("{{\"story\":\"{id}\"}}"),
        at: from_millis(T0 + 1),
    };
    // Enabled on graph.instagram.com only: marked, nothing queued; marked twice: false.
    assert!(
        store
            .mark_story_expired_notifying(&s1.id, from_millis(T0 + 1), &[event(&s1.id)])
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_story_expired_notifying(&s1.id, from_millis(T0 + 2), &[event(&s1.id)])
            .await
            .unwrap()
    );
    assert_eq!(store.list_deliveries(None, 10).await.unwrap(), []);
    // Through the Page: queued, once.
    store
        .put_account_subscription(&enabled(PAGE, EnabledBy::Page))
        .await
        .unwrap();
    for _ in 0..2 {
        store
            .mark_story_expired_notifying(&s2.id, from_millis(T0 + 1), &[event(&s2.id)])
            .await
            .unwrap();
    }
    let listed = store.list_deliveries(None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].payload, format!("{{\"story\":\"{}\"}}", s2.id));
    assert_eq!(listed[0].field, "story_insights");
    assert_eq!(
        store
            .expired_stories(from_millis(T0 + 100), 10)
            .await
            .unwrap(),
        []
    );

    // A plan's expired stories are marked when it is applied.
    let s3 = story_at("17000000000000014", T0 + 20);
    let plan = WorldPlan {
        media: vec![s3.clone()],
        expired_stories: vec![s3.id.clone()],
        ..WorldPlan::default()
    };
    store.apply_world(&plan).await.unwrap();
    assert_eq!(
        store
            .expired_stories(from_millis(T0 + 100), 10)
            .await
            .unwrap(),
        []
    );
}
