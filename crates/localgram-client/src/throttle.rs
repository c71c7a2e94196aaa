//! The client-side throttle: a sliding window of calls per access token, applied before each
//! request (retries included) is sent. It keeps a client under Meta's limits in the first place,
//! as the Power Platform connector does with its 100 calls per connection per 60 seconds.
//!
//! Time is read from `tokio::time`, so tests can run it under a paused clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::util::sha256;

/// How many calls one access token may make per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Calls allowed in any window (`0` lets every call through, like no throttle).
    pub max_calls: u32,
    /// The window's length.
    pub window: Duration,
}

impl ThrottleConfig {
    /// `max_calls` per `window`, per token.
    pub fn new(max_calls: u32, window: Duration) -> Self {
        Self { max_calls, window }
    }
}

impl Default for ThrottleConfig {
    /// 100 calls per 60 seconds per token.
    fn default() -> Self {
        Self::new(100, Duration::from_secs(60))
    }
}

pub(crate) struct Throttle {
    config: ThrottleConfig,
    windows: Mutex<HashMap<[u8; 32], VecDeque<Instant>>>,
}

impl Throttle {
    pub(crate) fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn config(&self) -> ThrottleConfig {
        self.config
    }

    /// Waits until `token` may make one more call, then records the call.
    pub(crate) async fn acquire(&self, token: &str) {
        if self.config.max_calls == 0 {
            return;
        }
        let key = sha256(token);
        loop {
            let wait_until = {
                let now = Instant::now();
                let mut windows = self.windows.lock().expect("throttle lock poisoned");
                if windows.len() > 256 {
                    let window = self.config.window;
                    windows.retain(|_, calls| {
                        calls
                            .back()
                            .is_some_and(|last| now.duration_since(*last) < window)
                    });
                }
                let calls = windows.entry(key).or_default();
                while calls
                    .front()
                    .is_some_and(|first| now.duration_since(*first) >= self.config.window)
                {
                    calls.pop_front();
                }
                if calls.len() < self.config.max_calls as usize {
                    calls.push_back(now);
                    return;
                }
                *calls.front().expect("window is full") + self.config.window
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_call_after_the_limit_waits_for_the_oldest_to_leave_the_window() {
        let t = Throttle::new(ThrottleConfig::new(3, Duration::from_secs(10)));
        let start = Instant::now();
        for _ in 0..3 {
            t.acquire("tok").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // Another token has its own window.
        t.acquire("other").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        t.acquire("tok").await;
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_slides() {
        let t = Throttle::new(ThrottleConfig::new(2, Duration::from_secs(10)));
        let start = Instant::now();
        t.acquire("tok").await;
        tokio::time::advance(Duration::from_secs(4)).await;
        t.acquire("tok").await;
        // Full: the next call waits until the first (t=0) leaves, at t=10.
        t.acquire("tok").await;
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        // Now the window holds t=4 and t=10; the next frees at t=14.
        t.acquire("tok").await;
        assert_eq!(start.elapsed(), Duration::from_secs(14));
    }
}
