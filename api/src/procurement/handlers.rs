//! Thin procurement handlers: extract, call one service function, shape the answer. Each
//! operation's action is declared in `procurement/mod.rs`; the guard has checked it already.
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::views::*;
use super::{contracts, cycles, import, orders, settings, suppliers};
use crate::error::{AppResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, file_part};
use crate::kernel::{Actor, FileBytes};
use crate::state::AppState;

/// Suppliers (配送企业) of the consortium, oldest first.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "procurement", operation_id = "list_suppliers",
    params(SupplierQuery),
    responses((status = 200, description = "A page of suppliers", body = SupplierPage)))]
pub async fn list_suppliers(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<SupplierQuery>) -> AppResult<Json<SupplierPage>> {
    Ok(Json(suppliers::list(&state.ctx, &actor, &q).await?))
}

/// Add a supplier; its unified social credit code is checked (GB 32100-2015) and unique.
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "procurement", operation_id = "create_supplier",
    request_body = SupplierInput,
    responses((status = 201, description = "Added", body = Supplier),
        (status = 409, description = "The credit code is a supplier already", body = Problem),
        (status = 422, description = "A field is wrong (the credit code's check character, an e-mail address)", body = Problem)))]
pub async fn create_supplier(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<SupplierInput>) -> AppResult<(StatusCode, Json<Supplier>)> {
    Ok((StatusCode::CREATED, Json(suppliers::create(&state.ctx, &actor, req).await?)))
}

#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "procurement", operation_id = "get_supplier",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The supplier", body = Supplier),
        (status = 404, description = "No such supplier in your consortium", body = Problem)))]
pub async fn get_supplier(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Supplier>> {
    Ok(Json(suppliers::get(&state.ctx, &actor, id).await?))
}

/// Change a supplier's details, with the version read; `active: false` takes it out of new
/// contracts (those it has stay).
#[utoipa::path(put, path = "/api/v1/suppliers/{id}", tag = "procurement", operation_id = "update_supplier",
    params(("id" = i64, Path)), request_body = SupplierUpdate,
    responses((status = 200, description = "Changed", body = Supplier),
        (status = 404, description = "No such supplier in your consortium", body = Problem),
        (status = 409, description = "Changed by someone else since it was read, or the credit code is another supplier's", body = Problem),
        (status = 422, description = "A field is wrong", body = Problem)))]
pub async fn update_supplier(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<SupplierUpdate>) -> AppResult<Json<Supplier>> {
    Ok(Json(suppliers::update(&state.ctx, &actor, id, req).await?))
}

/// Supply contracts, newest first (without their lines; ask for one contract for them).
#[utoipa::path(get, path = "/api/v1/contracts", tag = "procurement", operation_id = "list_contracts",
    params(ContractQuery),
    responses((status = 200, description = "A page of contracts", body = ContractPage)))]
pub async fn list_contracts(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<ContractQuery>) -> AppResult<Json<ContractPage>> {
    Ok(Json(contracts::list(&state.ctx, &actor, &q).await?))
}

/// Add a supply contract with its lines. A volume-based contract's lines carry their agreed
/// annual volume split per member (O5); a product has one contract on any day.
#[utoipa::path(post, path = "/api/v1/contracts", tag = "procurement", operation_id = "create_contract",
    request_body = ContractInput,
    responses((status = 201, description = "Added", body = Contract),
        (status = 409, description = "The contract number exists, or a product is in another contract over the same days", body = Problem),
        (status = 422, description = "A field is wrong, or rule O5: the members' shares do not add up to the agreed volume", body = Problem)))]
pub async fn create_contract(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<ContractInput>) -> AppResult<(StatusCode, Json<Contract>)> {
    Ok((StatusCode::CREATED, Json(contracts::create(&state.ctx, &actor, req).await?)))
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "procurement", operation_id = "get_contract",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The contract with its lines", body = Contract),
        (status = 404, description = "No such contract in your consortium", body = Problem)))]
pub async fn get_contract(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Contract>> {
    Ok(Json(contracts::get(&state.ctx, &actor, id).await?))
}

/// Replace a contract's content and lines, with the version read.
#[utoipa::path(put, path = "/api/v1/contracts/{id}", tag = "procurement", operation_id = "update_contract",
    params(("id" = i64, Path)), request_body = ContractUpdate,
    responses((status = 200, description = "Changed", body = Contract),
        (status = 404, description = "No such contract in your consortium", body = Problem),
        (status = 409, description = "Changed by someone else since it was read, the number is taken, or a product is in another contract over the same days", body = Problem),
        (status = 422, description = "A field is wrong, or rule O5", body = Problem)))]
