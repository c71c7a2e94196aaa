//! People and Pages made in the App Dashboard rather than in a world file: an Instagram account
//! (personal or professional) with a password, a Facebook user who logs in with an email and a
//! password, a Page owned by a Facebook user and linked to a professional Instagram account,
//! generated media added to an account, and a comment written by one Instagram account on
//! another's media (how a test makes "someone else" comment).
//!
//! The rules are the world file's (docs/world-file.md): usernames of 1 to 30 letters, digits,
//! `.` or `_`, unique; passwords stored with argon2id; Facebook emails unique, stored lower-case.
//! Every refusal is a [`PeopleError`] whose [`PeopleError::key`] names a message of the server's
//! catalogue, and a refused input writes nothing. Each creation is one store write (the world
//! plan of that one object, or the Page and its role together).

use crate::model::{FbUser, IgMedia, IgUser, Page, PageRole};
use crate::platform::Platform;
use crate::rng::RngExt;
use crate::secret;
use crate::store::{StoreError, WorldPlan};

/// The shortest password.
pub const MIN_PASSWORD: usize = 6;
/// The longest password.
pub const MAX_PASSWORD: usize = 128;
/// The longest display name of an account, a user or a Page.
pub const MAX_NAME: usize = 100;
/// The longest email.
pub const MAX_EMAIL: usize = 254;
/// The Instagram account types, and whether each is professional.
pub const ACCOUNT_TYPES: [(&str, bool); 3] = [
    ("PERSONAL", false),
    ("BUSINESS", true),
    ("MEDIA_CREATOR", true),
];
/// The tasks of the user who creates a Page in the dashboard: all of them.
pub const OWNER_TASKS: [&str; 5] = [
    "ANALYZE",
    "ADVERTISE",
    "MODERATE",
    "CREATE_CONTENT",
    "MANAGE",
];
/// The category of a Page made in the dashboard (as in a world file without one).
pub const PAGE_CATEGORY: &str = "COMMUNITY_SERVICES";

/// Why a person, a Page, a media or a comment was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    /// The username is empty, too long, or has a character Instagram refuses.
    #[error("the username must be 1 to 30 letters, digits, '.' or '_'")]
    BadUsername,
    /// Another account has this username.
    #[error("the username is taken")]
    UsernameTaken,
    /// The password is shorter than [`MIN_PASSWORD`] or longer than [`MAX_PASSWORD`].
    #[error("the password must be 6 to 128 characters")]
    BadPassword,
    /// The account type is not one of [`ACCOUNT_TYPES`].
    #[error("unknown account type")]
    BadAccountType,
    /// A name is empty.
    #[error("the name is required")]
    NameRequired,
    /// A name is longer than [`MAX_NAME`].
    #[error("the name is too long")]
    NameTooLong,
    /// The email is not `local@domain.tld`.
    #[error("not an email address")]
    BadEmail,
    /// Another Facebook user has this email.
    #[error("the email is taken")]
    EmailTaken,
    /// No Facebook user has this id or email.
    #[error("no such Facebook user")]
    NoSuchFacebookUser,
    /// No Instagram account has this username.
    #[error("no such Instagram account")]
    NoSuchInstagramUser,
    /// A Page links only a professional (business or creator) account.
    #[error("the Instagram account is not professional")]
    NotProfessional,
    /// The media type is neither IMAGE nor VIDEO.
    #[error("unknown media type")]
    BadMediaType,
    /// The caption is too long.
    #[error("the caption is too long")]
    CaptionTooLong,
    /// No media has this id, or it is not a post one can comment on.
    #[error("no such media")]
    NoSuchMedia,
    /// The comment is empty or too long.
    #[error("the comment must be 1 to 2200 characters")]
    BadComment,
    /// The media's owner turned comments off.
    #[error("comments are turned off on this media")]
    CommentsDisabled,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PeopleError {
    /// The catalogue key of the message (`None` for store failures).
    pub fn key(&self) -> Option<&'static str> {
        Some(match self {
            Self::BadUsername => "err.people_username",
            Self::UsernameTaken => "err.people_username_taken",
            Self::BadPassword => "err.people_password",
            Self::BadAccountType => "err.people_account_type",
            Self::NameRequired => "err.people_name_required",
            Self::NameTooLong => "err.people_name_too_long",
            Self::BadEmail => "err.people_email",
            Self::EmailTaken => "err.people_email_taken",
            Self::NoSuchFacebookUser => "err.people_no_fb_user",
            Self::NoSuchInstagramUser => "err.people_no_ig_user",
            Self::NotProfessional => "err.people_not_professional",
            Self::BadMediaType => "err.people_media_type",
            Self::CaptionTooLong => "err.people_caption",
            Self::NoSuchMedia => "err.people_no_media",
            Self::BadComment => "err.people_comment",
            Self::CommentsDisabled => "err.people_comments_off",
            Self::Store(_) => return None,
        })
    }

    /// Every message key, for the catalogue's completeness test.
    pub const KEYS: &'static [&'static str] = &[
        "err.people_username",
        "err.people_username_taken",
        "err.people_password",
        "err.people_account_type",
        "err.people_name_required",
        "err.people_name_too_long",
        "err.people_email",
        "err.people_email_taken",
        "err.people_no_fb_user",
        "err.people_no_ig_user",
        "err.people_not_professional",
        "err.people_media_type",
        "err.people_caption",
        "err.people_no_media",
        "err.people_comment",
        "err.people_comments_off",
    ];
}

