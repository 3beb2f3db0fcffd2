//! First-expiry-first-out allocation (D2) and back orders over HTTP, on SQLite and PostgreSQL:
//! a receipt allocates what it brought — urgent orders first, then by order date, each from the
//! lot that expires first — and leaves what it cannot fill as a back order with its reason,
//! which members see (their own only) and the next receipt fills; a held lot gives back its
//! allocations and is never allocated; lots short of the minimum shelf life for allocation are
//! not allocated; ending a back order needs a reason; two runs at once allocate the stock once.
use serde_json::Value;
use tongyao_tests::*;

use crate::receipts::{an_entry, approved_order, day, line_for, purchase_order};

/// (order line, lot number, packs, status) of the open allocations of an entry.
async fn allocations(c: &Client, entry: i64) -> Vec<(i64, String, i64, String)> {
    let r = c.get(&format!("/api/v1/allocations?entry_id={entry}&limit=200")).await;
    r.assert_status(200);
    let mut out: Vec<_> = r
        .items()
        .iter()
        .filter(|a| a["status"] != "cancelled")
        .map(|a| (a["order_line_id"].as_i64().unwrap(), a["lot_no"].as_str().unwrap().to_owned(), a["quantity"].as_i64().unwrap(), a["status"].as_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

/// (order line, packs short, reason) of the back orders of an entry.
async fn back_orders(c: &Client, entry: i64) -> Vec<(i64, i64, String)> {
    let r = c.get(&format!("/api/v1/back-orders?entry_id={entry}")).await;
    r.assert_status(200);
    let mut out: Vec<_> =
        r.items().iter().map(|b| (b["order_line_id"].as_i64().unwrap(), b["quantity"].as_i64().unwrap(), b["reason"].as_str().unwrap().to_owned())).collect();
    out.sort();
    out
}

async fn line_of(app: &TestApp, order: i64) -> i64 {
    let p = app.client_as("demo-procurement").await;
    p.get(&format!("/api/v1/orders/{order}")).await["lines"][0]["id"].as_i64().unwrap()
}

async fn lot_id(c: &Client, lead: i64, entry: i64, lot_no: &str) -> i64 {
    let r = c.get(&format!("/api/v1/stock?institution_id={lead}&entry_id={entry}")).await;
    r.items().iter().find(|s| s["lot_no"] == lot_no).unwrap()["lot_id"].as_i64().unwrap()
}

both!(receipts_allocate_fefo_urgent_first_and_back_orders_wait_with_reasons, |app| async move {
    let a = an_entry(&app, "分配甲片", 911).await;
    // Order A (10 packs) goes to a supplier; order B (4 packs, urgent, later) is approved only.
    let po = purchase_order(&app, &[(a, 10)], "91350100M000100Y43", "HT-FP").await;
    let order_b = approved_order(&app, &[(a, 4)], true).await;
    let line_b = line_of(&app, order_b).await;
    let d = app.client_as("demo-distribution").await;
    let v = app.client_as("demo-village").await;
    let township = app.client_as("demo-pharmacist").await;
    let lead = app.institution(app.consortium, "RMYY").await.id;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let (po_id, la) = (po["id"].as_i64().unwrap(), line_for(&po, a)["id"].as_i64().unwrap());
    let receive = |lots: Value, version: i64| json!({"purchase_order_id": po_id, "version": version, "lines": lots});

    // Nothing in the warehouse yet: nothing allocated; a run leaves both lines back-ordered.
    let r = d.post("/api/v1/allocations/run", json!({})).await;
    r.assert_status(200);
    assert_eq!((r["packs_allocated"].as_i64(), r["back_orders"].as_i64(), r["packs_short"].as_i64()), (Some(0), Some(2), Some(14)), "{}", r.text());
    let short = back_orders(&d, a).await;
    assert!(short.iter().all(|(_, _, why)| why == "no_stock"), "{short:?}");
    let line_a = short.iter().map(|b| b.0).find(|l| *l != line_b).unwrap();
    assert!(line_a < line_b, "order A's line was written first");

    // 9 packs arrive in two lots: the urgent B first, from the lot that expires first (L2),
    // then A from what is left; A's last 5 packs wait.
    let r = d.post("/api/v1/receipts", receive(json!([
        {"po_line_id": la, "lot_no": "L1", "expiry": day(400), "quantity": 6},
        {"po_line_id": la, "lot_no": "L2", "expiry": day(300), "quantity": 3}]), po["version"].as_i64().unwrap())).await;
    r.assert_status(201);
    assert_eq!(
        allocations(&d, a).await,
        vec![(line_a, "L1".into(), 5, "allocated".into()), (line_b, "L1".into(), 1, "allocated".into()), (line_b, "L2".into(), 3, "allocated".into())]
    );
    assert_eq!(back_orders(&d, a).await, vec![(line_a, 5, "not_enough".into())]);
    // Allocation reserves; the stock stays in the warehouse's ledger until dispatch.
    let stock = d.get(&format!("/api/v1/stock?institution_id={lead}&entry_id={a}")).await;
    assert_eq!(stock.items().iter().map(|s| s["quantity"].as_i64().unwrap()).sum::<i64>(), 9 * 28);
    // The member sees its own back orders and allocations; another member sees none of them
    // and may not ask for them.
    let mine = v.get("/api/v1/back-orders").await;
    assert_eq!(mine.items().len(), 1, "{}", mine.text());
    assert_eq!((mine.items()[0]["ordered"].as_i64(), mine.items()[0]["allocated"].as_i64()), (Some(10), Some(5)));
    assert_eq!(v.get("/api/v1/allocations").await.items().len(), 3);
    assert!(township.get("/api/v1/back-orders").await.items().is_empty());
    township.get(&format!("/api/v1/back-orders?institution_id={village}")).await.assert_problem(404);
    v.post("/api/v1/allocations/run", json!({})).await.assert_status(403);
    assert_eq!(d.get(&format!("/api/v1/allocations?order_id={order_b}")).await.items().len(), 2);

    // A held lot gives back its allocations and is not allocated; what waits says why (the only
    // stock not yet allocated is held: both lines wait for it).
    let l2 = lot_id(&d, lead, a, "L2").await;
    d.post(&format!("/api/v1/lots/{l2}/hold"), json!({"reason": "抽检不合格"})).await.assert_status(201);
    assert_eq!(allocations(&d, a).await, vec![(line_a, "L1".into(), 5, "allocated".into()), (line_b, "L1".into(), 1, "allocated".into())]);
    assert_eq!(back_orders(&d, a).await, vec![(line_a, 5, "held".into()), (line_b, 3, "held".into())]);
    // Released, it fills the urgent line again.
    d.post(&format!("/api/v1/lots/{l2}/release"), json!({"note": "复检合格"})).await.assert_status(200);
    assert_eq!(back_orders(&d, a).await, vec![(line_a, 5, "not_enough".into())]);

    // The minimum shelf life for allocation is the consortium's: at 450 days the last pack (400
    // days left) is not allocated and the back order says so; at 90 it is.
    let admin = app.client_as("demo-consortium-admin").await;
    let s = admin.get("/api/v1/distribution/settings").await;
    assert_eq!(s["min_allocate_days"], 90);
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 180, "confirm_within_days": 3, "min_allocate_days": 2000, "version": 0})).await.assert_problem(422);
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 180, "confirm_within_days": 3, "min_allocate_days": 450, "version": 0})).await.assert_status(200);
    let po_now = d.get(&format!("/api/v1/purchase-orders/{po_id}")).await;
    d.post("/api/v1/receipts", receive(json!([{"po_line_id": la, "lot_no": "L3", "expiry": day(400), "quantity": 1}]), po_now["version"].as_i64().unwrap()))
        .await
        .assert_status(201);
    assert_eq!(back_orders(&d, a).await, vec![(line_a, 5, "short_dated".into())]);
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 180, "confirm_within_days": 3, "min_allocate_days": 90, "version": 1})).await.assert_status(200);
    let r = d.post("/api/v1/allocations/run", json!({})).await;
    assert_eq!(r["packs_allocated"], 1, "{}", r.text());
    assert_eq!(back_orders(&d, a).await, vec![(line_a, 4, "not_enough".into())]);

    // Ending a back order needs a reason; a member ends only its own; then it is gone for good.
    let refused = d.post(&format!("/api/v1/back-orders/{line_a}/close"), json!({"reason": " "})).await;
    refused.assert_problem(422);
    assert_eq!(refused["rule"], "D2");
    township.post(&format!("/api/v1/back-orders/{line_a}/close"), json!({"reason": "不要了"})).await.assert_problem(404);
    v.post(&format!("/api/v1/back-orders/{line_a}/close"), json!({"reason": "改用替代品种"})).await.assert_status(204);
    assert!(back_orders(&d, a).await.is_empty());
    d.post("/api/v1/allocations/run", json!({})).await.assert_status(200);
    assert!(back_orders(&d, a).await.is_empty(), "an ended back order stays ended");
    d.post(&format!("/api/v1/back-orders/{line_a}/close"), json!({"reason": "再结束"})).await.assert_problem(404);
    assert_eq!(allocations(&d, a).await.iter().map(|x| x.2).sum::<i64>(), 10, "every pack in the warehouse allocated once");
    assert_allocations_name_what_exists(&app).await;
});

