//! In-memory drug search index behind the instant type-ahead (rule F4).
//!
//! A query matches a drug when, after [`normalize_query`] on both sides, it is
//! a substring of any of the drug's *keys*:
//!
//! * the Chinese name (`name_zh`) and the English name (`name_en`);
//! * every pinyin initials key and every full-pinyin key of the Chinese name
//!   (one per combination of readings of polyphonic characters, see
//!   [`name_keys`]);
//! * every non-empty code (approval number, NHSA code, ATC code, …).
//!
//! Each hit reports its best [`MatchKind`]:
//!
//! * [`MatchKind::CodeExact`]: the query equals a whole code. A code that
//!   starts with Chinese characters followed by an ASCII part (an approval
//!   number `国药准字H20003263`) also has that ASCII part as an *anchor*:
//!   `H20003263` is a `CodeExact` and `H2000` a `Prefix` match of it.
//! * [`MatchKind::Prefix`]: the query starts a key (or a code's anchor).
//! * [`MatchKind::Substring`]: anywhere else.
//!
//! Hits are ordered by kind, then active before inactive, essential before
//! not, shorter `name_zh` (in characters), `name_zh`, and finally the
//! document's number: its position in the `Vec` given to
//! [`SearchIndex::build`] (for a [`Layered`] index, in base ++ extra).
//!
//! The index keeps no document: after `build` it holds only its own
//! structures (below) and the distinct Chinese names, and knows documents by
//! number. `accept` filters and [`Hit::doc`] use those numbers; the caller
//! keeps its per-document data (ids, validity, filter fields) under them.
//!
//! # Design
//!
//! All keys of all documents are interned once (100,000 drugs share ~1,500
//! generic names, so name keys collapse to a few thousand distinct strings)
//! and laid end to end in one byte buffer, each followed by a `0xFF` marker
//! (a byte that never occurs in UTF-8). Two sorted arrays answer every query
//! with binary searches, without verification and without scanning:
//!
//! * a *suffix array* of every character position of every distinct key:
//!   the suffixes that start with the query form one contiguous range, i.e.
//!   exactly the substring occurrences;
//! * an *anchor array* of the key starts (and the code anchors above): its
//!   range gives the prefix occurrences, and the tail of that range the exact
//!   ones.
//!
//! Next to each array entry sits a tag that names the entry's documents: for
//! a key carried by a single document (every code) the document's rank and
//! the field directly, otherwise the id of a posting list (documents sorted
//! by rank, with the field). Identical lists, such as those of all the
//! pinyin combinations of one name, are stored once and expanded once per
//! query. Documents are numbered by their ranking position, so the order of
//! hits within a kind is an integer comparison and the top `limit` come from
//! `select_nth_unstable` on packed `u64` sort keys; a per-query byte array
//! keeps each document's best kind.
//!
//! Very unselective queries (a single letter, `00`) match tens of thousands
//! of documents. When expanding them would exceed a work budget (about
//! 16,000 postings for `limit` 20 and 100,000 documents), the index walks the
//! documents in ranking order instead, checking each one's own keys (its
//! English name and codes, plus a reference to its Chinese name's keys,
//! which all documents of that name share), and stops as soon as the best
//! `limit` accepted hits are certain; if that walk runs long too (the
//! accepted matches are rare), it falls back to the full expansion. Results
//! are identical on every path (a property test checks them against a
//! brute-force matcher on all paths).
//!
//! ## Layered updates
//!
//! [`Layered`] answers for base ++ extra from a shared base index and a small
//! index built from the extra documents only. A document's best match
//! depends on its own keys alone, and each index ranks its documents in the
//! order of one index of base ++ extra, so the top `limit` of base ++ extra
//! is among the top `limit` of each part: `Layered` takes both and merges
//! them. Comparing a base hit with an extra hit needs their ranking keys:
//! each index keeps its ranking groups (runs of ranks with the same flags
//! and name, a few thousand) and its distinct Chinese names in name order,
//! and [`Layered::new`] places each of the extra's names among the base's by
//! binary search. A property test checks that every answer equals that of
//! one index of base ++ extra.
//!
//! # Cost
//!
//! Measured on a synthetic formulary of 100,000 drugs (1,500 generic names,
//! three codes each: approval number, 23-character NHSA code, ATC) on a
//! 2-core machine, release build: typical 2–6 character queries (`amxl`,
//! `阿莫`, `硝苯地平`, `H2000`, `J01C`, `amox`) take 2–16 µs for the top 20;
//! queries matching 10,000+ drugs 25–80 µs; a single letter up to ~0.2 ms.
//! [`SearchIndex::matching`] costs about 5 ns per matching document, up to a
//! few ms when a one-character query matches everything. The index takes
//! ~46 MB of heap ([`SearchIndex::index_heap_bytes`]): 31 MB for the suffix
//! array (mostly over the codes: 3.9 million positions, 8 bytes each), 5 MB
//! of key text, 2.6 MB for the anchor array, 2.4 MB of per-document keys,
//! 2 MB of posting lists, 1.8 MB of key offsets, 0.4 MB rank to document,
//! and under 0.2 MB for the Chinese names, their keys and the ranking
//! groups. Building it takes ~0.5–0.9 s and peaks at ~160 MB of heap,
//! the 25 MB of documents given included: the suffix sort needs 16 bytes
//! per position, twice over; the documents, which `build` consumes, are
//! freed as soon as their keys are interned, before that sort.
//!
//! A [`Layered`] index over that base is made in ~0.1–0.3 ms for 5 extra
//! documents (~20 KB of its own), ~13 ms for 1,000 (2 MB), ~70 ms for
//! 10,000 (8 MB). Its queries cost those of the base plus a query of the
//! extra index and a merge of at most `2 * limit` hits: the eight typical
//! queries above take 31 µs together with 5 extra documents against 29 µs
//! on the base alone, about 15% more with 1,000, 20% more with 10,000.
//!
//! Both are immutable: build (see [`SearchIndex::build`]) off the async
//! executor (`spawn_blocking`) when the formulary changes much, make a
//! [`Layered`] over the current base for a handful of new documents, and
//! swap either in behind an `Arc`. Both are `Send + Sync`; queries take
//! `&self` and allocate only per-query scratch (~n bytes).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::pinyin_keys::{name_keys, normalize_into, normalize_query};

/// One searchable drug, as given to [`SearchIndex::build`] or
/// [`Layered::new`]. The index keeps none of these strings: documents are
/// known by their number (their position in the `Vec`), and the caller keeps
/// whatever it needs per document (ids, validity, filter fields) under the
/// same number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchDoc {
    /// Chinese name, e.g. `阿莫西林胶囊`; source of the pinyin keys.
    pub name_zh: String,
    /// English name, e.g. `Amoxicillin Capsules`.
    pub name_en: String,
    /// Approval number, NHSA drug code, ATC code, …; empty strings are ignored.
    pub codes: Vec<String>,
    /// Ranking: active first.
    pub active: bool,
    /// Ranking: essential first.
    pub essential: bool,
}

/// How a query matched; declaration order is ranking order, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// The query equals a whole code (or a code's ASCII anchor part).
    CodeExact,
    /// The query is a prefix of a key.
    Prefix,
    /// The query occurs inside a key.
    Substring,
}

/// Which field gave the best match. When several fields give the same best
/// kind, the first in declaration order is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchField {
    Code,
    NameZh,
    NameEn,
    Initials,
    Pinyin,
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hit {
    /// The document's number: its position in the `Vec` given to
    /// [`SearchIndex::build`] (for a [`Layered`] index, in base ++ extra).
    pub doc: usize,
    pub kind: MatchKind,
    pub field: MatchField,
}

// Field codes, in `MatchField` order.
const F_CODE: u8 = 0;
const F_NAME_ZH: u8 = 1;
const F_NAME_EN: u8 = 2;
const F_INITIALS: u8 = 3;
const F_PINYIN: u8 = 4;

// Kind codes, in `MatchKind` order.
const K_EXACT: u8 = 0;
const K_PREFIX: u8 = 1;
const K_SUBSTRING: u8 = 2;

/// Terminates every key in the text buffer; never part of valid UTF-8, and
/// greater than every byte that can occur in a query.
const MARK: u8 = 0xFF;
/// Tag bit: suffix array — the position is a key start or a code anchor;
/// anchor array — the position is a code anchor (not the key start).
const TAG_ANCHOR: u32 = 1 << 31;
/// Tag bit: the payload is a posting-list id (see `list_off`);
/// otherwise the payload is the single posting `rank << 3 | field`.
const TAG_MULTI: u32 = 1 << 30;
const TAG_PAYLOAD: u32 = TAG_MULTI - 1;
/// Postings hold `rank << 3 | field` in the 30-bit payload.
const MAX_DOCS: usize = 1 << 27;
/// `doc_keys` hold `key << 3 | field` in a `u32`.
const MAX_KEYS: usize = 1 << 29;
/// A `doc_keys` entry with this field names the keys of a Chinese name
/// (`zh_keys`) instead of one key: `name << 3 | F_ZH_KEYS`.
const F_ZH_KEYS: u8 = 7;

/// Work budgets. Expanding a posting costs ~5 ns, checking a document in
/// the ranking-order walk ~300 ns, and the walk needs about
/// `limit * n / matches` documents. Expanding up to `sqrt(128 * limit * n)`
/// postings (16,000 for `limit` 20 and 100,000 documents) balances the two;
/// the walk gives up after 16 times its expected length.
fn budgets(limit: usize, n: usize) -> (usize, usize) {
    let expand = ((128.0 * limit as f64 * n as f64).sqrt() as usize).max(1024);
    let scan = (16usize.saturating_mul(limit).saturating_mul(n) / expand).max(256);
    (expand, scan)
}

/// Where key `k` ends in `text` (before its `MARK`): keys lie end to end,
/// each followed by `MARK`, so just before the next key's start.
#[inline]
fn key_end(keys: &[KeyMeta], text_len: usize, k: usize) -> usize {
    keys.get(k + 1).map_or(text_len, |m| m.start as usize) - 1
}

#[derive(Debug, Clone, Copy)]
struct KeyMeta {
    /// Byte offset of the key in `text`.
    start: u32,
    /// Byte offset of the code anchor inside the key; 0 for none.
    alt: u32,
}

