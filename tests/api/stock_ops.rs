//! Stock operations over HTTP, on SQLite and PostgreSQL: the stock list's packs, expiry flags
//! and filters; whole packs at the warehouse; the settings; the stock card's balances and
//! reversal; opening stock from a file; consumption by day (first expiry first out); stocktakes
//! whose book is frozen at the start and whose differences a second person approves; disposals.
use axum::http::Method;
use chrono::Duration;
use serde_json::Value;
use tongyao_tests::*;

async fn an_entry(app: &TestApp, name: &str, n: u32) -> i64 {
    let body: Value = json!({"kind": "add", "fields": product(name, "oral", n), "reason": "库存测试", "effective_date": today_china().to_string()});
    adopt(app, body).await["items"][0]["entry_id"].as_i64().expect("entry id")
}

fn day(n: i64) -> String {
    (today_china() + Duration::days(n)).to_string()
}

/// Record movements at an institution, expecting `status`.
async fn put(c: &Client, inst: i64, moves: Value, status: u16) -> Resp {
    let r = c.post("/api/v1/stock/movements", json!({"institution_id": inst, "movements": moves})).await;
    r.assert_status(status);
    r
}

fn opening(entry: i64, lot: &str, expiry: String, q: i64) -> Value {
    json!({"entry_id": entry, "lot_no": lot, "expiry": expiry, "kind": "opening", "quantity": q})
}

