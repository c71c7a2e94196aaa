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
        // One vectorized search for both bytes, not `str::contains` with a char set (char by
        // char).
        if !crate::ascii::contains_either(raw.as_bytes(), b'%', b'+') {
            // Nothing to decode (the usual Graph query: ids, field lists, tokens): the pairs are
            // copied as they are, without the decoder's byte-by-byte pass.
            let pairs = crate::ascii::split_on(raw, b'&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = crate::ascii::split_once_on(pair, b'=').unwrap_or((pair, ""));
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
