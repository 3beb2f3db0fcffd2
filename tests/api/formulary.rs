//! The formulary (统一目录): rules F1–F5 through the API, history as of a day and diffs against
//! a hand-built history, search, import/export — each on SQLite and PostgreSQL.
use axum::http::Method;
use chrono::Duration;
use serde_json::Value;
use tongyao_tests::*;

fn day(offset: i64) -> String {
    (today_china() + Duration::days(offset)).to_string()
}

async fn add_entry(app: &TestApp, name: &str, route: &str, n: u32) -> i64 {
    let r = adopt(app, json!({"kind": "add", "fields": product(name, route, n), "reason": "测试新增", "effective_date": day(0)})).await;
    r["items"][0]["entry_id"]
        .as_i64()
        .expect("entry id after approval")
}

both!(f1_four_eyes_and_decisions, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let c2 = app.client_as("demo-committee-2").await;
    let p = c1
        .post("/api/v1/formulary/proposals", json!({"kind": "add", "fields": product("测试地平", "oral", 1), "reason": "新增", "effective_date": day(0)}))
        .await;
    p.assert_status(201);
    assert_eq!(p["status"], "pending");
    let id = p["id"].as_i64().unwrap();
    // nothing in the formulary until approved
    assert_eq!(
        c1.get("/api/v1/formulary/search?q=csdp")
            .await
            .items()
            .len(),
        0
    );
    // the proposer cannot approve or reject it (F1)
    let r = c1
        .post(
            &format!("/api/v1/formulary/proposals/{id}/approve"),
            json!({}),
        )
        .await;
    r.assert_problem(403);
    assert_eq!(r["rule"], "F1");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("another committee member")
    );
    c1.post(
        &format!("/api/v1/formulary/proposals/{id}/reject"),
        json!({"reason": "不行"}),
    )
    .await
    .assert_problem(403);
    // a pharmacist may not decide at all
    let ph = app.client_as("demo-pharmacist").await;
    ph.post(
        &format!("/api/v1/formulary/proposals/{id}/approve"),
        json!({}),
    )
    .await
    .assert_problem(403);
    // another member approves; the entry appears; a second decision is a conflict
    let r = c2
        .post(
            &format!("/api/v1/formulary/proposals/{id}/approve"),
            json!({"note": "同意"}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r["status"], "approved");
    assert_eq!(r["decided_by"]["id"], app.user_id("demo-committee-2").await);
    let entry = r["items"][0]["entry_id"].as_i64().unwrap();
    c2.post(
        &format!("/api/v1/formulary/proposals/{id}/approve"),
        json!({}),
    )
    .await
    .assert_problem(409);
    let e = c1.get(&format!("/api/v1/formulary/{entry}")).await;
    e.assert_status(200);
    assert_eq!(e["generic_name_zh"], "测试地平");
    assert_eq!(e["unit_price"], "12.50");
    // its timeline: who proposed, who decided, what changed
    let t = c1.get(&format!("/api/v1/formulary/{entry}/timeline")).await;
    let ev = &t.items()[0];
    assert_eq!(ev["proposal_id"], id);
    assert_eq!(ev["proposer"]["id"], app.user_id("demo-committee-1").await);
    assert_eq!(
        ev["decided_by"]["id"],
        app.user_id("demo-committee-2").await
    );
    assert!(
        ev["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "generic_name_zh" && c["new"] == "测试地平")
    );
    // every decision is in the audit trail
    let audit = app.client_as("demo-auditor").await;
    let a = audit
        .get("/api/v1/audit?action=formulary.proposal_approved")
        .await;
    assert!(
        a.items()
            .iter()
            .any(|r| r["object_id"] == id.to_string().as_str()
                && r["actor_username"] == "demo-committee-2")
    );

    // reject needs a reason and another member; withdraw is the proposer's
    let p2 = c1.post("/api/v1/formulary/proposals", json!({"kind": "suspend", "entry_id": entry, "reason": "暂停", "effective_date": day(1)})).await;
    let p2 = p2["id"].as_i64().unwrap();
    c2.post(
        &format!("/api/v1/formulary/proposals/{p2}/reject"),
        json!({}),
    )
    .await
    .assert_problem(422);
    c2.post(
        &format!("/api/v1/formulary/proposals/{p2}/withdraw"),
        json!({}),
    )
    .await
    .assert_problem(403);
    let r = c2
        .post(
            &format!("/api/v1/formulary/proposals/{p2}/reject"),
            json!({"reason": "供货正常"}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["decision_reason"], "供货正常");
    let p3 = c1.post("/api/v1/formulary/proposals", json!({"kind": "withdraw", "entry_id": entry, "reason": "停用", "effective_date": day(1)})).await;
    let p3 = p3["id"].as_i64().unwrap();
    let r = c1
        .post(
            &format!("/api/v1/formulary/proposals/{p3}/withdraw"),
            json!({}),
        )
        .await;
    assert_eq!(r["status"], "withdrawn");
    // the entry is unchanged by rejected and withdrawn proposals
    assert_eq!(
        c1.get(&format!("/api/v1/formulary/{entry}?as_of={}", day(5)))
            .await["status"],
        "active"
    );
    let pending = c1.get("/api/v1/formulary/proposals?status=pending").await;
    assert!(pending.items().is_empty());
});

both!(f1_effective_date_not_in_the_past, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let before = (app.counts().await, formulary_counts(&app).await);
    let r = c1
        .post("/api/v1/formulary/proposals", json!({"kind": "add", "fields": product("过去药", "oral", 2), "reason": "补录", "effective_date": day(-1)}))
        .await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "F1");
    assert!(r["detail"].as_str().unwrap().contains("choose today"));
    assert_eq!(before, (app.counts().await, formulary_counts(&app).await));
});

both!(
    field_codes_are_checked_with_the_field_named,
    |app| async move {
        let c1 = app.client_as("demo-committee-1").await;
        let mut f = product("代码药", "oral", 3);
        f["approval_number"] = json!("国药准字X123");
        f["nhsa_code"] = json!("SHORT");
        f["atc_code"] = json!("C8CA05");
        let r = c1
            .post(
                "/api/v1/formulary/proposals",
                json!({"kind": "add", "fields": f, "reason": "新增", "effective_date": day(0)}),
            )
            .await;
        r.assert_problem(422);
        let fields = r.error_fields();
        assert_eq!(
            fields,
            vec![
                "fields.approval_number",
                "fields.nhsa_code",
                "fields.atc_code"
            ]
        );
        assert!(
            r["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("8 digits")
        );
        // unknown fields and wrong enum values are named too
        let mut g = product("代码药", "oral", 3);
        g["colour"] = json!("red");
        let r = c1
            .post(
                "/api/v1/formulary/proposals",
                json!({"kind": "add", "fields": g, "reason": "新增", "effective_date": day(0)}),
            )
            .await;
        r.assert_problem(422);
        assert!(
            r["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("colour")
        );
        let r = c1.post("/api/v1/formulary/proposals", json!({"kind": "amend", "entry_id": 999999, "fields": {"unit_price": "1"}, "reason": "改价", "effective_date": day(0)})).await;
        r.assert_problem(404);
    }
);

both!(f5_one_generic_two_specs, |app| async move {
    add_entry(&app, "规格测试", "oral", 10).await;
    add_entry(&app, "规格测试", "oral", 11).await;
    add_entry(&app, "规格测试", "injection", 12).await;
    let c1 = app.client_as("demo-committee-1").await;
    // the form's live check warns
    let w = c1
        .post("/api/v1/formulary/proposals/check", json!({"kind": "add", "fields": {"generic_name_zh": "规格测试", "route": "oral"}, "reason": "xx", "effective_date": day(0)}))
        .await;
    w.assert_status(200);
    assert_eq!(w["warnings"][0]["rule"], "F5");
    // a third oral product is refused without a justification
    let before = (app.counts().await, formulary_counts(&app).await);
    let body = json!({"kind": "add", "fields": product("规格测试", "oral", 13), "reason": "新增规格", "effective_date": day(0)});
    let r = c1.post("/api/v1/formulary/proposals", body.clone()).await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "F5");
    assert!(r["detail"].as_str().unwrap().contains("3 oral"));
    assert!(r["detail"].as_str().unwrap().contains("justification"));
    assert_eq!(before, (app.counts().await, formulary_counts(&app).await));
    // a second injectable is fine
    add_entry(&app, "规格测试", "injection", 14).await;
    // with the committee's justification it is accepted, and the justification is kept
    let mut with = body;
    with["justification"] = json!("儿童专用规格，临床必需");
    let r = adopt(&app, with).await;
    assert_eq!(r["justification"], "儿童专用规格，临床必需");
    let entry = r["items"][0]["entry_id"].as_i64().unwrap();
    let t = c1.get(&format!("/api/v1/formulary/{entry}/timeline")).await;
    assert_eq!(t.items()[0]["justification"], "儿童专用规格，临床必需");
    // suspending one of the three is never blocked by F5
    adopt(
        &app,
        json!({"kind": "suspend", "entry_id": entry, "reason": "暂停", "effective_date": day(0)}),
    )
    .await;
});

both!(future_dated_change_waits_for_its_day, |app| async move {
    let id = add_entry(&app, "未来药", "oral", 20).await;
    let c1 = app.client_as("demo-committee-1").await;
    adopt(&app, json!({"kind": "amend", "entry_id": id, "fields": {"unit_price": "9.99"}, "reason": "集采降价", "effective_date": day(10)})).await;
    // today it still costs 12.50; from its day on, 9.99 — no job had to run
    assert_eq!(
        c1.get(&format!("/api/v1/formulary/{id}")).await["unit_price"],
        "12.50"
    );
    assert_eq!(
        c1.get(&format!("/api/v1/formulary/{id}?as_of={}", day(9)))
            .await["unit_price"],
        "12.50"
    );
    assert_eq!(
        c1.get(&format!("/api/v1/formulary/{id}?as_of={}", day(10)))
            .await["unit_price"],
        "9.99"
    );
    // The scheduled change is visible before its day: on the entry, what and from when; in the
    // list, the day the shown state ends.
    let e = c1.get(&format!("/api/v1/formulary/{id}")).await;
    let upcoming = e["upcoming"].as_array().unwrap();
    assert_eq!(upcoming.len(), 1, "{}", e.text());
    assert_eq!(upcoming[0]["effective_from"], day(10));
    assert_eq!(upcoming[0]["changes"][0]["field"], "unit_price");
    assert_eq!(upcoming[0]["changes"][0]["old"], "12.50");
    assert_eq!(upcoming[0]["changes"][0]["new"], "9.99");
    let on_day = c1.get(&format!("/api/v1/formulary/{id}?as_of={}", day(10))).await;
    assert!(on_day["upcoming"].as_array().unwrap().is_empty());
    let listed = c1.get("/api/v1/formulary?q=wly").await;
    assert_eq!(listed.items()[0]["valid_to"], day(10), "{}", listed.text());
    // an approval dated before an already scheduled change is refused rather than rewriting history
    let p = c1
        .post(
            "/api/v1/formulary/proposals",
            json!({"kind": "suspend", "entry_id": id, "reason": "暂停", "effective_date": day(5)}),
        )
        .await;
    let c2 = app.client_as("demo-committee-2").await;
    let r = c2
        .post(
            &format!("/api/v1/formulary/proposals/{}/approve", p["id"]),
            json!({}),
        )
        .await;
    r.assert_problem(409);
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("already has a change effective")
    );
    // and the refused approval left the proposal pending
    assert_eq!(
        c1.get(&format!("/api/v1/formulary/proposals/{}", p["id"]))
            .await["status"],
        "pending"
    );
});

