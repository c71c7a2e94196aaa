//! One-time reveals: a secret the dashboard shows exactly once (a new app secret, a generated
//! token) is kept here, in the process's memory, between the POST that made it and the GET it
//! redirects to (303). It is bound to the browser that asked, taken on first read, and forgotten
//! after [`TTL`] if never read. The database only ever holds its hash.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an unread reveal is kept.
pub const TTL: Duration = Duration::from_secs(600);

/// The pending reveals, by browser and slot.
#[derive(Default)]
pub struct Reveals {
    slots: Mutex<HashMap<(String, String), (String, Instant)>>,
}

impl std::fmt::Debug for Reveals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reveals([redacted])")
    }
}

impl Reveals {
    /// Forgets every pending reveal.
    pub fn clear(&self) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Keeps `value` for `browser` under `slot`, replacing any earlier one.
    pub fn put(&self, browser: &str, slot: &str, value: String) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.retain(|_, (_, at)| at.elapsed() < TTL);
        slots.insert(
            (browser.to_owned(), slot.to_owned()),
            (value, Instant::now()),
        );
    }

    /// Takes the value kept for `browser` under `slot`, if it is still fresh.
    pub fn take(&self, browser: &str, slot: &str) -> Option<String> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .remove(&(browser.to_owned(), slot.to_owned()))
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reveal_is_read_once_by_its_browser_only() {
        let r = Reveals::default();
        r.put("b1", "secret:1", "s3cr3t".into());
        assert_eq!(r.take("b2", "secret:1"), None);
        assert_eq!(r.take("b1", "secret:1").as_deref(), Some("s3cr3t"));
        assert_eq!(r.take("b1", "secret:1"), None);
        assert_eq!(format!("{r:?}"), "Reveals([redacted])");
    }
}
