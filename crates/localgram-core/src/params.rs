//! Request parameters as the protocol sees them (RFC 6749 §3.1): a parameter sent without a value
//! counts as absent, and a parameter must not be repeated.

/// Name/value pairs of a query string or form body, in order: their text in one buffer and each
/// pair's place in it, so parsing a query costs two allocations however many pairs it has.
#[derive(Clone, Default)]
pub struct Params {
    text: String,
    /// Key start and end, value start and end, in `text`.
    spans: Vec<[usize; 4]>,
}

/// A parameter given more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate(pub String);

impl Params {
    /// Wraps decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Decoded pairs, copied into one buffer.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut out = Self::default();
        for (k, v) in pairs {
            out.push(k, v);
        }
        out
    }

    fn push(&mut self, key: &str, value: &str) {
        let start = self.text.len();
        self.text.push_str(key);
        let middle = self.text.len();
        self.text.push_str(value);
        self.spans.push([start, middle, middle, self.text.len()]);
    }

    /// Decodes an `application/x-www-form-urlencoded` string.
    pub fn parse_urlencoded(raw: &str) -> Self {
        // One vectorized search for both bytes, not `str::contains` with a char set (char by
        // char).
        if crate::ascii::contains_either(raw.as_bytes(), b'%', b'+') {
            let mut out = Self::default();
            for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
                out.push(&k, &v);
            }
            return out;
        }
        // Nothing to decode (the usual Graph query: ids, field lists, tokens): the text is kept
        // as it is, and each pair is a place in it.
        let mut spans = Vec::new();
        let mut start = 0;
        for pair in crate::ascii::split_on(raw, b'&') {
            let end = start + pair.len();
            if !pair.is_empty() {
                let span = match memchr::memchr(b'=', pair.as_bytes()) {
                    Some(eq) => [start, start + eq, start + eq + 1, end],
                    None => [start, end, end, end],
                };
                spans.push(span);
            }
            start = end + 1;
        }
        Self {
            text: raw.to_owned(),
            spans,
        }
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
        self.spans
            .iter()
            .map(|&[k, ke, v, ve]| (&self.text[k..ke], &self.text[v..ve]))
    }

    /// These pairs, then `more`'s.
    pub fn followed_by<'a>(&'a self, more: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self::from_pairs(self.pairs().chain(more))
    }

    /// The non-empty value of `name`; an error when it is given twice (even empty).
    pub fn get(&self, name: &str) -> Result<Option<&str>, Duplicate> {
        let mut found = None;
        let mut count = 0;
        // Keys compared as bytes, and only a match's value sliced: a call looks up a dozen names.
        let text = self.text.as_bytes();
        for &[k, ke, v, ve] in &self.spans {
            if text.get(k..ke) == Some(name.as_bytes()) {
                count += 1;
                if v < ve {
                    found = self.text.get(v..ve);
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
        self.pairs().any(|(k, _)| k == name)
    }
}

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.pairs().eq(other.pairs())
    }
}

impl Eq for Params {}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.pairs()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut for strings with nothing to decode gives what the decoder gives.
        #[test]
        fn parsing_is_that_of_the_form_decoder(raw in "[a-z=&%+2A,{}._-]{0,40}") {
            let decoded: Vec<(String, String)> =
                url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
            let ours = Params::parse_urlencoded(&raw);
            let ours: Vec<(&str, &str)> = ours.pairs().collect();
            let decoded: Vec<(&str, &str)> =
                decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            proptest::prop_assert_eq!(ours, decoded);
        }
    }

    #[test]
    fn pairs_keep_their_order_and_compare_by_content() {
        let raw = Params::parse_urlencoded("fields=id,username&&flag&access_token=T&x=");
        let pairs: Vec<(&str, &str)> = raw.pairs().collect();
        assert_eq!(
            pairs,
            [
                ("fields", "id,username"),
                ("flag", ""),
                ("access_token", "T"),
                ("x", "")
            ]
        );
        assert!(raw.has("flag"));
        assert_eq!(raw.get("flag"), Ok(None));
        // Built from decoded pairs or parsed from a query: the same parameters are equal.
        assert_eq!(Params::from_pairs(pairs.clone()), raw);
        let decoded = Params::parse_urlencoded("a=b%20c&d=e+f");
        assert_eq!(
            decoded.pairs().collect::<Vec<_>>(),
            [("a", "b c"), ("d", "e f")]
        );
        let joined = decoded.followed_by(raw.pairs().take(1));
        assert_eq!(
            joined.pairs().collect::<Vec<_>>(),
            [("a", "b c"), ("d", "e f"), ("fields", "id,username")]
        );
        assert_ne!(joined, decoded);
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