both!(as_of_and_diff_over_a_hand_built_history, |app| async move {
    let a = add_entry(&app, "历史甲", "oral", 30).await;
    let b = add_entry(&app, "历史乙", "oral", 31).await;
    let c = add_entry(&app, "历史丙", "oral", 32).await;
    adopt(&app, json!({"kind": "amend", "entry_id": a, "fields": {"unit_price": "10.00", "vbp": true}, "reason": "降价", "effective_date": day(5)})).await;
    adopt(
        &app,
        json!({"kind": "suspend", "entry_id": b, "reason": "断货", "effective_date": day(10)}),
    )
    .await;
    adopt(
        &app,
        json!({"kind": "withdraw", "entry_id": c, "reason": "淘汰", "effective_date": day(15)}),
    )
    .await;
    let d = adopt(&app, json!({"kind": "add", "fields": product("历史丁", "oral", 33), "reason": "新增", "effective_date": day(20)})).await;
    let d = d["items"][0]["entry_id"].as_i64().unwrap();
    adopt(&app, json!({"kind": "amend", "entry_id": b, "fields": {"status": "active"}, "reason": "恢复供货", "effective_date": day(25)})).await;
    let c1 = app.client_as("demo-committee-1").await;

    assert_eq!(
        names_on(&c1, 0).await,
        vec!["历史丙:active", "历史甲:active", "历史乙:active"]
    );
    assert_eq!(
        names_on(&c1, 12).await,
        vec!["历史丙:active", "历史甲:active", "历史乙:suspended"]
    );
    // withdrawn entries leave the default list
    assert_eq!(
        names_on(&c1, 16).await,
        vec!["历史甲:active", "历史乙:suspended"]
    );
    assert_eq!(
        names_on(&c1, 30).await,
        vec!["历史丁:active", "历史甲:active", "历史乙:active"]
    );
    // before any of it existed
    assert!(names_on(&c1, -1).await.is_empty());
    // the plain list (no q) agrees, in the same pinyin order, page by page
    let plain = c1
        .get(&format!(
            "/api/v1/formulary?as_of={}&status=suspended",
            day(12)
        ))
        .await;
    assert!(plain.items().iter().any(|e| e["id"] == b));
    let p1 = c1
        .get(&format!("/api/v1/formulary?as_of={}&limit=2", day(30)))
        .await;
    assert_eq!(p1["total"], 3);
    let p2 = c1
        .get(&format!(
            "/api/v1/formulary?as_of={}&limit=2&cursor={}",
            day(30),
            p1["next_cursor"].as_str().unwrap()
        ))
        .await;
    assert!(p2["next_cursor"].is_null());
    let plain: Vec<&str> = p1
        .items()
        .iter()
        .chain(p2.items())
        .map(|e| e["generic_name_zh"].as_str().unwrap())
        .collect();
    assert_eq!(plain, vec!["历史丁", "历史甲", "历史乙"]);

    let diff = c1
        .get(&format!(
            "/api/v1/formulary/diff?from={}&to={}",
            day(0),
            day(30)
        ))
        .await;
    diff.assert_status(200);
    let ids = |k: &str| {
        diff[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("added"), vec![d]);
    assert_eq!(ids("withdrawn"), vec![c]);
    assert!(
        ids("suspended").is_empty(),
        "b was suspended and reinstated within the range"
    );
    let changed = diff["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["entry"]["id"], a);
    let ch: Vec<(&str, &Value, &Value)> = changed[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["field"].as_str().unwrap(), &c["old"], &c["new"]))
        .collect();
    assert_eq!(
        ch,
        vec![
            ("unit_price", &json!("12.50"), &json!("10.00")),
            ("vbp", &json!(false), &json!(true))
        ]
    );
    let mid = c1
        .get(&format!(
            "/api/v1/formulary/diff?from={}&to={}",
            day(6),
            day(12)
        ))
        .await;
    assert_eq!(mid["suspended"][0]["id"], b);
    assert!(mid["changed"].as_array().unwrap().is_empty());
    let late = c1
        .get(&format!(
            "/api/v1/formulary/diff?from={}&to={}",
            day(12),
            day(26)
        ))
        .await;
    assert_eq!(late["reinstated"][0]["id"], b);
    c1.get(&format!(
        "/api/v1/formulary/diff?from={}&to={}",
        day(5),
        day(1)
    ))
    .await
    .assert_problem(422);
});

async fn names_on(c: &Client, off: i64) -> Vec<String> {
    let r = c
        .get(&format!(
            "/api/v1/formulary?as_of={}&q=ls&limit=50",
            day(off)
        ))
        .await;
    r.assert_status(200);
    r.items()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["generic_name_zh"].as_str().unwrap(),
                e["status"].as_str().unwrap()
            )
        })
        .collect()
}

both!(concurrent_approvals_exactly_one_wins, |app| async move {
    let admin = app.client_as("demo-consortium-admin").await;
    let lead = app.institution(app.consortium, "RMYY").await;
    admin
        .post("/api/v1/users", json!({"username": "committee-three", "display_name": "委员三", "institution_id": lead.id, "roles": ["committee"], "password": "tongyao-demo"}))
        .await
        .assert_status(201);
    let c1 = app.client_as("demo-committee-1").await;
    let c2 = app.client_as("demo-committee-2").await;
    let c3 = app.client_as("committee-three").await;
    let p = c1.post("/api/v1/formulary/proposals", json!({"kind": "add", "fields": product("并发药", "oral", 40), "reason": "新增", "effective_date": day(0)})).await;
    let path = format!("/api/v1/formulary/proposals/{}/approve", p["id"]);
    let (r2, r3) = tokio::join!(
        c2.post(&path, json!({})).send(),
        c3.post(&path, json!({})).send()
    );
    let mut codes = vec![r2.code(), r3.code()];
    codes.sort();
    assert_eq!(codes, vec![200, 409]);
    assert_eq!(c1.get("/api/v1/formulary?q=bfy").await["total"], 1);
});

