//! The one integration-test binary: every test runs on SQLite and on PostgreSQL (see `both!`).
//! Each file beside this one is a module (listed by `build.rs`).
include!(concat!(env!("OUT_DIR"), "/modules.rs"));
