//! Walks every operation of the OpenAPI document and proves the running service agrees with
//! it: no session → 401 (public operations excepted), a role the operation does not list → 403,
//! a listed role → neither, and another consortium's object → 404 with nothing changed.
use std::collections::HashMap;

use axum::http::Method;
use serde_json::Value;
use tongyao_tests::*;

/// Operations anyone may call. A new public operation must be added here on purpose.
const PUBLIC_OPS: &[&str] = &["healthz", "readyz", "sign_in"];

/// An id no table holds.
const NO_SUCH_ID: &str = "987654321";

#[derive(Debug, Clone, PartialEq)]
enum Security {
    Public,
    /// Any signed-in user.
    Authenticated,
    /// Only these roles.
    Roles(Vec<String>),
}

#[derive(Debug, Clone)]
enum OpBody {
    Json(Value),
    Multipart(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
struct Op {
    id: String,
    method: Method,
    path: String,
    security: Security,
    body: Option<OpBody>,
    /// The document gives a request body but no example (the walk then sends a stand-in).
    missing_example: bool,
    query_params: Vec<String>,
}

impl Op {
    fn label(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.id)
    }

    fn has_params(&self) -> bool {
        !path_params(&self.path).is_empty()
    }

    /// The path with every parameter (`{id}`, `{order_id}`, `{code}` …) set to `value`.
    fn concrete(&self, value: &str) -> String {
        fill(&self.path, |_| Some(value.to_string())).expect("every parameter has a value")
    }
}

/// The names of a path's parameters, in order.
fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// The path with each parameter replaced by `value(name)`; None if a parameter has no value.
fn fill(path: &str, value: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = path.to_string();
    for name in path_params(path) {
        out = out.replace(&format!("{{{name}}}"), &value(&name)?);
    }
    Some(out)
}

#[test]
fn any_path_parameter_is_filled() {
    assert_eq!(
        path_params("/api/v1/orders/{order_id}/lines/{line}"),
        vec!["order_id", "line"]
    );
    assert_eq!(
        fill("/a/{x}/b/{y}", |n| Some(n.to_uppercase())).as_deref(),
        Some("/a/X/b/Y")
    );
    assert_eq!(
        fill("/a/{x}/b/{y}", |n| (n == "x").then(|| "1".into())),
        None
    );
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "dangling $ref {r}");
            resolve(doc, target)
        }
        None => v,
    }
}

/// The request body example of an operation: the media type's `example`, its first `examples`
/// entry, or the (referenced) schema's `example`.
fn example_of(doc: &Value, media: &Value) -> Option<Value> {
    if let Some(e) = media.get("example") {
        return Some(e.clone());
    }
    if let Some(e) = media
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
    {
        return Some(
            resolve(doc, e)
                .get("value")
                .cloned()
                .unwrap_or_else(|| e.clone()),
        );
    }
    media
        .get("schema")
        .map(|s| resolve(doc, s))
        .and_then(|s| s.get("example"))
        .cloned()
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    let paths = doc["paths"]
        .as_object()
        .expect("paths in the OpenAPI document");
    for (path, item) in paths {
        for (m, method) in [
            ("get", Method::GET),
            ("post", Method::POST),
            ("put", Method::PUT),
            ("patch", Method::PATCH),
            ("delete", Method::DELETE),
        ] {
            let Some(op) = item.get(m) else { continue };
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{m} {path} has no operationId"))
                .to_string();
            let sec = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{id} has no security requirement"));
            assert_eq!(
                sec.len(),
                1,
                "{id}: expected exactly one security requirement, got {sec:?}"
            );
            let req = sec[0].as_object().expect("security requirement object");
            let security = if req.is_empty() {
                Security::Public
            } else {
                let scopes = req
                    .get("session")
                    .and_then(Value::as_array)
                    .unwrap_or_else(|| {
                        panic!("{id}: security must use the `session` scheme: {req:?}")
                    });
                if scopes.is_empty() {
                    Security::Authenticated
                } else {
                    let roles: Vec<String> = scopes
                        .iter()
                        .map(|s| s.as_str().unwrap().to_string())
                        .collect();
                    for r in &roles {
                        assert!(
                            DEMO_USERS.iter().any(|(role, _)| role == r),
                            "{id}: unknown role {r} in scopes"
                        );
                    }
                    Security::Roles(roles)
                }
            };
            let mut missing_example = false;
            let body = op.get("requestBody").map(|rb| {
                let rb = resolve(doc, rb);
                let content = rb["content"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{id}: requestBody without content"));
                if let Some(media) = content.get("application/json") {
                    match example_of(doc, media) {
                        Some(ex) => OpBody::Json(ex),
                        None => {
                            missing_example = true;
                            OpBody::Json(json!({}))
                        }
                    }
                } else if let Some(media) = content.get("multipart/form-data") {
                    match example_of(doc, media) {
                        Some(ex) => {
                            let obj = ex.as_object().unwrap_or_else(|| {
                                panic!("{id}: multipart example must be an object of parts: {ex}")
                            });
                            OpBody::Multipart(
                                obj.iter()
                                    .map(|(k, v)| {
                                        (
                                            k.clone(),
                                            v.as_str()
                                                .map(str::to_string)
                                                .unwrap_or_else(|| v.to_string()),
                                        )
                                    })
                                    .collect(),
                            )
                        }
                        None => {
                            missing_example = true;
                            OpBody::Multipart(vec![
                                ("file".into(), "通用名,规格\n".into()),
                                ("reason".into(), "route walk".into()),
                                ("effective_date".into(), today_china().to_string()),
                            ])
                        }
                    }
                } else {
                    panic!(
                        "{id}: request body of a type the walk cannot send: {:?}",
                        content.keys().collect::<Vec<_>>()
                    )
                }
            });
            let query_params = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| resolve(doc, p))
                        .filter(|p| p["in"] == "query")
                        .filter_map(|p| p["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            ops.push(Op {
                id,
                method,
                path: path.clone(),
                security,
                body,
                missing_example,
                query_params,
            });
        }
    }
    ops
}