both!(search_pinyin_codes_english_and_ranking, |app| async move {
    tongyao::formulary::seed::load_demo(&app.db, app.consortium)
        .await
        .expect("demo formulary");
    let u = app.client_as("demo-pharmacist").await;
    let names = |r: &Resp| {
        r.items()
            .iter()
            .map(|h| h["entry"]["generic_name_zh"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    for q in [
        "amxl",
        "AMXL",
        "mxl",
        "amoxilin",
        "moxi",
        "阿莫西",
        "莫西",
        "Amoxicillin",
        "amoxi",
    ] {
        let r = u
            .get(&format!("/api/v1/formulary/search?q={}", urlencode(q)))
            .await;
        r.assert_status(200);
        assert!(
            names(&r).iter().any(|n| n == "阿莫西林"),
            "{q}: {:?}",
            names(&r)
        );
    }
    // initials rank before substrings: 阿莫西林 (prefix) before 阿莫西林克拉维酸钾? both prefix; the plain name is shorter
    let r = u.get("/api/v1/formulary/search?q=amxl").await;
    assert_eq!(r.items()[0]["match"], "prefix");
    assert_eq!(names(&r)[0], "阿莫西林");
    let r = u.get("/api/v1/formulary/search?q=mxl").await;
    assert_eq!(r.items()[0]["match"], "substring");
    // polyphonic: 地西泮 (地 di/de) matches dxp
    assert!(
        names(&u.get("/api/v1/formulary/search?q=dxp").await)
            .iter()
            .any(|n| n == "地西泮")
    );
    // codes: an exact approval number is first, and codes match by prefix and part too
    let any = u.get("/api/v1/formulary/search?q=amxl&limit=1").await;
    let code = any.items()[0]["entry"]["approval_number"]
        .as_str()
        .unwrap()
        .to_string();
    let r = u
        .get(&format!("/api/v1/formulary/search?q={}", urlencode(&code)))
        .await;
    assert_eq!(r.items()[0]["match"], "code_exact");
    assert_eq!(r.items()[0]["entry"]["approval_number"], code.as_str());
    let r = u
        .get(&format!(
            "/api/v1/formulary/search?q={}",
            urlencode(&code[code.len() - 6..])
        ))
        .await;
    assert!(
        r.items()
            .iter()
            .any(|h| h["entry"]["approval_number"] == code.as_str())
    );
    let r = u.get("/api/v1/formulary/search?q=j01ca04").await;
    assert_eq!(r.items()[0]["match"], "code_exact");
    // filters: level scope and special class
    let r = u
        .get("/api/v1/formulary/search?q=mf&special_class=narcotic")
        .await;
    assert!(
        r.items()
            .iter()
            .all(|h| h["entry"]["special_class"] == "narcotic")
    );
    assert!(names(&r).iter().any(|n| n.contains("吗啡")));
    let r = u
        .get("/api/v1/formulary/search?q=a&level=village&limit=50")
        .await;
    assert!(
        r.items()
            .iter()
            .all(|h| h["entry"]["level_scope"] == "village")
    );
    // an empty query finds nothing; an absurd one is refused
    assert!(
        u.get("/api/v1/formulary/search?q=%20")
            .await
            .items()
            .is_empty()
    );
    u.get(&format!("/api/v1/formulary/search?q={}", "a".repeat(500)))
        .await
        .assert_problem(422);
    // the other consortium sees none of it
    let other = app.client_as("demo2-committee-1").await;
    assert!(
        other
            .get("/api/v1/formulary/search?q=amxl")
            .await
            .items()
            .is_empty()
    );
});

both!(
    search_ranks_exact_code_prefix_substring_and_active_first,
    |app| async move {
        let a = add_entry(&app, "排序甲", "oral", 50).await; // 国药准字H20000050
        let b = add_entry(&app, "排序乙", "oral", 51).await;
        adopt(
            &app,
            json!({"kind": "suspend", "entry_id": a, "reason": "暂停", "effective_date": day(0)}),
        )
        .await;
        let u = app.client_as("demo-committee-1").await;
        // "px": prefix of both names' initials; the active one ranks first
        let r = u.get("/api/v1/formulary/search?q=px").await;
        let ids: Vec<i64> = r
            .items()
            .iter()
            .map(|h| h["entry"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![b, a]);
        let r = u
            .get(&format!(
                "/api/v1/formulary/search?q={}",
                urlencode("国药准字H20000050")
            ))
            .await;
        assert_eq!(r.items()[0]["entry"]["id"], a);
        assert_eq!(r.items()[0]["match"], "code_exact");
        let r = u
            .get("/api/v1/formulary/search?q=status&status=suspended")
            .await;
        assert!(r.items().is_empty());
        let r = u
            .get("/api/v1/formulary/search?q=px&status=suspended")
            .await;
        assert_eq!(r.items().len(), 1);
    }
);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

async fn import(c: &Client, dry_run: bool, parts: &[(&str, &[u8])]) -> Resp {
    let (body, ct) = multipart(parts);
    c.request(
        Method::POST,
        &format!("/api/v1/formulary/imports?dry_run={dry_run}"),
    )
    .raw(body, Some(&ct))
    .send()
    .await
}

both!(import_fixtures_in_every_encoding, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    for f in [
        "formulary-utf8.csv",
        "formulary-utf8-bom.csv",
        "formulary-gbk.csv",
        "formulary.xlsx",
    ] {
        let r = import(&c1, true, &[("file", &fixture(f))]).await;
        r.assert_status(200);
        assert_eq!(r["rows_total"], 3, "{f}");
        assert_eq!(r["rows_valid"], 3, "{f}: {}", r.text());
        assert_eq!(r["added"].as_array().unwrap().len(), 3, "{f}");
        let names: Vec<&str> = r["added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["generic_name_zh"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["阿卡波糖", "重组人胰岛素", "人参健脾丸"], "{f}");
    }
    let r = import(
        &c1,
        true,
        &[("file", &fixture("formulary-english-headers.csv"))],
    )
    .await;
    assert_eq!(r["rows_valid"], 1, "{}", r.text());
    // applying makes one batch proposal; nothing changes until another member approves
    let before = app.count("formulary_versions").await;
    let r = import(
        &c1,
        false,
        &[
            ("file", &fixture("formulary-gbk.csv")),
            ("reason", "新增三种".as_bytes()),
            ("effective_date", day(0).as_bytes()),
        ],
    )
    .await;
    r.assert_status(200);
    let pid = r["proposal_id"].as_i64().unwrap();
    assert_eq!(app.count("formulary_versions").await, before);
    let p = c1.get(&format!("/api/v1/formulary/proposals/{pid}")).await;
    assert_eq!(p["kind"], "batch");
    assert_eq!(p["item_count"], 3);
    let c2 = app.client_as("demo-committee-2").await;
    c2.post(
        &format!("/api/v1/formulary/proposals/{pid}/approve"),
        json!({}),
    )
    .await
    .assert_status(200);
    assert_eq!(app.count("formulary_versions").await, before + 3);
    let insulin = c1.get("/api/v1/formulary/search?q=czryds").await;
    assert_eq!(insulin.items()[0]["entry"]["unit_price"], "51.0001");
    assert_eq!(insulin.items()[0]["entry"]["storage"], "cold_chain");
    // 重 is polyphonic: zhong and chong both find it
    assert!(
        !c1.get("/api/v1/formulary/search?q=zzryds")
            .await
            .items()
            .is_empty()
    );
    // 参 is polyphonic: shen and can
    assert!(
        !c1.get("/api/v1/formulary/search?q=rsjpw")
            .await
            .items()
            .is_empty()
    );
    assert!(
        !c1.get("/api/v1/formulary/search?q=rcjpw")
            .await
            .items()
            .is_empty()
    );

    // export → import changes nothing, in CSV and XLSX
    for fmt in ["csv", "xlsx"] {
        let e = c1
            .get(&format!("/api/v1/formulary/export?format={fmt}"))
            .await;
        e.assert_status(200);
        if fmt == "csv" {
            assert!(
                e.bytes.starts_with(b"\xEF\xBB\xBF"),
                "CSV starts with a BOM for Excel"
            );
        }
        let r = import(&c1, true, &[("file", &e.bytes)]).await;
        assert_eq!(r["rows_valid"], 3, "{fmt}: {}", r.text());
        assert_eq!(r["unchanged"], 3, "{fmt}: {}", r.text());
        assert!(
            r["added"].as_array().unwrap().is_empty()
                && r["changed"].as_array().unwrap().is_empty()
        );
        let r = import(
            &c1,
            false,
            &[
                ("file", &e.bytes),
                ("reason", b"re-import"),
                ("effective_date", day(0).as_bytes()),
            ],
        )
        .await;
        r.assert_problem(422);
    }
    // FHIR: a Bundle of MedicationKnowledge with codes and systems, and long-prescription periods
    let f = c1.get("/api/v1/formulary/export?format=fhir").await;
    let bundle: Value = serde_json::from_slice(&f.bytes).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 3);
    let acarbose = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["resource"]["code"]["text"]
                .as_str()
                .unwrap()
                .contains("阿卡波糖")
        })
        .unwrap();
    let codings = acarbose["resource"]["code"]["coding"].as_array().unwrap();
    assert!(
        codings
            .iter()
            .any(|c| c["system"] == "http://www.whocc.no/atc" && c["code"] == "A10BF01")
    );
    assert_eq!(
        acarbose["resource"]["regulatory"][0]["maxDispense"]["period"]["value"],
        60
    );
    assert_eq!(
        acarbose["resource"]["medicineClassification"][0]["classification"][0]["coding"][0]["code"],
        "national"
    );
});

async fn formulary_counts(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "formulary_entries",
        "formulary_versions",
        "formulary_proposals",
        "formulary_proposal_items",
    ] {
        v.push(app.count(t).await);
    }
    v
}

