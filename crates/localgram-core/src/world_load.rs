//! Loading a world into the store: parse, resolve references against what the store already
//! holds, plan, and apply in one transaction (docs/world-file.md).

use crate::platform::Platform;
use crate::store::StoreError;
use crate::world::{self, Existing, Format, PasswordHashes, PlanContext, World, WorldError};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Why a world could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadWorldError {
    /// The file is invalid; nothing was written.
    #[error(transparent)]
    Invalid(#[from] WorldError),
    /// The store refused or failed; nothing was written.
    #[error("world file: {0}")]
    Store(#[from] StoreError),
}

/// How much a world declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorldSummary {
    /// Apps.
    pub apps: usize,
    /// Instagram accounts.
    pub instagram_users: usize,
    /// Media, album children included.
    pub media: usize,
    /// Facebook users.
    pub facebook_users: usize,
    /// Pages.
    pub pages: usize,
    /// Ready-made tokens.
    pub tokens: usize,
    /// Fault rules installed.
    pub faults: usize,
}

/// What the store already holds of the objects a world refers to.
#[derive(Default)]
struct Snapshot {
    usernames: HashMap<String, String>,
    ig_ids: HashSet<String>,
    fb_ids: HashSet<String>,
    apps: HashSet<String>,
}

impl Existing for Snapshot {
    fn ig_user_id_by_username(&self, username: &str) -> Option<String> {
        self.usernames.get(username).cloned()
    }
    fn ig_user_exists(&self, id: &str) -> bool {
        self.ig_ids.contains(id)
    }
    fn fb_user_exists(&self, id: &str) -> bool {
        self.fb_ids.contains(id)
    }
    fn app_exists(&self, id: &str) -> bool {
        self.apps.contains(id)
    }
    fn page_exists(&self, _id: &str) -> bool {
        false
    }
}

impl Platform {
    /// Parses, validates and applies a world body. Idempotent: objects whose id exists are
    /// updated. All or nothing.
    pub async fn load_world(
        &self,
        body: &str,
        format: Format,
        base_dir: Option<&Path>,
    ) -> Result<WorldSummary, LoadWorldError> {
        self.load_world_prehashed(body, format, base_dir, &PasswordHashes::default())
            .await
    }

    /// [`Platform::load_world`] with some of the world's passwords hashed ahead
    /// ([`world::hash_passwords`]).
    pub async fn load_world_prehashed(
        &self,
        body: &str,
        format: Format,
        base_dir: Option<&Path>,
        prehashed: &PasswordHashes,
    ) -> Result<WorldSummary, LoadWorldError> {
        let world = world::parse(body, format)?;
        let snapshot = self.snapshot_references(&world).await?;
        let stored_files = self.stored_files(&world).await?;
        let plan = {
            let cx = PlanContext {
                rng: &*self.rng,
                now: self.clock.now(),
                lifetimes: self.settings.lifetimes,
                base_dir,
                stored_files: &stored_files,
                existing: &snapshot,
                prehashed,
            };
            world::plan(&world, &cx)?
        };
        let mut plan = plan;
        for app in &mut plan.apps {
            if let Some(declared) = world.apps.iter().find(|a| a.id == app.id) {
                app.secret_sealed = Some(self.sealer.seal(&*self.rng, &app.id, &declared.secret));
                if let (Some(ig), Some(secret)) =
                    (app.instagram_app.as_mut(), &declared.instagram_app_secret)
                {
                    ig.secret_sealed = Some(self.sealer.seal(&*self.rng, &ig.id, secret));
                }
            }
        }
        let rules = self.fault_rules(&world.faults)?;
        let faults = rules.len();
        if self.faults.rules().len() + faults > crate::faults::MAX_RULES {
            return Err(WorldError::Invalid {
                object: "faults".into(),
                field: "faults".into(),
                message: format!("at most {} rules at once", crate::faults::MAX_RULES),
            }
            .into());
        }
        self.store.apply_world(&plan).await?;
        self.clear_caches();
        if let Err(e) = self.faults.add(rules) {
            tracing::error!(error = %e, "the world's fault rules could not be installed");
        }
        Ok(WorldSummary {
            apps: plan.apps.len(),
            instagram_users: plan.ig_users.len(),
            media: plan.media.len(),
            facebook_users: plan.fb_users.len(),
            pages: plan.pages.len(),
            tokens: plan.tokens.len(),
            faults,
        })
    }

    /// Rules ready to install from specs (a probability without a seed gets one from the
    /// platform's random source).
    pub fn fault_rules(
        &self,
        specs: &[crate::faults::RuleSpec],
    ) -> Result<Vec<crate::faults::Rule>, WorldError> {
        use crate::rng::RngExt;
        specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let seed = u64::from_le_bytes(self.rng.bytes(8).try_into().unwrap_or([0; 8]));
                crate::faults::Rule::new(self.faults.next_id(), spec.clone(), seed).map_err(|e| {
                    WorldError::Invalid {
                        object: format!("faults[{i}]"),
                        field: e.field,
                        message: e.message,
                    }
                })
            })
            .collect()
    }

    /// Plans a world for an empty store (nothing outside the world is referred to): what
    /// [`Platform::reset`] writes. Files named by Localgram URLs are read from the store now.
    pub async fn plan_fresh_world(
        &self,
        body: &str,
        format: Format,
        base_dir: Option<&Path>,
    ) -> Result<crate::store::WorldPlan, LoadWorldError> {
        let world = world::parse(body, format)?;
        self.plan_fresh(&world, base_dir).await
    }

    /// `serve --import`: replaces the whole state, fault rules included, by a world file's (an
    /// export of `GET /_localgram/world`, or any world). The file is read and checked in full
    /// first, then written in one write job: a bad file changes nothing.
    pub async fn import_world(
        &self,
        body: &str,
        format: Format,
        base_dir: Option<&Path>,
    ) -> Result<WorldSummary, LoadWorldError> {
        let world = world::parse(body, format)?;
        let plan = self.plan_fresh(&world, base_dir).await?;
        let rules = self.fault_rules(&world.faults)?;
        if rules.len() > crate::faults::MAX_RULES {
            return Err(WorldError::Invalid {
                object: "faults".into(),
                field: "faults".into(),
                message: format!("at most {} rules at once", crate::faults::MAX_RULES),
            }
            .into());
        }
        let summary = WorldSummary {
            apps: plan.apps.len(),
            instagram_users: plan.ig_users.len(),
            media: plan.media.len(),
            facebook_users: plan.fb_users.len(),
            pages: plan.pages.len(),
            tokens: plan.tokens.len(),
            faults: rules.len(),
        };
        self.reset(std::slice::from_ref(&plan)).await?;
        self.faults.clear();
        if let Err(e) = self.faults.add(rules) {
            tracing::error!(error = %e, "the imported fault rules could not be installed");
        }
        Ok(summary)
    }

    async fn plan_fresh(
        &self,
        world: &world::World,
        base_dir: Option<&Path>,
    ) -> Result<crate::store::WorldPlan, LoadWorldError> {
        let stored_files = self.stored_files(world).await?;
        let mut plan = {
            let cx = PlanContext {
                rng: &*self.rng,
                now: self.clock.now(),
                lifetimes: self.settings.lifetimes,
                base_dir,
                stored_files: &stored_files,
                existing: &world::NothingExisting,
                prehashed: &PasswordHashes::default(),
            };
            world::plan(world, &cx)?
        };
        for app in &mut plan.apps {
            if let Some(declared) = world.apps.iter().find(|a| a.id == app.id) {
                app.secret_sealed = Some(self.sealer.seal(&*self.rng, &app.id, &declared.secret));
                if let (Some(ig), Some(secret)) =
                    (app.instagram_app.as_mut(), &declared.instagram_app_secret)
                {
                    ig.secret_sealed = Some(self.sealer.seal(&*self.rng, &ig.id, secret));
                }
            }
        }
        Ok(plan)
    }

    /// Puts the store back to a fresh state holding `plans` only (in one write job: a dropped
    /// caller leaves the old state or the new one), and clears the platform's memories (read
    /// caches, failed attempts).
    pub async fn reset(&self, plans: &[crate::store::WorldPlan]) -> Result<(), StoreError> {
        let merged = plans.iter().cloned().reduce(|mut a, b| {
            // Every field named, so that a new one cannot be forgotten here.
            let crate::store::WorldPlan {
                apps,
                testers,
                app_roles,
                ig_users,
                media,
                fb_users,
                cities,
                pages,
                page_roles,
                tokens,
                blobs,
                comments,
                comment_switches,
                expired_stories,
                subscriptions,
                account_subscriptions,
            } = b;
            a.apps.extend(apps);
            a.testers.extend(testers);
            a.app_roles.extend(app_roles);
            a.ig_users.extend(ig_users);
            a.media.extend(media);
            a.fb_users.extend(fb_users);
            a.cities.extend(cities);
            a.pages.extend(pages);
            a.page_roles.extend(page_roles);
            a.tokens.extend(tokens);
            a.blobs.extend(blobs);
            a.comments.extend(comments);
            a.comment_switches.extend(comment_switches);
            a.expired_stories.extend(expired_stories);
            a.subscriptions.extend(subscriptions);
            a.account_subscriptions.extend(account_subscriptions);
            a
        });
        let result = self.store.reset(merged.as_ref()).await;
        self.forget_memories();
        result
    }

    /// Clears what the platform keeps in process memory: read caches and failed-attempt counts.
    /// Called after a reset and a snapshot restore.
    pub fn forget_memories(&self) {
        self.clear_caches();
        self.attempts.clear();
    }

    /// Whether the store is empty (then the demo world is loaded at start).
    pub async fn store_is_empty(&self) -> Result<bool, StoreError> {
        self.store.is_empty().await
    }

    /// The stored files a world names by their Localgram URLs (`/cdn/media/{id}.jpg`, …), by
    /// reference; a URL naming no stored file (a generated image, an unknown id) is left out, and
    /// planning then refuses it.
    async fn stored_files(
        &self,
        world: &World,
    ) -> Result<HashMap<String, crate::model::Blob>, StoreError> {
        use crate::world::LocalgramFile;
        let mut out = HashMap::new();
        for reference in world::file_references(world) {
            let Some((kind, id)) = world::localgram_file(reference) else {
                continue;
            };
            if out.contains_key(reference) {
                continue;
            }
            let sha = match kind {
                LocalgramFile::Media => self.store.find_media(id).await?.and_then(|m| m.media_blob),
                LocalgramFile::Thumbnail => self
                    .store
                    .find_media(id)
                    .await?
                    .and_then(|m| m.thumbnail_blob),
                LocalgramFile::Profile => self
                    .store
                    .find_ig_user(id)
                    .await?
                    .and_then(|u| u.profile_blob),
            };
            if let Some(sha) = sha
                && let Some(blob) = self.store.find_blob(&sha).await?
            {
                out.insert(reference.to_owned(), blob);
            }
        }
        Ok(out)
    }

    async fn snapshot_references(&self, world: &World) -> Result<Snapshot, StoreError> {
        let mut snap = Snapshot::default();
        let declared_users: HashSet<&str> = world
            .instagram_users
            .iter()
            .map(|u| u.username.as_str())
            .collect();
        let mut names: HashSet<&str> = HashSet::new();
        for a in &world.apps {
            names.extend(
                a.instagram_testers
                    .iter()
                    .chain(&a.instagram_tester_invites)
                    .map(String::as_str),
            );
        }
        names.extend(
            world
                .tokens
                .iter()
                .filter(|t| t.kind.starts_with("instagram"))
                .map(|t| t.user.as_str()),
        );
        // Comment authors.
        for u in &world.instagram_users {
            for m in &u.media {
                for c in &m.comments {
                    names.insert(c.from.as_str());
                    names.extend(c.replies.iter().map(|r| r.from.as_str()));
                }
            }
        }
        for name in names.into_iter().filter(|n| !declared_users.contains(n)) {
            if let Some(u) = self.store.find_ig_user_by_username(name).await? {
                snap.usernames.insert(name.to_owned(), u.id);
            }
        }
        for p in &world.pages {
            if let Some(ig) = p
                .instagram_business_account
                .as_deref()
                .filter(|s| !s.is_empty())
                && self.store.find_ig_user(ig).await?.is_some()
            {
                snap.ig_ids.insert(ig.to_owned());
            }
        }
        let fb_refs = world
            .apps
            .iter()
            .flat_map(|a| a.roles.iter().map(|r| r.user.as_str()))
            .chain(
                world
                    .pages
                    .iter()
                    .flat_map(|p| p.roles.iter().map(|r| r.user.as_str())),
            )
            .chain(
                world
                    .tokens
                    .iter()
                    .filter(|t| !t.kind.starts_with("instagram") && t.kind != "app")
                    .map(|t| t.user.as_str()),
            );
        for id in fb_refs.collect::<HashSet<_>>() {
            if self.store.find_fb_user(id).await?.is_some() {
                snap.fb_ids.insert(id.to_owned());
            }
        }
        for t in &world.tokens {
            if self.store.find_app(&t.app).await?.is_some() {
                snap.apps.insert(t.app.clone());
            }
        }
        Ok(snap)
    }
}
