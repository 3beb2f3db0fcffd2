//! Thin formulary handlers: extract, authorize (`Can<…>`), call the service, shape the answer.
use crate::i18n::tr;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use serde::Serialize;
use serde_json::value::RawValue;
use tongyao_search::{MatchField, MatchKind};

use super::search_cache::DocAttrs;
use super::views::*;
use super::{import, io, service};
use crate::auth::{Can, can};
use crate::db::begin_write;
use crate::error::{AppError, AppResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::org::Level;
use crate::paging::{Cursor, clamp_limit};
use crate::state::AppState;

/// The formulary as it stands on a day (default today), filtered and paged by (name, id).
#[utoipa::path(get, path = "/api/v1/formulary", tag = "formulary", operation_id = "list_entries",
    params(ListQuery),
    responses((status = 200, body = EntryPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_entries(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Response> {
    let c = user.consortium()?;
    let limit = clamp_limit(q.limit);
    let text = q.q.as_deref().map(str::trim).unwrap_or("");
    if text.is_empty() {
        return Ok(Json(service::list_entries(&state.db, c, &q, limit).await?).into_response());
    }
    // With search text the in-memory index answers; the page is ordered like the plain list.
    let index = state.search.index(&state.db, c).await?;
    let d = q.as_of.unwrap_or_else(service::today);
    let accept = |a: &DocAttrs| {
        filters_accept(a, d, q.status, q.level, q.essential, q.special_class)
            && q.route.is_none_or(|r| a.route == r)
    };
    let mut hits: Vec<&DocAttrs> = index
        .matching(text, |doc| accept(&doc.attrs))
        .into_iter()
        .map(|i| &index.docs()[i].attrs)
        .collect();
    hits.sort_by(|a, b| (&a.sort_key, a.entry_id).cmp(&(&b.sort_key, b.entry_id)));
    let total = hits.len() as u64;
    if let Some(cur) = &q.cursor {
        let (key, id): (String, i64) = Cursor::decode(cur)
            .ok_or_else(|| AppError::field("cursor", tr("翻页游标无效", "invalid cursor")))?;
        hits.retain(|a| (&a.sort_key, a.entry_id) > (&key, id));
    }
    let more = hits.len() as u64 > limit;
    hits.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            hits.last()
                .map(|a| Cursor::encode(&(a.sort_key.clone(), a.entry_id)))
        })
        .flatten();
    // Same shape as EntryPage, with each entry's JSON as the index keeps it.
    #[derive(Serialize)]
    struct RawPage<'a> {
        items: Vec<&'a RawValue>,
        next_cursor: Option<String>,
        total: u64,
    }
    Ok(Json(RawPage {
        items: hits.iter().map(|a| a.json.as_ref()).collect(),
        next_cursor,
        total,
    })
    .into_response())
}

fn filters_accept(
    a: &DocAttrs,
    d: NaiveDate,
    status: Option<EntryStatus>,
    level: Option<Level>,
    essential: Option<bool>,
    special: Option<SpecialClass>,
) -> bool {
    a.valid_on(d)
        && match status {
            Some(s) => a.status == s,
            None => a.status != EntryStatus::Withdrawn,
        }
        && level.is_none_or(|l| l.may_use(a.level_scope))
        && essential.is_none_or(|x| a.essential == x)
        && special.is_none_or(|s| a.special_class == s)
}

/// Type-ahead search (F4): Chinese name or any part, pinyin initials (阿莫西林 → amxl, or mxl),
/// full pinyin, English, approval number, NHSA or ATC code. Ranked: exact code, prefix,
/// substring; active and essential first.
#[utoipa::path(get, path = "/api/v1/formulary/search", tag = "formulary", operation_id = "search_entries",
    params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn search_entries(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> AppResult<Response> {
    let c = user.consortium()?;
    if q.q.chars().count() > 100 {
        return Err(AppError::field(
            "q",
            tr("最多 100 个字符", "at most 100 characters"),
        ));
    }
    let limit = q.limit.unwrap_or(20).clamp(1, 50);
    let d = q.as_of.unwrap_or_else(service::today);
    let index = state.search.index(&state.db, c).await?;
    let hits = index.search(&q.q, limit, |doc| {
        filters_accept(
            &doc.attrs,
            d,
            q.status,
            q.level,
            q.essential,
            q.special_class,
        )
    });
    // Same shape as SearchResults, with each entry's JSON as the index keeps it.
    #[derive(Serialize)]
    struct RawHit<'a> {
        entry: &'a RawValue,
        #[serde(rename = "match")]
        match_kind: HitMatch,
        field: HitField,
    }
    #[derive(Serialize)]
    struct RawResults<'a> {
        items: Vec<RawHit<'a>>,
    }
    let items = hits
        .into_iter()
        .map(|h| RawHit {
            entry: &index.docs()[h.doc].attrs.json,
            match_kind: match h.kind {
                MatchKind::CodeExact => HitMatch::CodeExact,
                MatchKind::Prefix => HitMatch::Prefix,
                MatchKind::Substring => HitMatch::Substring,
            },
            field: match h.field {
                MatchField::Code => HitField::Code,
                MatchField::NameZh => HitField::NameZh,
                MatchField::NameEn => HitField::NameEn,
                MatchField::Initials => HitField::Initials,
                MatchField::Pinyin => HitField::Pinyin,
            },
        })
        .collect();
    Ok(Json(RawResults { items }).into_response())
}

