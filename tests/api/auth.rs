//! Sessions, sign-in, lock-out, expiry, sign-out, password change, CSRF, request ids.
use chrono::{Duration, Utc};
use entity::{audit_log, session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use tongyao_tests::*;

/// The newest session of a user.
async fn newest_session(app: &TestApp, username: &str) -> session::Model {
    let uid = app.user_id(username).await;
    session::Entity::find()
        .filter(session::Column::UserId.eq(uid))
        .order_by_desc(session::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("a session row")
}

both!(
    sign_in_sets_a_safe_cookie_and_me_answers,
    |app| async move {
        let r = app.login("demo-pharmacist").await;
        let cookie = r.header("set-cookie").expect("sign-in sets a cookie");
        assert!(cookie.starts_with("tongyao_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        let token = app.session_token().expect("token in the jar");
        assert_eq!(token.len(), 64, "a 256-bit token in hex");
        // only the hash is stored
        let s = newest_session(&app, "demo-pharmacist").await;
        assert_ne!(s.token_hash, token);
        assert_eq!(r["username"], "demo-pharmacist");

        let me = app.get("/api/v1/me").await;
        me.assert_status(200);
        let township = app.institution(app.consortium, "DGTL").await;
        assert_eq!(me["username"], "demo-pharmacist");
        assert_eq!(me["display_name"], "药师 周丽");
        assert_eq!(me["roles"], json!(["pharmacist"]));
        assert_eq!(me["institution"]["id"], township.id);
        assert_eq!(me["institution"]["name"], "独贵塔拉中心卫生院");
        assert_eq!(me["institution"]["level"], "township");
        assert_eq!(me["consortium"]["id"], app.consortium);
        assert_eq!(me["consortium"]["name"], "杭锦旗人民医院医共体");

        // the lead hospital's committee member, and the system administrator with no consortium
        let c = app.client_as("demo-committee-1").await;
        let me = c.get("/api/v1/me").await;
        assert_eq!(me["institution"]["level"], "lead");
        assert_eq!(me["roles"], json!(["committee"]));
        let c = app.client_as("demo-admin").await;
        let me = c.get("/api/v1/me").await;
        assert_eq!(me["roles"], json!(["system_admin"]));
        assert!(
            me["institution"].is_null() && me["consortium"].is_null(),
            "{}",
            me.body
        );
        // the second consortium's user sees their own
        let c = app.client_as("demo2-committee-1").await;
        let me = c.get("/api/v1/me").await;
        assert_eq!(me["consortium"]["id"], app.consortium2);
    }
);

both!(wrong_password_and_unknown_user_are_401, |app| async move {
    let sessions = app.count("sessions").await;
    let r = app.login_with("demo-committee-1", "not-the-password").await;
    r.assert_problem(401);
    assert!(r.header("set-cookie").is_none());
    let r = app.login_with("nobody-here", DEMO_PASSWORD).await;
    r.assert_problem(401);
    assert_eq!(
        app.count("sessions").await,
        sessions,
        "no session for a failed sign-in"
    );
    app.get("/api/v1/me").await.assert_problem(401);
    // both failures are in the audit trail
    let failed = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("auth.sign_in_failed"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(failed.len(), 2, "{failed:?}");
});

both!(lock_out_after_repeated_failures, |app| async move {
    let limit = app.settings().auth.lockout_after_failures;
    assert!(limit >= 2, "config/test.toml keeps a lock-out limit");
    let uid = app.user_id("demo-procurement").await;
    for n in 1..limit {
        let r = app.login_with("demo-procurement", "wrong-guess").await;
        assert_eq!(r.code(), 401, "failure {n} of {limit}: {}", r.text());
    }
    let r = app.login_with("demo-procurement", "wrong-guess").await;
    r.assert_problem(423);
    assert!(
        r["detail"].as_str().unwrap().contains("until"),
        "{}",
        r.body
    );
    // now even the right password is refused, and no session is made
    let sessions = app.count("sessions").await;
    let r = app.login_with("demo-procurement", DEMO_PASSWORD).await;
    r.assert_problem(423);
    assert!(
        r["detail"].as_str().unwrap().contains("until"),
        "{}",
        r.body
    );
    assert_eq!(app.count("sessions").await, sessions);
    app.get("/api/v1/me").await.assert_status(401);
    // another account is not affected
    app.login("demo-distribution").await;

    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectId.eq(uid.to_string()))
        .filter(audit_log::Column::ObjectType.eq("user"))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let count = |a: &str| rows.iter().filter(|r| r.action == a).count();
    assert_eq!(count("auth.sign_in_failed"), limit as usize, "{rows:?}");
    assert_eq!(count("auth.locked"), 1, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r.actor_username.as_deref() == Some("demo-procurement"))
    );
    assert!(
        rows.iter().all(|r| r.consortium_id == Some(app.consortium)),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.request_id.is_some()), "{rows:?}");

    // the user row says until when
    let u = entity::user::Entity::find_by_id(uid)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(u.locked_until.is_some_and(|t| t > Utc::now()));

    // an administrator can unlock; then the right password works again
    let admin = app.client_as("demo-consortium-admin").await;
    let r = admin
        .patch(
            &format!("/api/v1/users/{uid}"),
            json!({"version": u.version, "unlock": true}),
        )
        .await;
    r.assert_status(200);
    assert!(r["locked_until"].is_null());
    app.login("demo-procurement").await;
});

both!(absolute_and_idle_expiry, |app| async move {
    // absolute expiry
    app.login("demo-auditor").await;
    app.get("/api/v1/me").await.assert_status(200);
    let s = newest_session(&app, "demo-auditor").await;
    let mut am = s.into_active_model();
    am.expires_at = Set(Utc::now() - Duration::minutes(1));
    am.update(&app.db).await.unwrap();
    let r = app.get("/api/v1/me").await;
    r.assert_problem(401);
    assert!(r.header("www-authenticate").is_some());

    // idle expiry: last seen longer ago than the idle limit
    let idle = app.settings().auth.session_idle_minutes;
    let c = app.client_as("demo-auditor").await;
    c.get("/api/v1/me").await.assert_status(200);
    let s = newest_session(&app, "demo-auditor").await;
    let mut am = s.clone().into_active_model();
    am.last_seen_at = Set(Utc::now() - Duration::minutes(idle + 1));
    am.update(&app.db).await.unwrap();
    c.get("/api/v1/me").await.assert_problem(401);

    // control: seen a little while ago (within the idle limit) is still fine, and the clock is
    // touched forward
    let c = app.client_as("demo-auditor").await;
    let s = newest_session(&app, "demo-auditor").await;
    let mut am = s.into_active_model();
    am.last_seen_at = Set(Utc::now() - Duration::minutes(idle - 1));
    am.update(&app.db).await.unwrap();
    c.get("/api/v1/me").await.assert_status(200);
    let s = newest_session(&app, "demo-auditor").await;
    assert!(
        Utc::now() - s.last_seen_at < Duration::minutes(1),
        "last_seen_at touched: {s:?}"
    );
});

both!(sign_out_ends_the_session, |app| async move {
    app.login("demo-prescriber").await;
    let token = app.session_token().unwrap();
    let other = app.client_as("demo-prescriber").await;
    let r = app.delete("/api/v1/session").await;
    r.assert_status(204);
    let cleared = r.header("set-cookie").expect("sign-out clears the cookie");
    assert!(
        cleared.starts_with("tongyao_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert!(app.session_token().is_none());
    // the old cookie no longer works
    app.set_session_token(&token);
    app.get("/api/v1/me").await.assert_problem(401);
    app.delete("/api/v1/session").await.assert_problem(401);
    // the user's other session is untouched
    other.get("/api/v1/me").await.assert_status(200);
    let s = newest_session(&app, "demo-prescriber").await;
    assert!(s.revoked_at.is_none());
    let n = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("auth.sign_out"))
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(n, 1);
});

both!(password_change_revokes_other_sessions, |app| async move {
    let a = app.client_as("demo-distribution").await;
    let b = app.client_as("demo-distribution").await;
    // wrong current password and too short a new one are refused
    let r = a
        .post(
            "/api/v1/me/password",
            json!({"current_password": "nope", "new_password": "a-new-long-password"}),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r["errors"][0]["field"], "current_password");
    let r = a
        .post(
            "/api/v1/me/password",
            json!({"current_password": DEMO_PASSWORD, "new_password": "short"}),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(r["errors"][0]["field"], "new_password");
    b.get("/api/v1/me").await.assert_status(200);

    a.post(
        "/api/v1/me/password",
        json!({"current_password": DEMO_PASSWORD, "new_password": "a-new-long-password"}),
    )
    .await
    .assert_status(204);
    a.get("/api/v1/me").await.assert_status(200);
    b.get("/api/v1/me").await.assert_problem(401);
    app.login_with("demo-distribution", DEMO_PASSWORD)
        .await
        .assert_problem(401);
    app.login_with("demo-distribution", "a-new-long-password")
        .await
        .assert_status(200);
    let n = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("auth.password_changed"))
        .all(&app.db)
        .await
        .unwrap()
        .len();
    assert_eq!(n, 1);
});

both!(csrf_header_and_origin_are_checked, |app| async move {
    // sign-in itself needs the header
    let before = app.counts().await;
    let r = app
        .post(
            "/api/v1/session",
            json!({"username": "demo-consortium-admin", "password": DEMO_PASSWORD}),
        )
        .without_csrf()
        .await;
    r.assert_problem(403);
    assert!(r.header("set-cookie").is_none());
    assert_eq!(
        app.counts().await,
        before,
        "a refused sign-in changed something"
    );

    app.login("demo-consortium-admin").await;
    let parent = app.institution(app.consortium, "DGTL").await.id;
    let body = json!({"name": "CSRF 村卫生室", "code": "CSRF-1", "level": "village", "parent_id": parent, "contact_emails": []});
    let before = app.counts().await;
    app.post("/api/v1/institutions", body.clone())
        .without_csrf()
        .await
        .assert_problem(403);
    app.post("/api/v1/institutions", body.clone())
        .without_csrf()
        .header("x-tongyao-csrf", "0")
        .await
        .assert_problem(403);
    app.post("/api/v1/institutions", body.clone())
        .header("host", "tongyao.example.org")
        .header("origin", "http://evil.example")
        .await
        .assert_problem(403);
    app.delete("/api/v1/session")
        .without_csrf()
        .await
        .assert_problem(403);
    assert_eq!(
        app.counts().await,
        before,
        "a refused request changed something"
    );
    app.get("/api/v1/me").await.assert_status(200);

    // the same origin is fine
    app.post("/api/v1/institutions", body)
        .header("host", "tongyao.example.org")
        .header("origin", "http://tongyao.example.org")
        .await
        .assert_status(201);
});

both!(every_answer_has_a_request_id, |app| async move {
    for r in [
        app.get("/healthz").await,
        app.get("/api/v1/me").await,
        app.get("/api/v1/no-such-thing").await,
        app.login_with("demo-admin", "wrong").await,
        app.login("demo-admin").await,
        app.get("/api/v1/consortia").await,
    ] {
        let rid = r
            .header("x-request-id")
            .unwrap_or_else(|| panic!("no x-request-id on a {} answer", r.code()));
        assert!(!rid.is_empty());
    }
    // a caller's id is kept
    let r = app
        .get("/api/v1/me")
        .header("x-request-id", "caller-chosen-42")
        .await;
    assert_eq!(r.header("x-request-id"), Some("caller-chosen-42"));
    // and ids differ between requests
    let a = app.get("/healthz").await;
    let b = app.get("/healthz").await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
});
