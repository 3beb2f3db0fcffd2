//! The formulary held in memory, per consortium and per instance (F2, F4): every version of
//! every entry in a compact form, the search index over them, and their order by name. Lists,
//! search, exports and diffs read it instead of the database, so a read of the whole formulary
//! costs what copying it out costs.
//!
//! **Compact.** A version is a fixed-size [`Record`]; its strings are numbers into its layer's
//! [`Pool`], where each distinct string is stored once (100,000 versions share a few thousand
//! names, forms and makers; only approval numbers and NHSA codes are unique).
//!
//! **Fresh.** A snapshot belongs to a formulary revision (`formulary_settings.rev`, moved by
//! every change). An instance re-reads the revision at most every [`CHECK_EVERY`], at once after
//! its own changes ([`FormularyCache::changed`]). When it moved, the snapshot is brought up to
//! date *incrementally*: the versions written since (ids above the snapshot's highest: writers
//! take the consortium's revision row first, so ids grow in commit order) go into a small extra
//! layer with its own index, and the versions they closed get their new end. Only when the extra
//! layer would grow past [`extra_limit`] (an import of thousands of rows) is everything read and
//! indexed again.
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::store;
use super::views::{
    AntimicrobialTier, Entry, EntryFields, EntryStatus, InsuranceClass, Route, SpecialClass,
    Storage,
};
use crate::error::{AppError, AppResult};
use crate::kernel::Money;
use crate::kernel::money::SCALE_PRICE;
use entity::formulary_version as version;
use entity::institution::Level;
use tongyao_search::{Hit, Layered, SearchDoc, SearchIndex};

/// How long a snapshot is trusted before the revision is read again (other instances' changes).
pub const CHECK_EVERY: Duration = Duration::from_millis(1000);

/// Rows read per query while building.
const PAGE: u64 = 5000;

/// Extra-layer size beyond which everything is read afresh: layering costs about 13 ms per
/// 1,000 extra versions on every refresh (and a little on every search), so this keeps a refresh
/// after one approval within about 15 ms at 100,000 versions.
pub fn extra_limit(base: usize) -> usize {
    500 + base / 200
}

/// Distinct strings end to end; string `i` is `text[ends[i-1]..ends[i]]`.
#[derive(Default)]
pub struct Pool {
    text: String,
    ends: Vec<u32>,
}

/// No string (an optional field left empty).
const NONE: u32 = u32::MAX;

impl Pool {
    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn opt(&self, i: u32) -> Option<&str> {
        (i != NONE).then(|| self.get(i))
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 4
    }
}

/// Builds a pool, each distinct string once (the lookup table is dropped with the builder).
#[derive(Default)]
struct Interner {
    pool: Pool,
    ids: HashMap<Box<str>, u32>,
}

impl Interner {
    fn add(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.pool.ends.len() as u32;
        self.pool.text.push_str(s);
        self.pool.ends.push(self.pool.text.len() as u32);
        self.ids.insert(s.into(), i);
        i
    }

    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.add(s))
    }

    fn finish(mut self) -> Pool {
        self.pool.text.shrink_to_fit();
        self.pool.ends.shrink_to_fit();
        self.pool
    }
}

// String slots of a record.
const ZH: usize = 0;
const EN: usize = 1;
const FORM: usize = 2;
const STRENGTH: usize = 3;
const BASE_UNIT: usize = 4;
const PACK_UNIT: usize = 5;
const MAKER: usize = 6;
const APPROVAL: usize = 7;
const NHSA: usize = 8;
const ATC: usize = 9;
const SORT: usize = 10;

/// One version of one entry; strings by number into its layer's pool. `valid_to` is the end
/// it had when read (a snapshot may know a later one).
#[derive(Clone)]
pub struct Record {
    version_id: i64,
    entry_id: i64,
    price_e4: i64,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    s: [u32; 11],
    pack_size: i32,
    inner_pack_size: Option<i32>,
    route: Route,
    insurance_class: InsuranceClass,
    special_class: SpecialClass,
    antimicrobial_tier: AntimicrobialTier,
    storage: Storage,
    level_scope: Level,
    status: EntryStatus,
    essential_national: bool,
    essential_provincial: bool,
    vbp: bool,
    long_rx_eligible: bool,
    extended_rx_eligible: bool,
}