pub async fn update_contract(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ContractUpdate>) -> AppResult<Json<Contract>> {
    Ok(Json(contracts::update(&state.ctx, &actor, id, req).await?))
}

/// The contract template: the columns, and one share column per member (约定量:<name>).
#[utoipa::path(get, path = "/api/v1/contracts/template", tag = "procurement", operation_id = "contract_template",
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
pub async fn contract_template(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    Ok(import::template(&state.ctx, &actor).await?.into_response())
}

/// Contracts from a CSV or XLSX file, one row per contract line: a dry run (the default)
/// reports every problem by row and column; applying creates every contract, all or none.
#[utoipa::path(post, path = "/api/v1/contracts/import", tag = "procurement", operation_id = "import_contracts",
    params(ContractImportQuery),
    request_body(content = ContractUpload, content_type = "multipart/form-data", description = "file: CSV or XLSX in the template's columns"),
    responses((status = 200, description = "The report; `applied` when created", body = ContractImportReport),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read as the template, has no rows, or (when applying) has problems", body = Problem)))]
pub async fn import_contracts(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ContractImportQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<ContractImportReport>> {
    let file = file_part(&headers, multipart).await?;
    Ok(Json(import::run(&state.ctx, &actor, q, &file).await?))
}

/// Procurement cycles, newest first.
#[utoipa::path(get, path = "/api/v1/procurement/cycles", tag = "procurement", operation_id = "list_cycles",
    params(CycleQuery),
    responses((status = 200, description = "A page of cycles", body = CyclePage)))]
pub async fn list_cycles(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<CycleQuery>) -> AppResult<Json<CyclePage>> {
    Ok(Json(cycles::list(&state.ctx, &actor, &q).await?))
}

/// Open a procurement cycle for members' orders (O1: one at a time).
#[utoipa::path(post, path = "/api/v1/procurement/cycles", tag = "procurement", operation_id = "open_cycle",
    request_body = OpenCycle,
    responses((status = 201, description = "Opened", body = Cycle),
        (status = 409, description = "Rule O1: a cycle is open already (close it first)", body = Problem),
        (status = 422, description = "Rule O1: its days are the wrong way round", body = Problem)))]
pub async fn open_cycle(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<OpenCycle>) -> AppResult<(StatusCode, Json<Cycle>)> {
    Ok((StatusCode::CREATED, Json(cycles::open(&state.ctx, &actor, req).await?)))
}

#[utoipa::path(get, path = "/api/v1/procurement/cycles/{id}", tag = "procurement", operation_id = "get_cycle",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The cycle", body = Cycle),
        (status = 404, description = "No such cycle in your consortium", body = Problem)))]
pub async fn get_cycle(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Cycle>> {
    Ok(Json(cycles::get(&state.ctx, &actor, id).await?))
}

/// Close the open cycle, with the version read.
#[utoipa::path(post, path = "/api/v1/procurement/cycles/{id}/close", tag = "procurement", operation_id = "close_cycle",
    params(("id" = i64, Path)), request_body = CloseCycle,
    responses((status = 200, description = "Closed", body = Cycle),
        (status = 404, description = "No such cycle in your consortium", body = Problem),
        (status = 409, description = "Closed already, or changed since it was read", body = Problem)))]
pub async fn close_cycle(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<CloseCycle>) -> AppResult<Json<Cycle>> {
    Ok(Json(cycles::close(&state.ctx, &actor, id, req).await?))
}

/// Members' orders, newest first (a member's orderer sees their institution's).
#[utoipa::path(get, path = "/api/v1/orders", tag = "procurement", operation_id = "list_orders",
    params(OrderQuery),
    responses((status = 200, description = "A page of orders (lines not included)", body = OrderPage),
        (status = 404, description = "No such institution in your consortium, or not yours to see", body = Problem)))]
pub async fn list_orders(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<OrderQuery>) -> AppResult<Json<OrderPage>> {
    Ok(Json(orders::list(&state.ctx, &actor, &q).await?))
}

/// Start a draft order for your institution; outside an open cycle only an urgent one with a
/// reason (O1).
#[utoipa::path(post, path = "/api/v1/orders", tag = "procurement", operation_id = "create_order",
    request_body = CreateOrder,
    responses((status = 201, description = "The draft", body = Order),
        (status = 404, description = "No such institution, or not yours to order for", body = Problem),
        (status = 422, description = "Rule O1: no cycle is open and the order is not urgent (or gives no reason); or the lead hospital, which does not order from itself", body = Problem)))]
pub async fn create_order(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<CreateOrder>) -> AppResult<(StatusCode, Json<Order>)> {
    Ok((StatusCode::CREATED, Json(orders::create(&state.ctx, &actor, req).await?)))
}