const BOUNDARY: &str = "tongyao-route-walk-7d1f";

fn multipart(parts: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        if name == "file" {
            out.extend_from_slice(
                b"Content-Disposition: form-data; name=\"file\"; filename=\"walk.csv\"\r\nContent-Type: text/csv\r\n\r\n",
            );
        } else {
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn call(client: &Client, op: &Op, path: &str) -> Resp {
    let c = client.request(op.method.clone(), path);
    let c = match &op.body {
        Some(OpBody::Json(v)) => c.json(v.clone()),
        Some(OpBody::Multipart(parts)) => c.raw(
            multipart(parts),
            Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
        ),
        None => c,
    };
    c.await
}

/// Signed-in clients, one per username, made on first use.
struct Clients<'a> {
    app: &'a TestApp,
    map: HashMap<String, Client>,
}

impl<'a> Clients<'a> {
    async fn of(&mut self, username: &str) -> &Client {
        if !self.map.contains_key(username) {
            let c = self.app.client_as(username).await;
            self.map.insert(username.to_string(), c);
        }
        &self.map[username]
    }
}

async fn openapi(app: &TestApp) -> (Value, Vec<Op>) {
    let r = app.get("/api/openapi.json").await;
    r.assert_status(200);
    let ops = operations(&r.body);
    // The foundation alone has 16 operations; fewer means the walk is reading the wrong thing.
    assert!(
        ops.len() >= 16,
        "only {} operations in the document",
        ops.len()
    );
    (r.body, ops)
}

both!(every_request_body_has_an_example, |app| async move {
    let (_, ops) = openapi(&app).await;
    let missing: Vec<String> = ops
        .iter()
        .filter(|o| o.missing_example)
        .map(Op::label)
        .collect();
    assert!(
        missing.is_empty(),
        "operations with a request body but no example in the OpenAPI document: {missing:#?}"
    );
    assert!(ops.iter().filter(|o| o.body.is_some()).count() >= 7);
});

both!(no_session_gets_401, |app| async move {
    let (_, ops) = openapi(&app).await;
    let anon = app.client();
    for op in &ops {
        anon.clear_cookies();
        let r = call(&anon, op, &op.concrete(NO_SUCH_ID)).await;
        match op.security {
            Security::Public => {
                assert!(
                    PUBLIC_OPS.contains(&op.id.as_str()),
                    "{} is public but not in PUBLIC_OPS",
                    op.label()
                );
                assert!(
                    r.code() < 400,
                    "{}: public operation answered {}: {}",
                    op.label(),
                    r.code(),
                    r.text()
                );
            }
            _ => {
                assert_eq!(
                    r.code(),
                    401,
                    "{} without a session: {}",
                    op.label(),
                    r.text()
                );
                assert_problem_shape(&r);
            }
        }
    }
    for id in PUBLIC_OPS {
        assert!(
            ops.iter()
                .any(|o| o.id == *id && o.security == Security::Public),
            "{id} should be public"
        );
    }
});

both!(roles_match_the_document, |app| async move {
    let (_, ops) = openapi(&app).await;
    let mut clients = Clients {
        app: &app,
        map: HashMap::new(),
    };
    let admin = app.client_as("demo-consortium-admin").await;
    let mut walkers = 0;
    for op in &ops {
        let path = op.concrete(NO_SUCH_ID);
        match &op.security {
            Security::Public => {}
            Security::Authenticated => {
                // Any role will do; a user of its own because sign-out and password change
                // end its sessions.
                walkers += 1;
                let username = format!("walk-any-{walkers}");
                let inst = app.institution(app.consortium, "RMYY").await.id;
                admin
                    .post("/api/v1/users", json!({"username": username, "display_name": "walker",
                        "institution_id": inst, "roles": ["prescriber"], "password": DEMO_PASSWORD}))
                    .await
                    .assert_status(201);
                let c = app.client_as(&username).await;
                let r = call(&c, op, &path).await;
                assert!(
                    !matches!(r.code(), 401 | 403),
                    "{} as a signed-in user: {} {}",
                    op.label(),
                    r.code(),
                    r.text()
                );
            }
            Security::Roles(roles) => {
                for (role, username) in DEMO_USERS {
                    let c = clients.of(username).await;
                    let r = call(c, op, &path).await;
                    if roles.iter().any(|r| r == role) {
                        assert!(
                            !matches!(r.code(), 401 | 403),
                            "{} as {username} ({role}, listed): {} {}",
                            op.label(),
                            r.code(),
                            r.text()
                        );
                    } else {
                        assert_eq!(
                            r.code(),
                            403,
                            "{} as {username} ({role}, not listed): {}",
                            op.label(),
                            r.text()
                        );
                        assert_problem_shape(&r);
                    }
                }
            }
        }
    }
    assert!(
        walkers >= 3,
        "sign_out, get_me and change_password need only a session"
    );
});

// ---------------------------------------------------------------------------------------------
// Another consortium's objects

/// Objects of the second consortium, created or found on first use.
struct Foreign<'a> {
    app: &'a TestApp,
    /// demo2-committee-1, signed in once (sign-ins write rows).
    owner: Client,
    entry: Option<i64>,
    proposal: Option<i64>,
    /// A movement, a stocktake and a disposal at the second consortium's lead hospital.
    stock: Option<(i64, i64, i64)>,
    /// A supplier, a contract and a procurement cycle of the second consortium.
    procurement: Option<(i64, i64, i64)>,
    /// A draft order of the second consortium's member.
    order: Option<i64>,
    /// A purchase order of the second consortium (made from that order) and one of its lines.
    purchase_order: Option<(i64, i64)>,
    /// A receipt against that purchase order.
    receipt: Option<i64>,
}

