//! The stock ledger (D6) through its services, on SQLite and PostgreSQL: every refusal, a
//! randomised run against a model of the balances, concurrent takings of the last units, the
//! append-only ledger, reversal, and `verify`.
use chrono::{Duration, NaiveDate};
use entity::stock_movement::{AdjustmentReason, MovementKind};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use tongyao::error::AppError;
use tongyao::kernel::{Actor, RuleId};
use tongyao::stock::service::{self, NewMovement};
use tongyao_tests::*;

async fn actor(app: &TestApp) -> Actor {
    Actor {
        user_id: Some(app.user_id("demo-committee-1").await),
        consortium_id: Some(app.consortium),
        ..Default::default()
    }
}

async fn an_entry(app: &TestApp, name: &str, n: u32) -> i64 {
    let body: Value = json!({"kind": "add", "fields": product(name, "oral", n), "reason": "库存测试", "effective_date": today_china().to_string()});
    adopt(app, body).await["items"][0]["entry_id"]
        .as_i64()
        .expect("entry id")
}

fn mv(institution: i64, entry: i64, lot: &str, expiry: NaiveDate, kind: MovementKind, q: i64) -> NewMovement {
    NewMovement {
        institution_id: institution,
        entry_id: entry,
        lot_no: lot.into(),
        expiry,
        kind,
        quantity: q,
        reason: (kind == MovementKind::Adjustment).then_some(AdjustmentReason::Correction),
        document: Some("test".into()),
        occurred_on: None,
    }
}

fn d6(r: Result<Vec<entity::stock_movement::Model>, AppError>) -> String {
    match r {
        Err(AppError::Rule { rule: RuleId::D6, message, .. }) => message,
        other => panic!("expected a D6 refusal, got {other:?}"),
    }
}

both!(d6_refusals_and_balances, |app| async move {
    let a = actor(&app).await;
    let ctx = &app.state.ctx;
    let wh = app.institution(app.consortium, "HHMD").await.id;
    let entry = an_entry(&app, "库存测试片", 301).await;
    let later = today_china() + Duration::days(400);
    let past = today_china() - Duration::days(1);
    service::record(ctx, &a, &[mv(wh, entry, "B1", later, MovementKind::Opening, 100)]).await.expect("opening");
    service::record(ctx, &a, &[mv(wh, entry, "B1", later, MovementKind::Dispensing, -30)]).await.expect("dispense");
    // More than is there: refused, naming what is there; nothing moved.
    let msg = d6(service::record(ctx, &a, &[mv(wh, entry, "B1", later, MovementKind::Dispensing, -71)]).await);
    assert!(msg.contains("70"), "{msg}");
    // All or none: a good movement and a refused one in one call leave nothing behind.
    let both = [
        mv(wh, entry, "B1", later, MovementKind::Dispensing, -10),
        mv(wh, entry, "B9", later, MovementKind::Dispensing, -1),
    ];
    d6(service::record(ctx, &a, &both).await);
    let lot = service::record(ctx, &a, &[mv(wh, entry, "B1", later, MovementKind::Consumption, -70)]).await.expect("the rest")[0].lot_id;
    assert_eq!(service::on_hand(&app.db, wh, lot).await.unwrap(), 0);
    // Wrong way, no reason, expired.
    d6(service::record(ctx, &a, &[mv(wh, entry, "B1", later, MovementKind::Receipt, -5)]).await);
    let mut no_reason = mv(wh, entry, "B1", later, MovementKind::Adjustment, -1);
    no_reason.reason = None;
    d6(service::record(ctx, &a, &[no_reason]).await);
    service::record(ctx, &a, &[mv(wh, entry, "OLD", past, MovementKind::Opening, 20)]).await.expect("expired stock can be on the books");
    let msg = d6(service::record(ctx, &a, &[mv(wh, entry, "OLD", past, MovementKind::Dispensing, -1)]).await);
    assert!(msg.contains(&past.to_string()), "{msg}");
    let mut disposal = mv(wh, entry, "OLD", past, MovementKind::Adjustment, -20);
    disposal.reason = Some(AdjustmentReason::Expiry);
    service::record(ctx, &a, &[disposal]).await.expect("expired stock is disposed of");
    // Another consortium's institution is not found.
    let foreign = app.institution(app.consortium2, "MYZH").await.id;
    assert!(matches!(
        service::record(ctx, &a, &[mv(foreign, entry, "B1", later, MovementKind::Opening, 1)]).await,
        Err(AppError::NotFound)
    ));
    let v = service::verify(&app.db).await.unwrap();
    assert!(v.mismatches.is_empty(), "{:?}", v.mismatches);
    assert_eq!(v.movements, 5);
});

