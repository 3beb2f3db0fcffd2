//! Members' orders over HTTP on SQLite and PostgreSQL: O1 (an open cycle or an urgent reason),
//! O2 (orderable products, whole packs), O3 (suggestions from stock and consumption; a typed
//! quantity is never overwritten), O6 (amounts to the fen), O7 (an idempotent submission), and
//! concurrent edits and submissions of one order.
use chrono::Duration;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use tongyao_tests::*;

const USCC: &str = "91350100M000100Y43";

async fn an_entry(app: &TestApp, name: &str, n: u32, scope: &str) -> i64 {
    let mut fields = product(name, "oral", n);
    fields["level_scope"] = json!(scope);
    let body: Value = json!({"kind": "add", "fields": fields, "reason": "请领测试", "effective_date": today_china().to_string()});
    adopt(app, body).await["items"][0]["entry_id"].as_i64().expect("entry id")
}

fn day(n: i64) -> String {
    (today_china() + Duration::days(n)).to_string()
}

/// A cycle open for the month around today.
async fn open_cycle(p: &Client) {
    p.post("/api/v1/procurement/cycles", json!({"name": "本月", "starts_on": day(-10), "ends_on": day(20)})).await.assert_status(201);
}

both!(orders_from_the_stock_position_with_rules_o1_o2_o3_o6, |app| async move {
    let a = an_entry(&app, "请领甲片", 601, "village").await;
    let b = an_entry(&app, "请领乙片", 602, "village").await;
    let t = an_entry(&app, "乡镇专用片", 603, "township").await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    let p = app.client_as("demo-procurement").await;
    // O1: no cycle open, not urgent; urgent needs a reason.
    let r = v.post("/api/v1/orders", json!({"institution_id": village})).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "O1");
    let r = v.post("/api/v1/orders", json!({"institution_id": village, "urgent": true})).await;
    assert_eq!(r["rule"], "O1");
    v.post("/api/v1/orders", json!({"institution_id": village, "urgent": true, "urgent_reason": "胰岛素断货"})).await.assert_status(201);
    open_cycle(&p).await;
    // Another member's orderer cannot order for this one; the lead hospital does not order.
    app.client_as("demo-pharmacist").await.post("/api/v1/orders", json!({"institution_id": village})).await.assert_status(404);
    // Stock and consumption at the village: product a, 30 a pack (the test product's pack size
    // is whatever `product()` says; read it back).
    let pack = app.client_as("demo-committee-1").await.get(&format!("/api/v1/formulary/{a}")).await["pack_size"].as_i64().unwrap();
    v.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [
        {"entry_id": a, "lot_no": "A1", "expiry": day(400), "kind": "opening", "quantity": pack * 10},
        {"entry_id": a, "lot_no": "AX", "expiry": day(-1), "kind": "opening", "quantity": pack * 5}
    ]})).await.assert_status(201);
    for d in [-20, -40, -60] {
        v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(d), "lines": [{"entry_id": a, "quantity": pack * 2}]})).await.assert_status(201);
    }
    let o = v.post("/api/v1/orders", json!({"institution_id": village, "note": "本月请领"})).await;
    o.assert_status(201);
    assert!(o["cycle_id"].is_i64());
    let id = o["id"].as_i64().unwrap();
    // O2: a township-only product at a village.
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": [{"entry_id": t}]})).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "O2");
    // One line following the suggestion, one typed.
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": [{"entry_id": a}, {"entry_id": b, "quantity": 3}]})).await;
    r.assert_status(200);
    let line = |r: &Resp, e: i64| r["lines"].as_array().unwrap().iter().find(|l| l["entry_id"] == e).unwrap().clone();
    let la = line(&r, a);
    // AMC: 6 packs over 3 months = 2 packs a month; on hand 7 packs (4 consumed of 10 … the
    // expired lot not counted); cover 2 months: 4 − 4 → 0.
    assert_eq!(la["amc"].as_str().map(|s| s.parse::<f64>().unwrap()).or(la["amc"].as_f64()).unwrap(), (pack * 2) as f64);
    assert_eq!(la["on_hand"], pack * 4);
    assert_eq!(la["suggested"], 0);
    assert_eq!(la["typed"], false);
    let lb = line(&r, b);
    assert_eq!((lb["quantity"].as_i64(), lb["typed"].as_bool()), (Some(3), Some(true)));
    // More consumption: the suggestion follows; the typed quantity does not move.
    v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(-1), "lines": [{"entry_id": a, "quantity": pack * 3}]})).await.assert_status(201);
    let r = v.get(&format!("/api/v1/orders/{id}")).await;
    let la = line(&r, a);
    assert!(la["suggested"].as_i64().unwrap() > 0, "{la}");
    assert_eq!(la["quantity"], la["suggested"]);
    assert_eq!(line(&r, b)["quantity"], 3);
    // O6: with contracted prices the amounts are to the fen and add up to the total.
    let s = p.post("/api/v1/suppliers", json!({"name": "供应商", "uscc": USCC, "order_email": "o@example.org"})).await["id"].as_i64().unwrap();
    p.post("/api/v1/contracts", json!({"supplier_id": s, "contract_no": "O6", "kind": "ordinary", "valid_from": day(-30), "valid_to": day(300),
        "lines": [{"entry_id": a, "price": "0.8850"}, {"entry_id": b, "price": "12.5"}]})).await.assert_status(201);
    let r = v.get(&format!("/api/v1/orders/{id}")).await;
    let fen = |m: &Value| (m.as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64;
    let sum: i64 = r["lines"].as_array().unwrap().iter().map(|l| fen(&l["amount"])).sum();
    assert_eq!(sum, fen(&r["total"]));
    assert_eq!(line(&r, b)["amount"], "37.50");
    assert_eq!(line(&r, a)["contract_no"], "O6");
    // Stale edits are refused; submission fixes the suggestion into the line.
    let version = r["version"].as_i64().unwrap();
    v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": version - 1, "lines": []})).await.assert_problem(409);
    let r = v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": version})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "submitted");
    v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": version + 1, "lines": []})).await.assert_problem(409);
    // The officer sees it; another member does not.
    assert!(p.get("/api/v1/orders?status=submitted").await.items().iter().any(|o| o["id"] == id));
    app.client_as("demo-pharmacist").await.get(&format!("/api/v1/orders/{id}")).await.assert_status(404);
});