/// An immutable search index over a set of [`SearchDoc`]s, which it does not
/// keep: documents are known by their number (position in the `Vec` given to
/// [`build`](Self::build)).
#[derive(Debug, Clone)]
pub struct SearchIndex {
    /// Number of documents given to `build` (the first `MAX_DOCS` are indexed).
    len: usize,
    /// Ranking position → document number.
    rank_to_doc: Vec<u32>,
    /// The distinct Chinese names in name order (characters, then name), end
    /// to end; name `i` is `zh_text[zh_off[i]..zh_off[i + 1]]`. Only
    /// [`Layered`] reads them, to place its extra documents' names.
    zh_text: String,
    zh_off: Vec<usize>,
    /// Ranking groups, by first rank: every rank from `.0` up to the next
    /// group's start has the ranking key `.1` (see `group_key`).
    groups: Vec<(u32, u32)>,
    /// Distinct keys, each followed by `MARK`.
    text: Vec<u8>,
    keys: Vec<KeyMeta>,
    /// List id → range of `lists` (CSR offsets). Keys carried by several
    /// documents name a list; identical lists (all the pinyin combinations
    /// of one name, say) are stored once.
    list_off: Vec<u32>,
    /// Postings `rank << 3 | field`, sorted by rank within each list.
    lists: Vec<u32>,
    /// Rank → range of `doc_keys` (CSR offsets).
    doc_key_off: Vec<u32>,
    /// The document's keys, for the ranking-order walk: `name << 3 |
    /// F_ZH_KEYS` for the keys of its Chinese name (`zh_keys`, shared by
    /// every document of that name), then `key << 3 | field` for its English
    /// name and codes (one per distinct key, with its best field). A key may
    /// appear twice, under the name and as a code, which does not change the
    /// document's best match.
    doc_keys: Vec<u32>,
    /// Name id (in order of first appearance) → range of `zh_keys`.
    zh_key_off: Vec<u32>,
    /// `key << 3 | field`: the Chinese name and its pinyin keys.
    zh_keys: Vec<u32>,
    /// Suffix array: every character position of every key, by suffix.
    sa_pos: Vec<u32>,
    sa_tag: Vec<u32>,
    /// Anchor array: key starts and code anchors, by suffix.
    pa_pos: Vec<u32>,
    pa_tag: Vec<u32>,
    /// Fixed (expand, scan) budgets instead of [`budgets`]; tests only.
    budget_override: Option<(usize, usize)>,
}

/// Per-query accumulator: best `kind * 8 + field + 1` per rank (0 = none).
struct Acc {
    best: Vec<u8>,
    touched: Vec<u32>,
    work: usize,
    /// Posting lists already expanded (bitset by list id).
    seen: Vec<u64>,
}

impl Acc {
    fn new(n: usize, lists: usize) -> Self {
        Acc {
            best: vec![0; n],
            touched: Vec::new(),
            work: 0,
            seen: vec![0; lists.div_ceil(64)],
        }
    }

    /// Mark the list of a multi-document tag as expanded; true if it was
    /// already (single-document tags are never marked).
    #[inline]
    fn mark_seen(&mut self, tag: u32) -> bool {
        if tag & TAG_MULTI == 0 {
            return false;
        }
        let id = (tag & TAG_PAYLOAD) as usize;
        match self.seen.get_mut(id / 64) {
            Some(w) => {
                let bit = 1u64 << (id % 64);
                let was = *w & bit != 0;
                *w |= bit;
                was
            }
            None => false,
        }
    }

    #[inline]
    fn add(&mut self, rank: u32, kind: u8, field: u8) {
        let v = kind * 8 + field + 1;
        if let Some(slot) = self.best.get_mut(rank as usize) {
            if *slot == 0 {
                *slot = v;
                self.touched.push(rank);
            } else if v < *slot {
                *slot = v;
            }
        }
    }

    /// Best kind recorded for `rank`, if any.
    #[inline]
    fn kind(&self, rank: usize) -> Option<u8> {
        match self.best.get(rank) {
            Some(&v) if v != 0 => Some((v - 1) / 8),
            _ => None,
        }
    }
}

/// Byte offset where a code's ASCII anchor starts: after a leading run of
/// non-ASCII characters (`国药准字H20003263` → the offset of `H`); 0 if the
/// code does not have that shape.
fn code_anchor(key: &str) -> usize {
    match key.char_indices().find(|&(_, c)| c.is_ascii()) {
        Some((i, _)) => i,
        None => 0,
    }
}

/// Keys derived from a Chinese name: the name itself and its pinyin keys.
fn zh_keys(name_zh: &str) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    let zh = normalize_query(name_zh);
    if zh.is_empty() {
        return out;
    }
    out.push((zh, F_NAME_ZH));
    let nk = name_keys(name_zh);
    out.extend(nk.initials.into_iter().map(|k| (k, F_INITIALS)));
    out.extend(nk.full.into_iter().map(|k| (k, F_PINYIN)));
    out
}

fn kind_of(code: u8) -> MatchKind {
    match code {
        K_EXACT => MatchKind::CodeExact,
        K_PREFIX => MatchKind::Prefix,
        _ => MatchKind::Substring,
    }
}

fn field_of(code: u8) -> MatchField {
    match code {
        F_CODE => MatchField::Code,
        F_NAME_ZH => MatchField::NameZh,
        F_NAME_EN => MatchField::NameEn,
        F_INITIALS => MatchField::Initials,
        _ => MatchField::Pinyin,
    }
}

/// Packed sort key of a hit: kind, then rank, then field.
#[inline]
fn pack(kind: u8, rank: u32, field: u8) -> u64 {
    (u64::from(kind) << 40) | (u64::from(rank) << 3) | u64::from(field)
}

/// Rank of a packed sort key.
#[inline]
fn rank_of(packed: u64) -> u32 {
    ((packed >> 3) & u64::from(u32::MAX)) as u32
}

/// Substring test on bytes (needle non-empty). Matches of a valid UTF-8
/// needle in a valid UTF-8 haystack always start on a character boundary.
#[inline]
fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        if hay[i] == first && &hay[i + 1..i + needle.len()] == rest {
            return true;
        }
        i += 1;
    }
    false
}

/// A fast, non-cryptographic hasher (the Fx hash) for build-time interning;
/// the hashed strings are formulary data, not attacker-chosen.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Plain index loops: this also runs in unoptimised test builds.
        let n = bytes.len();
        let mut i = 0;
        while i + 8 <= n {
            let mut w = 0u64;
            let mut j = 0;
            while j < 8 {
                w = (w << 8) | u64::from(bytes[i + j]);
                j += 1;
            }
            self.add(w);
            i += 8;
        }
        let mut w = (n as u64) << 59;
        while i < n {
            w = (w << 8) ^ u64::from(bytes[i]);
            i += 1;
        }
        self.add(w);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Sort entry: the 8 bytes of the suffix at `depth` (see [`chunk`]), the
/// suffix position, and the tag to store with it.
type Ent = (u64, u32, u32);

/// The 8 bytes of `text` from `pos`, as a big-endian integer (so integer
/// order is byte order), cut after the first `MARK`: bytes past the end of
/// the key are zero, so equal keys give equal chunks.
#[inline]
fn chunk(text: &[u8], pos: usize) -> u64 {
    let mut w = 0u64;
    if let Some(b) = text.get(pos..pos + 8) {
        let mut i = 0;
        while i < 8 {
            let x = b[i];
            w |= u64::from(x) << (56 - 8 * i);
            if x == MARK {
                break;
            }
            i += 1;
        }
    } else {
        let mut i = 0;
        while i < 8 {
            let x = if pos + i < text.len() {
                text[pos + i]
            } else {
                MARK
            };
            w |= u64::from(x) << (56 - 8 * i);
            if x == MARK {
                break;
            }
            i += 1;
        }
    }
    w
}

/// Whether a chunk contains the end of its key.
#[inline]
fn chunk_ends(c: u64) -> bool {
    // Some byte is 0xFF <=> some byte of !c is zero (exact "has zero byte").
    let y = !c;
    y.wrapping_sub(0x0101_0101_0101_0101) & !y & 0x8080_8080_8080_8080 != 0
}

/// Stable sort of `a` by `.0`, using `tmp` (at least as long) as scratch:
/// insertion sort for short slices, else an LSD radix sort with 8- or
/// 16-bit digits, all counted in one pass, skipping digits on which all
/// entries agree. (Plain index loops: this also runs in unoptimised test
/// builds.)
fn radix_sort(a: &mut [Ent], tmp: &mut [Ent]) {
    let n = a.len();
    if n <= 64 || tmp.len() < n {
        insertion_sort(a);
        return;
    }
    let bits: u32 = if n > 1 << 16 { 16 } else { 8 };
    let tmp = &mut tmp[..n];
    let digits = (64 / bits) as usize;
    let size = 1usize << bits;
    let mask = (size - 1) as u64;
    let mut count_v = vec![0u32; size * digits];
    let count = &mut count_v[..];
    let mut i = 0;
    while i < n {
        let k = a[i].0;
        let mut d = 0;
        while d < digits {
            count[d * size + ((k >> (d as u32 * bits)) & mask) as usize] += 1;
            d += 1;
        }
        i += 1;
    }
    let mut in_tmp = false;
    let mut d = 0;
    while d < digits {
        let shift = d as u32 * bits;
        let c = &mut count[d * size..(d + 1) * size];
        d += 1;
        if c[((a[0].0 >> shift) & mask) as usize] as usize == n {
            continue; // every entry has the same digit here
        }
        let mut sum = 0u32;
        let mut j = 0;
        while j < size {
            let v = c[j];
            c[j] = sum;
            sum += v;
            j += 1;
        }
        let (src, dst): (&[Ent], &mut [Ent]) = if in_tmp {
            (&*tmp, &mut *a)
        } else {
            (&*a, &mut *tmp)
        };
        let mut i = 0;
        while i < n {
            let e = src[i];
            let k = ((e.0 >> shift) & mask) as usize;
            let p = c[k];
            dst[p as usize] = e;
            c[k] = p + 1;
            i += 1;
        }
        in_tmp = !in_tmp;
    }
    if in_tmp {
        a.copy_from_slice(tmp);
    }
}

/// Insertion sort, for the few keys of one document.
fn insertion_sort_u32(a: &mut [u32]) {
    for i in 1..a.len() {
        let e = a[i];
        let mut j = i;
        while j > 0 && a[j - 1] > e {
            a[j] = a[j - 1];
            j -= 1;
        }
        a[j] = e;
    }
}

/// Stable insertion sort by `.0`, for short runs.
fn insertion_sort(a: &mut [Ent]) {
    for i in 1..a.len() {
        let e = a[i];
        let mut j = i;
        while j > 0 && a[j - 1].0 > e.0 {
            a[j] = a[j - 1];
            j -= 1;
        }
        a[j] = e;
    }
}

/// Sort entries (in ascending position order, `.0` = chunk at depth 0) by
/// suffix, equal suffixes by position: radix sort by 8-byte chunks, then
/// refine every run of equal chunks that does not yet contain the key's end
/// by the next chunk, until no such run remains.
fn sort_suffixes(text: &[u8], ent: &mut [Ent]) {
    let mut tmp: Vec<Ent> = vec![(0, 0, 0); ent.len()];
    radix_sort(ent, &mut tmp);
    let mut stack: Vec<(usize, usize, usize)> = vec![(0, ent.len(), 0)];
    while let Some((lo, hi, depth)) = stack.pop() {
        let mut i = lo;
        while i < hi {
            let c = ent[i].0;
            let mut j = i + 1;
            while j < hi && ent[j].0 == c {
                j += 1;
            }
            if j - i > 1 && !chunk_ends(c) {
                let d = depth + 8;
                for e in &mut ent[i..j] {
                    e.0 = chunk(text, e.1 as usize + d);
                }
                radix_sort(&mut ent[i..j], &mut tmp[..j - i]);
                stack.push((i, j, d));
            }
            i = j;
        }
    }
}

