//! The shape every capability shares: the clock, actions from the policy table, coded enums
//! read strictly, paging, fixed query counts — each on SQLite and PostgreSQL.
use std::collections::HashSet;

use sea_orm::ConnectionTrait;
use tongyao_tests::*;

async fn propose(c: &Client, name: &str, n: u32, day: &str) -> Resp {
    c.post(
        "/api/v1/formulary/proposals",
        json!({"kind": "add", "fields": product(name, "oral", 9000 + n), "reason": "测试新增", "effective_date": day}),
    )
    .await
}

both!(me_lists_the_actions_of_the_policy_table, |app| async move {
    let expect: &[(&str, &[&str])] = &[
        (
            "demo-admin",
            &[
                "manage_consortia",
                "manage_organisation",
                "read_organisation",
                "read_audit",
            ],
        ),
        (
            "demo-consortium-admin",
            &[
                "manage_organisation",
                "read_organisation",
                "read_formulary",
                "set_formulary_targets",
                "read_stock",
                "set_stock_settings",
                "read_procurement",
                "read_purchase_orders",
                "read_distribution",
                "set_distribution_settings",
                "read_allocations",
            ],
        ),
        (
            "demo-committee-1",
            &[
                "read_formulary",
                "propose_formulary",
                "decide_formulary",
                "set_formulary_targets",
                "read_procurement",
            ],
        ),
        (
            "demo-auditor",
            &["read_organisation", "read_audit", "read_formulary", "read_stock", "read_procurement", "read_purchase_orders", "read_distribution", "read_allocations"],
        ),
        (
            "demo-village",
            &["read_formulary", "read_stock", "record_stock", "approve_stock", "read_procurement", "place_orders", "read_allocations", "close_back_orders"],
        ),
    ];
    for (user, actions) in expect {
        let c = app.client_as(user).await;
        let me = c.get("/api/v1/me").await;
        me.assert_status(200);
        let got: HashSet<&str> = me["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let want: HashSet<&str> = actions.iter().copied().collect();
        assert_eq!(got, want, "{user}");
    }
    // The document lists the same actions as the values of `Action`.
    let doc = app.get("/api/openapi.json").await;
    let values = doc.body["components"]["schemas"]["Action"]["enum"]
        .as_array()
        .expect("Action is an enum in the document")
        .len();
    assert_eq!(values, 23);
});

// With `clock.today` fixed, "today" is that day everywhere: the default `as_of`, and F1's "not
// in the past".
both!(
    a_fixed_day_is_today_everywhere,
    settings[("TONGYAO__CLOCK__TODAY", "2030-01-10")],
    |app| async move {
        assert_eq!(app.today().to_string(), "2030-01-10");
        let c1 = app.client_as("demo-committee-1").await;
        let r = propose(&c1, "时钟地平", 1, "2030-01-09").await;
        r.assert_problem(422);
        assert_eq!(r["rule"], "F1");
        assert!(r.text().contains("2030-01-10"), "{}", r.text());
        let r = adopt(
            &app,
            json!({"kind": "add", "fields": product("时钟地平", "oral", 9001), "reason": "测试新增", "effective_date": "2030-01-10"}),
        )
        .await;
        let id = r["items"][0]["entry_id"].as_i64().unwrap();
        // on the fixed day the entry stands, without naming a day
        let e = c1.get(&format!("/api/v1/formulary/{id}")).await;
        e.assert_status(200);
        assert_eq!(e["valid_from"], "2030-01-10");
        let list = c1.get("/api/v1/formulary?q=szdp").await;
        assert_eq!(list["total"], 1, "{}", list.text());
    }
);

both!(
    unknown_codes_in_the_database_are_errors_not_defaults,
    |app| async move {
        app.login("demo-consortium-admin").await;
        app.get("/api/v1/institutions").await.assert_status(200);
        // a level this program does not know, written behind its back
        app.db
            .execute_unprepared("UPDATE institutions SET level = 'hamlet' WHERE code = 'DGTL'")
            .await
            .unwrap();
        let r = app.get("/api/v1/institutions?limit=200").await;
        r.assert_problem(500);
        assert!(
            !r.text().contains("hamlet"),
            "no internals reach the client"
        );
        // and an unknown role code is not silently dropped
        app.db
            .execute_unprepared(
                "UPDATE users SET roles = 'committee,overlord' WHERE username = 'demo-committee-2'",
            )
            .await
            .unwrap();
        let c = app.client();
        let r = c.login_with("demo-committee-2", DEMO_PASSWORD).await;
        r.assert_problem(500);
    }
);

both!(admin_lists_are_paged, |app| async move {
    app.login("demo-consortium-admin").await;
    let all = app.get("/api/v1/institutions?limit=200").await;
    all.assert_status(200);
    assert!(all["next_cursor"].is_null());
    let everything: Vec<i64> = all
        .items()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(everything.len() > 10, "{}", everything.len());
    let mut seen = Vec::new();
    let mut url = "/api/v1/institutions?limit=5".to_string();
    loop {
        let r = app.get(&url).await;
        r.assert_status(200);
        assert!(r.items().len() <= 5);
        seen.extend(r.items().iter().map(|i| i["id"].as_i64().unwrap()));
        match r["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/institutions?limit=5&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen, everything,
        "pages add up to the whole list, in order, once"
    );
    let users = app.get("/api/v1/users?limit=2").await;
    users.assert_status(200);
    assert_eq!(users.items().len(), 2);
    assert!(users["next_cursor"].is_string());
    assert!(users.items()[0]["institution_name"].is_string());
    let r = app.get("/api/v1/users?cursor=not-a-cursor").await;
    r.assert_problem(422);
    let admin = app.client_as("demo-admin").await;
    let r = admin.get("/api/v1/consortia?limit=1").await;
    assert_eq!(r.items().len(), 1);
    let next = r["next_cursor"]
        .as_str()
        .expect("a second consortium")
        .to_string();
    let r2 = admin
        .get(&format!("/api/v1/consortia?limit=1&cursor={next}"))
        .await;
    assert_eq!(r2.items().len(), 1);
    assert_ne!(r.items()[0]["id"], r2.items()[0]["id"]);
});

async fn list_cost(app: &TestApp, c: &Client) -> u64 {
    let before = app.queries();
    c.get("/api/v1/formulary/proposals?limit=50")
        .await
        .assert_status(200);
    app.queries() - before
}

both!(
    the_proposal_list_costs_the_same_whatever_its_length,
    |app| async move {
        let c1 = app.client_as("demo-committee-1").await;
        let today = app.today().to_string();
        propose(&c1, "查询甲", 11, &today).await.assert_status(201);
        let few = list_cost(&app, &c1).await;
        for n in 0..12 {
            propose(&c1, &format!("查询乙{n}"), 20 + n, &today)
                .await
                .assert_status(201);
        }
        let many = list_cost(&app, &c1).await;
        assert_eq!(few, many, "queries for 1 and 13 proposals");
        assert!(few <= 6, "{few} queries");
    }
);