both!(load_used_products_and_a_line_of_nothing, |app| async move {
    let a = an_entry(&app, "常用甲片", 611, "village").await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    open_cycle(&app.client_as("demo-procurement").await).await;
    v.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [{"entry_id": a, "lot_no": "U1", "expiry": day(400), "kind": "opening", "quantity": 100}]})).await.assert_status(201);
    v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(-5), "lines": [{"entry_id": a, "quantity": 90}]})).await.assert_status(201);
    let id = v.post("/api/v1/orders", json!({"institution_id": village})).await["id"].as_i64().unwrap();
    // Submitting an empty order is refused.
    v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": 1})).await.assert_problem(422);
    let r = v.post(&format!("/api/v1/orders/{id}/load-used"), json!({"version": 1})).await;
    r.assert_status(200);
    assert!(r["lines"].as_array().unwrap().iter().any(|l| l["entry_id"] == a));
    // A typed 0 is not an order line (O2).
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 2, "lines": [{"entry_id": a, "quantity": 0}]})).await;
    assert_eq!(r["rule"], "O2");
    // A line following a suggestion of nothing is dropped at submission; with nothing else to
    // order the submission is refused, saying so.
    let b = an_entry(&app, "常用乙片", 612, "village").await;
    v.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [{"entry_id": b, "lot_no": "U2", "expiry": day(400), "kind": "opening", "quantity": 1000}]})).await.assert_status(201);
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 2, "lines": [{"entry_id": b}]})).await;
    assert_eq!(r["lines"][0]["suggested"], 0);
    v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": 3})).await.assert_problem(422);
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 3, "lines": [{"entry_id": b}, {"entry_id": a}]})).await;
    r.assert_status(200);
    let r = v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": 4})).await;
    r.assert_status(200);
    let kept: Vec<i64> = r["lines"].as_array().unwrap().iter().map(|l| l["entry_id"].as_i64().unwrap()).collect();
    assert_eq!(kept, [a], "the line of nothing went");
});