impl Record {
    fn of(v: &version::Model, p: &mut Interner) -> Record {
        Record {
            version_id: v.id,
            entry_id: v.entry_id,
            price_e4: v.unit_price_e4,
            valid_from: v.valid_from,
            valid_to: v.valid_to,
            s: [
                p.add(&v.generic_name_zh),
                p.add(&v.generic_name_en),
                p.add(&v.dosage_form),
                p.add(&v.strength),
                p.add(&v.base_unit),
                p.add(&v.pack_unit),
                p.add(&v.manufacturer),
                p.add(&v.approval_number),
                p.opt(v.nhsa_code.as_deref()),
                p.opt(v.atc_code.as_deref()),
                p.add(&v.sort_key),
            ],
            pack_size: v.pack_size,
            inner_pack_size: v.inner_pack_size,
            route: v.route,
            insurance_class: v.insurance_class,
            special_class: v.special_class,
            antimicrobial_tier: v.antimicrobial_tier,
            storage: v.storage,
            level_scope: v.level_scope,
            status: v.status,
            essential_national: v.essential_national,
            essential_provincial: v.essential_provincial,
            vbp: v.vbp,
            long_rx_eligible: v.long_rx_eligible,
            extended_rx_eligible: v.extended_rx_eligible,
        }
    }

    /// The same record with its strings in another pool.
    fn moved(&self, from: &Pool, to: &mut Interner) -> Record {
        let mut r = self.clone();
        for (slot, &i) in r.s.iter_mut().zip(&self.s) {
            *slot = if i == NONE { NONE } else { to.add(from.get(i)) };
        }
        r
    }
}

/// What the search index knows of a version (the same for the base and the extra layer).
fn search_doc(r: &Record, p: &Pool) -> SearchDoc {
    SearchDoc {
        name_zh: p.get(r.s[ZH]).to_owned(),
        name_en: p.get(r.s[EN]).to_owned(),
        codes: [r.s[APPROVAL], r.s[NHSA], r.s[ATC]]
            .into_iter()
            .filter_map(|i| p.opt(i))
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        active: r.status == EntryStatus::Active,
        essential: r.essential_national || r.essential_provincial,
    }
}

/// Records and the strings they name.
#[derive(Default)]
struct Layer {
    recs: Vec<Record>,
    pool: Pool,
}

/// One version as a snapshot knows it: the record, its strings and its current end.
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    rec: &'a Record,
    pool: &'a Pool,
    valid_to: Option<NaiveDate>,
}

impl<'a> Doc<'a> {
    pub fn entry_id(&self) -> i64 {
        self.rec.entry_id
    }
    pub fn version_id(&self) -> i64 {
        self.rec.version_id
    }
    pub fn valid_from(&self) -> NaiveDate {
        self.rec.valid_from
    }
    pub fn valid_to(&self) -> Option<NaiveDate> {
        self.valid_to
    }
    /// Is this version the one valid on day `d`?
    pub fn valid_on(&self, d: NaiveDate) -> bool {
        self.rec.valid_from <= d && self.valid_to.is_none_or(|t| t > d)
    }
    pub fn status(&self) -> EntryStatus {
        self.rec.status
    }
    pub fn level_scope(&self) -> Level {
        self.rec.level_scope
    }
    pub fn essential(&self) -> bool {
        self.rec.essential_national || self.rec.essential_provincial
    }
    pub fn special_class(&self) -> SpecialClass {
        self.rec.special_class
    }
    pub fn route(&self) -> Route {
        self.rec.route
    }
    pub fn price_e4(&self) -> i64 {
        self.rec.price_e4
    }
    pub fn sort_key(&self) -> &'a str {
        self.pool.get(self.rec.s[SORT])
    }
    pub fn name_zh(&self) -> &'a str {
        self.pool.get(self.rec.s[ZH])
    }
    pub fn manufacturer(&self) -> &'a str {
        self.pool.get(self.rec.s[MAKER])
    }

    /// The version as the API's `Entry`.
    pub fn entry(&self) -> Entry {
        let (r, p) = (self.rec, self.pool);
        Entry {
            id: r.entry_id,
            fields: EntryFields {
                generic_name_zh: p.get(r.s[ZH]).to_owned(),
                generic_name_en: p.get(r.s[EN]).to_owned(),
                dosage_form: p.get(r.s[FORM]).to_owned(),
                route: r.route,
                strength: p.get(r.s[STRENGTH]).to_owned(),
                base_unit: p.get(r.s[BASE_UNIT]).to_owned(),
                pack_size: r.pack_size,
                inner_pack_size: r.inner_pack_size,
                pack_unit: p.get(r.s[PACK_UNIT]).to_owned(),
                manufacturer: p.get(r.s[MAKER]).to_owned(),
                approval_number: p.get(r.s[APPROVAL]).to_owned(),
                nhsa_code: p.opt(r.s[NHSA]).map(str::to_owned),
                atc_code: p.opt(r.s[ATC]).map(str::to_owned),
                unit_price: Money::from_minor(r.price_e4, SCALE_PRICE),
                essential_national: r.essential_national,
                essential_provincial: r.essential_provincial,
                vbp: r.vbp,
                insurance_class: r.insurance_class,
                special_class: r.special_class,
                antimicrobial_tier: r.antimicrobial_tier,
                storage: r.storage,
                level_scope: r.level_scope,
                long_rx_eligible: r.long_rx_eligible,
                extended_rx_eligible: r.extended_rx_eligible,
                status: r.status,
            },
            valid_from: r.valid_from,
            valid_to: self.valid_to,
        }
    }
}

