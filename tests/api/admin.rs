//! Administration: institutions and users within a consortium, consortia by the system
//! administrator, optimistic locking, and the limits of a consortium administrator.
use tongyao_tests::*;

both!(consortium_admin_manages_institutions, |app| async move {
    let admin = app.client_as("demo-consortium-admin").await;
    let township = app.institution(app.consortium, "HHMD").await;
    let r = admin
        .post(
            "/api/v1/institutions",
            json!({"name": "呼和木独镇新村卫生室", "code": "HHMD-3", "level": "village",
            "parent_id": township.id, "contact_emails": ["hhmd-3@example.org"]}),
        )
        .await;
    r.assert_status(201);
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["consortium_id"], app.consortium);
    assert_eq!(r["parent_id"], township.id);
    assert_eq!(r["level"], "village");
    assert_eq!(r["code"], "HHMD-3");
    assert_eq!(r["contact_emails"], json!(["hhmd-3@example.org"]));
    assert_eq!(r["active"], true);
    assert_eq!(r["version"], 1);

    // the list shows it, and only this consortium's institutions
    let r = admin.get("/api/v1/institutions").await;
    r.assert_status(200);
    assert!(r.items().iter().any(|i| i["id"] == id));
    assert!(
        r.items()
            .iter()
            .all(|i| i["consortium_id"] == app.consortium)
    );
    assert!(!r.items().iter().any(|i| i["code"] == "MYZH"));
    // the auditor may read it too
    let auditor = app.client_as("demo-auditor").await;
    assert!(
        auditor
            .get("/api/v1/institutions")
            .await
            .items()
            .iter()
            .any(|i| i["id"] == id)
    );

    // a parent must be of a higher level: a township under a village is refused
    let before = app.counts().await;
    let r = admin
        .post(
            "/api/v1/institutions",
            json!({"name": "错误", "code": "BAD-1", "level": "township", "parent_id": id}),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r["errors"][0]["field"], "parent_id");
    // a duplicate code is a conflict that says so and names the field (not "changed by
    // someone else")
    let r = admin
        .post(
            "/api/v1/institutions",
            json!({"name": "重复", "code": "HHMD-3", "level": "village", "parent_id": township.id}),
        )
        .await;
    r.assert_problem(409);
    assert_eq!(r.error_fields(), vec!["code"]);
    assert!(r["detail"].as_str().unwrap().contains("HHMD-3 is already used"), "{}", r.text());
    assert_eq!(app.counts().await, before);

    // update with the version read
    let r = admin
        .patch(
            &format!("/api/v1/institutions/{id}"),
            json!({"version": 1, "name": "呼和木独镇新村卫生室（更名）"}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r["version"], 2);
    assert_eq!(r["name"], "呼和木独镇新村卫生室（更名）");
    assert_eq!(r["parent_id"], township.id, "parent kept");
    // a stale version is a conflict and changes nothing
    let r = admin
        .patch(
            &format!("/api/v1/institutions/{id}"),
            json!({"version": 1, "name": "lost update"}),
        )
        .await;
    r.assert_problem(409);
    let stored = entity::institution::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "呼和木独镇新村卫生室（更名）");
    assert_eq!(stored.version, 2);
    // deactivate
    let r = admin
        .patch(
            &format!("/api/v1/institutions/{id}"),
            json!({"version": 2, "active": false}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r["active"], false);
    assert_eq!(r["version"], 3);
    // the auditor cannot change anything
    auditor
        .patch(
            &format!("/api/v1/institutions/{id}"),
            json!({"version": 3, "active": true}),
        )
        .await
        .assert_problem(403);
});

use sea_orm::EntityTrait;