both!(submission_is_idempotent_and_edits_race_safely, |app| async move {
    let a = an_entry(&app, "幂等甲片", 621, "village").await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    open_cycle(&app.client_as("demo-procurement").await).await;
    let id = v.post("/api/v1/orders", json!({"institution_id": village})).await["id"].as_i64().unwrap();
    v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": [{"entry_id": a, "quantity": 2}]})).await.assert_status(200);
    // Two edits of version 2 at once: one wins, the other is told the order changed.
    let (r1, r2) = tokio::join!(
        v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 2, "lines": [{"entry_id": a, "quantity": 3}]})),
        v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 2, "lines": [{"entry_id": a, "quantity": 4}]}))
    );
    let mut codes = [r1.code(), r2.code()];
    codes.sort();
    assert_eq!(codes, [200, 409]);
    // The same submission twice with one key, at once and again: one order submitted, the same
    // answer each time.
    let submit = |key: &'static str, version: i64| {
        v.request(axum::http::Method::POST, &format!("/api/v1/orders/{id}/submit"))
            .header("idempotency-key", key)
            .json(json!({"version": version}))
            .send()
    };
    let (s1, s2) = tokio::join!(submit("k-1", 3), submit("k-1", 3));
    s1.assert_status(200);
    s2.assert_status(200);
    assert_eq!(s1["submitted_at"], s2["submitted_at"]);
    let again = submit("k-1", 3).await;
    again.assert_status(200);
    assert_eq!(again["submitted_at"], s1["submitted_at"]);
    // The same key with another request is refused (O7).
    let r = submit("k-1", 4).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "O7");
    // Without a key a second submission is a conflict (submitted already).
    v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": 4})).await.assert_problem(409);
    let backend = app.db.get_database_backend();
    let audit: i64 = app
        .db
        .query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'order.submit' AND object_id = '{id}'")))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    assert_eq!(audit, 1, "submitted once");
});