/// A `Doc` serialises exactly as its `Entry` does (a test holds them equal), without building
/// the entry's strings: answers copy from the pool.
impl Serialize for Doc<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, p) = (self.rec, self.pool);
        #[derive(Serialize)]
        struct Flat<'a> {
            id: i64,
            generic_name_zh: &'a str,
            generic_name_en: &'a str,
            dosage_form: &'a str,
            route: Route,
            strength: &'a str,
            base_unit: &'a str,
            pack_size: i32,
            inner_pack_size: Option<i32>,
            pack_unit: &'a str,
            manufacturer: &'a str,
            approval_number: &'a str,
            nhsa_code: Option<&'a str>,
            atc_code: Option<&'a str>,
            unit_price: Money,
            essential_national: bool,
            essential_provincial: bool,
            vbp: bool,
            insurance_class: InsuranceClass,
            special_class: SpecialClass,
            antimicrobial_tier: AntimicrobialTier,
            storage: Storage,
            level_scope: Level,
            long_rx_eligible: bool,
            extended_rx_eligible: bool,
            status: EntryStatus,
            valid_from: NaiveDate,
            valid_to: Option<NaiveDate>,
        }
        Flat {
            id: r.entry_id,
            generic_name_zh: p.get(r.s[ZH]),
            generic_name_en: p.get(r.s[EN]),
            dosage_form: p.get(r.s[FORM]),
            route: r.route,
            strength: p.get(r.s[STRENGTH]),
            base_unit: p.get(r.s[BASE_UNIT]),
            pack_size: r.pack_size,
            inner_pack_size: r.inner_pack_size,
            pack_unit: p.get(r.s[PACK_UNIT]),
            manufacturer: p.get(r.s[MAKER]),
            approval_number: p.get(r.s[APPROVAL]),
            nhsa_code: p.opt(r.s[NHSA]),
            atc_code: p.opt(r.s[ATC]),
            unit_price: Money::from_minor(r.price_e4, SCALE_PRICE),
            essential_national: r.essential_national,
            essential_provincial: r.essential_provincial,
            vbp: r.vbp,
            insurance_class: r.insurance_class,
            special_class: r.special_class,
            antimicrobial_tier: r.antimicrobial_tier,
            storage: r.storage,
            level_scope: r.level_scope,
            long_rx_eligible: r.long_rx_eligible,
            extended_rx_eligible: r.extended_rx_eligible,
            status: r.status,
            valid_from: r.valid_from,
            valid_to: self.valid_to,
        }
        .serialize(s)
    }
}

