//! `tongyao demo`: refused in production; refreshing it twice leaves one demo, not two.
use tongyao_tests::*;

both!(
    demo_refuses_production_and_refreshes_in_place,
    |app| async move {
        let mut prod = app.settings().clone();
        prod.environment = tongyao::config::Environment::Production;
        let err = tongyao::demo::load(&app.db, &prod, None).await.unwrap_err();
        assert!(err.to_string().contains("production"), "{err}");

        let dev = app.settings().clone();
        tongyao::demo::load(&app.db, &dev, None)
            .await
            .expect("demo loads");
        let once = (app.counts().await, app.count("formulary_versions").await);
        assert!(once.1 >= 300, "the demo formulary has {} versions", once.1);
        // a locked-out demo account is unlocked by a refresh
        let c = app.client();
        for _ in 0..app.settings().auth.lockout_after_failures {
            c.login_with("demo-committee-1", "wrong-password").await;
        }
        c.login_with("demo-committee-1", "tongyao-demo")
            .await
            .assert_status(423);
        tongyao::demo::load(&app.db, &dev, None)
            .await
            .expect("demo refreshes");
        assert_eq!(
            once.1,
            app.count("formulary_versions").await,
            "no second formulary"
        );
        assert_eq!(
            once.0.iter().find(|(t, _)| *t == "users"),
            app.counts().await.iter().find(|(t, _)| *t == "users")
        );
        c.login_with("demo-committee-1", "tongyao-demo")
            .await
            .assert_status(200);
    }
);
