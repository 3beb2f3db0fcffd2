//! Cursor paging, one implementation: lists answer `{items, next_cursor}`; the cursor is opaque
//! to clients (URL-safe hex of the last row's sort key as JSON). A caller asks for
//! [`Page::fetch`] rows after [`Page::after`] in its sort order, then [`Page::finish`] cuts the
//! extra row and makes the next cursor.
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::{AppError, AppResult};
use crate::i18n::tr;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// A request for one page, keyed by `K` (the sort key of a row: an id, or (name, id) …).
#[derive(Debug, Clone)]
pub struct Page<K> {
    pub after: Option<K>,
    pub limit: u64,
}

impl<K: Serialize + DeserializeOwned> Page<K> {
    /// From the `cursor` and `limit` query parameters. A limit outside 1..=200 is refused
    /// rather than silently changed; a cursor this list did not make is refused.
    pub fn parse(cursor: Option<&str>, limit: Option<u64>) -> AppResult<Self> {
        Self::parse_with(cursor, limit, DEFAULT_LIMIT, MAX_LIMIT)
    }

    pub fn parse_with(
        cursor: Option<&str>,
        limit: Option<u64>,
        default: u64,
        max: u64,
    ) -> AppResult<Self> {
        let limit = limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(AppError::field(
                "limit",
                tr(
                    format!("每页条数应在 1 到 {max} 之间"),
                    format!("a page holds 1 to {max} rows"),
                ),
            ));
        }
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode(c).ok_or_else(|| {
                AppError::field(
                    "cursor",
                    tr(
                        "翻页游标无效，请从第一页重新开始",
                        "invalid cursor; start again from the first page",
                    ),
                )
            })?),
        };
        Ok(Page { after, limit })
    }

    /// How many rows to read: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// Cut `rows` (read in sort order, at most [`Page::fetch`]) to the page and make the cursor
    /// of the next page from the last row's key.
    pub fn finish<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> K) -> (Vec<T>, Option<String>) {
        if rows.len() as u64 > self.limit {
            rows.truncate(self.limit as usize);
            let next = rows.last().map(|r| encode(&key(r)));
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

/// Which way an id-keyed list runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Oldest first (lists of things).
    Up,
    /// Newest first (inboxes, the audit trail).
    Down,
}

impl Page<i64> {
    /// One page of `sel` keyed and ordered by the id column `id`: the rows and the next cursor.
    pub async fn by_id<E>(
        &self,
        conn: &impl ConnectionTrait,
        sel: Select<E>,
        id: E::Column,
        dir: Direction,
        key: impl Fn(&E::Model) -> i64,
    ) -> AppResult<(Vec<E::Model>, Option<String>)>
    where
        E: EntityTrait,
    {
        let sel = match (dir, self.after) {
            (Direction::Up, Some(a)) => sel.filter(id.gt(a)).order_by_asc(id),
            (Direction::Up, None) => sel.order_by_asc(id),
            (Direction::Down, Some(a)) => sel.filter(id.lt(a)).order_by_desc(id),
            (Direction::Down, None) => sel.order_by_desc(id),
        };
        let rows = sel.limit(self.fetch()).all(conn).await?;
        Ok(self.finish(rows, key))
    }
}

fn encode<T: Serialize>(v: &T) -> String {
    hex::encode(serde_json::to_vec(v).unwrap_or_default())
}

fn decode<T: DeserializeOwned>(s: &str) -> Option<T> {
    let bytes = hex::decode(s).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_cursors() {
        let p: Page<(String, i64)> = Page::parse(None, Some(2)).unwrap();
        assert_eq!(p.fetch(), 3);
        let rows = vec![
            ("阿莫西林".to_string(), 1),
            ("布洛芬".into(), 2),
            ("头孢".into(), 3),
        ];
        let (page, next) = p.finish(rows, |r| r.clone());
        assert_eq!(page.len(), 2);
        let next = next.expect("a next page");
        let p2: Page<(String, i64)> = Page::parse(Some(&next), Some(2)).unwrap();
        assert_eq!(p2.after, Some(("布洛芬".to_string(), 2)));
        let (_, none) = p2.finish(vec![("头孢".to_string(), 3)], |r| r.clone());
        assert!(none.is_none());
    }

    #[test]
    fn bad_cursor_and_limit_are_refused() {
        assert!(Page::<i64>::parse(Some("zz"), None).is_err());
        assert!(Page::<i64>::parse(Some(&encode(&"text")), None).is_err());
        assert!(Page::<i64>::parse(None, Some(0)).is_err());
        assert!(Page::<i64>::parse(None, Some(201)).is_err());
        assert_eq!(Page::<i64>::parse(None, None).unwrap().limit, DEFAULT_LIMIT);
    }
}