both!(import_with_bad_rows_changes_nothing, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let ph = app.client_as("demo-pharmacist").await;
    let before = (app.counts().await, formulary_counts(&app).await);
    let r = import(&c1, true, &[("file", &fixture("formulary-bad-rows.csv"))]).await;
    r.assert_status(200);
    assert_eq!(r["rows_total"], 3);
    assert_eq!(r["rows_valid"], 2);
    let errs: Vec<(i64, &str)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(errs, vec![(4, "包装数量"), (4, "批准文号")]);
    let r = import(
        &c1,
        false,
        &[
            ("file", &fixture("formulary-bad-rows.csv")),
            ("reason", b"x-import"),
            ("effective_date", day(0).as_bytes()),
        ],
    )
    .await;
    r.assert_problem(422);
    assert_eq!(r["report"]["errors"].as_array().unwrap().len(), 2);
    // not a spreadsheet, no valid rows, missing file
    let r = import(&c1, true, &[("file", b"\x00\x01\x02\x03 binary garbage")]).await;
    r.assert_problem(422);
    assert!(r["detail"].as_str().unwrap().contains("not a CSV or XLSX"));
    let r = import(&c1, true, &[("file", "通用名,规格\n".as_bytes())]).await;
    r.assert_problem(422);
    import(&c1, true, &[("reason", b"no file")])
        .await
        .assert_problem(422);
    // too large for the upload limit
    let big = vec![b'a'; app.settings().server.upload_limit_bytes + 10];
    import(&c1, true, &[("file", &big)])
        .await
        .assert_problem(413);
    // a pharmacist may not import
    import(&ph, true, &[("file", &fixture("formulary-utf8.csv"))])
        .await
        .assert_problem(403);
    assert_eq!(before, (app.counts().await, formulary_counts(&app).await));
});

both!(prices_are_exact_on_both_databases, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    for (n, price) in ["0.0001", "0.01", "12345.6789", "999999.9999", "0.10", "7.3"]
        .iter()
        .enumerate()
    {
        let mut f = product(&format!("价格{n}"), "oral", 60 + n as u32);
        f["unit_price"] = json!(price);
        let r = adopt(
            &app,
            json!({"kind": "add", "fields": f, "reason": "价格", "effective_date": day(0)}),
        )
        .await;
        let id = r["items"][0]["entry_id"].as_i64().unwrap();
        let got = c1.get(&format!("/api/v1/formulary/{id}")).await;
        let back: rust_decimal::Decimal = got["unit_price"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            back,
            price.parse::<rust_decimal::Decimal>().unwrap(),
            "{price}"
        );
    }
    let mut f = product("价格坏", "oral", 70);
    f["unit_price"] = json!("1.23456");
    c1.post(
        "/api/v1/formulary/proposals",
        json!({"kind": "add", "fields": f, "reason": "价格", "effective_date": day(0)}),
    )
    .await
    .assert_problem(422);
    let mut f = product("价格负", "oral", 71);
    f["unit_price"] = json!("-1");
    c1.post(
        "/api/v1/formulary/proposals",
        json!({"kind": "add", "fields": f, "reason": "价格", "effective_date": day(0)}),
    )
    .await
    .assert_problem(422);
});

both!(f3_essential_share_and_targets, |app| async move {
    add_entry(&app, "基药甲", "oral", 80).await;
    let mut f = product("非基药乙", "oral", 81);
    f["essential_national"] = json!(false);
    f["level_scope"] = json!("secondary");
    adopt(
        &app,
        json!({"kind": "add", "fields": f, "reason": "新增", "effective_date": day(0)}),
    )
    .await;
    let u = app.client_as("demo-prescriber").await;
    let s = u.get("/api/v1/formulary/essential-share").await;
    s.assert_status(200);
    let row = |g: &str| {
        s["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["group"] == g)
            .unwrap()
            .clone()
    };
    assert_eq!(row("primary")["varieties"], 1);
    assert_eq!(row("primary")["share"], 100.0);
    assert_eq!(row("secondary")["varieties"], 2);
    assert_eq!(row("secondary")["share"], 50.0);
    assert_eq!(row("secondary")["target"], 80.0);
    assert_eq!(row("secondary")["below_target"], true);
    assert_eq!(row("primary")["below_target"], false);
    // the committee lowers the secondary target; a prescriber may not
    u.put(
        "/api/v1/formulary/settings",
        json!({"essential_targets": {"primary": 90, "secondary": 50, "tertiary": 60}}),
    )
    .await
    .assert_problem(403);
    let c1 = app.client_as("demo-committee-1").await;
    c1.put(
        "/api/v1/formulary/settings",
        json!({"essential_targets": {"primary": 90, "secondary": 120, "tertiary": 60}}),
    )
    .await
    .assert_problem(422);
    c1.put(
        "/api/v1/formulary/settings",
        json!({"essential_targets": {"primary": 90, "secondary": 50, "tertiary": 60}}),
    )
    .await
    .assert_status(200);
    let s = u.get("/api/v1/formulary/essential-share").await;
    let sec = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == "secondary")
        .unwrap()
        .clone();
    assert_eq!(sec["target"], 50.0);
    assert_eq!(sec["below_target"], false);
});

both!(other_consortium_entries_are_not_found, |app| async move {
    let id = add_entry(&app, "隔离药", "oral", 90).await;
    let other = app.client_as("demo2-committee-1").await;
    other
        .get(&format!("/api/v1/formulary/{id}"))
        .await
        .assert_problem(404);
    other
        .get(&format!("/api/v1/formulary/{id}/timeline"))
        .await
        .assert_problem(404);
    let r = other
        .post(
            "/api/v1/formulary/proposals",
            json!({"kind": "suspend", "entry_id": id, "reason": "越权", "effective_date": day(0)}),
        )
        .await;
    r.assert_problem(404);
    assert_eq!(other.get("/api/v1/formulary").await["total"], 0);
});

both!(refusals_speak_the_readers_language, |app| async move {
    add_entry(&app, "语言测试", "oral", 95).await;
    add_entry(&app, "语言测试", "oral", 96).await;
    let c1 = app.client_as("demo-committee-1").await;
    let body = json!({"kind": "add", "fields": product("语言测试", "oral", 97), "reason": "新增", "effective_date": day(0)});
    let zh = c1
        .post("/api/v1/formulary/proposals", body.clone())
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")
        .send()
        .await;
    zh.assert_problem(422);
    assert_eq!(zh["rule"], "F5");
    assert!(
        zh["detail"]
            .as_str()
            .unwrap()
            .contains("一品两规：语言测试 将有 3 个口服品规"),
        "{}",
        zh["detail"]
    );
    let en = c1
        .post("/api/v1/formulary/proposals", body)
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await;
    assert!(
        en["detail"]
            .as_str()
            .unwrap()
            .contains("would have 3 oral products"),
        "{}",
        en["detail"]
    );
    // F1, field checks and request validation too
    let r = c1
        .post("/api/v1/formulary/proposals", json!({"kind": "add", "fields": product("过去", "oral", 98), "reason": "x", "effective_date": day(-1)}))
        .header("accept-language", "zh-CN")
        .send()
        .await;
    assert_eq!(r["errors"][0]["field"], "reason");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("请说明理由"),
        "{}",
        r.body
    );
    let r = c1
        .post("/api/v1/formulary/proposals", json!({"kind": "add", "fields": product("过去", "oral", 98), "reason": "补录", "effective_date": day(-1)}))
        .header("accept-language", "zh-CN")
        .send()
        .await;
    assert!(r["detail"].as_str().unwrap().contains("已过"), "{}", r.body);
    // import row errors
    let (mp, ct) = multipart(&[("file", &fixture("formulary-bad-rows.csv"))]);
    let r = c1
        .request(Method::POST, "/api/v1/formulary/imports?dry_run=true")
        .raw(mp, Some(&ct))
        .header("accept-language", "zh-CN")
        .send()
        .await;
    assert!(
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("不是整数")),
        "{}",
        r.body
    );
    // and the fixed answers: not signed in, wrong password
    let anon = app.client();
    assert_eq!(
        anon.get("/api/v1/me")
            .header("accept-language", "zh-CN")
            .send()
            .await["detail"],
        "请先登录"
    );
    let r = anon
        .post(
            "/api/v1/session",
            json!({"username": "demo-auditor", "password": "wrong-password"}),
        )
        .header("accept-language", "zh")
        .send()
        .await;
    assert_eq!(r["detail"], "用户名或密码错误");
    assert_eq!(
        anon.get("/api/v1/me").await["detail"],
        "sign in first",
        "English without Accept-Language"
    );
});