both!(the_ledger_is_append_only_and_corrected_by_reversal, |app| async move {
    let a = actor(&app).await;
    let ctx = &app.state.ctx;
    let wh = app.institution(app.consortium, "HHMD").await.id;
    let entry = an_entry(&app, "冲销测试片", 302).await;
    let later = today_china() + Duration::days(400);
    let m = service::record(ctx, &a, &[mv(wh, entry, "R1", later, MovementKind::Receipt, 50)]).await.unwrap().remove(0);
    for sql in [
        format!("UPDATE stock_movements SET quantity = 5 WHERE id = {}", m.id),
        format!("DELETE FROM stock_movements WHERE id = {}", m.id),
    ] {
        assert!(app.db.execute_unprepared(&sql).await.is_err(), "refused: {sql}");
    }
    let r = service::reverse(ctx, &a, m.id, "数量录错").await.expect("reversed");
    assert_eq!((r.quantity, r.reverses_id), (-50, Some(m.id)));
    assert_eq!(service::on_hand(&app.db, wh, m.lot_id).await.unwrap(), 0);
    assert!(matches!(service::reverse(ctx, &a, m.id, "再冲一次").await, Err(AppError::Conflict(_))));
    assert!(matches!(service::reverse(ctx, &a, r.id, "冲销的冲销").await, Err(AppError::Conflict(_))));
    // A reversal that would take stock already gone is refused like any taking.
    let m2 = service::record(ctx, &a, &[mv(wh, entry, "R2", later, MovementKind::Receipt, 10)]).await.unwrap().remove(0);
    service::record(ctx, &a, &[mv(wh, entry, "R2", later, MovementKind::Dispensing, -8)]).await.unwrap();
    assert!(matches!(
        service::reverse(ctx, &a, m2.id, "收货录错").await,
        Err(AppError::Rule { rule: RuleId::D6, .. })
    ));
    // verify notices a balance that does not equal its ledger.
    assert!(service::verify(&app.db).await.unwrap().mismatches.is_empty());
    app.db
        .execute_unprepared(&format!("UPDATE stock_balances SET quantity = 7 WHERE lot_id = {}", m2.lot_id))
        .await
        .unwrap();
    let v = service::verify(&app.db).await.unwrap();
    assert_eq!(v.mismatches, vec![(wh, m2.lot_id, 2, 7)]);
});

// For any sequence of movements, the service accepts exactly those that keep every balance at
// or above zero, and the balances equal the ledger's sums. Deterministic pseudo-random runs.
both!(random_movements_keep_balances_equal_to_the_ledger, |app| async move {
    let a = actor(&app).await;
    let ctx = &app.state.ctx;
    let places = [
        app.institution(app.consortium, "HHMD").await.id,
        app.institution(app.consortium, "TRGL").await.id,
    ];
    let entry = an_entry(&app, "随机测试片", 303).await;
    let later = today_china() + Duration::days(400);
    let kinds = [
        MovementKind::Receipt,
        MovementKind::Dispensing,
        MovementKind::Consumption,
        MovementKind::Return,
        MovementKind::Stocktake,
        MovementKind::Adjustment,
    ];
    let mut model: std::collections::HashMap<(i64, &str), i64> = Default::default();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..120 {
        let place = places[(next() % 2) as usize];
        let lot = ["L1", "L2", "L3"][(next() % 3) as usize];
        let kind = kinds[(next() % kinds.len() as u64) as usize];
        let size = (next() % 40) as i64 + 1;
        let q = match tongyao::stock::rules::direction(kind, Some(AdjustmentReason::Correction)) {
            tongyao::stock::rules::Direction::In => size,
            tongyao::stock::rules::Direction::Out => -size,
            tongyao::stock::rules::Direction::Either => if next() % 2 == 0 { size } else { -size },
        };
        let have = model.get(&(place, lot)).copied().unwrap_or(0);
        let r = service::record(ctx, &a, &[mv(place, entry, lot, later, kind, q)]).await;
        if have + q >= 0 {
            r.unwrap_or_else(|e| panic!("{kind:?} {q} with {have} on hand: {e:?}"));
            model.insert((place, lot), have + q);
            accepted += 1;
        } else {
            d6(r);
            refused += 1;
        }
    }
    assert!(accepted > 30 && refused > 5, "both paths taken: {accepted} accepted, {refused} refused");
    let v = service::verify(&app.db).await.unwrap();
    assert!(v.mismatches.is_empty(), "{:?}", v.mismatches);
    assert_eq!(v.movements, accepted);
});