/// One consortium's formulary at one revision.
pub struct Snapshot {
    rev: i64,
    /// The highest version id read.
    max_id: i64,
    base: Arc<Layer>,
    extra: Layer,
    index: Layered,
    /// Base versions closed since the base was read: their current end.
    ends: HashMap<u32, Option<NaiveDate>>,
    /// The base layer's orders (made at the full build, shared by the snapshots after it).
    base_order: Arc<BaseOrder>,
    /// Every version by (name's sort key, entry id): the lists' order.
    order: Vec<u32>,
    /// Each version's place in `order`.
    name_pos: Vec<u32>,
    /// The extra versions' manufacturers' ranks (see `BaseOrder::maker_rank`).
    extra_maker_rank: Vec<u64>,
}

/// The base layer in name order, and its manufacturers in pinyin order: manufacturer `j` has
/// the rank `(j + 1) << 32`, so a manufacturer first seen in the extra layer gets a rank in
/// the gap where it belongs without renumbering the base.
#[derive(Default)]
struct BaseOrder {
    order: Vec<u32>,
    /// Distinct manufacturers by (pinyin sort key, name).
    makers: Vec<(String, Box<str>)>,
    /// Each base version's manufacturer's rank.
    maker_rank: Vec<u64>,
}

fn maker_rank_at(j: usize) -> u64 {
    (j as u64 + 1) << 32
}

impl BaseOrder {
    fn of(base: &Layer) -> BaseOrder {
        let n = base.recs.len();
        let name = |i: u32| {
            let r = &base.recs[i as usize];
            (base.pool.get(r.s[SORT]), r.entry_id)
        };
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|&a, &b| name(a).cmp(&name(b)));
        let maker = |r: &Record| base.pool.get(r.s[MAKER]);
        let mut distinct: Vec<&str> = base.recs.iter().map(maker).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut makers: Vec<(String, Box<str>)> = distinct
            .into_iter()
            .map(|m| (tongyao_search::sort_key(m), m.into()))
            .collect();
        makers.sort();
        let rank: HashMap<&str, u64> = makers
            .iter()
            .enumerate()
            .map(|(j, (_, m))| (&**m, maker_rank_at(j)))
            .collect();
        let maker_rank = base.recs.iter().map(|r| rank[maker(r)]).collect();
        drop(rank);
        BaseOrder {
            order,
            makers,
            maker_rank,
        }
    }

    /// Ranks of manufacturers (of the extra layer) among the base's: a known one has its rank,
    /// new ones share the gap where they belong, in order.
    fn rank_makers(&self, names: &[&str]) -> Vec<u64> {
        let mut place: HashMap<&str, Result<usize, (usize, String)>> = HashMap::new();
        for &m in names {
            place.entry(m).or_insert_with(|| {
                let key = tongyao_search::sort_key(m);
                self.makers
                    .binary_search_by(|(k, n)| (k.as_str(), &**n).cmp(&(key.as_str(), m)))
                    .map_err(|gap| (gap, key))
            });
        }
        // New manufacturers by gap, each gap's in order.
        let mut new: Vec<(usize, &String, &str)> = place
            .iter()
            .filter_map(|(m, p)| p.as_ref().err().map(|(gap, key)| (*gap, key, *m)))
            .collect();
        new.sort();
        let mut rank: HashMap<&str, u64> = HashMap::new();
        for group in new.chunk_by(|a, b| a.0 == b.0) {
            let gap = group[0].0;
            let lower = if gap == 0 { 0 } else { maker_rank_at(gap - 1) };
            let width = maker_rank_at(gap) - lower;
            let k = group.len() as u64 + 1;
            for (t, (_, _, m)) in group.iter().enumerate() {
                rank.insert(m, lower + width * (t as u64 + 1) / k);
            }
        }
        names
            .iter()
            .map(|m| match &place[m] {
                Ok(j) => maker_rank_at(*j),
                Err(_) => rank[m],
            })
            .collect()
    }
}