/// Positions and tags of sorted entries.
fn split_entries(ent: Vec<Ent>) -> (Vec<u32>, Vec<u32>) {
    let mut pos = vec![0u32; ent.len()];
    let mut tag = vec![0u32; ent.len()];
    let (e, p, t) = (&ent[..], &mut pos[..], &mut tag[..]);
    let mut i = 0;
    while i < e.len() {
        p[i] = e[i].1;
        t[i] = e[i].2;
        i += 1;
    }
    (pos, tag)
}

/// Interned keys: their bytes end to end in `text` (each followed by
/// `MARK`), with an open-addressing table from key bytes to key id.
struct KeyStore {
    text: Vec<u8>,
    keys: Vec<KeyMeta>,
    has_code: Vec<bool>,
    counts: Vec<u32>,
    /// Key ids, `u32::MAX` for empty; power-of-two length.
    table: Vec<u32>,
}

impl KeyStore {
    const EMPTY: u32 = u32::MAX;

    fn hash(s: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        h.write(s);
        h.finish()
    }

    fn bytes(&self, id: u32) -> &[u8] {
        let m = self.keys[id as usize];
        &self.text[m.start as usize..key_end(&self.keys, self.text.len(), id as usize)]
    }

    fn slot(table_len: usize, h: u64) -> usize {
        // top bits of the hash: the last step of the Fx hash is a multiply
        (h >> (64 - table_len.trailing_zeros())) as usize
    }

    /// Size the table for about `keys` keys.
    fn reserve(&mut self, keys: usize) {
        if keys * 2 > self.table.len() {
            self.rehash(keys.saturating_mul(2).next_power_of_two());
        }
    }

    fn grow(&mut self) {
        self.rehash((self.table.len() * 2).max(1024));
    }

    fn rehash(&mut self, size: usize) {
        let size = size.max(1024);
        let mut table = vec![Self::EMPTY; size];
        for id in 0..self.keys.len() as u32 {
            let mut i = Self::slot(size, Self::hash(self.bytes(id)));
            while table[i] != Self::EMPTY {
                i = (i + 1) & (size - 1);
            }
            table[i] = id;
        }
        self.table = table;
    }

    /// Id of key `s`, interning it if new; `None` past limits that real data
    /// never reaches (the key is then not indexed).
    fn intern(&mut self, s: &[u8]) -> Option<u32> {
        if (self.keys.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let size = self.table.len();
        let mut i = Self::slot(size, Self::hash(s));
        loop {
            let id = self.table[i];
            if id == Self::EMPTY {
                break;
            }
            if self.bytes(id) == s {
                return Some(id);
            }
            i = (i + 1) & (size - 1);
        }
        if self.keys.len() >= MAX_KEYS || self.text.len() + s.len() + 1 >= u32::MAX as usize {
            return None;
        }
        let id = self.keys.len() as u32;
        self.keys.push(KeyMeta {
            start: self.text.len() as u32,
            alt: 0,
        });
        self.text.extend_from_slice(s);
        self.text.push(MARK);
        self.has_code.push(false);
        self.counts.push(0);
        self.table[i] = id;
        Some(id)
    }
}

/// Ranking key of a group: `(!active) << 31 | (!essential) << 30 | name
/// position` (the name's position among the index's distinct Chinese names in
/// name order); ranks are sorted by it, then by document number.
#[inline]
fn group_key(active: bool, essential: bool, zh_pos: u32) -> u32 {
    (u32::from(!active) << 31) | (u32::from(!essential) << 30) | zh_pos
}

/// Name order: shorter in characters first, then by the string.
fn zh_cmp(a: &str, b: &str) -> Ordering {
    a.chars()
        .count()
        .cmp(&b.chars().count())
        .then_with(|| a.cmp(b))
}

impl SearchIndex {
    /// Build the index, consuming the documents (their strings are freed
    /// before the suffix arrays are built). Cost is roughly linear in the
    /// total length of the distinct keys; see the module docs for figures.
    /// Documents beyond 2^27 are counted in [`len`](Self::len) but not
    /// indexed.
    pub fn build(docs: Vec<SearchDoc>) -> Self {
        let len = docs.len();
        let n = len.min(MAX_DOCS);

        // Distinct Chinese names, ordered by (length in characters, name).
        let mut zh_ids: FxMap<&str, u32> = FxMap::default();
        let mut zh_names: Vec<&str> = Vec::new();
        let mut doc_zh: Vec<u32> = Vec::with_capacity(n);
        for d in &docs[..n] {
            let next = zh_names.len() as u32;
            let id = *zh_ids.entry(d.name_zh.as_str()).or_insert(next);
            if id == next {
                zh_names.push(d.name_zh.as_str());
            }
            doc_zh.push(id);
        }
        drop(zh_ids);
        let zh_chars: Vec<usize> = zh_names.iter().map(|z| z.chars().count()).collect();
        let mut zh_order: Vec<u32> = (0..zh_names.len() as u32).collect();
        zh_order.sort_unstable_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            zh_chars[a]
                .cmp(&zh_chars[b])
                .then_with(|| zh_names[a].cmp(zh_names[b]))
        });
        drop(zh_chars);
        let mut zh_rank = vec![0u32; zh_names.len()];
        let mut zh_text = String::with_capacity(zh_names.iter().map(|z| z.len()).sum());
        let mut zh_off: Vec<usize> = Vec::with_capacity(zh_names.len() + 1);
        zh_off.push(0);
        for (r, &z) in zh_order.iter().enumerate() {
            zh_rank[z as usize] = r as u32;
            zh_text.push_str(zh_names[z as usize]);
            zh_off.push(zh_text.len());
        }
        drop(zh_order);

        // Ranking order: a stable radix sort on (inactive, not essential,
        // name order), starting from document order.
        let mut ent: Vec<Ent> = Vec::with_capacity(n);
        for (i, d) in docs[..n].iter().enumerate() {
            let key = group_key(d.active, d.essential, zh_rank[doc_zh[i] as usize]);
            ent.push((u64::from(key), i as u32, 0));
        }
        let mut tmp = vec![(0, 0, 0); n];
        radix_sort(&mut ent, &mut tmp);
        drop(tmp);
        drop(zh_rank);
        let rank_to_doc: Vec<u32> = ent.iter().map(|e| e.1).collect();
        let mut groups: Vec<(u32, u32)> = Vec::new();
        for (rank, e) in ent.iter().enumerate() {
            let key = e.0 as u32;
            if groups.last().is_none_or(|g| g.1 != key) {
                groups.push((rank as u32, key));
            }
        }
        groups.shrink_to_fit();
        drop(ent);

        // Intern keys, document by document in ranking order.
        let mut store = KeyStore {
            text: Vec::new(),
            keys: Vec::new(),
            has_code: Vec::new(),
            counts: Vec::new(),
            table: Vec::new(),
        };
        // Room for the likely number of keys, so the table rarely grows.
        let codes: usize = docs[..n].iter().map(|d| d.codes.len()).sum();
        store.reserve(codes + n / 4 + zh_names.len() * 4);
        let mut zh_cache: Vec<Option<Vec<u32>>> = vec![None; zh_names.len()];
        let mut en_cache: FxMap<&str, Option<u32>> = FxMap::default();
        // Every key of every document, for the postings: `key << 3 |
        // field`, one per distinct key of the document (best field).
        let mut doc_key_off: Vec<u32> = Vec::with_capacity(n + 1);
        let mut doc_keys: Vec<u32> = Vec::new();
        doc_key_off.push(0);
        // The documents' keys as kept for the walk (see `SearchIndex::doc_keys`).
        let mut own_off: Vec<u32> = Vec::with_capacity(n + 1);
        let mut own_keys: Vec<u32> = Vec::with_capacity(n * 4);
        own_off.push(0);
        // Entries `key << 3 | field` of the current document.
        let mut pairs: Vec<u32> = Vec::new();
        let mut own: Vec<u32> = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        for &d in &rank_to_doc {
            let doc = &docs[d as usize];
            pairs.clear();
            let z = doc_zh[d as usize] as usize;
            if let Some(Some(cached)) = zh_cache.get(z) {
                pairs.extend_from_slice(cached);
            } else {
                let mut ids = Vec::new();
                for (k, f) in zh_keys(&doc.name_zh) {
                    if let Some(id) = store.intern(k.as_bytes()) {
                        ids.push((id << 3) | u32::from(f));
                    }
                }
                pairs.extend_from_slice(&ids);
                if let Some(slot) = zh_cache.get_mut(z) {
                    *slot = Some(ids);
                }
            }
            if !pairs.is_empty() {
                own_keys.push(((z as u32) << 3) | u32::from(F_ZH_KEYS));
            }
            let zh_len = pairs.len();
            let en = match en_cache.get(doc.name_en.as_str()) {
                Some(&id) => id,
                None => {
                    normalize_into(&doc.name_en, &mut buf);
                    let id = if buf.is_empty() {
                        None
                    } else {
                        store.intern(&buf)
                    };
                    en_cache.insert(doc.name_en.as_str(), id);
                    id
                }
            };
            if let Some(id) = en {
                pairs.push((id << 3) | u32::from(F_NAME_EN));
            }
            for code in &doc.codes {
                normalize_into(code, &mut buf);
                if !buf.is_empty()
                    && let Some(id) = store.intern(&buf)
                {
                    store.has_code[id as usize] = true;
                    pairs.push((id << 3) | u32::from(F_CODE));
                }
            }
            // One entry per distinct key, with its best (smallest) field:
            // sorted, the best field of a key comes first.
            own.clear();
            own.extend_from_slice(&pairs[zh_len..]);
            insertion_sort_u32(&mut own);
            let mut last = u32::MAX;
            for &e in &own {
                if e >> 3 != last {
                    own_keys.push(e);
                    last = e >> 3;
                }
            }
            own_off.push(own_keys.len() as u32);
            insertion_sort_u32(&mut pairs);
            let mut last = u32::MAX;
            for &e in &pairs {
                let k = e >> 3;
                if k != last {
                    doc_keys.push(e);
                    store.counts[k as usize] += 1;
                    last = k;
                }
            }
            doc_key_off.push(doc_keys.len() as u32);
        }
        let mut zh_key_off: Vec<u32> = Vec::with_capacity(zh_cache.len() + 1);
        let mut zh_keys: Vec<u32> = Vec::new();
        zh_key_off.push(0);
        for ids in &zh_cache {
            zh_keys.extend_from_slice(ids.as_deref().unwrap_or_default());
            zh_key_off.push(zh_keys.len() as u32);
        }
        own_keys.shrink_to_fit();
        zh_keys.shrink_to_fit();
        let KeyStore {
            mut text,
            mut keys,
            has_code,
            counts,
            ..
        } = store;
        text.shrink_to_fit();
        keys.shrink_to_fit();
        drop(zh_cache);
        drop(en_cache);
        drop(doc_zh);
        drop(zh_names);
        // The documents' strings are no longer needed.
        drop(docs);

