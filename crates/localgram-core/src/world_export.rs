//! Writing the current state out as a world file (docs/state.md, docs/world-file.md): what
//! `GET /_localgram/world` answers, and what loads back into the same state.
//!
//! Secrets the store keeps only as hashes are exported as hashes: passwords as their argon2id
//! `password_hash`, tokens as `value_sha256`. App secrets are exported in clear (they are sealed,
//! not hashed, and a world must name them).

use crate::comments::Comment;
use crate::model::{Blob, IgMedia, RateLimits, Subject, TesterStatus};
use crate::platform::Platform;
use crate::store::StoreError;
use crate::world::{
    WEBHOOK_DEFAULT_VERSION, World, WorldApp, WorldAppRole, WorldCity, WorldComment, WorldFbUser,
    WorldIgUser, WorldMedia, WorldPage, WorldPageRole, WorldSubscribedApp, WorldToken,
    WorldWebhook, WorldWebhookField,
};
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Why the state could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An app's secret cannot be recovered (stored before secrets were sealed).
    #[error(
        "app {0}: its secret was stored before secrets were sealed and cannot be exported; load its world again"
    )]
    UnsealedSecret(String),
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn data_uri(blob: &Blob) -> String {
    use base64::Engine as _;
    format!(
        "data:{};base64,{}",
        blob.content_type,
        base64::engine::general_purpose::STANDARD.encode(&blob.bytes)
    )
}

/// `[[apps.webhooks]]` of a subscription: fields at the default version by name only.
fn world_webhook(w: &crate::webhooks::Subscription) -> WorldWebhook {
    WorldWebhook {
        object: w.object.clone(),
        callback_url: w.callback_url.clone(),
        fields: w
            .fields
            .iter()
            .map(|f| {
                if f.version == WEBHOOK_DEFAULT_VERSION {
                    WorldWebhookField::Name(f.name.clone())
                } else {
                    WorldWebhookField::Versioned {
                        name: f.name.clone(),
                        version: f.version.clone(),
                    }
                }
            })
            .collect(),
        include_values: w.include_values,
    }
}

/// The apps an account or a Page enabled.
fn subscribed_apps(
    all: &[crate::webhooks::AccountSubscription],
    kind: crate::webhooks::EnabledBy,
    object_id: &str,
) -> Vec<WorldSubscribedApp> {
    all.iter()
        .filter(|e| e.kind == kind && e.object_id == object_id)
        .map(|e| WorldSubscribedApp {
            app: e.app_id.clone(),
            subscribed_fields: e.fields.clone(),
        })
        .collect()
}