/// An order with each line's stock position: on hand, in transit, average monthly consumption,
/// months of stock, the suggested quantity (O3), the quantity, the contracted price and amount.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "procurement", operation_id = "get_order",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The order", body = Order),
        (status = 404, description = "No such order in your consortium, or not yours to see", body = Problem)))]
pub async fn get_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Order>> {
    Ok(Json(orders::get(&state.ctx, &actor, id).await?))
}

/// Replace a draft's lines, with the version read: a typed quantity in packs, or none to follow
/// the suggestion (O3); each product one the member may order (O2).
#[utoipa::path(put, path = "/api/v1/orders/{id}/lines", tag = "procurement", operation_id = "put_order_lines",
    params(("id" = i64, Path)), request_body = PutOrderLines,
    responses((status = 200, description = "The order", body = Order),
        (status = 404, description = "No such order, or not yours to change", body = Problem),
        (status = 409, description = "Submitted already, or changed since it was read", body = Problem),
        (status = 422, description = "Rule O2: a product not active, outside the member's level, or a quantity of 0; an unknown entry", body = Problem)))]
pub async fn put_order_lines(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<PutOrderLines>) -> AppResult<Json<Order>> {
    Ok(Json(orders::put_lines(&state.ctx, &actor, id, req).await?))
}

/// Add every product the member used over the lookback months, following the suggestion.
#[utoipa::path(post, path = "/api/v1/orders/{id}/load-used", tag = "procurement", operation_id = "load_used_products",
    params(("id" = i64, Path)), request_body = OrderVersion,
    responses((status = 200, description = "The order", body = Order),
        (status = 404, description = "No such order, or not yours to change", body = Problem),
        (status = 409, description = "Submitted already, or changed since it was read", body = Problem)))]
pub async fn load_used_products(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<OrderVersion>) -> AppResult<Json<Order>> {
    Ok(Json(orders::load_used(&state.ctx, &actor, id, req).await?))
}

/// Submit a draft. With an `Idempotency-Key` (O7) the same request sent again answers the first
/// result, once; the same key with another request is refused.
#[utoipa::path(post, path = "/api/v1/orders/{id}/submit", tag = "procurement", operation_id = "submit_order",
    params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Any string of 1–100 characters, new for each new submission")),
    request_body = OrderVersion,
    responses((status = 200, description = "The submitted order", body = Order),
        (status = 404, description = "No such order, or not yours to submit", body = Problem),
        (status = 409, description = "Submitted already, or changed since it was read", body = Problem),
        (status = 422, description = "Rule O1 (no open cycle and not urgent), O2 (a line of 0 packs), O7 (the key was used for another request), or no lines", body = Problem)))]
pub async fn submit_order(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Json<Order>> {
    if !crate::extract::json_content_type(&headers) {
        return Err(crate::error::AppError::UnsupportedMediaType(crate::i18n::tr(
            "请以 application/json 发送请求体",
            "send the body as application/json",
        )));
    }
    let req: OrderVersion = crate::extract::json_body(&body)?;
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let k = v.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.chars().count() <= 100).ok_or_else(|| {
                crate::error::AppError::field("Idempotency-Key", crate::i18n::tr("Idempotency-Key 应为 1–100 个字符", "Idempotency-Key is 1–100 characters"))
            })?;
            Some((k.to_owned(), orders::request_hash("submit_order", id, &body)))
        }
    };
    Ok(Json(orders::submit(&state.ctx, &actor, id, req, key).await?))
}

/// The consortium's procurement settings (O3): the consumption lookback and the months of cover
/// per member level (the defaults until changed, version 0).
#[utoipa::path(get, path = "/api/v1/procurement/settings", tag = "procurement", operation_id = "get_procurement_settings",
    responses((status = 200, description = "The settings", body = ProcurementSettings)))]
pub async fn get_procurement_settings(State(state): State<AppState>, actor: Actor) -> AppResult<Json<ProcurementSettings>> {
    Ok(Json(settings::get(&state.ctx, &actor).await?))
}

/// Change the procurement settings, with the version read.
#[utoipa::path(put, path = "/api/v1/procurement/settings", tag = "procurement", operation_id = "put_procurement_settings",
    request_body = ProcurementSettings,
    responses((status = 200, description = "The settings now", body = ProcurementSettings),
        (status = 409, description = "Changed by someone else since they were read", body = Problem),
        (status = 422, description = "A value outside 1–12", body = Problem)))]
pub async fn put_procurement_settings(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<ProcurementSettings>) -> AppResult<Json<ProcurementSettings>> {
    Ok(Json(settings::put(&state.ctx, &actor, req).await?))
}
