//! The App Dashboard's use cases: creating apps and editing their settings, redirect URIs,
//! Instagram testers and Facebook app roles; the Instagram side (tester invitations, authorized
//! apps); the User Token Generator; uploaded media. Every input is validated here, and a refused
//! input changes nothing.
//!
//! Refusals are [`DashboardError`]s whose [`DashboardError::key`] names a message of the server's
//! catalogue, so the pages can say it in the reader's language.

use crate::model::{
    App, AppMode, AppRole, AppTester, IgMedia, Product, Subject, TesterStatus, TokenKind,
    TokenRecord, TokenResponseShape,
};
use crate::platform::Platform;
use crate::rng::RngExt;
use crate::scope::Family;
use crate::secret::{self, Secret};
use crate::store::{AuthorizedApp, StoreError};
use time::{Duration, OffsetDateTime};

/// The longest app name.
pub const MAX_APP_NAME: usize = 100;
/// The longest redirect or callback URL.
pub const MAX_URL: usize = 1024;
/// The most redirect URIs an app may list.
pub const MAX_REDIRECT_URIS: usize = 100;
/// The largest uploaded media file.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// The longest caption.
pub const MAX_CAPTION: usize = 2200;

/// Why the dashboard refused an input. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The app name is empty.
    #[error("the app name is required")]
    NameRequired,
    /// The app name is longer than [`MAX_APP_NAME`].
    #[error("the app name is too long")]
    NameTooLong,
    /// No app has this id.
    #[error("no such app")]
    NoSuchApp,
    /// A URL is not an absolute `http` or `https` URL without a fragment.
    #[error("not an absolute http(s) URL without a fragment")]
    BadUrl,
    /// The redirect URI is already listed, exactly.
    #[error("this redirect URI is already listed")]
    DuplicateRedirectUri,
    /// The app lists [`MAX_REDIRECT_URIS`] already.
    #[error("too many redirect URIs")]
    TooManyRedirectUris,
    /// The redirect URI to edit or remove is not listed.
    #[error("this redirect URI is not listed")]
    NoSuchRedirectUri,
    /// The mode is neither development nor live.
    #[error("unknown mode")]
    BadMode,
    /// A product name is unknown.
    #[error("unknown product")]
    BadProduct,
    /// No Instagram account has this username.
    #[error("no Instagram account has this username")]
    NoSuchInstagramUser,
    /// The account is already an invited or accepted tester.
    #[error("already a tester")]
    AlreadyTester,
    /// The account is not a tester of this app.
    #[error("not a tester")]
    NotATester,
    /// There is no pending invitation to answer.
    #[error("no pending invitation")]
    NoPendingInvitation,
    /// No Facebook user has this id or email.
    #[error("no Facebook user has this id or email")]
    NoSuchFacebookUser,
    /// The role is not admin, developer or tester.
    #[error("unknown role")]
    BadRole,
    /// The user has no role on this app.
    #[error("no such role")]
    NoSuchRole,
    /// The Token Generator needs an accepted tester.
    #[error("the account is not an accepted tester of the app")]
    NotAcceptedTester,
    /// The Token Generator needs an Instagram product.
    #[error("the app has no Instagram product")]
    NoInstagramProduct,
    /// The duration could not be read.
    #[error("bad duration")]
    BadDuration,
    /// The uploaded file is empty.
    #[error("the file is empty")]
    EmptyFile,
    /// The uploaded file is larger than [`MAX_UPLOAD_BYTES`].
    #[error("the file is too large")]
    FileTooLarge,
    /// The uploaded file is neither a JPEG or PNG image nor an MP4 video.
    #[error("the file is not a JPEG, PNG or MP4")]
    BadFileType,
    /// The caption is longer than [`MAX_CAPTION`].
    #[error("the caption is too long")]
    CaptionTooLong,
    /// The app contact e-mail is not an e-mail address.
    #[error("not an e-mail address")]
    BadEmail,
    /// The app type is not one the Create App page offers.
    #[error("unknown app type")]
    BadAppType,
    /// The platform is not one Localgram keeps (only Website).
    #[error("unknown platform")]
    BadPlatform,
    /// The app already has its Instagram app.
    #[error("the app already has an Instagram app")]
    InstagramAppExists,
    /// The step needs the Instagram app first ("Create New App").
    #[error("the app has no Instagram app yet")]
    NoInstagramApp,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DashboardError {
    /// The catalogue key of the message shown to the person (`None` for store failures, which
    /// are logged and shown as an internal error).
    pub fn key(&self) -> Option<&'static str> {
        Some(match self {
            Self::NameRequired => "err.name_required",
            Self::NameTooLong => "err.name_too_long",
            Self::NoSuchApp => "err.no_such_app",
            Self::BadUrl => "err.bad_url",
            Self::DuplicateRedirectUri => "err.duplicate_redirect_uri",
            Self::TooManyRedirectUris => "err.too_many_redirect_uris",
            Self::NoSuchRedirectUri => "err.no_such_redirect_uri",
            Self::BadMode => "err.bad_mode",
            Self::BadProduct => "err.bad_product",
            Self::NoSuchInstagramUser => "err.no_such_instagram_user",
            Self::AlreadyTester => "err.already_tester",
            Self::NotATester => "err.not_a_tester",
            Self::NoPendingInvitation => "err.no_pending_invitation",
            Self::NoSuchFacebookUser => "err.no_such_facebook_user",
            Self::BadRole => "err.bad_role",
            Self::NoSuchRole => "err.no_such_role",
            Self::NotAcceptedTester => "err.not_accepted_tester",
            Self::NoInstagramProduct => "err.no_instagram_product",
            Self::BadDuration => "err.bad_duration",
            Self::EmptyFile => "err.empty_file",
            Self::FileTooLarge => "err.file_too_large",
            Self::BadFileType => "err.bad_file_type",
            Self::CaptionTooLong => "err.caption_too_long",
            Self::BadEmail => "guide.err_bad_email",
            Self::BadAppType => "guide.err_bad_app_type",
            Self::BadPlatform => "guide.err_bad_platform",
            Self::InstagramAppExists => "guide.err_instagram_app_exists",
            Self::NoInstagramApp => "guide.err_no_instagram_app",
            Self::Store(_) => return None,
        })
    }

    /// Every message key, for the catalogue's completeness test.
    pub const KEYS: &'static [&'static str] = &[
        "err.name_required",
        "err.name_too_long",
        "err.no_such_app",
        "err.bad_url",
        "err.duplicate_redirect_uri",
        "err.too_many_redirect_uris",
        "err.no_such_redirect_uri",
        "err.bad_mode",
        "err.bad_product",
        "err.no_such_instagram_user",
        "err.already_tester",
        "err.not_a_tester",
        "err.no_pending_invitation",
        "err.no_such_facebook_user",
        "err.bad_role",
        "err.no_such_role",
        "err.not_accepted_tester",
        "err.no_instagram_product",
        "err.bad_duration",
        "err.empty_file",
        "err.file_too_large",
        "err.bad_file_type",
        "err.caption_too_long",
        "guide.err_bad_email",
        "guide.err_bad_app_type",
        "guide.err_bad_platform",
        "guide.err_instagram_app_exists",
        "guide.err_no_instagram_app",
    ];
}

