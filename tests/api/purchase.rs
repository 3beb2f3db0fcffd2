//! The lead hospital's review of members' orders (O4) and their aggregation into purchase
//! orders per supplier, on SQLite and PostgreSQL: approve, adjust with a reason, return; the
//! batch that answers per order; concurrent approvals; preview and generation with uncovered
//! products reported and taken later; each PO line's member lines; the PO's e-mail in the
//! outbox; PDF and XLSX; and volume-based procurement progress (O5).
use chrono::Duration;
use serde_json::Value;
use tongyao_tests::*;

const USCC_A: &str = "91350100M000100Y43";

async fn an_entry(app: &TestApp, name: &str, n: u32) -> i64 {
    let mut fields = product(name, "oral", n);
    fields["level_scope"] = json!("village");
    let body: Value = json!({"kind": "add", "fields": fields, "reason": "采购测试", "effective_date": today_china().to_string()});
    adopt(app, body).await["items"][0]["entry_id"].as_i64().expect("entry id")
}

fn day(n: i64) -> String {
    (today_china() + Duration::days(n)).to_string()
}

/// A valid unified social credit code other than `USCC_A` (the check character computed).
fn uscc(n: u32) -> String {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let first = format!("913501007{n:08}");
    let sum: u32 = first.chars().zip(W).map(|(c, w)| CHARS.find(c).unwrap() as u32 * w).sum();
    let check = CHARS.chars().nth(((31 - sum % 31) % 31) as usize).unwrap();
    format!("{first}{check}")
}

/// A submitted order of `client` for `institution` with typed quantities.
async fn submitted(client: &Client, institution: i64, lines: &[(i64, i64)]) -> Value {
    let id = client.post("/api/v1/orders", json!({"institution_id": institution})).await["id"].as_i64().unwrap();
    let lines: Vec<Value> = lines.iter().map(|(e, q)| json!({"entry_id": e, "quantity": q})).collect();
    let r = client.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": lines})).await;
    r.assert_status(200);
    let r = client.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": r["version"]})).await;
    r.assert_status(200);
    r.body.clone()
}

/// The approved demand's running totals equal the sum of the approved orders' lines, product by
/// product (what aggregation reads instead of summing the lines again).
async fn assert_demand_totals_hold(app: &TestApp) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    let read = |sql: &str| {
        let st = Statement::from_sql_and_values(backend, sql, vec![app.consortium.into()]);
        async move {
            let mut out: Vec<(i64, i64, i64)> = app
                .db
                .query_all_raw(st)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap(), r.try_get_by_index(2).unwrap()))
                .collect();
            out.sort();
            out
        }
    };
    let totals = read("SELECT entry_id, packs, lines FROM approved_demand WHERE consortium_id = $1 AND lines > 0").await;
    let summed = read(
        "SELECT l.entry_id, CAST(SUM(COALESCE(l.approved_quantity, l.quantity)) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM member_order_lines l JOIN member_orders o ON o.id = l.order_id \
         WHERE o.consortium_id = $1 AND o.status = 'approved' AND COALESCE(l.approved_quantity, l.quantity) > 0 GROUP BY l.entry_id",
    )
    .await;
    assert_eq!(totals, summed, "approved demand totals drifted from the approved lines");
}

fn line_of(order: &Value, entry: i64) -> &Value {
    order["lines"].as_array().unwrap().iter().find(|l| l["entry_id"] == entry).unwrap()
}

