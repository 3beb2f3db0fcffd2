//! The audit trail: append-only in the database, scoped per consortium, filterable, and written
//! by administrative actions with before/after and the request id.
use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
};
use tongyao_tests::*;

async fn newest_row(app: &TestApp, action: &str) -> audit_log::Model {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .order_by_desc(audit_log::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {action} row"))
}

both!(audit_rows_cannot_be_changed_or_deleted, |app| async move {
    app.login("demo-committee-1").await;
    let row = newest_row(&app, "auth.sign_in").await;
    let backend = app.db.get_database_backend();
    let total = app.count("audit_log").await;
    let param = |sql: &str| Statement::from_sql_and_values(backend, sql, [row.id.into()]);
    let (upd, del) = match backend {
        DbBackend::Postgres => (
            "UPDATE audit_log SET action = 'tampered', actor_username = 'nobody' WHERE id = $1",
            "DELETE FROM audit_log WHERE id = $1",
        ),
        _ => (
            "UPDATE audit_log SET action = 'tampered', actor_username = 'nobody' WHERE id = ?",
            "DELETE FROM audit_log WHERE id = ?",
        ),
    };
    let e = app
        .db
        .execute_raw(param(upd))
        .await
        .expect_err("UPDATE of an audit row must be refused");
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = app
        .db
        .execute_raw(param(del))
        .await
        .expect_err("DELETE of an audit row must be refused");
    assert!(e.to_string().contains("append-only"), "{e}");
    app.db
        .execute_unprepared("DELETE FROM audit_log")
        .await
        .expect_err("DELETE of the whole trail must be refused");
    app.db
        .execute_unprepared("UPDATE audit_log SET reason = 'x'")
        .await
        .expect_err("UPDATE of the whole trail must be refused");
    if backend == DbBackend::Postgres {
        app.db
            .execute_unprepared("TRUNCATE audit_log")
            .await
            .expect_err("TRUNCATE must be refused");
    }
    let after = audit_log::Entity::find_by_id(row.id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("row still there");
    assert_eq!(after, row, "the row changed");
    assert_eq!(app.count("audit_log").await, total);
    // inserting still works (the trail is append-only, not read-only)
    app.login("demo-committee-2").await;
    assert_eq!(app.count("audit_log").await, total + 1);
});

// Events in both consortia, then the first consortium's auditor reads.
both!(
    auditor_reads_and_filters_own_consortium_only,
    |app| async move {
        // first consortium: admin work and sign-ins
        let admin = app.client_as("demo-consortium-admin").await;
        let parent = app.institution(app.consortium, "BLG").await.id;
        admin
        .post("/api/v1/institutions", json!({"name": "巴拉贡镇测试村卫生室", "code": "BLG-T", "level": "village", "parent_id": parent}))
        .await
        .assert_status(201);
        app.client_as("demo-pharmacist").await;
        // second consortium: a sign-in, a failed sign-in, and the system administrator's work there
        app.client_as("demo2-committee-1").await;
        app.client()
            .login_with("demo2-committee-1", "wrong")
            .await
            .assert_status(401);
        let sys = app.client_as("demo-admin").await;
        let parent2 = app.institution(app.consortium2, "MYZH").await.id;
        sys.post(
            "/api/v1/institutions",
            json!({"consortium_id": app.consortium2, "name": "第二医共体测试卫生院",
            "code": "C2-T", "level": "township", "parent_id": parent2}),
        )
        .await
        .assert_status(201);
        let c2_rows = audit_log::Entity::find()
            .filter(audit_log::Column::ConsortiumId.eq(app.consortium2))
            .all(&app.db)
            .await
            .unwrap();
        assert!(
            c2_rows.len() >= 3,
            "the second consortium has rows to hide: {c2_rows:?}"
        );

        let auditor = app.client_as("demo-auditor").await;
        let r = auditor.get("/api/v1/audit?limit=200").await;
        r.assert_status(200);
        let items = r.items();
        assert!(!items.is_empty());
        for it in items {
            assert_eq!(
                it["consortium_id"], app.consortium,
                "auditor sees another consortium's row: {it}"
            );
        }
        let actions: Vec<&str> = items
            .iter()
            .map(|i| i["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"institution.created"), "{actions:?}");
        assert!(actions.contains(&"auth.sign_in"), "{actions:?}");
        assert!(
            !items
                .iter()
                .any(|i| i["actor_username"] == "demo2-committee-1")
        );
        // newest first
        let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

        // filter by action prefix
        let r = auditor.get("/api/v1/audit?action=auth.").await;
        r.assert_status(200);
        assert!(!r.items().is_empty());
        assert!(
            r.items()
                .iter()
                .all(|i| i["action"].as_str().unwrap().starts_with("auth.")),
            "{}",
            r.body
        );
        assert!(
            r.items()
                .iter()
                .all(|i| i["consortium_id"] == app.consortium)
        );
        // by object type
        let r = auditor.get("/api/v1/audit?object_type=institution").await;
        r.assert_status(200);
        assert_eq!(r.items().len(), 1, "{}", r.body);
        assert_eq!(r.items()[0]["action"], "institution.created");
        assert_eq!(r.items()[0]["after"]["code"], "BLG-T");
        // by actor
        let pharmacist = app.user_id("demo-pharmacist").await;
        let r = auditor
            .get(&format!("/api/v1/audit?actor_id={pharmacist}"))
            .await;
        assert!(!r.items().is_empty());
        assert!(r.items().iter().all(|i| i["actor_id"] == pharmacist));
        // an action nobody did
        let r = auditor.get("/api/v1/audit?action=no.such.action").await;
        assert!(r.items().is_empty());
        // the other consortium, asked for by name: as if it did not exist
        auditor
            .get(&format!("/api/v1/audit?consortium_id={}", app.consortium2))
            .await
            .assert_problem(404);

        // paging: no overlap, no gaps
        let all: Vec<i64> = auditor
            .get("/api/v1/audit?limit=200")
            .await
            .items()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        let mut paged = Vec::new();
        let mut url = "/api/v1/audit?limit=2".to_string();
        loop {
            let r = auditor.get(&url).await;
            r.assert_status(200);
            assert!(r.items().len() <= 2);
            paged.extend(r.items().iter().map(|i| i["id"].as_i64().unwrap()));
            match r["next_cursor"].as_str() {
                Some(c) => url = format!("/api/v1/audit?limit=2&cursor={c}"),
                None => break,
            }
            assert!(paged.len() <= all.len() + 2, "paging does not end");
        }
        // the listing itself writes nothing, so both views agree
        assert_eq!(paged, all);
        auditor
            .get("/api/v1/audit?cursor=not-a-cursor")
            .await
            .assert_problem(422);

        // the system administrator reads the second consortium
        let r = sys
            .get(&format!(
                "/api/v1/audit?consortium_id={}&limit=200",
                app.consortium2
            ))
            .await;
        r.assert_status(200);
        assert_eq!(r.items().len(), c2_rows.len());
        assert!(
            r.items()
                .iter()
                .all(|i| i["consortium_id"] == app.consortium2)
        );
        // others may not read the trail at all
        admin.get("/api/v1/audit").await.assert_problem(403);
    }
);

both!(
    admin_actions_record_before_after_and_request_id,
    |app| async move {
        let admin = app.client_as("demo-consortium-admin").await;
        let parent = app.institution(app.consortium, "JRGLT").await.id;
        let r = admin
            .post(
                "/api/v1/institutions",
                json!({"name": "吉日嘎朗图镇审计村卫生室", "code": "JRGLT-A", "level": "village",
            "parent_id": parent, "contact_emails": ["a@example.org"]}),
            )
            .header("x-request-id", "audit-req-1")
            .await;
        r.assert_status(201);
        let inst_id = r["id"].as_i64().unwrap();
        let row = newest_row(&app, "institution.created").await;
        assert_eq!(row.request_id.as_deref(), Some("audit-req-1"));
        assert_eq!(row.object_type, "institution");
        assert_eq!(row.object_id, Some(inst_id.to_string()));
        assert_eq!(row.actor_username.as_deref(), Some("demo-consortium-admin"));
        assert_eq!(
            row.actor_id,
            Some(app.user_id("demo-consortium-admin").await)
        );
        assert_eq!(row.consortium_id, Some(app.consortium));
        assert!(row.before_json.is_none());
        let after: serde_json::Value =
            serde_json::from_str(row.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(after["code"], "JRGLT-A");
        assert_eq!(after["parent_id"], parent);
        assert_eq!(after["version"], 1);

        // an update: before and after, and the generated request id (none sent) is the answer's
        let uid = app.user_id("demo-prescriber").await;
        let r = admin
            .patch(
                &format!("/api/v1/users/{uid}"),
                json!({"version": 1, "display_name": "医师 郑洁（改）"}),
            )
            .await;
        r.assert_status(200);
        let rid = r.header("x-request-id").unwrap().to_string();
        let row = newest_row(&app, "user.updated").await;
        assert_eq!(row.request_id.as_deref(), Some(rid.as_str()));
        assert_eq!(row.object_id, Some(uid.to_string()));
        let before: serde_json::Value =
            serde_json::from_str(row.before_json.as_deref().unwrap()).unwrap();
        let after: serde_json::Value =
            serde_json::from_str(row.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(before["display_name"], "医师 郑洁");
        assert_eq!(after["display_name"], "医师 郑洁（改）");
        assert_eq!(before["version"], 1);
        assert_eq!(after["version"], 2);

        // the auditor sees the same through the API
        let auditor = app.client_as("demo-auditor").await;
        let r = auditor
            .get(&format!(
                "/api/v1/audit?object_type=user&object_id={uid}&action=user.updated"
            ))
            .await;
        assert_eq!(r.items().len(), 1, "{}", r.body);
        let e = &r.items()[0];
        assert_eq!(e["before"]["display_name"], "医师 郑洁");
        assert_eq!(e["after"]["display_name"], "医师 郑洁（改）");
        assert_eq!(e["request_id"], rid.as_str());
        assert_eq!(e["actor_username"], "demo-consortium-admin");

        // a refused change writes nothing
        let total = app.count("audit_log").await;
        admin
            .patch(
                &format!("/api/v1/users/{uid}"),
                json!({"version": 1, "display_name": "stale"}),
            )
            .await
            .assert_problem(409);
        assert_eq!(app.count("audit_log").await, total);
    }
);