type Result<T> = std::result::Result<T, DashboardError>;

/// An app's settings as the settings form sends them (raw text; validated by
/// [`Platform::update_app_settings`]).
#[derive(Debug, Clone, Default)]
pub struct AppSettingsInput {
    /// Display name.
    pub name: String,
    /// `development` or `live`.
    pub mode: String,
    /// Product spellings (`instagram_basic_display`, `instagram_login`, `facebook_login`).
    pub products: Vec<String>,
    /// "Require app secret".
    pub require_appsecret_proof: bool,
    /// "Allowlisted for Page creation".
    pub page_creation_allowed: bool,
    /// Deauthorize callback URL; empty: none.
    pub deauthorize_callback_url: String,
    /// Data deletion request URL; empty: none.
    pub data_deletion_url: String,
}

/// The Create App form of the guide (raw text; validated by [`Platform::create_app_with`]).
#[derive(Debug, Clone, Default)]
pub struct NewAppInput {
    /// The app type chosen first (`other`).
    pub app_type: String,
    /// App display name.
    pub name: String,
    /// App contact e-mail; empty: none.
    pub contact_email: String,
}

/// Instagram Basic Display's Client OAuth Settings form (raw text).
#[derive(Debug, Clone, Default)]
pub struct ClientOAuthInput {
    /// Valid OAuth Redirect URIs, one per line.
    pub redirect_uris: String,
    /// Deauthorize callback URL; empty: none.
    pub deauthorize_callback_url: String,
    /// Data deletion request URL; empty: none.
    pub data_deletion_url: String,
}

