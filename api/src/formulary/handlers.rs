//! Thin formulary handlers: extract, call one service function, shape the answer. Each
//! operation's action is declared in `formulary/mod.rs`; the guard has checked it already.
use std::collections::HashMap;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::import::{self, ImportForm};
use super::service;
use super::views::*;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{multipart_of, upload_error, ApiJson, ApiPath, ApiQuery};
use crate::i18n::tr;
use crate::kernel::{Actor, FileBytes};
use crate::state::AppState;

/// The formulary as it stands on a day (default today), filtered and paged by (name, id).
#[utoipa::path(get, path = "/api/v1/formulary", tag = "formulary", operation_id = "list_entries",
    params(ListQuery),
    responses((status = 200, description = "A page of entries", body = EntryPage)))]
pub async fn list_entries(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Response> {
    Ok(Json(service::list(&state.ctx, &actor, &q).await?).into_response())
}

/// Type-ahead search (F4): Chinese name or any part, pinyin initials (阿莫西林 → amxl, or mxl),
/// full pinyin, English, approval number, NHSA or ATC code. Ranked: exact code, prefix,
/// substring; active and essential first.
#[utoipa::path(get, path = "/api/v1/formulary/search", tag = "formulary", operation_id = "search_entries",
    params(SearchQuery),
    responses((status = 200, description = "The hits, best first", body = SearchResults)))]
pub async fn search_entries(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> AppResult<Response> {
    Ok(Json(service::search(&state.ctx, &actor, &q).await?).into_response())
}

/// One entry as it stood on a day (default today), with the approved changes scheduled after
/// that day.
#[utoipa::path(get, path = "/api/v1/formulary/{id}", tag = "formulary", operation_id = "get_entry",
    params(("id" = i64, Path), AsOfQuery),
    responses((status = 200, description = "The entry and its upcoming approved changes", body = EntryDetail),
        (status = 404, description = "No such entry in your consortium, or it was not yet in the formulary on that day", body = Problem)))]
pub async fn get_entry(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> AppResult<Json<EntryDetail>> {
    Ok(Json(service::get_entry(&state.ctx, &actor, id, q.as_of).await?))
}

/// The entry's proposals and decisions, with who and when (F2).
#[utoipa::path(get, path = "/api/v1/formulary/{id}/timeline", tag = "formulary", operation_id = "get_entry_timeline",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The entry's timeline", body = Timeline)))]
pub async fn get_entry_timeline(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Timeline>> {
    Ok(Json(service::timeline(&state.ctx, &actor, id).await?))
}

/// What changed between two days (F2): added, changed fields, suspended, withdrawn, reinstated.
#[utoipa::path(get, path = "/api/v1/formulary/diff", tag = "formulary", operation_id = "diff_formulary",
    params(DiffQuery),
    responses((status = 200, description = "The changes", body = Diff),
        (status = 422, description = "`from` is after `to`", body = Problem)))]
pub async fn diff_formulary(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> AppResult<Response> {
    Ok(Json(service::diff(&state.ctx, &actor, q.from, q.to).await?).into_response())
}

/// Essential-medicine share per level group against the consortium's targets (F3).
#[utoipa::path(get, path = "/api/v1/formulary/essential-share", tag = "formulary", operation_id = "essential_share",
    params(AsOfQuery),
    responses((status = 200, description = "The share per group", body = ShareReport)))]
pub async fn essential_share(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> AppResult<Json<ShareReport>> {
    Ok(Json(service::essential_share(&state.ctx, &actor, q.as_of).await?))
}

/// Formulary settings: essential-medicine targets.
#[utoipa::path(get, path = "/api/v1/formulary/settings", tag = "formulary", operation_id = "get_formulary_settings",
    responses((status = 200, description = "The settings", body = FormularySettings)))]
pub async fn get_formulary_settings(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<FormularySettings>> {
    Ok(Json(service::get_settings(&state.ctx, &actor).await?))
}

/// Change the essential-medicine targets (committee or consortium administrator).
#[utoipa::path(put, path = "/api/v1/formulary/settings", tag = "formulary", operation_id = "put_formulary_settings",
    request_body = FormularySettings,
    responses((status = 200, description = "The settings as saved", body = FormularySettings)))]
