//! Every file in `api/` (but `main.rs`) is a module of the one integration-test binary: a new
//! capability's tests are a new file, with no list to edit.
use std::fmt::Write;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/api exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|n| n != "main")
        .collect();
    names.sort();
    let mut out = String::new();
    for n in names {
        let path = dir.join(format!("{n}.rs"));
        writeln!(out, "#[path = {:?}]\nmod {n};", path.display().to_string()).unwrap();
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("modules.rs");
    std::fs::write(dest, out).unwrap();
}
