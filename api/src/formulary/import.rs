//! The import flow: parse the file, compare every row with the current formulary, report; when
//! applying, create one batch proposal (F1 and F5 apply as to any other), in one transaction.
use crate::i18n::tr;
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::formulary_version as version;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::io::{self, FileError};
use super::rules;
use super::service;
use super::store::{self, PlannedItem};
use super::views::*;
use crate::error::{AppError, AppResult};
use crate::kernel::{Actor, Ctx};

/// The parts of an import form (read by the handler from multipart/form-data).
#[derive(Default)]
pub struct ImportForm {
    pub file: Option<Vec<u8>>,
    pub reason: Option<String>,
    pub effective_date: Option<NaiveDate>,
    pub justification: Option<String>,
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

pub async fn run(ctx: &Ctx, actor: &Actor, form: ImportForm, dry_run: bool) -> AppResult<ImportReport> {
    let c = actor.consortium()?;
    let bytes = form.file.ok_or_else(|| {
        AppError::field(
            "file",
            tr(
                "请以表单字段 file 上传 CSV 或 XLSX 文件",
                "attach the CSV or XLSX file as the form field `file`",
            ),
        )
    })?;
    let tx = ctx.write().await?;
    let (mut report, items) = analyse(&tx, c, &bytes, dry_run).await?;
    if dry_run {
        return Ok(report);
    }
    if !report.errors.is_empty() {
        let n = report.errors.len();
        return Err(AppError::WithReport {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            message: tr(
                format!("文件有 {n} 处问题，请按 report.errors 修改后重新导入；目录未作任何改动"),
                format!(
                    "the file has {n} problem(s); fix them (see report.errors) and import again — nothing was changed"
                ),
            ),
            report: serde_json::to_value(&report).unwrap_or_default(),
        });
    }
    if items.is_empty() {
        return Err(AppError::field(
            "file",
            tr(
                "每一行都与现行目录一致，没有需要提议的变更",
                "every row matches the formulary already; there is nothing to propose",
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
    let effective: NaiveDate = form.effective_date.ok_or_else(|| {
        AppError::field(
            "effective_date",
            tr(
                "请填写生效日期（YYYY-MM-DD）",
                "give the effective date (YYYY-MM-DD)",
            ),
        )
    })?;
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
    tx.commit().await?;
    report.proposal_id = Some(id);
    Ok(report)
}

/// Parse a file and compare it with the consortium's current formulary: the report, and the
/// changes a proposal would carry.
pub async fn analyse(
    conn: &impl ConnectionTrait,
    c: i64,
    bytes: &[u8],
    dry_run: bool,
) -> AppResult<(ImportReport, Vec<PlannedItem>)> {
    let table = io::read_table(bytes).map_err(file_error)?;
    let parsed = io::parse(table).map_err(file_error)?;
    let mut report = ImportReport {
        dry_run,
        rows_total: parsed.rows_total,
        rows_valid: 0,
        errors: parsed.errors,
        added: vec![],
        changed: vec![],
        unchanged: 0,
        proposal_id: None,
    };
    // Current products (their newest versions) to match rows against.
    let current: Vec<version::Model> = version::Entity::find()
        .filter(version::Column::ConsortiumId.eq(c))
        .filter(version::Column::ValidTo.is_null())
        .all(conn)
        .await?;
    let by_id: HashMap<i64, &version::Model> = current.iter().map(|v| (v.entry_id, v)).collect();
    let by_code: HashMap<(&str, &str), &version::Model> = current
        .iter()
        .map(|v| ((v.approval_number.as_str(), v.strength.as_str()), v))
        .collect();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut items: Vec<PlannedItem> = Vec::new();
    for row in parsed.rows {
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
        let existing = match row.entry_id {
            Some(id) => match by_id.get(&id) {
                Some(v) => Some(*v),
                None => {
                    report.errors.push(RowError { row: row.row, column: "条目编号".into(), message: tr(format!("条目 {id} 不在本目录中；新增药品请将条目编号留空"), format!("entry {id} is not in this formulary; leave 条目编号 empty for a new product")) });
                    continue;
                }
            },
            None => by_code
                .get(&(
                    row.fields.approval_number.as_str(),
                    row.fields.strength.as_str(),
                ))
                .copied(),
        };
        report.rows_valid += 1;
        match existing {
            None => {
                report.added.push(AddedRow {
                    row: row.row,
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
            }
            Some(v) => {
                let before = store::to_fields(v);
                let changes = rules::field_changes(&before, &row.fields);
                if changes.is_empty() {
                    report.unchanged += 1;
                    continue;
                }
                let patch = EntryPatch::between(&before, &row.fields);
                report.changed.push(ChangedRow {
                    row: row.row,
                    entry_id: v.entry_id,
                    generic_name_zh: row.fields.generic_name_zh.clone(),
                    changes: changes.clone(),
                });
                items.push(PlannedItem {
                    kind: ProposalKind::Amend,
                    entry_id: Some(v.entry_id),
                    patch,
                    after: row.fields,
                    changes,
                    base: Some(v.id),
                });
            }
        }
    }
    report
        .errors
        .sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    Ok((report, items))
}
