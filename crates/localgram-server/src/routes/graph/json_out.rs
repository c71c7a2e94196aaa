//! A small JSON object writer for the Graph read path: media pages are written straight into
//! the response bytes instead of being built as `serde_json::Value` trees and serialized
//! afterwards (a 25-item page is ~150 small maps and strings otherwise). Strings are escaped
//! by serde_json, so the output is the same JSON.

use serde::Serialize;

/// Writes `s` as a JSON string.
pub fn push_str(buf: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail, and a &str always serializes.
    let _ = s.serialize(&mut serde_json::Serializer::new(&mut *buf));
}

/// Writes any serializable value as JSON.
pub fn push_value<T: Serialize + ?Sized>(buf: &mut Vec<u8>, v: &T) {
    let _ = serde_json::to_writer(&mut *buf, v);
}

/// One JSON object being written: `{`, then `"key":value` pairs, then `}` on [`Object::end`].
pub struct Object<'a> {
    buf: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Opens an object.
    pub fn begin(buf: &'a mut Vec<u8>) -> Self {
        buf.push(b'{');
        Self { buf, empty: true }
    }

    /// Writes `"key":` and hands back the buffer for the value.
    pub fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.buf.push(b',');
        }
        self.empty = false;
        push_str(self.buf, key);
        self.buf.push(b':');
        self.buf
    }

    /// `"key":"value"`.
    pub fn str(&mut self, key: &str, value: &str) {
        push_str(self.key(key), value);
    }

    /// `"key":<value as JSON>`.
    pub fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        push_value(self.key(key), value);
    }

    /// Closes the object.
    pub fn end(self) {
        self.buf.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_valid_json_with_escaped_strings() {
        let mut buf = Vec::new();
        let mut o = Object::begin(&mut buf);
        o.str("caption", "a \"quoted\"\nline \u{1F600}");
        o.value("is_shared_to_feed", &true);
        o.value("n", &3);
        {
            let inner = o.key("data");
            inner.push(b'[');
            Object::begin(inner).end();
            inner.push(b']');
        }
        o.end();
        let parsed: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({
                "caption": "a \"quoted\"\nline \u{1F600}",
                "is_shared_to_feed": true,
                "n": 3,
                "data": [{}],
            })
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            r#"{"caption":"a \"quoted\"\nline 😀","is_shared_to_feed":true,"n":3,"data":[{}]}"#
        );
    }
}
