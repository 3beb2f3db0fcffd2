//! Cursor paging: lists answer `{items, next_cursor}`; the cursor is opaque to clients
//! (URL-safe hex of a small JSON value).
use serde::{Serialize, de::DeserializeOwned};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

pub fn clamp_limit(limit: Option<u64>) -> u64 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

pub struct Cursor;

impl Cursor {
    pub fn encode<T: Serialize>(v: &T) -> String {
        hex::encode(serde_json::to_vec(v).unwrap_or_default())
    }

    pub fn decode<T: DeserializeOwned>(s: &str) -> Option<T> {
        let bytes = hex::decode(s).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = Cursor::encode(&("阿莫西林", 42i64));
        assert_eq!(
            Cursor::decode::<(String, i64)>(&c),
            Some(("阿莫西林".to_string(), 42))
        );
        assert_eq!(Cursor::decode::<i64>("zz"), None);
        assert_eq!(clamp_limit(Some(0)), 1);
        assert_eq!(clamp_limit(Some(10_000)), MAX_LIMIT);
    }
}
