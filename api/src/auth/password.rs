//! Argon2id password hashes as PHC strings (password-auth). Hashing is CPU-heavy, so it runs
//! on the blocking pool.
use crate::i18n::tr;
use std::sync::OnceLock;

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 10;

pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

pub async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password_auth::verify_password(password, &hash).is_ok())
        .await
        .unwrap_or(false)
}

/// Spend the same time as a real check when the user does not exist, so the answer time does
/// not tell which usernames exist.
pub async fn verify_dummy(password: String) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY
        .get_or_init(|| password_auth::generate_hash("tongyao-no-such-user"))
        .clone();
    let _ = verify(password, hash).await;
}

/// A password policy a county IT department can live with: long enough, not the username.
pub fn check_strength(password: &str, username: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(tr(
            format!("至少 {MIN_LENGTH} 个字符"),
            format!("at least {MIN_LENGTH} characters"),
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(tr("不能与用户名相同", "must not be the username"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength() {
        assert!(check_strength("short", "u").is_err());
        assert!(check_strength("someone-long", "someone-long").is_err());
        assert!(check_strength("a-long-passphrase", "u").is_ok());
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify("correct horse".into(), h.clone()).await);
        assert!(!verify("wrong horse".into(), h).await);
    }
}
