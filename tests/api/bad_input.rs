//! Bad input gets a clear 4xx problem and changes nothing.
use tongyao_tests::*;

/// Send a bad request and check: the status, the problem shape, and that no row changed.
async fn refused(app: &TestApp, call: Call<'_>, status: u16) -> Resp {
    let before = app.counts().await;
    let r = call.await;
    r.assert_problem(status);
    assert_eq!(
        app.counts().await,
        before,
        "a refused request (status {status}) changed something"
    );
    r
}

fn institution(parent: i64) -> serde_json::Value {
    json!({"name": "测试村卫生室", "code": "BAD-IN", "level": "village", "parent_id": parent, "contact_emails": []})
}

both!(malformed_unknown_and_wrong_type_bodies, |app| async move {
    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;
    let json_ct = Some("application/json");

    // malformed JSON
    let r = refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/institutions")
            .raw(r#"{"name": "x", "code": "#, json_ct),
        400,
    )
    .await;
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("json"),
        "{}",
        r.body
    );
    refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/institutions")
            .raw("", json_ct),
        400,
    )
    .await;
    refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/institutions")
            .raw("{'single': 'quotes'}", json_ct),
        400,
    )
    .await;
    // absurdly deep nesting
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let r = app
        .request(axum::http::Method::POST, "/api/v1/institutions")
        .raw(deep, json_ct)
        .await;
    r.assert_status_in(&[400, 422]);
    assert_problem_shape(&r);

    // an unknown field is named
    let mut body = institution(parent);
    body["colour"] = json!("red");
    let r = refused(&app, app.post("/api/v1/institutions", body), 422).await;
    assert_eq!(r["errors"][0]["field"], "colour", "{}", r.body);
    assert!(
        r["detail"].as_str().unwrap().contains("colour"),
        "{}",
        r.body
    );
    // a missing field is named
    let r = refused(
        &app,
        app.post(
            "/api/v1/institutions",
            json!({"name": "x", "level": "village"}),
        ),
        422,
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "code", "{}", r.body);
    // the wrong JSON shape
    refused(
        &app,
        app.post("/api/v1/institutions", json!([institution(parent)])),
        422,
    )
    .await;
    refused(
        &app,
        app.post("/api/v1/institutions", json!("a string")),
        422,
    )
    .await;

    // the wrong content type, or none
    let text = serde_json::to_string(&institution(parent)).unwrap();
    refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/institutions")
            .raw(text.clone(), Some("text/plain")),
        415,
    )
    .await;
    refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/institutions")
            .raw(text.clone(), Some("application/x-www-form-urlencoded")),
        415,
    )
    .await;
    refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/institutions")
            .raw(text.clone(), None),
        415,
    )
    .await;
    // sign-in too
    refused(
        &app,
        app.client()
            .request(axum::http::Method::POST, "/api/v1/session")
            .raw(
                r#"{"username":"demo-admin","password":"tongyao-demo"}"#,
                Some("text/plain"),
            ),
        415,
    )
    .await;

    // and the good request still works
    app.post("/api/v1/institutions", institution(parent))
        .await
        .assert_status(201);
});

both!(oversized_bodies_are_413, |app| async move {
    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;
    let limit = app.settings().server.body_limit_bytes;
    let mut body = institution(parent);
    body["name"] = json!("长".repeat(limit / 3 + 100)); // 3 bytes each in UTF-8
    let r = refused(&app, app.post("/api/v1/institutions", body), 413).await;
    assert!(
        r["detail"].as_str().unwrap().contains("too large"),
        "{}",
        r.body
    );
    // not JSON at all, just big
    refused(
        &app,
        app.request(axum::http::Method::POST, "/api/v1/users")
            .raw(vec![b'x'; limit + 1], Some("application/json")),
        413,
    )
    .await;
    // sign-in
    let big = json!({"username": "a".repeat(limit), "password": "x"});
    refused(&app, app.client().post("/api/v1/session", big), 413).await;
});

both!(unknown_routes_and_wrong_methods, |app| async move {
    app.login("demo-consortium-admin").await;
    for path in [
        "/api/v1/nope",
        "/api/nope",
        "/api/v1/institutions/1/nope",
        "/api/v2/institutions",
        "/api/v1/",
    ] {
        let r = app.get(path).await;
        r.assert_problem(404);
        app.post(path, json!({})).await.assert_problem(404);
    }
    // wrong methods
    let r = refused(&app, app.delete("/api/v1/institutions"), 405).await;
    let allow = r.header("allow").expect("Allow header").to_uppercase();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    refused(&app, app.put("/api/v1/me", json!({})), 405).await;
    refused(&app, app.get("/api/v1/institutions/1"), 405).await;
    refused(&app, app.post("/api/v1/audit", json!({})), 405).await;
    refused(
        &app,
        app.request(axum::http::Method::PUT, "/api/v1/session")
            .json(json!({})),
        405,
    )
    .await;
});