        // Postings per key (CSR), filled in ranking order so each list is sorted.
        let mut post_off: Vec<u32> = Vec::with_capacity(keys.len() + 1);
        let mut total = 0u32;
        post_off.push(0);
        for &c in &counts {
            total += c;
            post_off.push(total);
        }
        drop(counts);
        let mut cursor: Vec<u32> = post_off[..keys.len()].to_vec();
        let mut postings: Vec<u32> = vec![0; doc_keys.len()];
        for rank in 0..n {
            let (lo, hi) = (doc_key_off[rank] as usize, doc_key_off[rank + 1] as usize);
            for &e in &doc_keys[lo..hi] {
                let k = (e >> 3) as usize;
                postings[cursor[k] as usize] = ((rank as u32) << 3) | (e & 7);
                cursor[k] += 1;
            }
        }
        drop(cursor);
        drop(doc_keys);
        drop(doc_key_off);

        // Code anchors.
        for k in 0..keys.len() {
            if has_code[k] {
                let s = &text[keys[k].start as usize..key_end(&keys, text.len(), k)];
                if let Ok(s) = std::str::from_utf8(s) {
                    keys[k].alt = code_anchor(s) as u32;
                }
            }
        }
        drop(has_code);

        // Tags: the posting of a single-document key, or a list id.
        let mut key_tag: Vec<u32> = Vec::with_capacity(keys.len());
        let mut list_off: Vec<u32> = vec![0];
        let mut lists: Vec<u32> = Vec::new();
        {
            let mut list_ids: FxMap<&[u32], u32> = FxMap::default();
            for k in 0..keys.len() {
                let posts = &postings[post_off[k] as usize..post_off[k + 1] as usize];
                if posts.len() == 1 {
                    key_tag.push(posts[0]);
                    continue;
                }
                let next = (list_off.len() - 1) as u32;
                let id = *list_ids.entry(posts).or_insert(next);
                if id == next {
                    lists.extend_from_slice(posts);
                    list_off.push(lists.len() as u32);
                }
                key_tag.push(TAG_MULTI | id);
            }
        }
        drop(postings);
        drop(post_off);
        list_off.shrink_to_fit();
        lists.shrink_to_fit();
        let tag_of = |k: usize| -> u32 { key_tag[k] };

        // Suffix array and anchor array.
        let mut positions = 0;
        for &b in &text {
            if b & 0xC0 != 0x80 && b != MARK {
                positions += 1;
            }
        }
        let mut sa: Vec<Ent> = Vec::with_capacity(positions);
        let mut pa: Vec<Ent> = Vec::with_capacity(keys.len());
        let t = &text[..];
        for (k, meta) in keys.iter().enumerate() {
            let tag = tag_of(k);
            let (start, end) = (meta.start as usize, key_end(&keys, t.len(), k));
            let alt = meta.alt as usize;
            // Sliding big-endian window of the 8 bytes from `p`.
            let mut w = 0u64;
            for i in start..start + 8 {
                w = (w << 8) | if i < t.len() { u64::from(t[i]) } else { 0 };
            }
            let mut p = start;
            while p < end {
                if t[p] & 0xC0 != 0x80 {
                    // A character boundary: emit, cutting the window after MARK.
                    let r = end - p;
                    let c = if r >= 7 {
                        w
                    } else {
                        w & (!0u64 << (64 - (r + 1) * 8))
                    };
                    let anchor = p == start || (alt != 0 && p == start + alt);
                    sa.push((c, p as u32, if anchor { tag | TAG_ANCHOR } else { tag }));
                }
                w = (w << 8)
                    | if p + 8 < t.len() {
                        u64::from(t[p + 8])
                    } else {
                        0
                    };
                p += 1;
            }
            pa.push((chunk(t, start), meta.start, tag));
            if alt != 0 {
                pa.push((
                    chunk(t, start + alt),
                    (start + alt) as u32,
                    tag | TAG_ANCHOR,
                ));
            }
        }
        sort_suffixes(&text, &mut sa);
        sort_suffixes(&text, &mut pa);
        let (sa_pos, sa_tag) = split_entries(sa);
        let (pa_pos, pa_tag) = split_entries(pa);

