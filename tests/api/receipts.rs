//! Goods receipt at the central warehouse against purchase orders (D1, T1) and quality holds
//! (D2), on SQLite and PostgreSQL: every refusal with its rule id; a purchase order received in
//! two parts with damage and trace codes, its running totals and status; the good packs in the
//! warehouse's stock in base units; "close remaining"; the minimum shelf life as a setting;
//! holds and releases; concurrent receipts of one purchase order (one wins).
use chrono::Duration;
use serde_json::Value;
use tongyao_tests::*;

pub(crate) async fn an_entry(app: &TestApp, name: &str, n: u32) -> i64 {
    let body: Value = json!({"kind": "add", "fields": product(name, "oral", n), "reason": "配送测试", "effective_date": today_china().to_string()});
    adopt(app, body).await["items"][0]["entry_id"].as_i64().expect("entry id")
}

pub(crate) fn day(n: i64) -> String {
    (today_china() + Duration::days(n)).to_string()
}

/// An approved order of the village clinic for `lines` (entry, packs), urgent or in the open
/// cycle (opened when none is); returns its id.
pub(crate) async fn approved_order(app: &TestApp, lines: &[(i64, i64)], urgent: bool) -> i64 {
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    let p = app.client_as("demo-procurement").await;
    if p.get("/api/v1/procurement/cycles?status=open").await.items().is_empty() {
        p.post("/api/v1/procurement/cycles", json!({"name": "本月", "starts_on": day(-10), "ends_on": day(20)})).await.assert_status(201);
    }
    let body = if urgent { json!({"institution_id": village, "urgent": true, "urgent_reason": "急用"}) } else { json!({"institution_id": village}) };
    let id = v.post("/api/v1/orders", body).await["id"].as_i64().unwrap();
    let ls: Vec<Value> = lines.iter().map(|(e, q)| json!({"entry_id": e, "quantity": q})).collect();
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": ls})).await;
    r.assert_status(200);
    let r = v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": r["version"]})).await;
    r.assert_status(200);
    p.post(&format!("/api/v1/orders/{id}/approve"), json!({"version": r["version"]})).await.assert_status(200);
    id
}

/// A purchase order for the village clinic's approved order of `lines` (entry, packs), made by
/// the procurement officer; returns it as the distribution clerk reads it.
pub(crate) async fn purchase_order(app: &TestApp, lines: &[(i64, i64)], uscc: &str, contract_no: &str) -> Value {
    let p = app.client_as("demo-procurement").await;
    let s = p.post("/api/v1/suppliers", json!({"name": format!("供应商{contract_no}"), "uscc": uscc, "order_email": "po@supplier.example.org"})).await;
    s.assert_status(201);
    let contract_lines: Vec<Value> = lines.iter().map(|(e, _)| json!({"entry_id": e, "price": "2.50"})).collect();
    p.post("/api/v1/contracts", json!({"supplier_id": s["id"], "contract_no": contract_no, "kind": "ordinary", "valid_from": day(-30), "valid_to": day(300),
        "lines": contract_lines})).await.assert_status(201);
    let id = approved_order(app, lines, false).await;
    let g = p.post("/api/v1/purchase-orders", json!({"order_ids": [id]})).await;
    g.assert_status(201);
    let po = g["purchase_orders"][0]["id"].as_i64().unwrap();
    let d = app.client_as("demo-distribution").await;
    let r = d.get(&format!("/api/v1/purchase-orders/{po}")).await;
    r.assert_status(200);
    r.body.clone()
}

pub(crate) fn line_for(po: &Value, entry: i64) -> &Value {
    po["lines"].as_array().unwrap().iter().find(|l| l["entry_id"] == entry).unwrap()
}

/// Base units of `entry` at the institution, per lot number.
async fn stock_of(c: &Client, institution: i64, entry: i64) -> Vec<(String, i64)> {
    let r = c.get(&format!("/api/v1/stock?institution_id={institution}&entry_id={entry}")).await;
    r.assert_status(200);
    let mut out: Vec<(String, i64)> = r.items().iter().map(|s| (s["lot_no"].as_str().unwrap().to_owned(), s["quantity"].as_i64().unwrap())).collect();
    out.sort();
    out
}