/// One entry as it stood on a day (default today).
#[utoipa::path(get, path = "/api/v1/formulary/{id}", tag = "formulary", operation_id = "get_entry",
    params(("id" = i64, Path), AsOfQuery),
    responses((status = 200, body = Entry), (status = 404, body = Problem)))]
pub async fn get_entry(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> AppResult<Json<Entry>> {
    let c = user.consortium()?;
    Ok(Json(
        service::get_entry(&state.db, c, id, q.as_of.unwrap_or_else(service::today)).await?,
    ))
}

/// The entry's proposals and decisions, with who and when (F2).
#[utoipa::path(get, path = "/api/v1/formulary/{id}/timeline", tag = "formulary", operation_id = "get_entry_timeline",
    params(("id" = i64, Path)),
    responses((status = 200, body = Timeline), (status = 404, body = Problem)))]
pub async fn get_entry_timeline(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Timeline>> {
    Ok(Json(
        service::timeline(&state.db, user.consortium()?, id).await?,
    ))
}

/// What changed between two days (F2): added, changed fields, suspended, withdrawn, reinstated.
#[utoipa::path(get, path = "/api/v1/formulary/diff", tag = "formulary", operation_id = "diff_formulary",
    params(DiffQuery),
    responses((status = 200, body = Diff), (status = 422, body = Problem)))]
pub async fn diff_formulary(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> AppResult<Json<Diff>> {
    Ok(Json(
        service::diff(&state.db, user.consortium()?, q.from, q.to).await?,
    ))
}

/// Essential-medicine share per level group against the consortium's targets (F3).
#[utoipa::path(get, path = "/api/v1/formulary/essential-share", tag = "formulary", operation_id = "essential_share",
    params(AsOfQuery),
    responses((status = 200, body = ShareReport)))]
pub async fn essential_share(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> AppResult<Json<ShareReport>> {
    Ok(Json(
        service::essential_share(
            &state.db,
            user.consortium()?,
            q.as_of.unwrap_or_else(service::today),
        )
        .await?,
    ))
}

/// Formulary settings: essential-medicine targets.
#[utoipa::path(get, path = "/api/v1/formulary/settings", tag = "formulary", operation_id = "get_formulary_settings",
    responses((status = 200, body = FormularySettings)))]
pub async fn get_formulary_settings(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
) -> AppResult<Json<FormularySettings>> {
    Ok(Json(FormularySettings {
        essential_targets: service::targets(&state.db, user.consortium()?).await?,
    }))
}

/// Change the essential-medicine targets (committee or consortium administrator).
#[utoipa::path(put, path = "/api/v1/formulary/settings", tag = "formulary", operation_id = "put_formulary_settings",
    request_body = FormularySettings,
    responses((status = 200, body = FormularySettings), (status = 422, body = Problem)))]
pub async fn put_formulary_settings(
    State(state): State<AppState>,
    Can(user, ..): Can<can::SetFormularyTargets>,
    ApiJson(req): ApiJson<FormularySettings>,
) -> AppResult<Json<FormularySettings>> {
    let c = user.consortium()?;
    let tx = begin_write(&state.db).await?;
    service::set_targets(&tx, &user, c, &req.essential_targets).await?;
    tx.commit().await?;
    Ok(Json(req))
}

/// Propose a change (F1): add, amend, suspend or withdraw, with a reason and an effective date.
#[utoipa::path(post, path = "/api/v1/formulary/proposals", tag = "formulary", operation_id = "create_proposal",
    request_body = ProposalRequest,
    responses((status = 201, body = Proposal), (status = 422, description = "Refused, e.g. rule F1 or F5", body = Problem)))]