/// A freshly created app, or one whose secret was reset: the secret is shown once.
#[derive(Debug)]
pub struct AppWithSecret {
    /// The app (its secret stored hashed).
    pub app: App,
    /// The secret in clear, for this one response.
    pub secret: Secret,
}

/// A token made by the User Token Generator.
#[derive(Debug)]
pub struct GeneratedToken {
    /// The token, shown once.
    pub token: Secret,
    /// When it expires.
    pub expires_at: OffsetDateTime,
    /// Its scopes.
    pub scopes: Vec<String>,
}

/// Validates a redirect, deauthorize or data-deletion URL: absolute `http`/`https` with a host,
/// no fragment, at most [`MAX_URL`] bytes. The string is kept exactly as typed.
pub fn check_url(raw: &str) -> Result<()> {
    if raw.is_empty() || raw.len() > MAX_URL || raw.trim() != raw || raw.contains('#') {
        return Err(DashboardError::BadUrl);
    }
    let url = url::Url::parse(raw).map_err(|_| DashboardError::BadUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(DashboardError::BadUrl);
    }
    Ok(())
}

/// The comparison key of a near-duplicate: lowercase, without a trailing slash, `http` and
/// `https` alike, default ports dropped.
fn near_key(uri: &str) -> String {
    let lower = uri.to_ascii_lowercase();
    let no_scheme = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let no_port = no_scheme.replacen(":443/", "/", 1).replacen(":80/", "/", 1);
    no_port.trim_end_matches('/').to_owned()
}

/// Pairs of listed redirect URIs that differ only by a trailing slash, letter case, the scheme or
/// a default port — Meta matches them exactly, so such pairs are usually a mistake.
pub fn near_duplicates(uris: &[String]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (i, a) in uris.iter().enumerate() {
        for b in &uris[i + 1..] {
            if a != b && near_key(a) == near_key(b) {
                pairs.push((a.clone(), b.clone()));
            }
        }
    }
    pairs
}

/// Reads a duration such as `90s`, `15m`, `1h30m`, `2d` or `-1h` (days, hours, minutes,
/// seconds; at most 100 years either way).
pub fn parse_duration(raw: &str) -> Result<Duration> {
    let s = raw.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if s.is_empty() {
        return Err(DashboardError::BadDuration);
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(DashboardError::BadDuration),
        };
        let n: i64 = number.parse().map_err(|_| DashboardError::BadDuration)?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or(DashboardError::BadDuration)?;
    }
    if !number.is_empty() {
        // A bare number is seconds.
        let n: i64 = number.parse().map_err(|_| DashboardError::BadDuration)?;
        total = total.checked_add(n).ok_or(DashboardError::BadDuration)?;
    }
    if total > 100 * 365 * 86_400 {
        return Err(DashboardError::BadDuration);
    }
    Ok(Duration::seconds(if negative { -total } else { total }))
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DashboardError::NameRequired);
    }
    if name.chars().count() > MAX_APP_NAME {
        return Err(DashboardError::NameTooLong);
    }
    Ok(name.to_owned())
}

/// An optional e-mail address: trimmed; when given, one `@` with text on both sides and a dot
/// in the domain, no spaces, at most 254 bytes.
fn check_email(raw: &str) -> Result<Option<String>> {
    let email = raw.trim();
    if email.is_empty() {
        return Ok(None);
    }
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !ok {
        return Err(DashboardError::BadEmail);
    }
    Ok(Some(email.to_owned()))
}

fn optional_url(raw: &str) -> Result<Option<String>> {
    if raw.is_empty() {
        return Ok(None);
    }
    check_url(raw)?;
    Ok(Some(raw.to_owned()))
}

