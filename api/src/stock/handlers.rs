//! Thin stock handlers: extract, call one service function, shape the answer. Each operation's
//! action is declared in `stock/mod.rs`; the guard has checked it already.
use axum::Json;
use axum::extract::State;
use axum::extract::multipart::MultipartRejection;
use axum::extract::Multipart;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::views::*;
use super::{consumption, disposal, opening, reads, stocktake};
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, file_part};
use crate::kernel::{Actor, FileBytes};
use crate::state::AppState;

/// Stock on hand by institution, product (in name order) and lot, in base units and packs,
/// each lot flagged near expiry or expired (D6): read from the running balances.
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", operation_id = "list_stock",
    params(StockQuery),
    responses((status = 200, description = "A page of stock lines", body = StockPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_stock(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<StockQuery>,
) -> AppResult<Json<StockPage>> {
    Ok(Json(reads::stock(&state.ctx, &actor, &q).await?))
}

/// The institutions whose stock you see: every one of the consortium for the lead hospital's
/// procurement and distribution staff, the administrator and the auditor; your own otherwise.
#[utoipa::path(get, path = "/api/v1/stock/institutions", tag = "stock", operation_id = "list_stock_institutions",
    responses((status = 200, description = "The institutions, lead hospital first", body = [StockInstitution])))]
pub async fn list_stock_institutions(State(state): State<AppState>, actor: Actor) -> AppResult<Json<Vec<StockInstitution>>> {
    Ok(Json(reads::visible_institutions(&state.ctx, &actor).await?))
}

/// The stock list with its filters, every row, as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/stock/export", tag = "stock", operation_id = "export_stock",
    params(StockExportQuery),
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn export_stock(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<StockExportQuery>,
) -> AppResult<Response> {
    Ok(reads::export_stock(&state.ctx, &actor, q).await?.into_response())
}

/// The ledger, newest first; with an institution and an entry, that product's stock card
/// (库存卡) with the balance after each movement.
#[utoipa::path(get, path = "/api/v1/stock/movements", tag = "stock", operation_id = "list_stock_movements",
    params(MovementQuery),
    responses((status = 200, description = "A page of movements, newest first", body = MovementPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_stock_movements(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<MovementQuery>,
) -> AppResult<Json<MovementPage>> {
    Ok(Json(reads::movements(&state.ctx, &actor, &q).await?))
}

/// The ledger with its filters (newest first, at most 100,000 rows) as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/stock/movements/export", tag = "stock", operation_id = "export_stock_movements",
    params(MovementExportQuery),
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn export_stock_movements(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<MovementExportQuery>,
) -> AppResult<Response> {
    Ok(reads::export_movements(&state.ctx, &actor, q).await?.into_response())
}

/// Record movements at one institution, all or none: each moves its lot's balance in the same
/// transaction, and one that would take more than is there is refused (D6), as is issuing an
/// expired lot, an adjustment without its reason, or a split pack at the central warehouse.
#[utoipa::path(post, path = "/api/v1/stock/movements", tag = "stock", operation_id = "record_stock_movements",
    request_body = RecordMovements,
    responses((status = 201, description = "Recorded", body = [Movement]),
        (status = 404, description = "No such institution or entry in your consortium, or an institution not yours to move stock at", body = Problem),
        (status = 422, description = "Refused by rule D6 (not enough on hand, the wrong direction for the kind, an expired lot issued, an adjustment without its reason, a split pack at the warehouse), or a bad lot number", body = Problem)))]
pub async fn record_stock_movements(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<RecordMovements>,
) -> AppResult<(StatusCode, Json<Vec<Movement>>)> {
    Ok((StatusCode::CREATED, Json(reads::record_at(&state.ctx, &actor, req).await?)))
}