// Two takings of the last units at once: one succeeds, the other is refused by D6 naming what
// is left; the balance ends at zero, never below.
both!(concurrent_takings_of_the_last_units, |app| async move {
    let a = actor(&app).await;
    let wh = app.institution(app.consortium, "HHMD").await.id;
    let entry = an_entry(&app, "并发测试片", 304).await;
    let later = today_china() + Duration::days(400);
    for round in 0..5 {
        let lot = format!("C{round}");
        let put = service::record(&app.state.ctx, &a, &[mv(wh, entry, &lot, later, MovementKind::Receipt, 10)]).await.unwrap();
        let take = || {
            let (ctx, a, m) = (app.state.ctx.clone(), a.clone(), mv(wh, entry, &lot, later, MovementKind::Dispensing, -10));
            tokio::spawn(async move { service::record(&ctx, &a, &[m]).await })
        };
        let (x, y) = (take(), take());
        let results = [x.await.unwrap(), y.await.unwrap()];
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "exactly one taking wins: {results:?}");
        for r in results.into_iter().filter(|r| r.is_err()) {
            assert!(d6(r).contains('0'));
        }
        assert_eq!(service::on_hand(&app.db, wh, put[0].lot_id).await.unwrap(), 0);
    }
});

// Over HTTP: a member's pharmacist records and sees its own institution's stock only; the lead
// hospital's procurement staff see every institution's; refusals are problems naming D6.
both!(stock_over_http_by_role, |app| async move {
    let entry = an_entry(&app, "接口库存片", 305).await;
    let village = app.institution(app.consortium, "DGTL-1").await.id;
    let township = app.institution(app.consortium, "DGTL").await.id;
    let later = (today_china() + Duration::days(300)).to_string();
    let p = app.client_as("demo-village").await;
    let line = |kind: &str, q: i64| json!({"entry_id": entry, "lot_no": "V1", "expiry": later, "kind": kind, "quantity": q});
    let r = p.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [line("opening", 48), line("consumption", -6)]})).await;
    r.assert_status(201);
    assert_eq!(r.body.as_array().map(Vec::len), Some(2));
    assert_eq!(r.body[1]["lot_no"], "V1");
    // Not at another member's institution (not found: it is not theirs).
    p.post("/api/v1/stock/movements", json!({"institution_id": township, "movements": [line("opening", 1)]})).await.assert_status(404);
    p.get(&format!("/api/v1/stock?institution_id={township}")).await.assert_status(404);
    // More than is there: D6, nothing moved.
    let r = p.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [line("consumption", -43)]})).await;
    r.assert_status(422);
    assert_eq!(r["rule"], "D6");
    let own = p.get("/api/v1/stock").await;
    own.assert_status(200);
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!((own["items"][0]["quantity"].as_i64(), own["items"][0]["institution_id"].as_i64()), (Some(42), Some(village)));
    let card = p.get(&format!("/api/v1/stock/movements?entry_id={entry}")).await;
    card.assert_status(200);
    let kinds: Vec<&str> = card["items"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["consumption", "opening"], "newest first");
    // Procurement sees every institution; the committee does not read stock at all.
    let proc = app.client_as("demo-procurement").await;
    let all = proc.get(&format!("/api/v1/stock?entry_id={entry}")).await;
    all.assert_status(200);
    assert_eq!(all["items"][0]["institution_id"].as_i64(), Some(village));
    proc.post("/api/v1/stock/movements", json!({"institution_id": village, "movements": [line("opening", 1)]})).await.assert_status(403);
    app.client_as("demo-committee-1").await.get("/api/v1/stock").await.assert_status(403);
    // Another consortium's user sees none of it.
    let other = app.client_as("demo2-committee-1").await;
    other.get(&format!("/api/v1/stock?institution_id={village}")).await.assert_status(403);
});
