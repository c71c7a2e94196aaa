//! Opaque, tamper-evident paging cursors (`docs/robustness.md#cursors`). A cursor carries the edge
//! it belongs to, the object whose edge it is, and the keyset position, followed by a truncated
//! HMAC-SHA256 under a server key. It is checked before anything in it is trusted: an altered,
//! truncated, foreign or oversized cursor is refused, never decoded into a query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of MAC kept (128 bits).
const MAC_LEN: usize = 16;
/// The longest cursor accepted.
const MAX_LEN: usize = 512;

/// A keyset position on an edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Sort key (epoch milliseconds, or a position index).
    pub sort: i64,
    /// Tie-breaking id.
    pub id: String,
}

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor")]
pub struct InvalidCursor;

/// Signs and checks cursors with one key.
#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec([redacted])")
    }
}

impl CursorCodec {
    /// A codec keyed with `key` (shared by every instance through the store).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes keys of any length");
        mac.update(payload);
        mac.finalize().into_bytes()[..MAC_LEN].to_vec()
    }

    /// The cursor of `pos` on `edge` of `owner`.
    pub fn encode(&self, edge: &str, owner: &str, pos: &Position) -> String {
        let payload = format!("{edge}\u{1f}{owner}\u{1f}{}\u{1f}{}", pos.sort, pos.id);
        let mut bytes = payload.into_bytes();
        let mac = self.mac(&bytes);
        bytes.extend_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Checks and decodes a cursor issued for `edge` of `owner`.
    pub fn decode(&self, edge: &str, owner: &str, cursor: &str) -> Result<Position, InvalidCursor> {
        if cursor.is_empty() || cursor.len() > MAX_LEN {
            return Err(InvalidCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor.trim_end_matches('='))
            .map_err(|_| InvalidCursor)?;
        if bytes.len() <= MAC_LEN {
            return Err(InvalidCursor);
        }
        let (payload, mac) = bytes.split_at(bytes.len() - MAC_LEN);
        let expected = self.mac(payload);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_slice(), mac)) {
            return Err(InvalidCursor);
        }
        let text = std::str::from_utf8(payload).map_err(|_| InvalidCursor)?;
        let mut parts = text.split('\u{1f}');
        let (Some(e), Some(o), Some(sort), Some(id), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(InvalidCursor);
        };
        if e != edge || o != owner {
            return Err(InvalidCursor);
        }
        Ok(Position {
            sort: sort.parse().map_err(|_| InvalidCursor)?,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn codec() -> CursorCodec {
        CursorCodec::new(b"test key")
    }

    #[test]
    fn cursors_are_bound_to_their_edge_owner_and_key() {
        let pos = Position {
            sort: 1_700_000_000_000,
            id: "17895695668004550".into(),
        };
        let c = codec().encode("media", "42", &pos);
        assert_eq!(codec().decode("media", "42", &c), Ok(pos));
        assert_eq!(codec().decode("media", "43", &c), Err(InvalidCursor));
        assert_eq!(codec().decode("children", "42", &c), Err(InvalidCursor));
        assert_eq!(
            CursorCodec::new(b"other").decode("media", "42", &c),
            Err(InvalidCursor)
        );
    }

    #[test]
    fn tampered_truncated_and_garbage_cursors_are_refused() {
        let c = codec().encode(
            "media",
            "42",
            &Position {
                sort: 5,
                id: "9".into(),
            },
        );
        let mut flipped = c.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        for bad in [
            String::from_utf8(flipped).unwrap(),
            c[..c.len() - 2].to_owned(),
            "!!!".into(),
            "x".repeat(10_000),
            String::new(),
        ] {
            assert_eq!(
                codec().decode("media", "42", &bad),
                Err(InvalidCursor),
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn encode_then_decode_round_trips(sort in any::<i64>(), id in "[0-9]{1,20}", owner in "[0-9]{1,20}") {
            let pos = Position { sort, id };
            let c = codec().encode("media", &owner, &pos);
            prop_assert_eq!(codec().decode("media", &owner, &c), Ok(pos));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,80}") {
            let _ = codec().decode("media", "1", &s);
        }
    }
}
