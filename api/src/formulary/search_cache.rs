//! Per-instance, per-consortium search index (F4). The index holds every version of every entry
//! with its validity, so `as_of` is a filter, not a rebuild. Staleness: an instance re-reads the
//! consortium's `formulary_rev` at most every `CHECK_EVERY` and rebuilds when it moved; changes
//! made on this instance invalidate at once.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use tongyao_search::{SearchDoc, SearchIndex};
use super::store;
use super::views::{EntryStatus, Route, SpecialClass};
use crate::error::{AppError, AppResult};
use entity::institution::Level;

const CHECK_EVERY: Duration = Duration::from_millis(1000);

/// What the index keeps of each version: what filters and ordering need, and the version's
/// JSON serialised once, so an answer copies bytes instead of serialising entries again.
pub struct DocAttrs {
    pub entry_id: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub status: EntryStatus,
    pub level_scope: Level,
    pub essential: bool,
    pub special_class: SpecialClass,
    pub route: Route,
    pub sort_key: String,
    /// The contracted price per pack in ten-thousandths of a yuan (ordering by price).
    pub price_e4: i64,
    /// The manufacturer's place among the consortium's manufacturers in pinyin order
    /// (ordering by manufacturer without a string per version).
    pub maker_rank: u32,
    pub json: Box<serde_json::value::RawValue>,
}

impl DocAttrs {
    /// Is this version valid on day `d`?
    pub fn valid_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| t > d)
    }
}

pub type Index = SearchIndex<DocAttrs>;

struct Slot {
    rev: i64,
    checked: Instant,
    index: Arc<Index>,
}

const PAGE: u64 = 5000;

/// A version as an index document, and its manufacturer (ranked once every page is read).
fn doc_of(v: entity::formulary_version::Model) -> AppResult<(SearchDoc<DocAttrs>, String)> {
    let e = store::to_entry(&v);
    let f = &e.fields;
    let attrs = DocAttrs {
        entry_id: e.id,
        valid_from: e.valid_from,
        valid_to: e.valid_to,
        status: f.status,
        level_scope: f.level_scope,
        essential: f.is_essential(),
        special_class: f.special_class,
        route: f.route,
        sort_key: v.sort_key,
        price_e4: v.unit_price_e4,
        maker_rank: 0,
        json: serde_json::value::to_raw_value(&e).map_err(|e| AppError::Internal(e.into()))?,
    };
    let maker = v.manufacturer.clone();
    let doc = SearchDoc {
        active: f.status == EntryStatus::Active,
        essential: attrs.essential,
        codes: [
            v.approval_number,
            v.nhsa_code.unwrap_or_default(),
            v.atc_code.unwrap_or_default(),
        ]
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect(),
        name_zh: v.generic_name_zh,
        name_en: v.generic_name_en,
        attrs,
    };
    Ok((doc, maker))
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
        let rev = store::formulary_rev(conn, c).await?;
        if let Some((idx, _, r)) = self.fresh(c)
            && r == rev {
                if let Ok(mut s) = self.slots.lock()
                    && let Some(slot) = s.get_mut(&c) {
                        slot.checked = Instant::now();
                    }
                return Ok(idx);
            }
        let _guard = self.building.lock().await;
        if let Some((idx, _, r)) = self.fresh(c)
            && r == rev {
                return Ok(idx);
            }
        // Read and convert page by page: the peak stays near one page of rows, not the whole
        // formulary twice over.
        let mut docs: Vec<SearchDoc<DocAttrs>> = Vec::new();
        let mut makers: Vec<String> = Vec::new();
        let mut after = 0;
        loop {
            let page = store::versions_after(conn, c, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let n = page.len();
            let converted = tokio::task::spawn_blocking(move || {
                page.into_iter().map(doc_of).collect::<AppResult<Vec<_>>>()
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))??;
            for (d, m) in converted {
                docs.push(d);
                makers.push(m);
            }
            if (n as u64) < PAGE {
                break;
            }
        }
        // Manufacturers in pinyin order, each ranked once.
        let mut distinct: Vec<&String> = makers.iter().collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut keyed: Vec<(String, &String)> = distinct
            .into_iter()
            .map(|m| (tongyao_search::sort_key(m), m))
            .collect();
        keyed.sort();
        let rank: HashMap<&String, u32> =
            keyed.iter().enumerate().map(|(i, (_, m))| (*m, i as u32)).collect();
        for (d, m) in docs.iter_mut().zip(&makers) {
            d.attrs.maker_rank = rank.get(m).copied().unwrap_or(u32::MAX);
        }
        drop(rank);
        drop(keyed);
        drop(makers);
        let index = Arc::new(
            tokio::task::spawn_blocking(move || SearchIndex::build(docs))
                .await
                .map_err(|e| AppError::Internal(e.into()))?,
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
