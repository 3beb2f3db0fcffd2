//! Benchmark of the search library (docs/BENCHMARKS.md, "Search library"):
//! building an index of 100,000 synthetic Chinese drug names, and the latency
//! of typical type-ahead queries (top 20, no filter) against it.
//!
//! `cargo bench -p tongyao-search` (release). `cargo test` does not build or
//! run it; `cargo test --benches` runs each case once, in test mode.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tongyao_search::{SearchDoc, SearchIndex};

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
    let docs: Vec<SearchDoc<u32>> = synthetic::synthetic(DOCS);
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

criterion_group!(benches, build, query);
criterion_main!(benches);