both!(absurd_values_are_refused, |app| async move {
    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;
    let inst = app.institution(app.consortium, "DGTL-1").await;
    let long = "u".repeat(10_000);

    // a username of 10,000 characters, on sign-in and on user creation
    let r = refused(
        &app,
        app.client().post(
            "/api/v1/session",
            json!({"username": long, "password": "x"}),
        ),
        422,
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "username");
    let r = refused(
        &app,
        app.post(
            "/api/v1/users",
            json!({"username": long, "display_name": "x",
        "institution_id": inst.id, "roles": ["pharmacist"], "password": "a-long-initial-password"}),
        ),
        422,
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "username");
    // usernames with odd characters
    let r = refused(
        &app,
        app.post(
            "/api/v1/users",
            json!({"username": "drop table; --", "display_name": "x",
        "institution_id": inst.id, "roles": ["pharmacist"], "password": "a-long-initial-password"}),
        ),
        422,
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "username");
    // an unknown role
    refused(
        &app,
        app.post(
            "/api/v1/users",
            json!({"username": "emperor", "display_name": "x",
        "institution_id": inst.id, "roles": ["emperor"], "password": "a-long-initial-password"}),
        ),
        422,
    )
    .await;
    // ids in bodies that do not exist or cannot
    for bad in [json!(-1), json!(0), json!(9_223_372_036_854_775_807i64)] {
        let r = refused(
            &app,
            app.post(
                "/api/v1/users",
                json!({"username": "ghost", "display_name": "x",
            "institution_id": bad, "roles": ["pharmacist"], "password": "a-long-initial-password"}),
            ),
            422,
        )
        .await;
        assert_eq!(r["errors"][0]["field"], "institution_id");
    }
    refused(
        &app,
        app.post(
            "/api/v1/users",
            json!({"username": "ghost", "display_name": "x",
        "institution_id": 1e30, "roles": ["pharmacist"], "password": "a-long-initial-password"}),
        ),
        422,
    )
    .await;

    // levels that do not exist
    let mut body = institution(parent);
    body["level"] = json!("galaxy");
    refused(&app, app.post("/api/v1/institutions", body), 422).await;
    refused(
        &app,
        app.patch(
            &format!("/api/v1/institutions/{}", inst.id),
            json!({"version": inst.version, "level": "galaxy"}),
        ),
        422,
    )
    .await;
    // empty and too long names, bad codes and emails
    let before = app.counts().await;
    for (field, value) in [
        ("name", json!("")),
        ("name", json!("名".repeat(101))),
        ("code", json!("")),
        ("code", json!("has space")),
        ("code", json!("X".repeat(33))),
        ("contact_emails", json!(["not-an-email"])),
        (
            "contact_emails",
            json!(
                (0..11)
                    .map(|i| format!("a{i}@example.org"))
                    .collect::<Vec<_>>()
            ),
        ),
        ("parent_id", json!(-5)),
        ("parent_id", json!(987_654_321)),
        ("consortium_id", json!("one")),
    ] {
        let mut body = institution(parent);
        body[field] = value.clone();
        let r = app.post("/api/v1/institutions", body.clone()).await;
        assert!(
            (400..500).contains(&r.code()),
            "{field} = {value}: expected a 4xx, got {} {}",
            r.code(),
            r.text()
        );
        assert_problem_shape(&r);
    }
    assert_eq!(
        app.counts().await,
        before,
        "refused institutions changed something"
    );

    // ids in the path: negative, zero, huge, not a number
    let path_ids = [
        "-1",
        "0",
        "99999999999999999999999",
        "9223372036854775807",
        "abc",
        "1.5",
        "%00",
    ];
    for id in path_ids {
        let r = refused(
            &app,
            app.patch(
                &format!("/api/v1/institutions/{id}"),
                json!({"version": 1, "name": "x"}),
            ),
            404,
        )
        .await;
        assert_eq!(r["status"], 404);
        refused(
            &app,
            app.patch(
                &format!("/api/v1/users/{id}"),
                json!({"version": 1, "display_name": "x"}),
            ),
            404,
        )
        .await;
    }
    // absurd versions
    refused(
        &app,
        app.patch(
            &format!("/api/v1/institutions/{}", inst.id),
            json!({"version": 99_999_999_999i64, "name": "x"}),
        ),
        422,
    )
    .await;
    refused(
        &app,
        app.patch(
            &format!("/api/v1/institutions/{}", inst.id),
            json!({"version": -1, "name": "x"}),
        ),
        409,
    )
    .await;
    refused(
        &app,
        app.patch(
            &format!("/api/v1/institutions/{}", inst.id),
            json!({"version": "1", "name": "x"}),
        ),
        422,
    )
    .await;

    // query strings
    let auditor = app.client_as("demo-auditor").await;
    for q in [
        "limit=abc",
        "limit=-1",
        "from=yesterday",
        "actor_id=1e99",
        "bogus=1",
    ] {
        let r = auditor.get(&format!("/api/v1/audit?{q}")).await;
        r.assert_problem(400);
    }
    // an absurd limit is refused with the field named, not silently changed
    for q in ["limit=1000000", "limit=0"] {
        let r = auditor.get(&format!("/api/v1/audit?{q}")).await;
        r.assert_problem(422);
        assert_eq!(r["errors"][0]["field"], "limit", "{}", r.text());
    }
    for q in [
        "consortium_id=abc",
        "bogus=1",
        "consortium_id=99999999999999999999999",
    ] {
        auditor
            .get(&format!("/api/v1/institutions?{q}"))
            .await
            .assert_problem(400);
    }
});

