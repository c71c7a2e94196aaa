//! Facebook test users of an app (`docs/graph-api.md#test-users`):
//! `GET|POST|DELETE /{app-id}/accounts/test-users` with an app access token. A created test user
//! can log in to the Facebook Login dialog with the email and password returned once at creation,
//! and, being a test user, may create Pages.

use crate::cursor::Position;
use crate::error::{GraphError, GraphHost};
use crate::model::{
    App, FbGrant, FbUser, Subject, TestUserLink, TestUserRemoval, TokenKind, TokenRecord,
};
use crate::params::Params;
use crate::platform::Platform;
use crate::secret::{self, Secret};
use crate::store::StoreError;

/// The cursor namespace of the test-users edge.
const TEST_USERS_EDGE: &str = "test-users";

/// The domain test users' emails use (as Facebook's `tfbnw.net`).
pub const EMAIL_DOMAIN: &str = "tfbnw.net";

/// First names and surnames a test user without a `name` is given.
const FIRST_NAMES: &[&str] = &[
    "Alex", "Bea", "Carl", "Dana", "Elif", "Femi", "Gus", "Hana", "Ivo", "June",
];
const SURNAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Silva",
    "Novak",
    "Haddad",
    "Kowalski",
];

/// A test user created (or associated) by `POST /{app-id}/accounts/test-users`.
#[derive(Debug)]
pub struct CreatedTestUser {
    /// The Facebook user id.
    pub id: String,
    /// A user token of the app, when the app is installed for the user.
    pub access_token: Option<Secret>,
    /// The login email (new users only).
    pub email: Option<String>,
    /// The login password, shown once (new users only).
    pub password: Option<Secret>,
}

/// One test user on the list.
#[derive(Debug)]
pub struct TestUserItem {
    /// The Facebook user id.
    pub id: String,
    /// A fresh user token of the app, when the app is installed for the user.
    pub access_token: Option<Secret>,
}

/// One page of the test-users edge.
#[derive(Debug)]
pub struct TestUsersPage {
    /// The test users, oldest first.
    pub items: Vec<TestUserItem>,
    /// Cursor of the first item.
    pub before: Option<String>,
    /// Cursor of the last item.
    pub after: Option<String>,
    /// Whether an earlier page exists.
    pub has_previous: bool,
    /// Whether a later page exists.
    pub has_next: bool,
}

fn store_err(e: StoreError) -> GraphError {
    tracing::error!(error = %e, cause = ?std::error::Error::source(&e), "store failure on the test-users edge");
    GraphError::from_store(&e)
}

fn param<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, GraphError> {
    params
        .get(name)
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
        .map_err(|_| {
            GraphError::invalid_parameter(format!("(#100) Param {name} was given more than once"))
        })
}

fn bool_param(params: &Params, name: &str, default: bool) -> Result<bool, GraphError> {
    match param(params, name)? {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(GraphError::invalid_parameter(format!(
            "(#100) Param {name} must be a boolean, got {other:?}"
        ))),
    }
}

fn check_type(params: &Params) -> Result<(), GraphError> {
    match param(params, "type")? {
        None | Some("test-users") => Ok(()),
        Some(other) => Err(GraphError::invalid_parameter(format!(
            "(#100) Param type must be one of {{test-users}}, got {other:?}"
        ))),
    }
}

/// How long a test user's `login_url` works, once (`docs/graph-api.md#test-users`).
pub const LOGIN_URL_TTL: time::Duration = time::Duration::hours(1);

/// The single-use token table's key for the login links of one test user.
fn login_link_key(fb_user_id: &str) -> String {
    format!("test-user-login:{fb_user_id}")
}

impl Platform {
    /// A fresh secret for a test user's `login_url`: it works once, within [`LOGIN_URL_TTL`].
    /// Stored hashed, in the single-use token table the forms' CSRF tokens use.
    pub async fn issue_test_user_login(&self, fb_user_id: &str) -> Result<Secret, StoreError> {
        let nonce = secret::generate(&*self.rng, "");
        self.store
            .insert_csrf(
                &nonce.hash().0,
                &login_link_key(fb_user_id),
                self.clock.now() + LOGIN_URL_TTL,
            )
            .await?;
        Ok(nonce)
    }

    /// Redeems a `login_url`: the test user it logs in, or `None` when the link is unknown,
    /// used, expired, or not a test user's.
    pub async fn redeem_test_user_login(
        &self,
        fb_user_id: &str,
        nonce: &str,
    ) -> Result<Option<FbUser>, StoreError> {
        if nonce.is_empty()
            || !self
                .store
                .consume_csrf(
                    &crate::secret::SecretHash::of(nonce).0,
                    &login_link_key(fb_user_id),
                    self.clock.now(),
                )
                .await?
        {
            return Ok(None);
        }
        Ok(self
            .store
            .find_fb_user(fb_user_id)
            .await?
            .filter(|u| u.test_user))
    }

