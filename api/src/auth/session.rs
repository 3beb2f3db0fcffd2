//! Server-side sessions: a random 256-bit token in an HttpOnly cookie, only its SHA-256 stored;
//! idle and absolute expiry; revocation. A short per-instance cache spares the database a read
//! on every request (see `auth.session_cache_ms`).
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::{session, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use entity::user::Role;
use crate::config::AuthSettings;
use crate::error::{AppError, AppResult};

pub const COOKIE: &str = "tongyao_session";

/// The signed-in user, as the session resolved it.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub session_id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub institution_id: Option<i64>,
    pub consortium_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

pub fn new_token() -> AppResult<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(anyhow::anyhow!("random: {e}")))?;
    Ok(hex::encode(buf))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn create(
    conn: &impl ConnectionTrait,
    user_id: i64,
    auth: &AuthSettings,
) -> AppResult<String> {
    let token = new_token()?;
    // Sessions and lock-outs run on the real clock, never a fixed day: they are security
    // timers, not business dates.
    let now = Utc::now();
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(auth.session_absolute_hours)),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Find a live session for the token, touching its idle clock at most once a minute.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    token: &str,
    auth: &AuthSettings,
) -> AppResult<Option<SessionUser>> {
    let hash = token_hash(token);
    let Some(s) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(&hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if s.revoked_at.is_some() || s.expires_at <= now || !idle_ok(s.last_seen_at, now, auth) {
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(conn).await? else {
        return Ok(None);
    };
    if !u.active {
        return Ok(None);
    }
    let mut last_seen = s.last_seen_at;
    if now - s.last_seen_at > chrono::Duration::seconds(60) {
        session::Entity::update_many()
            .col_expr(
                session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(session::Column::Id.eq(s.id))
            .exec(conn)
            .await?;
        last_seen = now;
    }
    let roles = u.role_list()?;
    Ok(Some(SessionUser {
        session_id: s.id,
        token_hash: hash,
        user_id: u.id,
        username: u.username,
        display_name: u.display_name,
        roles,
        institution_id: u.institution_id,
        consortium_id: u.consortium_id,
        expires_at: s.expires_at,
        last_seen_at: last_seen,
    }))
}

fn idle_ok(last_seen: DateTime<Utc>, now: DateTime<Utc>, auth: &AuthSettings) -> bool {
    now - last_seen <= chrono::Duration::minutes(auth.session_idle_minutes)
}

pub async fn revoke(conn: &impl ConnectionTrait, session_id: i64) -> AppResult<()> {
    session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revoke every session of a user, except `keep` (the one changing its own password).
pub async fn revoke_all_for_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<i64>,
) -> AppResult<()> {
    let mut q = session::Entity::update_many()
        .col_expr(
            session::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(k) = keep {
        q = q.filter(session::Column::Id.ne(k));
    }
    q.exec(conn).await?;
    Ok(())
}

pub fn set_cookie(token: &str, auth: &AuthSettings) -> String {
    let secure = if auth.cookie_secure { "; Secure" } else { "" };
    let max_age = auth.session_absolute_hours * 3600;
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn clear_cookie(auth: &AuthSettings) -> String {
    let secure = if auth.cookie_secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Per-instance cache of resolved sessions keyed by token hash.
pub struct SessionCache {
    ttl: Duration,
    map: Mutex<HashMap<String, (SessionUser, Instant)>>,
}

impl SessionCache {
    pub fn new(ttl_ms: u64) -> Self {
        Self {
            ttl: Duration::from_millis(ttl_ms),
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, hash: &str, auth: &AuthSettings) -> Option<SessionUser> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.map.lock().ok()?;
        let (u, at) = map.get(hash)?;
        let now = Utc::now();
        (at.elapsed() < self.ttl && u.expires_at > now && idle_ok(u.last_seen_at, now, auth))
            .then(|| u.clone())
    }

    pub fn put(&self, u: &SessionUser) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut map) = self.map.lock() {
            if map.len() > 10_000 {
                let ttl = self.ttl;
                map.retain(|_, (_, at)| at.elapsed() < ttl);
            }
            map.insert(u.token_hash.clone(), (u.clone(), Instant::now()));
        }
    }

    pub fn evict(&self, hash: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(hash);
        }
    }

    pub fn evict_user(&self, user_id: i64) {
        if let Ok(mut map) = self.map.lock() {
            map.retain(|_, (u, _)| u.user_id != user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing() {
        assert_eq!(
            token_from_cookies("a=1; tongyao_session=abc; b=2"),
            Some("abc")
        );
        assert_eq!(token_from_cookies("tongyao_session="), None);
        assert_eq!(token_from_cookies("other=1"), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