impl Platform {
    /// The current state as a world file: apps (secrets in clear), their accepted and invited
    /// testers and roles, Instagram accounts with their media and files (inline `data:` URIs),
    /// Facebook users, cities, Pages with their roles, and the tokens still valid now (by hash,
    /// with their issue and expiry times).
    pub async fn export_world(&self) -> Result<World, ExportError> {
        let dump = self.store.dump_state().await?;
        let now = self.clock.now();
        let mut files = Files {
            store: &*self.store,
            blobs: HashMap::new(),
        };
        let username: HashMap<&str, &str> = dump
            .ig_users
            .iter()
            .map(|u| (u.id.as_str(), u.username.as_str()))
            .collect();

        let mut apps = Vec::new();
        for a in &dump.apps {
            let secret = a
                .secret_sealed
                .as_deref()
                .and_then(|s| self.sealer.open(&a.id, s))
                .ok_or_else(|| ExportError::UnsealedSecret(a.id.clone()))?;
            let testers = |status: TesterStatus| -> Vec<String> {
                dump.testers
                    .iter()
                    .filter(|t| t.app_id == a.id && t.status == status)
                    .filter_map(|t| username.get(t.ig_user_id.as_str()).map(|u| (*u).to_owned()))
                    .collect()
            };
            apps.push(WorldApp {
                id: a.id.clone(),
                secret,
                name: a.name.clone(),
                mode: a.mode.as_str().to_owned(),
                products: a.products.iter().map(|p| p.as_str().to_owned()).collect(),
                redirect_uris: a.redirect_uris.clone(),
                instagram_testers: testers(TesterStatus::Accepted),
                instagram_tester_invites: testers(TesterStatus::Invited),
                require_appsecret_proof: a.require_appsecret_proof,
                page_creation_allowed: a.page_creation_allowed,
                token_response_shape: a.token_response_shape.as_str().to_owned(),
                test_user_limit: a.test_user_limit,
                roles: dump
                    .app_roles
                    .iter()
                    .filter(|r| r.app_id == a.id)
                    .map(|r| WorldAppRole {
                        user: r.fb_user_id.clone(),
                        role: r.role.clone(),
                    })
                    .collect(),
                rate_limits: (a.rate_limits != RateLimits::default())
                    .then(|| a.rate_limits.clone()),
                contact_email: a.contact_email.clone(),
                site_url: a.site_url.clone(),
                instagram_app_id: a.instagram_app.as_ref().map(|ig| ig.id.clone()),
                instagram_app_secret: match &a.instagram_app {
                    Some(ig) => Some(
                        ig.secret_sealed
                            .as_deref()
                            .and_then(|s| self.sealer.open(&ig.id, s))
                            .ok_or_else(|| ExportError::UnsealedSecret(ig.id.clone()))?,
                    ),
                    None => None,
                },
                instagram_app_name: a.instagram_app.as_ref().map(|ig| ig.name.clone()),
                webhooks: dump
                    .subscriptions
                    .iter()
                    .filter(|w| w.app_id == a.id)
                    .map(world_webhook)
                    .collect(),
            });
        }

        let mut children: HashMap<&str, Vec<&IgMedia>> = HashMap::new();
        for m in &dump.media {
            if let Some(parent) = &m.parent_id {
                children.entry(parent.as_str()).or_default().push(m);
            }
        }
        for list in children.values_mut() {
            list.sort_by_key(|m| m.position);
        }
        let mut comments: HashMap<&str, Vec<&Comment>> = HashMap::new();
        for c in &dump.comments {
            comments.entry(c.media_id.as_str()).or_default().push(c);
        }
        let disabled: std::collections::HashSet<&str> =
            dump.comments_disabled.iter().map(String::as_str).collect();
        let mut instagram_users = Vec::new();
        for u in &dump.ig_users {
            let mut media = Vec::new();
            for m in dump
                .media
                .iter()
                .filter(|m| m.owner_id == u.id && m.parent_id.is_none())
            {
                let mut wm = world_media(m, &mut files).await?;
                for c in children.get(m.id.as_str()).into_iter().flatten() {
                    wm.children.push(world_media(c, &mut files).await?);
                }
                wm.comments = world_comments(&comments, &m.id);
                if disabled.contains(m.id.as_str()) {
                    wm.comment_enabled = Some(false);
                }
                media.push(wm);
            }
            instagram_users.push(WorldIgUser {
                id: u.id.clone(),
                username: u.username.clone(),
                password: String::new(),
                password_hash: Some(u.password_hash.clone()),
                account_type: u.account_type.clone(),
                name: u.name.clone(),
                biography: u.biography.clone(),
                website: u.website.clone(),
                is_private: u.is_private,
                followers_count: u.followers_count,
                follows_count: u.follows_count,
                profile_picture: files.uri(&u.profile_blob).await?,
                media,
                subscribed_apps: subscribed_apps(
                    &dump.account_subscriptions,
                    crate::webhooks::EnabledBy::Instagram,
                    &u.id,
                ),
            });
        }

        let facebook_users = dump
            .fb_users
            .iter()
            .map(|u| WorldFbUser {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                password: None,
                password_hash: u.password_hash.clone(),
                test_user: u.test_user,
                checkpointed: u.checkpointed,
                blocked: u.blocked,
            })
            .collect();
        let cities = dump
            .cities
            .iter()
            .map(|c| WorldCity {
                id: c.id.clone(),
                name: c.name.clone(),
                state: c.state.clone(),
                country: c.country.clone(),
                latitude: c.latitude,
                longitude: c.longitude,
                radius_km: c.radius_km,
            })
            .collect();
        let pages = dump
            .pages
            .iter()
            .map(|p| WorldPage {
                id: p.id.clone(),
                name: p.name.clone(),
                category_enum: p.category_enum.clone(),
                about: p.about.clone(),
                description: p.description.clone(),
                phone: p.phone.clone(),
                website: p.website.clone(),
                is_place: p.is_place,
                is_promotable: p.is_promotable,
                business_id: p.business_id.clone(),
                instagram_business_account: p.instagram_business_account.clone(),
                location: p.extra.get("location").and_then(|l| l.as_object()).cloned(),
                subscribed_apps: subscribed_apps(
                    &dump.account_subscriptions,
                    crate::webhooks::EnabledBy::Page,
                    &p.id,
                ),
                roles: dump
                    .page_roles
                    .iter()
                    .filter(|r| r.page_id == p.id)
                    .map(|r| WorldPageRole {
                        user: r.fb_user_id.clone(),
                        tasks: r.tasks.clone(),
                    })
                    .collect(),
            })
            .collect();
        let mut tokens: Vec<WorldToken> = dump
            .tokens
            .iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
            .filter_map(|t| {
                let user = match &t.subject {
                    Subject::Instagram(id) => (*username.get(id.as_str())?).to_owned(),
                    Subject::Facebook(id) => id.clone(),
                    Subject::App => String::new(),
                };
                Some(WorldToken {
                    value: String::new(),
                    value_sha256: Some(t.token_hash.clone()),
                    app: t.app_id.clone(),
                    user,
                    kind: t.kind.as_str().to_owned(),
                    page: t.page_id.clone().unwrap_or_default(),
                    scopes: t.scopes.clone(),
                    issued_at: Some(rfc3339(t.issued_at)),
                    expires_at: t.expires_at.map(rfc3339),
                })
            })
            .collect();
        // By issue time, then hash: the same state always gives the same file.
        tokens
            .sort_by(|a, b| (&a.issued_at, &a.value_sha256).cmp(&(&b.issued_at, &b.value_sha256)));
        // The installed fault rules, each with its id and seed, so a load installs the same ones.
        let faults = self
            .faults
            .rules()
            .iter()
            .map(|r| {
                let mut spec = r.spec.clone();
                spec.id = Some(r.id.clone());
                spec
            })
            .collect();
        Ok(World {
            version: 1,
            faults,
            apps,
            instagram_users,
            facebook_users,
            cities,
            pages,
            tokens,
        })
    }
}

