//! Who acts: the signed-in user as services see it — no web types. Handlers get it from the
//! request (after authorization); the command line and jobs make their own.
use entity::user::Role;

use crate::error::{AppError, AppResult};
use crate::i18n::tr;

#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// None for an anonymous caller (a failed sign-in) or the system.
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub institution_id: Option<i64>,
    pub consortium_id: Option<i64>,
    pub roles: Vec<Role>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The user's id (services that need a signed-in user).
    pub fn id(&self) -> i64 {
        self.user_id.unwrap_or(0)
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The consortium this actor acts in. Consortium users act in their own (asking for
    /// another one answers 404, as if it did not exist); a system administrator names one.
    pub fn scope(&self, requested: Option<i64>) -> AppResult<i64> {
        match (self.consortium_id, requested) {
            (Some(own), None) => Ok(own),
            (Some(own), Some(r)) if r == own => Ok(own),
            (Some(_), Some(_)) => Err(AppError::NotFound),
            (None, Some(r)) if self.has(Role::SystemAdmin) => Ok(r),
            (None, _) => Err(AppError::field(
                "consortium_id",
                tr("请指定要操作的医共体", "name the consortium to act in"),
            )),
        }
    }

    /// True when the actor may see objects of consortium `c`.
    pub fn sees(&self, c: i64) -> bool {
        self.consortium_id == Some(c)
            || (self.consortium_id.is_none() && self.has(Role::SystemAdmin))
    }

    /// The consortium of a consortium-bound actor (formulary and other consortium data).
    pub fn consortium(&self) -> AppResult<i64> {
        self.consortium_id.ok_or(AppError::NotFound)
    }
}