// Issue 8.1: two pending amendments of one entry — after the first is approved, the second was
// written against values that are gone and is refused, naming what changed since.
both!(a_stale_amendment_is_refused_not_applied, |app| async move {
    let id = add_entry(&app, "陈旧地平", "oral", 801).await;
    let c1 = app.client_as("demo-committee-1").await;
    let c2 = app.client_as("demo-committee-2").await;
    let amend = |price: &str| {
        json!({"kind": "amend", "entry_id": id, "fields": {"unit_price": price}, "reason": "调价", "effective_date": day(0)})
    };
    let first = c1.post("/api/v1/formulary/proposals", amend("3.00")).await;
    first.assert_status(201);
    let second = c1.post("/api/v1/formulary/proposals", amend("3.20")).await;
    second.assert_status(201);
    // the list says another proposal on the same entry is pending
    let p = c2
        .get(&format!("/api/v1/formulary/proposals/{}", second["id"]))
        .await;
    assert_eq!(p["items"][0]["other_pending"], json!([first["id"]]));
    let list = c2.get("/api/v1/formulary/proposals?status=pending").await;
    let row = list
        .items()
        .iter()
        .find(|r| r["id"] == first["id"])
        .expect("first proposal listed");
    assert_eq!(row["items"][0]["other_pending"], json!([second["id"]]));
    c2.post(
        &format!("/api/v1/formulary/proposals/{}/approve", first["id"]),
        json!({}),
    )
    .await
    .assert_status(200);
    let r = c2
        .post(
            &format!("/api/v1/formulary/proposals/{}/approve", second["id"]),
            json!({}),
        )
        .await;
    r.assert_problem(409);
    let detail = r["detail"].as_str().unwrap();
    assert!(detail.contains("unit price 12.50 → 3.00"), "{detail}");
    assert!(detail.contains("propose again"), "{detail}");
    // nothing was applied: the price is the first proposal's
    let e = c1.get(&format!("/api/v1/formulary/{id}")).await;
    assert_eq!(e["unit_price"], "3.00");
    let p = c2
        .get(&format!("/api/v1/formulary/proposals/{}", second["id"]))
        .await;
    assert_eq!(p["status"], "pending");
    assert_eq!(p["items"][0]["other_pending"], json!([]));
});

// Issue 8.3: an absurd effective date is refused (F1: within two years), not accepted.
both!(a_far_effective_date_is_refused, |app| async move {
    app.login("demo-committee-1").await;
    let r = app
        .post(
            "/api/v1/formulary/proposals",
            json!({"kind": "add", "fields": product("远期地平", "oral", 802), "reason": "测试", "effective_date": "9999-12-31"}),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r["rule"], "F1");
    assert!(r["detail"].as_str().unwrap().contains("two years"));
});

// An entry asked for on a day before it was in the formulary is not found (404, saying so), as
// the document says; it is not a malformed request.
both!(an_entry_before_it_existed_is_not_found, |app| async move {
    let id = add_entry(&app, "测试前日", "oral", 71).await;
    let c = app.client_as("demo-committee-1").await;
    c.get(&format!("/api/v1/formulary/{id}"))
        .await
        .assert_status(200);
    let r = c
        .get(&format!("/api/v1/formulary/{id}?as_of={}", day(-1)))
        .await;
    r.assert_problem(404);
    assert!(
        r["detail"].as_str().unwrap().contains(&day(-1)),
        "{}",
        r.body
    );
});

/// The CSV with one product's price changed (its line found by name).
fn with_price(csv: &[u8], name: &str, price: &str) -> Vec<u8> {
    let text = String::from_utf8(csv.to_vec()).expect("UTF-8 export");
    let price_col = text
        .lines()
        .next()
        .and_then(|h| h.split(',').position(|c| c == "单价(元/包装)"))
        .expect("a price column");
    let mut found = false;
    let out: Vec<String> = text
        .split('\n')
        .map(|line| {
            if !line.contains(name) {
                return line.to_string();
            }
            found = true;
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            cells[price_col] = price.to_string();
            cells.join(",")
        })
        .collect();
    assert!(found, "{name} is in the export");
    out.join("\n").into_bytes()
}

both!(an_unchanged_export_round_trips_past_a_scheduled_change, |app| async move {
    let acarbose = add_entry(&app, "往返阿卡波糖", "oral", 31).await;
    add_entry(&app, "往返二甲双胍", "oral", 32).await;
    // An approved suspension from day 10 on: today the entry is still in use.
    adopt(&app, json!({"kind": "suspend", "entry_id": acarbose, "reason": "停产", "effective_date": day(10)})).await;
    let c1 = app.client_as("demo-committee-1").await;
    let export = c1.get("/api/v1/formulary/export?format=csv").await;
    export.assert_status(200);

    // Unchanged, compared with today's formulary: nothing to propose, nothing overridden.
    let r = import(&c1, true, &[("file", &export.bytes)]).await;
    r.assert_status(200);
    assert_eq!(r["effective_date"], day(0));
    assert_eq!(r["unchanged"], 2, "{}", r.text());
    assert!(r["changed"].as_array().unwrap().is_empty(), "{}", r.text());
    assert!(r["overrides"].as_array().unwrap().is_empty(), "{}", r.text());
    // Applying it is refused as a change of nothing (not as a proposal to undo the suspension).
    let a = import(&c1, false, &[("file", &export.bytes), ("reason", "原样导入".as_bytes()), ("effective_date", day(0).as_bytes())]).await;
    a.assert_problem(422);
    assert_eq!(a.error_fields(), vec!["file"]);

    // Compared with the formulary on day 10 (after the suspension), the same file would
    // reactivate the product: a change, named in full.
    let r = import(&c1, true, &[("file", &export.bytes), ("effective_date", day(10).as_bytes())]).await;
    assert_eq!(r["effective_date"], day(10));
    let changed = r["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{}", r.text());
    assert_eq!(changed[0]["entry_id"], acarbose);
    assert_eq!(changed[0]["product"]["generic_name_zh"], "往返阿卡波糖");
    assert_eq!(changed[0]["product"]["strength"], "31mg");
    assert_eq!(changed[0]["product"]["dosage_form"], "片剂");
    assert_eq!(changed[0]["product"]["manufacturer"], "测试制药");
    assert_eq!(changed[0]["changes"][0]["field"], "status");
    assert_eq!(changed[0]["changes"][0]["old"], "suspended");

    // A price change of the scheduled product, effective today, would override the approved
    // suspension: the dry run names it, and applying is refused with nothing changed.
    let edited = with_price(&export.bytes, "往返阿卡波糖", "13.00");
    let r = import(&c1, true, &[("file", &edited)]).await;
    let o = r["overrides"].as_array().unwrap();
    assert_eq!(o.len(), 1, "{}", r.text());
    assert_eq!(o[0]["entry_id"], acarbose);
    assert_eq!(o[0]["product"]["strength"], "31mg");
    assert_eq!(o[0]["changes"][0]["field"], "unit_price");
    assert_eq!(o[0]["scheduled"][0]["effective_from"], day(10));
    assert_eq!(o[0]["scheduled"][0]["changes"][0]["field"], "status");
    assert_eq!(o[0]["scheduled"][0]["changes"][0]["new"], "suspended");
    assert!(r["changed"].as_array().unwrap().is_empty());
    let before = formulary_counts(&app).await;
    let a = import(&c1, false, &[("file", &edited), ("reason", "调价".as_bytes()), ("effective_date", day(0).as_bytes())]).await;
    a.assert_problem(422);
    assert!(a["detail"].as_str().unwrap().contains("override"), "{}", a.text());
    assert_eq!(a["report"]["overrides"].as_array().unwrap().len(), 1);
    assert_eq!(formulary_counts(&app).await, before);
    // From day 10 on the suspension has happened: the same price change is an ordinary one
    // (status back to in use as well, as the file says).
    let r = import(&c1, true, &[("file", &edited), ("effective_date", day(10).as_bytes())]).await;
    assert!(r["overrides"].as_array().unwrap().is_empty(), "{}", r.text());
    assert_eq!(r["changed"].as_array().unwrap().len(), 1);

    // A price change of the other product is an ordinary change today.
    let edited = with_price(&export.bytes, "往返二甲双胍", "11.00");
    let r = import(&c1, true, &[("file", &edited)]).await;
    assert_eq!(r["changed"].as_array().unwrap().len(), 1, "{}", r.text());
    assert_eq!(r["changed"][0]["product"]["generic_name_zh"], "往返二甲双胍");
    assert!(r["overrides"].as_array().unwrap().is_empty());
    // A dry run for a day in the past is refused by F1, like the proposal would be.
    import(&c1, true, &[("file", &edited), ("effective_date", day(-1).as_bytes())])
        .await
        .assert_problem(422);
});

