//! Sign-in, sign-out, the current user and password changes: each function owns its
//! transaction. Sign-in slows down after repeated failures and locks the account after more;
//! every sign-in, failure and lock is in the audit trail. Sessions and lock-outs run on the real
//! clock (security timers), not on a fixed day.
use std::time::Duration;

use chrono::Utc;
use entity::{consortium, institution, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use super::handlers::{ConsortiumRef, InstitutionRef, Me};
use super::session::{self, SessionCache, SessionUser};
use super::{password, policy};
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::i18n::tr;
use crate::kernel::{Actor, Ctx};

pub async fn me_of(
    ctx: &Ctx,
    conn: &impl sea_orm::ConnectionTrait,
    u: &user::Model,
) -> AppResult<Me> {
    let institution = match u.institution_id {
        Some(id) => institution::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|i| InstitutionRef {
                id: i.id,
                name: i.name,
                level: i.level,
            }),
        None => None,
    };
    let consortium = match u.consortium_id {
        Some(id) => consortium::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| ConsortiumRef {
                id: c.id,
                name: c.name,
            }),
        None => None,
    };
    let roles = u.role_list()?;
    Ok(Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        actions: policy::actions_of(&roles),
        roles,
        institution,
        consortium,
        today: ctx.clock.today(),
    })
}

/// A successful sign-in: the session token (for the cookie) and who signed in.
pub struct SignedIn {
    pub token: String,
    pub me: Me,
}

pub async fn sign_in(
    ctx: &Ctx,
    username: &str,
    password_given: String,
    request_id: Option<String>,
) -> AppResult<SignedIn> {
    let auth = &ctx.settings.auth;
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .one(&ctx.db)
        .await?;
    let anonymous = Actor {
        username: Some(username.to_string()),
        request_id: request_id.clone(),
        ..Default::default()
    };
    let Some(u) = found.filter(|u| u.active) else {
        password::verify_dummy(password_given).await;
        let tx = ctx.write().await?;
        audit::record(
            &tx,
            &anonymous,
            Event::anonymous("auth.sign_in_failed", "user").reason("unknown or inactive user"),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::BadCredentials);
    };
    let actor = Actor {
        user_id: Some(u.id),
        username: Some(u.username.clone()),
        consortium_id: u.consortium_id,
        request_id,
        ..Default::default()
    };
    let now = Utc::now();
    if let Some(until) = u.locked_until.filter(|t| *t > now) {
        let tx = ctx.write().await?;
        audit::record(
            &tx,
            &actor,
            Event::new("auth.sign_in_refused", "user", u.id).reason("account locked"),
        )
        .await?;
        tx.commit().await?;
        return Err(locked(until));
    }
    if !password::verify(password_given, u.password_hash.clone()).await {
        // Count the failure atomically so parallel guesses cannot slip past the limit.
        let tx = ctx.write().await?;
        let fresh = user::Entity::find_by_id(u.id)
            .one(&tx)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let failures = fresh.failed_logins + 1;
        let mut am = fresh.into_active_model();
        am.failed_logins = Set(failures);
        let lock = failures >= auth.lockout_after_failures;
        let until = now + chrono::Duration::minutes(auth.lockout_minutes);
        if lock {
            am.locked_until = Set(Some(until));
            am.failed_logins = Set(0);
        }
        am.update(&tx).await?;
        audit::record(
            &tx,
            &actor,
            Event::new("auth.sign_in_failed", "user", u.id)
                .reason(format!("wrong password ({failures} in a row)")),
        )
        .await?;
        if lock {
            audit::record(
                &tx,
                &actor,
                Event::new("auth.locked", "user", u.id)
                    .reason(format!("{failures} failed sign-ins; locked until {until}")),
            )
            .await?;
        }
        tx.commit().await?;
        let beyond = (failures - auth.slowdown_after_failures).max(0) as u64;
        if beyond > 0 {
            tokio::time::sleep(Duration::from_millis(auth.slowdown_step_ms * beyond)).await;
        }
        return Err(if lock {
            locked(until)
        } else {
            AppError::BadCredentials
        });
    }
    let tx = ctx.write().await?;
    let mut am = u.clone().into_active_model();
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    let u = am.update(&tx).await?;
    let token = session::create(&tx, u.id, auth).await?;
    audit::record(&tx, &actor, Event::new("auth.sign_in", "user", u.id)).await?;
    let me = me_of(ctx, &tx, &u).await?;
    tx.commit().await?;
    Ok(SignedIn { token, me })
}

fn locked(until: chrono::DateTime<Utc>) -> AppError {
    // Users read times in China time (UTC+8).
    let local = until
        .with_timezone(&crate::kernel::clock::china())
        .format("%Y-%m-%d %H:%M");
    let utc = until.format("%Y-%m-%d %H:%M");
    AppError::Locked(tr(
        format!("登录失败次数过多，账户已锁定至 {local}（北京时间）；请稍后再试或联系管理员"),
        format!(
            "too many failed sign-ins: the account is locked until {utc} UTC; try again later or ask an administrator"
        ),
    ))
}

/// Revoke the session the actor signed in with.
pub async fn sign_out(ctx: &Ctx, actor: &Actor, session: &SessionUser) -> AppResult<()> {
    let tx = ctx.write().await?;
    session::revoke(&tx, session.session_id).await?;
    audit::record(
        &tx,
        actor,
        Event::new("auth.sign_out", "user", session.user_id),
    )
    .await?;
    tx.commit().await?;
    ctx.part::<SessionCache>().evict(&session.token_hash);
    Ok(())
}

pub async fn me(ctx: &Ctx, actor: &Actor) -> AppResult<Me> {
    let u = user::Entity::find_by_id(actor.id())
        .one(&ctx.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    me_of(ctx, &ctx.db, &u).await
}

/// Change the actor's password; their other sessions are signed out.
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    session: &SessionUser,
    current: String,
    new: String,
) -> AppResult<()> {
    let u = user::Entity::find_by_id(session.user_id)
        .one(&ctx.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(current, u.password_hash.clone()).await {
        return Err(AppError::field(
            "current_password",
            tr("当前密码不正确", "the current password is not right"),
        ));
    }
    password::check_strength(&new, &u.username)
        .map_err(|m| AppError::field("new_password", m))?;
    let hash = password::hash(new).await?;
    let tx = ctx.write().await?;
    let mut am = u.into_active_model();
    am.password_hash = Set(hash);
    am.password_changed_at = Set(Utc::now());
    am.update(&tx).await?;
    session::revoke_all_for_user(&tx, session.user_id, Some(session.session_id)).await?;
    audit::record(
        &tx,
        actor,
        Event::new("auth.password_changed", "user", session.user_id),
    )
    .await?;
    tx.commit().await?;
    ctx.part::<SessionCache>().evict_user(session.user_id);
    Ok(())
}