/// Take back a mistaken movement by one that reverses it, with the reason. A movement is
/// reversed at most once; a reversal is not reversed.
#[utoipa::path(post, path = "/api/v1/stock/movements/{id}/reverse", tag = "stock", operation_id = "reverse_stock_movement",
    params(("id" = i64, Path)), request_body = ReverseRequest,
    responses((status = 201, description = "The reversing movement", body = Movement),
        (status = 404, description = "No such movement in your consortium, or at an institution not yours to move stock at", body = Problem),
        (status = 409, description = "Reversed already, or itself a reversal", body = Problem),
        (status = 422, description = "Rule D6: reversing an inflow would take more than is there now", body = Problem)))]
pub async fn reverse_stock_movement(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReverseRequest>,
) -> AppResult<(StatusCode, Json<Movement>)> {
    Ok((StatusCode::CREATED, Json(reads::reverse_at(&state.ctx, &actor, id, req).await?)))
}

/// The consortium's stock settings (the near-expiry window).
#[utoipa::path(get, path = "/api/v1/stock/settings", tag = "stock", operation_id = "get_stock_settings",
    responses((status = 200, description = "The settings (defaults until changed)", body = StockSettings)))]
pub async fn get_stock_settings(State(state): State<AppState>, actor: Actor) -> AppResult<Json<StockSettings>> {
    Ok(Json(reads::get_settings(&state.ctx, &actor).await?))
}

/// Change the stock settings against the version read.
#[utoipa::path(put, path = "/api/v1/stock/settings", tag = "stock", operation_id = "put_stock_settings",
    request_body = PutStockSettings,
    responses((status = 200, description = "Changed", body = StockSettings),
        (status = 409, description = "Changed by someone else since you read them", body = Problem)))]
pub async fn put_stock_settings(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<PutStockSettings>,
) -> AppResult<Json<StockSettings>> {
    Ok(Json(reads::put_settings(&state.ctx, &actor, req).await?))
}

/// The opening-stock template; with an institution, one row per product its level may use.
#[utoipa::path(get, path = "/api/v1/stock/opening/template", tag = "stock", operation_id = "opening_stock_template",
    params(OpeningTemplateQuery),
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such institution in your consortium, or not yours to move stock at", body = Problem)))]
pub async fn opening_stock_template(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<OpeningTemplateQuery>,
) -> AppResult<Response> {
    Ok(opening::template(&state.ctx, &actor, q).await?.into_response())
}


/// Opening stock from a CSV or XLSX file: a dry run (the default) reports every problem by row
/// and column; applying writes one opening movement per line, all or none.
#[utoipa::path(post, path = "/api/v1/stock/opening", tag = "stock", operation_id = "import_opening_stock",
    params(OpeningQuery),
    request_body(content = OpeningUpload, content_type = "multipart/form-data", description = "file: CSV or XLSX in the template's columns"),
    responses((status = 200, description = "The report; `applied` when written", body = OpeningReport),
        (status = 404, description = "No such institution in your consortium, or not yours to move stock at", body = Problem),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read as the template, has no row with a quantity, or (when applying) has problems", body = Problem)))]
pub async fn import_opening_stock(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<OpeningQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<OpeningReport>> {
    let file = file_part(&headers, multipart).await?;
    Ok(Json(opening::run(&state.ctx, &actor, q, &file).await?))
}

/// Record what a member issued on a day (领用/消耗), all or none: from the lot named, or first
/// expiry first out over its usable lots.
#[utoipa::path(post, path = "/api/v1/consumption", tag = "stock", operation_id = "record_consumption",
    request_body = RecordConsumption,
    responses((status = 201, description = "The consumption movements", body = [Movement]),
        (status = 404, description = "No such institution, entry or lot in your consortium, or an institution not yours", body = Problem),
        (status = 422, description = "Rule D6: not enough usable stock, an expired lot, a day in the future or more than 92 days back", body = Problem)))]
pub async fn record_consumption(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<RecordConsumption>,
) -> AppResult<(StatusCode, Json<Vec<Movement>>)> {
    Ok((StatusCode::CREATED, Json(consumption::record(&state.ctx, &actor, req).await?)))
}

