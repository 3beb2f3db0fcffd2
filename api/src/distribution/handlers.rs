//! Thin distribution handlers: extract, call one service function, shape the answer. Each
//! operation's action is declared in `distribution/mod.rs`; the guard has checked it already.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::views::*;
use super::{allocation, holds, receipts, settings};
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::kernel::Actor;
use crate::procurement::purchase_orders;
use crate::procurement::views::PurchaseOrder;
use crate::state::AppState;

/// Receipts at the central warehouse, newest first (without their lines).
#[utoipa::path(get, path = "/api/v1/receipts", tag = "distribution", operation_id = "list_receipts",
    params(ReceiptQuery),
    responses((status = 200, description = "A page of receipts", body = ReceiptPage)))]
pub async fn list_receipts(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<ReceiptQuery>) -> AppResult<Json<ReceiptPage>> {
    Ok(Json(receipts::list(&state.ctx, &actor, &q).await?))
}

/// Receive goods against a purchase order (D1): per line the lot, expiry, packs put into stock,
/// packs damaged and trace codes scanned; with the purchase order's version read. The good packs
/// enter the central warehouse's stock.
#[utoipa::path(post, path = "/api/v1/receipts", tag = "distribution", operation_id = "create_receipt",
    request_body = ReceiptInput,
    responses((status = 201, description = "Received", body = Receipt),
        (status = 404, description = "No such purchase order in your consortium", body = Problem),
        (status = 409, description = "The purchase order changed since it was read (received by someone else?)", body = Problem),
        (status = 422, description = "Rule D1 (expired or short-dated lot, more than outstanding, a closed purchase order) or T1 (a trace code that is not one or is known already), or a field is wrong", body = Problem)))]
pub async fn create_receipt(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<ReceiptInput>) -> AppResult<(StatusCode, Json<Receipt>)> {
    Ok((StatusCode::CREATED, Json(receipts::create(&state.ctx, &actor, req).await?)))
}

#[utoipa::path(get, path = "/api/v1/receipts/{id}", tag = "distribution", operation_id = "get_receipt",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The receipt with its lines", body = Receipt),
        (status = 404, description = "No such receipt in your consortium", body = Problem)))]
pub async fn get_receipt(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Receipt>> {
    Ok(Json(receipts::get(&state.ctx, &actor, id).await?))
}

/// Close what remains of a purchase order (it will not come), with a reason and the version
/// read (D1).
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/close", tag = "distribution", operation_id = "close_purchase_order",
    params(("id" = i64, Path)), request_body = ClosePurchaseOrder,
    responses((status = 200, description = "The purchase order, closed", body = PurchaseOrder),
        (status = 404, description = "No such purchase order in your consortium", body = Problem),
        (status = 409, description = "Changed since it was read", body = Problem),
        (status = 422, description = "Rule D1: nothing outstanding, no reason, or not open", body = Problem)))]
pub async fn close_purchase_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ClosePurchaseOrder>) -> AppResult<Json<PurchaseOrder>> {
    let id = receipts::close(&state.ctx, &actor, id, req).await?;
    Ok(Json(purchase_orders::get(&state.ctx, &actor, id).await?))
}

/// Quality holds, newest first.
#[utoipa::path(get, path = "/api/v1/lot-holds", tag = "distribution", operation_id = "list_lot_holds",
    params(LotHoldQuery),
    responses((status = 200, description = "A page of holds", body = LotHoldPage)))]
pub async fn list_lot_holds(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<LotHoldQuery>) -> AppResult<Json<LotHoldPage>> {
    Ok(Json(holds::list(&state.ctx, &actor, &q).await?))
}

/// Put a lot on quality hold (D2: never allocated until released), saying why.
#[utoipa::path(post, path = "/api/v1/lots/{id}/hold", tag = "distribution", operation_id = "hold_lot",
    params(("id" = i64, Path)), request_body = HoldLot,
    responses((status = 201, description = "Held", body = LotHold),
        (status = 404, description = "No such lot in your consortium", body = Problem),
        (status = 409, description = "Someone held it at the same moment", body = Problem),
        (status = 422, description = "Rule D2: on hold already, or no reason", body = Problem)))]
pub async fn hold_lot(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<HoldLot>) -> AppResult<(StatusCode, Json<LotHold>)> {
    Ok((StatusCode::CREATED, Json(holds::hold(&state.ctx, &actor, id, req).await?)))
}