both!(the_pack_as_people_write_it, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let mut f = product("内包装片", "oral", 41);
    f["inner_pack_size"] = json!(7);
    let id = adopt(&app, json!({"kind": "add", "fields": f, "reason": "新增", "effective_date": day(0)}))
        .await["items"][0]["entry_id"]
        .as_i64()
        .unwrap();
    let e = c1.get(&format!("/api/v1/formulary/{id}")).await;
    assert_eq!(e["pack_size"], 28);
    assert_eq!(e["inner_pack_size"], 7);
    // An inner pack that does not divide the pack is refused, naming the field.
    for bad in [5, -7, 56] {
        let r = c1.post("/api/v1/formulary/proposals", json!({"kind": "amend", "entry_id": id, "fields": {"inner_pack_size": bad}, "reason": "改包装", "effective_date": day(0)})).await;
        r.assert_problem(422);
        assert_eq!(r.error_fields(), vec!["fields.inner_pack_size"], "{bad}: {}", r.text());
    }
    // The export carries it as a number; the FHIR pack nests 4 inner packs of 7.
    let x = c1.get("/api/v1/formulary/export?format=xlsx").await;
    x.assert_status(200);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    let col = |name: &str| {
        rows[0]
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let row = rows
        .iter()
        .find(|r| r[col("通用名")] == "内包装片")
        .unwrap();
    assert_eq!(row[col("内包装数量")], calamine::Data::Float(7.0));
    assert_eq!(row[col("包装数量")], calamine::Data::Float(28.0));
    assert_eq!(row[col("单价(元/包装)")], calamine::Data::Float(12.5));
    assert_eq!(row[col("条目编号")], calamine::Data::Float(id as f64));
    assert!(matches!(row[col("批准文号")], calamine::Data::String(_)));
    // The XLSX export imports back unchanged.
    let r = import(&c1, true, &[("file", &x.bytes)]).await;
    assert_eq!(r["unchanged"], 1, "{}", r.text());
    let fhir: Value = serde_json::from_slice(&c1.get("/api/v1/formulary/export?format=fhir").await.bytes).unwrap();
    let pack = &fhir["entry"][0]["resource"]["contained"][0];
    assert_eq!(pack["packaging"]["packaging"][0]["quantity"], 4);
    assert_eq!(pack["packaging"]["packaging"][0]["type"]["text"], "7片");
    // A file written before the column existed keeps the inner pack; 0 clears it.
    let csv = String::from_utf8(c1.get("/api/v1/formulary/export?format=csv").await.bytes.to_vec()).unwrap();
    let old: String = csv
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(8); // 内包装数量
            cells.join(",") + "\n"
        })
        .collect();
    assert!(!old.contains("内包装数量"));
    let r = import(&c1, true, &[("file", old.as_bytes())]).await;
    assert_eq!(r["unchanged"], 1, "{}", r.text());
    adopt(&app, json!({"kind": "amend", "entry_id": id, "fields": {"inner_pack_size": 0}, "reason": "无内包装", "effective_date": day(0)})).await;
    assert_eq!(c1.get(&format!("/api/v1/formulary/{id}")).await["inner_pack_size"], Value::Null);
});

both!(export_holds_what_the_list_shows_in_pinyin_order, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    // Names a Chinese reader orders syllable by syllable: a ka … before ai si ….
    let mut lead_only = product("艾司奥美拉唑镁", "oral", 51);
    lead_only["level_scope"] = json!("lead");
    lead_only["essential_national"] = json!(false);
    add_entry(&app, "阿卡波糖", "oral", 52).await;
    adopt(&app, json!({"kind": "add", "fields": lead_only, "reason": "新增", "effective_date": day(0)})).await;
    add_entry(&app, "阿莫西林", "oral", 53).await;
    let names = |r: &Resp| -> Vec<String> {
        r.items()
            .iter()
            .map(|e| e["generic_name_zh"].as_str().unwrap().to_string())
            .collect()
    };
    let list = c1.get("/api/v1/formulary").await;
    assert_eq!(names(&list), vec!["阿卡波糖", "阿莫西林", "艾司奥美拉唑镁"]);
    // The same order with search text (the index answers).
    assert_eq!(names(&c1.get("/api/v1/formulary?q=a").await), vec!["阿卡波糖", "阿莫西林", "艾司奥美拉唑镁"]);
    let csv_names = |bytes: &[u8]| -> Vec<String> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect()
    };
    let all = c1.get("/api/v1/formulary/export?format=csv").await;
    assert_eq!(csv_names(&all.bytes), vec!["阿卡波糖", "阿莫西林", "艾司奥美拉唑镁"]);
    // Filters narrow the export as they narrow the list.
    let village = c1.get("/api/v1/formulary/export?format=csv&level=village").await;
    assert_eq!(csv_names(&village.bytes), vec!["阿卡波糖", "阿莫西林"]);
    let searched = c1.get("/api/v1/formulary/export?format=csv&q=amxl").await;
    assert_eq!(csv_names(&searched.bytes), vec!["阿莫西林"]);
    let not_essential = c1.get("/api/v1/formulary/export?format=xlsx&essential=false").await;
    not_essential.assert_status(200);
    let r = import(&c1, true, &[("file", &not_essential.bytes)]).await;
    assert_eq!(r["rows_total"], 1, "{}", r.text());
    c1.get("/api/v1/formulary/export?format=csv&level=nowhere")
        .await
        .assert_problem(400);
});

both!(reviewers_see_enough_to_decide, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let id = add_entry(&app, "审阅片", "oral", 61).await;
    // Two pending price changes: a small one and one beyond the flag threshold.
    let small = c1.post("/api/v1/formulary/proposals", json!({"kind": "amend", "entry_id": id, "fields": {"unit_price": "13.00"}, "reason": "小幅调价", "effective_date": day(0)})).await;
    let big = c1.post("/api/v1/formulary/proposals", json!({"kind": "amend", "entry_id": id, "fields": {"unit_price": "20.00"}, "reason": "大幅调价", "effective_date": day(0)})).await;
    let pending = c1.get("/api/v1/formulary/proposals?status=pending").await;
    let find = |pid: &Value| {
        pending
            .items()
            .iter()
            .find(|p| p["id"] == *pid)
            .unwrap()
            .clone()
    };
    let s = find(&small["id"]);
    let item = &s["items"][0];
    assert_eq!(item["product"]["generic_name_zh"], "审阅片");
    assert_eq!(item["product"]["strength"], "61mg");
    assert_eq!(item["product"]["dosage_form"], "片剂");
    assert_eq!(item["product"]["manufacturer"], "测试制药");
    assert_eq!(item["now"]["unit_price"], "12.50");
    assert_eq!(item["price_change_percent"], 4.0);
    assert_eq!(item["price_flagged"], false);
    let b = find(&big["id"]);
    assert_eq!(b["items"][0]["price_change_percent"], 60.0);
    assert_eq!(b["items"][0]["price_flagged"], true);
    // After the small one is approved, the big one shows the true present value.
    let c2 = app.client_as("demo-committee-2").await;
    c2.post(&format!("/api/v1/formulary/proposals/{}/approve", small["id"]), json!({}))
        .await
        .assert_status(200);
    let b = c1.get(&format!("/api/v1/formulary/proposals/{}", big["id"])).await;
    assert_eq!(b["items"][0]["changes"][0]["old"], "12.50");
    assert_eq!(b["items"][0]["now"]["unit_price"], "13.00");

    // A batch's items are listed page by page (the inbox leaves out those of big batches).
    let rows: Vec<String> = (0..60)
        .map(|n| {
            format!(
                ",批量片{n},,片剂,口服,{n}mg,片,28,,盒,批量制药,国药准字H{:08},,,9.90,否,否,否,乙,无,非抗菌药,常温,牵头医院,否,否,在用",
                40_000_000 + n
            )
        })
        .collect();
    let header = "条目编号,通用名,英文名,剂型,给药途径,规格,最小单位,包装数量,内包装数量,包装单位,生产企业,批准文号,医保药品代码,ATC编码,单价(元/包装),国家基本药物,省增补,集采中选,医保类别,特殊管理,抗菌药物分级,储存条件,最低使用层级,长处方,延伸处方,状态";
    let csv = format!("{header}\n{}\n", rows.join("\n"));
    let r = import(&c1, false, &[("file", csv.as_bytes()), ("reason", "批量新增".as_bytes()), ("effective_date", day(0).as_bytes())]).await;
    r.assert_status(200);
    let pid = r["proposal_id"].as_i64().unwrap();
    let inbox = c1.get("/api/v1/formulary/proposals?status=pending").await;
    let batch = inbox.items().iter().find(|p| p["id"] == pid).unwrap().clone();
    assert_eq!(batch["item_count"], 60);
    assert!(batch["items"].as_array().unwrap().is_empty());
    let first = c1.get(&format!("/api/v1/formulary/proposals/{pid}/items?limit=50")).await;
    first.assert_status(200);
    assert_eq!(first["total"], 60);
    assert_eq!(first.items().len(), 50);
    assert_eq!(first.items()[0]["product"]["generic_name_zh"], "批量片0");
    assert_eq!(first.items()[0]["product"]["strength"], "0mg");
    assert_eq!(first.items()[0]["product"]["manufacturer"], "批量制药");
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let rest = c1
        .get(&format!("/api/v1/formulary/proposals/{pid}/items?limit=50&cursor={cursor}"))
        .await;
    assert_eq!(rest.items().len(), 10);
    assert_eq!(rest.items()[9]["product"]["generic_name_zh"], "批量片59");
    assert!(rest["next_cursor"].is_null());
    c1.get("/api/v1/formulary/proposals/999999/items")
        .await
        .assert_problem(404);
});