fn entry_fields(name_zh: &str, name_en: &str) -> Value {
    json!({
        "generic_name_zh": name_zh,
        "generic_name_en": name_en,
        "dosage_form": "片剂",
        "route": "oral",
        "strength": "0.5g",
        "base_unit": "片",
        "pack_size": 24,
        "pack_unit": "盒",
        "manufacturer": "内蒙古测试制药有限公司",
        "approval_number": "国药准字H15000000",
        "nhsa_code": null,
        "atc_code": null,
        "unit_price": "12.50",
        "essential_national": true,
        "essential_provincial": false,
        "vbp": false,
        "insurance_class": "a",
        "special_class": "none",
        "antimicrobial_tier": "none",
        "storage": "ordinary",
        "level_scope": "village",
        "long_rx_eligible": false,
        "extended_rx_eligible": false,
        "status": "active"
    })
}

impl<'a> Foreign<'a> {
    async fn propose(&self, c: &Client, name_zh: &str, name_en: &str) -> Value {
        let r = c
            .post(
                "/api/v1/formulary/proposals",
                json!({"kind": "add", "reason": "route walk: an object of the second consortium",
                       "effective_date": today_china().to_string(), "fields": entry_fields(name_zh, name_en)}),
            )
            .await;
        r.assert_status(201);
        r.body
    }