/// Release a lot's quality hold, saying why it is fit again.
#[utoipa::path(post, path = "/api/v1/lots/{id}/release", tag = "distribution", operation_id = "release_lot",
    params(("id" = i64, Path)), request_body = ReleaseLot,
    responses((status = 200, description = "Released", body = LotHold),
        (status = 404, description = "No such lot in your consortium", body = Problem),
        (status = 409, description = "Released by someone else at the same moment", body = Problem),
        (status = 422, description = "Rule D2: not on hold, or no note", body = Problem)))]
pub async fn release_lot(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ReleaseLot>) -> AppResult<Json<LotHold>> {
    Ok(Json(holds::release(&state.ctx, &actor, id, req).await?))
}

/// The consortium's distribution settings (the defaults until changed, version 0).
#[utoipa::path(get, path = "/api/v1/distribution/settings", tag = "distribution", operation_id = "get_distribution_settings",
    responses((status = 200, description = "The settings", body = DistributionSettings)))]
pub async fn get_distribution_settings(State(state): State<AppState>, actor: Actor) -> AppResult<Json<DistributionSettings>> {
    Ok(Json(settings::get(&state.ctx, &actor).await?))
}

/// Change the distribution settings, with the version read.
#[utoipa::path(put, path = "/api/v1/distribution/settings", tag = "distribution", operation_id = "put_distribution_settings",
    request_body = DistributionSettings,
    responses((status = 200, description = "The settings now", body = DistributionSettings),
        (status = 409, description = "Changed by someone else since they were read", body = Problem),
        (status = 422, description = "A value out of range", body = Problem)))]
pub async fn put_distribution_settings(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<DistributionSettings>) -> AppResult<Json<DistributionSettings>> {
    Ok(Json(settings::put(&state.ctx, &actor, req).await?))
}

/// Allocate the central warehouse's stock to approved member orders now, first-expiry-first-out
/// (D2; every receipt does this for what it brought).
#[utoipa::path(post, path = "/api/v1/allocations/run", tag = "distribution", operation_id = "run_allocation",
    responses((status = 200, description = "What the run allocated and what is still short", body = AllocationRun)))]
pub async fn run_allocation(State(state): State<AppState>, actor: Actor) -> AppResult<Json<AllocationRun>> {
    Ok(Json(allocation::run(&state.ctx, &actor).await?))
}

/// Allocations, newest first (a member's staff see their own institution's).
#[utoipa::path(get, path = "/api/v1/allocations", tag = "distribution", operation_id = "list_allocations",
    params(AllocationQuery),
    responses((status = 200, description = "A page of allocations", body = AllocationPage),
        (status = 404, description = "No such institution in your scope", body = Problem)))]
pub async fn list_allocations(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<AllocationQuery>) -> AppResult<Json<AllocationPage>> {
    Ok(Json(allocation::list(&state.ctx, &actor, &q).await?))
}

/// Back orders: approved order lines the central warehouse could not fill yet, with the reason
/// (a member's staff see their own institution's).
#[utoipa::path(get, path = "/api/v1/back-orders", tag = "distribution", operation_id = "list_back_orders",
    params(BackOrderQuery),
    responses((status = 200, description = "A page of back orders", body = BackOrderPage),
        (status = 404, description = "No such institution in your scope", body = Problem)))]
pub async fn list_back_orders(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<BackOrderQuery>) -> AppResult<Json<BackOrderPage>> {
    Ok(Json(allocation::back_orders(&state.ctx, &actor, &q).await?))
}

/// End a back order (what is short will not be supplied), saying why (D2).
#[utoipa::path(post, path = "/api/v1/back-orders/{id}/close", tag = "distribution", operation_id = "close_back_order",
    params(("id" = i64, Path, description = "The back order's order line (order_line_id)")), request_body = CloseBackOrder,
    responses((status = 204, description = "Ended"),
        (status = 404, description = "No such back order in your scope", body = Problem),
        (status = 422, description = "Rule D2: no reason", body = Problem)))]
pub async fn close_back_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<CloseBackOrder>) -> AppResult<StatusCode> {
    allocation::close_back_order(&state.ctx, &actor, id, req).await?;
    Ok(StatusCode::NO_CONTENT)
}