both!(consortium_admin_manages_users, |app| async move {
    let admin = app.client_as("demo-consortium-admin").await;
    let inst = app.institution(app.consortium, "TRGL").await;
    let r = admin
        .post("/api/v1/users", json!({"username": "trgl.pharmacist", "display_name": "药师 高娃",
            "institution_id": inst.id, "roles": ["pharmacist", "prescriber"], "password": "a-long-initial-password"}))
        .await;
    r.assert_status(201);
    let uid = r["id"].as_i64().unwrap();
    assert_eq!(r["consortium_id"], app.consortium);
    assert_eq!(r["institution_id"], inst.id);
    assert_eq!(r["institution_name"], "塔然高勒卫生院");
    assert_eq!(r["roles"], json!(["pharmacist", "prescriber"]));
    assert_eq!(r["version"], 1);
    assert!(r.body.get("password").is_none() && r.body.get("password_hash").is_none());
    // the new user can sign in and sees where they work
    let c = app.client();
    c.login_with("trgl.pharmacist", "a-long-initial-password")
        .await
        .assert_status(200);
    let me = c.get("/api/v1/me").await;
    assert_eq!(me["institution"]["level"], "township");
    assert_eq!(me["consortium"]["id"], app.consortium);
    // listed
    let r = admin.get("/api/v1/users").await;
    assert!(r.items().iter().any(|u| u["id"] == uid));
    assert!(
        r.items()
            .iter()
            .all(|u| u["consortium_id"] == app.consortium)
    );
    assert!(
        !r.items()
            .iter()
            .any(|u| u["username"] == "demo2-committee-1")
    );

    let before = app.counts().await;
    // a taken username
    admin
        .post("/api/v1/users", json!({"username": "trgl.pharmacist", "display_name": "x",
            "institution_id": inst.id, "roles": ["pharmacist"], "password": "a-long-initial-password"}))
        .await
        .assert_problem(409);
    // a weak password
    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "weak.one", "display_name": "x",
            "institution_id": inst.id, "roles": ["pharmacist"], "password": "short"}),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r["errors"][0]["field"], "password");
    // no role
    admin
        .post(
            "/api/v1/users",
            json!({"username": "no.role", "display_name": "x",
            "institution_id": inst.id, "roles": [], "password": "a-long-initial-password"}),
        )
        .await
        .assert_problem(422);
    // a consortium administrator cannot make a system administrator
    let r = admin
        .post("/api/v1/users", json!({"username": "sneaky.admin", "display_name": "x",
            "institution_id": inst.id, "roles": ["system_admin"], "password": "a-long-initial-password"}))
        .await;
    r.assert_problem(403);
    let r = admin
        .patch(
            &format!("/api/v1/users/{uid}"),
            json!({"version": 1, "roles": ["pharmacist", "system_admin"]}),
        )
        .await;
    r.assert_problem(403);
    // nor touch one
    let sys_id = app.user_id("demo-admin").await;
    admin
        .patch(
            &format!("/api/v1/users/{sys_id}"),
            json!({"version": 1, "display_name": "pwned"}),
        )
        .await
        .assert_status_in(&[403, 404]);
    // nor put a user into the other consortium's institution
    let foreign = app.institution(app.consortium2, "MYZH").await;
    let r = admin
        .post("/api/v1/users", json!({"username": "elsewhere", "display_name": "x",
            "institution_id": foreign.id, "roles": ["pharmacist"], "password": "a-long-initial-password"}))
        .await;
    r.assert_problem(422);
    assert_eq!(r["errors"][0]["field"], "institution_id");
    assert_eq!(app.counts().await, before, "refusals changed something");

    // changing roles signs the user out; stale versions conflict
    let r = admin
        .patch(
            &format!("/api/v1/users/{uid}"),
            json!({"version": 1, "roles": ["auditor"]}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r["roles"], json!(["auditor"]));
    assert_eq!(r["version"], 2);
    c.get("/api/v1/me").await.assert_problem(401);
    admin
        .patch(
            &format!("/api/v1/users/{uid}"),
            json!({"version": 1, "active": false}),
        )
        .await
        .assert_problem(409);
    // deactivated users cannot sign in
    admin
        .patch(
            &format!("/api/v1/users/{uid}"),
            json!({"version": 2, "active": false}),
        )
        .await
        .assert_status(200);
    app.client()
        .login_with("trgl.pharmacist", "a-long-initial-password")
        .await
        .assert_problem(401);
    // an administrator's password reset
    admin
        .patch(
            &format!("/api/v1/users/{uid}"),
            json!({"version": 3, "active": true, "password": "a-reset-password-1"}),
        )
        .await
        .assert_status(200);
    app.client()
        .login_with("trgl.pharmacist", "a-long-initial-password")
        .await
        .assert_problem(401);
    app.client()
        .login_with("trgl.pharmacist", "a-reset-password-1")
        .await
        .assert_status(200);
});

