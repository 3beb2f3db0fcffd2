//! One error type for the whole service, answered as RFC 9457 problem+json. Internal errors are
//! logged (inside the request span, so with the request id) and answered with a safe message;
//! domain refusals carry their rule id (F1, F5, …) and say what to change.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::tr;
use crate::kernel::RuleId;

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The domain rule that refused the request (F1, F5, …), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra machine-readable detail (e.g. an import report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// Not found, saying why (e.g. an entry on a day before it existed).
    #[error("{0}")]
    NotFoundBecause(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// A value already taken (a code, a username): a conflict with stored data, not with
    /// someone's concurrent edit, so it names the field for the form to show it there.
    #[error("{message}")]
    Taken { field: String, message: String },
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// A domain rule refused the request.
    #[error("{rule}: {message}")]
    Rule {
        rule: RuleId,
        status: StatusCode,
        message: String,
    },
    /// A refusal that carries a machine-readable report (e.g. an import with row errors).
    #[error("{message}")]
    WithReport {
        status: StatusCode,
        message: String,
        report: serde_json::Value,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn rule(rule: RuleId, message: impl Into<String>) -> Self {
        AppError::Rule {
            rule,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: message.into(),
        }
    }

    /// The same refusal with its fields named under `prefix` (a body nested in another:
    /// `supplier.uscc` for the `uscc` of `supplier`).
    pub fn under(self, prefix: &str) -> Self {
        match self {
            AppError::Validation(errors) => AppError::Validation(
                errors
                    .into_iter()
                    .map(|mut e| {
                        e.field = format!("{prefix}.{}", e.field);
                        e
                    })
                    .collect(),
            ),
            AppError::Taken { field, message } => AppError::Taken {
                field: format!("{prefix}.{field}"),
                message,
            },
            other => other,
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn taken(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Taken {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::NotFoundBecause(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Taken { .. } => StatusCode::CONFLICT,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Rule { status, .. } | AppError::WithReport { status, .. } => *status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        let (detail, rule, errors, report) = match self {
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    tr(
                        "服务器内部错误，已记录日志",
                        "an internal error occurred; it has been logged",
                    ),
                    None,
                    vec![],
                    None,
                )
            }
            AppError::Validation(errs) => {
                // People read the detail: one problem is said in its own words (the field is in
                // `errors`, for forms to place it); several are counted, and listed in `errors`.
                let detail = match errs.as_slice() {
                    [one] => one.message.clone(),
                    many => tr(
                        format!("有 {} 处输入需要修改", many.len()),
                        format!("{} fields need changing", many.len()),
                    ),
                };
                (detail, None, errs.clone(), None)
            }
            AppError::Taken { field, message } => (
                message.clone(),
                None,
                vec![FieldError::new(field.clone(), message.clone())],
                None,
            ),
            AppError::Rule { rule, message, .. } => (message.clone(), Some(*rule), vec![], None),
            AppError::WithReport {
                message, report, ..
            } => (message.clone(), None, vec![], Some(report.clone())),
            AppError::Unauthorized => (tr("请先登录", "sign in first"), None, vec![], None),
            AppError::BadCredentials => (
                tr("用户名或密码错误", "wrong username or password"),
                None,
                vec![],
                None,
            ),
            AppError::NotFound => (tr("未找到", "not found"), None, vec![], None),
            other => (other.to_string(), None, vec![], None),
        };
        let title = status.canonical_reason().unwrap_or("Error").to_string();
        let type_ = match &rule {
            Some(r) => format!("/problems/rule/{r}"),
            None => format!("/problems/{}", status.as_u16()),
        };
        Problem {
            type_,
            title,
            status: status.as_u16(),
            detail,
            rule,
            errors,
            report,
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    /// A unique index refusing a row is a race the service's own checks lost (two people doing
    /// the same thing at the same moment: holding one lot, scanning one trace code): 409, like a
    /// stale version. Anything else from the database is an internal error.
    fn from(e: sea_orm::DbErr) -> Self {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            tracing::info!(error = %e, "a unique index refused a concurrent write");
            return AppError::Conflict(crate::i18n::tr(
                "同一内容刚刚已被他人提交，请刷新后再操作",
                "someone else did the same a moment ago; reload and try again",
            ));
        }
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(e: sea_orm::TransactionError<AppError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<validator::ValidationErrors> for AppError {
    /// Every error, those of nested structs and lists included, named by its path
    /// (`essential_targets.primary`, `items[2].name`).
    fn from(errs: validator::ValidationErrors) -> Self {
        fn walk(errs: &validator::ValidationErrors, at: &str, out: &mut Vec<FieldError>) {
            use validator::ValidationErrorsKind as Kind;
            for (field, kind) in errs.errors() {
                let here = if at.is_empty() {
                    field.to_string()
                } else {
                    format!("{at}.{field}")
                };
                match kind {
                    Kind::Field(list) => out.extend(list.iter().map(|k| {
                        FieldError::new(here.clone(), crate::i18n::validation_message(k))
                    })),
                    Kind::Struct(inner) => walk(inner, &here, out),
                    Kind::List(items) => {
                        for (i, inner) in items {
                            walk(inner, &format!("{here}[{i}]"), out);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&errs, "", &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        AppError::Validation(out)
    }
}

pub fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = problem_response(self.status(), &self.to_problem());
        if matches!(self, AppError::Unauthorized | AppError::BadCredentials) {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Cookie realm=\"tongyao\""),
            );
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[test]
    fn nested_validation_errors_are_named_by_their_path() {
        let s: crate::formulary::views::FormularySettings = serde_json::from_value(
            serde_json::json!({"essential_targets": {"primary": -1.0, "secondary": 80.0, "tertiary": 101.0}}),
        )
        .unwrap();
        let AppError::Validation(errs) = AppError::from(s.validate().unwrap_err()) else {
            panic!("a validation error")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["essential_targets.primary", "essential_targets.tertiary"]
        );
        assert!(errs.iter().all(|e| !e.message.is_empty()));
    }
}
