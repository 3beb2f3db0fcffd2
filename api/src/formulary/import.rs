//! The import flow: parse the file, compare every row with the current formulary, report; when
//! applying, create one batch proposal (F1 and F5 apply as to any other), in one transaction.
use crate::i18n::tr;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use entity::formulary_version as version;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::io::{self, FileError};
use super::rules;
use super::service;
use super::store::{self, PlannedItem};
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::kernel::{Actor, Ctx, Download};

/// The parts of an import form (read by the handler from multipart/form-data).
#[derive(Default)]
pub struct ImportForm {
    pub file: Option<Vec<u8>>,
    pub reason: Option<String>,
    pub effective_date: Option<NaiveDate>,
    pub justification: Option<String>,
    /// Apply the valid rows, leaving out those with problems.
    pub skip_invalid: bool,
    /// The user's column mapping: normalised header → field key ("" ignores the column).
    pub mapping: Option<HashMap<String, String>>,
}

fn file_error(e: FileError) -> AppError {
    let msg = match &e {
        FileError::NotSpreadsheet(why) => {
            tr(format!("这不是 CSV 或 XLSX 表格：{why}"), e.to_string())
        }
        FileError::MissingColumns(cols) => tr(format!("表头缺少以下列：{cols}"), e.to_string()),
        FileError::Empty => tr("文件没有数据行", e.to_string()),
    };
    AppError::field("file", msg)
}

/// How far the check of one import has got (shared with the requests that ask).
#[derive(Default)]
pub struct Tracker {
    stage: AtomicU8,
    done: AtomicU64,
    total: AtomicU64,
}

impl Tracker {
    fn stage(&self, s: ImportStage) {
        self.stage.store(s as u8, Ordering::Relaxed);
    }

    fn view(&self) -> ImportProgress {
        let stage = match self.stage.load(Ordering::Relaxed) {
            0 => ImportStage::Reading,
            1 => ImportStage::Comparing,
            2 => ImportStage::Checking,
            _ => ImportStage::Done,
        };
        ImportProgress {
            stage,
            rows_done: self.done.load(Ordering::Relaxed),
            rows_total: self.total.load(Ordering::Relaxed),
        }
    }
}

/// Marks its import done however the import ends.
struct Finish(Option<Arc<Tracker>>);

impl Drop for Finish {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            t.stage(ImportStage::Done);
        }
    }
}

/// How long a finished import's progress can still be asked for.
const KEEP_PROGRESS: Duration = Duration::from_secs(600);

/// The imports being checked on this instance, by user and token (a user sees only their own).
#[derive(Default)]
pub struct Progresses {
    /// (user, token) → the import's tracker and when it started.
    map: Mutex<HashMap<(i64, String), Started>>,
}

type Started = (Arc<Tracker>, Instant);

impl Progresses {
    /// A token as the document describes it (8–64 letters, digits or `-`), or a refusal of
    /// the query parameter `field`.
    fn check(token: &str, field: &str) -> AppResult<()> {
        let ok = (8..=64).contains(&token.len())
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            return Ok(());
        }
        Err(AppError::field(
            field,
            tr(
                "进度标记应为 8–64 个字母、数字或 -",
                "the progress token is 8–64 letters, digits or -",
            ),
        ))
    }

    fn start(&self, user: i64, token: &str) -> AppResult<Arc<Tracker>> {
        Self::check(token, "progress")?;
        let t = Arc::new(Tracker::default());
        let mut map = self.map.lock().map_err(|_| AppError::Internal(anyhow::anyhow!("progress lock poisoned")))?;
        map.retain(|_, (_, at)| at.elapsed() < KEEP_PROGRESS);
        map.insert((user, token.to_owned()), (t.clone(), Instant::now()));
        Ok(t)
    }

    /// The progress of the user's import named `token`, if this instance checks or checked it.
    pub fn get(&self, user: i64, token: &str) -> AppResult<ImportProgress> {
        Self::check(token, "token")?;
        let map = self
            .map
            .lock()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("progress lock poisoned")))?;
        map.get(&(user, token.to_owned()))
            .map(|(t, _)| t.view())
            .ok_or(AppError::NotFound)
    }
}

/// The uploaded file, or a refusal naming the form part it belongs in.
fn file_of(file: Option<Vec<u8>>) -> AppResult<Vec<u8>> {
    file.ok_or_else(|| {
        AppError::field(
            "file",
            tr(
                "请以表单字段 file 上传 CSV 或 XLSX 文件",
                "attach the CSV or XLSX file as the form field `file`",
            ),
        )
    })
}

pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    form: ImportForm,
    dry_run: bool,
    progress: Option<&str>,
) -> AppResult<ImportReport> {
    let c = actor.consortium()?;
    let tracker = progress
        .map(|t| ctx.part::<Progresses>().start(actor.id(), t))
        .transpose()?;
    let _finish = Finish(tracker.clone());
    let bytes = file_of(form.file)?;
    // The day the changes would take effect: the form's, or (a dry run without one) today.
    // The file is compared with the formulary as it will stand on that day.
    let effective: NaiveDate = match (form.effective_date, dry_run) {
        (Some(d), _) => d,
        (None, true) => ctx.clock.today(),
        (None, false) => {
            // What is wrong with the file is said first (it has to be fixed whatever the date).
            io::parse(io::read_table(&bytes).map_err(file_error)?, form.mapping.as_ref())
                .map_err(file_error)?;
            return Err(AppError::field(
                "effective_date",
                tr(
                    "请填写生效日期（YYYY-MM-DD）",
                    "give the effective date (YYYY-MM-DD)",
                ),
            ));
        }
    };
    rules::f1_effective_date(effective, ctx.clock.today())?;
    let tx = ctx.write().await?;
    let (mut report, items) = analyse(
        &tx,
        c,
        &bytes,
        dry_run,
        effective,
        form.mapping.as_ref(),
        tracker.as_deref(),
    )
    .await?;
    if dry_run {
        return Ok(report);
    }
    let with_report = |message: String, report: &ImportReport| AppError::WithReport {
        status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        message,
        report: serde_json::to_value(report).unwrap_or_default(),
    };
    let left_out: std::collections::BTreeSet<usize> = report
        .errors
        .iter()
        .map(|e| e.row)
        .chain(report.overrides.iter().map(|o| o.row))
        .collect();
    if !left_out.is_empty() && form.skip_invalid {
        // The user chose to propose the valid rows; the report says which were left out.
        report.skipped = left_out.len();
    } else if !report.errors.is_empty() {
        let n = report.errors.len();
        return Err(with_report(
            tr(
                format!("文件有 {n} 处问题，请按 report.errors 修改后重新导入（或只导入无误的行）；目录未作任何改动"),
                format!(
                    "the file has {n} problem(s); fix them (see report.errors) and import again, or import only the valid rows — nothing was changed"
                ),
            ),
            &report,
        ));
    } else if !report.overrides.is_empty() {
        let n = report.overrides.len();
        return Err(with_report(
            tr(
                format!(
                    "文件中有 {n} 行会推翻 {effective} 之后已批准的变更（见 report.overrides）：请改用这些变更生效之后的日期，或从文件中删去这些行；目录未作任何改动"
                ),
                format!(
                    "{n} row(s) of the file would override changes already approved after {effective} (see report.overrides): choose a day after those changes, or remove these rows — nothing was changed"
                ),
            ),
            &report,
        ));
    }
    if items.is_empty() {
        return Err(AppError::field(
            "file",
            tr(
                "每一行都与目录在生效日期的状态一致，没有需要提议的变更",
                "every row matches the formulary as it stands on the effective date; there is nothing to propose",
            ),
        ));
    }
    let reason = form.reason.ok_or_else(|| {
        AppError::field(
            "reason",
            tr(
                "请说明目录变更的理由",
                "say why the formulary should change",
            ),
        )
    })?;
    if reason.chars().count() < 2 {
        return Err(AppError::field(
            "reason",
            tr(
                "请说明理由（至少 2 个字符）",
                "say why, in at least 2 characters",
            ),
        ));
    }
    let id = service::create_proposal(
        ctx,
        &tx,
        actor,
        c,
        service::Draft {
            kind: ProposalKind::Batch,
            reason,
            effective,
            justification: form.justification,
            items,
        },
    )
    .await?;
    if let Some(m) = &form.mapping {
        remember_mapping(&tx, c, m).await?;
    }
    tx.commit().await?;
    report.proposal_id = Some(id);
    Ok(report)
}