        SearchIndex {
            len,
            rank_to_doc,
            zh_text,
            zh_off,
            groups,
            text,
            keys,
            list_off,
            lists,
            doc_key_off: own_off,
            doc_keys: own_keys,
            zh_key_off,
            zh_keys,
            sa_pos,
            sa_tag,
            pa_pos,
            pa_tag,
            budget_override: None,
        }
    }

    /// Number of documents given to [`build`](Self::build); documents are
    /// numbered `0..len()`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the index holds no documents.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes of everything the index holds.
    pub fn index_heap_bytes(&self) -> usize {
        self.heap_parts().iter().map(|p| p.1).sum()
    }

    /// Heap bytes per structure, for [`index_heap_bytes`](Self::index_heap_bytes)
    /// and the memory figures of the module docs.
    fn heap_parts(&self) -> [(&'static str, usize); 10] {
        [
            (
                "suffix array (positions + tags)",
                (self.sa_pos.capacity() + self.sa_tag.capacity()) * 4,
            ),
            (
                "anchor array (positions + tags)",
                (self.pa_pos.capacity() + self.pa_tag.capacity()) * 4,
            ),
            ("key text", self.text.capacity()),
            (
                "key table",
                self.keys.capacity() * std::mem::size_of::<KeyMeta>(),
            ),
            (
                "posting lists",
                (self.list_off.capacity() + self.lists.capacity()) * 4,
            ),
            (
                "per-document keys",
                (self.doc_key_off.capacity() + self.doc_keys.capacity()) * 4,
            ),
            (
                "Chinese name keys",
                (self.zh_key_off.capacity() + self.zh_keys.capacity()) * 4,
            ),
            ("rank to document", self.rank_to_doc.capacity() * 4),
            (
                "Chinese names",
                self.zh_text.capacity() + self.zh_off.capacity() * std::mem::size_of::<usize>(),
            ),
            ("ranking groups", self.groups.capacity() * 8),
        ]
    }

    /// Up to `limit` best hits among the documents for which `accept(doc)`
    /// is true (`doc` being the document's number), best first (see the
    /// module docs for the order). An empty or whitespace-only query gives
    /// no hits. `accept` is only called on matching documents, usually a few
    /// more than `limit` of them (all of them when it rejects most, and
    /// possibly twice for one document), so it should be cheap and
    /// deterministic.
    pub fn search(&self, q: &str, limit: usize, accept: impl Fn(usize) -> bool) -> Vec<Hit> {
        let q = normalize_query(q);
        self.search_packed(q.as_bytes(), limit, &accept)
            .into_iter()
            .map(|p| self.hit(p))
            .collect()
    }

    /// Numbers of every document matching `q` and accepted by `accept`, in
    /// ascending order — for a paged list filtered by `q`. An empty or
    /// whitespace-only query gives no documents.
    pub fn matching(&self, q: &str, accept: impl Fn(usize) -> bool) -> Vec<usize> {
        let q = normalize_query(q);
        let mut out = Vec::new();
        self.matching_into(q.as_bytes(), 0, &accept, &mut out);
        out
    }

    // ----- shared with `Layered` ---------------------------------------------

    /// [`search`](Self::search) for a normalised query, as packed sort keys
    /// (`pack(kind, rank, field)`), best first.
    fn search_packed<F: Fn(usize) -> bool>(&self, qb: &[u8], limit: usize, accept: &F) -> Vec<u64> {
        let n = self.rank_to_doc.len();
        let limit = limit.min(n);
        if qb.is_empty() || limit == 0 {
            return Vec::new();
        }
        let (sa_lo, sa_hi) = self.range(&self.sa_pos, qb);
        if sa_lo == sa_hi {
            return Vec::new();
        }
        let (pa_lo, pa_hi) = self.range(&self.pa_pos, qb);
        // Within the anchor range, exact matches (MARK right after the query)
        // come last, MARK being the greatest byte.
        let ex_lo = pa_lo
            + self.pa_pos[pa_lo..pa_hi]
                .partition_point(|&p| self.byte(p as usize + qb.len()) != MARK);

        let (budget, scan_budget) = self.budget_override.unwrap_or_else(|| budgets(limit, n));
        let mut acc = Acc::new(n, self.list_count());
        if pa_hi - pa_lo <= budget && self.expand_pa(pa_lo, ex_lo, pa_hi, &mut acc, budget) {
            // Exact and prefix matches are complete.
            if sa_hi - sa_lo <= budget.saturating_sub(acc.work)
                && self.expand_sa(sa_lo, sa_hi, true, &mut acc, budget)
            {
                return self.top_from_acc(&acc, K_SUBSTRING, limit, accept);
            }
            if let Some(hits) = self.walk(&acc, K_PREFIX, qb, limit, scan_budget, accept) {
                return hits;
            }
        } else {
            // Too many prefix matches to rank them all: only exact ones are
            // collected; the walk finds the best prefix ones.
            let mut acc = Acc::new(n, self.list_count());
            self.expand_pa(ex_lo, ex_lo, pa_hi, &mut acc, usize::MAX);
            if let Some(hits) = self.walk(&acc, K_EXACT, qb, limit, scan_budget, accept) {
                return hits;
            }
        }
        // The walk ran long: rank every match.
        let mut acc = Acc::new(n, self.list_count());
        self.expand_pa(pa_lo, ex_lo, pa_hi, &mut acc, usize::MAX);
        self.expand_sa(sa_lo, sa_hi, true, &mut acc, usize::MAX);
        self.top_from_acc(&acc, K_SUBSTRING, limit, accept)
    }

    /// Append `offset + doc` for every document matching the normalised
    /// query `qb` and accepted by `accept(doc)`, in ascending order.
    fn matching_into<F: Fn(usize) -> bool>(
        &self,
        qb: &[u8],
        offset: usize,
        accept: &F,
        out: &mut Vec<usize>,
    ) {
        if qb.is_empty() {
            return;
        }
        let (lo, hi) = self.range(&self.sa_pos, qb);
        if lo == hi {
            return;
        }
        let mut bits = vec![0u64; self.rank_to_doc.len().div_ceil(64)];
        let mut seen = Acc::new(0, self.list_count());
        let mut single = 0u32;
        for &tag in &self.sa_tag[lo..hi] {
            if seen.mark_seen(tag) {
                continue;
            }
            for &p in self.posts(tag, &mut single) {
                let d = self.rank_to_doc[(p >> 3) as usize] as usize;
                bits[d / 64] |= 1 << (d % 64);
            }
        }
        for (w, &word) in bits.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let d = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                if accept(d) {
                    out.push(offset + d);
                }
            }
        }
    }

    /// Ranking group key (see [`group_key`]) of the document at `rank`.
    fn group_at(&self, rank: u32) -> u32 {
        let g = self.groups.partition_point(|g| g.0 <= rank);
        self.groups[g.saturating_sub(1)].1
    }

    /// Number of distinct Chinese names.
    fn zh_count(&self) -> usize {
        self.zh_off.len().saturating_sub(1)
    }

    /// The distinct Chinese name at position `i` in name order.
    fn zh_name(&self, i: usize) -> &str {
        &self.zh_text[self.zh_off[i]..self.zh_off[i + 1]]
    }

    // ----- internals -------------------------------------------------------

    fn list_count(&self) -> usize {
        self.list_off.len().saturating_sub(1)
    }

    #[inline]
    fn byte(&self, i: usize) -> u8 {
        self.text.get(i).copied().unwrap_or(MARK)
    }

    /// Order of the suffix at `pos` relative to the query, looking only at
    /// the query's length: `Equal` means the suffix starts with the query.
    #[inline]
    fn cmp_query(&self, pos: u32, q: &[u8]) -> Ordering {
        let pos = pos as usize;
        for (j, &qb) in q.iter().enumerate() {
            let b = self.byte(pos + j);
            if b != qb {
                return b.cmp(&qb); // MARK compares greater than any query byte
            }
        }
        Ordering::Equal
    }

    /// Range of `arr` whose suffixes start with `q`.
    fn range(&self, arr: &[u32], q: &[u8]) -> (usize, usize) {
        let lo = arr.partition_point(|&p| self.cmp_query(p, q) == Ordering::Less);
        let hi = lo + arr[lo..].partition_point(|&p| self.cmp_query(p, q) == Ordering::Equal);
        (lo, hi)
    }

    /// Postings named by a tag.
    #[inline]
    fn posts<'a>(&'a self, tag: u32, single: &'a mut u32) -> &'a [u32] {
        if tag & TAG_MULTI != 0 {
            let k = (tag & TAG_PAYLOAD) as usize;
            match (self.list_off.get(k), self.list_off.get(k + 1)) {
                (Some(&lo), Some(&hi)) => &self.lists[lo as usize..hi as usize],
                _ => &[],
            }
        } else {
            *single = tag & TAG_PAYLOAD;
            std::slice::from_ref(single)
        }
    }

    /// Expand anchor-array entries `lo..hi` (those from `ex_lo` on are exact)
    /// into `acc`. False when the work budget ran out.
    fn expand_pa(&self, lo: usize, ex_lo: usize, hi: usize, acc: &mut Acc, budget: usize) -> bool {
        let mut single = 0u32;
        for i in lo..hi {
            let tag = self.pa_tag[i];
            let is_alt = tag & TAG_ANCHOR != 0;
            let exact = i >= ex_lo;
            // Marked so that the substring pass can skip it; not skipped
            // here, as the kind depends on the entry.
            acc.mark_seen(tag);
            let posts = self.posts(tag, &mut single);
            for &p in posts {
                let field = (p & 7) as u8;
                let kind = if field == F_CODE {
                    if exact { K_EXACT } else { K_PREFIX }
                } else if is_alt {
                    // Code anchors only count for the code field.
                    K_SUBSTRING
                } else {
                    K_PREFIX
                };
                acc.add(p >> 3, kind, field);
            }
            acc.work += posts.len();
            if acc.work > budget {
                return false;
            }
        }
        true
    }

    /// Expand suffix-array entries `lo..hi` as substring matches, skipping
    /// anchors when `skip_anchors` (the anchor array covered them). False
    /// when the work budget ran out.
    fn expand_sa(
        &self,
        lo: usize,
        hi: usize,
        skip_anchors: bool,
        acc: &mut Acc,
        budget: usize,
    ) -> bool {
        let mut single = 0u32;
        for &tag in &self.sa_tag[lo..hi] {
            if skip_anchors && tag & TAG_ANCHOR != 0 {
                continue;
            }
            if acc.mark_seen(tag) {
                // Already expanded, with a kind at least as good.
                acc.work += 1;
                continue;
            }
            let posts = self.posts(tag, &mut single);
            for &p in posts {
                acc.add(p >> 3, K_SUBSTRING, (p & 7) as u8);
            }
            acc.work += posts.len();
            if acc.work > budget {
                return false;
            }
        }
        true
    }

    /// The best `limit` accepted hits among the documents in `acc` whose
    /// kind is at most `max_kind`.
    fn top_from_acc(
        &self,
        acc: &Acc,
        max_kind: u8,
        limit: usize,
        accept: &impl Fn(usize) -> bool,
    ) -> Vec<u64> {
        let mut cands: Vec<u64> = Vec::with_capacity(acc.touched.len());
        for &r in &acc.touched {
            let v = acc.best[r as usize] - 1;
            let (kind, field) = (v / 8, v % 8);
            if kind <= max_kind {
                cands.push(pack(kind, r, field));
            }
        }
        let mut out: Vec<u64> = Vec::with_capacity(limit.min(cands.len()));
        let mut start = 0;
        while out.len() < limit && start < cands.len() {
            // Rank the next chunk of best candidates; grow it only if `accept`
            // rejected too many.
            let want = (limit - out.len()).saturating_mul(2).max(16);
            let rest = &mut cands[start..];
            let end = if rest.len() > want {
                rest.select_nth_unstable(want - 1);
                want
            } else {
                rest.len()
            };
            rest[..end].sort_unstable();
            for &c in &rest[..end] {
                if accept(self.rank_to_doc[rank_of(c) as usize] as usize) {
                    out.push(c);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            start += end;
        }
        out
    }

    #[inline]
    fn hit(&self, packed: u64) -> Hit {
        Hit {
            doc: self.rank_to_doc[rank_of(packed) as usize] as usize,
            kind: kind_of((packed >> 40) as u8),
            field: field_of((packed & 7) as u8),
        }
    }

    /// Best (kind, field) of the document at `rank`, from its own keys.
    fn verify(&self, rank: usize, q: &[u8]) -> Option<(u8, u8)> {
        let (lo, hi) = (
            self.doc_key_off[rank] as usize,
            self.doc_key_off[rank + 1] as usize,
        );
        let mut best: Option<(u8, u8)> = None;
        for &e in &self.doc_keys[lo..hi] {
            if e & 7 == u32::from(F_ZH_KEYS) {
                let z = (e >> 3) as usize;
                let (zl, zh) = (self.zh_key_off[z] as usize, self.zh_key_off[z + 1] as usize);
                for &e in &self.zh_keys[zl..zh] {
                    self.verify_key(e, q, &mut best);
                }
            } else {
                self.verify_key(e, q, &mut best);
            }
        }
        best
    }

    /// Fold the match of key entry `e` (`key << 3 | field`) into `best`.
    #[inline]
    fn verify_key(&self, e: u32, q: &[u8], best: &mut Option<(u8, u8)>) {
        let k = (e >> 3) as usize;
        let meta = self.keys[k];
        let field = (e & 7) as u8;
        let key = &self.text[meta.start as usize..key_end(&self.keys, self.text.len(), k)];
        let tail = (field == F_CODE && meta.alt != 0).then(|| &key[meta.alt as usize..]);
        let kind = if field == F_CODE && (key == q || tail == Some(q)) {
            K_EXACT
        } else if key.starts_with(q) || tail.is_some_and(|t| t.starts_with(q)) {
            K_PREFIX
        } else if contains_bytes(key, q) {
            K_SUBSTRING
        } else {
            return;
        };
        if best.is_none_or(|b| (kind, field) < b) {
            *best = Some((kind, field));
        }
    }

    /// Walk documents in ranking order when expanding all matches would be
    /// too costly. `acc` holds every match of kind `known` or better; the
    /// walk finds the best accepted ones of the worse kinds. `None` when the
    /// scan budget ran out before the answer was certain.
    fn walk(
        &self,
        acc: &Acc,
        known: u8,
        q: &[u8],
        limit: usize,
        scan_budget: usize,
        accept: &impl Fn(usize) -> bool,
    ) -> Option<Vec<u64>> {
        let mut out = self.top_from_acc(acc, known, limit, accept);
        if out.len() >= limit {
            return Some(out);
        }
        let need = limit - out.len();
        let mut prefix: Vec<u64> = Vec::new();
        let mut substring: Vec<u64> = Vec::new();
        let mut checked = 0usize;
        for rank in 0..self.rank_to_doc.len() {
            if acc.kind(rank).is_some_and(|k| k <= known) {
                continue;
            }
            if checked >= scan_budget {
                return None;
            }
            checked += 1;
            let Some((kind, field)) = self.verify(rank, q) else {
                continue;
            };
            if kind <= known {
                continue; // already in `out` (cannot happen: `acc` is complete)
            }
            let doc = self.rank_to_doc[rank] as usize;
            let hit = pack(kind, rank as u32, field);
            if kind == K_PREFIX {
                if accept(doc) {
                    prefix.push(hit);
                    if prefix.len() == need {
                        break; // later prefix hits rank lower; substrings lower still
                    }
                }
            } else if substring.len() < need && accept(doc) {
                substring.push(hit);
                if known == K_PREFIX && substring.len() == need {
                    break; // no prefix hits remain unseen
                }
            }
        }
        out.extend(prefix);
        out.extend(substring);
        out.truncate(limit);
        Some(out)
    }

    #[cfg(test)]
    fn with_budgets(mut self, expand: usize, scan: usize) -> Self {
        self.budget_override = Some((expand, scan));
        self
    }
}

/// Name part of a [`group_key`].
const GROUP_NAME: u32 = (1 << 30) - 1;

/// Order of a base hit relative to an extra hit in a [`Layered`] index:
/// kind, then the ranking group's flags (inactive, not essential), the
/// name's place among the base's names (see `Layered::extra_names`), and the
/// document number. Each index gives its hits in its own order, which agrees
/// with the order of one index of base ++ extra on its documents, so a merge
/// of the two lists is that order.
type MergeKey = (u8, u32, u32, usize);

/// A shared base index plus a small index of documents appended after it,
/// answering exactly as one [`SearchIndex`] built from base ++ extra would:
/// same hits, same order, same kind and field, documents numbered
/// `0..base.len()` for the base's and then `extra` in order.
///
/// Meant for a formulary that grows by a handful of documents between full
/// rebuilds: [`new`](Self::new) costs about as much as building an index of
/// the extra documents alone, and a query costs a query of each index plus a
/// merge of at most `2 * limit` hits. To add more documents later, call
/// [`new`](Self::new) again with the same base and all documents added since
/// it was built (layers do not stack); rebuild the base once the extra part
/// grows large (its build cost and memory grow with it, and its documents
/// share none of the base's interned keys). Only additions are expressible:
/// a change to an existing document needs a rebuild.
#[derive(Debug, Clone)]
pub struct Layered {
    base: Arc<SearchIndex>,
    extra: SearchIndex,
    /// Documents in base ++ extra.
    len: usize,
    /// For each of `extra`'s distinct Chinese names, in its name order, the
    /// name's place among the base's names: `2 * i + 1` when it is the
    /// base's name `i` (whose base documents are numbered `2 * i + 1` for
    /// the merge), `2 * i` when it falls between the base's names `i - 1`
    /// and `i`. (New names falling at the same place share a number: the
    /// merge only ever compares a base hit with an extra hit.)
    extra_names: Vec<u32>,
}

impl Layered {
    /// Documents `0..base.len()` are the base's, then `extra` in order.
    /// Costs about as much as building an index of `extra` alone, plus a
    /// binary search among the base's distinct Chinese names for each of
    /// the extra's.
    pub fn new(base: Arc<SearchIndex>, extra: Vec<SearchDoc>) -> Layered {
        let len = base.len() + extra.len();
        let mut extra = extra;
        // As in one index of base ++ extra, documents past `MAX_DOCS` are
        // counted but not indexed.
        extra.truncate(MAX_DOCS.saturating_sub(base.len()));
        let extra = SearchIndex::build(extra);
        let nb = base.zh_count();
        let extra_names = (0..extra.zh_count())
            .map(|j| {
                let name = extra.zh_name(j);
                let (mut lo, mut hi) = (0, nb);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if zh_cmp(base.zh_name(mid), name) == Ordering::Less {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                // Fewer than 2^27 names: no overflow.
                if lo < nb && base.zh_name(lo) == name {
                    2 * lo as u32 + 1
                } else {
                    2 * lo as u32
                }
            })
            .collect();
        Layered {
            base,
            extra,
            len,
            extra_names,
        }
    }

    /// The base alone, with no extra documents (answers as the base does).
    pub fn from_base(base: Arc<SearchIndex>) -> Layered {
        Layered::new(base, Vec::new())
    }

    /// The shared base index.
    pub fn base(&self) -> &Arc<SearchIndex> {
        &self.base
    }

    /// Number of documents, base and extra; documents are numbered `0..len()`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when neither part holds a document.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes of the extra part (the base is shared; see its
    /// own [`SearchIndex::index_heap_bytes`]).
    pub fn index_heap_bytes(&self) -> usize {
        self.extra.index_heap_bytes() + self.extra_names.capacity() * 4
    }

    /// As [`SearchIndex::search`] on one index of base ++ extra; `accept`
    /// gets document numbers in base ++ extra.
    pub fn search(&self, q: &str, limit: usize, accept: impl Fn(usize) -> bool) -> Vec<Hit> {
        let q = normalize_query(q);
        let qb = q.as_bytes();
        let base = self.base.search_packed(qb, limit, &accept);
        let nb = self.base.len();
        let extra = if self.extra.is_empty() {
            Vec::new()
        } else {
            self.extra.search_packed(qb, limit, &|d| accept(nb + d))
        };
        if extra.is_empty() {
            return base.into_iter().map(|p| self.base.hit(p)).collect();
        }
        let base: Vec<(MergeKey, Hit)> = base
            .into_iter()
            .map(|p| {
                let hit = self.base.hit(p);
                let g = self.base.group_at(rank_of(p));
                let key = ((p >> 40) as u8, g >> 30, 2 * (g & GROUP_NAME) + 1, hit.doc);
                (key, hit)
            })
            .collect();
        let extra: Vec<(MergeKey, Hit)> = extra
            .into_iter()
            .map(|p| {
                let mut hit = self.extra.hit(p);
                hit.doc += nb;
                let g = self.extra.group_at(rank_of(p));
                let name = self.extra_names[(g & GROUP_NAME) as usize];
                (((p >> 40) as u8, g >> 30, name, hit.doc), hit)
            })
            .collect();
        let mut out = Vec::with_capacity(limit.min(base.len() + extra.len()));
        let (mut i, mut j) = (0, 0);
        while out.len() < limit {
            let from_base = match (base.get(i), extra.get(j)) {
                (Some(b), Some(e)) => b.0 < e.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if from_base {
                out.push(base[i].1);
                i += 1;
            } else {
                out.push(extra[j].1);
                j += 1;
            }
        }
        out
    }

    /// As [`SearchIndex::matching`] on one index of base ++ extra: numbers
    /// in base ++ extra, ascending.
    pub fn matching(&self, q: &str, accept: impl Fn(usize) -> bool) -> Vec<usize> {
        let q = normalize_query(q);
        let qb = q.as_bytes();
        let mut out = Vec::new();
        self.base.matching_into(qb, 0, &accept, &mut out);
        let nb = self.base.len();
        self.extra
            .matching_into(qb, nb, &|d| accept(nb + d), &mut out);
        out
    }

    #[cfg(test)]
    fn with_budgets(mut self, expand: usize, scan: usize) -> Self {
        self.extra.budget_override = Some((expand, scan));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::synthetic;
    use proptest::prelude::*;

    fn doc(zh: &str, en: &str, codes: &[&str]) -> SearchDoc {
        SearchDoc {
            name_zh: zh.to_string(),
            name_en: en.to_string(),
            codes: codes.iter().map(|c| c.to_string()).collect(),
            active: true,
            essential: false,
        }
    }

    fn corpus() -> SearchIndex {
        let docs = vec![
            doc(
                "阿莫西林胶囊",
                "Amoxicillin Capsules",
                &["国药准字H20003263", "XJ01CAA040A001010100000", "J01CA04"],
            ),
            doc(
                "地西泮片",
                "Diazepam Tablets",
                &["国药准字H31021210", "", "N05BA01"],
            ),
            doc("人参", "Ginseng", &["国药准字Z22020001"]),
            doc(
                "重组人胰岛素注射液",
                "Recombinant Human Insulin",
                &["国药准字S19991001"],
            ),
            doc(
                "硝苯地平缓释片",
                "Nifedipine Sustained-release Tablets",
                &["国药准字H10910052", "C08CA05"],
            ),
        ];
        SearchIndex::build(docs)
    }

    fn first(ix: &SearchIndex, q: &str) -> Option<Hit> {
        ix.search(q, 10, |_| true).first().copied()
    }

    fn hit(doc: usize, kind: MatchKind, field: MatchField) -> Option<Hit> {
        Some(Hit { doc, kind, field })
    }

    #[test]
    fn pinyin_initials_and_full() {
        let ix = corpus();
        assert_eq!(
            first(&ix, "amxl"),
            hit(0, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "mxl"),
            hit(0, MatchKind::Substring, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "AMXLJN"),
            hit(0, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "amoxilin"),
            hit(0, MatchKind::Prefix, MatchField::Pinyin)
        );
        assert_eq!(
            first(&ix, "moxilin"),
            hit(0, MatchKind::Substring, MatchField::Pinyin)
        );
        // also inside the English name, which is reported first
        assert_eq!(
            first(&ix, "moxi"),
            hit(0, MatchKind::Substring, MatchField::NameEn)
        );
        assert_eq!(
            first(&ix, "a m x l"),
            hit(0, MatchKind::Prefix, MatchField::Initials)
        );
        assert!(ix.matching("amxl", |_| true) == vec![0]);
    }

    #[test]
    fn chinese_and_english_names() {
        let ix = corpus();
        assert_eq!(
            first(&ix, "阿莫"),
            hit(0, MatchKind::Prefix, MatchField::NameZh)
        );
        assert_eq!(
            first(&ix, "莫西"),
            hit(0, MatchKind::Substring, MatchField::NameZh)
        );
        assert_eq!(
            first(&ix, "Amoxicillin"),
            hit(0, MatchKind::Prefix, MatchField::NameEn)
        );
        assert_eq!(
            first(&ix, "AMOX"),
            hit(0, MatchKind::Prefix, MatchField::NameEn)
        );
        assert_eq!(
            first(&ix, "xicillin"),
            hit(0, MatchKind::Substring, MatchField::NameEn)
        );
        assert_eq!(
            first(&ix, "amoxicillin caps"),
            hit(0, MatchKind::Prefix, MatchField::NameEn)
        );
        let hits = ix.search("硝苯地平", 10, |_| true);
        assert_eq!(hits.iter().map(|h| h.doc).collect::<Vec<_>>(), vec![4]);
        assert!(ix.search("阿莫西林胶囊X", 10, |_| true).is_empty());
    }

    #[test]
    fn codes_exact_prefix_substring() {
        let ix = corpus();
        assert_eq!(
            first(&ix, "国药准字H20003263"),
            hit(0, MatchKind::CodeExact, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "h20003263"),
            hit(0, MatchKind::CodeExact, MatchField::Code)
        );
        assert_eq!(first(&ix, "ＨＨ"), None);
        assert_eq!(
            first(&ix, "H2000"),
            hit(0, MatchKind::Prefix, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "国药准字H2000"),
            hit(0, MatchKind::Prefix, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "0003263"),
            hit(0, MatchKind::Substring, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "xj01caa040a001010100000"),
            hit(0, MatchKind::CodeExact, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "XJ01C"),
            hit(0, MatchKind::Prefix, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "J01CA04"),
            hit(0, MatchKind::CodeExact, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "j01c"),
            hit(0, MatchKind::Prefix, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "CAA040"),
            hit(0, MatchKind::Substring, MatchField::Code)
        );
        assert_eq!(
            first(&ix, "n05ba01"),
            hit(1, MatchKind::CodeExact, MatchField::Code)
        );
        // "国药准字" is a prefix of every approval number.
        assert_eq!(ix.matching("国药准字", |_| true), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn polyphonic_characters_match_under_each_reading() {
        let ix = corpus();
        assert_eq!(
            first(&ix, "dxp"),
            hit(1, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "dixipan"),
            hit(1, MatchKind::Prefix, MatchField::Pinyin)
        );
        assert_eq!(
            first(&ix, "rs"),
            hit(2, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "rc"),
            hit(2, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "renshen"),
            hit(2, MatchKind::Prefix, MatchField::Pinyin)
        );
        assert_eq!(
            first(&ix, "rencan"),
            hit(2, MatchKind::Prefix, MatchField::Pinyin)
        );
        assert_eq!(
            first(&ix, "zzry"),
            hit(3, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "czry"),
            hit(3, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "zhongzu"),
            hit(3, MatchKind::Prefix, MatchField::Pinyin)
        );
        assert_eq!(
            first(&ix, "chongzu"),
            hit(3, MatchKind::Prefix, MatchField::Pinyin)
        );
        // 地 in 硝苯地平 read either way
        assert_eq!(
            first(&ix, "xbdp"),
            hit(4, MatchKind::Prefix, MatchField::Initials)
        );
        assert_eq!(
            first(&ix, "benDE"),
            hit(4, MatchKind::Substring, MatchField::Pinyin)
        );
    }

    #[test]
    fn ranking_order() {
        // Query "ab12": exact code of doc 2, prefix of doc 1's code, substring of doc 0.
        let docs = vec![
            doc("甲", "", &["XAB12"]),
            doc("乙", "", &["AB123"]),
            doc("丙丙丙", "", &["AB12"]),
        ];
        let ix = SearchIndex::build(docs);
        let hits = ix.search("AB12", 10, |_| true);
        let got: Vec<(usize, MatchKind)> = hits.iter().map(|h| (h.doc, h.kind)).collect();
        assert_eq!(
            got,
            vec![
                (2, MatchKind::CodeExact),
                (1, MatchKind::Prefix),
                (0, MatchKind::Substring)
            ]
        );

        // Same kind: active, then essential, then shorter name, then name, then index.
        let mk = |zh: &str, active: bool, essential: bool| SearchDoc {
            active,
            essential,
            ..doc(zh, "Aspirin", &[])
        };
        let docs = vec![
            mk("阿司匹林肠溶片", false, true), // 0: suspended
            mk("阿司匹林肠溶片", true, false), // 1
            mk("阿司匹林片", true, false),     // 2: shorter name
            mk("阿司匹林肠溶片", true, true),  // 3: essential
            mk("阿司匹林片", true, false),     // 4: same as 2, later index
            mk("阿司匹林泡腾片", true, false), // 5: same length as 1, 泡 < 肠? compare
        ];
        let ix = SearchIndex::build(docs);
        let order: Vec<usize> = ix
            .search("aspirin", 10, |_| true)
            .iter()
            .map(|h| h.doc)
            .collect();
        let (a, b) = if "阿司匹林泡腾片" < "阿司匹林肠溶片" {
            (5, 1)
        } else {
            (1, 5)
        };
        assert_eq!(order, vec![3, 2, 4, a, b, 0]);
        assert_eq!(ix.matching("aspirin", |_| true), vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn accept_filter_and_limit() {
        let docs: Vec<SearchDoc> = (0..50)
            .map(|i| {
                doc(
                    "阿莫西林胶囊",
                    "Amoxicillin",
                    &[&format!("国药准字H2000{i:04}")],
                )
            })
            .collect();
        let ix = SearchIndex::build(docs);
        assert_eq!(ix.len(), 50);
        let hits = ix.search("amxl", 7, |d| d % 3 == 0);
        assert_eq!(hits.len(), 7);
        assert!(hits.iter().all(|h| h.doc.is_multiple_of(3)));
        assert_eq!(
            hits.iter().map(|h| h.doc).collect::<Vec<_>>(),
            vec![0, 3, 6, 9, 12, 15, 18]
        );
        assert_eq!(ix.search("amxl", 1000, |_| true).len(), 50);
        assert!(ix.search("amxl", 0, |_| true).is_empty());
        assert!(ix.search("amxl", 10, |_| false).is_empty());
        let m = ix.matching("h2000", |d| d >= 45);
        assert_eq!(m, vec![45, 46, 47, 48, 49]);
    }

    #[test]
    fn empty_and_whitespace_queries() {
        let ix = corpus();
        for q in ["", " ", "\t \u{3000}"] {
            assert!(ix.search(q, 10, |_| true).is_empty(), "{q:?}");
            assert!(ix.matching(q, |_| true).is_empty(), "{q:?}");
        }
        let empty = SearchIndex::build(Vec::new());
        assert!(empty.is_empty());
        assert!(empty.search("a", 10, |_| true).is_empty());
        assert!(empty.matching("a", |_| true).is_empty());
    }

    #[test]
    fn many_polyphonic_characters_are_capped() {
        let name = "重行地长乐参还给藏重行地";
        let ix = SearchIndex::build(vec![doc(name, "", &[])]);
        // every key of that doc: name, ≤32 initials, ≤32 full
        assert!(ix.zh_keys.len() <= 1 + 2 * crate::pinyin_keys::MAX_COMBINATIONS);
        assert_eq!(ix.doc_keys, vec![u32::from(F_ZH_KEYS)]);
        assert!(first(&ix, "zxdzl").is_some());
        assert!(first(&ix, "zhongxingdi").is_some());
    }

    #[test]
    fn index_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SearchIndex>();
        assert_send_sync::<Layered>();
    }

    // ----- reference matcher ------------------------------------------------

    fn reference_keys(d: &SearchDoc) -> Vec<(String, u8)> {
        let mut keys = zh_keys(&d.name_zh);
        let en = normalize_query(&d.name_en);
        if !en.is_empty() {
            keys.push((en, F_NAME_EN));
        }
        for c in &d.codes {
            let c = normalize_query(c);
            if !c.is_empty() {
                keys.push((c, F_CODE));
            }
        }
        keys
    }

    /// Best (kind, field) of a document, given its keys, for a normalised
    /// query, by brute force.
    fn reference_match(keys: &[(String, u8)], q: &str) -> Option<(u8, u8)> {
        let mut best: Option<(u8, u8)> = None;
        for (key, field) in keys {
            let (key, field) = (key.as_str(), *field);
            let anchor = if field == F_CODE { code_anchor(key) } else { 0 };
            let tail = (anchor != 0).then(|| &key[anchor..]);
            let kind = if field == F_CODE && (key == q || tail == Some(q)) {
                K_EXACT
            } else if key.starts_with(q) || tail.is_some_and(|t| t.starts_with(q)) {
                K_PREFIX
            } else if key.contains(q) {
                K_SUBSTRING
            } else {
                continue;
            };
            if best.is_none_or(|b| (kind, field) < b) {
                best = Some((kind, field));
            }
        }
        best
    }

    /// Every match, ranked: (hit, doc) pairs in the specified order.
    fn reference_ranked(docs: &[SearchDoc], keys: &[Vec<(String, u8)>], q: &str) -> Vec<Hit> {
        let q = normalize_query(q);
        if q.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(u8, bool, bool, usize, &str, usize, u8)> = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            if let Some((kind, field)) = reference_match(&keys[i], &q) {
                hits.push((
                    kind,
                    !d.active,
                    !d.essential,
                    d.name_zh.chars().count(),
                    &d.name_zh,
                    i,
                    field,
                ));
            }
        }
        hits.sort();
        hits.into_iter()
            .map(|h| Hit {
                doc: h.5,
                kind: kind_of(h.0),
                field: field_of(h.6),
            })
            .collect()
    }

    fn reference_search(ranked: &[Hit], limit: usize, accept: impl Fn(usize) -> bool) -> Vec<Hit> {
        ranked
            .iter()
            .filter(|h| accept(h.doc))
            .take(limit)
            .copied()
            .collect()
    }

    fn reference_matching(ranked: &[Hit]) -> Vec<usize> {
        let mut m: Vec<usize> = ranked.iter().map(|h| h.doc).collect();
        m.sort_unstable();
        m
    }

    type Accept = fn(usize) -> bool;

    /// Filters on document numbers for the comparisons.
    const ACCEPTS: [Accept; 3] = [|_| true, |d| d % 4 != 1, |d| d % 7 == 3];

    /// Compare `search` (several limits and filters) and `matching` with the
    /// brute-force reference.
    fn check_against_reference(
        ix: &SearchIndex,
        docs: &[SearchDoc],
        keys: &[Vec<(String, u8)>],
        q: &str,
        limits: &[usize],
    ) -> Result<(), String> {
        let ranked = reference_ranked(docs, keys, q);
        for &limit in limits {
            for (a, accept) in ACCEPTS.iter().enumerate() {
                let got = ix.search(q, limit, accept);
                let want = reference_search(&ranked, limit, accept);
                if got != want {
                    return Err(format!(
                        "search q={q:?} limit={limit} accept#{a}: got {got:?}, want {want:?}"
                    ));
                }
            }
        }
        let got = ix.matching(q, |_| true);
        if got != reference_matching(&ranked) {
            return Err(format!(
                "matching q={q:?}: {} vs {}",
                got.len(),
                ranked.len()
            ));
        }
        Ok(())
    }

    const ALPHABET: &[char] = &[
        '阿', '莫', '西', '林', '地', '参', '重', '行', '长', '乐', '人', '国', '药', '字', 'a',
        'b', 'x', 'h', 'A', '1', '2', '0', ' ', '（', '·', 'Ｈ',
    ];

    fn text_strategy(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(ALPHABET), 0..max)
            .prop_map(|v| v.into_iter().collect())
    }

    /// Random documents; a third of them take one of a few shared Chinese
    /// names (which sort between, before and after random ones), so that
    /// equal names with different flags and documents rank against each
    /// other.
    fn doc_strategy() -> impl Strategy<Value = SearchDoc> {
        let zh = prop_oneof![
            2 => text_strategy(6),
            1 => prop::sample::select(vec!["阿莫西林", "参", "人参", "重行地长乐参", ""])
                .prop_map(str::to_string),
        ];
        (
            zh,
            text_strategy(5),
            prop::collection::vec(text_strategy(7), 0..3),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(zh, en, codes, active, essential)| SearchDoc {
                name_zh: zh,
                name_en: en,
                codes,
                active,
                essential,
            })
    }

    fn query_strategy() -> impl Strategy<Value = String> {
        text_strategy(4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn search_and_matching_agree_with_brute_force(
            docs in prop::collection::vec(doc_strategy(), 0..40),
            queries in prop::collection::vec(query_strategy(), 1..8),
            limit in 0usize..12,
            budgets in prop::sample::select(vec![None, Some((0, 0)), Some((0, 3)), Some((2, 1000)), Some((5, 5)), Some((1000, 0))]),
        ) {
            let mut ix = SearchIndex::build(docs.clone());
            if let Some((e, s)) = budgets {
                ix = ix.with_budgets(e, s);
            }
            // Pinyin keys of random names as queries too.
            let mut qs = queries;
            for d in docs.iter().take(3) {
                let nk = name_keys(&d.name_zh);
                qs.extend(nk.initials.iter().take(2).map(|k| k.chars().skip(1).take(3).collect::<String>()));
                qs.extend(nk.full.first().cloned());
            }
            let keys: Vec<_> = docs.iter().map(reference_keys).collect();
            for q in &qs {
                let r = check_against_reference(&ix, &docs, &keys, q, &[limit]);
                prop_assert!(r.is_ok(), "{}", r.err().unwrap_or_default());
            }
        }
    }

    // ----- layered ---------------------------------------------------------------

    /// Compare a layered index with the one index of the same documents:
    /// `search` at several limits and filters, and `matching`.
    fn check_layered(
        layered: &Layered,
        full: &SearchIndex,
        q: &str,
        limits: &[usize],
    ) -> Result<(), String> {
        if layered.len() != full.len() {
            return Err(format!("len {} vs {}", layered.len(), full.len()));
        }
        for &limit in limits {
            for (a, accept) in ACCEPTS.iter().enumerate() {
                let got = layered.search(q, limit, accept);
                let want = full.search(q, limit, accept);
                if got != want {
                    return Err(format!(
                        "search q={q:?} limit={limit} accept#{a}: got {got:?}, want {want:?}"
                    ));
                }
            }
        }
        for (a, accept) in ACCEPTS.iter().enumerate() {
            let got = layered.matching(q, accept);
            let want = full.matching(q, accept);
            if got != want {
                return Err(format!(
                    "matching q={q:?} accept#{a}: got {got:?}, want {want:?}"
                ));
            }
        }
        Ok(())
    }

    /// Queries for a corpus: the given ones, inner parts of pinyin keys, a
    /// full pinyin key, a Chinese name and a whole code of a few documents.
    fn queries_for(docs: &[SearchDoc], mut qs: Vec<String>) -> Vec<String> {
        for d in docs.iter().rev().take(3).chain(docs.iter().take(3)) {
            let nk = name_keys(&d.name_zh);
            qs.extend(
                nk.initials
                    .iter()
                    .take(2)
                    .map(|k| k.chars().skip(1).take(3).collect::<String>()),
            );
            qs.extend(nk.full.first().cloned());
            qs.push(d.name_zh.clone());
            qs.extend(d.codes.first().cloned());
        }
        qs
    }

    #[test]
    fn layered_interleaves_base_and_extra_hits() {
        let mk = |zh: &str, active: bool, essential: bool, code: &str| SearchDoc {
            active,
            essential,
            ..doc(zh, "Aspirin", &[code])
        };
        let base = vec![
            mk("阿司匹林肠溶片", true, false, "A1"), // 0
            mk("阿司匹林片", false, true, "A2"),     // 1: inactive
            mk("阿司匹林片", true, false, "A3"),     // 2
        ];
        let extra = vec![
            mk("阿司匹林片", true, false, "A4"), // 3: after 2 (same key, later)
            mk("阿司匹林", true, false, "A5"),   // 4: new, shorter name
            mk("阿司匹林肠溶片", true, true, "ASPI"), // 5: essential first
            mk("阿司匹林泡腾片", true, false, "A7"), // 6: new name, same length as 0
        ];
        let mut all = base.clone();
        all.extend(extra.iter().cloned());
        let full = SearchIndex::build(all);
        let layered = Layered::new(Arc::new(SearchIndex::build(base)), extra);
        assert_eq!(layered.len(), 7);
        assert_eq!(layered.base().len(), 3);
        let order = |hits: Vec<Hit>| hits.iter().map(|h| h.doc).collect::<Vec<_>>();
        let (a, b) = if "阿司匹林泡腾片" < "阿司匹林肠溶片" {
            (6, 0)
        } else {
            (0, 6)
        };
        let want = vec![5, 4, 2, 3, a, b, 1];
        assert_eq!(order(layered.search("aspirin", 10, |_| true)), want);
        assert_eq!(order(full.search("aspirin", 10, |_| true)), want);
        assert_eq!(
            order(layered.search("aspirin", 3, |d| d != 4)),
            vec![5, 2, 3]
        );
        // A prefix match in the base beats the extra's substring matches.
        let hits = layered.search("a", 3, |_| true);
        assert_eq!(hits, full.search("a", 3, |_| true));
        assert_eq!(hits[0].kind, MatchKind::Prefix);
        assert_eq!(
            layered.search("aspi", 10, |_| true)[0],
            Hit {
                doc: 5,
                kind: MatchKind::CodeExact,
                field: MatchField::Code
            }
        );
        assert_eq!(layered.matching("aspirin", |d| d % 2 == 1), vec![1, 3, 5]);
        assert_eq!(layered.matching("a7", |_| true), vec![6]);
        assert!(layered.search("", 10, |_| true).is_empty());
        assert!(layered.matching(" ", |_| true).is_empty());
        assert!(layered.index_heap_bytes() > 0);

        let alone = Layered::from_base(Arc::new(full.clone()));
        assert_eq!(order(alone.search("aspirin", 10, |_| true)), want);
        assert!(alone.index_heap_bytes() < 64);
        let empty = Layered::new(Arc::new(SearchIndex::build(Vec::new())), Vec::new());
        assert!(empty.is_empty());
        assert!(empty.search("a", 10, |_| true).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// A layered index answers exactly as one index of base ++ extra,
        /// including with an empty base or extra, names shared between the
        /// two, and base documents repeated in the extra with other flags.
        #[test]
        fn layered_answers_as_one_index(
            base in prop::collection::vec(doc_strategy(), 0..25),
            extra in prop::collection::vec(doc_strategy(), 0..10),
            copies in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>(), any::<bool>()), 0..4),
            queries in prop::collection::vec(query_strategy(), 1..6),
            limit in 0usize..12,
            budgets in prop::sample::select(vec![None, Some((0, 0)), Some((0, 3)), Some((2, 1000)), Some((1000, 0))]),
        ) {
            let mut extra = extra;
            if !base.is_empty() {
                for (i, active, essential) in &copies {
                    extra.push(SearchDoc {
                        active: *active,
                        essential: *essential,
                        ..base[i.index(base.len())].clone()
                    });
                }
            }
            let mut all = base.clone();
            all.extend(extra.iter().cloned());
            let qs = queries_for(&all, queries);
            let budgeted = |ix: SearchIndex| match budgets {
                Some((e, s)) => ix.with_budgets(e, s),
                None => ix,
            };
            let layer = |base: Vec<SearchDoc>, extra: Vec<SearchDoc>| {
                let l = Layered::new(Arc::new(budgeted(SearchIndex::build(base))), extra);
                match budgets {
                    Some((e, s)) => l.with_budgets(e, s),
                    None => l,
                }
            };
            let full = budgeted(SearchIndex::build(all.clone()));
            // The split drawn, and the two extremes (everything in the base,
            // everything in the extra).
            let splits = [
                layer(base.clone(), extra.clone()),
                layer(all.clone(), Vec::new()),
                layer(Vec::new(), all.clone()),
            ];
            for (s, layered) in splits.iter().enumerate() {
                for q in &qs {
                    let r = check_layered(layered, &full, q, &[limit, 1, 100]);
                    prop_assert!(r.is_ok(), "split #{s}: {}", r.err().unwrap_or_default());
                }
            }
        }
    }

    /// Three thousand synthetic drugs in the base, a few new ones in the
    /// extra (new names shorter, longer and between the base's, base names
    /// with other flags, a repeated code): every path at the default budgets
    /// answers as one index of all of them.
    #[test]
    fn layered_agrees_with_one_index_at_3000_docs() {
        let docs = synthetic(3_012);
        let (base, tail) = docs.split_at(3_000);
        let mut extra = tail.to_vec();
        let mk = |zh: &str, en: &str, codes: &[&str], active: bool, essential: bool| SearchDoc {
            active,
            essential,
            ..doc(zh, en, codes)
        };
        extra.extend([
            mk("阿", "A", &["国药准字H20990001"], true, true),
            mk(
                "阿莫西林胶囊",
                "Amoxicillin Capsules",
                &["J01CA04"],
                true,
                true,
            ),
            mk(
                "阿莫西林胶囊",
                "Amoxicillin",
                &["国药准字H20990003"],
                false,
                false,
            ),
            mk(
                "硝苯地平缓释片二号",
                "Nifedipine",
                &["C08CA05", "X0"],
                true,
                false,
            ),
            mk(
                "人参片",
                "Ginseng Tablets",
                &[&base[7].codes[0]],
                true,
                true,
            ),
            SearchDoc {
                active: !base[3].active,
                essential: !base[3].essential,
                ..base[3].clone()
            },
            mk("重组人参", "", &[], false, true),
        ]);
        let base_ix = Arc::new(SearchIndex::build(base.to_vec()));
        let layered = Layered::new(Arc::clone(&base_ix), extra.clone());
        assert!(Arc::ptr_eq(layered.base(), &base_ix));
        let mut all = base.to_vec();
        all.extend(extra);
        let full = SearchIndex::build(all.clone());
        assert_eq!(layered.len(), 3_019);
        // The extra part is small next to the base.
        assert!(layered.index_heap_bytes() * 20 < base_ix.index_heap_bytes());
        let fixed: Vec<String> = [
            "a",
            "x",
            "0",
            "1",
            "00",
            "h2",
            "H2000",
            "h2099",
            "j01c",
            "J01CA04",
            "amxl",
            "阿莫",
            "阿",
            "moxi",
            "rs",
            "人参",
            "zzrs",
            "胶囊",
            "zhusheye",
            "国药准字",
            "0003",
            "片",
            "l",
            "zzzz",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for q in &queries_for(&all, fixed) {
            if let Err(e) = check_layered(&layered, &full, q, &[1, 20, 200]) {
                panic!("{e}");
            }
        }
    }

    // ----- scale ---------------------------------------------------------------

    /// A few thousand synthetic drugs: every search path (full expansion,
    /// walks, fallback) at the default budgets agrees with brute force.
    #[test]
    fn medium_corpus_agrees_with_brute_force() {
        let docs = synthetic(3_000);
        let ix = SearchIndex::build(docs.clone());
        let keys: Vec<_> = docs.iter().map(reference_keys).collect();
        let mut queries: Vec<String> = [
            "a",
            "x",
            "0",
            "1",
            "00",
            "h2",
            "H2000",
            "j01c",
            "amxl",
            "阿莫",
            "阿",
            "moxi",
            "rs",
            "胶囊",
            "zhusheye",
            "国药准字",
            "0003",
            "ce",
            "片",
            "l",
            "zzzz",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        queries.extend(docs[7].codes.iter().cloned());
        queries.push(docs[99].codes[0].chars().skip(4).collect());
        for q in &queries {
            if let Err(e) = check_against_reference(&ix, &docs, &keys, q, &[1, 20, 200]) {
                panic!("{e}");
            }
        }
    }

    /// A synthetic formulary in which unselective queries (`a`, `00`) match
    /// thousands of documents: full pages, ranked, filters honoured. (Build
    /// time and query latency at 100,000 documents: `benches/index.rs`.)
    #[test]
    fn large_corpus_gives_full_ranked_pages() {
        let docs = synthetic(10_000);
        let ix = SearchIndex::build(docs.clone());
        assert_eq!(ix.len(), 10_000);
        for q in [
            "amxl",
            "阿莫",
            "硝苯地平",
            "H2000",
            "J01C",
            "amox",
            "a",
            "x",
            "00",
        ] {
            let hits = ix.search(q, 20, |_| true);
            assert_eq!(hits.len(), 20, "{q}");
            // ranked: kinds never get better down the list
            assert!(hits.windows(2).all(|w| w[0].kind <= w[1].kind), "{q}");
        }
        let hits = ix.search("amxl", 20, |d| docs[d].active);
        assert_eq!(hits.len(), 20);
        assert!(
            hits.iter()
                .all(|h| docs[h.doc].active && docs[h.doc].name_zh.starts_with("阿莫西林"))
        );
    }
}
