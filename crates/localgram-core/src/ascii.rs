//! Scans of ASCII text that run on every call (query strings, paths, tokens), written so that the
//! compiler or `memchr` can look at many bytes at once.

/// `s` split at every `sep`, an ASCII byte, as `s.split(sep as char)` splits it, with a vectorized
/// search (a query string holds a long token; `str::split` looks for the next separator through a
/// searcher set up at each piece).
pub fn split_on(s: &str, sep: u8) -> impl Iterator<Item = &str> + '_ {
    debug_assert!(sep.is_ascii());
    let mut start = 0;
    memchr::memchr_iter(sep, s.as_bytes())
        .map(Some)
        .chain(std::iter::once(None))
        .map(move |at| {
            // An ASCII byte is a character boundary on both sides.
            let end = at.unwrap_or(s.len());
            let piece = &s[start..end];
            start = end + 1;
            piece
        })
}

/// `s.split_once(sep as char)` for an ASCII byte `sep`.
pub fn split_once_on(s: &str, sep: u8) -> Option<(&str, &str)> {
    debug_assert!(sep.is_ascii());
    let at = memchr::memchr(sep, s.as_bytes())?;
    Some((&s[..at], &s[at + 1..]))
}

/// Whether `bytes` holds `a` or `b`, in one vectorized pass (`<[u8]>::contains` looks a word at
/// a time, once per byte sought).
pub fn contains_either(bytes: &[u8], a: u8, b: u8) -> bool {
    memchr::memchr2(a, b, bytes).is_some()
}

/// Whether every byte of `bytes` passes `test`: sixteen bytes at a time without an early exit,
/// which the compiler turns into vector compares (a token or a query is a hundred bytes and more).
pub fn all_bytes(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    bytes
        .chunks(16)
        .all(|chunk| chunk.iter().fold(true, |all, &b| all & test(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Looking for either byte is looking for each.
        #[test]
        fn contains_either_is_two_contains(s in "[a%+&=é]{0,80}") {
            let b = s.as_bytes();
            proptest::prop_assert_eq!(
                contains_either(b, b'%', b'+'),
                b.contains(&b'%') || b.contains(&b'+')
            );
        }

        /// Splitting on a byte is splitting on its character.
        #[test]
        fn split_on_is_str_split(s in "[a&=/é]{0,24}", sep in "[&=/]") {
            let sep = sep.as_bytes()[0];
            let ours: Vec<&str> = split_on(&s, sep).collect();
            let theirs: Vec<&str> = s.split(sep as char).collect();
            proptest::prop_assert_eq!(ours, theirs);
            proptest::prop_assert_eq!(split_once_on(&s, sep), s.split_once(sep as char));
        }
    }

    proptest::proptest! {
        /// Testing every byte is `Iterator::all`.
        #[test]
        fn all_bytes_is_iterator_all(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let graphic = |b: u8| b.is_ascii_graphic();
            proptest::prop_assert_eq!(all_bytes(&bytes, graphic), bytes.iter().all(|&b| graphic(b)));
            let not_nul = |b: u8| b != 0;
            proptest::prop_assert_eq!(all_bytes(&bytes, not_nul), bytes.iter().all(|&b| not_nul(b)));
        }
    }
}