/// Parse a file and compare it with the formulary as it will stand on `effective` (the day the
/// import's changes would take effect): the report, and the changes a proposal would carry. A
/// row that matches that day's state is unchanged even when an approved change is scheduled
/// after it (an unchanged export proposes nothing); a row that differs from it while such a
/// change is scheduled would override an approved decision, and is named in `overrides`.
pub async fn analyse(
    conn: &impl ConnectionTrait,
    c: i64,
    bytes: &[u8],
    dry_run: bool,
    effective: NaiveDate,
    mapping: Option<&HashMap<String, String>>,
    progress: Option<&Tracker>,
) -> AppResult<(ImportReport, Vec<PlannedItem>)> {
    let table = io::read_table(bytes).map_err(file_error)?;
    let parsed = io::parse(table, mapping).map_err(file_error)?;
    if let Some(t) = progress {
        t.total.store(parsed.rows_total as u64, Ordering::Relaxed);
        // Rows that could not be read are done.
        t.done.store(
            parsed.rows_total.saturating_sub(parsed.rows.len()) as u64,
            Ordering::Relaxed,
        );
        t.stage(ImportStage::Comparing);
    }
    let mut report = ImportReport {
        dry_run,
        effective_date: effective,
        rows_total: parsed.rows_total,
        rows_valid: 0,
        errors: parsed.errors,
        added: vec![],
        changed: vec![],
        overrides: vec![],
        unchanged: 0,
        skipped: 0,
        proposal_id: None,
    };
    // Each product as it stands on the effective day, and the approved changes after it.
    let on_day: Vec<version::Model> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(store::valid_at(effective))
        .all(conn)
        .await?;
    let later: Vec<version::Model> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::ValidFrom.gt(effective))
        .order_by_asc(version::Column::ValidFrom)
        .order_by_asc(version::Column::Id)
        .all(conn)
        .await?;
    let mut scheduled: HashMap<i64, Vec<&version::Model>> = HashMap::new();
    for v in &later {
        scheduled.entry(v.entry_id).or_default().push(v);
    }
    let state: HashMap<i64, &version::Model> = on_day.iter().map(|v| (v.entry_id, v)).collect();
    // Rows without an entry number are matched by approval number and strength: against the
    // day's state, or, for a product only added later, its first scheduled version.
    let mut by_code: HashMap<(&str, &str), i64> = HashMap::new();
    for v in on_day.iter().chain(later.iter()) {
        by_code
            .entry((v.approval_number.as_str(), v.strength.as_str()))
            .or_insert(v.entry_id);
    }
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut items: Vec<PlannedItem> = Vec::new();
    let has_inner_pack = parsed.has_inner_pack;
    if let Some(t) = progress {
        t.stage(ImportStage::Checking);
    }
    for mut row in parsed.rows {
        if let Some(t) = progress {
            t.done.fetch_add(1, Ordering::Relaxed);
        }
        let key = (
            row.fields.approval_number.clone(),
            row.fields.strength.clone(),
        );
        if let Some(first) = seen.insert(key, row.row) {
            report.errors.push(RowError {
                row: row.row,
                column: "批准文号".into(),
                message: tr(
                    format!("同一药品（批准文号与规格相同）已在第 {first} 行"),
                    format!(
                        "the same product (approval number and strength) is already on row {first}"
                    ),
                ),
            });
            continue;
        }
        let entry = match row.entry_id {
            Some(id) if state.contains_key(&id) || scheduled.contains_key(&id) => Some(id),
            Some(id) => {
                report.errors.push(RowError { row: row.row, column: "条目编号".into(), message: tr(format!("条目 {id} 不在本目录中；新增药品请将条目编号留空"), format!("entry {id} is not in this formulary; leave 条目编号 empty for a new product")) });
                continue;
            }
            None => by_code
                .get(&(
                    row.fields.approval_number.as_str(),
                    row.fields.strength.as_str(),
                ))
                .copied(),
        };
        report.rows_valid += 1;
        let Some(id) = entry else {
            report.added.push(AddedRow {
                row: row.row,
                product: ProductName::of(&row.fields),
                generic_name_zh: row.fields.generic_name_zh.clone(),
                strength: row.fields.strength.clone(),
                manufacturer: row.fields.manufacturer.clone(),
            });
            items.push(PlannedItem {
                kind: ProposalKind::Add,
                entry_id: None,
                changes: rules::all_fields(&row.fields),
                patch: EntryPatch::whole(&row.fields),
                after: row.fields,
                base: None,
            });
            continue;
        };
        let now = state.get(&id).copied();
        let before = now.map(store::to_fields);
        if !has_inner_pack && let Some(b) = &before {
            // A file from before the column existed says nothing about the inner pack.
            row.fields.inner_pack_size = b.inner_pack_size;
        }
        if before.as_ref() == Some(&row.fields) {
            report.unchanged += 1;
            continue;
        }
        match (now, before, scheduled.get(&id)) {
            (Some(v), Some(before), None) => {
                let changes = rules::field_changes(&before, &row.fields);
                report.changed.push(ChangedRow {
                    row: row.row,
                    entry_id: id,
                    product: ProductName::of(&row.fields),
                    generic_name_zh: row.fields.generic_name_zh.clone(),
                    changes: changes.clone(),
                });
                items.push(PlannedItem {
                    kind: ProposalKind::Amend,
                    entry_id: Some(id),
                    patch: EntryPatch::between(&before, &row.fields),
                    after: row.fields,
                    changes,
                    base: Some(v.id),
                });
            }
            (_, before, future) => {
                // The row differs from the effective day's state while approved changes follow
                // it (an entry found at all has a state on the day or a scheduled version):
                // applying it would undo or pre-empt a decision the committee already took.
                let changes = match &before {
                    Some(b) => rules::field_changes(b, &row.fields),
                    None => rules::all_fields(&row.fields),
                };
                let upcoming = store::scheduled_changes(before, future.map(Vec::as_slice).unwrap_or_default());
                report.overrides.push(OverrideRow {
                    row: row.row,
                    entry_id: id,
                    product: ProductName::of(&row.fields),
                    changes,
                    scheduled: upcoming,
                });
            }
        }
    }
    report
        .errors
        .sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    Ok((report, items))
}

