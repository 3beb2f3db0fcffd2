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
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Letters, digits, `-` and `_`.
    #[validate(
        length(min = 1, max = 32, message = "len_1_32"),
        custom(function = "crate::admin::views::code_chars")
    )]
    #[schema(min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    #[serde(default)]
    #[validate(length(max = 100, message = "max_100"))]
    #[schema(max_length = 100)]
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
    /// System administrators name the consortium (required of them); others act in their own
    /// (another one answers 404).
    pub consortium_id: Option<i64>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From `next_cursor` of the previous page.
    #[param(pattern = r"^([0-9A-Fa-f]{2})*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
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
#[schema(example = json!({"consortium_id": 1, "name": "独贵塔拉镇新建村卫生室", "code": "DGTL-XJ", "level": "village", "parent_id": 2, "contact_emails": ["xinjian@example.org"]}))]
pub struct CreateInstitutionRequest {
    /// System administrators name the consortium (required of them); others act in their own
    /// (another one answers 404).
    pub consortium_id: Option<i64>,
    #[validate(length(min = 1, max = 100, message = "len_1_100"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Letters, digits, `-` and `_`; unique in the consortium.
    #[validate(
        length(min = 1, max = 32, message = "len_1_32"),
        custom(function = "crate::admin::views::code_chars")
    )]
    #[schema(min_length = 1, max_length = 32, pattern = r"^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    pub level: Level,
    /// An institution of the same consortium at a higher level.
    pub parent_id: Option<i64>,
    #[serde(default)]
    #[validate(
        length(max = 10, message = "emails_max"),
        custom(function = "crate::admin::views::emails")
    )]
    #[schema(max_items = 10, value_type = Vec<EmailAddress>)]
    pub contact_emails: Vec<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1, "contact_emails": ["pharmacy@example.org"]}))]
pub struct UpdateInstitutionRequest {
    /// The version you read; a stale version answers 409.
    pub version: i32,
    #[validate(length(min = 1, max = 100, message = "len_1_100"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    pub level: Option<Level>,
    /// Use `0` to clear the parent.
    pub parent_id: Option<i64>,
    #[validate(
        length(max = 10, message = "emails_max"),
        custom(function = "crate::admin::views::emails")
    )]
    #[schema(max_items = 10, value_type = Option<Vec<EmailAddress>>)]
    pub contact_emails: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// An email address (documentation of a request string checked by [`emails`]).
pub struct EmailAddress;

impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Email,
            )))
            .into()
    }
}

impl utoipa::ToSchema for EmailAddress {}

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
    /// Letters, digits, `.`, `-` and `_`.
    #[validate(
        length(min = 3, max = 64, message = "len_3_64"),
        custom(function = "crate::admin::views::username_chars")
    )]
    #[schema(min_length = 3, max_length = 64, pattern = r"^[A-Za-z0-9._-]{3,64}$")]
    pub username: String,
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: String,
    /// An institution of the caller's consortium.
    pub institution_id: i64,
    /// Only a system administrator may grant `system_admin` (403 otherwise).
    #[validate(length(min = 1, max = 8, message = "roles"))]
    #[schema(min_items = 1, max_items = 8)]
    pub roles: Vec<Role>,
    /// At least 10 characters, not the username.
    #[validate(length(min = 10, max = 256, message = "len_10_256"))]
    #[schema(min_length = 10, max_length = 256)]
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
    /// The version you read; a stale version answers 409.
    pub version: i32,
    #[validate(length(min = 1, max = 64, message = "len_1_64"))]
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: Option<String>,
    /// Only a system administrator may grant `system_admin` (403 otherwise). A change signs
    /// the user out everywhere.
    #[validate(length(min = 1, max = 8, message = "roles"))]
    #[schema(min_items = 1, max_items = 8)]
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
    /// An administrator's password reset (at least 10 characters, not the username); the
    /// user's sessions are revoked.
    #[validate(length(min = 10, max = 256, message = "len_10_256"))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: Option<String>,
    /// Clear a lock-out.
    pub unlock: Option<bool>,
}
