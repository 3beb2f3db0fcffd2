//! Printouts as PDF: purchase orders, later dispatch notes. Typst typesets them (through
//! typst-as-lib); the fonts come from the folders of `print.font_dirs` (Debian's fonts-noto-cjk
//! for Chinese), read once per process, and nothing is downloaded at compile time.
//!
//! A template is a typst source kept beside the capability that owns it
//! (`procurement/purchase_order.typ`) and passed in as `include_str!`. Its data is the JSON of
//! the value given to [`render_pdf`], handed to typst as bytes in `sys.inputs.data`; a template
//! reads it with
//!
//! ```typst
//! #let d = json(bytes(sys.inputs.data))
//! ```
//!
//! (`bytes(…)` also accepts the string the typst CLI gives for `--input data="$(cat x.json)"`,
//! so a template can be previewed outside the service.) Typst subsets the fonts it embeds: a
//! page of Chinese is tens of kilobytes, not the tens of megabytes of a whole CJK font.
//!
//! Rendering is CPU work (tens of milliseconds a page): [`render_pdf_async`] runs it on the
//! blocking pool, at most as many at once as there are cores.
mod fonts;
mod rmb;

use std::path::PathBuf;
use std::sync::LazyLock;

use axum::http::StatusCode;
use serde::Serialize;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Dict, Value};
use typst_as_lib::TypstAsLibError;

use crate::config::PrintSettings;
use crate::error::AppError;
use crate::i18n::tr;

pub use rmb::rmb_upper;

/// Why a printout could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No font in the configured folders has Chinese characters: a configuration problem of
    /// the server, answered 503.
    #[error(
        "no font with Chinese characters in print.font_dirs {dirs:?}: install Debian's \
         fonts-noto-cjk (apt-get install fonts-noto-cjk) or set print.font_dirs \
         (TONGYAO__PRINT__FONT_DIRS) to folders holding a CJK font"
    )]
    NoCjkFont { dirs: Vec<PathBuf> },
    /// The data could not be turned into JSON.
    #[error("the printout's data cannot be written as JSON: {0}")]
    Data(#[from] serde_json::Error),
    /// The template failed to compile or export: every error (and warning) with its place.
    #[error("the printout's template failed:\n{0}")]
    Template(String),
    /// The rendering task panicked or was cancelled.
    #[error("rendering the printout stopped: {0}")]
    Aborted(String),
}