/// The scopes the User Token Generator grants: Basic Display's when the app has that product,
/// otherwise Instagram Login's basic scope.
pub fn generator_scopes(app: &App) -> Option<Vec<String>> {
    if app.products.contains(&Product::InstagramBasicDisplay) {
        Some(vec!["user_profile".into(), "user_media".into()])
    } else if app.products.contains(&Product::InstagramLogin) {
        Some(vec!["instagram_business_basic".into()])
    } else {
        None
    }
}

impl Platform {
    /// Keeps a one-time reveal (a new secret, a generated token) in the store for `ttl`, sealed
    /// with the instance key and bound to the browser and slot, so that any instance on the same
    /// database can show it once.
    pub async fn put_reveal(
        &self,
        browser_id: &str,
        slot: &str,
        value: &str,
        ttl: Duration,
    ) -> std::result::Result<(), StoreError> {
        let now = self.clock.now();
        let sealed = self
            .sealer
            .seal(&*self.rng, &reveal_binding(browser_id, slot), value);
        self.store
            .put_reveal(
                browser_id,
                slot,
                &sealed,
                crate::clock::to_millis(now + ttl),
                crate::clock::to_millis(now),
            )
            .await
    }

    /// Takes the reveal kept for `browser_id` under `slot`: shown once, then gone.
    pub async fn take_reveal(
        &self,
        browser_id: &str,
        slot: &str,
    ) -> std::result::Result<Option<String>, StoreError> {
        let now = crate::clock::to_millis(self.clock.now());
        let sealed = self.store.take_reveal(browser_id, slot, now).await?;
        Ok(sealed.and_then(|s| self.sealer.open(&reveal_binding(browser_id, slot), &s)))
    }

    async fn app_or_refuse(&self, app_id: &str) -> Result<App> {
        self.store
            .find_app(app_id)
            .await?
            .ok_or(DashboardError::NoSuchApp)
    }

    async fn save(&self, app: &App) -> Result<()> {
        self.store.save_app(app).await?;
        self.clear_caches();
        Ok(())
    }

    fn new_app_secret(&self) -> Secret {
        Secret::new(hex::encode(self.rng.bytes(16)))
    }

    /// Every app, by name.
    pub async fn list_apps(&self) -> Result<Vec<App>> {
        Ok(self.store.list_apps().await?)
    }

    /// The app with this id, or [`DashboardError::NoSuchApp`].
    pub async fn dashboard_app(&self, app_id: &str) -> Result<App> {
        self.app_or_refuse(app_id).await
    }

    /// Creates an app: a fresh 16-digit id and a 32-hex-digit secret (stored hashed), in
    /// development mode with the Instagram Basic Display and Instagram Login products.
    pub async fn create_app(&self, name: &str) -> Result<AppWithSecret> {
        self.create_app_with(&NewAppInput {
            app_type: "other".into(),
            name: name.into(),
            contact_email: String::new(),
        })
        .await
    }

    /// A fresh id of 16 digits that names no app and no Instagram app.
    async fn fresh_app_id(&self) -> Result<String> {
        loop {
            let id = self.rng.digits('1', 16);
            if self.store.find_app(&id).await?.is_none()
                && self
                    .store
                    .find_app_by_instagram_app_id(&id)
                    .await?
                    .is_none()
            {
                return Ok(id);
            }
        }
    }

    /// Create App with the guide's form (`docs/dashboard.md#create-app`): the app type (only
    /// "Other" is offered; an empty one means it), the display name and the app contact e-mail
    /// (optional; checked when given).
    pub async fn create_app_with(&self, input: &NewAppInput) -> Result<AppWithSecret> {
        if !matches!(input.app_type.as_str(), "" | "other") {
            return Err(DashboardError::BadAppType);
        }
        let name = check_name(&input.name)?;
        let contact_email = check_email(&input.contact_email)?;
        let id = self.fresh_app_id().await?;
        let secret = self.new_app_secret();
        let app = App {
            id,
            name,
            secret_hash: secret.hash().0,
            mode: AppMode::Development,
            products: vec![Product::InstagramBasicDisplay, Product::InstagramLogin],
            redirect_uris: Vec::new(),
            require_appsecret_proof: false,
            token_response_shape: TokenResponseShape::Flat,
            test_user_limit: 500,
            rate_limits: Default::default(),
            deauthorize_callback_url: None,
            data_deletion_url: None,
            page_creation_allowed: false,
            secret_sealed: None,
            contact_email,
            site_url: None,
            instagram_app: None,
        };
        let mut app = app;
        app.secret_sealed = Some(self.sealer.seal(&*self.rng, &app.id, secret.expose()));
        self.save(&app).await?;
        Ok(AppWithSecret { app, secret })
    }

