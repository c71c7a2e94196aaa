//! One-time reveals: a secret the dashboard shows exactly once (a new app secret, a generated
//! token) is kept between the POST that made it and the GET it redirects to (303). It is bound
//! to the browser that asked, taken on first read, and forgotten after [`TTL`] if never read.
//!
//! On SQLite (one process) it is kept in the process's memory. On PostgreSQL, where several
//! instances may serve one database behind a load balancer, it is kept in the database
//! (`dashboard_reveals`), sealed with the instance key, so that the GET is served by whichever
//! instance it reaches (docs/faults.md#several-instances-on-one-postgresql-database). Either
//! way the value is never stored in clear, and the token's or secret's own row holds only its
//! hash.

use localgram_core::platform::Platform;
use localgram_core::store::StoreError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an unread reveal is kept.
pub const TTL: Duration = Duration::from_secs(600);

/// The pending reveals, by browser and slot.
#[derive(Default)]
pub struct Reveals {
    /// Kept in the database, for every instance on it.
    shared: bool,
    slots: Mutex<HashMap<(String, String), (String, Instant)>>,
}

impl std::fmt::Debug for Reveals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reveals([redacted])")
    }
}

impl Reveals {
    /// Reveals kept in the database (`shared`) or in this process.
    pub fn new(shared: bool) -> Self {
        Self {
            shared,
            slots: Mutex::default(),
        }
    }

    /// Forgets every pending reveal of this process (the database's are emptied by the store's
    /// reset and restore).
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Keeps `value` for `browser` under `slot`, replacing any earlier one.
    pub async fn put(
        &self,
        platform: &Platform,
        browser: &str,
        slot: &str,
        value: String,
    ) -> Result<(), StoreError> {
        if self.shared {
            let ttl = time::Duration::try_from(TTL).unwrap_or(time::Duration::MINUTE);
            return platform.put_reveal(browser, slot, &value, ttl).await;
        }
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.retain(|_, (_, at)| at.elapsed() < TTL);
        slots.insert(
            (browser.to_owned(), slot.to_owned()),
            (value, Instant::now()),
        );
        Ok(())
    }

    /// Takes the value kept for `browser` under `slot`, if it is still fresh.
    pub async fn take(
        &self,
        platform: &Platform,
        browser: &str,
        slot: &str,
    ) -> Result<Option<String>, StoreError> {
        if self.shared {
            return platform.take_reveal(browser, slot).await;
        }
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        Ok(slots
            .remove(&(browser.to_owned(), slot.to_owned()))
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v))
    }
}