both!(odd_text_is_stored_exactly, |app| async move {
    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;
    let mut body = institution(parent);
    body["code"] = json!("ODD-1");
    body["name"] = json!("👩‍⚕️ 村卫生室 '); DROP TABLE institutions; -- \u{202e}");
    let r = app.post("/api/v1/institutions", body.clone()).await;
    r.assert_status(201);
    assert_eq!(r["name"], body["name"]);
    let list = app.get("/api/v1/institutions").await;
    assert!(list.items().iter().any(|i| i["name"] == body["name"]));
});

both!(nul_in_text_is_refused_not_500, |app| async move {
    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;
    let inst = app.institution(app.consortium, "DGTL-1").await;
    // PostgreSQL cannot store NUL in TEXT; the service must refuse it as bad input on both
    // databases (one behaviour everywhere), never answer 500.
    // unauthenticated: anyone could cause these
    let r = app
        .client()
        .post(
            "/api/v1/session",
            json!({"username": "demo\u{0}admin", "password": "x"}),
        )
        .await;
    r.assert_status_in(&[401, 422]);
    assert_problem_shape(&r);
    let mut body = institution(parent);
    body["name"] = json!("村\u{0}卫生室");
    let r = refused(&app, app.post("/api/v1/institutions", body), 422).await;
    assert_eq!(r["errors"][0]["field"], "name", "{}", r.body);
    refused(
        &app,
        app.patch(
            &format!("/api/v1/institutions/{}", inst.id),
            json!({"version": inst.version, "name": "a\u{0}b"}),
        ),
        422,
    )
    .await;
});

// What the contract test (scripts/contract.sh) found: a refusal names the field by its path, a
// number with no fraction is an integer, and a struct is an object.
both!(refusals_name_the_field_by_its_path, |app| async move {
    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;

    // a nested validation error is reported with its path, not dropped
    let r = refused(
        &app,
        app.put(
            "/api/v1/formulary/settings",
            json!({"essential_targets": {"primary": -1, "secondary": 80, "tertiary": 101}}),
        ),
        422,
    )
    .await;
    let fields = r.error_fields();
    assert_eq!(
        fields,
        ["essential_targets.primary", "essential_targets.tertiary"],
        "{}",
        r.body
    );
    assert!(!r["detail"].as_str().unwrap().is_empty());

    // a type error names the field, and JSON Schema's integer 2.0 is an integer
    let mut body = institution(parent);
    body["parent_id"] = json!(2.5);
    let r = refused(&app, app.post("/api/v1/institutions", body), 422).await;
    assert_eq!(r["errors"][0]["field"], "parent_id", "{}", r.body);
    let mut body = institution(parent);
    body["parent_id"] = json!(parent as f64);
    app.post("/api/v1/institutions", body)
        .await
        .assert_status(201);

    // a struct is an object, not an array of its fields
    refused(
        &app,
        app.put(
            "/api/v1/formulary/settings",
            json!({"essential_targets": [90, 80, 60]}),
        ),
        422,
    )
    .await;

    // a query parameter of the wrong type is named, in the reader's language
    let r = app
        .request(axum::http::Method::GET, "/api/v1/formulary?limit=abc")
        .header("accept-language", "zh-CN")
        .await;
    r.assert_problem(400);
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains("limit") && detail.contains("查询参数"),
        "{detail}"
    );
});