fn lots(r: &Resp) -> Vec<(String, String, i64, String)> {
    r.items()
        .iter()
        .map(|l| {
            (
                l["lot_no"].as_str().unwrap().to_owned(),
                l["expiry_state"].as_str().unwrap().to_owned(),
                l["quantity"].as_i64().unwrap(),
                l["packs"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX");
    let range = wb.worksheet_range_at(0).expect("a sheet").expect("readable");
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

async fn upload(c: &Client, path: &str, file: &[u8]) -> Resp {
    let (body, ct) = multipart(&[("file", file)]);
    c.request(Method::POST, path).raw(body, Some(&ct)).send().await
}

both!(stock_list_packs_expiry_flags_filters_and_settings, |app| async move {
    let entry = an_entry(&app, "库存单位片", 401).await; // 28 片 per 盒
    let lead = app.institution(app.consortium, "RMYY").await.id;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let dist = app.client_as("demo-distribution").await;
    // The central warehouse moves whole packs (D6); a pharmacy may split one.
    put(&dist, lead, json!([opening(entry, "W1", day(400), 56)]), 201).await;
    let r = put(&dist, lead, json!([opening(entry, "W2", day(400), 30)]), 422).await;
    assert_eq!(r["rule"], "D6");
    assert!(r.text().contains("1盒+2片"), "{}", r.text());
    let v = app.client_as("demo-village").await;
    put(&v, village, json!([opening(entry, "X1", day(400), 28), opening(entry, "N1", day(30), 30), opening(entry, "E1", day(-1), 5)]), 201).await;
    let r = v.get(&format!("/api/v1/stock?entry_id={entry}")).await;
    r.assert_status(200);
    assert_eq!(
        lots(&r),
        [
            ("E1".into(), "expired".into(), 5, "5片".into()),
            ("N1".into(), "near".into(), 30, "1盒+2片".into()),
            ("X1".into(), "ok".into(), 28, "1盒".into()),
        ],
        "by product, then expiry"
    );
    assert_eq!(r.items()[0]["product"]["name_zh"], "库存单位片");
    assert!(!r.items()[0]["institution_name"].as_str().unwrap().is_empty());
    assert_eq!(r.items()[1]["days_to_expiry"], 30);
    let near = v.get(&format!("/api/v1/stock?entry_id={entry}&expiry=near")).await;
    assert_eq!(lots(&near).len(), 1);
    assert_eq!(lots(&near)[0].0, "N1");
    let expired = v.get(&format!("/api/v1/stock?entry_id={entry}&expiry=expired")).await;
    assert_eq!(lots(&expired)[0].0, "E1");
    let by_name = v.get("/api/v1/stock?q=库存单位").await;
    assert_eq!(lots(&by_name).len(), 3);
    let none = v.get("/api/v1/stock?q=没有这种药").await;
    none.assert_status(200);
    assert!(none.items().is_empty());
    // Procurement sees every institution, filtered by level.
    let proc = app.client_as("demo-procurement").await;
    let leads = proc.get(&format!("/api/v1/stock?entry_id={entry}&level=lead")).await;
    assert_eq!(lots(&leads), [("W1".into(), "ok".into(), 56, "2盒".into())]);
    let villages = proc.get(&format!("/api/v1/stock?entry_id={entry}&level=village")).await;
    assert_eq!(lots(&villages).len(), 3);
    // Paging in the same order.
    let first = proc.get(&format!("/api/v1/stock?entry_id={entry}&limit=2")).await;
    assert_eq!(first.items().len(), 2);
    let next = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second = proc.get(&format!("/api/v1/stock?entry_id={entry}&limit=2&cursor={next}")).await;
    assert_eq!(second.items().len(), 2);
    assert!(second["next_cursor"].is_null());
    // The institutions each sees.
    let mine = v.get("/api/v1/stock/institutions").await;
    assert_eq!(mine.body.as_array().map(Vec::len), Some(1));
    assert_eq!(mine.body[0]["may_record"], true);
    let all = proc.get("/api/v1/stock/institutions").await;
    assert!(all.body.as_array().unwrap().len() > 5);
    assert_eq!(all.body[0]["level"], "lead");
    assert_eq!(all.body[0]["may_record"], false);
    // The export holds the list with its filters.
    let x = v.get(&format!("/api/v1/stock/export?entry_id={entry}")).await;
    x.assert_status(200);
    let rows = sheet(&x.bytes);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][0], "机构");
    assert_eq!(rows[1][5], "E1");
    assert_eq!(rows[1][8], "已过期");
    // Settings: the near-expiry window; the administrator changes it against the version read.
    let s = v.get("/api/v1/stock/settings").await;
    assert_eq!((s["near_expiry_days"].as_i64(), s["version"].as_i64()), (Some(180), Some(0)));
    v.put("/api/v1/stock/settings", json!({"near_expiry_days": 10, "version": 0})).await.assert_status(403);
    let admin = app.client_as("demo-consortium-admin").await;
    let s = admin.put("/api/v1/stock/settings", json!({"near_expiry_days": 10, "version": 0})).await;
    s.assert_status(200);
    assert_eq!(s["version"], 1);
    admin.put("/api/v1/stock/settings", json!({"near_expiry_days": 20, "version": 0})).await.assert_status(409);
    admin.put("/api/v1/stock/settings", json!({"near_expiry_days": 0, "version": 1})).await.assert_status(422);
    let after = v.get(&format!("/api/v1/stock?entry_id={entry}&expiry=near")).await;
    assert!(after.items().is_empty(), "30 days out is no longer near with a 10-day window");
});

both!(stock_card_balances_and_reversal_over_http, |app| async move {
    let entry = an_entry(&app, "库存卡片", 402).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    put(&v, village, json!([opening(entry, "C1", day(300), 100)]), 201).await;
    let used = put(&v, village, json!([{"entry_id": entry, "lot_no": "C1", "expiry": day(300), "kind": "consumption", "quantity": -30}]), 201).await;
    let used_id = used.body[0]["id"].as_i64().unwrap();
    assert_eq!(used.body[0]["packs"], "-(1盒+2片)");
    let card_path = format!("/api/v1/stock/movements?institution_id={village}&entry_id={entry}");
    let c = v.get(&card_path).await;
    let after: Vec<Option<i64>> = c.items().iter().map(|m| m["balance_after"].as_i64()).collect();
    assert_eq!(after, [Some(70), Some(100)]);
    assert_eq!(c.items()[0]["actor_name"], "村医 吴刚");
    // Reverse the consumption: a new movement, the book back to 100.
    let r = v.post(&format!("/api/v1/stock/movements/{used_id}/reverse"), json!({"reason": "录入错误"})).await;
    r.assert_status(201);
    assert_eq!((r["quantity"].as_i64(), r["reverses_id"].as_i64()), (Some(30), Some(used_id)));
    let c = v.get(&card_path).await;
    let after: Vec<Option<i64>> = c.items().iter().map(|m| m["balance_after"].as_i64()).collect();
    assert_eq!(after, [Some(100), Some(70), Some(100)]);
    assert_eq!(c.items()[1]["reversed_by"], r["id"]);
    v.post(&format!("/api/v1/stock/movements/{used_id}/reverse"), json!({"reason": "再来一次"})).await.assert_status(409);
    v.post(&format!("/api/v1/stock/movements/{}/reverse", r["id"]), json!({"reason": "冲销冲销"})).await.assert_status(409);
    v.post(&format!("/api/v1/stock/movements/{used_id}/reverse"), json!({"reason": "x"})).await.assert_status(422);
    // Another member's pharmacist does not see it; procurement may not move stock.
    let p = app.client_as("demo-pharmacist").await;
    p.post(&format!("/api/v1/stock/movements/{used_id}/reverse"), json!({"reason": "不是我的"})).await.assert_status(404);
    app.client_as("demo-procurement").await.post(&format!("/api/v1/stock/movements/{used_id}/reverse"), json!({"reason": "无权"})).await.assert_status(403);
    // Kind filter and export.
    let only = v.get(&format!("/api/v1/stock/movements?entry_id={entry}&kind=opening")).await;
    assert_eq!(only.items().len(), 1);
    let x = v.get(&format!("/api/v1/stock/movements/export?institution_id={village}&entry_id={entry}")).await;
    x.assert_status(200);
    let rows = sheet(&x.bytes);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][11], "结存");
    assert_eq!(rows[1][11], "100");
});

const HEADER: &str = "条目编号,药品名称,规格,生产企业,医保药品代码,批号,有效期至,整包数量,拆零数量(最小单位)";

both!(opening_stock_import_reports_by_row_and_column, |app| async move {
    let entry = an_entry(&app, "期初导入片", 403).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let lead = app.institution(app.consortium, "RMYY").await.id;
    let v = app.client_as("demo-village").await;
    let file = format!(
        "\u{feff}{HEADER}\n{entry},,,,,G1,{},2,3\n999999,,,,,G2,{},1,\n{entry},,,,,G3,{},1,\n{entry},,,,,G4,{},-1,\n{entry},,,,,G5,someday,1,\n{entry},,,,,G1,{},1,\n,,,,,,,,\n",
        day(365), day(365), day(-3), day(365), day(365)
    );
    let path = format!("/api/v1/stock/opening?institution_id={village}");
    let r = upload(&v, &path, file.as_bytes()).await;
    r.assert_status(200);
    assert_eq!(r["rows_total"], 6);
    assert_eq!(r["applied"], false);
    assert_eq!(r["lines"].as_array().unwrap().len(), 1);
    assert_eq!(r["lines"][0]["quantity"], 59);
    assert_eq!(r["lines"][0]["packs"], "2盒+3片");
    let problems: Vec<(i64, String)> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        problems,
        [
            (3, "条目编号".into()),
            (4, "有效期至".into()),
            (5, "整包数量".into()),
            (6, "有效期至".into()),
            (7, "批号".into()),
        ],
        "{}",
        r.text()
    );
    // Applying a file with problems changes nothing.
    let before = app.count("stock_movements").await;
    upload(&v, &format!("{path}&dry_run=false"), file.as_bytes()).await.assert_problem(422);
    assert_eq!(app.count("stock_movements").await, before);
    // The good row alone: one opening movement.
    let good = format!("{HEADER}\n{entry},,,,,G1,{},2,3\n", day(365));
    let r = upload(&v, &format!("{path}&dry_run=false"), good.as_bytes()).await;
    r.assert_status(200);
    assert_eq!(r["applied"], true);
    let s = v.get(&format!("/api/v1/stock?entry_id={entry}")).await;
    assert_eq!(lots(&s), [("G1".into(), "ok".into(), 59, "2盒+3片".into())]);
    // A second dry run says the institution has movements already.
    let again = upload(&v, &path, good.as_bytes()).await;
    assert_eq!(again["existing_movements"], 1);
    // By name, strength and manufacturer, with dates as people write them.
    let named = format!("药品名称,规格,生产企业,批号,有效期至,整包数量\n期初导入片,403mg,测试制药,N1,{},1\n", (today_china() + Duration::days(400)).format("%Y/%m/%d"));
    let r = upload(&v, &path, named.as_bytes()).await;
    assert_eq!(r["lines"][0]["entry_id"], entry, "{}", r.text());
    // The warehouse takes whole packs only.
    let dist = app.client_as("demo-distribution").await;
    let loose = format!("{HEADER}\n{entry},,,,,L1,{},1,5\n", day(365));
    let r = upload(&dist, &format!("/api/v1/stock/opening?institution_id={lead}"), loose.as_bytes()).await;
    assert_eq!(r["problems"][0]["column"], "拆零数量(最小单位)", "{}", r.text());
    // Not a member's own institution: not found; not a spreadsheet: a field problem.
    v.post(&format!("/api/v1/stock/opening?institution_id={lead}"), json!({})).await.assert_status_in(&[404, 415]);
    let r = upload(&v, &path, b"\x00\x01binary").await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), ["file"]);
    // The template lists the products the village may use.
    let t = v.get(&format!("/api/v1/stock/opening/template?institution_id={village}")).await;
    t.assert_status(200);
    let rows = sheet(&t.bytes);
    assert_eq!(rows[0].join(","), HEADER);
    assert!(rows.iter().any(|r| r[1] == "期初导入片"), "the new entry is in the template");
});

