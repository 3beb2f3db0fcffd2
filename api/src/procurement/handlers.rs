//! Thin procurement handlers: extract, call one service function, shape the answer. Each
//! operation's action is declared in `procurement/mod.rs`; the guard has checked it already.
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::views::*;
use super::{contracts, cycles, import, order_excel, orders, purchase_orders, review, settings, suppliers, vbp};
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

/// The order as an Excel workbook: every line with its stock position, suggestion, quantity
/// (blank where it follows the suggestion), price and amount; it imports back unchanged.
#[utoipa::path(get, path = "/api/v1/orders/{id}/xlsx", tag = "procurement", operation_id = "export_order",
    params(("id" = i64, Path)),
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such order, or not one you may see", body = Problem)))]
pub async fn export_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Response> {
    Ok(order_excel::xlsx(&state.ctx, &actor, id).await?.into_response())
}

/// Quantities and products from a spreadsheet (the export changed, a file of one's own, or rows
/// pasted from Excel): a row with a quantity types it, a blank one follows the suggestion, 0
/// takes the product off; lines the file does not name stay. A dry run (the default) reports
/// every problem by row and column; applying (with the version read) changes the lines.
#[utoipa::path(post, path = "/api/v1/orders/{id}/import", tag = "procurement", operation_id = "import_order",
    params(("id" = i64, Path), OrderImportQuery),
    request_body(content = OrderUpload, content_type = "multipart/form-data", description = "file: CSV, XLSX or tab-separated text"),
    responses((status = 200, description = "The report; `applied` with the order when changed", body = OrderImportReport),
        (status = 404, description = "No such order, or not yours to change", body = Problem),
        (status = 409, description = "Submitted already, or changed since it was read", body = Problem),
        (status = 413, description = "The file is larger than `server.upload_limit_bytes`", body = Problem),
        (status = 422, description = "The file cannot be read, has no rows or lacks the columns", body = Problem)))]
pub async fn import_order(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<OrderImportQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Json<OrderImportReport>> {
    let file = file_part(&headers, multipart).await?;
    Ok(Json(order_excel::import(&state.ctx, &actor, id, q, &file).await?))
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

/// Approve a submitted order (O4), as ordered or with adjusted lines — each adjustment with a
/// reason the member reads — with the version read.
#[utoipa::path(post, path = "/api/v1/orders/{id}/approve", tag = "procurement", operation_id = "approve_order",
    params(("id" = i64, Path)), request_body = ApproveOrder,
    responses((status = 200, description = "The approved order", body = Order),
        (status = 404, description = "No such order in your consortium", body = Problem),
        (status = 409, description = "Changed (or reviewed by someone else) since it was read", body = Problem),
        (status = 422, description = "Rule O4: not submitted, already reviewed, an adjustment without a reason or out of bounds, or nothing left to buy", body = Problem)))]
pub async fn approve_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ApproveOrder>) -> AppResult<Json<Order>> {
    Ok(Json(review::approve(&state.ctx, &actor, id, req).await?))
}

/// Return a submitted order to the member with a reason (O4); the member changes it and submits
/// again.
#[utoipa::path(post, path = "/api/v1/orders/{id}/return", tag = "procurement", operation_id = "return_order",
    params(("id" = i64, Path)), request_body = ReturnOrder,
    responses((status = 200, description = "The returned order", body = Order),
        (status = 404, description = "No such order in your consortium", body = Problem),
        (status = 409, description = "Changed (or reviewed by someone else) since it was read", body = Problem),
        (status = 422, description = "Rule O4: not submitted, already reviewed, or no reason given", body = Problem)))]
pub async fn return_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>, ApiJson(req): ApiJson<ReturnOrder>) -> AppResult<Json<Order>> {
    Ok(Json(review::return_order(&state.ctx, &actor, id, req).await?))
}

/// Approve (as ordered) or return several submitted orders at once; the answer says per order
/// what was done or why it was refused (one refusal stops nothing else).
#[utoipa::path(post, path = "/api/v1/orders/review", tag = "procurement", operation_id = "review_orders",
    request_body = BatchReview,
    responses((status = 200, description = "What became of each order", body = BatchReviewResult),
        (status = 422, description = "A return without a reason, an order listed twice, or an empty batch", body = Problem)))]
pub async fn review_orders(State(state): State<AppState>, actor: Actor, ApiJson(req): ApiJson<BatchReview>) -> AppResult<Json<BatchReviewResult>> {
    Ok(Json(review::batch(&state.ctx, &actor, req).await?))
}

/// The orders in a status (default submitted: the approval queue) by product, with each
/// product's members.
#[utoipa::path(get, path = "/api/v1/orders/by-product", tag = "procurement", operation_id = "orders_by_product",
    params(DemandQuery),
    responses((status = 200, description = "Products across the members' orders", body = DemandPage)))]