    /// An entry of the second consortium: proposed by demo2-committee-1, approved by a second
    /// committee member of that consortium (four eyes), made by the system administrator.
    async fn entry(&mut self) -> i64 {
        if let Some(id) = self.entry {
            return id;
        }
        let app = self.app;
        let sys = app.client_as("demo-admin").await;
        let inst = app.institution(app.consortium2, "MYZH").await.id;
        sys.post(
            "/api/v1/users",
            json!({"username": "walk2-committee-2", "display_name": "药事委员 乌云",
                "institution_id": inst, "roles": ["committee"], "password": DEMO_PASSWORD}),
        )
        .await
        .assert_status(201);
        let proposer = &self.owner;
        let approver = app.client_as("walk2-committee-2").await;
        let p = self.propose(proposer, "蒙脱石散", "Montmorillonite").await;
        let pid = p["id"].as_i64().expect("proposal id");
        approver
            .post(
                &format!("/api/v1/formulary/proposals/{pid}/approve"),
                json!({"note": "ok"}),
            )
            .await
            .assert_status(200);
        let r = proposer
            .get(&format!("/api/v1/formulary/proposals/{pid}"))
            .await;
        r.assert_status(200);
        let id = r["items"][0]["entry_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("approved add proposal names no entry: {}", r.body));
        self.entry = Some(id);
        id
    }

    /// A pending proposal of the second consortium.
    async fn proposal(&mut self) -> i64 {
        if let Some(id) = self.proposal {
            return id;
        }
        let p = self
            .propose(&self.owner, "板蓝根颗粒", "Isatis Root Granules")
            .await;
        let id = p["id"].as_i64().expect("proposal id");
        self.proposal = Some(id);
        id
    }

    /// Stock objects of the second consortium, made through the services by one of its
    /// distribution staff: an opening movement, an open stocktake and a pending disposal.
    async fn stock(&mut self) -> (i64, i64, i64) {
        if let Some(s) = self.stock {
            return s;
        }
        let entry = self.entry().await;
        let app = self.app;
        let inst = app.institution(app.consortium2, "MYZH").await.id;
        let actor = tongyao::kernel::Actor {
            user_id: Some(app.user_id("demo2-committee-1").await),
            consortium_id: Some(app.consortium2),
            roles: vec![entity::user::Role::Distribution],
            ..Default::default()
        };
        let ctx = &app.state.ctx;
        let m = tongyao::stock::service::record(
            ctx,
            &actor,
            &[tongyao::stock::service::NewMovement {
                institution_id: inst,
                entry_id: entry,
                lot_no: "WALK1".into(),
                expiry: today_china() + chrono::Duration::days(400),
                kind: entity::stock_movement::MovementKind::Opening,
                // Whole packs: this is the lead hospital's central warehouse.
                quantity: 240,
                reason: None,
                document: None,
                occurred_on: None,
            }],
        )
        .await
        .expect("an opening movement")[0]
            .clone();
        let st = tongyao::stock::stocktake::start(
            ctx,
            &actor,
            tongyao::stock::views::StartStocktake { institution_id: inst, note: None },
        )
        .await
        .expect("a stocktake");
        let d = tongyao::stock::disposal::request(
            ctx,
            &actor,
            tongyao::stock::views::RequestDisposal {
                institution_id: inst,
                reason: entity::stock_movement::AdjustmentReason::Damage,
                note: None,
                lines: vec![tongyao::stock::views::DisposalLineRequest { lot_id: m.lot_id, quantity: 1 }],
            },
        )
        .await
        .expect("a disposal");
        let ids = (m.id, st.summary.id, d.id);
        self.stock = Some(ids);
        ids
    }

    async fn procurement(&mut self) -> (i64, i64, i64) {
        if let Some(p) = self.procurement {
            return p;
        }
        let entry = self.entry().await;
        let app = self.app;
        let actor = tongyao::kernel::Actor {
            user_id: Some(app.user_id("demo2-committee-1").await),
            consortium_id: Some(app.consortium2),
            roles: vec![entity::user::Role::Procurement],
            ..Default::default()
        };
        let ctx = &app.state.ctx;
        use tongyao::procurement::{contracts, cycles, suppliers, views::*};
        let s = suppliers::create(
            ctx,
            &actor,
            SupplierInput {
                name: "蒙药供应商".into(),
                uscc: "91350100M000100Y43".into(),
                order_email: "walk@example.org".into(),
                invoice_email: None,
                contact: None,
                phone: None,
            },
        )
        .await
        .expect("a supplier");
        let today = today_china();
        let k = contracts::create(
            ctx,
            &actor,
            ContractInput {
                supplier_id: s.id,
                contract_no: "WALK-1".into(),
                kind: ContractKind::Ordinary,
                valid_from: today,
                valid_to: today + chrono::Duration::days(365),
                note: None,
                lines: vec![ContractLineInput {
                    entry_id: entry,
                    price: tongyao::kernel::Money::new(rust_decimal::Decimal::new(1250, 2)),
                    annual_volume: None,
                    volumes: vec![],
                }],
            },
        )
        .await
        .expect("a contract");
        let c = cycles::open(
            ctx,
            &actor,
            OpenCycle { name: "蒙医十二月".into(), starts_on: today, ends_on: today + chrono::Duration::days(30) },
        )
        .await
        .expect("a cycle");
        let ids = (s.id, k.id, c.id);
        self.procurement = Some(ids);
        ids
    }

    async fn order(&mut self) -> i64 {
        if let Some(o) = self.order {
            return o;
        }
        self.procurement().await;
        let app = self.app;
        let member = entity::institution::Entity::find()
            .filter(entity::institution::Column::ConsortiumId.eq(app.consortium2))
            .filter(entity::institution::Column::Level.ne(entity::institution::Level::Lead))
            .one(&app.db)
            .await
            .unwrap()
            .expect("a member of the second consortium");
        let actor = tongyao::kernel::Actor {
            user_id: Some(app.user_id("demo2-committee-1").await),
            consortium_id: Some(app.consortium2),
            institution_id: Some(member.id),
            roles: vec![entity::user::Role::Pharmacist],
            ..Default::default()
        };
        let o = tongyao::procurement::orders::create(
            &app.state.ctx,
            &actor,
            tongyao::procurement::views::CreateOrder { institution_id: member.id, urgent: false, urgent_reason: None, note: None },
        )
        .await
        .expect("an order");
        self.order = Some(o.id);
        o.id
    }

    /// The member's order submitted, approved and aggregated: its purchase order and PO line.
    async fn purchase_order(&mut self) -> (i64, i64) {
        if let Some(p) = self.purchase_order {
            return p;
        }
        let entry = self.entry().await;
        let order = self.order().await;
        let app = self.app;
        let ctx = &app.state.ctx;
        use tongyao::procurement::{orders, purchase_orders, review, views::*};
        let o = entity::member_order::Entity::find_by_id(order).one(&app.db).await.unwrap().unwrap();
        let member = tongyao::kernel::Actor {
            user_id: Some(app.user_id("demo2-committee-1").await),
            consortium_id: Some(app.consortium2),
            institution_id: Some(o.institution_id),
            roles: vec![entity::user::Role::Pharmacist],
            ..Default::default()
        };
        let officer = tongyao::kernel::Actor {
            institution_id: None,
            roles: vec![entity::user::Role::Procurement],
            ..member.clone()
        };
        let o = orders::put_lines(
            ctx,
            &member,
            order,
            PutOrderLines { version: o.version, lines: vec![OrderLineInput { entry_id: entry, quantity: Some(3) }] },
        )
        .await
        .expect("lines");
        let o = orders::submit(ctx, &member, order, OrderVersion { version: o.version }, None).await.expect("submitted");
        review::approve(ctx, &officer, order, ApproveOrder { version: o.version, adjustments: vec![] })
            .await
            .expect("approved");
        let made = purchase_orders::generate(ctx, &officer, GeneratePurchaseOrders { order_ids: vec![order] })
            .await
            .expect("purchase orders");
        let p = made.purchase_orders.first().expect("one purchase order");
        let p = purchase_orders::get(ctx, &officer, p.id).await.expect("the purchase order");
        let ids = (p.id, p.lines.first().and_then(|l| l.id).expect("a line"));
        self.purchase_order = Some(ids);
        ids
    }

    /// A receipt of the second consortium against its purchase order (half of the line).
    async fn receipt(&mut self) -> i64 {
        if let Some(r) = self.receipt {
            return r;
        }
        let (po, line) = self.purchase_order().await;
        let app = self.app;
        let clerk = tongyao::kernel::Actor {
            user_id: Some(app.user_id("demo2-committee-1").await),
            consortium_id: Some(app.consortium2),
            roles: vec![entity::user::Role::Distribution],
            ..Default::default()
        };
        let p = entity::purchase_order::Entity::find_by_id(po).one(&app.db).await.unwrap().unwrap();
        let r = tongyao::distribution::receipts::create(
            &app.state.ctx,
            &clerk,
            tongyao::distribution::views::ReceiptInput {
                purchase_order_id: po,
                version: p.version,
                received_on: None,
                invoice_no: None,
                note: None,
                lines: vec![tongyao::distribution::views::ReceiptLineInput {
                    po_line_id: line,
                    lot_no: "WALKRK".into(),
                    expiry: today_china() + chrono::Duration::days(500),
                    quantity: 1,
                    damaged: 0,
                    damage_note: None,
                    trace_codes: vec![],
                }],
            },
        )
        .await
        .expect("a receipt");
        self.receipt = Some(r.id);
        r.id
    }

    /// A back order of the second consortium (its order line's id): the one its receipt left,
    /// else one written for the purchase order's first member line.
    async fn back_order(&mut self) -> i64 {
        self.receipt().await;
        let app = self.app;
        let c = app.consortium2;
        if let Some(b) = entity::back_order::Entity::find().filter(entity::back_order::Column::ConsortiumId.eq(c)).one(&app.db).await.unwrap() {
            return b.order_line_id;
        }
        let order = entity::member_order::Entity::find()
            .filter(entity::member_order::Column::ConsortiumId.eq(c))
            .filter(entity::member_order::Column::Status.eq(entity::member_order::OrderStatus::Purchased))
            .one(&app.db)
            .await
            .unwrap()
            .expect("a purchased order in the second consortium");
        let l = entity::member_order_line::Entity::find()
            .filter(entity::member_order_line::Column::OrderId.eq(order.id))
            .one(&app.db)
            .await
            .unwrap()
            .expect("a line");
        entity::back_order::Entity::insert(entity::back_order::ActiveModel {
            order_line_id: Set(l.id),
            consortium_id: Set(c),
            institution_id: Set(order.institution_id),
            entry_id: Set(l.entry_id),
            quantity: Set(1),
            reason: Set(entity::back_order::BackOrderReason::NoStock),
            since: Set(today_china()),
        })
        .exec_without_returning(&app.db)
        .await
        .unwrap();
        l.id
    }

    /// The id of an object of the second consortium for a path with `{id}`. Fails for a path it
    /// does not know, so a new route cannot slip past this walk.
    async fn id_for(&mut self, path: &str) -> i64 {
        match path {
            "/api/v1/institutions/{id}" => {
                self.app.institution(self.app.consortium2, "MYZH").await.id
            }
            "/api/v1/users/{id}" => self.app.user_id("demo2-committee-1").await,
            "/api/v1/formulary/{id}" | "/api/v1/formulary/{id}/timeline" => self.entry().await,
            "/api/v1/formulary/proposals/{id}"
            | "/api/v1/formulary/proposals/{id}/items"
            | "/api/v1/formulary/proposals/{id}/approve"
            | "/api/v1/formulary/proposals/{id}/reject"
            | "/api/v1/formulary/proposals/{id}/withdraw" => self.proposal().await,
            "/api/v1/stock/movements/{id}/reverse" => self.stock().await.0,
            p if p.starts_with("/api/v1/stocktakes/{id}") => self.stock().await.1,
            p if p.starts_with("/api/v1/stock/disposals/{id}") => self.stock().await.2,
            p if p.starts_with("/api/v1/suppliers/{id}") => self.procurement().await.0,
            p if p.starts_with("/api/v1/contracts/{id}") => self.procurement().await.1,
            p if p.starts_with("/api/v1/procurement/cycles/{id}") => self.procurement().await.2,
            p if p.starts_with("/api/v1/orders/{id}") => self.order().await,
            p if p.starts_with("/api/v1/purchase-orders/{id}") => self.purchase_order().await.0,
            p if p.starts_with("/api/v1/receipts/{id}") => self.receipt().await,
            p if p.starts_with("/api/v1/back-orders/{id}") => self.back_order().await,
            p if p.starts_with("/api/v1/lots/{id}") => {
                let m = self.stock().await.0;
                entity::stock_movement::Entity::find_by_id(m).one(&self.app.db).await.unwrap().unwrap().lot_id
            }
            other => panic!(
                "the route walk has no object mapping for {other}: add one to Foreign::id_for \
                 (an object of the second consortium) so its 404 isolation is tested"
            ),
        }
    }

    /// What the owner sees of the object, to prove a refused call changed nothing.
    async fn snapshot(&self, path: &str, id: i64) -> String {
        let app = self.app;
        if path.starts_with("/api/v1/institutions/") {
            let m = entity::institution::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap();
            return format!("{m:?}");
        }
        if path.starts_with("/api/v1/users/") {
            let m = entity::user::Entity::find_by_id(id)
                .one(&app.db)
                .await
                .unwrap();
            return format!("{m:?}");
        }
        if path.starts_with("/api/v1/stocktakes/") {
            let m = entity::stocktake::Entity::find_by_id(id).one(&app.db).await.unwrap();
            return format!("{m:?}");
        }
        if path.starts_with("/api/v1/stock/disposals/") {
            let m = entity::stock_disposal::Entity::find_by_id(id).one(&app.db).await.unwrap();
            return format!("{m:?}");
        }
        if path.starts_with("/api/v1/suppliers/") {
            let m = entity::supplier::Entity::find_by_id(id).one(&app.db).await.unwrap();
            return format!("{m:?}");
        }
        if path.starts_with("/api/v1/contracts/") {
            let m = entity::supply_contract::Entity::find_by_id(id).one(&app.db).await.unwrap();
            let lines = entity::contract_line::Entity::find()
                .filter(entity::contract_line::Column::ContractId.eq(id))
                .all(&app.db)
                .await
                .unwrap();
            return format!("{m:?} {lines:?}");
        }
        if path.starts_with("/api/v1/orders/") {
            let m = entity::member_order::Entity::find_by_id(id).one(&app.db).await.unwrap();
            let lines = entity::member_order_line::Entity::find()
                .filter(entity::member_order_line::Column::OrderId.eq(id))
                .all(&app.db)
                .await
                .unwrap();
            return format!("{m:?} {lines:?}");
        }
        if path.starts_with("/api/v1/purchase-orders/") {
            let m = entity::purchase_order::Entity::find_by_id(id).one(&app.db).await.unwrap();
            let lines = entity::purchase_order_line::Entity::find()
                .filter(entity::purchase_order_line::Column::PurchaseOrderId.eq(id))
                .all(&app.db)
                .await
                .unwrap();
            return format!("{m:?} {lines:?}");
        }
        if path.starts_with("/api/v1/receipts/") {
            let m = entity::receipt::Entity::find_by_id(id).one(&app.db).await.unwrap();
            let lines = entity::receipt_line::Entity::find()
                .filter(entity::receipt_line::Column::ReceiptId.eq(id))
                .all(&app.db)
                .await
                .unwrap();
            return format!("{m:?} {lines:?}");
        }
        if path.starts_with("/api/v1/back-orders/") {
            let m = entity::back_order::Entity::find_by_id(id).one(&app.db).await.unwrap();
            let l = entity::member_order_line::Entity::find_by_id(id).one(&app.db).await.unwrap();
            return format!("{m:?} {l:?}");
        }
        if path.starts_with("/api/v1/lots/") {
            let m = entity::stock_lot::Entity::find_by_id(id).one(&app.db).await.unwrap();
            let holds = entity::lot_hold::Entity::find()
                .filter(entity::lot_hold::Column::LotId.eq(id))
                .all(&app.db)
                .await
                .unwrap();
            return format!("{m:?} {holds:?}");
        }
        if path.starts_with("/api/v1/procurement/cycles/") {
            let m = entity::procurement_cycle::Entity::find_by_id(id).one(&app.db).await.unwrap();
            return format!("{m:?}");
        }
        if path.starts_with("/api/v1/stock/movements/") {
            let m = entity::stock_movement::Entity::find_by_id(id).one(&app.db).await.unwrap();
            return format!("{m:?}");
        }
        let view = if path.starts_with("/api/v1/formulary/proposals/") {
            format!("/api/v1/formulary/proposals/{id}")
        } else {
            format!("/api/v1/formulary/{id}/timeline")
        };
        let r = self.owner.get(&view).await;
        r.assert_status(200);
        r.text()
    }
}

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in [
        "consortia",
        "institutions",
        "users",
        "audit_log",
        "formulary_entries",
        "formulary_proposals",
        "formulary_versions",
        "stock_movements",
        "stock_balances",
        "stocktakes",
        "stocktake_lines",
        "stock_disposals",
        "stock_disposal_lines",
        "member_orders",
        "member_order_lines",
        "purchase_orders",
        "purchase_order_lines",
        "outbox",
        "receipts",
        "receipt_lines",
        "lot_holds",
        "distribution_settings",
    ] {
        out.push((t, app.count(t).await));
    }
    out
}