both!(consumption_by_day_first_expiry_first_out, |app| async move {
    let entry = an_entry(&app, "领用片", 404).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let v = app.client_as("demo-village").await;
    put(&v, village, json!([opening(entry, "A", day(100), 20), opening(entry, "B", day(300), 100), opening(entry, "Z", day(-1), 10)]), 201).await;
    let today = today_china().to_string();
    let r = v.post("/api/v1/consumption", json!({"institution_id": village, "day": today, "lines": [{"entry_id": entry, "quantity": 50}]})).await;
    r.assert_status(201);
    let taken: Vec<(String, i64)> = r.body.as_array().unwrap().iter().map(|m| (m["lot_no"].as_str().unwrap().to_owned(), m["quantity"].as_i64().unwrap())).collect();
    assert_eq!(taken, [("A".into(), -20), ("B".into(), -30)], "the earlier expiry first, never the expired lot");
    assert_eq!(r.body[0]["occurred_on"], today);
    // Refusals: the future, too far back, more than is usable, an expired lot.
    let r = v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(1), "lines": [{"entry_id": entry, "quantity": 1}]})).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "D6");
    v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(-100), "lines": [{"entry_id": entry, "quantity": 1}]})).await.assert_problem(422);
    let r = v.post("/api/v1/consumption", json!({"institution_id": village, "day": today, "lines": [{"entry_id": entry, "quantity": 71}]})).await;
    r.assert_problem(422);
    assert!(r.text().contains("70"), "{}", r.text());
    let stock = v.get(&format!("/api/v1/stock?entry_id={entry}&expiry=expired")).await;
    let z = stock.items()[0]["lot_id"].as_i64().unwrap();
    let r = v.post("/api/v1/consumption", json!({"institution_id": village, "day": today, "lines": [{"entry_id": entry, "lot_id": z, "quantity": 1}]})).await;
    r.assert_problem(422);
    assert!(r.text().contains(&day(-1)), "{}", r.text());
    // Yesterday, from a named lot.
    let b = v.get(&format!("/api/v1/stock?entry_id={entry}&expiry=ok")).await;
    let b_id = b.items().iter().find(|l| l["lot_no"] == "B").unwrap()["lot_id"].as_i64().unwrap();
    v.post("/api/v1/consumption", json!({"institution_id": village, "day": day(-1), "lines": [{"entry_id": entry, "lot_id": b_id, "quantity": 12}]})).await.assert_status(201);
    // By day, newest first; by month.
    let l = v.get(&format!("/api/v1/consumption?entry_id={entry}")).await;
    l.assert_status(200);
    let rows: Vec<(String, i64)> = l.items().iter().map(|r| (r["period"].as_str().unwrap().to_owned(), r["quantity"].as_i64().unwrap())).collect();
    assert_eq!(rows, [(today.clone(), 50), (day(-1), 12)]);
    let m = v.get(&format!("/api/v1/consumption?entry_id={entry}&period=month")).await;
    let total: i64 = m.items().iter().map(|r| r["quantity"].as_i64().unwrap()).sum();
    assert_eq!(total, 62);
    assert!(m.items().iter().all(|r| r["period"].as_str().unwrap().ends_with("-01")));
    v.get(&format!("/api/v1/consumption?from={}&to={}", day(0), day(-5))).await.assert_problem(422);
    // Totals per product over the range, computed by the server.
    let t = v.get(&format!("/api/v1/consumption/totals?entry_id={entry}")).await;
    t.assert_status(200);
    assert_eq!(t["items"].as_array().unwrap().len(), 1, "{}", t.text());
    assert_eq!(t["items"][0]["quantity"], 62);
    assert_eq!(t["items"][0]["institutions"], 1);
    let months = if day(-1)[..7] == today[..7] { 1 } else { 2 };
    assert_eq!(t["items"][0]["months"], months);
    assert_eq!(t["to"], today);
    let t = v.get(&format!("/api/v1/consumption/totals?entry_id={entry}&from={}", day(0))).await;
    assert_eq!(t["items"][0]["quantity"], 50, "only the days asked for");
    v.get(&format!("/api/v1/consumption/totals?from={}&to={}", day(0), day(-5))).await.assert_problem(422);
    let x = v.get(&format!("/api/v1/consumption/export?entry_id={entry}")).await;
    x.assert_status(200);
    assert_eq!(sheet(&x.bytes).len(), 3);
    // Average monthly consumption (O3) counts whole days before today.
    let amc = tongyao::stock::consumption::average_monthly(&app.db, app.consortium, village, today_china(), 1).await.unwrap();
    assert_eq!(amc.get(&entry).copied(), Some(rust_decimal::Decimal::from(12)));
    // Another member's pharmacist cannot record here.
    app.client_as("demo-pharmacist").await.post("/api/v1/consumption", json!({"institution_id": village, "day": today, "lines": [{"entry_id": entry, "quantity": 1}]})).await.assert_status(404);
});

