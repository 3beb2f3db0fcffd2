//! One purchase, its first part, over HTTP on SQLite and PostgreSQL: suppliers with their
//! unified social credit code checked, supply contracts (prices per pack, volume-based ones with
//! members' shares, O5; one contract per product on any day), procurement cycles (O1).
use axum::http::Method;
use serde_json::Value;
use tongyao_tests::*;

/// Two real, valid unified social credit codes.
const USCC_A: &str = "91350100M000100Y43";
const USCC_B: &str = "91110000600037341L";

async fn an_entry(app: &TestApp, name: &str, n: u32) -> i64 {
    let body: Value = json!({"kind": "add", "fields": product(name, "oral", n), "reason": "采购测试", "effective_date": today_china().to_string()});
    adopt(app, body).await["items"][0]["entry_id"].as_i64().expect("entry id")
}

fn supplier(name: &str, uscc: &str) -> Value {
    json!({"name": name, "uscc": uscc, "order_email": "orders@example.org"})
}

both!(suppliers_with_checked_credit_codes, |app| async move {
    let p = app.client_as("demo-procurement").await;
    let r = p.post("/api/v1/suppliers", supplier("国药控股鄂尔多斯有限公司", &USCC_A.to_lowercase())).await;
    r.assert_status(201);
    assert_eq!(r["uscc"], USCC_A, "normalised to capitals");
    assert_eq!(r["active"], true);
    let id = r["id"].as_i64().unwrap();
    // A typing error in the code: the check character says so, naming what it should be.
    let r = p.post("/api/v1/suppliers", supplier("错码", "91350100M000100Y44")).await;
    r.assert_problem(422);
    assert!(r.text().contains("uscc") && r.text().contains('3'), "{}", r.text());
    p.post("/api/v1/suppliers", supplier("短码", "9135010")).await.assert_problem(422);
    p.post("/api/v1/suppliers", json!({"name": "坏邮箱", "uscc": USCC_B, "order_email": "not-an-address"})).await.assert_problem(422);
    // The same code twice.
    let r = p.post("/api/v1/suppliers", supplier("重复", USCC_A)).await;
    r.assert_problem(409);
    assert!(r.text().contains("国药控股"), "{}", r.text());
    // Only the procurement officer keeps suppliers; members read them.
    app.client_as("demo-pharmacist").await.post("/api/v1/suppliers", supplier("药师", USCC_B)).await.assert_status(403);
    let l = app.client_as("demo-pharmacist").await.get("/api/v1/suppliers?q=国药").await;
    l.assert_status(200);
    assert_eq!(l.items().len(), 1);
    // Change with the version read; a stale version is refused.
    let body = json!({"version": 1, "active": false, "supplier": supplier("国药控股鄂尔多斯有限公司", USCC_A)});
    let r = p.put(&format!("/api/v1/suppliers/{id}"), body.clone()).await;
    r.assert_status(200);
    assert_eq!(r["active"], false);
    assert_eq!(r["version"], 2);
    p.put(&format!("/api/v1/suppliers/{id}"), body).await.assert_problem(409);
    assert_eq!(p.get("/api/v1/suppliers?active=false").await.items().len(), 1);
    // Another consortium's officer does not see it.
    let other = app.client_as("demo2-committee-1").await;
    other.get(&format!("/api/v1/suppliers/{id}")).await.assert_status(404);
});