    /// The app whose test users `token` may manage: an app token of that very app.
    async fn test_users_app(
        &self,
        token: &TokenRecord,
        app_id: &str,
        method: &str,
    ) -> Result<std::sync::Arc<App>, GraphError> {
        if token.kind != TokenKind::App {
            return Err(GraphError::permissions_error(
                "test users can only be managed with an app access token",
            ));
        }
        if token.app_id != app_id {
            return Err(GraphError::unsupported_request(
                GraphHost::Facebook,
                method,
                app_id,
            ));
        }
        self.cached_app(app_id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| GraphError::unsupported_request(GraphHost::Facebook, method, app_id))
    }

    /// A fresh user token of `app_id` for the test user, with the granted permissions.
    async fn issue_test_user_token(
        &self,
        app_id: &str,
        user_id: &str,
        scopes: &[String],
    ) -> Result<Secret, GraphError> {
        let now = self.clock.now();
        let access_token = secret::generate(&*self.rng, crate::facebook::TOKEN_PREFIX);
        let token = TokenRecord {
            scopes: scopes.to_vec(),
            expires_at: Some(now + self.settings.lifetimes.facebook_user),
            ..TokenRecord::new(
                self.new_id(),
                access_token.hash().0,
                app_id.to_owned(),
                TokenKind::FacebookUser,
                Subject::Facebook(user_id.to_owned()),
                now,
            )
        };
        self.store.insert_token(&token).await.map_err(store_err)?;
        Ok(access_token)
    }

    fn random_name(&self) -> String {
        use crate::rng::RngExt;
        let b = self.rng.bytes(2);
        format!(
            "{} {}",
            FIRST_NAMES[usize::from(b[0]) % FIRST_NAMES.len()],
            SURNAMES[usize::from(b[1]) % SURNAMES.len()]
        )
    }