both!(stocktake_freezes_the_book_and_a_second_person_approves, |app| async move {
    let entry = an_entry(&app, "盘点片", 405).await;
    let town = app.institution(app.consortium, "DGTL").await.id;
    let p = app.client_as("demo-pharmacist").await;
    put(&p, town, json!([opening(entry, "S1", day(200), 100), opening(entry, "S2", day(300), 50)]), 201).await;
    let st = p.post("/api/v1/stocktakes", json!({"institution_id": town, "note": "月末盘点"})).await;
    st.assert_status(201);
    let id = st["id"].as_i64().unwrap();
    assert_eq!(st["status"], "counting");
    assert_eq!(st["items"].as_array().unwrap().len(), 2);
    p.post("/api/v1/stocktakes", json!({"institution_id": town})).await.assert_status(409);
    let line = |st: &Resp, lot: &str| st["items"].as_array().unwrap().iter().find(|l| l["lot_no"] == lot).unwrap().clone();
    let (s1, s2) = (line(&st, "S1")["id"].as_i64().unwrap(), line(&st, "S2")["id"].as_i64().unwrap());
    assert_eq!(line(&st, "S1")["book_quantity"], 100);
    // Stock moves while counting: 10 issued from S1 after the sheet froze the book.
    p.post("/api/v1/consumption", json!({"institution_id": town, "day": today_china().to_string(), "lines": [{"entry_id": entry, "quantity": 10}]})).await.assert_status(201);
    let submit = |v: i64| json!({"version": v});
    // Not every line counted: refused.
    let r = p.put(&format!("/api/v1/stocktakes/{id}/counts"), json!({"counts": [{"line_id": s1, "counted": 88, "reason": "loss"}]})).await;
    r.assert_status(200);
    assert_eq!(line(&r, "S1")["moved_since"], -10);
    assert_eq!(line(&r, "S1")["difference"], -2, "against the book when counted, not the frozen one");
    let r2 = p.post(&format!("/api/v1/stocktakes/{id}/submit"), submit(r["version"].as_i64().unwrap())).await;
    r2.assert_problem(422);
    assert_eq!(r2["rule"], "D6");
    // A difference without its cause: refused; a loss cannot explain more than the book.
    let r = p.put(&format!("/api/v1/stocktakes/{id}/counts"), json!({"counts": [{"line_id": s2, "counted": 49}]})).await;
    let r2 = p.post(&format!("/api/v1/stocktakes/{id}/submit"), submit(r["version"].as_i64().unwrap())).await;
    r2.assert_problem(422);
    assert!(r2.text().contains("S2"), "{}", r2.text());
    p.put(&format!("/api/v1/stocktakes/{id}/counts"), json!({"counts": [{"line_id": s2, "counted": 51, "reason": "loss"}]})).await.assert_problem(422);
    p.put(&format!("/api/v1/stocktakes/{id}/counts"), json!({"counts": [{"line_id": 999999, "counted": 1}]})).await.assert_problem(422);
    // A lot found on the shelf that the book did not have.
    let r = p.put(&format!("/api/v1/stocktakes/{id}/counts"), json!({"counts": [{"line_id": s2, "counted": 50}], "found": [{"entry_id": entry, "lot_no": "F1", "expiry": day(250), "counted": 5, "reason": "correction"}]})).await;
    r.assert_status(200);
    assert_eq!(r["differences"], 2);
    let v = r["version"].as_i64().unwrap();
    p.post(&format!("/api/v1/stocktakes/{id}/submit"), submit(v - 1)).await.assert_status(409);
    let r = p.post(&format!("/api/v1/stocktakes/{id}/submit"), submit(v)).await;
    r.assert_status(200);
    assert_eq!(r["status"], "submitted");
    let v = r["version"].as_i64().unwrap();
    // Counts are closed; the submitter cannot approve; a second person does.
    p.put(&format!("/api/v1/stocktakes/{id}/counts"), json!({"counts": [{"line_id": s2, "counted": 50}]})).await.assert_status(409);
    let r = p.post(&format!("/api/v1/stocktakes/{id}/approve"), submit(v)).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "D6");
    app.client_as("demo-village").await.post(&format!("/api/v1/stocktakes/{id}/approve"), submit(v)).await.assert_status(404);
    let d = app.client_as("demo-distribution").await;
    let r = d.post(&format!("/api/v1/stocktakes/{id}/approve"), submit(v)).await;
    r.assert_status(200);
    assert_eq!(r["status"], "approved");
    let s = p.get(&format!("/api/v1/stock?entry_id={entry}")).await;
    let mut got: Vec<(String, i64)> = s.items().iter().map(|l| (l["lot_no"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap())).collect();
    got.sort();
    assert_eq!(got, [("F1".into(), 5), ("S1".into(), 88), ("S2".into(), 50)]);
    let posted = p.get(&format!("/api/v1/stock/movements?entry_id={entry}&kind=stocktake")).await;
    assert_eq!(posted.items().len(), 2);
    assert!(posted.items().iter().all(|m| m["document"] == format!("盘点 #{id}")));
    d.post(&format!("/api/v1/stocktakes/{id}/approve"), submit(v + 1)).await.assert_status(409);
    // The next stocktake: the sheet exported, filled in, and read back.
    let st = p.post("/api/v1/stocktakes", json!({"institution_id": town})).await;
    st.assert_status(201);
    let id2 = st["id"].as_i64().unwrap();
    let x = p.get(&format!("/api/v1/stocktakes/{id2}/sheet")).await;
    x.assert_status(200);
    let rows = sheet(&x.bytes);
    assert_eq!(rows[0][0], "行号");
    assert_eq!(rows.len(), 4);
    let mut csv = String::from("行号,药品名称,实盘数量(最小单位),差异原因\n");
    for r in &rows[1..] {
        csv.push_str(&format!("{},{},{},\n", r[0], r[1], r[8]));
    }
    let bad = format!("行号,实盘数量(最小单位)\n{},abc\n", rows[1][0]);
    let r = upload(&p, &format!("/api/v1/stocktakes/{id2}/counts/import"), bad.as_bytes()).await;
    r.assert_status(200);
    assert_eq!((r["applied"].as_bool(), r["problems"][0]["row"].as_i64()), (Some(false), Some(2)));
    assert_eq!(r["problems"][0]["column"], "实盘数量(最小单位)");
    let r = upload(&p, &format!("/api/v1/stocktakes/{id2}/counts/import"), csv.as_bytes()).await;
    r.assert_status(200);
    assert_eq!((r["applied"].as_bool(), r["counted"].as_i64()), (Some(true), Some(3)));
    let csv_sheet = p.get(&format!("/api/v1/stocktakes/{id2}/sheet?format=csv")).await;
    csv_sheet.assert_status(200);
    assert!(csv_sheet.text().contains("盘点片"));
    let cur = p.get(&format!("/api/v1/stocktakes/{id2}")).await;
    assert_eq!((cur["counted"].as_i64(), cur["differences"].as_i64()), (Some(3), Some(0)));
    let v = cur["version"].as_i64().unwrap();
    p.post(&format!("/api/v1/stocktakes/{id2}/cancel"), json!({"version": v})).await.assert_problem(422);
    let r = p.post(&format!("/api/v1/stocktakes/{id2}/cancel"), json!({"version": v, "note": "重新安排"})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "cancelled");
    let list = app.client_as("demo-auditor").await.get(&format!("/api/v1/stocktakes?institution_id={town}")).await;
    assert_eq!(list.items().len(), 2);
});

