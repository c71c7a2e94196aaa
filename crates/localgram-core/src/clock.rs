//! Time, injected. Every expiry rule reads a [`Clock`]; nothing else in Localgram may read the
//! system time (see `clippy.toml`).
//!
//! [`EmulatorClock`] is the clock the server runs on: it follows the system time plus an offset,
//! and can be frozen, set and advanced through the `/_localgram/clock` control endpoints. The test
//! clock is a product feature, not only a test device.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The real system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system time
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// What `/_localgram/clock` reports and accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockState {
    /// The clock's current reading.
    pub now: OffsetDateTime,
    /// Whether the clock stands still (it only moves when set or advanced).
    pub frozen: bool,
    /// Seconds between the clock and the system time.
    pub offset_seconds: i64,
}

#[derive(Debug)]
enum Mode {
    /// System time plus an offset in nanoseconds.
    Running { offset_ns: i128 },
    /// A fixed instant.
    Frozen { at: OffsetDateTime },
}

/// The emulator's controllable clock: the system time shifted by an offset, or frozen.
#[derive(Debug)]
pub struct EmulatorClock {
    mode: Mutex<Mode>,
    /// Whether `mode` is running with no offset, so [`Clock::now`] is the system time and needs
    /// neither the lock nor arithmetic (the case of every call unless a test moved the clock).
    /// Written under `mode`'s lock whenever `mode` changes.
    system: AtomicBool,
}

impl Default for EmulatorClock {
    fn default() -> Self {
        Self::with_mode(Mode::Running { offset_ns: 0 })
    }
}

impl EmulatorClock {
    /// A clock that follows the system time.
    pub fn running() -> Self {
        Self::default()
    }

    /// A clock frozen at `at`.
    pub fn frozen_at(at: OffsetDateTime) -> Self {
        Self::with_mode(Mode::Frozen { at })
    }

    fn with_mode(mode: Mode) -> Self {
        let system = mode.is_system();
        Self {
            mode: Mutex::new(mode),
            system: AtomicBool::new(system),
        }
    }

    /// Changes the mode under its lock, keeping `system` in step.
    fn update(&self, change: impl FnOnce(&mut Mode)) {
        let mut mode = self.mode.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut mode);
        self.system.store(mode.is_system(), Ordering::Release);
    }

    fn system(&self) -> OffsetDateTime {
        SystemClock.now()
    }

    /// The clock's reading and mode.
    pub fn state(&self) -> ClockState {
        let system = self.system();
        let mode = self.mode.lock().unwrap_or_else(|e| e.into_inner());
        match *mode {
            Mode::Running { offset_ns } => {
                let now = system + time::Duration::nanoseconds_i128(offset_ns);
                ClockState {
                    now,
                    frozen: false,
                    offset_seconds: (offset_ns / 1_000_000_000) as i64,
                }
            }
            Mode::Frozen { at } => ClockState {
                now: at,
                frozen: true,
                offset_seconds: (at - system).whole_seconds(),
            },
        }
    }

    /// Sets the clock to `now`; `frozen` decides whether it then stands still or runs on.
    pub fn set(&self, now: OffsetDateTime, frozen: bool) {
        let system = self.system();
        self.update(|mode| {
            *mode = if frozen {
                Mode::Frozen { at: now }
            } else {
                Mode::Running {
                    offset_ns: (now - system).whole_nanoseconds(),
                }
            };
        });
    }

    /// The clock as stored for other instances: `(frozen, millis)`, frozen at `millis` (Unix
    /// ms) or running `millis` ahead of the system time.
    pub fn shared(&self) -> (bool, i64) {
        let mode = self.mode.lock().unwrap_or_else(|e| e.into_inner());
        match *mode {
            Mode::Running { offset_ns } => (
                false,
                i64::try_from(offset_ns / 1_000_000).unwrap_or(i64::MAX),
            ),
            Mode::Frozen { at } => (
                true,
                i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
            ),
        }
    }

    /// Takes the clock another instance stored ([`EmulatorClock::shared`]).
    pub fn adopt(&self, frozen: bool, millis: i64) {
        self.update(|mode| {
            if !frozen {
                *mode = Mode::Running {
                    offset_ns: i128::from(millis) * 1_000_000,
                };
            } else if let Ok(at) =
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            {
                *mode = Mode::Frozen { at };
            }
        });
    }

    /// Moves the clock forward (or backward, for a negative amount) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.update(|mode| match mode {
            Mode::Running { offset_ns } => *offset_ns += i128::from(seconds) * 1_000_000_000,
            Mode::Frozen { at } => *at += time::Duration::seconds(seconds),
        });
    }
}

impl Mode {
    /// Whether the clock reads the system time as it is.
    fn is_system(&self) -> bool {
        matches!(self, Mode::Running { offset_ns: 0 })
    }
}

impl Clock for EmulatorClock {
    fn now(&self) -> OffsetDateTime {
        if self.system.load(Ordering::Acquire) {
            return self.system();
        }
        self.state().now
    }
}

/// Epoch milliseconds, the form timestamps take in the stores.
pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The inverse of [`to_millis`]; out-of-range values saturate to the Unix epoch.
pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let clock = EmulatorClock::frozen_at(datetime!(2026-05-01 18:10 UTC));
        assert_eq!(clock.now(), datetime!(2026-05-01 18:10 UTC));
        clock.advance(3600);
        assert_eq!(clock.now(), datetime!(2026-05-01 19:10 UTC));
        assert!(clock.state().frozen);
    }

    #[test]
    fn running_clock_keeps_its_offset() {
        let clock = EmulatorClock::running();
        clock.set(datetime!(2030-01-01 00:00 UTC), false);
        let now = clock.now();
        assert!(now >= datetime!(2030-01-01 00:00 UTC));
        assert!(now < datetime!(2030-01-01 00:01 UTC));
        assert!(!clock.state().frozen);
    }

    #[test]
    fn a_clock_back_on_the_system_time_reads_it_and_leaves_it_when_moved() {
        let clock = EmulatorClock::running();
        assert!(clock.system.load(Ordering::Acquire));
        clock.advance(86_400);
        assert!(!clock.system.load(Ordering::Acquire));
        let ahead = clock.now() - SystemClock.now();
        assert!(ahead > time::Duration::hours(23), "{ahead}");
        clock.advance(-86_400);
        assert!(clock.system.load(Ordering::Acquire));
        assert!((clock.now() - SystemClock.now()).abs() < time::Duration::hours(1));
        clock.set(datetime!(2026-05-01 18:10 UTC), true);
        assert!(!clock.system.load(Ordering::Acquire));
        assert_eq!(clock.now(), datetime!(2026-05-01 18:10 UTC));
        clock.adopt(false, 0);
        assert!(clock.system.load(Ordering::Acquire));
        clock.adopt(true, 1_777_659_000_000);
        assert_eq!(clock.now(), datetime!(2026-05-01 18:10 UTC));
        let frozen = EmulatorClock::frozen_at(datetime!(2026-05-01 18:10 UTC));
        assert!(!frozen.system.load(Ordering::Acquire));
    }

    #[test]
    fn millis_round_trip() {
        let t = datetime!(2026-05-01 18:10:00.123 UTC);
        assert_eq!(from_millis(to_millis(t)), t);
    }
}