/// Consumption by day or month, institution and product (net of reversals), newest first.
#[utoipa::path(get, path = "/api/v1/consumption", tag = "stock", operation_id = "list_consumption",
    params(ConsumptionQuery),
    responses((status = 200, description = "A page of consumption totals", body = ConsumptionPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem),
        (status = 422, description = "The first day is after the last", body = Problem)))]
pub async fn list_consumption(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ConsumptionQuery>,
) -> AppResult<Json<ConsumptionPage>> {
    Ok(Json(consumption::list(&state.ctx, &actor, &q).await?))
}

/// Consumption totals per product over a range of days (default the last 180), with how many
/// institutions issued each and in how many months; in name order, every product at once.
#[utoipa::path(get, path = "/api/v1/consumption/totals", tag = "stock", operation_id = "consumption_totals",
    params(ConsumptionTotalsQuery),
    responses((status = 200, description = "Totals per product", body = ConsumptionTotals),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem),
        (status = 422, description = "The first day is after the last", body = Problem)))]
pub async fn consumption_totals(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ConsumptionTotalsQuery>,
) -> AppResult<Json<ConsumptionTotals>> {
    Ok(Json(consumption::totals(&state.ctx, &actor, &q).await?))
}

/// Consumption with its filters as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/consumption/export", tag = "stock", operation_id = "export_consumption",
    params(ConsumptionExportQuery),
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem),
        (status = 422, description = "The first day is after the last", body = Problem)))]
pub async fn export_consumption(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ConsumptionExportQuery>,
) -> AppResult<Response> {
    Ok(consumption::export(&state.ctx, &actor, q).await?.into_response())
}

/// Start a stocktake: the count sheet holds every lot with stock, its book frozen now.
#[utoipa::path(post, path = "/api/v1/stocktakes", tag = "stock", operation_id = "start_stocktake",
    request_body = StartStocktake,
    responses((status = 201, description = "Started", body = Stocktake),
        (status = 404, description = "No such institution in your consortium, or not yours to move stock at", body = Problem),
        (status = 409, description = "The institution has an unfinished stocktake", body = Problem)))]
pub async fn start_stocktake(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<StartStocktake>,
) -> AppResult<(StatusCode, Json<Stocktake>)> {
    Ok((StatusCode::CREATED, Json(stocktake::start(&state.ctx, &actor, req).await?)))
}

/// Stocktakes, newest first.
#[utoipa::path(get, path = "/api/v1/stocktakes", tag = "stock", operation_id = "list_stocktakes",
    params(StocktakeQuery),
    responses((status = 200, description = "A page of stocktakes", body = StocktakePage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_stocktakes(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<StocktakeQuery>,
) -> AppResult<Json<StocktakePage>> {
    Ok(Json(stocktake::list(&state.ctx, &actor, &q).await?))
}

/// A stocktake and its count sheet.
#[utoipa::path(get, path = "/api/v1/stocktakes/{id}", tag = "stock", operation_id = "get_stocktake",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The stocktake", body = Stocktake),
        (status = 404, description = "No such stocktake in your consortium, or not yours to see", body = Problem)))]
pub async fn get_stocktake(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Stocktake>> {
    Ok(Json(stocktake::get(&state.ctx, &actor, id).await?))
}

/// Enter counts (each replaces the line's earlier count) and lots found that were not on the
/// sheet.
#[utoipa::path(put, path = "/api/v1/stocktakes/{id}/counts", tag = "stock", operation_id = "enter_stocktake_counts",
    params(("id" = i64, Path)), request_body = EnterCounts,
    responses((status = 200, description = "The stocktake with the counts", body = Stocktake),
        (status = 404, description = "No such stocktake or entry in your consortium, or not yours to count", body = Problem),
        (status = 409, description = "Submitted or ended: counts can no longer be entered", body = Problem),
        (status = 422, description = "A line not on the sheet, a lot given twice, or a cause that does not explain the difference (D6)", body = Problem)))]
pub async fn enter_stocktake_counts(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<EnterCounts>,
) -> AppResult<Json<Stocktake>> {
    Ok(Json(stocktake::enter_counts(&state.ctx, &actor, id, req).await?))
}