both!(other_consortium_objects_are_404, |app| async move {
    let (_, ops) = openapi(&app).await;
    let owner = app.client_as("demo2-committee-1").await;
    let mut foreign = Foreign {
        app: &app,
        owner,
        entry: None,
        proposal: None,
        stock: None,
        procurement: None,
        order: None,
        purchase_order: None,
        receipt: None,
    };
    let mut clients = Clients {
        app: &app,
        map: HashMap::new(),
    };
    // Sign everyone in first so that sign-ins do not count as changes.
    for (_, u) in DEMO_USERS {
        clients.of(u).await;
    }
    let mut checked = 0;
    let mut paths = Vec::new();
    for op in ops.iter().filter(|o| o.has_params()) {
        paths.push(op.label());
        let id = foreign.id_for(&op.path).await;
        // A line of the object (its own id, so that only the object decides the 404).
        let line = if op.path.contains("{line_id}") {
            Some(foreign.purchase_order().await.1)
        } else {
            None
        };
        // The object's id fills its parameter; a path with more parameters needs a mapping.
        let path = fill(&op.path, |name| match name {
            "id" => Some(id.to_string()),
            "line_id" => line.map(|l| l.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| {
                panic!(
                    "{}: a path parameter the walk cannot fill: teach Foreign::id_for about it",
                    op.label()
                )
            });
        let roles: Vec<&str> = match &op.security {
            Security::Roles(r) => r.iter().map(String::as_str).collect(),
            Security::Authenticated => DEMO_USERS.iter().map(|(r, _)| *r).collect(),
            Security::Public => panic!("{}: a public operation on an object", op.label()),
        };
        // The system administrator belongs to no consortium and may act in any.
        let users: Vec<&str> = roles
            .iter()
            .filter(|r| **r != "system_admin")
            .map(|r| demo_user_for(r))
            .collect();
        assert!(
            !users.is_empty(),
            "{}: no consortium role may call it",
            op.label()
        );
        let before = (foreign.snapshot(&op.path, id).await, row_counts(&app).await);
        for u in users {
            let r = call(clients.of(u).await, op, &path).await;
            assert_eq!(
                r.code(),
                404,
                "{} as {u} on object {id} of the second consortium: {}",
                op.label(),
                r.text()
            );
            assert_problem_shape(&r);
            checked += 1;
        }
        let after = (foreign.snapshot(&op.path, id).await, row_counts(&app).await);
        assert_eq!(
            before,
            after,
            "{}: a refused call changed something",
            op.label()
        );
    }
    assert!(
        checked >= 4,
        "PATCH institutions/users at least, by two roles each"
    );
    eprintln!("{checked} calls on another consortium's objects, over {paths:#?}");
});

both!(other_consortium_lists_are_404, |app| async move {
    let (_, ops) = openapi(&app).await;
    let mut clients = Clients {
        app: &app,
        map: HashMap::new(),
    };
    let mut checked = 0;
    for op in ops
        .iter()
        .filter(|o| o.query_params.iter().any(|p| p == "consortium_id"))
    {
        let Security::Roles(roles) = &op.security else {
            panic!("{}: consortium_id on an unrestricted operation", op.label())
        };
        for role in roles.iter().filter(|r| *r != "system_admin") {
            let u = demo_user_for(role);
            let path = format!(
                "{}?consortium_id={}",
                op.concrete(NO_SUCH_ID),
                app.consortium2
            );
            let r = call(clients.of(u).await, op, &path).await;
            assert_eq!(
                r.code(),
                404,
                "{} as {u} asking for the second consortium: {}",
                op.label(),
                r.text()
            );
            assert_problem_shape(&r);
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "institutions, users and audit take consortium_id"
    );
});

// Methods a path does not have answer 405 with an Allow header, as problem+json.
both!(wrong_methods_are_405, |app| async move {
    let (_, ops) = openapi(&app).await;
    app.login("demo-consortium-admin").await;
    let mut by_path: HashMap<&str, Vec<Method>> = HashMap::new();
    for op in &ops {
        by_path
            .entry(op.path.as_str())
            .or_default()
            .push(op.method.clone());
    }
    for (path, methods) in by_path {
        if !path.starts_with("/api/") {
            continue;
        }
        for m in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if methods.contains(&m) {
                continue;
            }
            let p = fill(path, |_| Some(NO_SUCH_ID.to_string())).expect("filled");
            let r = app.request(m.clone(), &p).json(json!({})).await;
            assert_eq!(r.code(), 405, "{m} {p}: {}", r.text());
            assert_problem_shape(&r);
            assert!(r.header("allow").is_some(), "{m} {p}: 405 without Allow");
        }
    }
});