type Result<T> = std::result::Result<T, PeopleError>;

/// A new Instagram account, as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewInstagramAccount {
    /// Username.
    pub username: String,
    /// Password (stored hashed).
    pub password: String,
    /// `PERSONAL`, `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: String,
    /// Display name; empty: none.
    pub name: String,
}

/// A new Facebook user, as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewFacebookUser {
    /// Display name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// Password (stored hashed).
    pub password: String,
}

/// A new Page, as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewPage {
    /// Page name.
    pub name: String,
    /// The owner: a Facebook user's id or email.
    pub owner: String,
    /// The professional Instagram account to link, by username; empty: none.
    pub instagram: String,
}

/// Whether a username is one Instagram accepts (the world file's rule).
pub fn valid_username(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 30
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

/// Whether an email has the shape `local@domain.tld`, without spaces.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    e.len() <= MAX_EMAIL
        && !local.is_empty()
        && !domain.contains('@')
        && !e.chars().any(char::is_whitespace)
        && domain
            .split_once('.')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !b.ends_with('.'))
}

fn check_password(p: &str) -> Result<()> {
    let n = p.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(PeopleError::BadPassword);
    }
    Ok(())
}

fn check_name(name: &str, required: bool) -> Result<String> {
    let name = name.trim();
    if required && name.is_empty() {
        return Err(PeopleError::NameRequired);
    }
    if name.chars().count() > MAX_NAME {
        return Err(PeopleError::NameTooLong);
    }
    Ok(name.to_owned())
}

impl Platform {
    /// Creates an Instagram account that logs in with `password`.
    pub async fn create_instagram_account(&self, input: &NewInstagramAccount) -> Result<IgUser> {
        let username = input.username.trim();
        if !valid_username(username) {
            return Err(PeopleError::BadUsername);
        }
        check_password(&input.password)?;
        if !ACCOUNT_TYPES.iter().any(|(t, _)| *t == input.account_type) {
            return Err(PeopleError::BadAccountType);
        }
        let name = check_name(&input.name, false)?;
        if self
            .store
            .find_ig_user_by_username(username)
            .await?
            .is_some()
        {
            return Err(PeopleError::UsernameTaken);
        }
        let mut id = format!("17841{}", self.rng.digits('4', 12));
        while self.store.find_ig_user(&id).await?.is_some() {
            id = format!("17841{}", self.rng.digits('4', 12));
        }
        let password_hash =
            secret::hash_password(&*self.rng, &input.password).map_err(StoreError::Other)?;
        let user = IgUser {
            id,
            username: username.to_owned(),
            password_hash,
            account_type: input.account_type.clone(),
            name,
            biography: String::new(),
            website: String::new(),
            is_private: false,
            followers_count: 0,
            follows_count: 0,
            profile_picture: None,
            profile_blob: None,
        };
        self.store
            .apply_world(&WorldPlan {
                ig_users: vec![user.clone()],
                ..WorldPlan::default()
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => PeopleError::UsernameTaken,
                e => PeopleError::Store(e),
            })?;
        self.clear_caches();
        Ok(user)
    }

    /// Creates a Facebook user who logs in with `email` and `password`.
    pub async fn create_facebook_user(&self, input: &NewFacebookUser) -> Result<FbUser> {
        let name = check_name(&input.name, true)?;
        let email = input.email.trim().to_ascii_lowercase();
        if !valid_email(&email) {
            return Err(PeopleError::BadEmail);
        }
        check_password(&input.password)?;
        if self.store.find_fb_user_by_email(&email).await?.is_some() {
            return Err(PeopleError::EmailTaken);
        }
        let mut id = format!("1000{}", self.rng.digits('1', 11));
        while self.store.find_fb_user(&id).await?.is_some() {
            id = format!("1000{}", self.rng.digits('1', 11));
        }
        let password_hash =
            secret::hash_password(&*self.rng, &input.password).map_err(StoreError::Other)?;
        let user = FbUser {
            id,
            name,
            email: Some(email),
            password_hash: Some(password_hash),
            test_user: false,
            checkpointed: false,
            blocked: false,
        };
        self.store
            .apply_world(&WorldPlan {
                fb_users: vec![user.clone()],
                ..WorldPlan::default()
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict { .. } => PeopleError::EmailTaken,
                e => PeopleError::Store(e),
            })?;
        self.clear_caches();
        Ok(user)
    }