both!(contracts_prices_volumes_and_one_contract_per_product_a_day, |app| async move {
    let a = an_entry(&app, "合同甲片", 501).await;
    let b = an_entry(&app, "合同乙片", 502).await;
    let town = app.institution(app.consortium, "DGTL").await.id;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let p = app.client_as("demo-procurement").await;
    let s = p.post("/api/v1/suppliers", supplier("华润内蒙古医药有限公司", USCC_B)).await["id"].as_i64().unwrap();
    let contract = |no: &str, kind: &str, from: &str, to: &str, lines: Value| {
        json!({"supplier_id": s, "contract_no": no, "kind": kind, "valid_from": from, "valid_to": to, "lines": lines})
    };
    let r = p.post("/api/v1/contracts", contract("HT-1", "ordinary", "2026-01-01", "2026-12-31", json!([{"entry_id": a, "price": "12.5"}]))).await;
    r.assert_status(201);
    let k1 = r["id"].as_i64().unwrap();
    assert_eq!(r["lines"][0]["price"], "12.50");
    assert_eq!(r["supplier_name"], "华润内蒙古医药有限公司");
    // Prices: more than 0, at most 4 decimals.
    p.post("/api/v1/contracts", contract("HT-X", "ordinary", "2027-01-01", "2027-12-31", json!([{"entry_id": a, "price": "1.23456"}]))).await.assert_problem(422);
    p.post("/api/v1/contracts", contract("HT-X", "ordinary", "2027-01-01", "2027-12-31", json!([{"entry_id": a, "price": "0"}]))).await.assert_problem(422);
    p.post("/api/v1/contracts", contract("HT-X", "ordinary", "2027-01-01", "2027-12-31", json!([{"entry_id": 999999, "price": "1"}]))).await.assert_problem(422);
    p.post("/api/v1/contracts", contract("HT-X", "ordinary", "2027-12-31", "2027-01-01", json!([{"entry_id": a, "price": "1"}]))).await.assert_problem(422);
    // The number is unique.
    p.post("/api/v1/contracts", contract("HT-1", "ordinary", "2027-01-01", "2027-12-31", json!([{"entry_id": b, "price": "1"}]))).await.assert_problem(409);
    // A product has one contract on any day: an overlapping period is refused, naming the other.
    let r = p.post("/api/v1/contracts", contract("HT-2", "ordinary", "2026-12-01", "2027-06-30", json!([{"entry_id": a, "price": "11"}]))).await;
    r.assert_problem(409);
    assert!(r.text().contains("HT-1"), "{}", r.text());
    // VBP: the members' shares add up to the agreed volume (O5).
    let vbp = |shares: Value| json!([{"entry_id": b, "price": "0.88", "annual_volume": 1000, "volumes": shares}]);
    let r = p.post("/api/v1/contracts", contract("VBP-1", "vbp", "2026-01-01", "2026-12-31", vbp(json!([{"institution_id": town, "packs": 600}, {"institution_id": village, "packs": 300}])))).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "O5");
    assert!(r.text().contains("100"), "the difference is named: {}", r.text());
    let r = p.post("/api/v1/contracts", contract("VBP-1", "vbp", "2026-01-01", "2026-12-31", json!([{"entry_id": b, "price": "0.88"}]))).await;
    assert_eq!(r["rule"], "O5", "a VBP line gives its volume");
    let r = p.post("/api/v1/contracts", contract("HT-3", "ordinary", "2027-01-01", "2027-12-31", json!([{"entry_id": a, "price": "1", "annual_volume": 5}]))).await;
    assert_eq!(r["rule"], "O5", "an ordinary line has none");
    let r = p.post("/api/v1/contracts", contract("VBP-1", "vbp", "2026-01-01", "2026-12-31", vbp(json!([{"institution_id": town, "packs": 700}, {"institution_id": village, "packs": 300}])))).await;
    r.assert_status(201);
    let k2 = r["id"].as_i64().unwrap();
    let vols: Vec<(i64, i64)> = r["lines"][0]["volumes"].as_array().unwrap().iter().map(|v| (v["institution_id"].as_i64().unwrap(), v["packs"].as_i64().unwrap())).collect();
    assert_eq!(vols.len(), 2);
    assert!(vols.contains(&(town, 700)) && vols.contains(&(village, 300)));
    // The next year's contract for the same product is fine.
    p.post("/api/v1/contracts", contract("HT-2027", "ordinary", "2027-01-01", "2027-12-31", json!([{"entry_id": a, "price": "12"}]))).await.assert_status(201);
    // Lists: by product, by kind; without lines but with their count.
    let l = p.get(&format!("/api/v1/contracts?entry_id={a}")).await;
    assert_eq!(l.items().len(), 2);
    assert!(l.items().iter().all(|k| k["lines"].as_array().unwrap().is_empty() && k["line_count"] == 1));
    assert_eq!(p.get("/api/v1/contracts?kind=vbp").await.items()[0]["id"], k2);
    // Change with the version read (lines replaced); stale is refused.
    let body = json!({"version": 1, "contract": contract("HT-1", "ordinary", "2026-01-01", "2026-12-31", json!([{"entry_id": a, "price": "12.4"}]))});
    let r = p.put(&format!("/api/v1/contracts/{k1}"), body.clone()).await;
    r.assert_status(200);
    assert_eq!(r["lines"][0]["price"], "12.40");
    p.put(&format!("/api/v1/contracts/{k1}"), body).await.assert_problem(409);
    // Members read contracts; they do not keep them.
    let ph = app.client_as("demo-pharmacist").await;
    ph.get(&format!("/api/v1/contracts/{k1}")).await.assert_status(200);
    ph.post("/api/v1/contracts", contract("PH-1", "ordinary", "2030-01-01", "2030-12-31", json!([{"entry_id": a, "price": "1"}]))).await.assert_status(403);
    // The contracted price on a day.
    let entries = std::collections::HashSet::from([a, b]);
    let prices = tongyao::procurement::contracts::prices_on(&app.db, app.consortium, &entries, "2026-06-01".parse().unwrap()).await.unwrap();
    assert_eq!(prices.get(&a), Some(&(124_000, k1)));
    assert_eq!(prices.get(&b), Some(&(8_800, k2)));
    let prices = tongyao::procurement::contracts::prices_on(&app.db, app.consortium, &entries, "2028-01-01".parse().unwrap()).await.unwrap();
    assert!(prices.is_empty());
});