both!(review_aggregate_and_purchase_orders_with_rule_o4, |app| async move {
    let a = an_entry(&app, "汇总甲片", 801).await;
    let b = an_entry(&app, "汇总乙片", 802).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let township = app.institution(app.consortium, "DGTL").await.id;
    let v = app.client_as("demo-village").await;
    let t = app.client_as("demo-pharmacist").await;
    let p = app.client_as("demo-procurement").await;
    p.post("/api/v1/procurement/cycles", json!({"name": "本月", "starts_on": day(-10), "ends_on": day(20)})).await.assert_status(201);
    let s = p.post("/api/v1/suppliers", json!({"name": "甲医药", "uscc": USCC_A, "order_email": "po@jia.example.org"})).await["id"].as_i64().unwrap();
    p.post("/api/v1/contracts", json!({"supplier_id": s, "contract_no": "HT-A", "kind": "ordinary", "valid_from": day(-30), "valid_to": day(300),
        "lines": [{"entry_id": a, "price": "1.2345"}]})).await.assert_status(201);
    let vo = submitted(&v, village, &[(a, 10), (b, 5)]).await;
    let to = submitted(&t, township, &[(a, 4)]).await;
    let (vid, tid) = (vo["id"].as_i64().unwrap(), to["id"].as_i64().unwrap());
    let la = line_of(&vo, a)["id"].as_i64().unwrap();

    // O4: a draft is not reviewed; an adjustment says why and stays sane; approving nothing is
    // a return.
    let draft = v.post("/api/v1/orders", json!({"institution_id": village})).await;
    let r = p.post(&format!("/api/v1/orders/{}/approve", draft["id"]), json!({"version": 1})).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "O4");
    let ver = vo["version"].as_i64().unwrap();
    let r = p.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver, "adjustments": [{"line_id": la, "quantity": 6}]})).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "O4");
    assert!(r["detail"].as_str().unwrap().contains("needs a reason"), "{}", r.text());
    let r = p.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver, "adjustments": [{"line_id": la, "quantity": 101, "reason": "多订"}]})).await;
    assert_eq!(r["rule"], "O4");
    let lb = line_of(&vo, b)["id"].as_i64().unwrap();
    let r = p.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver, "adjustments": [
        {"line_id": la, "quantity": 0, "reason": "不采购"}, {"line_id": lb, "quantity": 0, "reason": "不采购"}]})).await;
    assert_eq!(r["rule"], "O4");
    p.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver, "adjustments": [{"line_id": 999_999, "quantity": 1, "reason": "无此行"}]}))
        .await
        .assert_problem(422);
    // A member does not approve.
    v.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver})).await.assert_status(403);
    // Approve with an adjustment; the member reads the reason.
    let r = p.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver, "adjustments": [{"line_id": la, "quantity": 6, "reason": "库存充足，减量"}]})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "approved");
    assert_eq!(r["adjusted"], 1);
    let seen = v.get(&format!("/api/v1/orders/{vid}")).await;
    assert_eq!(line_of(&seen.body, a)["approved"], 6);
    assert_eq!(line_of(&seen.body, a)["quantity"], 10);
    assert_eq!(line_of(&seen.body, a)["adjust_reason"], "库存充足，减量");
    assert_eq!(line_of(&seen.body, b)["approved"], 5);
    assert!(seen["reviewed_by"].as_str().is_some());
    // Reviewed once: stale → 409, fresh → O4.
    p.post(&format!("/api/v1/orders/{vid}/approve"), json!({"version": ver})).await.assert_problem(409);
    let r = p.post(&format!("/api/v1/orders/{vid}/return"), json!({"version": seen["version"], "reason": "再看看"})).await;
    assert_eq!(r["rule"], "O4");

    // Return the township's order: a reason is needed; the member changes it and submits again.
    let tver = to["version"].as_i64().unwrap();
    let r = p.post(&format!("/api/v1/orders/{tid}/return"), json!({"version": tver, "reason": " "})).await;
    assert_eq!(r["rule"], "O4");
    let r = p.post(&format!("/api/v1/orders/{tid}/return"), json!({"version": tver, "reason": "数量偏少，请按两个月用量请领"})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "returned");
    let seen = t.get(&format!("/api/v1/orders/{tid}")).await;
    assert_eq!(seen["review_note"], "数量偏少，请按两个月用量请领");
    let r = t.put(&format!("/api/v1/orders/{tid}/lines"), json!({"version": seen["version"], "lines": [{"entry_id": a, "quantity": 8}]})).await;
    r.assert_status(200);
    let r = t.post(&format!("/api/v1/orders/{tid}/submit"), json!({"version": r["version"]})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "submitted");
    assert!(r["review_note"].is_null());

    // The queue by product.
    let d = p.get("/api/v1/orders/by-product").await;
    d.assert_status(200);
    let pa = d["items"].as_array().unwrap().iter().find(|i| i["entry_id"] == a).unwrap();
    assert_eq!((pa["quantity"].as_i64(), pa["orders"].as_i64()), (Some(8), Some(1)));
    assert_eq!(pa["supplier_name"], "甲医药");
    v.get("/api/v1/orders/by-product").await.assert_status(403);

    // A batch answers per order: the township's is approved, the village's (approved already,
    // at an old version) is refused — and that refusal stops nothing.
    let tver = r["version"].as_i64().unwrap();
    let r = p.post("/api/v1/orders/review", json!({"action": "approve", "orders": [{"id": tid, "version": tver}, {"id": vid, "version": ver}]})).await;
    r.assert_status(200);
    assert_eq!((r["done"].as_i64(), r["refused"].as_i64()), (Some(1), Some(1)));
    let items = r["items"].as_array().unwrap();
    assert_eq!((items[0]["ok"].as_bool(), items[0]["status"].as_str()), (Some(true), Some("approved")));
    assert_eq!((items[1]["ok"].as_bool(), items[1]["problem"]["status"].as_i64()), (Some(false), Some(409)));
    p.post("/api/v1/orders/review", json!({"action": "return", "orders": [{"id": tid, "version": tver}]})).await.assert_problem(422);

    // The preview: one purchase order to 甲医药 with product a (6 + 8 packs); b has no contract and
    // is reported with who ordered it.
    assert_demand_totals_hold(&app).await;
    let pv = p.get("/api/v1/purchase-orders/preview").await;
    pv.assert_status(200);
    assert_eq!(pv["orders"].as_array().unwrap().len(), 2);
    assert_eq!(pv["suppliers"].as_array().unwrap().len(), 1);
    let pl = &pv["suppliers"][0]["lines"][0];
    assert_eq!((pl["entry_id"].as_i64(), pl["quantity"].as_i64(), pl["sources"].as_i64()), (Some(a), Some(14), Some(2)));
    assert_eq!(pl["amount"], "17.28"); // 14 × 1.2345 = 17.283
    let unc = &pv["uncovered"][0];
    assert_eq!((unc["entry_id"].as_i64(), unc["quantity"].as_i64()), (Some(b), Some(5)));
    assert_eq!(unc["institutions"].as_array().unwrap().len(), 1);

    // Generate: one PO, the uncovered product reported; the orders are purchased.
    let ids: Vec<i64> = pv["orders"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    p.post("/api/v1/purchase-orders", json!({"order_ids": [ids[0], ids[0]]})).await.assert_problem(422);
    let g = p.post("/api/v1/purchase-orders", json!({"order_ids": ids})).await;
    g.assert_status(201);
    assert_eq!(g["purchase_orders"].as_array().unwrap().len(), 1);
    assert_eq!(g["uncovered"][0]["entry_id"], b);
    let po = g["purchase_orders"][0]["id"].as_i64().unwrap();
    assert!(g["purchase_orders"][0]["po_no"].as_str().unwrap().starts_with("PO"));
    assert_demand_totals_hold(&app).await;
    // Twice: nothing is aggregated again.
    p.post("/api/v1/purchase-orders", json!({"order_ids": ids})).await.assert_problem(409);
    assert_demand_totals_hold(&app).await;
    let seen = v.get(&format!("/api/v1/orders/{vid}")).await;
    assert_eq!(seen["status"], "purchased");
    assert_eq!(seen["purchase_orders"][0]["id"], po);
    assert_eq!(line_of(&seen.body, b)["uncovered"], true);
    assert_eq!(line_of(&seen.body, a)["uncovered"], false);

    // The PO: its line sums two members' lines; its e-mail waits in the outbox.
    let r = p.get(&format!("/api/v1/purchase-orders/{po}")).await;
    r.assert_status(200);
    assert_eq!(r["total"], "17.28");
    assert_eq!(r["notice"]["recipient"], "po@jia.example.org");
    assert_eq!(r["notice"]["status"], "pending");
    let line = r["lines"][0]["id"].as_i64().unwrap();
    let src = p.get(&format!("/api/v1/purchase-orders/{po}/lines/{line}/sources")).await;
    let mut q: Vec<i64> = src.body.as_array().unwrap().iter().map(|s| s["quantity"].as_i64().unwrap()).collect();
    q.sort();
    assert_eq!(q, [6, 8]);
    assert_eq!(app.count("outbox").await, 1);
    v.get(&format!("/api/v1/purchase-orders/{po}")).await.assert_status(403);
    let x = p.get(&format!("/api/v1/purchase-orders/{po}/xlsx")).await;
    x.assert_status(200);
    assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
    let pdf = p.get(&format!("/api/v1/purchase-orders/{po}/pdf")).await;
    pdf.assert_status(200);
    assert!(pdf.bytes.starts_with(b"%PDF-"));

    // A contract for b later: the next aggregation takes the waiting line on its own.
    let s2 = p.post("/api/v1/suppliers", json!({"name": "乙医药", "uscc": uscc(2), "order_email": "po@yi.example.org"})).await["id"].as_i64().unwrap();
    p.post("/api/v1/contracts", json!({"supplier_id": s2, "contract_no": "HT-B", "kind": "ordinary", "valid_from": day(-1), "valid_to": day(300),
        "lines": [{"entry_id": b, "price": "3"}]})).await.assert_status(201);
    let pv = p.get("/api/v1/purchase-orders/preview").await;
    assert_eq!(pv["orders"].as_array().unwrap().len(), 0);
    assert_eq!(pv["suppliers"][0]["lines"][0]["entry_id"], b);
    let g = p.post("/api/v1/purchase-orders", json!({"order_ids": []})).await;
    g.assert_status(201);
    assert_eq!(g["purchase_orders"][0]["supplier_name"], "乙医药");
    assert_eq!(g["purchase_orders"][0]["total"], "15.00");
    let po2 = g["purchase_orders"][0]["id"].as_i64().unwrap();
    let r = p.get(&format!("/api/v1/purchase-orders/{po2}")).await;
    let line = r["lines"][0]["id"].as_i64().unwrap();
    let src = p.get(&format!("/api/v1/purchase-orders/{po2}/lines/{line}/sources")).await;
    assert_eq!(src.body.as_array().unwrap().len(), 1);
    assert_eq!(src.body[0]["order_id"], vid);
    let seen = v.get(&format!("/api/v1/orders/{vid}")).await;
    assert_eq!(line_of(&seen.body, b)["uncovered"], false);
    assert_eq!(seen["purchase_orders"].as_array().unwrap().len(), 2);
    // Nothing left: generating is refused, saying so.
    p.post("/api/v1/purchase-orders", json!({"order_ids": []})).await.assert_problem(422);
    let list = p.get("/api/v1/purchase-orders").await;
    assert_eq!(list.items().len(), 2);
});

