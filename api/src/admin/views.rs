use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use entity::user::Role;
use entity::institution::Level;

#[derive(Debug, Serialize, ToSchema)]
pub struct Consortium {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub region: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsortiumPage {
    pub items: Vec<Consortium>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "杭锦旗蒙医综合医院医共体", "code": "HJQ-MY", "region": "内蒙古鄂尔多斯市杭锦旗"}))]
pub struct CreateConsortiumRequest {
    #[validate(length(min = 1, max = 100, message = "len_1_100"))]
    pub name: String,
    #[validate(
        length(min = 1, max = 32, message = "len_1_32"),
        custom(function = "crate::admin::views::code_chars")
    )]
    pub code: String,
    #[serde(default)]
    #[validate(length(max = 100, message = "max_100"))]
    pub region: String,
}

pub fn code_chars(code: &str) -> Result<(), validator::ValidationError> {
    if code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code_chars"))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// System administrators name the consortium; others act in their own.
    pub consortium_id: Option<i64>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Institution {
    pub id: i64,
    pub consortium_id: i64,
    pub name: String,
    pub code: String,
    pub level: Level,
    pub parent_id: Option<i64>,
    pub contact_emails: Vec<String>,
    pub active: bool,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstitutionPage {
    pub items: Vec<Institution>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "独贵塔拉镇新建村卫生室", "code": "DGTL-XJ", "level": "village", "parent_id": 2, "contact_emails": ["xinjian@example.org"]}))]
pub struct CreateInstitutionRequest {
    pub consortium_id: Option<i64>,
    #[validate(length(min = 1, max = 100, message = "len_1_100"))]
    pub name: String,
    #[validate(
        length(min = 1, max = 32, message = "len_1_32"),
        custom(function = "crate::admin::views::code_chars")
    )]
    pub code: String,
    pub level: Level,
    pub parent_id: Option<i64>,
    #[serde(default)]
    #[validate(
        length(max = 10, message = "emails_max"),
        custom(function = "crate::admin::views::emails")
    )]
    pub contact_emails: Vec<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1, "contact_emails": ["pharmacy@example.org"]}))]
pub struct UpdateInstitutionRequest {
    /// The version you read; a stale version answers 409.
    pub version: i32,
    #[validate(length(min = 1, max = 100, message = "len_1_100"))]
    pub name: Option<String>,
    pub level: Option<Level>,
    /// Use `0` to clear the parent.
    pub parent_id: Option<i64>,
    #[validate(
        length(max = 10, message = "emails_max"),
        custom(function = "crate::admin::views::emails")
    )]
    pub contact_emails: Option<Vec<String>>,
    pub active: Option<bool>,
}

pub fn emails(list: &[String]) -> Result<(), validator::ValidationError> {
    use validator::ValidateEmail;
    for e in list {
        if !e.validate_email() {
            let mut err = validator::ValidationError::new("email");
            err.add_param("value".into(), e);
            return Err(err);
        }
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub consortium_id: Option<i64>,
    pub roles: Vec<Role>,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.pharmacist", "display_name": "王药师", "institution_id": 2, "roles": ["pharmacist"], "password": "a-long-initial-password"}))]
pub struct CreateUserRequest {
    #[validate(
        length(min = 3, max = 64, message = "len_3_64"),
        custom(function = "crate::admin::views::username_chars")
    )]
    pub username: String,
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    pub display_name: String,
    pub institution_id: i64,
    #[validate(length(min = 1, max = 8, message = "roles"))]
    pub roles: Vec<Role>,
    #[validate(length(min = 10, max = 256, message = "len_10_256"))]
    pub password: String,
}

pub fn username_chars(u: &str) -> Result<(), validator::ValidationError> {
    if u.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("username_chars"))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1, "roles": ["pharmacist", "auditor"]}))]
pub struct UpdateUserRequest {
    pub version: i32,
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    pub display_name: Option<String>,
    #[validate(length(min = 1, max = 8, message = "roles"))]
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
    /// An administrator's password reset; the user's sessions are revoked.
    #[validate(length(min = 10, max = 256, message = "len_10_256"))]
    pub password: Option<String>,
    /// Clear a lock-out.
    pub unlock: Option<bool>,
}