both!(several_selected_entries_make_one_batch_proposal, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let a = add_entry(&app, "批选甲片", "oral", 71).await;
    let b = add_entry(&app, "批选乙片", "oral", 72).await;
    let p = c1.post("/api/v1/formulary/proposals", json!({"kind": "suspend", "entry_ids": [a, b, a], "reason": "供货中断", "effective_date": day(0)})).await;
    p.assert_status(201);
    assert_eq!(p["kind"], "batch");
    assert_eq!(p["item_count"], 2, "an entry named twice is changed once");
    let c2 = app.client_as("demo-committee-2").await;
    c2.post(&format!("/api/v1/formulary/proposals/{}/approve", p["id"]), json!({}))
        .await
        .assert_status(200);
    for id in [a, b] {
        assert_eq!(c1.get(&format!("/api/v1/formulary/{id}")).await["status"], "suspended");
    }
    // A change that changes nothing for one of them names that entry.
    let c = add_entry(&app, "批选丙片", "oral", 73).await;
    let r = c1.post("/api/v1/formulary/proposals", json!({"kind": "suspend", "entry_ids": [c, a], "reason": "供货中断", "effective_date": day(0)})).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec![format!("entry_ids[{a}].fields")]);
    // Not for new products, and not beside entry_id.
    let r = c1.post("/api/v1/formulary/proposals", json!({"kind": "add", "entry_ids": [a, b], "fields": product("批选丁片", "oral", 74), "reason": "新增", "effective_date": day(0)})).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["entry_ids"]);
    let r = c1.post("/api/v1/formulary/proposals", json!({"kind": "withdraw", "entry_id": c, "entry_ids": [a, b], "reason": "停用", "effective_date": day(0)})).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["entry_ids"]);
});

both!(lists_sort_by_price_and_manufacturer_and_page_in_that_order, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    for (name, n, price, maker) in [
        ("排序甲片", 81, "30.00", "扬子江药业"),
        ("排序乙片", 82, "5.00", "阿斯利康"),
        ("排序丙片", 83, "12.00", "齐鲁制药"),
    ] {
        let mut f = product(name, "oral", n);
        f["unit_price"] = json!(price);
        f["manufacturer"] = json!(maker);
        adopt(&app, json!({"kind": "add", "fields": f, "reason": "新增", "effective_date": day(0)})).await;
    }
    let names = |r: &Resp| -> Vec<String> {
        r.items()
            .iter()
            .map(|e| e["generic_name_zh"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&c1.get("/api/v1/formulary?sort=price").await), vec!["排序乙片", "排序丙片", "排序甲片"]);
    assert_eq!(names(&c1.get("/api/v1/formulary?sort=price_desc").await), vec!["排序甲片", "排序丙片", "排序乙片"]);
    // Manufacturers in pinyin order: a si li kang, qi lu, yang zi jiang.
    assert_eq!(names(&c1.get("/api/v1/formulary?sort=manufacturer").await), vec!["排序乙片", "排序丙片", "排序甲片"]);
    // With search text too, and page by page in the same order.
    let first = c1.get("/api/v1/formulary?sort=price_desc&q=px&limit=2").await;
    assert_eq!(names(&first), vec!["排序甲片", "排序丙片"]);
    assert_eq!(first["total"], 3);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let rest = c1.get(&format!("/api/v1/formulary?sort=price_desc&q=px&limit=2&cursor={cursor}")).await;
    assert_eq!(names(&rest), vec!["排序乙片"]);
    c1.get("/api/v1/formulary?sort=colour").await.assert_problem(400);
});

both!(import_the_valid_rows_and_download_the_rejected_ones, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    let header = "条目编号,通用名,英文名,剂型,给药途径,规格,最小单位,包装数量,包装单位,生产企业,批准文号,医保药品代码,ATC编码,单价(元/包装),国家基本药物,省增补,集采中选,医保类别,特殊管理,抗菌药物分级,储存条件,最低使用层级,长处方,延伸处方,状态";
    let row = |name: &str, approval: &str| {
        format!(",{name},,片剂,口服,5mg,片,24,盒,导入测试制药,{approval},,,8.80,否,否,否,乙,无,非抗菌药,常温,村卫生室,是,否,在用")
    };
    let csv = [
        header.to_string(),
        row("部分导入甲", "国药准字H31000001"),
        row("部分导入乙", "国药准字X123"),
        row("部分导入丙", "国药准字H31000003"),
    ]
    .join("\n");
    let file = csv.as_bytes();
    let dry = import(&c1, true, &[("file", file)]).await;
    assert_eq!(dry["errors"].as_array().unwrap().len(), 1, "{}", dry.text());
    assert_eq!(dry["errors"][0]["row"], 3);
    // Applying with a problem is refused, unless the user chose to leave it out.
    let before = formulary_counts(&app).await;
    let parts = |skip: &'static [u8]| {
        vec![
            ("file", file),
            ("reason", "部分导入".as_bytes()),
            ("effective_date", day(0).into_bytes().leak() as &[u8]),
            ("skip_invalid", skip),
        ]
    };
    import(&c1, false, &parts(b"false")).await.assert_problem(422);
    assert_eq!(formulary_counts(&app).await, before);
    let r = import(&c1, false, &parts(b"maybe")).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["skip_invalid"]);
    let r = import(&c1, false, &parts(b"true")).await;
    r.assert_status(200);
    assert_eq!(r["skipped"], 1);
    let pid = r["proposal_id"].as_i64().unwrap();
    let p = c1.get(&format!("/api/v1/formulary/proposals/{pid}")).await;
    assert_eq!(p["item_count"], 2);
    let names: Vec<&str> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product"]["generic_name_zh"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["部分导入甲", "部分导入丙"]);

    // The rejected rows as Excel: the row as written, its number, and its problem.
    let (body, ct) = multipart(&[("file", file)]);
    let x = c1
        .request(Method::POST, "/api/v1/formulary/imports/rejected")
        .raw(body, Some(&ct))
        .send()
        .await;
    x.assert_status(200);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], "原行号");
    assert_eq!(rows[0].last().unwrap(), "问题");
    assert_eq!(rows[1][0], "3");
    assert_eq!(rows[1][2], "部分导入乙");
    assert_eq!(rows[1][11], "国药准字X123");
    assert!(rows[1].last().unwrap().contains("批准文号"), "{rows:?}");
    // Fixed and imported again, the row is a proposal of its own.
    let fixed = [header.to_string(), row("部分导入乙", "国药准字H31000002")].join("\n");
    let again = import(&c1, true, &[("file", fixed.as_bytes())]).await;
    assert_eq!(again["added"].as_array().unwrap().len(), 1, "{}", again.text());
});

