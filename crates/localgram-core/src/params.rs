//! Request parameters as the protocol sees them (RFC 6749 §3.1): a parameter sent without a value
//! counts as absent, and a parameter must not be repeated.

/// Name/value pairs of a query string or form body, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

/// A parameter given more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate(pub String);

impl Params {
    /// Wraps decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// Decodes an `application/x-www-form-urlencoded` string.
    pub fn parse_urlencoded(raw: &str) -> Self {
        // Two word-at-a-time byte searches, not `str::contains` with a char set (char by char).
        if !raw.as_bytes().contains(&b'%') && !raw.as_bytes().contains(&b'+') {
            // Nothing to decode (the usual Graph query: ids, field lists, tokens): the pairs are
            // copied as they are, without the decoder's byte-by-byte pass.
            let pairs = split_on(raw, b'&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = split_once_on(pair, b'=').unwrap_or((pair, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect();
            return Self(pairs);
        }
        Self(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The non-empty value of `name`; an error when it is given twice (even empty).
    pub fn get(&self, name: &str) -> Result<Option<&str>, Duplicate> {
        let mut found = None;
        let mut count = 0;
        for (k, v) in &self.0 {
            if k == name {
                count += 1;
                if !v.is_empty() {
                    found = Some(v.as_str());
                }
            }
        }
        if count > 1 {
            return Err(Duplicate(name.to_owned()));
        }
        Ok(found)
    }

    /// The value of the first of several accepted names (`client_id` or `app_id`); giving two of
    /// them counts as a duplicate.
    pub fn get_any(&self, names: &[&str]) -> Result<Option<&str>, Duplicate> {
        let mut found: Option<(&str, &str)> = None;
        for name in names {
            if let Some(v) = self.get(name)? {
                if let Some((first, _)) = found {
                    return Err(Duplicate(format!("{first}/{name}")));
                }
                found = Some((name, v));
            }
        }
        Ok(found.map(|(_, v)| v))
    }

    /// Whether a parameter named `name` is present at all (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
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
        /// The shortcut for strings with nothing to decode gives what the decoder gives.
        #[test]
        fn parsing_is_that_of_the_form_decoder(raw in "[a-z=&%+2A,{}._-]{0,40}") {
            let decoded: Vec<(String, String)> =
                url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
            let ours = Params::parse_urlencoded(&raw);
            proptest::prop_assert_eq!(ours.pairs(), &decoded[..]);
        }
    }

    #[test]
    fn empty_values_are_absent_and_repeats_refused() {
        let p = Params::parse_urlencoded("a=1&b=&c=3&c=4&app_id=9");
        assert_eq!(p.get("a"), Ok(Some("1")));
        assert_eq!(p.get("b"), Ok(None));
        assert_eq!(p.get("z"), Ok(None));
        assert_eq!(p.get("c"), Err(Duplicate("c".into())));
        assert_eq!(p.get_any(&["client_id", "app_id"]), Ok(Some("9")));
        let both = Params::parse_urlencoded("client_id=1&app_id=2");
        assert!(both.get_any(&["client_id", "app_id"]).is_err());
    }
}