both!(aggregating_some_approved_orders_leaves_the_others_demand, |app| async move {
    let a = an_entry(&app, "部分汇总甲片", 821).await;
    let b = an_entry(&app, "部分汇总乙片", 822).await;
    let p = app.client_as("demo-procurement").await;
    let v = app.client_as("demo-village").await;
    let t = app.client_as("demo-pharmacist").await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let township = app.institution(app.consortium, "DGTL").await.id;
    p.post("/api/v1/procurement/cycles", json!({"name": "部分汇总", "starts_on": day(-3), "ends_on": day(20)})).await.assert_status(201);
    let s1 = p.post("/api/v1/suppliers", json!({"name": "丙医药", "uscc": uscc(31), "order_email": "po@bing.example.org"})).await["id"].as_i64().unwrap();
    p.post("/api/v1/contracts", json!({"supplier_id": s1, "contract_no": "HT-PART", "kind": "ordinary", "valid_from": day(-1), "valid_to": day(300),
        "lines": [{"entry_id": a, "price": "2"}, {"entry_id": b, "price": "3"}]})).await.assert_status(201);
    let mut ids = Vec::new();
    for (client, inst, lines) in [(&v, village, vec![(a, 4), (b, 2)]), (&t, township, vec![(a, 6)]), (&v, village, vec![(b, 9)])] {
        let o = submitted(client, inst, &lines).await;
        let r = p.post(&format!("/api/v1/orders/{}/approve", o["id"]), json!({"version": o["version"]})).await;
        r.assert_status(200);
        ids.push(o["id"].as_i64().unwrap());
        assert_demand_totals_hold(&app).await;
    }
    let approved_before = p.get("/api/v1/purchase-orders/preview").await["orders"].as_array().unwrap().len();
    // Two of the three (and any the demo left approved stay too).
    let g = p.post("/api/v1/purchase-orders", json!({"order_ids": [ids[0], ids[1]]})).await;
    g.assert_status(201);
    let lines = p.get(&format!("/api/v1/purchase-orders/{}", g["purchase_orders"][0]["id"])).await;
    let qty = |e: i64| lines["lines"].as_array().unwrap().iter().find(|l| l["entry_id"] == e).map(|l| l["quantity"].as_i64().unwrap());
    assert_eq!((qty(a), qty(b)), (Some(10), Some(2)));
    assert_demand_totals_hold(&app).await;
    let pv = p.get("/api/v1/purchase-orders/preview").await;
    assert_eq!(pv["orders"].as_array().unwrap().len(), approved_before - 2);
    // Then the rest: every approved order, read from the totals.
    let rest: Vec<i64> = pv["orders"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    let g = p.post("/api/v1/purchase-orders", json!({"order_ids": rest})).await;
    g.assert_status(201);
    let po = g["purchase_orders"].as_array().unwrap().iter().find(|x| x["supplier_name"] == "丙医药").unwrap()["id"].as_i64().unwrap();
    let lines = p.get(&format!("/api/v1/purchase-orders/{po}")).await;
    assert_eq!(lines["lines"].as_array().unwrap().iter().find(|l| l["entry_id"] == b).unwrap()["quantity"], 9);
    assert_demand_totals_hold(&app).await;
});

both!(concurrent_approvals_of_one_order_one_wins, |app| async move {
    let a = an_entry(&app, "并发审核片", 811).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    let p = app.client_as("demo-procurement").await;
    let p2 = app.client_as("demo-procurement").await;
    p.post("/api/v1/procurement/cycles", json!({"name": "本月", "starts_on": day(-10), "ends_on": day(20)})).await.assert_status(201);
    for round in 0..3 {
        let o = submitted(&v, village, &[(a, 3 + round)]).await;
        let (id, ver) = (o["id"].as_i64().unwrap(), o["version"].as_i64().unwrap());
        let (r1, r2) = tokio::join!(
            p.post(&format!("/api/v1/orders/{id}/approve"), json!({"version": ver})),
            p2.post(&format!("/api/v1/orders/{id}/return"), json!({"version": ver, "reason": "同时退回"}))
        );
        let mut codes = [r1.code(), r2.code()];
        codes.sort();
        assert_eq!(codes, [200, 409], "round {round}: {} / {}", r1.text(), r2.text());
        let (r1, r2) = tokio::join!(
            p.post(&format!("/api/v1/orders/{id}/approve"), json!({"version": ver})),
            p2.post(&format!("/api/v1/orders/{id}/approve"), json!({"version": ver}))
        );
        assert_eq!((r1.code(), r2.code()), (409, 409), "both stale now");
    }
    let o = submitted(&v, village, &[(a, 7)]).await;
    let (id, ver) = (o["id"].as_i64().unwrap(), o["version"].as_i64().unwrap());
    let (r1, r2) = tokio::join!(
        p.post(&format!("/api/v1/orders/{id}/approve"), json!({"version": ver})),
        p2.post(&format!("/api/v1/orders/{id}/approve"), json!({"version": ver}))
    );
    let mut codes = [r1.code(), r2.code()];
    codes.sort();
    assert_eq!(codes, [200, 409]);
    let backend = sea_orm::ConnectionTrait::get_database_backend(&app.db);
    let n: i64 = sea_orm::ConnectionTrait::query_one_raw(
        &app.db,
        sea_orm::Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'order.approve' AND object_id = '{id}'")),
    )
    .await
    .unwrap()
    .unwrap()
    .try_get("", "n")
    .unwrap();
    assert_eq!(n, 1, "approved once");
});

both!(vbp_progress_per_member_and_the_switch_hint_o5, |app| async move {
    let sel = an_entry(&app, "带量甲片", 821).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let township = app.institution(app.consortium, "DGTL").await.id;
    let v = app.client_as("demo-village").await;
    let t = app.client_as("demo-pharmacist").await;
    let p = app.client_as("demo-procurement").await;
    // Another product of the same generic name, another manufacturer, not selected.
    let mut fields = product("带量甲片", "oral", 822);
    fields["level_scope"] = json!("village");
    fields["manufacturer"] = json!("另一药厂");
    let other = adopt(&app, json!({"kind": "add", "fields": fields, "reason": "非中选", "effective_date": today_china().to_string()})).await["items"][0]["entry_id"]
        .as_i64()
        .unwrap();
    p.post("/api/v1/procurement/cycles", json!({"name": "本月", "starts_on": day(-10), "ends_on": day(20)})).await.assert_status(201);
    let s = p.post("/api/v1/suppliers", json!({"name": "集采配送", "uscc": USCC_A, "order_email": "vbp@example.org"})).await["id"].as_i64().unwrap();
    // A contract year that began 146 days ago: the pro-rata point is 147/365.
    let k = p.post("/api/v1/contracts", json!({"supplier_id": s, "contract_no": "VBP-1", "kind": "vbp", "valid_from": day(-146), "valid_to": day(218),
        "lines": [{"entry_id": sel, "price": "0.5", "annual_volume": 1000, "volumes": [{"institution_id": village, "packs": 400}, {"institution_id": township, "packs": 600}]}]})).await;
    k.assert_status(201);
    let kid = k["id"].as_i64().unwrap();
    // The switch hint on a line of the non-selected product.
    let id = v.post("/api/v1/orders", json!({"institution_id": village})).await["id"].as_i64().unwrap();
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": [{"entry_id": other, "quantity": 2}, {"entry_id": sel, "quantity": 1}]})).await;
    assert_eq!(line_of(&r.body, other)["vbp_alternative"]["entry_id"], sel);
    assert_eq!(line_of(&r.body, other)["vbp_alternative"]["contract_no"], "VBP-1");
    assert!(line_of(&r.body, sel)["vbp_alternative"].is_null());
    // Buy: village 300 packs (ahead of 40 % of 400 = 160 … 300/400 = 75 %), township 100 (behind).
    let vo = submitted(&v, village, &[(sel, 300)]).await;
    let to = submitted(&t, township, &[(sel, 100)]).await;
    for o in [&vo, &to] {
        p.post(&format!("/api/v1/orders/{}/approve", o["id"]), json!({"version": o["version"]})).await.assert_status(200);
    }
    p.post("/api/v1/purchase-orders", json!({"order_ids": [vo["id"], to["id"]]})).await.assert_status(201);
    let r = p.get(&format!("/api/v1/vbp/progress?contract_id={kid}")).await;
    r.assert_status(200);
    let c = &r["contracts"][0];
    assert_eq!((c["elapsed_days"].as_i64(), c["year_days"].as_i64()), (Some(147), Some(365)));
    assert_eq!(c["pro_rata"], "0.4027");
    let l = &c["lines"][0];
    assert_eq!((l["agreed"].as_i64(), l["purchased"].as_i64(), l["progress"].as_str()), (Some(1000), Some(400), Some("0.4")));
    assert_eq!(l["behind"], true, "400/1000 = 40 % < 40.27 %");
    let m = |name: i64| l["members"].as_array().unwrap().iter().find(|m| m["institution_id"] == name).unwrap().clone();
    assert_eq!((m(village)["purchased"].as_i64(), m(village)["behind"].as_bool()), (Some(300), Some(false)));
    assert_eq!((m(township)["purchased"].as_i64(), m(township)["behind"].as_bool()), (Some(100), Some(true)));
    // A member sees its own figure only.
    let r = v.get("/api/v1/vbp/progress").await;
    r.assert_status(200);
    let l = &r["contracts"][0]["lines"][0];
    assert_eq!((l["agreed"].as_i64(), l["purchased"].as_i64()), (Some(400), Some(300)));
    assert_eq!(l["members"].as_array().unwrap().len(), 1);
    v.get(&format!("/api/v1/vbp/progress?institution_id={township}")).await.assert_status(404);
    p.get("/api/v1/vbp/progress?contract_id=999999").await.assert_status(404);
});