    /// Replaces an app's secret; the old one stops working at once.
    pub async fn reset_app_secret(&self, app_id: &str) -> Result<AppWithSecret> {
        let mut app = self.app_or_refuse(app_id).await?;
        let secret = self.new_app_secret();
        app.secret_hash = secret.hash().0;
        app.secret_sealed = Some(self.sealer.seal(&*self.rng, &app.id, secret.expose()));
        self.save(&app).await?;
        Ok(AppWithSecret { app, secret })
    }

    /// Saves the settings form: name, mode, products, "require app secret", the Page creation
    /// allowlist, callback URLs.
    pub async fn update_app_settings(&self, app_id: &str, input: &AppSettingsInput) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        let name = check_name(&input.name)?;
        let mode = AppMode::parse(&input.mode).ok_or(DashboardError::BadMode)?;
        let mut products = Vec::new();
        for p in &input.products {
            let p = Product::parse(p).ok_or(DashboardError::BadProduct)?;
            if !products.contains(&p) {
                products.push(p);
            }
        }
        let deauthorize = optional_url(&input.deauthorize_callback_url)?;
        let deletion = optional_url(&input.data_deletion_url)?;
        app.name = name;
        app.mode = mode;
        app.products = products;
        app.require_appsecret_proof = input.require_appsecret_proof;
        app.page_creation_allowed = input.page_creation_allowed;
        app.deauthorize_callback_url = deauthorize;
        app.data_deletion_url = deletion;
        self.save(&app).await?;
        Ok(app)
    }

    /// Settings → Basic → Add Platform → Website: keeps the Site URL (`docs/dashboard.md#platform`).
    /// An empty Site URL removes the platform.
    pub async fn save_platform(&self, app_id: &str, platform: &str, site_url: &str) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        if platform != "website" {
            return Err(DashboardError::BadPlatform);
        }
        app.site_url = optional_url(site_url)?;
        self.save(&app).await?;
        Ok(app)
    }

    /// Products → Set Up: adds the product (nothing changes when the app has it already).
    pub async fn set_up_product(&self, app_id: &str, product: &str) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        let product = Product::parse(product).ok_or(DashboardError::BadProduct)?;
        if !app.products.contains(&product) {
            app.products.push(product);
            self.save(&app).await?;
        }
        Ok(app)
    }

    /// Instagram Basic Display → "Create New App": the app's Instagram app, with an id and a
    /// secret of its own (`docs/dashboard.md#instagram-app`). The secret is returned once.
    pub async fn create_instagram_app(&self, app_id: &str, name: &str) -> Result<(App, Secret)> {
        let mut app = self.app_or_refuse(app_id).await?;
        if app.instagram_app.is_some() {
            return Err(DashboardError::InstagramAppExists);
        }
        let name = check_name(name)?;
        let id = self.fresh_app_id().await?;
        let secret = self.new_app_secret();
        let sealed = self.sealer.seal(&*self.rng, &id, secret.expose());
        app.instagram_app = Some(crate::model::InstagramApp {
            id,
            name,
            secret_hash: secret.hash().0,
            secret_sealed: Some(sealed),
        });
        self.save(&app).await?;
        Ok((app, secret))
    }

    /// Replaces the Instagram App Secret; the old one stops working at once.
    pub async fn reset_instagram_app_secret(&self, app_id: &str) -> Result<(App, Secret)> {
        let mut app = self.app_or_refuse(app_id).await?;
        let secret = self.new_app_secret();
        let Some(ig) = app.instagram_app.as_mut() else {
            return Err(DashboardError::NoInstagramApp);
        };
        ig.secret_hash = secret.hash().0;
        ig.secret_sealed = Some(self.sealer.seal(&*self.rng, &ig.id, secret.expose()));
        self.save(&app).await?;
        Ok((app, secret))
    }

    /// Instagram Basic Display → Client OAuth Settings → Save: the Valid OAuth Redirect URIs
    /// (one per line; the list replaces the old one), the Deauthorize callback URL and the Data
    /// deletion request URL. Every URL is checked before anything is kept.
    pub async fn save_client_oauth_settings(
        &self,
        app_id: &str,
        input: &ClientOAuthInput,
    ) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        let mut uris: Vec<String> = Vec::new();
        for line in input.redirect_uris.lines() {
            let uri = line.trim();
            if uri.is_empty() || uris.iter().any(|u| u == uri) {
                continue;
            }
            check_url(uri)?;
            uris.push(uri.to_owned());
        }
        if uris.len() > MAX_REDIRECT_URIS {
            return Err(DashboardError::TooManyRedirectUris);
        }
        let deauthorize = optional_url(input.deauthorize_callback_url.trim())?;
        let deletion = optional_url(input.data_deletion_url.trim())?;
        app.redirect_uris = uris;
        app.deauthorize_callback_url = deauthorize;
        app.data_deletion_url = deletion;
        self.save(&app).await?;
        Ok(app)
    }

    /// Adds a redirect URI, kept exactly as typed (trailing slash included).
    pub async fn add_redirect_uri(&self, app_id: &str, uri: &str) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        check_url(uri)?;
        if app.redirect_uris.iter().any(|u| u == uri) {
            return Err(DashboardError::DuplicateRedirectUri);
        }
        if app.redirect_uris.len() >= MAX_REDIRECT_URIS {
            return Err(DashboardError::TooManyRedirectUris);
        }
        app.redirect_uris.push(uri.to_owned());
        self.save(&app).await?;
        Ok(app)
    }

    /// Replaces redirect URI `old` by `new`, in place.
    pub async fn edit_redirect_uri(&self, app_id: &str, old: &str, new: &str) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        let i = app
            .redirect_uris
            .iter()
            .position(|u| u == old)
            .ok_or(DashboardError::NoSuchRedirectUri)?;
        check_url(new)?;
        if old != new && app.redirect_uris.iter().any(|u| u == new) {
            return Err(DashboardError::DuplicateRedirectUri);
        }
        app.redirect_uris[i] = new.to_owned();
        self.save(&app).await?;
        Ok(app)
    }

    /// Removes redirect URI `uri`.
    pub async fn remove_redirect_uri(&self, app_id: &str, uri: &str) -> Result<App> {
        let mut app = self.app_or_refuse(app_id).await?;
        let before = app.redirect_uris.len();
        app.redirect_uris.retain(|u| u != uri);
        if app.redirect_uris.len() == before {
            return Err(DashboardError::NoSuchRedirectUri);
        }
        self.save(&app).await?;
        Ok(app)
    }

    /// The Instagram testers of an app with their accounts, by username.
    pub async fn testers_of(&self, app_id: &str) -> Result<Vec<(AppTester, crate::model::IgUser)>> {
        let mut out = Vec::new();
        for t in self.store.list_testers(app_id).await? {
            if let Some(u) = self.store.find_ig_user(&t.ig_user_id).await? {
                out.push((t, u));
            }
        }
        out.sort_by(|a, b| a.1.username.cmp(&b.1.username));
        Ok(out)
    }

    /// Invites an Instagram account, by username, as a tester: pending until it accepts. A
    /// declined invitation may be sent again.
    pub async fn invite_tester(&self, app_id: &str, username: &str) -> Result<AppTester> {
        let app = self.app_or_refuse(app_id).await?;
        let user = self
            .store
            .find_ig_user_by_username(username.trim().trim_start_matches('@'))
            .await?
            .ok_or(DashboardError::NoSuchInstagramUser)?;
        match self.store.find_tester_status(&app.id, &user.id).await? {
            Some(TesterStatus::Invited | TesterStatus::Accepted) => {
                return Err(DashboardError::AlreadyTester);
            }
            Some(TesterStatus::Declined) | None => {}
        }
        let tester = AppTester {
            app_id: app.id,
            ig_user_id: user.id,
            status: TesterStatus::Invited,
        };
        self.store.set_tester(&tester).await?;
        Ok(tester)
    }

    /// Removes a tester (any status).
    pub async fn remove_tester(&self, app_id: &str, ig_user_id: &str) -> Result<()> {
        if self.store.remove_tester(app_id, ig_user_id).await? {
            Ok(())
        } else {
            Err(DashboardError::NotATester)
        }
    }

    /// The tester invitations of an account, with their apps, by app name.
    pub async fn invitations_of(&self, ig_user_id: &str) -> Result<Vec<(AppTester, App)>> {
        let mut out = Vec::new();
        for t in self.store.list_invitations(ig_user_id).await? {
            if let Some(app) = self.store.find_app(&t.app_id).await? {
                out.push((t, app));
            }
        }
        out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        Ok(out)
    }

    /// Accepts or declines a pending invitation.
    pub async fn answer_invitation(
        &self,
        app_id: &str,
        ig_user_id: &str,
        accept: bool,
    ) -> Result<()> {
        match self.store.find_tester_status(app_id, ig_user_id).await? {
            Some(TesterStatus::Invited) => {}
            _ => return Err(DashboardError::NoPendingInvitation),
        }
        self.store
            .set_tester(&AppTester {
                app_id: app_id.to_owned(),
                ig_user_id: ig_user_id.to_owned(),
                status: if accept {
                    TesterStatus::Accepted
                } else {
                    TesterStatus::Declined
                },
            })
            .await?;
        Ok(())
    }

    /// The Facebook app roles of an app, with the users' names.
    pub async fn roles_of(&self, app_id: &str) -> Result<Vec<(AppRole, String)>> {
        let mut out = Vec::new();
        for r in self.store.list_app_roles(app_id).await? {
            let name = self
                .store
                .find_fb_user(&r.fb_user_id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            out.push((r, name));
        }
        Ok(out)
    }

    /// Gives a Facebook user (by id or login email) a role on an app.
    pub async fn set_app_role(&self, app_id: &str, user: &str, role: &str) -> Result<AppRole> {
        let app = self.app_or_refuse(app_id).await?;
        if !matches!(role, "admin" | "developer" | "tester") {
            return Err(DashboardError::BadRole);
        }
        let user = user.trim();
        let fb = match self.store.find_fb_user(user).await? {
            Some(u) => Some(u),
            None if !user.is_empty() => self.store.find_fb_user_by_email(user).await?,
            None => None,
        }
        .ok_or(DashboardError::NoSuchFacebookUser)?;
        let r = AppRole {
            app_id: app.id,
            fb_user_id: fb.id,
            role: role.to_owned(),
        };
        self.store.set_app_role(&r).await?;
        Ok(r)
    }

    /// Removes a Facebook app role.
    pub async fn remove_app_role(&self, app_id: &str, fb_user_id: &str) -> Result<()> {
        if self.store.remove_app_role(app_id, fb_user_id).await? {
            Ok(())
        } else {
            Err(DashboardError::NoSuchRole)
        }
    }

    /// The apps an account has authorized (holding a live token of it).
    pub async fn authorized_apps(&self, ig_user_id: &str) -> Result<Vec<AuthorizedApp>> {
        Ok(self
            .store
            .list_authorized_apps(ig_user_id, self.clock.now())
            .await?)
    }

    /// "Remove" in Apps and Websites: revokes every token the app holds for the account.
    pub async fn remove_authorized_app(&self, ig_user_id: &str, app_id: &str) -> Result<u64> {
        Ok(self
            .store
            .revoke_app_tokens_of_user(app_id, ig_user_id, self.clock.now())
            .await?)
    }

    /// The User Token Generator: a long-lived (60-day) Instagram token of an accepted tester,
    /// with the scopes of [`generator_scopes`]. The person has logged in and consented first.
    pub async fn generate_user_token(
        &self,
        app_id: &str,
        ig_user_id: &str,
    ) -> Result<GeneratedToken> {
        let app = self.app_or_refuse(app_id).await?;
        let scopes = generator_scopes(&app).ok_or(DashboardError::NoInstagramProduct)?;
        if self.store.find_tester_status(&app.id, ig_user_id).await? != Some(TesterStatus::Accepted)
        {
            return Err(DashboardError::NotAcceptedTester);
        }
        let family = crate::scope::family_of(&scopes).unwrap_or(Family::BasicDisplay);
        let token = secret::generate(&*self.rng, family.token_prefix());
        let now = self.clock.now();
        let expires_at = now + self.settings.lifetimes.long_lived;
        self.store
            .insert_token(&TokenRecord {
                scopes: scopes.clone(),
                expires_at: Some(expires_at),
                ..TokenRecord::new(
                    self.new_id(),
                    token.hash().0,
                    app.id,
                    TokenKind::InstagramLongLived,
                    Subject::Instagram(ig_user_id.to_owned()),
                    now,
                )
            })
            .await?;
        Ok(GeneratedToken {
            token,
            expires_at,
            scopes,
        })
    }

    /// Adds an uploaded file to an account as a new feed post published now. `content_type` is
    /// what the caller found by decoding the bytes (`image/jpeg`, `image/png` or `video/mp4`);
    /// the bytes are stored content-addressed.
    pub async fn add_uploaded_media(
        &self,
        owner_id: &str,
        content_type: &str,
        bytes: Vec<u8>,
        caption: &str,
    ) -> Result<IgMedia> {
        if bytes.is_empty() {
            return Err(DashboardError::EmptyFile);
        }
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(DashboardError::FileTooLarge);
        }
        if crate::sniff::content_type(&bytes) != Some(content_type)
            || !matches!(content_type, "image/jpeg" | "image/png" | "video/mp4")
        {
            return Err(DashboardError::BadFileType);
        }
        if caption.chars().count() > MAX_CAPTION {
            return Err(DashboardError::CaptionTooLong);
        }
        if self.store.find_ig_user(owner_id).await?.is_none() {
            return Err(DashboardError::NoSuchInstagramUser);
        }
        let blob = crate::model::Blob::new(content_type, bytes);
        self.store.put_blob(&blob).await?;
        let shortcode: String = {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
            self.rng
                .bytes(11)
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                .collect()
        };
        let caption = caption.trim();
        let media = IgMedia {
            id: self.rng.digits('1', 17),
            owner_id: owner_id.to_owned(),
            parent_id: None,
            position: 0,
            media_type: if crate::sniff::is_video(content_type) {
                crate::model::MediaType::Video
            } else {
                crate::model::MediaType::Image
            },
            caption: (!caption.is_empty()).then(|| caption.to_owned()),
            timestamp: self.clock.now(),
            file: None,
            thumbnail_file: None,
            shortcode,
            copyright_flagged: false,
            media_product_type: crate::model::MediaProductType::Feed,
            is_shared_to_feed: None,
            media_blob: Some(blob.sha256),
            thumbnail_blob: None,
        };
        self.store
            .upsert_media(std::slice::from_ref(&media))
            .await?;
        self.clear_caches();
        Ok(media)
    }
}

