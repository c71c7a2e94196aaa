//! A small JSON object writer for the Graph read path: media pages are written straight into
//! the response bytes instead of being built as `serde_json::Value` trees and serialized
//! afterwards (a 25-item page is ~150 small maps and strings otherwise). Strings are escaped
//! by serde_json, so the output is the same JSON. [`Members`] collects the members of a node
//! rendered in the order they were asked for and writes them sorted by name, as a
//! `serde_json::Map` always listed them.

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

/// The members of an object rendered one at a time, in any order, and written with their keys
/// sorted by name (a key rendered twice keeps its last value), each value already JSON bytes.
#[derive(Default)]
pub struct Members<'k> {
    map: std::collections::BTreeMap<&'k str, Vec<u8>>,
}

impl<'k> Members<'k> {
    /// No members yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The buffer of `key`'s value, emptied: write the value's JSON into it.
    pub fn key(&mut self, key: &'k str) -> &mut Vec<u8> {
        let value = self.map.entry(key).or_default();
        value.clear();
        value
    }

    /// `"key":"value"`.
    pub fn str(&mut self, key: &'k str, value: &str) {
        push_str(self.key(key), value);
    }

    /// `"key":<value as JSON>`.
    pub fn value<T: Serialize + ?Sized>(&mut self, key: &'k str, value: &T) {
        push_value(self.key(key), value);
    }

    /// `"key":<json>`, the value written already.
    pub fn raw(&mut self, key: &'k str, json: Vec<u8>) {
        self.map.insert(key, json);
    }

    /// Whether `key` has a value.
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Writes the object into `buf`.
    pub fn write(self, buf: &mut Vec<u8>) {
        let mut out = Object::begin(buf);
        for (key, value) in self.map {
            out.key(key).extend_from_slice(&value);
        }
        out.end();
    }

    /// The object as JSON bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(64 + self.map.values().map(Vec::len).sum::<usize>());
        self.write(&mut buf);
        buf
    }
}

/// Writes `[item, item, …]`, each item written by `write`.
pub fn push_array<T>(buf: &mut Vec<u8>, items: &[T], mut write: impl FnMut(&T, &mut Vec<u8>)) {
    buf.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        write(item, buf);
    }
    buf.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_written_sorted_like_a_serde_json_map_with_the_last_value_kept() {
        let mut m = Members::new();
        m.str("username", "a");
        m.value("media_count", &3);
        m.raw("media", br#"{"data":[]}"#.to_vec());
        m.str("id", "1");
        m.value("media_count", &4);
        assert!(m.contains("id") && !m.contains("name"));
        let mut v = serde_json::Map::new();
        v.insert("username".into(), serde_json::json!("a"));
        v.insert("media_count".into(), serde_json::json!(4));
        v.insert("media".into(), serde_json::json!({"data": []}));
        v.insert("id".into(), serde_json::json!("1"));
        let bytes = m.into_bytes();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            serde_json::Value::Object(v).to_string()
        );
        let mut buf = Vec::new();
        push_array(&mut buf, &[1, 2], |n, b| push_value(b, n));
        assert_eq!(buf, b"[1,2]");
    }

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