pub async fn create_proposal(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ProposeFormulary>,
    ApiJson(req): ApiJson<ProposalRequest>,
) -> AppResult<(StatusCode, Json<Proposal>)> {
    let c = user.consortium()?;
    let tx = begin_write(&state.db).await?;
    let item = service::plan_item(&tx, c, &req).await?;
    let id = service::create_proposal(
        &tx,
        &user,
        c,
        req.kind,
        &req.reason,
        req.effective_date,
        req.justification.clone(),
        vec![item],
    )
    .await?;
    let p = service::proposal_view(&tx, service::find_proposal(&tx, c, id).await?, true).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Check a draft proposal without creating it: the warnings the form shows live (F5).
#[utoipa::path(post, path = "/api/v1/formulary/proposals/check", tag = "formulary", operation_id = "check_proposal",
    request_body = ProposalRequest,
    responses((status = 200, body = CheckResult)))]
pub async fn check_proposal(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ProposeFormulary>,
    ApiJson(req): ApiJson<ProposalRequest>,
) -> AppResult<Json<CheckResult>> {
    let c = user.consortium()?;
    let mut warnings = Vec::new();
    match service::plan_item(&state.db, c, &req).await {
        Ok(item) => {
            for r in service::f5_violations(&state.db, c, &[item]).await? {
                warnings.push(Warning {
                    rule: r.rule,
                    message: r.message,
                });
            }
        }
        Err(AppError::Validation(errs)) => {
            // A half-filled form: still warn on F5 from what is there.
            if let Some(w) = partial_f5(&state, c, &req).await? {
                warnings.push(w);
            }
            let _ = errs;
        }
        Err(e) => return Err(e),
    }
    Ok(Json(CheckResult { warnings }))
}

async fn partial_f5(state: &AppState, c: i64, req: &ProposalRequest) -> AppResult<Option<Warning>> {
    let Some(f) = req.fields.as_ref() else {
        return Ok(None);
    };
    let name = f
        .get("generic_name_zh")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .trim();
    let route = f
        .get("route")
        .and_then(|v| v.as_str())
        .and_then(Route::parse);
    let (false, Some(route)) = (name.is_empty(), route) else {
        return Ok(None);
    };
    let probe = super::rules::draft_product(name, route);
    let item = service::PlannedItem {
        kind: ProposalKind::Add,
        entry_id: req.entry_id,
        fields: serde_json::Value::Null,
        after: probe,
        changes: vec![],
    };
    Ok(service::f5_violations(&state.db, c, &[item])
        .await?
        .into_iter()
        .next()
        .map(|r| Warning {
            rule: r.rule,
            message: r.message,
        }))
}

/// Proposals, newest first.
#[utoipa::path(get, path = "/api/v1/formulary/proposals", tag = "formulary", operation_id = "list_proposals",
    params(ProposalQuery),
    responses((status = 200, body = ProposalPage)))]
pub async fn list_proposals(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<ProposalQuery>,
) -> AppResult<Json<ProposalPage>> {
    Ok(Json(
        service::list_proposals(&state.db, user.consortium()?, &q).await?,
    ))
}

/// One proposal with all its items.
#[utoipa::path(get, path = "/api/v1/formulary/proposals/{id}", tag = "formulary", operation_id = "get_proposal",
    params(("id" = i64, Path)),
    responses((status = 200, body = Proposal), (status = 404, body = Problem)))]
pub async fn get_proposal(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Proposal>> {
    let c = user.consortium()?;
    let p = service::find_proposal(&state.db, c, id).await?;
    Ok(Json(service::proposal_view(&state.db, p, true).await?))
}

async fn answer(state: &AppState, c: i64, id: i64) -> AppResult<Json<Proposal>> {
    let p = service::find_proposal(&state.db, c, id).await?;
    Ok(Json(service::proposal_view(&state.db, p, true).await?))
}

/// Approve (F1: by a committee member other than the proposer). Exactly one of two concurrent
/// decisions wins; the other gets 409.
#[utoipa::path(post, path = "/api/v1/formulary/proposals/{id}/approve", tag = "formulary", operation_id = "approve_proposal",
    params(("id" = i64, Path)), request_body = ApproveRequest,
    responses((status = 200, body = Proposal), (status = 403, description = "Rule F1: own proposal", body = Problem), (status = 409, body = Problem)))]