/// Read counts back from the filled-in sheet (XLSX or CSV): all or none, problems by row and
/// column.
#[utoipa::path(post, path = "/api/v1/stocktakes/{id}/counts/import", tag = "stock", operation_id = "import_stocktake_counts",
    params(("id" = i64, Path)),
    request_body(content = SheetUpload, content_type = "multipart/form-data", description = "file: the count sheet exported from this stocktake, filled in"),
    responses((status = 200, description = "What was read; `applied` when saved", body = SheetImport),
        (status = 404, description = "No such stocktake in your consortium, or not yours to count", body = Problem),
        (status = 409, description = "Submitted or ended: counts can no longer be entered", body = Problem),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read as the count sheet", body = Problem)))]
pub async fn import_stocktake_counts(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<SheetImport>> {
    let file = file_part(&headers, multipart).await?;
    Ok(Json(stocktake::import_counts(&state.ctx, &actor, id, &file).await?))
}

/// The count sheet as XLSX (default) or CSV, to count on paper or in Excel.
#[utoipa::path(get, path = "/api/v1/stocktakes/{id}/sheet", tag = "stock", operation_id = "stocktake_sheet",
    params(("id" = i64, Path), SheetQuery),
    responses((status = 200, description = "The sheet, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content(
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv; charset=utf-8"))),
        (status = 404, description = "No such stocktake in your consortium, or not yours to see", body = Problem)))]
pub async fn stocktake_sheet(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<SheetQuery>,
) -> AppResult<Response> {
    Ok(stocktake::sheet(&state.ctx, &actor, id, q.format.unwrap_or_default()).await?.into_response())
}

/// Submit the counted sheet for a second person's approval (every line counted, every
/// difference with its cause).
#[utoipa::path(post, path = "/api/v1/stocktakes/{id}/submit", tag = "stock", operation_id = "submit_stocktake",
    params(("id" = i64, Path)), request_body = Decide,
    responses((status = 200, description = "Submitted", body = Stocktake),
        (status = 404, description = "No such stocktake in your consortium, or not yours", body = Problem),
        (status = 409, description = "Not being counted, or changed since you read it", body = Problem),
        (status = 422, description = "Rule D6: lines not counted, or a difference without its cause", body = Problem)))]
pub async fn submit_stocktake(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decide>,
) -> AppResult<Json<Stocktake>> {
    Ok(Json(stocktake::submit(&state.ctx, &actor, id, req).await?))
}

/// Approve a submitted stocktake (a second person): its differences are posted to the ledger.
#[utoipa::path(post, path = "/api/v1/stocktakes/{id}/approve", tag = "stock", operation_id = "approve_stocktake",
    params(("id" = i64, Path)), request_body = Decide,
    responses((status = 200, description = "Approved and posted", body = Stocktake),
        (status = 404, description = "No such stocktake in your consortium, or not yours", body = Problem),
        (status = 409, description = "Not submitted, or changed since you read it", body = Problem),
        (status = 422, description = "Rule D6: you submitted it (a second person approves), or a difference would take more than is there now", body = Problem)))]
pub async fn approve_stocktake(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decide>,
) -> AppResult<Json<Stocktake>> {
    Ok(Json(stocktake::approve(&state.ctx, &actor, id, req).await?))
}

/// Send a submitted stocktake back for recounting, with the reason.
#[utoipa::path(post, path = "/api/v1/stocktakes/{id}/return", tag = "stock", operation_id = "return_stocktake",
    params(("id" = i64, Path)), request_body = Decide,
    responses((status = 200, description = "Back to counting", body = Stocktake),
        (status = 404, description = "No such stocktake in your consortium, or not yours", body = Problem),
        (status = 409, description = "Not submitted, or changed since you read it", body = Problem),
        (status = 422, description = "No reason given", body = Problem)))]
pub async fn return_stocktake(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decide>,
) -> AppResult<Json<Stocktake>> {
    Ok(Json(stocktake::send_back(&state.ctx, &actor, id, req).await?))
}