    /// `POST /{app-id}/accounts/test-users`: creates a test user (or, with `uid` and
    /// `owner_access_token`, associates another app's test user), installed for the app with
    /// `permissions` unless `installed=false`. Beyond the app's `test_user_limit`: 2900.
    pub async fn create_test_user(
        &self,
        token: &TokenRecord,
        app_id: &str,
        params: &Params,
    ) -> Result<CreatedTestUser, GraphError> {
        let app = self.test_users_app(token, app_id, "POST").await?;
        check_type(params)?;
        let installed = bool_param(params, "installed", true)?;
        bool_param(params, "minor", false)?;
        let scopes =
            crate::facebook::parse_permissions(param(params, "permissions")?.unwrap_or(""))
                .map_err(|p| {
                    GraphError::invalid_parameter(format!("(#100) Invalid permission: {p}"))
                })?;
        let now = self.clock.now();
        let grant = installed.then(|| FbGrant {
            app_id: app.id.clone(),
            fb_user_id: String::new(),
            scopes: scopes.clone(),
            page_ids: Vec::new(),
            granted_at: now,
        });
        let limit = app.test_user_limit;
        let (user, email, password) = match param(params, "uid")? {
            Some(uid) => {
                let owner = param(params, "owner_access_token")?.ok_or_else(|| {
                    GraphError::invalid_parameter(
                        "(#100) owner_access_token is required to associate an existing test user",
                    )
                })?;
                let owner = self.resolve_fb_token(owner).await?;
                if owner.kind != TokenKind::App
                    || self
                        .store
                        .find_test_user(&owner.app_id, uid)
                        .await
                        .map_err(store_err)?
                        .is_none()
                {
                    return Err(GraphError::invalid_parameter(
                        "(#100) uid must be a test user of the app of owner_access_token",
                    ));
                }
                if self
                    .store
                    .find_test_user(&app.id, uid)
                    .await
                    .map_err(store_err)?
                    .is_some()
                {
                    return Err(GraphError::invalid_parameter(
                        "(#100) The test user is already associated with this app",
                    ));
                }
                (uid.to_owned(), None, None)
            }
            None => {
                let id = self.new_id();
                let name = match param(params, "name")? {
                    Some(n) => n.to_owned(),
                    None => self.random_name(),
                };
                let local: String = name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|c| c.to_ascii_lowercase())
                    .take(20)
                    .collect();
                let email = format!("{local}_{id}@{EMAIL_DOMAIN}");
                let password = secret::generate(&*self.rng, "");
                let hash = secret::hash_password(&*self.rng, password.expose()).map_err(|e| {
                    tracing::error!(error = %e, "cannot hash a test user's password");
                    GraphError::internal()
                })?;
                let user = FbUser {
                    id: id.clone(),
                    name,
                    email: Some(email.clone()),
                    password_hash: Some(hash),
                    test_user: true,
                    checkpointed: false,
                    blocked: false,
                };
                let link = TestUserLink {
                    app_id: app.id.clone(),
                    fb_user_id: id.clone(),
                    created_at: now,
                };
                let grant = grant.clone().map(|g| FbGrant {
                    fb_user_id: id.clone(),
                    ..g
                });
                if !self
                    .store
                    .add_test_user(Some(&user), &link, grant.as_ref(), limit)
                    .await
                    .map_err(store_err)?
                {
                    return Err(GraphError::too_many_test_accounts());
                }
                (id, Some(email), Some(password))
            }
        };
        if email.is_none() {
            let link = TestUserLink {
                app_id: app.id.clone(),
                fb_user_id: user.clone(),
                created_at: now,
            };
            let grant = grant.map(|g| FbGrant {
                fb_user_id: user.clone(),
                ..g
            });
            if !self
                .store
                .add_test_user(None, &link, grant.as_ref(), limit)
                .await
                .map_err(store_err)?
            {
                return Err(GraphError::too_many_test_accounts());
            }
        }
        let access_token = if installed {
            Some(self.issue_test_user_token(&app.id, &user, &scopes).await?)
        } else {
            None
        };
        Ok(CreatedTestUser {
            id: user,
            access_token,
            email,
            password,
        })
    }

    /// `GET /{app-id}/accounts/test-users`: the app's test users, oldest first, with a fresh
    /// user token for each one the app is installed for; `limit` (default 25, at most 100),
    /// `after` and `before` cursors.
    pub async fn list_test_users(
        &self,
        token: &TokenRecord,
        app_id: &str,
        params: &Params,
    ) -> Result<TestUsersPage, GraphError> {
        let app = self.test_users_app(token, app_id, "GET").await?;
        check_type(params)?;
        let limit = crate::media::parse_limit(param(params, "limit")?, 25)?;
        let limit = usize::try_from(limit.min(100)).unwrap_or(25);
        let decode = |which: &str| -> Result<Option<Position>, GraphError> {
            param(params, which)?
                .map(|c| {
                    self.cursors
                        .decode(TEST_USERS_EDGE, &app.id, c)
                        .map_err(|_| crate::media::invalid_cursor(which))
                })
                .transpose()
        };
        let after = decode("after")?;
        let before = decode("before")?;
        let key = |l: &TestUserLink| (crate::clock::to_millis(l.created_at), l.fb_user_id.clone());
        let all = self
            .store
            .list_test_users(&app.id)
            .await
            .map_err(store_err)?;
        let (links, has_previous, has_next): (Vec<TestUserLink>, bool, bool) =
            match (&after, &before) {
                (Some(a), _) => {
                    let rest: Vec<TestUserLink> = all
                        .into_iter()
                        .filter(|l| key(l) > (a.sort, a.id.clone()))
                        .collect();
                    let more = rest.len() > limit;
                    (rest.into_iter().take(limit).collect(), true, more)
                }
                (None, Some(b)) => {
                    let head: Vec<TestUserLink> = all
                        .into_iter()
                        .filter(|l| key(l) < (b.sort, b.id.clone()))
                        .collect();
                    let skip = head.len().saturating_sub(limit);
                    (head.into_iter().skip(skip).collect(), skip > 0, true)
                }
                (None, None) => {
                    let more = all.len() > limit;
                    (all.into_iter().take(limit).collect(), false, more)
                }
            };
        let cursor = |l: &TestUserLink| {
            let (sort, id) = key(l);
            self.cursors
                .encode(TEST_USERS_EDGE, &app.id, &Position { sort, id })
        };
        let before = links.first().map(cursor);
        let after = links.last().map(cursor);
        let mut items = Vec::with_capacity(links.len());
        for l in &links {
            let grant = self
                .store
                .find_fb_grant(&app.id, &l.fb_user_id)
                .await
                .map_err(store_err)?;
            let access_token = match grant {
                Some(g) => Some(
                    self.issue_test_user_token(&app.id, &l.fb_user_id, &g.scopes)
                        .await?,
                ),
                None => None,
            };
            items.push(TestUserItem {
                id: l.fb_user_id.clone(),
                access_token,
            });
        }
        Ok(TestUsersPage {
            has_previous: has_previous && !items.is_empty(),
            has_next: has_next && !items.is_empty(),
            items,
            before,
            after,
        })
    }

    /// `DELETE /{app-id}/accounts/test-users?uid=…`: dissociates a test user from the app (its
    /// grant and its tokens of the app go too). Not a test user of the app: 100; the app's only
    /// test user: 2902.
    pub async fn remove_test_user(
        &self,
        token: &TokenRecord,
        app_id: &str,
        params: &Params,
    ) -> Result<(), GraphError> {
        let app = self.test_users_app(token, app_id, "DELETE").await?;
        check_type(params)?;
        let uid = param(params, "uid")?
            .ok_or_else(|| GraphError::invalid_parameter("(#100) Missing uid parameter"))?;
        match self
            .store
            .remove_test_user(&app.id, uid, self.clock.now())
            .await
            .map_err(store_err)?
        {
            TestUserRemoval::Removed => Ok(()),
            TestUserRemoval::NotFound => Err(GraphError::invalid_parameter(format!(
                "(#100) {uid} is not a test user of this app"
            ))),
            TestUserRemoval::OnlyOne => Err(GraphError::cannot_remove_test_account()),
        }
    }

    /// Whether the Facebook user is a test user of the app.
    pub async fn is_test_user_of(
        &self,
        app_id: &str,
        fb_user_id: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .store
            .find_test_user(app_id, fb_user_id)
            .await?
            .is_some())
    }
}
