//! Benchmark of the search library (docs/BENCHMARKS.md, "Search library"):
//! building an index of 100,000 synthetic Chinese drug names, the latency of
//! typical type-ahead queries (top 20, no filter) against it, and the same
//! for a [`Layered`] index of those 100,000 plus 5 new documents (making it,
//! and querying it). It also prints the index's heap bytes.
//!
//! `cargo bench -p tongyao-search` (release). `cargo test` does not build or
//! run it; `cargo test --benches` runs each case once, in test mode.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tongyao_search::{Layered, SearchDoc, SearchIndex};

#[path = "../src/synthetic.rs"]
mod synthetic;

const DOCS: usize = 100_000;

/// The type-ahead mix of docs/BENCHMARKS.md: pinyin initials (whole and
/// inner), Chinese name (whole and prefix), English name, code prefixes.
const QUERIES: [&str; 8] = [
    "amxl",
    "mxl",
    "硝苯地平",
    "阿莫",
    "amoxicillin",
    "H3000",
    "J01C",
    "xbdp",
];

fn build(c: &mut Criterion) {
    let docs: Vec<SearchDoc> = synthetic::synthetic(DOCS);
    let mut g = c.benchmark_group("build");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("100k_docs", |b| {
        b.iter_batched(
            || docs.clone(),
            |d| black_box(SearchIndex::build(d)),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn query(c: &mut Criterion) {
    let ix = SearchIndex::build(synthetic::synthetic(DOCS));
    eprintln!(
        "index of {DOCS} documents: {} heap bytes",
        ix.index_heap_bytes()
    );
    let mut g = c.benchmark_group("search_top20");
    for q in QUERIES {
        g.bench_function(q, |b| {
            b.iter(|| black_box(ix.search(black_box(q), 20, |_| true)))
        });
    }
    // The whole mix, one query after another.
    g.bench_function("mix_of_8", |b| {
        b.iter(|| {
            for q in QUERIES {
                black_box(ix.search(black_box(q), 20, |_| true));
            }
        })
    });
    g.finish();
}

/// The base of 100,000 documents plus the next 5 of the same synthetic
/// formulary (`synthetic(n)` is a prefix of `synthetic(n + 5)`).
fn layered(c: &mut Criterion) {
    let mut docs = synthetic::synthetic(DOCS + 5);
    let extra: Vec<SearchDoc> = docs.split_off(DOCS);
    let base = Arc::new(SearchIndex::build(docs));
    let mut g = c.benchmark_group("layered");
    g.bench_function("new_5_docs", |b| {
        b.iter_batched(
            || extra.clone(),
            |e| black_box(Layered::new(Arc::clone(&base), e)),
            BatchSize::SmallInput,
        )
    });
    let ix = Layered::new(Arc::clone(&base), extra.clone());
    g.bench_function("mix_of_8", |b| {
        b.iter(|| {
            for q in QUERIES {
                black_box(ix.search(black_box(q), 20, |_| true));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, build, query, layered);
criterion_main!(benches);