/// Cancel an unfinished stocktake, with the reason: nothing is posted.
#[utoipa::path(post, path = "/api/v1/stocktakes/{id}/cancel", tag = "stock", operation_id = "cancel_stocktake",
    params(("id" = i64, Path)), request_body = Decide,
    responses((status = 200, description = "Cancelled", body = Stocktake),
        (status = 404, description = "No such stocktake in your consortium, or not yours", body = Problem),
        (status = 409, description = "Already approved or cancelled, or changed since you read it", body = Problem),
        (status = 422, description = "No reason given", body = Problem)))]
pub async fn cancel_stocktake(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decide>,
) -> AppResult<Json<Stocktake>> {
    Ok(Json(stocktake::cancel(&state.ctx, &actor, id, req).await?))
}

/// Ask for expired, damaged or lost stock to be disposed of (报损); nothing moves until a
/// second person approves.
#[utoipa::path(post, path = "/api/v1/stock/disposals", tag = "stock", operation_id = "request_disposal",
    request_body = RequestDisposal,
    responses((status = 201, description = "Requested", body = Disposal),
        (status = 404, description = "No such institution or lot in your consortium, or not yours to move stock at", body = Problem),
        (status = 422, description = "Rule D6: not that much on hand, or a correction (use a stocktake); a lot given twice", body = Problem)))]
pub async fn request_disposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<RequestDisposal>,
) -> AppResult<(StatusCode, Json<Disposal>)> {
    Ok((StatusCode::CREATED, Json(disposal::request(&state.ctx, &actor, req).await?)))
}

/// Disposals, newest first.
#[utoipa::path(get, path = "/api/v1/stock/disposals", tag = "stock", operation_id = "list_disposals",
    params(DisposalQuery),
    responses((status = 200, description = "A page of disposals", body = DisposalPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_disposals(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<DisposalQuery>,
) -> AppResult<Json<DisposalPage>> {
    Ok(Json(disposal::list(&state.ctx, &actor, &q).await?))
}

/// One disposal.
#[utoipa::path(get, path = "/api/v1/stock/disposals/{id}", tag = "stock", operation_id = "get_disposal",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The disposal", body = Disposal),
        (status = 404, description = "No such disposal in your consortium, or not yours to see", body = Problem)))]
pub async fn get_disposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Disposal>> {
    Ok(Json(disposal::get(&state.ctx, &actor, id).await?))
}

/// Approve a disposal (a second person): its lines leave the ledger as adjustments.
#[utoipa::path(post, path = "/api/v1/stock/disposals/{id}/approve", tag = "stock", operation_id = "approve_disposal",
    params(("id" = i64, Path)), request_body = Decide,
    responses((status = 200, description = "Approved and posted", body = Disposal),
        (status = 404, description = "No such disposal in your consortium, or not yours", body = Problem),
        (status = 409, description = "Decided already, or changed since you read it", body = Problem),
        (status = 422, description = "Rule D6: you requested it (a second person approves), or the stock is no longer there", body = Problem)))]
pub async fn approve_disposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decide>,
) -> AppResult<Json<Disposal>> {
    Ok(Json(disposal::approve(&state.ctx, &actor, id, req).await?))
}

/// Reject a disposal, with the reason.
#[utoipa::path(post, path = "/api/v1/stock/disposals/{id}/reject", tag = "stock", operation_id = "reject_disposal",
    params(("id" = i64, Path)), request_body = Decide,
    responses((status = 200, description = "Rejected", body = Disposal),
        (status = 404, description = "No such disposal in your consortium, or not yours", body = Problem),
        (status = 409, description = "Decided already, or changed since you read it", body = Problem),
        (status = 422, description = "No reason given", body = Problem)))]
pub async fn reject_disposal(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<Decide>,
) -> AppResult<Json<Disposal>> {
    Ok(Json(disposal::reject(&state.ctx, &actor, id, req).await?))
}