// O6 through the database: prices with sub-fen digits and typed quantities; the order's total is
// the exact decimal sum of the lines rounded half up to the fen, on both databases.
both!(order_totals_are_exact_to_the_fen, |app| async move {
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    let p = app.client_as("demo-procurement").await;
    open_cycle(&p).await;
    let s = p.post("/api/v1/suppliers", json!({"name": "金额", "uscc": USCC, "order_email": "o@example.org"})).await["id"].as_i64().unwrap();
    // A small deterministic generator: prices of 1–4 decimals, quantities 1–999 packs.
    let mut x: u64 = 20_261_204;
    let mut next = |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let mut lines = Vec::new();
    let mut contract_lines = Vec::new();
    let mut expected = rust_decimal::Decimal::ZERO;
    for n in 0..8u32 {
        let e = an_entry(&app, &format!("金额{n}片"), 700 + n, "village").await;
        let price = rust_decimal::Decimal::new((next(9_999_999) + 1) as i64, 4);
        let packs = (next(999) + 1) as i64;
        expected += (rust_decimal::Decimal::from(packs) * price).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        contract_lines.push(json!({"entry_id": e, "price": price.to_string()}));
        lines.push(json!({"entry_id": e, "quantity": packs}));
    }
    p.post("/api/v1/contracts", json!({"supplier_id": s, "contract_no": "O6-DB", "kind": "ordinary", "valid_from": day(-1), "valid_to": day(30), "lines": contract_lines})).await.assert_status(201);
    let id = v.post("/api/v1/orders", json!({"institution_id": village})).await["id"].as_i64().unwrap();
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": lines})).await;
    r.assert_status(200);
    let total: rust_decimal::Decimal = r["total"].as_str().unwrap().parse().unwrap();
    assert_eq!(total, expected);
    let sum: rust_decimal::Decimal = r["lines"].as_array().unwrap().iter().map(|l| l["amount"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap()).sum();
    assert_eq!(sum, expected, "the lines shown add up to the total");
    assert_eq!(r["unpriced"], 0);
});

// O3's settings: the defaults until changed; the months of cover per level change the suggestion.
both!(procurement_settings_change_the_suggestion, |app| async move {
    let a = an_entry(&app, "设置甲片", 631, "village").await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    let p = app.client_as("demo-procurement").await;
    open_cycle(&p).await;
    let s = p.get("/api/v1/procurement/settings").await;
    assert_eq!((s["lookback_months"].as_i64(), s["cover_village"].as_i64(), s["version"].as_i64()), (Some(3), Some(2), Some(0)));
    v.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [{"entry_id": a, "lot_no": "S1", "expiry": day(400), "kind": "opening", "quantity": 900}]})).await.assert_status(201);
    v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(-5), "lines": [{"entry_id": a, "quantity": 900}]})).await.assert_status(201);
    let id = v.post("/api/v1/orders", json!({"institution_id": village})).await["id"].as_i64().unwrap();
    let r = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": [{"entry_id": a}]})).await;
    let two_months = r["lines"][0]["suggested"].as_i64().unwrap();
    // AMC 300 a month; 2 months of cover: 600 base units; 1 month: 300.
    let body = json!({"lookback_months": 3, "cover_secondary": 2, "cover_township": 2, "cover_village": 1, "version": 0});
    v.put("/api/v1/procurement/settings", body.clone()).await.assert_status(403);
    p.put("/api/v1/procurement/settings", json!({"lookback_months": 13, "cover_secondary": 2, "cover_township": 2, "cover_village": 1, "version": 0})).await.assert_problem(422);
    let s = p.put("/api/v1/procurement/settings", body.clone()).await;
    s.assert_status(200);
    assert_eq!(s["version"], 1);
    p.put("/api/v1/procurement/settings", body).await.assert_problem(409);
    let one_month = v.get(&format!("/api/v1/orders/{id}")).await["lines"][0]["suggested"].as_i64().unwrap();
    assert!(one_month < two_months && one_month > 0, "{one_month} < {two_months}");
});

async fn upload(c: &Client, path: &str, file: &[u8]) -> Resp {
    let (body, ct) = multipart(&[("file", file)]);
    c.request(axum::http::Method::POST, path).raw(body, Some(&ct)).send().await
}

