//! In-memory drug search behind the formulary's instant type-ahead (rule F4).
//!
//! A query matches a drug when, after [`normalize_query`] on both sides, it is
//! a substring of any of the drug's *keys*: its Chinese and English names,
//! every pinyin initials and full-pinyin key of the Chinese name (阿莫西林 →
//! `amxl`, `amoxilin`), and every code (approval number, NHSA code, ATC code).
//! Characters with several readings (重 zhong/chong, 参 can/shen/cen, …) match
//! under each reading: a name yields one key per combination of readings,
//! capped so that a pathological name cannot blow up memory
//! ([`pinyin_keys`]).
//!
//! [`SearchIndex`] interns all keys of all documents once (100,000 drugs share
//! ~1,500 generic names, so name keys collapse to a few thousand distinct
//! strings), lays them end to end in one byte buffer, and answers every query
//! with binary searches in a *suffix array* over every character position of
//! every distinct key (substring matches) and an *anchor array* of key starts
//! (prefix and exact matches), without verification and without scanning.
//! Hits are ranked by [`MatchKind`] (exact code, prefix, substring), then
//! active, essential, shorter name, name, document number. [`Layered`] adds a
//! handful of new documents to a shared index in well under a millisecond
//! and answers exactly as a rebuilt index would. See [`index`] for the design
//! and its measured cost, and `benches/index.rs` for the benchmark.
//!
//! The crate knows nothing of databases or HTTP, and keeps no document: the
//! index knows documents by their number (position in the `Vec` given to
//! [`SearchIndex::build`]), reports hits by number ([`Hit::doc`]) and filters
//! through the caller's `accept(number)`; the caller keeps its own data per
//! number.

pub mod index;
pub mod pinyin_keys;

#[cfg(test)]
mod synthetic;

pub use index::{Hit, Layered, MatchField, MatchKind, SearchDoc, SearchIndex};
pub use pinyin_keys::{NameKeys, name_keys, normalize_query, sort_key};
