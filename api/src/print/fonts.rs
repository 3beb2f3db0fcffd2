//! The fonts of printouts, read once per process (per configured list of folders) on first use.
//!
//! Every file is read once into one shared buffer (`Bytes`); each face of a collection (a
//! `.ttc` holds ten: Noto Sans CJK JP, KR, SC, TC, HK and their mono variants) points into that
//! buffer, and every template engine shares the same faces. A file reached twice (overlapping
//! folders, symbolic links) is read once.
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Instant;

use typst::foundations::Bytes;
use typst::text::Font;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};

use super::PrintError;

/// A face that has all of these is a CJK font fit for Chinese printouts.
const CJK_PROBE: &str = "采购订单药品";
/// The file name the template is compiled as (what diagnostics name).
pub(super) const TEMPLATE_PATH: &str = "template.typ";
/// Folders deeper than this below a configured folder are not searched (a symbolic link cycle
/// is caught by the set of visited folders; this bounds the rest).
const MAX_DEPTH: usize = 16;

pub(super) type Engine = TypstEngine<TypstTemplateMainFile>;

/// The faces found in a list of folders, and the template engines built over them.
pub(super) struct FontSet {
    fonts: Vec<Font>,
    /// Font files read and their size in bytes (for the log and the report).
    pub files: usize,
    pub bytes: usize,
    /// One engine per template: its parsed source, the font book and the standard library are
    /// built once, not on every render.
    engines: Mutex<HashMap<&'static str, Arc<Engine>>>,
}

static LOADED: LazyLock<Mutex<HashMap<Vec<PathBuf>, Arc<FontSet>>>> =
    LazyLock::new(Default::default);

/// The faces of `dirs`, read on the first call and kept for the life of the process. Concurrent
/// first calls wait for one read. A list without a CJK font is an error and is not remembered,
/// so installing fonts-noto-cjk takes effect without a restart.
pub(super) fn font_set(dirs: &[PathBuf]) -> Result<Arc<FontSet>, PrintError> {
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(set) = loaded.get(dirs) {
        return Ok(set.clone());
    }
    let set = Arc::new(FontSet::load(dirs)?);
    loaded.insert(dirs.to_vec(), set.clone());
    Ok(set)
}

impl FontSet {
    fn load(dirs: &[PathBuf]) -> Result<Self, PrintError> {
        let started = Instant::now();
        let mut seen = HashSet::new();
        let mut paths = Vec::new();
        for dir in dirs {
            collect(dir, 0, &mut seen, &mut paths);
        }
        let mut fonts = Vec::new();
        let mut bytes = 0;
        for path in &paths {
            match std::fs::read(path) {
                Ok(data) => {
                    bytes += data.len();
                    let before = fonts.len();
                    fonts.extend(Font::iter(Bytes::new(data)));
                    if fonts.len() == before {
                        tracing::warn!(path = %path.display(), "not a font file we can read");
                    }
                }
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "font unreadable"),
            }
        }
        let cjk = fonts.iter().any(|f| {
            CJK_PROBE
                .chars()
                .all(|c| f.info().coverage.contains(c as u32))
        });
        if !cjk {
            return Err(PrintError::NoCjkFont {
                dirs: dirs.to_vec(),
            });
        }
        tracing::info!(
            files = paths.len(),
            faces = fonts.len(),
            mib = bytes / (1 << 20),
            ms = started.elapsed().as_millis() as u64,
            "printout fonts loaded"
        );
        Ok(FontSet {
            fonts,
            files: paths.len(),
            bytes,
            engines: Mutex::default(),
        })
    }

    /// The number of faces.
    pub fn faces(&self) -> usize {
        self.fonts.len()
    }

    /// The engine compiling `template` with these fonts, built on first use.
    pub(super) fn engine(&self, template: &'static str) -> Arc<Engine> {
        let mut engines = self.engines.lock().unwrap_or_else(PoisonError::into_inner);
        engines
            .entry(template)
            .or_insert_with(|| {
                Arc::new(
                    TypstEngine::builder()
                        .main_file((TEMPLATE_PATH, template))
                        .fonts(self.fonts.iter().cloned())
                        .build(),
                )
            })
            .clone()
    }
}

/// The font files under `path` (or `path` itself), each once, in name order within a folder.
fn collect(path: &Path, depth: usize, seen: &mut HashSet<PathBuf>, out: &mut Vec<PathBuf>) {
    let Ok(real) = std::fs::canonicalize(path) else {
        tracing::debug!(path = %path.display(), "font folder absent");
        return;
    };
    if depth > MAX_DEPTH || !seen.insert(real.clone()) {
        return;
    }
    if real.is_dir() {
        let Ok(entries) = std::fs::read_dir(&real) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        entries.sort();
        for entry in entries {
            collect(&entry, depth + 1, seen, out);
        }
    } else if real.is_file() && is_font_file(&real) {
        out.push(real);
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["ttf", "otf", "ttc", "otc"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}