both!(procurement_cycles_one_open_at_a_time, |app| async move {
    let p = app.client_as("demo-procurement").await;
    let r = p.post("/api/v1/procurement/cycles", json!({"name": "2026年12月", "starts_on": "2026-12-01", "ends_on": "2026-12-31"})).await;
    r.assert_status(201);
    assert_eq!(r["status"], "open");
    let id = r["id"].as_i64().unwrap();
    let r = p.post("/api/v1/procurement/cycles", json!({"name": "2027年1月", "starts_on": "2027-01-01", "ends_on": "2027-01-31"})).await;
    r.assert_problem(409);
    assert_eq!(r["rule"], "O1");
    assert!(r.text().contains("2026年12月"), "{}", r.text());
    app.client_as("demo-pharmacist").await.post("/api/v1/procurement/cycles", json!({"name": "x", "starts_on": "2027-01-01", "ends_on": "2027-01-31"})).await.assert_status(403);
    let l = app.client_as("demo-village").await.get("/api/v1/procurement/cycles?status=open").await;
    l.assert_status(200);
    assert_eq!(l.items()[0]["id"], id);
    p.post(&format!("/api/v1/procurement/cycles/{id}/close"), json!({"version": 7})).await.assert_problem(409);
    let r = p.post(&format!("/api/v1/procurement/cycles/{id}/close"), json!({"version": 1})).await;
    r.assert_status(200);
    assert_eq!(r["status"], "closed");
    assert!(r["closed_by"].is_string());
    p.post(&format!("/api/v1/procurement/cycles/{id}/close"), json!({"version": 2})).await.assert_problem(409);
    p.post("/api/v1/procurement/cycles", json!({"name": "2027年1月", "starts_on": "2027-01-31", "ends_on": "2027-01-01"})).await.assert_problem(422);
    // Cycles follow one another: days shared with an earlier one are refused, naming it.
    let r = p.post("/api/v1/procurement/cycles", json!({"name": "重叠", "starts_on": "2026-12-20", "ends_on": "2027-01-19"})).await;
    r.assert_problem(409);
    assert!(r.text().contains("2026年12月"), "{}", r.text());
    p.post("/api/v1/procurement/cycles", json!({"name": "2027年1月", "starts_on": "2027-01-01", "ends_on": "2027-01-31"})).await.assert_status(201);
});

async fn upload(c: &Client, path: &str, file: &[u8]) -> Resp {
    let (body, ct) = multipart(&[("file", file)]);
    c.request(Method::POST, path).raw(body, Some(&ct)).send().await
}