/// The stored files, read once each, as `data:` URIs.
struct Files<'a> {
    store: &'a dyn crate::store::Store,
    blobs: HashMap<String, Option<Blob>>,
}

impl Files<'_> {
    async fn uri(&mut self, sha: &Option<String>) -> Result<Option<String>, StoreError> {
        let Some(sha) = sha else { return Ok(None) };
        if !self.blobs.contains_key(sha) {
            let blob = self.store.find_blob(sha).await?;
            self.blobs.insert(sha.clone(), blob);
        }
        Ok(self.blobs.get(sha).and_then(Option::as_ref).map(data_uri))
    }
}

/// A media's comments as the world file writes them: top-level comments (oldest first, as the
/// dump orders them), each with its replies. Authors are named by username, as stored.
fn world_comments(by_media: &HashMap<&str, Vec<&Comment>>, media_id: &str) -> Vec<WorldComment> {
    let all = by_media
        .get(media_id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let one = |c: &Comment| WorldComment {
        id: c.id.clone(),
        from: c.from_username.clone(),
        text: c.text.clone(),
        timestamp: Some(rfc3339(c.timestamp)),
        hidden: c.hidden,
        replies: Vec::new(),
    };
    all.iter()
        .filter(|c| c.parent_id.is_none())
        .map(|top| WorldComment {
            replies: all
                .iter()
                .filter(|r| r.parent_id.as_deref() == Some(top.id.as_str()))
                .map(|r| one(r))
                .collect(),
            ..one(top)
        })
        .collect()
}

async fn world_media(m: &IgMedia, files: &mut Files<'_>) -> Result<WorldMedia, StoreError> {
    Ok(WorldMedia {
        comments: Vec::new(),
        comment_enabled: None,
        id: m.id.clone(),
        media_type: m.media_type.as_str().to_owned(),
        caption: m.caption.clone(),
        timestamp: Some(rfc3339(m.timestamp)),
        file: files.uri(&m.media_blob).await?,
        thumbnail_file: files.uri(&m.thumbnail_blob).await?,
        shortcode: Some(m.shortcode.clone()),
        copyright_flagged: m.copyright_flagged,
        media_product_type: m.media_product_type.as_str().to_owned(),
        is_shared_to_feed: m.is_shared_to_feed,
        children: Vec::new(),
    })
}