pub async fn approve_proposal(
    State(state): State<AppState>,
    Can(user, ..): Can<can::DecideFormulary>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> AppResult<Json<Proposal>> {
    let c = user.consortium()?;
    let tx = begin_write(&state.db).await?;
    service::approve(&tx, &user, c, id, req.note).await?;
    tx.commit().await?;
    state.search.invalidate(c);
    answer(&state, c, id).await
}

/// Reject with a reason.
#[utoipa::path(post, path = "/api/v1/formulary/proposals/{id}/reject", tag = "formulary", operation_id = "reject_proposal",
    params(("id" = i64, Path)), request_body = RejectRequest,
    responses((status = 200, body = Proposal), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn reject_proposal(
    State(state): State<AppState>,
    Can(user, ..): Can<can::DecideFormulary>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RejectRequest>,
) -> AppResult<Json<Proposal>> {
    let c = user.consortium()?;
    let tx = begin_write(&state.db).await?;
    service::reject(&tx, &user, c, id, req.reason).await?;
    tx.commit().await?;
    answer(&state, c, id).await
}

/// The proposer withdraws a pending proposal.
#[utoipa::path(post, path = "/api/v1/formulary/proposals/{id}/withdraw", tag = "formulary", operation_id = "withdraw_proposal",
    params(("id" = i64, Path)), request_body = WithdrawRequest,
    responses((status = 200, body = Proposal), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw_proposal(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ProposeFormulary>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(_req): ApiJson<WithdrawRequest>,
) -> AppResult<Json<Proposal>> {
    let c = user.consortium()?;
    let tx = begin_write(&state.db).await?;
    service::withdraw(&tx, &user, c, id).await?;
    tx.commit().await?;
    answer(&state, c, id).await
}

fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        filename.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
            "_"
        ),
        filename
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The import template (Chinese headers; English headers are accepted too).
#[utoipa::path(get, path = "/api/v1/formulary/import-template", tag = "formulary", operation_id = "import_template",
    params(FormatQuery),
    responses((status = 200, description = "CSV or XLSX file")))]
pub async fn import_template(
    Can(_user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> AppResult<Response> {
    match q.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(download(
            io::template_csv(),
            "text/csv; charset=utf-8",
            "formulary-template.csv",
        )),
        "xlsx" => Ok(download(
            io::to_xlsx(&[]).map_err(|e| AppError::Internal(e.into()))?,
            XLSX,
            "formulary-template.xlsx",
        )),
        other => Err(AppError::field(
            "format",
            tr(
                format!("{other:?}：请选择 csv 或 xlsx"),
                format!("{other:?}: choose csv or xlsx"),
            ),
        )),
    }
}

/// Export the formulary (today or `as_of`) as CSV (UTF-8 with BOM), XLSX or FHIR R5 JSON.
#[utoipa::path(get, path = "/api/v1/formulary/export", tag = "formulary", operation_id = "export_formulary",
    params(FormatQuery),
    responses((status = 200, description = "CSV, XLSX or FHIR Bundle")))]
pub async fn export_formulary(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ReadFormulary>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> AppResult<Response> {
    let c = user.consortium()?;
    let d = q.as_of.unwrap_or_else(service::today);
    let entries = service::entries_at(&state.db, c, d).await?;
    let name = |ext: &str| format!("formulary-{d}.{ext}");
    match q.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(download(
            io::to_csv(&entries),
            "text/csv; charset=utf-8",
            &name("csv"),
        )),
        "xlsx" => Ok(download(
            io::to_xlsx(&entries).map_err(|e| AppError::Internal(e.into()))?,
            XLSX,
            &name("xlsx"),
        )),
        "fhir" => {
            let bundle = io::to_fhir(&entries, d, 60);
            Ok(download(
                serde_json::to_vec_pretty(&bundle).unwrap_or_default(),
                "application/fhir+json",
                &name("json"),
            ))
        }
        other => Err(AppError::field(
            "format",
            tr(
                format!("{other:?}：请选择 csv、xlsx 或 fhir"),
                format!("{other:?}: choose csv, xlsx or fhir"),
            ),
        )),
    }
}

/// Import a CSV or XLSX file. A dry run lists every problem by row and column and the changes
/// the file would make; applying it creates one batch proposal that goes through F1 like any
/// other — an import never bypasses the committee.
#[utoipa::path(post, path = "/api/v1/formulary/imports", tag = "formulary", operation_id = "import_formulary",
    params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data", description = "file (CSV or XLSX); reason, effective_date, justification when applying"),
    responses((status = 200, body = ImportReport), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import_formulary(
    State(state): State<AppState>,
    Can(user, ..): Can<can::ProposeFormulary>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    multipart: Multipart,
) -> AppResult<Json<ImportReport>> {
    let c = user.consortium()?;
    let form = import::read_form(multipart).await?;
    let dry_run = q.dry_run.unwrap_or(true);
    let tx = begin_write(&state.db).await?;
    let report = import::run(&tx, &user, c, form, dry_run).await?;
    tx.commit().await?;
    Ok(Json(report))
}
