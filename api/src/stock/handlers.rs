//! Thin stock handlers: extract, call one service function, shape the answer. Each operation's
//! action is declared in `stock/mod.rs`; the guard has checked it already.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::service;
use super::views::*;
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::kernel::Actor;
use crate::state::AppState;

/// Stock on hand by institution and lot, in base units (D6): read from the running balances.
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", operation_id = "list_stock",
    params(StockQuery),
    responses((status = 200, description = "A page of stock lines, by institution and lot", body = StockPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_stock(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<StockQuery>,
) -> AppResult<Json<StockPage>> {
    Ok(Json(service::stock(&state.ctx, &actor, &q).await?))
}

/// The ledger, newest first; with an institution and an entry, that product's stock card (库存卡).
#[utoipa::path(get, path = "/api/v1/stock/movements", tag = "stock", operation_id = "list_stock_movements",
    params(MovementQuery),
    responses((status = 200, description = "A page of movements, newest first", body = MovementPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_stock_movements(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<MovementQuery>,
) -> AppResult<Json<MovementPage>> {
    Ok(Json(service::movements(&state.ctx, &actor, &q).await?))
}

/// Record movements at one institution, all or none: each moves its lot's balance in the same
/// transaction, and one that would take more than is there is refused (D6), as is issuing an
/// expired lot or an adjustment without its reason.
#[utoipa::path(post, path = "/api/v1/stock/movements", tag = "stock", operation_id = "record_stock_movements",
    request_body = RecordMovements,
    responses((status = 201, description = "Recorded", body = [Movement]),
        (status = 404, description = "No such institution or entry in your consortium, or an institution not yours to move stock at", body = Problem),
        (status = 422, description = "Refused by rule D6 (not enough on hand, the wrong direction for the kind, an expired lot issued, an adjustment without its reason), or a bad lot number", body = Problem)))]
pub async fn record_stock_movements(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<RecordMovements>,
) -> AppResult<(StatusCode, Json<Vec<Movement>>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::record_at(&state.ctx, &actor, req).await?),
    ))
}