both!(
    consortium_admin_cannot_reach_the_other_consortium,
    |app| async move {
        let admin = app.client_as("demo-consortium-admin").await;
        let foreign = app.institution(app.consortium2, "YHWS").await;
        let foreign_user = app.user_id("demo2-committee-1").await;
        let before = app.counts().await;
        let r = admin
            .patch(
                &format!("/api/v1/institutions/{}", foreign.id),
                json!({"version": foreign.version, "name": "taken over"}),
            )
            .await;
        r.assert_problem(404);
        admin
            .patch(
                &format!("/api/v1/users/{foreign_user}"),
                json!({"version": 1, "display_name": "taken over"}),
            )
            .await
            .assert_problem(404);
        admin
            .get(&format!(
                "/api/v1/institutions?consortium_id={}",
                app.consortium2
            ))
            .await
            .assert_problem(404);
        admin
            .get(&format!("/api/v1/users?consortium_id={}", app.consortium2))
            .await
            .assert_problem(404);
        admin
        .post("/api/v1/institutions", json!({"consortium_id": app.consortium2, "name": "x", "code": "X-1", "level": "village", "parent_id": foreign.id}))
        .await
        .assert_problem(404);
        // a parent from the other consortium is unknown here
        let r = admin
            .post(
                "/api/v1/institutions",
                json!({"name": "x", "code": "X-2", "level": "village", "parent_id": foreign.id}),
            )
            .await;
        r.assert_problem(422);
        assert_eq!(r["errors"][0]["field"], "parent_id");
        // consortia are the system administrator's
        admin.get("/api/v1/consortia").await.assert_problem(403);
        admin
            .post(
                "/api/v1/consortia",
                json!({"name": "x", "code": "X", "region": ""}),
            )
            .await
            .assert_problem(403);
        assert_eq!(app.counts().await, before);
        let stored = entity::institution::Entity::find_by_id(foreign.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored, foreign);
    }
);

both!(
    system_admin_creates_a_consortium_and_its_institutions,
    |app| async move {
        let sys = app.client_as("demo-admin").await;
        let r = sys
        .post("/api/v1/consortia", json!({"name": "鄂托克旗人民医院医共体", "code": "ETK-RMYY", "region": "内蒙古自治区鄂尔多斯市鄂托克旗"}))
        .await;
        r.assert_status(201);
        let cid = r["id"].as_i64().unwrap();
        assert_eq!(r["code"], "ETK-RMYY");
        assert!(r["created_at"].is_string());
        let r = sys.get("/api/v1/consortia").await;
        r.assert_status(200);
        let codes: Vec<&str> = r
            .items()
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec!["HJQ-RMYY", "HJQ-MYZH", "ETK-RMYY"]);
        // duplicate code
        sys.post(
            "/api/v1/consortia",
            json!({"name": "again", "code": "ETK-RMYY"}),
        )
        .await
        .assert_problem(409);
        // bad code characters
        let r = sys
            .post("/api/v1/consortia", json!({"name": "bad", "code": "空 格"}))
            .await;
        r.assert_problem(422);
        assert_eq!(r["errors"][0]["field"], "code");

        // an institution in it, named by consortium_id
        let r = sys
        .post("/api/v1/institutions", json!({"consortium_id": cid, "name": "鄂托克旗人民医院", "code": "ETK", "level": "lead"}))
        .await;
        r.assert_status(201);
        assert_eq!(r["consortium_id"], cid);
        let lead = r["id"].as_i64().unwrap();
        let r = sys
        .post("/api/v1/institutions", json!({"consortium_id": cid, "name": "乌兰镇卫生院", "code": "WL", "level": "township", "parent_id": lead}))
        .await;
        r.assert_status(201);
        assert_eq!(r["parent_id"], lead);
        // without a consortium the system administrator must say which
        let r = sys
            .post(
                "/api/v1/institutions",
                json!({"name": "nowhere", "code": "NW", "level": "lead"}),
            )
            .await;
        r.assert_problem(422);
        assert_eq!(r["errors"][0]["field"], "consortium_id");
        // an unknown consortium
        sys.post(
            "/api/v1/institutions",
            json!({"consortium_id": 987654, "name": "n", "code": "N", "level": "lead"}),
        )
        .await
        .assert_problem(404);
        let r = sys
            .get(&format!("/api/v1/institutions?consortium_id={cid}"))
            .await;
        r.assert_status(200);
        assert_eq!(r.items().len(), 2);
        // a user there, and the new consortium's row in the audit trail
        sys.post(
            "/api/v1/users",
            json!({"username": "etk.admin", "display_name": "管理员", "institution_id": lead,
            "roles": ["consortium_admin"], "password": "a-long-initial-password"}),
        )
        .await
        .assert_status(201);
        let c = app.client();
        c.login_with("etk.admin", "a-long-initial-password")
            .await
            .assert_status(200);
        let r = c.get("/api/v1/institutions").await;
        assert_eq!(
            r.items().len(),
            2,
            "the new consortium's admin sees its two institutions"
        );
        let r = sys
            .get(&format!(
                "/api/v1/audit?consortium_id={cid}&action=consortium.created"
            ))
            .await;
        assert_eq!(r.items().len(), 1, "{}", r.body);
    }
);