pub async fn put_formulary_settings(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<FormularySettings>,
) -> AppResult<Json<FormularySettings>> {
    Ok(Json(service::put_settings(&state.ctx, &actor, req).await?))
}

/// Propose a change (F1): add, amend, suspend or withdraw, with a reason and an effective date.
#[utoipa::path(post, path = "/api/v1/formulary/proposals", tag = "formulary", operation_id = "create_proposal",
    request_body = NewProposal,
    responses((status = 201, description = "Proposed", body = Proposal),
        (status = 404, description = "No such entry in your consortium", body = Problem),
        (status = 422, description = "Refused, e.g. by rule F1 (an effective date in the past) or F5, or a change that changes nothing", body = Problem)))]
pub async fn create_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<ProposalRequest>,
) -> AppResult<(StatusCode, Json<Proposal>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::propose(&state.ctx, &actor, &req).await?),
    ))
}

/// Check a draft proposal without creating it: the warnings the form shows live (F5).
#[utoipa::path(post, path = "/api/v1/formulary/proposals/check", tag = "formulary", operation_id = "check_proposal",
    request_body = ProposalRequest,
    responses((status = 200, description = "The warnings the draft would meet (none for a draft too incomplete to check)", body = CheckResult),
        (status = 404, description = "No such entry in your consortium", body = Problem)))]
pub async fn check_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<ProposalRequest>,
) -> AppResult<Json<CheckResult>> {
    Ok(Json(service::check(&state.ctx, &actor, &req).await?))
}

/// Proposals, newest first.
#[utoipa::path(get, path = "/api/v1/formulary/proposals", tag = "formulary", operation_id = "list_proposals",
    params(ProposalQuery),
    responses((status = 200, description = "A page of proposals", body = ProposalPage)))]
pub async fn list_proposals(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ProposalQuery>,
) -> AppResult<Json<ProposalPage>> {
    Ok(Json(service::list_proposals(&state.ctx, &actor, &q).await?))
}

/// One proposal with all its items.
#[utoipa::path(get, path = "/api/v1/formulary/proposals/{id}", tag = "formulary", operation_id = "get_proposal",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The proposal", body = Proposal)))]
pub async fn get_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Proposal>> {
    Ok(Json(service::get_proposal(&state.ctx, &actor, id).await?))
}

/// One proposal's items, page by page, each with the product in full, the present values of
/// the fields it changes and the price flag (a batch import may carry thousands).
#[utoipa::path(get, path = "/api/v1/formulary/proposals/{id}/items", tag = "formulary", operation_id = "list_proposal_items",
    params(("id" = i64, Path), ItemQuery),
    responses((status = 200, description = "A page of the items, in their order", body = ProposalItemPage)))]
pub async fn list_proposal_items(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ItemQuery>,
) -> AppResult<Json<ProposalItemPage>> {
    Ok(Json(service::proposal_items(&state.ctx, &actor, id, &q).await?))
}

/// Approve (F1: by a committee member other than the proposer). Exactly one of two concurrent
/// decisions wins; the other gets 409.
#[utoipa::path(post, path = "/api/v1/formulary/proposals/{id}/approve", tag = "formulary", operation_id = "approve_proposal",
    params(("id" = i64, Path)), request_body = ApproveRequest,
    responses((status = 200, description = "Approved", body = Proposal),
        (status = 403, description = "Rule F1: you proposed it", body = Problem),
        (status = 409, description = "Already decided, or decided meanwhile by someone else, or a change already scheduled on the entry is later", body = Problem),
        (status = 422, description = "Rule F5 refuses it now (unless justified)", body = Problem)))]
pub async fn approve_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> AppResult<Json<Proposal>> {
    Ok(Json(service::approve(&state.ctx, &actor, id, req.note).await?))
}

/// Reject with a reason.
#[utoipa::path(post, path = "/api/v1/formulary/proposals/{id}/reject", tag = "formulary", operation_id = "reject_proposal",
    params(("id" = i64, Path)), request_body = RejectRequest,
    responses((status = 200, description = "Rejected", body = Proposal),
        (status = 403, description = "Rule F1: you proposed it (you may withdraw it)", body = Problem),
        (status = 409, description = "Already decided", body = Problem)))]
