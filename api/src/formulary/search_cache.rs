//! Per-instance, per-consortium search index (F4). The index holds every version of every entry
//! with its validity, so `as_of` is a filter, not a rebuild. Staleness: an instance re-reads the
//! consortium's `formulary_rev` at most every `CHECK_EVERY` and rebuilds when it moved; changes
//! made on this instance invalidate at once.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::search::{SearchDoc, SearchIndex};
use super::service;
use super::views::{Entry, EntryStatus};
use crate::error::AppResult;

const CHECK_EVERY: Duration = Duration::from_millis(1000);

pub type Index = SearchIndex<Arc<Entry>>;

struct Slot {
    rev: i64,
    checked: Instant,
    index: Arc<Index>,
}

#[derive(Default)]
pub struct SearchCache {
    slots: Mutex<HashMap<i64, Slot>>,
    /// Serialises rebuilds per consortium so a burst of searches builds once.
    building: tokio::sync::Mutex<()>,
}

impl SearchCache {
    pub fn invalidate(&self, c: i64) {
        if let Ok(mut s) = self.slots.lock() {
            s.remove(&c);
        }
    }

    fn fresh(&self, c: i64) -> Option<(Arc<Index>, bool, i64)> {
        let s = self.slots.lock().ok()?;
        let slot = s.get(&c)?;
        Some((
            slot.index.clone(),
            slot.checked.elapsed() < CHECK_EVERY,
            slot.rev,
        ))
    }

    pub async fn index(&self, conn: &impl ConnectionTrait, c: i64) -> AppResult<Arc<Index>> {
        if let Some((idx, true, _)) = self.fresh(c) {
            return Ok(idx);
        }
        let rev = service::formulary_rev(conn, c).await?;
        if let Some((idx, _, r)) = self.fresh(c) {
            if r == rev {
                if let Ok(mut s) = self.slots.lock() {
                    if let Some(slot) = s.get_mut(&c) {
                        slot.checked = Instant::now();
                    }
                }
                return Ok(idx);
            }
        }
        let _guard = self.building.lock().await;
        if let Some((idx, _, r)) = self.fresh(c) {
            if r == rev {
                return Ok(idx);
            }
        }
        let versions = service::all_versions(conn, c).await?;
        let docs: Vec<SearchDoc<Arc<Entry>>> = versions
            .iter()
            .map(|v| {
                let e = service::to_entry(v);
                SearchDoc {
                    name_zh: e.fields.generic_name_zh.clone(),
                    name_en: e.fields.generic_name_en.clone(),
                    codes: [
                        Some(e.fields.approval_number.clone()),
                        e.fields.nhsa_code.clone(),
                        e.fields.atc_code.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                    active: e.fields.status == EntryStatus::Active,
                    essential: e.fields.is_essential(),
                    attrs: Arc::new(e),
                }
            })
            .collect();
        let index = Arc::new(
            tokio::task::spawn_blocking(move || SearchIndex::build(docs))
                .await
                .map_err(|e| crate::error::AppError::Internal(e.into()))?,
        );
        if let Ok(mut s) = self.slots.lock() {
            s.insert(
                c,
                Slot {
                    rev,
                    checked: Instant::now(),
                    index: index.clone(),
                },
            );
        }
        Ok(index)
    }
}

/// Is this version valid on day `d`?
pub fn valid_on(e: &Entry, d: NaiveDate) -> bool {
    e.valid_from <= d && e.valid_to.is_none_or(|t| t > d)
}