    /// The Facebook user with this id or email.
    async fn fb_user_by_id_or_email(&self, key: &str) -> Result<Option<FbUser>> {
        let key = key.trim();
        if key.is_empty() {
            return Ok(None);
        }
        if key.contains('@') {
            return Ok(self
                .store
                .find_fb_user_by_email(&key.to_ascii_lowercase())
                .await?);
        }
        Ok(self.store.find_fb_user(key).await?)
    }

    /// Creates a Page with its owner holding every task, linked to a professional Instagram
    /// account when one is named.
    pub async fn create_dashboard_page(&self, input: &NewPage) -> Result<Page> {
        let name = check_name(&input.name, true)?;
        let owner = self
            .fb_user_by_id_or_email(&input.owner)
            .await?
            .ok_or(PeopleError::NoSuchFacebookUser)?;
        let instagram = match input.instagram.trim() {
            "" => None,
            username => {
                let user = self
                    .store
                    .find_ig_user_by_username(username)
                    .await?
                    .ok_or(PeopleError::NoSuchInstagramUser)?;
                let professional = ACCOUNT_TYPES
                    .iter()
                    .any(|(t, pro)| *pro && *t == user.account_type);
                if !professional {
                    return Err(PeopleError::NotProfessional);
                }
                Some(user.id)
            }
        };
        let mut id = self.rng.digits('1', 15);
        while self.store.find_page(&id).await?.is_some() {
            id = self.rng.digits('1', 15);
        }
        let page = Page {
            id,
            name,
            category_enum: PAGE_CATEGORY.into(),
            about: String::new(),
            description: String::new(),
            phone: String::new(),
            website: String::new(),
            is_place: false,
            is_promotable: true,
            business_id: String::new(),
            instagram_business_account: instagram,
            extra: serde_json::Value::Object(serde_json::Map::new()),
        };
        let role = PageRole {
            page_id: page.id.clone(),
            fb_user_id: owner.id,
            tasks: OWNER_TASKS.iter().map(|t| (*t).to_owned()).collect(),
        };
        self.store.create_page(&page, &role).await?;
        self.clear_caches();
        Ok(page)
    }

    /// Adds a generated post (an image or a video drawn by the emulator) to an account,
    /// published now.
    pub async fn add_generated_media(
        &self,
        username: &str,
        media_type: &str,
        caption: &str,
    ) -> Result<IgMedia> {
        let owner = self
            .store
            .find_ig_user_by_username(username.trim())
            .await?
            .ok_or(PeopleError::NoSuchInstagramUser)?;
        use crate::model::{MediaProductType, MediaType};
        let media_type = match MediaType::parse(media_type) {
            Some(t @ (MediaType::Image | MediaType::Video)) => t,
            _ => return Err(PeopleError::BadMediaType),
        };
        let caption = caption.trim();
        if caption.chars().count() > crate::dashboard::MAX_CAPTION {
            return Err(PeopleError::CaptionTooLong);
        }
        let id = format!("17{}", self.rng.digits('9', 15));
        let media = IgMedia {
            shortcode: crate::world::shortcode_for(&id),
            id,
            owner_id: owner.id,
            parent_id: None,
            position: 0,
            media_type,
            caption: (!caption.is_empty()).then(|| caption.to_owned()),
            timestamp: self.clock.now(),
            file: None,
            thumbnail_file: None,
            copyright_flagged: false,
            media_product_type: MediaProductType::Feed,
            is_shared_to_feed: None,
            media_blob: None,
            thumbnail_blob: None,
        };
        self.store
            .upsert_media(std::slice::from_ref(&media))
            .await?;
        self.clear_caches();
        Ok(media)
    }

    /// Writes a comment by the account `from` on media `media_id` (any account's post that
    /// takes comments); the comment's id.
    pub async fn comment_as(&self, from: &IgUser, media_id: &str, text: &str) -> Result<String> {
        let media = self
            .store
            .find_media(media_id.trim())
            .await?
            .filter(|m| {
                m.parent_id.is_none() && m.media_product_type != crate::model::MediaProductType::Ad
            })
            .ok_or(PeopleError::NoSuchMedia)?;
        let text = text.trim();
        let n = text.chars().count();
        if n == 0 || n > crate::comments::MAX_TEXT {
            return Err(PeopleError::BadComment);
        }
        if !self.store.comments_enabled(&media.id).await? {
            return Err(PeopleError::CommentsDisabled);
        }
        self.add_comment(&media.id, None, &from.id, &from.username, text.to_owned())
            .await
            .map_err(|e| PeopleError::Store(StoreError::Other(anyhow::anyhow!("{e:?}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_emails_follow_the_rules() {
        for ok in [
            "jane.doe",
            "a",
            "under_score",
            "x123456789012345678901234567890".get(..30).unwrap_or(""),
        ] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in ["", "has space", "dash-ed", "é", &"a".repeat(31)] {
            assert!(!valid_username(bad), "{bad}");
        }
        for ok in ["a@b.co", "first.last@mail.example.com"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b@c.de", "a@b.", "a@b.co.",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(check_password("12345").is_err());
        assert!(check_password("123456").is_ok());
        assert!(check_password(&"p".repeat(129)).is_err());
    }
}