pub async fn reject_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RejectRequest>,
) -> AppResult<Json<Proposal>> {
    Ok(Json(service::reject(&state.ctx, &actor, id, req.reason).await?))
}

/// The proposer withdraws a pending proposal.
#[utoipa::path(post, path = "/api/v1/formulary/proposals/{id}/withdraw", tag = "formulary", operation_id = "withdraw_proposal",
    params(("id" = i64, Path)), request_body = WithdrawRequest,
    responses((status = 200, description = "Withdrawn", body = Proposal),
        (status = 403, description = "Only the proposer may withdraw a proposal", body = Problem),
        (status = 409, description = "Already decided", body = Problem)))]
pub async fn withdraw_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(_req): ApiJson<WithdrawRequest>,
) -> AppResult<Json<Proposal>> {
    Ok(Json(service::withdraw(&state.ctx, &actor, id).await?))
}

/// The import template (Chinese headers; English headers are accepted too).
#[utoipa::path(get, path = "/api/v1/formulary/import-template", tag = "formulary", operation_id = "import_template",
    params(TemplateQuery),
    responses((status = 200, description = "The template, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content(
            (String = "text/csv; charset=utf-8"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub async fn import_template(ApiQuery(q): ApiQuery<TemplateQuery>) -> AppResult<Response> {
    Ok(service::template(q.format.unwrap_or_default())?.into_response())
}

/// Export the formulary (today or `as_of`) as CSV (UTF-8 with BOM), XLSX or FHIR R5 JSON.
#[utoipa::path(get, path = "/api/v1/formulary/export", tag = "formulary", operation_id = "export_formulary",
    params(ExportQuery),
    responses((status = 200, description = "The formulary, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content(
            (String = "text/csv; charset=utf-8"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (FhirBundle = "application/fhir+json")))))]
pub async fn export_formulary(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    Ok(service::export(&state.ctx, &actor, &q).await?.into_response())
}

/// Import a CSV or XLSX file. A dry run lists every problem by row and column and the changes
/// the file would make; applying it creates one batch proposal that goes through F1 like any
/// other — an import never bypasses the committee.
#[utoipa::path(post, path = "/api/v1/formulary/imports", tag = "formulary", operation_id = "import_formulary",
    params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data", description = "file (CSV or XLSX); reason, effective_date, justification when applying"),
    responses((status = 200, description = "The report; when applied, with the batch proposal's id", body = ImportReport),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read as the template (field `file`), an unknown form part, or, when applying, a row with a problem (`report`), a missing reason or effective date, or a refusal by rule F1 or F5", body = Problem)))]
pub async fn import_formulary(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<ImportReport>> {
    let form = read_form(multipart_of(&headers, multipart)?).await?;
    Ok(Json(
        import::run(
            &state.ctx,
            &actor,
            form,
            q.dry_run.unwrap_or(true),
            q.progress.as_deref(),
        )
        .await?,
    ))
}

/// How far the check of the caller's import (the one given `progress=token`) has got: reading
/// the file, reading the formulary, or row by row. Known on the instance that checks it, for
/// ten minutes after it ended.
#[utoipa::path(get, path = "/api/v1/formulary/imports/progress", tag = "formulary", operation_id = "import_progress",
    params(ImportProgressQuery),
    responses((status = 200, description = "Where the check is", body = ImportProgress),
        (status = 404, description = "No import of the caller with this token is known here (not started yet, ended long ago, or checked by another instance)", body = Problem),
        (status = 422, description = "The token is not 8–64 letters, digits or `-`", body = Problem)))]
pub async fn import_progress(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ImportProgressQuery>,
) -> AppResult<Json<ImportProgress>> {
    Ok(Json(
        state
            .ctx
            .part::<import::Progresses>()
            .get(actor.id(), &q.token)?,
    ))
}

/// The rows of a file that an import would leave out — row problems, and rows that would
/// override approved changes — each with its problems in a last column, as an Excel file to
/// fix and import again. Nothing is changed.
#[utoipa::path(post, path = "/api/v1/formulary/imports/rejected", tag = "formulary", operation_id = "import_rejected_rows",
    request_body(content = ImportUpload, content_type = "multipart/form-data", description = "the file, and the effective date it would be imported for (default today); other parts are ignored"),
    responses((status = 200, description = "XLSX: the file's header and its rejected rows, with a 问题 column (only the header when every row is fine)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read as the template (field `file`), an unknown form part, or an effective date refused by rule F1", body = Problem)))]