/// The rows an import of this file (for its effective date, default today) would leave out, with
/// their problems: the file's header and those rows as they were, and a last column 问题.
pub async fn rejected(ctx: &Ctx, actor: &Actor, form: ImportForm) -> AppResult<Download> {
    use std::collections::BTreeMap;
    let c = actor.consortium()?;
    let bytes = file_of(form.file)?;
    let effective = form.effective_date.unwrap_or_else(|| ctx.clock.today());
    rules::f1_effective_date(effective, ctx.clock.today())?;
    let (report, _) = analyse(&ctx.db, c, &bytes, true, effective, form.mapping.as_ref(), None).await?;
    let mut problems: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for e in &report.errors {
        problems
            .entry(e.row)
            .or_default()
            .push(format!("{}：{}", e.column, e.message));
    }
    for o in &report.overrides {
        for s in &o.scheduled {
            problems.entry(o.row).or_default().push(tr(
                format!("会推翻已批准的变更（提议 #{}，{} 起生效）", s.proposal_id, s.effective_from),
                format!(
                    "would override an approved change (proposal #{}, effective {})",
                    s.proposal_id, s.effective_from
                ),
            ));
        }
    }
    let table = io::read_table(&bytes).map_err(file_error)?;
    let xlsx = io::rejected_xlsx(&table, &problems).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Download::new(
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "rejected-rows.xlsx".to_string(),
    ))
}

/// Remember the user's column choices for the consortium (merged into those of earlier files).
async fn remember_mapping(
    conn: &impl ConnectionTrait,
    c: i64,
    mapping: &HashMap<String, String>,
) -> AppResult<()> {
    use entity::formulary_setting as setting;
    use sea_orm::sea_query::Expr;
    store::ensure_settings(conn, c).await?;
    let mut all = remembered(conn, c).await?;
    all.extend(mapping.iter().map(|(h, k)| (h.clone(), k.clone())));
    setting::Entity::update_many()
        .col_expr(setting::Column::ImportMapping, Expr::value(Some(store::json(&all)?)))
        .filter(setting::Column::ConsortiumId.eq(c))
        .exec(conn)
        .await?;
    Ok(())
}

/// The consortium's remembered column choices.
async fn remembered(conn: &impl ConnectionTrait, c: i64) -> AppResult<HashMap<String, String>> {
    Ok(store::settings_row(conn, c)
        .await?
        .import_mapping
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default())
}

/// The file's columns and the field each will be read as (remembered, template, suggested).
pub async fn columns(ctx: &Ctx, actor: &Actor, form: ImportForm) -> AppResult<ColumnPlan> {
    let c = actor.consortium()?;
    let bytes = file_of(form.file)?;
    let table = io::read_table(&bytes).map_err(file_error)?;
    let Some((header, rows)) = table.split_first() else {
        return Err(file_error(FileError::Empty));
    };
    let samples: Vec<Vec<String>> = rows.iter().take(20).cloned().collect();
    Ok(super::columns::plan(header, &samples, &remembered(&ctx.db, c).await?))
}
