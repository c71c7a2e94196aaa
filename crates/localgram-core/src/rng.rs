//! Randomness, injected. Tokens, codes, ids and salts are drawn through [`Rng`]; only this module
//! reads the operating system's random source (see `clippy.toml`).

use std::sync::Mutex;

/// A source of random bytes.
pub trait Rng: Send + Sync + 'static {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG, the production source.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl Rng for OsRng {
    #[allow(clippy::disallowed_methods)] // the one place that reads the OS random source
    fn fill(&self, buf: &mut [u8]) {
        getrandom::getrandom(buf).expect("the operating system's random source is unavailable");
    }
}

/// A deterministic generator (SplitMix64) for tests that need reproducible ids. Never use it to
/// make secrets outside tests.
#[derive(Debug)]
pub struct SeededRng {
    state: Mutex<u64>,
}

impl SeededRng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: Mutex::new(seed),
        }
    }
}

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for chunk in buf.chunks_mut(8) {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Convenience draws on top of any [`Rng`].
pub trait RngExt {
    /// `n` random bytes.
    fn bytes(&self, n: usize) -> Vec<u8>;
    /// A random decimal id of `digits` digits whose first digit is `first`.
    fn digits(&self, first: char, digits: usize) -> String;
}

impl<R: Rng + ?Sized> RngExt for R {
    fn bytes(&self, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        self.fill(&mut buf);
        buf
    }

    fn digits(&self, first: char, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        out.push(first);
        let raw = self.bytes(digits.saturating_sub(1));
        out.extend(raw.iter().map(|b| char::from(b'0' + b % 10)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_rng_is_reproducible() {
        let a = SeededRng::new(7).bytes(20);
        let b = SeededRng::new(7).bytes(20);
        assert_eq!(a, b);
        assert_ne!(a, SeededRng::new(8).bytes(20));
    }

    #[test]
    fn digits_have_the_requested_shape() {
        let id = OsRng.digits('1', 17);
        assert_eq!(id.len(), 17);
        assert!(id.starts_with('1'));
        assert!(id.chars().all(|c| c.is_ascii_digit()));
    }
}