pub async fn import_rejected_rows(
    State(state): State<AppState>,
    actor: Actor,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let form = read_form(multipart_of(&headers, multipart)?).await?;
    Ok(import::rejected(&state.ctx, &actor, form).await?.into_response())
}

/// The columns of a file written by others and the field each will be read as: the one the
/// consortium chose for that header before, the template's, or one suggested from the header's
/// words. Send the confirmed choice as the form part `mapping` of the check and the import.
#[utoipa::path(post, path = "/api/v1/formulary/imports/columns", tag = "formulary", operation_id = "import_columns",
    request_body(content = ImportUpload, content_type = "multipart/form-data", description = "the file; other parts are ignored"),
    responses((status = 200, description = "The file's columns and their fields", body = ColumnPlan),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read as a spreadsheet (field `file`), or an unknown form part", body = Problem)))]
pub async fn import_columns(
    State(state): State<AppState>,
    actor: Actor,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<ColumnPlan>> {
    let form = read_form(multipart_of(&headers, multipart)?).await?;
    Ok(Json(import::columns(&state.ctx, &actor, form).await?))
}

/// The parts of the import form.
async fn read_form(mut mp: Multipart) -> AppResult<ImportForm> {
    let mut form = ImportForm::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(upload_error(e)),
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(upload_error)?;
        if name != "file" && bytes.contains(&0) {
            return Err(AppError::field(
                name,
                tr(
                    "文本不能包含 NUL 字符",
                    "text must not contain NUL characters",
                ),
            ));
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "file" => form.file = Some(bytes.to_vec()),
            "reason" => form.reason = Some(text()).filter(|s| !s.is_empty()),
            "effective_date" => {
                // Empty, or a date as the document says (YYYY-MM-DD), in a dry run too.
                let raw = String::from_utf8_lossy(&bytes);
                form.effective_date = if raw.is_empty() {
                    None
                } else {
                    Some(raw.parse().map_err(|_| {
                        AppError::field(
                            "effective_date",
                            tr("日期格式如 2026-12-01", "a date like 2026-12-01"),
                        )
                    })?)
                };
            }
            "justification" => form.justification = Some(text()).filter(|s| !s.is_empty()),
            // Empty is the same as absent, as for the other text parts.
            "mapping" if text().is_empty() => form.mapping = None,
            "mapping" => {
                let raw: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| {
                    AppError::field(
                        "mapping",
                        tr(
                            "列对应应为 JSON 对象：{\"文件表头\": \"字段\"}",
                            "the mapping is a JSON object: {\"file header\": \"field\"}",
                        ),
                    )
                })?;
                let known = |k: &str| k.is_empty() || super::io::COLUMNS.iter().any(|(c, _)| *c == k);
                if let Some((h, k)) = raw.iter().find(|(_, k)| !known(k)) {
                    return Err(AppError::field(
                        "mapping",
                        tr(
                            format!("表头“{h}”对应的字段 {k} 不存在"),
                            format!("header {h:?} is mapped to {k:?}, which is not a field"),
                        ),
                    ));
                }
                form.mapping = Some(
                    raw.into_iter()
                        .map(|(h, k)| (super::columns::normalise(&h), k))
                        .collect(),
                );
            }
            "skip_invalid" => {
                form.skip_invalid = match text().as_str() {
                    "" | "false" => false,
                    "true" => true,
                    _ => {
                        return Err(AppError::field(
                            "skip_invalid",
                            tr("请填 true 或 false", "write true or false"),
                        ));
                    }
                }
            }
            other => {
                return Err(AppError::field(
                    other,
                    tr(
                        "未知的表单字段；可用字段为 file、reason、effective_date、justification、skip_invalid、mapping",
                        "unknown form field; send file, reason, effective_date, justification, skip_invalid, mapping",
                    ),
                ));
            }
        }
    }
    Ok(form)
}