impl Snapshot {
    /// Number of versions.
    pub fn len(&self) -> usize {
        self.base.recs.len() + self.extra.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn rev(&self) -> i64 {
        self.rev
    }

    /// Versions in the base layer (read at the last full build) and in the extra layer
    /// (written since).
    pub fn layers(&self) -> (usize, usize) {
        (self.base.recs.len(), self.extra.recs.len())
    }

    /// Version number `i` (the index's document number).
    pub fn doc(&self, i: usize) -> Doc<'_> {
        let nb = self.base.recs.len();
        if i < nb {
            let rec = &self.base.recs[i];
            let valid_to = match self.ends.get(&(i as u32)) {
                Some(end) => *end,
                None => rec.valid_to,
            };
            Doc {
                rec,
                pool: &self.base.pool,
                valid_to,
            }
        } else {
            let rec = &self.extra.recs[i - nb];
            Doc {
                rec,
                pool: &self.extra.pool,
                valid_to: rec.valid_to,
            }
        }
    }

    /// Every version, in the lists' order (by name, then entry).
    pub fn in_name_order(&self) -> impl Iterator<Item = usize> + '_ {
        self.order.iter().map(|&i| i as usize)
    }

    /// A version's place in the lists' order.
    pub fn name_pos(&self, i: usize) -> u32 {
        self.name_pos[i]
    }

    /// The version's manufacturer's place in pinyin order (comparable across versions).
    pub fn maker_rank(&self, i: usize) -> u64 {
        let nb = self.base.recs.len();
        if i < nb {
            self.base_order.maker_rank[i]
        } else {
            self.extra_maker_rank[i - nb]
        }
    }

    /// Type-ahead search (F4); see `tongyao_search` for matching and ranking.
    pub fn search(&self, q: &str, limit: usize, accept: impl Fn(usize) -> bool) -> Vec<Hit> {
        self.index.search(q, limit, accept)
    }

    /// Every version matching `q` that `accept` takes, by document number.
    pub fn matching(&self, q: &str, accept: impl Fn(usize) -> bool) -> Vec<usize> {
        self.index.matching(q, accept)
    }

    /// Heap bytes held (records, strings, index, orders): the figure behind the benchmark's
    /// memory line.
    pub fn heap_bytes(&self) -> usize {
        let recs = (self.base.recs.capacity() + self.extra.recs.capacity())
            * std::mem::size_of::<Record>();
        recs + self.base.pool.heap_bytes()
            + self.extra.pool.heap_bytes()
            + self.index.base().index_heap_bytes()
            + self.index.index_heap_bytes()
            + (self.order.capacity() + self.name_pos.capacity() + self.base_order.order.capacity())
                * 4
            + (self.base_order.maker_rank.capacity() + self.extra_maker_rank.capacity()) * 8
            + self.ends.capacity() * 24
    }

    /// The order of two versions in the lists (sort key, then entry id).
    fn name_cmp(&self, a: usize, b: usize) -> Ordering {
        let (x, y) = (self.doc(a), self.doc(b));
        x.sort_key()
            .cmp(y.sort_key())
            .then(x.entry_id().cmp(&y.entry_id()))
    }

    /// `order`, `name_pos` and the extra versions' manufacturer ranks, from the base's order:
    /// each extra version goes in where it belongs.
    fn arrange(&mut self) {
        let n = self.len();
        let nb = self.base.recs.len();
        let mut extra: Vec<u32> = (nb as u32..n as u32).collect();
        extra.sort_by(|&a, &b| self.name_cmp(a as usize, b as usize));
        let mut order = Vec::with_capacity(n);
        let mut rest = &self.base_order.order[..];
        for e in extra {
            let k = rest.partition_point(|&b| self.name_cmp(b as usize, e as usize).is_lt());
            order.extend_from_slice(&rest[..k]);
            order.push(e);
            rest = &rest[k..];
        }
        order.extend_from_slice(rest);
        let mut name_pos = vec![0u32; n];
        for (p, &i) in order.iter().enumerate() {
            name_pos[i as usize] = p as u32;
        }
        let makers: Vec<&str> = (nb..n).map(|i| self.doc(i).manufacturer()).collect();
        let extra_maker_rank = self.base_order.rank_makers(&makers);
        drop(makers);
        self.order = order;
        self.name_pos = name_pos;
        self.extra_maker_rank = extra_maker_rank;
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Every version of consortium `c`, read page by page (the peak stays near one page of rows).
async fn read_all(conn: &impl ConnectionTrait, c: i64) -> AppResult<(Layer, i64)> {
    let mut interner = Interner::default();
    let mut recs = Vec::new();
    let mut after = 0;
    loop {
        let page = store::versions_after(conn, c, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let n = page.len();
        let (i, r) = blocking(move || {
            let mut r = Vec::with_capacity(page.len());
            for v in &page {
                r.push(Record::of(v, &mut interner));
            }
            (interner, r)
        })
        .await?;
        interner = i;
        recs.extend(r);
        if (n as u64) < PAGE {
            break;
        }
    }
    recs.shrink_to_fit();
    Ok((
        Layer {
            recs,
            pool: interner.finish(),
        },
        after,
    ))
}

async fn build(conn: &impl ConnectionTrait, c: i64, rev: i64) -> AppResult<Snapshot> {
    let (base, max_id) = read_all(conn, c).await?;
    let snap = blocking(move || {
        let docs = base.recs.iter().map(|r| search_doc(r, &base.pool)).collect();
        let index = Arc::new(SearchIndex::build(docs));
        let base_order = Arc::new(BaseOrder::of(&base));
        let mut snap = Snapshot {
            rev,
            max_id,
            base: Arc::new(base),
            extra: Layer::default(),
            index: Layered::from_base(index),
            ends: HashMap::new(),
            base_order,
            order: Vec::new(),
            name_pos: Vec::new(),
            extra_maker_rank: Vec::new(),
        };
        snap.arrange();
        snap
    })
    .await?;
    crate::kernel::memory::release_free_memory();
    Ok(snap)
}

/// `old` brought to revision `rev` by reading what was written since; `None` when that is more
/// than a layer should hold (build afresh).
async fn refresh(
    conn: &impl ConnectionTrait,
    c: i64,
    rev: i64,
    old: &Snapshot,
) -> AppResult<Option<Snapshot>> {
    let nb = old.base.recs.len();
    let room = extra_limit(nb).saturating_sub(old.extra.recs.len());
    let new = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::Id.gt(old.max_id))
        .order_by_asc(version::Column::Id)
        .limit(room as u64 + 1)
        .all(conn)
        .await?;
    if new.len() > room {
        return Ok(None);
    }
    // The ends of the versions these follow (closed in the same transactions).
    let entries: Vec<i64> = {
        let mut e: Vec<i64> = new.iter().map(|v| v.entry_id).collect();
        e.sort_unstable();
        e.dedup();
        e
    };
    let mut closed: HashMap<i64, Option<NaiveDate>> = HashMap::new();
    for chunk in entries.chunks(500) {
        let rows: Vec<(i64, Option<NaiveDate>)> = version::Entity::find()
            .select_only()
            .column(version::Column::Id)
            .column(version::Column::ValidTo)
            .filter(version::Column::ConsortiumId.eq(c))
            .filter(version::Column::EntryId.is_in(chunk.iter().copied()))
            .filter(version::Column::Id.lte(old.max_id))
            .into_tuple()
            .all(conn)
            .await?;
        closed.extend(rows);
    }
    let max_id = new.last().map_or(old.max_id, |v| v.id);
    // The extra layer afresh: the old extra records, then the new ones, in one pool.
    let mut interner = Interner::default();
    let mut recs: Vec<Record> = old
        .extra
        .recs
        .iter()
        .map(|r| {
            let mut r = r.moved(&old.extra.pool, &mut interner);
            if let Some(end) = closed.get(&r.version_id) {
                r.valid_to = *end;
            }
            r
        })
        .collect();
    recs.extend(new.iter().map(|v| Record::of(v, &mut interner)));
    let extra = Layer {
        recs,
        pool: interner.finish(),
    };
    let mut ends = old.ends.clone();
    if !closed.is_empty() {
        for (i, r) in old.base.recs.iter().enumerate() {
            if let Some(end) = closed.get(&r.version_id) {
                if *end == r.valid_to {
                    ends.remove(&(i as u32));
                } else {
                    ends.insert(i as u32, *end);
                }
            }
        }
    }
    let docs = extra
        .recs
        .iter()
        .map(|r| search_doc(r, &extra.pool))
        .collect();
    let mut snap = Snapshot {
        rev,
        max_id,
        base: old.base.clone(),
        extra,
        index: Layered::new(old.index.base().clone(), docs),
        ends,
        base_order: old.base_order.clone(),
        order: Vec::new(),
        name_pos: Vec::new(),
        extra_maker_rank: Vec::new(),
    };
    snap.arrange();
    Ok(Some(snap))
}

struct Slot {
    snap: Arc<Snapshot>,
    checked: Instant,
    /// This instance changed the formulary: read the revision before trusting the snapshot.
    changed: bool,
}

/// The snapshots of this instance, by consortium.
#[derive(Default)]
pub struct FormularyCache {
    slots: Mutex<HashMap<i64, Slot>>,
    /// Serialises builds and refreshes per instance so a burst of reads builds once.
    building: tokio::sync::Mutex<()>,
}

impl FormularyCache {
    /// This instance changed consortium `c`'s formulary: the next read brings it up to date.
    pub fn changed(&self, c: i64) {
        if let Ok(mut s) = self.slots.lock()
            && let Some(slot) = s.get_mut(&c)
        {
            slot.changed = true;
        }
    }

    /// The snapshot, if it may be used without reading the revision.
    fn trusted(&self, c: i64) -> Option<Arc<Snapshot>> {
        let s = self.slots.lock().ok()?;
        let slot = s.get(&c)?;
        (!slot.changed && slot.checked.elapsed() < CHECK_EVERY).then(|| slot.snap.clone())
    }

    fn current(&self, c: i64) -> Option<Arc<Snapshot>> {
        Some(self.slots.lock().ok()?.get(&c)?.snap.clone())
    }

    fn put(&self, c: i64, snap: Arc<Snapshot>) {
        if let Ok(mut s) = self.slots.lock() {
            s.insert(
                c,
                Slot {
                    snap,
                    checked: Instant::now(),
                    changed: false,
                },
            );
        }
    }

    /// Consortium `c`'s formulary as of its current revision.
    pub async fn get(&self, conn: &impl ConnectionTrait, c: i64) -> AppResult<Arc<Snapshot>> {
        if let Some(snap) = self.trusted(c) {
            return Ok(snap);
        }
        let _guard = self.building.lock().await;
        if let Some(snap) = self.trusted(c) {
            return Ok(snap);
        }
        let rev = store::formulary_rev(conn, c).await?;
        let old = self.current(c);
        let snap = match old {
            Some(old) if old.rev == rev => old,
            Some(old) => match refresh(conn, c, rev, &old).await? {
                Some(s) => Arc::new(s),
                None => {
                    drop(old);
                    self.forget(c);
                    Arc::new(build(conn, c, rev).await?)
                }
            },
            None => Arc::new(build(conn, c, rev).await?),
        };
        self.put(c, snap.clone());
        Ok(snap)
    }

    /// Drop consortium `c`'s snapshot (before a full rebuild, so two are not held at once).
    fn forget(&self, c: i64) {
        if let Ok(mut s) = self.slots.lock() {
            s.remove(&c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn model(id: i64, entry: i64, name: &str, nhsa: Option<&str>) -> version::Model {
        version::Model {
            id,
            consortium_id: 1,
            entry_id: entry,
            proposal_id: 1,
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_to: (id % 2 == 0).then(|| NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
            generic_name_zh: name.into(),
            generic_name_en: "Amoxicillin \"500\" \\ caps\n".into(),
            dosage_form: "胶囊剂".into(),
            route: Route::Oral,
            strength: "0.25g".into(),
            base_unit: "粒".into(),
            pack_size: 24,
            inner_pack_size: (id % 3 == 0).then_some(12),
            pack_unit: "盒".into(),
            manufacturer: "华北制药".into(),
            approval_number: format!("国药准字H2000{id:04}"),
            nhsa_code: nhsa.map(str::to_owned),
            atc_code: (id % 2 == 1).then(|| "J01CA04".to_owned()),
            unit_price_e4: 29_500 + id,
            essential_national: id % 2 == 0,
            essential_provincial: false,
            vbp: true,
            insurance_class: InsuranceClass::A,
            special_class: SpecialClass::None,
            antimicrobial_tier: AntimicrobialTier::Unrestricted,
            storage: Storage::Ordinary,
            level_scope: Level::Village,
            long_rx_eligible: true,
            extended_rx_eligible: false,
            status: EntryStatus::Active,
            pinyin: String::new(),
            sort_key: store::sort_key(name),
        }
    }

    /// Answers copy from the pool instead of serialising an `Entry`; they must be the same
    /// bytes, and `entry()` the same entry, for every kind of value (absent options, escapes).
    #[test]
    fn a_doc_serialises_as_its_entry() {
        let models = [
            model(1, 1, "阿莫西林胶囊", Some("XJ01CAA040E001010101445")),
            model(2, 1, "阿莫西林胶囊", None),
            model(3, 2, "硝苯地平控释片", Some("")),
            model(6, 3, "复方\"甘草\"片", None),
        ];
        let mut interner = Interner::default();
        let recs: Vec<Record> = models.iter().map(|m| Record::of(m, &mut interner)).collect();
        let pool = interner.finish();
        for (m, r) in models.iter().zip(&recs) {
            let doc = Doc {
                rec: r,
                pool: &pool,
                valid_to: r.valid_to,
            };
            let entry = store::to_entry(m);
            assert_eq!(
                serde_json::to_string(&doc).unwrap(),
                serde_json::to_string(&entry).unwrap()
            );
            assert_eq!(
                serde_json::to_value(doc.entry()).unwrap(),
                serde_json::to_value(&entry).unwrap()
            );
        }
        // Each distinct string once: the two versions of entry 1 share their names.
        assert_eq!(recs[0].s[ZH], recs[1].s[ZH]);
        assert_ne!(recs[0].s[APPROVAL], recs[1].s[APPROVAL]);
        assert_eq!(recs[1].s[NHSA], NONE);
    }

    /// Manufacturers first seen after the base was built rank where pinyin puts them, between
    /// the base's, without renumbering it.
    #[test]
    fn new_manufacturers_rank_in_pinyin_order_among_the_known() {
        let mut interner = Interner::default();
        let recs = ["华北制药", "石药集团", "扬子江药业", "华北制药"]
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut v = model(i as i64 + 1, i as i64 + 1, "阿莫西林胶囊", None);
                v.manufacturer = (*m).to_owned();
                Record::of(&v, &mut interner)
            })
            .collect();
        let base = Layer {
            recs,
            pool: interner.finish(),
        };
        let order = BaseOrder::of(&base);
        assert_eq!(order.maker_rank[0], order.maker_rank[3]);
        let names = ["修正药业", "哈药集团", "华北制药", "阿斯利康", "云南白药", "修正药业", "恒瑞医药"];
        let ranks = order.rank_makers(&names);
        let mut by_rank: Vec<(u64, &str)> = ranks.iter().copied().zip(names).collect();
        by_rank.sort();
        by_rank.dedup();
        let mut all: Vec<&str> = names.to_vec();
        all.extend(["石药集团", "扬子江药业"]);
        all.sort_by_key(|m| (store::sort_key(m), m.to_string()));
        all.dedup();
        let mut merged: Vec<(u64, &str)> = by_rank;
        merged.push((order.maker_rank[1], "石药集团"));
        merged.push((order.maker_rank[2], "扬子江药业"));
        merged.sort();
        let ranked: Vec<&str> = merged.iter().map(|(_, m)| *m).collect();
        assert_eq!(ranked, all);
        assert_eq!(ranks[2], order.maker_rank[0], "a known manufacturer keeps its rank");
    }

    #[test]
    fn a_record_moved_to_another_pool_keeps_its_strings() {
        let m = model(3, 2, "硝苯地平控释片", None);
        let mut a = Interner::default();
        a.add("padding");
        let r = Record::of(&m, &mut a);
        let pa = a.finish();
        let mut b = Interner::default();
        let moved = r.moved(&pa, &mut b);
        let pb = b.finish();
        let json = |rec: &Record, pool: &Pool| {
            serde_json::to_string(&Doc {
                rec,
                pool,
                valid_to: None,
            })
            .unwrap()
        };
        assert_eq!(json(&r, &pa), json(&moved, &pb));
    }
}