both!(receive_a_purchase_order_in_parts_with_rules_d1_t1_d2, |app| async move {
    let a = an_entry(&app, "入库甲片", 901).await;
    let b = an_entry(&app, "入库乙片", 902).await;
    let po = purchase_order(&app, &[(a, 10), (b, 5)], "91350100M000100Y43", "HT-RK").await;
    let (po_id, ver) = (po["id"].as_i64().unwrap(), po["version"].as_i64().unwrap());
    let (la, lb) = (line_for(&po, a)["id"].as_i64().unwrap(), line_for(&po, b)["id"].as_i64().unwrap());
    assert_eq!(po["status"], "issued");
    assert_eq!(line_for(&po, a)["outstanding"], 10);
    let d = app.client_as("demo-distribution").await;
    let lead = app.institution(app.consortium, "RMYY").await.id;
    let receipt = |lines: Value, version: i64| json!({"purchase_order_id": po_id, "version": version, "lines": lines});
    let refused = |r: &Resp, rule: &str, says: &str| {
        r.assert_problem(422);
        assert_eq!(r["rule"], rule, "{}", r.text());
        assert!(r["detail"].as_str().unwrap().contains(says), "{}", r.text());
    };

    // D1: expired, short-dated (naming the first acceptable expiry), more than outstanding (two
    // lots of one line counted together), nothing at all, a day in the future.
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L0", "expiry": day(0), "quantity": 1}]), ver)).await;
    refused(&r, "D1", "expired");
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L0", "expiry": day(100), "quantity": 1}]), ver)).await;
    refused(&r, "D1", &day(180));
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 11}]), ver)).await;
    refused(&r, "D1", "10 packs still outstanding");
    let r = d.post("/api/v1/receipts", receipt(json!([
        {"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 6},
        {"po_line_id": la, "lot_no": "L2", "expiry": day(500), "quantity": 5}]), ver)).await;
    refused(&r, "D1", "4 packs still outstanding");
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 0}]), ver)).await;
    refused(&r, "D1", "receives nothing");
    let mut future = receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 1}]), ver);
    future["received_on"] = json!(day(1));
    refused(&d.post("/api/v1/receipts", future).await, "D1", "after today");
    // T1: not a trace code; more codes than packs; one code twice.
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 2, "trace_codes": ["12345"]}]), ver)).await;
    refused(&r, "T1", "not a drug trace code");
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 1,
        "trace_codes": ["81234567890123456789", "81234567890123456780"]}]), ver)).await;
    refused(&r, "T1", "only 1 packs");
    let r = d.post("/api/v1/receipts", receipt(json!([
        {"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 1, "trace_codes": ["81234567890123456789"]},
        {"po_line_id": lb, "lot_no": "B1", "expiry": day(400), "quantity": 1, "trace_codes": ["81234567890123456789"]}]), ver)).await;
    refused(&r, "T1", "known in the consortium");
    // Not a line of this purchase order; a stale version; a member does not receive.
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": 987_654, "lot_no": "L1", "expiry": day(400), "quantity": 1}]), ver)).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["lines[0].po_line_id"]);
    d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 1}]), ver + 1)).await.assert_problem(409);
    let v = app.client_as("demo-village").await;
    v.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 1}]), ver)).await.assert_status(403);
    assert_eq!(app.count("receipts").await, 0, "nothing refused was written");

    // Part one: 6 good and 1 damaged of a in lot L1 with two codes scanned, all 5 of b; the
    // invoice came with the goods.
    let mut first = receipt(json!([
        {"po_line_id": la, "lot_no": " L1 ", "expiry": day(400), "quantity": 6, "damaged": 1, "damage_note": "外箱压破",
         "trace_codes": ["81234567890123456789", "]C181234567890123456780"]},
        {"po_line_id": lb, "lot_no": "B1", "expiry": day(700), "quantity": 5}]), ver);
    first["invoice_no"] = json!("04412345");
    let r = d.post("/api/v1/receipts", first).await;
    r.assert_status(201);
    assert!(r["receipt_no"].as_str().unwrap().starts_with("RK"), "{}", r.text());
    assert_eq!((r["packs"].as_i64(), r["damaged"].as_i64()), (Some(11), Some(1)));
    assert_eq!(r["lines"][0]["lot_no"], "L1");
    assert_eq!(r["lines"][0]["trace_codes"], json!(["81234567890123456789", "81234567890123456780"]));
    let first_id = r["id"].as_i64().unwrap();
    // Stock in base units (28 per pack) at the central warehouse; damaged packs are not stock.
    assert_eq!(stock_of(&d, lead, a).await, vec![("L1".to_owned(), 6 * 28)]);
    assert_eq!(stock_of(&d, lead, b).await, vec![("B1".to_owned(), 5 * 28)]);
    let po = d.get(&format!("/api/v1/purchase-orders/{po_id}")).await;
    assert_eq!(po["status"], "receiving");
    let pa = line_for(&po.body, a);
    assert_eq!((pa["received"].as_i64(), pa["damaged"].as_i64(), pa["outstanding"].as_i64()), (Some(6), Some(1), Some(4)));
    assert_eq!(line_for(&po.body, b)["outstanding"], 0);
    let ver = po["version"].as_i64().unwrap();
    // The same submission again is stale: received once.
    d.post("/api/v1/receipts", receipt(json!([{"po_line_id": lb, "lot_no": "B1", "expiry": day(700), "quantity": 1}]), ver - 1)).await.assert_problem(409);
    // b is in full: one more pack is more than outstanding; a scanned code is not received again.
    refused(&d.post("/api/v1/receipts", receipt(json!([{"po_line_id": lb, "lot_no": "B1", "expiry": day(700), "quantity": 1}]), ver)).await, "D1", "0 packs still outstanding");
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L2", "expiry": day(400), "quantity": 1, "trace_codes": ["81234567890123456780"]}]), ver)).await;
    refused(&r, "T1", "known in the consortium");

    // The minimum shelf life is the consortium's: at 30 days a lot 100 days from expiry is taken.
    let admin = app.client_as("demo-consortium-admin").await;
    let s = admin.get("/api/v1/distribution/settings").await;
    assert_eq!((s["min_shelf_days"].as_i64(), s["version"].as_i64()), (Some(180), Some(0)));
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 2000, "confirm_within_days": 3, "min_allocate_days": 90, "version": 0})).await.assert_problem(422);
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 30, "confirm_within_days": 3, "min_allocate_days": 90, "version": 0})).await.assert_status(200);
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 31, "confirm_within_days": 3, "min_allocate_days": 90, "version": 0})).await.assert_problem(409);
    let mut second = receipt(json!([{"po_line_id": la, "lot_no": "L2", "expiry": day(100), "quantity": 2}]), ver);
    second["received_on"] = json!(day(0));
    let r = d.post("/api/v1/receipts", second).await;
    r.assert_status(201);
    assert!(r["invoice_no"].is_null(), "the invoice is still to come");
    assert_eq!(stock_of(&d, lead, a).await, vec![("L1".to_owned(), 6 * 28), ("L2".to_owned(), 2 * 28)]);

    // Receipts: by purchase order, the invoice still to come.
    let list = d.get(&format!("/api/v1/receipts?purchase_order_id={po_id}")).await;
    assert_eq!(list.items().len(), 2);
    let pending = d.get("/api/v1/receipts?invoice_pending=true").await;
    assert_eq!(pending.items().iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![r["id"].as_i64().unwrap()]);
    assert_eq!(d.get(&format!("/api/v1/receipts/{first_id}")).await["lines"].as_array().unwrap().len(), 2);

    // Close what remains (2 of a): a reason is needed; then nothing more is received.
    let po = d.get(&format!("/api/v1/purchase-orders/{po_id}")).await;
    let ver = po["version"].as_i64().unwrap();
    refused(&d.post(&format!("/api/v1/purchase-orders/{po_id}/close"), json!({"version": ver, "reason": " "})).await, "D1", "needs a reason");
    d.post(&format!("/api/v1/purchase-orders/{po_id}/close"), json!({"version": ver - 1, "reason": "供应商断货"})).await.assert_problem(409);
    let r = d.post(&format!("/api/v1/purchase-orders/{po_id}/close"), json!({"version": ver, "reason": "供应商断货"})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "closed");
    assert_eq!(r["close_reason"], "供应商断货");
    let pa = line_for(&r.body, a);
    assert_eq!((pa["received"].as_i64(), pa["closed"].as_i64(), pa["outstanding"].as_i64()), (Some(8), Some(2), Some(0)));
    let r = d.post("/api/v1/receipts", receipt(json!([{"po_line_id": la, "lot_no": "L3", "expiry": day(400), "quantity": 1}]), r["version"].as_i64().unwrap())).await;
    refused(&r, "D1", "closed");

    // D2: hold a lot with a reason, once; release it with a note, once.
    let lots = d.get(&format!("/api/v1/stock?institution_id={lead}&entry_id={a}")).await;
    let lot = lots.items().iter().find(|l| l["lot_no"] == "L1").unwrap()["lot_id"].as_i64().unwrap();
    refused(&d.post(&format!("/api/v1/lots/{lot}/hold"), json!({"reason": ""})).await, "D2", "needs a reason");
    let h = d.post(&format!("/api/v1/lots/{lot}/hold"), json!({"reason": "抽检不合格，待复检"})).await;
    h.assert_status(201);
    assert_eq!(h["warehouse_quantity"], 6 * 28);
    refused(&d.post(&format!("/api/v1/lots/{lot}/hold"), json!({"reason": "再冻结"})).await, "D2", "on hold already");
    assert_eq!(d.get("/api/v1/lot-holds?open=true").await.items().len(), 1);
    v.post(&format!("/api/v1/lots/{lot}/hold"), json!({"reason": "村卫生室"})).await.assert_status(403);
    refused(&d.post(&format!("/api/v1/lots/{lot}/release"), json!({"note": ""})).await, "D2", "needs a note");
    let r = d.post(&format!("/api/v1/lots/{lot}/release"), json!({"note": "复检合格"})).await;
    r.assert_status(200);
    assert_eq!(r["release_note"], "复检合格");
    refused(&d.post(&format!("/api/v1/lots/{lot}/release"), json!({"note": "复检合格"})).await, "D2", "not on hold");
    assert!(d.get("/api/v1/lot-holds?open=true").await.items().is_empty());
    d.post("/api/v1/lots/987654/hold", json!({"reason": "不存在"})).await.assert_problem(404);
});