/// What a reveal's seal is bound to: a sealed value moved to another browser or slot opens to
/// nothing.
fn reveal_binding(browser_id: &str, slot: &str) -> String {
    format!("reveal\n{browser_id}\n{slot}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http_without_fragment() {
        for ok in [
            "https://app.example/cb",
            "https://app.example/cb/",
            "http://127.0.0.1:3000/callback?x=1",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "app.example/cb",
            "ftp://app.example/cb",
            "https://app.example/cb#x",
            " https://app.example/cb",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://a.example/{}", "x".repeat(MAX_URL))).is_err());
    }

    #[test]
    fn near_duplicates_differ_by_slash_case_scheme_or_default_port() {
        let uris: Vec<String> = [
            "https://app.example/cb",
            "https://app.example/cb/",
            "https://APP.example/other",
            "https://app.example/other",
            "https://app.example/third",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(
            near_duplicates(&uris),
            vec![
                (
                    "https://app.example/cb".into(),
                    "https://app.example/cb/".into()
                ),
                (
                    "https://APP.example/other".into(),
                    "https://app.example/other".into()
                ),
            ]
        );
    }

    #[test]
    fn durations_read_units_and_signs() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::seconds(90));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("2d").unwrap(), Duration::days(2));
        assert_eq!(parse_duration("-1h").unwrap(), Duration::hours(-1));
        assert_eq!(parse_duration("3600").unwrap(), Duration::hours(1));
        for bad in [
            "",
            "h",
            "1y",
            "1h x",
            "-",
            "99999999999999999999d",
            "40000d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