both!(a_list_written_by_others_is_mapped_column_by_column_and_remembered, |app| async move {
    let c1 = app.client_as("demo-committee-1").await;
    // A province's list: its own headers and order, an extra column, no template header.
    let csv = "序号,药品名称,剂型,规格,转换比,最小单位,包装单位,生产企业,批准文号,挂网价（元）,给药途径,备注\n\
               1,映射测试片,片剂,10mg,24,片,盒,映射制药,国药准字H32000001,6.60,口服,省集采\n";
    let (body, ct) = multipart(&[("file", csv.as_bytes())]);
    let plan = c1
        .request(Method::POST, "/api/v1/formulary/imports/columns")
        .raw(body, Some(&ct))
        .send()
        .await;
    plan.assert_status(200);
    let field = |p: &Resp, header: &str| -> (Value, Value) {
        let c = p["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["header"] == header)
            .unwrap_or_else(|| panic!("{header}"))
            .clone();
        (c["field"].clone(), c["how"].clone())
    };
    assert_eq!(field(&plan, "药品名称"), (json!("generic_name_zh"), json!("suggested")));
    assert_eq!(field(&plan, "挂网价（元）"), (json!("unit_price"), json!("suggested")));
    assert_eq!(field(&plan, "转换比"), (json!("pack_size"), json!("suggested")));
    assert_eq!(field(&plan, "备注").0, Value::Null);
    assert_eq!(plan["missing"], json!([]));
    assert_eq!(plan["headers"][1]["samples"][0], "映射测试片");
    // Without a mapping (an empty part is none) the file lacks the template's headers; with
    // one it imports.
    import(&c1, true, &[("file", csv.as_bytes())]).await.assert_problem(422);
    let r = import(&c1, true, &[("file", csv.as_bytes()), ("mapping", b"")]).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["file"]);
    let mapping = json!({"药品名称": "generic_name_zh", "剂型": "dosage_form", "规格": "strength",
        "转换比": "pack_size", "最小单位": "base_unit", "包装单位": "pack_unit", "生产企业": "manufacturer",
        "批准文号": "approval_number", "挂网价（元）": "unit_price", "给药途径": "route", "备注": "", "序号": ""})
    .to_string();
    let dry = import(&c1, true, &[("file", csv.as_bytes()), ("mapping", mapping.as_bytes())]).await;
    dry.assert_status(200);
    assert_eq!(dry["added"][0]["product"]["generic_name_zh"], "映射测试片", "{}", dry.text());
    assert!(dry["errors"].as_array().unwrap().is_empty(), "{}", dry.text());
    // A mapping to a field that does not exist is refused, naming the header.
    let bad = json!({"药品名称": "colour"}).to_string();
    let r = import(&c1, true, &[("file", csv.as_bytes()), ("mapping", bad.as_bytes())]).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), vec!["mapping"]);
    // Applied, the mapping is remembered for the consortium's next file.
    import(&c1, false, &[("file", csv.as_bytes()), ("mapping", mapping.as_bytes()), ("reason", "省目录导入".as_bytes()), ("effective_date", day(0).into_bytes().leak() as &[u8])])
        .await
        .assert_status(200);
    let (body, ct) = multipart(&[("file", csv.as_bytes())]);
    let again = c1
        .request(Method::POST, "/api/v1/formulary/imports/columns")
        .raw(body, Some(&ct))
        .send()
        .await;
    assert_eq!(field(&again, "药品名称"), (json!("generic_name_zh"), json!("remembered")));
    assert_eq!(field(&again, "备注"), (Value::Null, json!("ignored")));
});

/// What a user can read of the formulary through one instance: every entry today and a month
/// ahead, searches, the diff over the month, and today's export.
async fn everything_read(c: &Client) -> Vec<Value> {
    let mut out = Vec::new();
    for q in [
        format!("as_of={}", day(0)),
        format!("as_of={}&status=suspended", day(15)),
        format!("as_of={}&sort=price_desc", day(30)),
        "q=csyj".to_string(),
        "sort=manufacturer".to_string(),
    ] {
        let mut cursor = String::new();
        loop {
            let r = c.get(&format!("/api/v1/formulary?limit=200&{q}{cursor}")).await;
            r.assert_status(200);
            out.extend(r["items"].as_array().expect("items").iter().cloned());
            out.push(r["total"].clone());
            match r["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={}", urlencode(next)),
                None => break,
            }
        }
    }
    for q in ["amxl", "测试", "H2002", "csyj"] {
        let r = c.get(&format!("/api/v1/formulary/search?limit=50&q={}", urlencode(q))).await;
        r.assert_status(200);
        out.push(r.body.clone());
    }
    let r = c.get(&format!("/api/v1/formulary/diff?from={}&to={}", day(-1), day(30))).await;
    r.assert_status(200);
    out.push(r.body.clone());
    let r = c.get("/api/v1/formulary/export?format=csv").await;
    r.assert_status(200);
    out.push(Value::String(String::from_utf8_lossy(&r.bytes).into_owned()));
    out
}

// Every instance keeps the formulary in memory. The instance that approves a change brings its
// copy up to date by reading only what changed (a small extra layer over the unchanged base);
// another instance does the same within a second; both then answer exactly as an instance that
// read everything afresh.
both!(the_formulary_in_memory_follows_changes_on_every_instance, |app| async move {
    use tongyao::formulary::memory::{CHECK_EVERY, FormularyCache};
    let instance = || {
        let state = AppState::new(app.db.clone(), app.settings().clone());
        Client::new(tongyao::app(state))
    };
    // One entry before the instances read the formulary (in their base layer), one after.
    let old = add_entry(&app, "测试滴耳液", "external", 72).await;
    let other = instance();
    other.login("demo-committee-1").await.assert_status(200);
    let here = app.client_as("demo-committee-1").await;
    let before_here = everything_read(&here).await;
    assert_eq!(everything_read(&other).await, before_here);
    let cache = app.state.ctx.part::<FormularyCache>();
    let (base, extra) = cache.get(&app.db, app.consortium).await.expect("snapshot").layers();
    assert_eq!(extra, 0);

    // Changes of every kind, some effective later, one entry changed twice.
    let added = add_entry(&app, "测试眼药水", "external", 71).await;
    let found = here.get("/api/v1/formulary/search?q=csyys").await;
    assert_eq!(found["items"][0]["entry"]["id"], added, "the new entry is found at once");
    adopt(&app, json!({"kind": "amend", "entry_id": added, "fields": {"unit_price": "3.30"}, "reason": "调价", "effective_date": day(0)})).await;
    adopt(&app, json!({"kind": "suspend", "entry_id": added, "reason": "暂停", "effective_date": day(10)})).await;
    adopt(&app, json!({"kind": "amend", "entry_id": added, "fields": {"status": "active", "unit_price": "2.80"}, "reason": "恢复", "effective_date": day(20)})).await;
    adopt(&app, json!({"kind": "amend", "entry_id": old, "fields": {"unit_price": "0.01"}, "reason": "集采", "effective_date": day(0)})).await;
    adopt(&app, json!({"kind": "withdraw", "entry_id": old, "reason": "停用", "effective_date": day(25)})).await;

    let after_here = everything_read(&here).await;
    assert_ne!(after_here, before_here);
    let (base_now, extra_now) = cache.get(&app.db, app.consortium).await.expect("snapshot").layers();
    assert_eq!((base_now, extra_now), (base, 6), "the base is kept; the 6 new versions are layered");

    let fresh = instance();
    fresh.login("demo-committee-1").await.assert_status(200);
    assert_eq!(after_here, everything_read(&fresh).await, "the layered copy answers as a fresh one");

    tokio::time::sleep(CHECK_EVERY + std::time::Duration::from_millis(200)).await;
    assert_eq!(after_here, everything_read(&other).await, "another instance catches up");
});

async fn ask_progress(c: &Client, token: &str) -> Resp {
    c.get(&format!("/api/v1/formulary/imports/progress?token={token}")).await
}

// The wizard names each import with a token and asks how far the server's check has got; the
// answer is the caller's alone, and says every row was checked once the check is over.
both!(an_import_tells_its_user_how_far_the_check_got, |app| async move {
    let c = app.client_as("demo-committee-1").await;
    let token = "wizard-0123456789abcdef";
    ask_progress(&c, token).await.assert_status(404);
    let file = fixture("formulary-bad-rows.csv");
    let (body, ct) = multipart(&[("file", &file)]);
    let r = c
        .request(Method::POST, &format!("/api/v1/formulary/imports?dry_run=true&progress={token}"))
        .raw(body, Some(&ct))
        .send()
        .await;
    r.assert_status(200);
    let rows = r["rows_total"].as_u64().expect("rows");
    assert!(rows > 1 && !r["errors"].as_array().expect("errors").is_empty());
    let p = ask_progress(&c, token).await;
    p.assert_status(200);
    assert_eq!(p.body, json!({"stage": "done", "rows_done": rows, "rows_total": rows}));
    // Another user does not see it; a token that is not one is refused.
    let other = app.client_as("demo-committee-2").await;
    ask_progress(&other, token).await.assert_status(404);
    let (body, ct) = multipart(&[("file", &file)]);
    let bad = c
        .request(Method::POST, "/api/v1/formulary/imports?dry_run=true&progress=a%20b")
        .raw(body, Some(&ct))
        .send()
        .await;
    bad.assert_status(422);
    assert_eq!(bad["errors"][0]["field"], "progress");
    let bad = ask_progress(&c, "short").await;
    bad.assert_status(422);
    assert_eq!(bad["errors"][0]["field"], "token");
});