/// Allocations and back orders carry no foreign keys (see m0015): every one names an order line,
/// a lot, a member and a product that exist, and the member is the line's order's.
async fn assert_allocations_name_what_exists(app: &TestApp) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.db.get_database_backend();
    for sql in [
        "SELECT COUNT(*) FROM allocations a LEFT JOIN member_order_lines l ON l.id = a.order_line_id LEFT JOIN member_orders o ON o.id = l.order_id \
         LEFT JOIN stock_lots s ON s.id = a.lot_id LEFT JOIN formulary_entries e ON e.id = a.entry_id \
         WHERE o.id IS NULL OR s.id IS NULL OR e.id IS NULL OR o.institution_id <> a.institution_id OR l.entry_id <> a.entry_id OR s.entry_id <> a.entry_id",
        "SELECT COUNT(*) FROM back_orders b LEFT JOIN member_order_lines l ON l.id = b.order_line_id LEFT JOIN member_orders o ON o.id = l.order_id \
         WHERE o.id IS NULL OR o.institution_id <> b.institution_id OR l.entry_id <> b.entry_id",
    ] {
        let n: i64 = app.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap().try_get_by_index(0).unwrap();
        assert_eq!(n, 0, "{sql}");
    }
}

both!(two_allocation_runs_at_once_allocate_the_stock_once, |app| async move {
    let a = an_entry(&app, "并发分配片", 912).await;
    let po = purchase_order(&app, &[(a, 8)], "91350100M000100Y43", "HT-FP2").await;
    for _ in 0..3 {
        approved_order(&app, &[(a, 3)], false).await;
    }
    let admin = app.client_as("demo-consortium-admin").await;
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 180, "confirm_within_days": 3, "min_allocate_days": 1000, "version": 0})).await.assert_status(200);
    let d = app.client_as("demo-distribution").await;
    let la = line_for(&po, a)["id"].as_i64().unwrap();
    d.post("/api/v1/receipts", json!({"purchase_order_id": po["id"], "version": po["version"], "lines": [{"po_line_id": la, "lot_no": "C1", "expiry": day(400), "quantity": 8}]}))
        .await
        .assert_status(201);
    assert!(allocations(&d, a).await.is_empty(), "short of the minimum for allocation");
    admin.put("/api/v1/distribution/settings", json!({"min_shelf_days": 180, "confirm_within_days": 3, "min_allocate_days": 90, "version": 1})).await.assert_status(200);
    let d2 = app.client_as("demo-distribution").await;
    let (r1, r2) = tokio::join!(d.post("/api/v1/allocations/run", json!({})).send(), d2.post("/api/v1/allocations/run", json!({})).send());
    r1.assert_status(200);
    r2.assert_status(200);
    assert_eq!(r1["packs_allocated"].as_i64().unwrap() + r2["packs_allocated"].as_i64().unwrap(), 8);
    assert_eq!(allocations(&d, a).await.iter().map(|x| x.2).sum::<i64>(), 8);
    // 17 packs wanted, 8 there: 9 short.
    assert_eq!(back_orders(&d, a).await.iter().map(|b| b.1).sum::<i64>(), 9);
    assert_allocations_name_what_exists(&app).await;
});