both!(contracts_import_from_a_file_with_a_dry_run, |app| async move {
    let a = an_entry(&app, "导入甲片", 511).await;
    let b = an_entry(&app, "导入乙片", 512).await;
    let p = app.client_as("demo-procurement").await;
    p.post("/api/v1/suppliers", supplier("国药控股鄂尔多斯有限公司", USCC_A)).await.assert_status(201);
    // The template: the fixed columns and one share column per member, the lead hospital not one.
    let t = p.get("/api/v1/contracts/template").await;
    t.assert_status(200);
    let head = {
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(t.bytes.to_vec())).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        range.rows().next().unwrap().iter().map(|c| c.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(head[0], "合同编号");
    assert!(head.contains(&"约定量:独贵塔拉中心卫生院".to_owned()), "{head:?}");
    assert!(!head.iter().any(|h| h.contains("人民医院")), "{head:?}");
    let header = "合同编号,供应商统一社会信用代码,合同类型,起始日期,截止日期,条目编号,单价(元/包装),约定年采购量(包装),约定量:独贵塔拉中心卫生院,约定量:DGTL-1\n";
    let bad = format!(
        "{header}\
         IMP-1,{USCC_A},普通,2030-01-01,2030-12-31,{a},12.5,,,\n\
         IMP-1,{USCC_A},带量,2030-01-01,2030-12-31,{b},1,,,\n\
         IMP-2,91350100M000100Y44,带量采购,2030-01,2030-12-31,999999,abc,100,60,30\n\
         IMP-3,{USCC_A},带量采购,2030-01-01,2030-12-31,{b},0.88,100,60,30\n"
    );
    let r = upload(&p, "/api/v1/contracts/import", bad.as_bytes()).await;
    r.assert_status(200);
    assert_eq!(r["applied"], false);
    assert_eq!(r["rows_total"], 4);
    let problems: Vec<(i64, String)> = r["problems"].as_array().unwrap().iter().map(|x| (x["row"].as_i64().unwrap(), x["column"].as_str().unwrap().to_owned())).collect();
    for want in [
        (3, "合同类型"),               // the kind differs from the contract's first row
        (4, "供应商统一社会信用代码"), // the check character
        (4, "起始日期"),               // a month is not a day
        (4, "条目编号"),               // no such entry
        (4, "单价(元/包装)"),           // not a number
        (5, "约定年采购量(包装)"),     // O5: 60 + 30 is not 100
    ] {
        assert!(problems.contains(&(want.0, want.1.to_owned())), "{want:?} in {problems:?}");
    }
    // Applying while problems remain is refused; nothing was created.
    upload(&p, "/api/v1/contracts/import?dry_run=false", bad.as_bytes()).await.assert_problem(422);
    assert!(p.get("/api/v1/contracts?q=IMP").await.items().is_empty());
    // A good file: an ordinary contract of two lines and a VBP one with members' shares.
    let good = format!(
        "{header}\
         IMP-1,{USCC_A},普通,2030-01-01,2030-12-31,{a},12.5,,,\n\
         IMP-3,{USCC_A},带量采购,2030-01-01,2030-12-31,{b},0.88,100,70,30\n"
    );
    let r = upload(&p, "/api/v1/contracts/import", good.as_bytes()).await;
    assert!(r["problems"].as_array().unwrap().is_empty(), "{}", r.text());
    assert_eq!(r["contracts"].as_array().unwrap().len(), 2);
    let r = upload(&p, "/api/v1/contracts/import?dry_run=false", good.as_bytes()).await;
    r.assert_status(200);
    assert_eq!(r["applied"], true);
    let l = p.get("/api/v1/contracts?q=IMP-3").await;
    let k = p.get(&format!("/api/v1/contracts/{}", l.items()[0]["id"])).await;
    assert_eq!(k["kind"], "vbp");
    assert_eq!(k["lines"][0]["annual_volume"], 100);
    assert_eq!(k["lines"][0]["volumes"].as_array().unwrap().len(), 2);
    // The same file again: the numbers are taken and the products under contract on those days.
    let r = upload(&p, "/api/v1/contracts/import", good.as_bytes()).await;
    let cols: Vec<&str> = r["problems"].as_array().unwrap().iter().map(|x| x["column"].as_str().unwrap()).collect();
    assert!(cols.contains(&"合同编号"), "{}", r.text());
    // Members do not import contracts.
    upload(&app.client_as("demo-pharmacist").await, "/api/v1/contracts/import", good.as_bytes()).await.assert_status(403);
});