pub async fn orders_by_product(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<DemandQuery>) -> AppResult<Json<DemandPage>> {
    Ok(Json(review::demand(&state.ctx, &actor, &q).await?))
}

/// What aggregating the approved orders today would make (O4): one purchase order per
/// supplier at the contracted price, and the products no valid contract covers.
#[utoipa::path(get, path = "/api/v1/purchase-orders/preview", tag = "procurement", operation_id = "preview_purchase_orders",
    responses((status = 200, description = "The purchase orders to be made", body = AggregationPreview)))]
pub async fn preview_purchase_orders(State(state): State<AppState>, actor: Actor) -> AppResult<Json<AggregationPreview>> {
    Ok(Json(purchase_orders::preview(&state.ctx, &actor).await?))
}

/// Make the purchase orders from the approved orders the preview showed; each is e-mailed to
/// its supplier's order address. Uncovered products are reported and wait for a contract.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "procurement", operation_id = "generate_purchase_orders",
    request_body = GeneratePurchaseOrders,
    responses((status = 201, description = "The purchase orders made", body = AggregationResult),
        (status = 409, description = "An order of the preview is no longer approved (aggregated or returned meanwhile)", body = Problem),
        (status = 422, description = "No orders to aggregate, or an order listed twice", body = Problem)))]
pub async fn generate_purchase_orders(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<GeneratePurchaseOrders>,
) -> AppResult<(StatusCode, Json<AggregationResult>)> {
    Ok((StatusCode::CREATED, Json(purchase_orders::generate(&state.ctx, &actor, req).await?)))
}

/// Purchase orders to suppliers, newest first (without their lines).
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "procurement", operation_id = "list_purchase_orders",
    params(PurchaseOrderQuery),
    responses((status = 200, description = "A page of purchase orders", body = PurchaseOrderPage)))]
pub async fn list_purchase_orders(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<PurchaseOrderQuery>) -> AppResult<Json<PurchaseOrderPage>> {
    Ok(Json(purchase_orders::list(&state.ctx, &actor, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "procurement", operation_id = "get_purchase_order",
    params(("id" = i64, Path)),
    responses((status = 200, description = "The purchase order with its lines and its e-mail's state", body = PurchaseOrder),
        (status = 404, description = "No such purchase order in your consortium", body = Problem)))]
pub async fn get_purchase_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Json<PurchaseOrder>> {
    Ok(Json(purchase_orders::get(&state.ctx, &actor, id).await?))
}

/// The member order lines a purchase order line sums.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}/lines/{line_id}/sources", tag = "procurement", operation_id = "purchase_line_sources",
    params(("id" = i64, Path), ("line_id" = i64, Path)),
    responses((status = 200, description = "The members' lines", body = Vec<PurchaseSource>),
        (status = 404, description = "No such purchase order or line in your consortium", body = Problem)))]
pub async fn purchase_line_sources(State(state): State<AppState>, actor: Actor, ApiPath((id, line_id)): ApiPath<(i64, i64)>) -> AppResult<Json<Vec<PurchaseSource>>> {
    Ok(Json(purchase_orders::line_sources(&state.ctx, &actor, id, line_id).await?))
}

/// The purchase order printed (PDF, A4, Chinese).
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}/pdf", tag = "procurement", operation_id = "print_purchase_order",
    params(("id" = i64, Path)),
    responses((status = 200, description = "PDF, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/pdf"))),
        (status = 404, description = "No such purchase order in your consortium", body = Problem),
        (status = 503, description = "The server has no CJK font to print with", body = Problem)))]
pub async fn print_purchase_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Response> {
    Ok(purchase_orders::pdf(&state.ctx, &actor, id).await?.into_response())
}

/// The purchase order as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}/xlsx", tag = "procurement", operation_id = "export_purchase_order",
    params(("id" = i64, Path)),
    responses((status = 200, description = "XLSX, as an attachment",
        headers(("Content-Disposition" = String, description = "attachment; the file name")),
        content((FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, description = "No such purchase order in your consortium", body = Problem)))]
pub async fn export_purchase_order(State(state): State<AppState>, actor: Actor, ApiPath(id): ApiPath<i64>) -> AppResult<Response> {
    Ok(purchase_orders::xlsx(&state.ctx, &actor, id).await?.into_response())
}

/// Volume-based procurement progress (O5): per contract and product, for the consortium and per
/// member, purchased so far this contract year against the agreed volume and the pro-rata point.
#[utoipa::path(get, path = "/api/v1/vbp/progress", tag = "procurement", operation_id = "vbp_progress",
    params(VbpQuery),
    responses((status = 200, description = "Progress per contract", body = VbpProgress),
        (status = 404, description = "No such volume-based contract or institution in your consortium", body = Problem)))]
pub async fn vbp_progress(State(state): State<AppState>, actor: Actor, ApiQuery(q): ApiQuery<VbpQuery>) -> AppResult<Json<VbpProgress>> {
    Ok(Json(vbp::progress(&state.ctx, &actor, &q).await?))
}