impl From<PrintError> for AppError {
    fn from(e: PrintError) -> Self {
        match e {
            PrintError::NoCjkFont { .. } => {
                // The operator needs the folders; the user needs to know it is not their doing.
                tracing::error!(error = %e, "printout refused: no CJK font");
                AppError::WithReport {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: tr(
                        "暂时无法生成 PDF：服务器上没有中文字体。请管理员安装 fonts-noto-cjk\
                         （apt-get install fonts-noto-cjk），或在配置项 print.font_dirs 中\
                         指定含中文字体的文件夹。",
                        "cannot produce the PDF: the server has no Chinese font. An \
                         administrator should install fonts-noto-cjk (apt-get install \
                         fonts-noto-cjk) or set print.font_dirs to folders holding a CJK font.",
                    ),
                    report: serde_json::json!({
                        "missing": "cjk_font",
                        "package": "fonts-noto-cjk",
                        "setting": "print.font_dirs",
                    }),
                }
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// What [`load_fonts`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FontsLoaded {
    pub files: usize,
    pub faces: usize,
    pub bytes: usize,
}

/// Reads the fonts of `settings` now rather than at the first printout (they are read once per
/// process either way): for a start-up check, or to take the cost out of a measurement.
pub fn load_fonts(settings: &PrintSettings) -> Result<FontsLoaded, PrintError> {
    let set = fonts::font_set(&settings.font_dirs)?;
    Ok(FontsLoaded {
        files: set.files,
        faces: set.faces(),
        bytes: set.bytes,
    })
}

/// `data` as JSON through `template` (a typst source, see the module's documentation) into a
/// PDF. Blocks for the compile: from async code use [`render_pdf_async`].
pub fn render_pdf(
    settings: &PrintSettings,
    template: &'static str,
    data: &impl Serialize,
) -> Result<Vec<u8>, PrintError> {
    let json = serde_json::to_vec(data)?;
    Ok(render(settings, template, json)?.pdf)
}

/// [`render_pdf`] on tokio's blocking pool, at most one render per core at a time (the others
/// wait their turn rather than slow every render down). Takes what it moves to the pool by
/// value (`data` may also be a reference); the data is written as JSON before, so it need not
/// be `Send`.
pub async fn render_pdf_async(
    settings: PrintSettings,
    template: &'static str,
    data: impl Serialize,
) -> Result<Vec<u8>, PrintError> {
    static RENDERS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let json = serde_json::to_vec(&data)?;
    drop(data);
    let _permit = RENDERS
        .acquire()
        .await
        .map_err(|e| PrintError::Aborted(e.to_string()))?;
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(|| render(&settings, template, json)))
        .await
        .map_err(|e| PrintError::Aborted(e.to_string()))?
        .map(|r| r.pdf)
}

/// A finished printout.
struct Rendered {
    pdf: Vec<u8>,
    pages: usize,
    /// The template's warnings, each with its place (logged; tests want none).
    warnings: Vec<String>,
}

fn render(
    settings: &PrintSettings,
    template: &'static str,
    json: Vec<u8>,
) -> Result<Rendered, PrintError> {
    let fonts = fonts::font_set(&settings.font_dirs)?;
    let engine = fonts.engine(template);
    let inputs: Dict = [("data".into(), Value::Bytes(Bytes::new(json)))]
        .into_iter()
        .collect();
    let world = engine
        .world_builder()
        .with_inputs(inputs)
        .build()
        .map_err(|e| PrintError::Template(lib_error(e)))?;
    let Warned { output, warnings } = typst::compile(&world);
    let output = output.and_then(|doc| {
        let pdf = typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())?;
        Ok((pdf, doc.pages().len()))
    });
    let warnings: Vec<String> = warnings.iter().map(|w| describe(&world, w)).collect();
    // Typst memoises across compiles; drop what this one cached so a long-running service does
    // not grow (the fonts and the engine stay).
    typst::comemo::evict(0);
    match output {
        Ok((pdf, pages)) => {
            let rendered = Rendered {
                pdf,
                pages,
                warnings,
            };
            for w in &rendered.warnings {
                tracing::warn!(warning = %w, "printout template");
            }
            tracing::debug!(
                pages = rendered.pages,
                bytes = rendered.pdf.len(),
                "printout rendered"
            );
            Ok(rendered)
        }
        Err(errors) => {
            let mut all: Vec<String> = errors.iter().map(|e| describe(&world, e)).collect();
            all.extend(warnings);
            Err(PrintError::Template(all.join("\n")))
        }
    }
}

/// One diagnostic as a person reads it: the message, the line and the template text it points
/// at, and typst's hints.
fn describe(world: &impl typst::World, d: &SourceDiagnostic) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{kind}: {}", d.message);
    if let Some(id) = d.span.id()
        && let Some(range) = world.range(d.span)
        && let Ok(source) = world.source(id)
    {
        let (line, column) = source
            .lines()
            .byte_to_line_column(range.start)
            .unwrap_or_default();
        let text = source.text();
        // The spanned text, and the whole line it starts on (a span may be a single name).
        let line_text = text.lines().nth(line).unwrap_or_default().trim();
        out.push_str(&format!(
            "\n  at {}:{}:{}: {}\n  | {}",
            fonts::TEMPLATE_PATH,
            line + 1,
            column + 1,
            shorten(text.get(range).unwrap_or_default()),
            shorten(line_text),
        ));
    }
    for hint in &d.hints {
        out.push_str(&format!("\n  hint: {}", hint.v));
    }
    out
}

/// At most 120 characters of `text`.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn lib_error(e: TypstAsLibError) -> String {
    match e {
        TypstAsLibError::TypstSource(diags) => diags
            .iter()
            .map(|d| format!("{:?}: {}", d.severity, d.message))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