both!(concurrent_receipts_of_one_purchase_order_receive_once, |app| async move {
    let a = an_entry(&app, "并发入库片", 903).await;
    let po = purchase_order(&app, &[(a, 10)], "91350100M000100Y43", "HT-BF").await;
    let (po_id, ver, la) = (po["id"].as_i64().unwrap(), po["version"].as_i64().unwrap(), line_for(&po, a)["id"].as_i64().unwrap());
    let d1 = app.client_as("demo-distribution").await;
    let d2 = app.client_as("demo-distribution").await;
    let body = |lot: &str| json!({"purchase_order_id": po_id, "version": ver, "lines": [{"po_line_id": la, "lot_no": lot, "expiry": day(400), "quantity": 7}]});
    let (r1, r2) = tokio::join!(d1.post("/api/v1/receipts", body("X1")).send(), d2.post("/api/v1/receipts", body("X2")).send());
    let mut codes = vec![r1.code(), r2.code()];
    codes.sort();
    assert_eq!(codes, vec![201, 409], "{} / {}", r1.text(), r2.text());
    assert_eq!(app.count("receipts").await, 1);
    let po = d1.get(&format!("/api/v1/purchase-orders/{po_id}")).await;
    assert_eq!(line_for(&po.body, a)["received"], 7);
});