both!(disposal_needs_a_second_person, |app| async move {
    let entry = an_entry(&app, "报损片", 406).await;
    let town = app.institution(app.consortium, "DGTL").await.id;
    let p = app.client_as("demo-pharmacist").await;
    put(&p, town, json!([opening(entry, "D1", day(-5), 20)]), 201).await;
    let s = p.get(&format!("/api/v1/stock?entry_id={entry}")).await;
    let lot = s.items()[0]["lot_id"].as_i64().unwrap();
    let ask = |reason: &str, q: i64| json!({"institution_id": town, "reason": reason, "lines": [{"lot_id": lot, "quantity": q}]});
    let r = p.post("/api/v1/stock/disposals", ask("expiry", 30)).await;
    r.assert_problem(422);
    assert!(r.text().contains("20"), "{}", r.text());
    p.post("/api/v1/stock/disposals", ask("correction", 5)).await.assert_problem(422);
    let r = p.post("/api/v1/stock/disposals", ask("expiry", 20)).await;
    r.assert_status(201);
    let id = r["id"].as_i64().unwrap();
    assert_eq!((r["status"].as_str(), r["lines"][0]["packs"].as_str()), (Some("pending"), Some("20片")));
    let v = r["version"].as_i64().unwrap();
    let r = p.post(&format!("/api/v1/stock/disposals/{id}/approve"), json!({"version": v})).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "D6");
    let d = app.client_as("demo-distribution").await;
    d.post(&format!("/api/v1/stock/disposals/{id}/reject"), json!({"version": v})).await.assert_problem(422);
    let r = d.post(&format!("/api/v1/stock/disposals/{id}/approve"), json!({"version": v})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "approved");
    d.post(&format!("/api/v1/stock/disposals/{id}/approve"), json!({"version": v + 1})).await.assert_status(409);
    let s = p.get(&format!("/api/v1/stock?entry_id={entry}")).await;
    assert!(s.items().is_empty(), "nothing left on hand");
    let m = p.get(&format!("/api/v1/stock/movements?entry_id={entry}&kind=adjustment")).await;
    assert_eq!((m.items()[0]["quantity"].as_i64(), m.items()[0]["reason"].as_str()), (Some(-20), Some("expiry")));
    // Who sees disposals: the member its own, procurement every institution's.
    let v = app.client_as("demo-village").await;
    assert!(v.get("/api/v1/stock/disposals").await.items().is_empty());
    assert_eq!(app.client_as("demo-procurement").await.get("/api/v1/stock/disposals").await.items().len(), 1);
    let one = p.get(&format!("/api/v1/stock/disposals/{id}")).await;
    assert_eq!(one["decided_by"], "配送员 孙伟");
});