both!(an_order_exports_to_excel_and_imports_back_from_a_file_or_a_paste, |app| async move {
    let a = an_entry(&app, "表格甲片", 611, "village").await;
    let b = an_entry(&app, "表格乙片", 612, "village").await;
    let c = an_entry(&app, "表格丙片", 613, "village").await;
    let t = an_entry(&app, "表格乡镇片", 614, "township").await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    open_cycle(&app.client_as("demo-procurement").await).await;
    let o = v.post("/api/v1/orders", json!({"institution_id": village})).await;
    let id = o["id"].as_i64().unwrap();
    let o = v.put(&format!("/api/v1/orders/{id}/lines"), json!({"version": 1, "lines": [{"entry_id": a, "quantity": 5}, {"entry_id": b}]})).await;
    o.assert_status(200);
    let version = o["version"].as_i64().unwrap();

    // The export: a row per line, 请领量 blank where the line follows the suggestion.
    let x = v.get(&format!("/api/v1/orders/{id}/xlsx")).await;
    x.assert_status(200);
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = wb.worksheet_range("请领单").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let qty = rows[0].iter().position(|h| h == "请领量(包装)").unwrap();
    let row_of = |e: i64| rows.iter().find(|r| r[0] == e.to_string()).unwrap_or_else(|| panic!("a row for {e}: {rows:?}"));
    assert_eq!(row_of(a)[qty], "5");
    assert_eq!(row_of(b)[qty], "");
    assert_eq!(rows.last().unwrap()[1], "合计");
    // It reads back unchanged.
    let r = upload(&v, &format!("/api/v1/orders/{id}/import"), &x.bytes).await;
    r.assert_status(200);
    assert_eq!((r["rows_total"].as_i64(), r["added"].as_i64(), r["changed"].as_i64(), r["removed"].as_i64()), (Some(2), Some(0), Some(0), Some(0)), "{}", r.text());
    assert_eq!(r["problems"], json!([]));

    // Rows pasted from Excel (tab-separated): each problem by row and column, nothing changed.
    let paste = format!("条目编号\t药品名称\t请领量(包装)\n{a}\t\t7\n{b}\t\t0\n{c}\t\t\n999999\t\t3\n{c}\t\t2\n{t}\t\t1\n{a}x\t\t-1\n");
    let r = upload(&v, &format!("/api/v1/orders/{id}/import"), paste.as_bytes()).await;
    r.assert_status(200);
    let problems: Vec<(i64, String)> = r["problems"].as_array().unwrap().iter().map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap().to_owned())).collect();
    assert_eq!(
        problems,
        vec![(5, "条目编号".into()), (6, "条目编号".into()), (7, "条目编号".into()), (8, "条目编号".into()), (8, "请领量(包装)".into())],
        "{}",
        r.text()
    );
    let o2 = r["problems"].as_array().unwrap().iter().find(|p| p["row"] == 7).unwrap();
    assert!(o2["message"].as_str().unwrap().contains("[O2]"), "{o2}");
    // Applying a file with problems is refused; the order is as it was.
    upload(&v, &format!("/api/v1/orders/{id}/import?dry_run=false&version={version}"), paste.as_bytes()).await.assert_problem(422);
    assert_eq!(v.get(&format!("/api/v1/orders/{id}")).await["version"].as_i64(), Some(version));

    // The good rows: a typed, b off the order, c added following its suggestion.
    let paste = format!("条目编号\t请领量(包装)\n{a}\t7\n{b}\t0\n{c}\t\n");
    let r = upload(&v, &format!("/api/v1/orders/{id}/import"), paste.as_bytes()).await;
    assert_eq!((r["added"].as_i64(), r["changed"].as_i64(), r["removed"].as_i64(), r["applied"].as_bool()), (Some(1), Some(1), Some(1), Some(false)));
    // Applying needs the version read, and a current one.
    upload(&v, &format!("/api/v1/orders/{id}/import?dry_run=false"), paste.as_bytes()).await.assert_problem(422);
    upload(&v, &format!("/api/v1/orders/{id}/import?dry_run=false&version={}", version - 1), paste.as_bytes()).await.assert_problem(409);
    let r = upload(&v, &format!("/api/v1/orders/{id}/import?dry_run=false&version={version}"), paste.as_bytes()).await;
    r.assert_status(200);
    assert_eq!(r["applied"], true);
    let lines = r["order"]["lines"].as_array().unwrap();
    let entries: Vec<(i64, i64, bool)> = lines.iter().map(|l| (l["entry_id"].as_i64().unwrap(), l["quantity"].as_i64().unwrap(), l["typed"].as_bool().unwrap())).collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries.contains(&(a, 7, true)));
    assert!(entries.iter().any(|(e, _, typed)| *e == c && !typed));
    // A file without the columns says what it needs.
    upload(&v, &format!("/api/v1/orders/{id}/import"), "药品,数目\n甲,1\n".as_bytes()).await.assert_problem(422);
    // Only the member's own orderer imports; a submitted order no longer changes.
    app.client_as("demo-procurement").await.get(&format!("/api/v1/orders/{id}/xlsx")).await.assert_status(200);
    upload(&app.client_as("demo-pharmacist").await, &format!("/api/v1/orders/{id}/import"), paste.as_bytes()).await.assert_status(404);
    let version = r["order"]["version"].as_i64().unwrap();
    v.post(&format!("/api/v1/orders/{id}/submit"), json!({"version": version})).await.assert_status(200);
    upload(&v, &format!("/api/v1/orders/{id}/import"), paste.as_bytes()).await.assert_problem(409);
});
