//! Extractors whose rejections are problems (never axum's plain-text defaults): JSON bodies
//! (unknown fields refused by `deny_unknown_fields` on every request type, then `validator`),
//! query strings and path parameters.
use crate::i18n::tr;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{AppError, FieldError};

/// A JSON body, validated.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(|e| json_rejection(JsonRejection::BytesRejection(e)))?;
        if has_nul(&bytes) {
            // PostgreSQL cannot store NUL in text; refuse it the same way on every database.
            let field = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| nul_path(&v, ""))
                .unwrap_or_else(|| "body".into());
            return Err(AppError::field(
                field,
                tr(
                    "文本不能包含 NUL（\\u0000）字符",
                    "text must not contain NUL (\\u0000) characters",
                ),
            ));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        let axum::Json(value) = axum::Json::<T>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        value.validate()?;
        Ok(ApiJson(value))
    }
}

/// The path (`a.b[2]`) of the first string holding a NUL character.
fn nul_path(v: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) if s.contains('\0') => Some(if at.is_empty() {
            "body".into()
        } else {
            at.to_string()
        }),
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, &here)
            }
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, &format!("{at}[{i}]"))),
        _ => None,
    }
}

/// A raw NUL byte, or the JSON escape `\u0000` (an odd run of backslashes before `u0000`).
pub fn has_nul(bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return true;
    }
    let pat = b"u0000";
    let mut i = 0;
    while i + pat.len() <= bytes.len() {
        if &bytes[i..i + pat.len()] == pat {
            let mut n = 0;
            while i > n && bytes[i - n - 1] == b'\\' {
                n += 1;
            }
            if n % 2 == 1 {
                return true;
            }
        }
        i += 1;
    }
    false
}

fn json_rejection(r: JsonRejection) -> AppError {
    match r {
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType(tr(
            "请以 application/json 发送请求体",
            "send the body as application/json",
        )),
        JsonRejection::JsonSyntaxError(e) => AppError::BadRequest(tr(
            format!("JSON 格式错误：{}", e.body_text()),
            format!("malformed JSON: {}", e.body_text()),
        )),
        JsonRejection::JsonDataError(e) => {
            // serde's message names the field (unknown field `x`, missing field `y`, invalid type…)
            let text = e.body_text();
            let msg = text
                .split_once(": ")
                .map(|(_, m)| m.to_string())
                .unwrap_or(text);
            let field = field_of(&msg);
            // serde_path_to_error prefixes the path; the field already says where.
            let msg = msg
                .strip_prefix(&format!("{field}: "))
                .map(str::to_string)
                .unwrap_or(msg);
            AppError::Validation(vec![FieldError::new(field, msg)])
        }
        JsonRejection::BytesRejection(e) => {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge(tr("请求体过大", "the request body is too large"))
            } else {
                AppError::BadRequest(e.body_text())
            }
        }
        other => AppError::BadRequest(other.body_text()),
    }
}

/// Best effort: serde_path_to_error prefixes the path (`items[0].name: …`).
fn field_of(msg: &str) -> String {
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = msg.split(marker).nth(1)
            && let Some(name) = rest.split('`').next()
        {
            return name.to_string();
        }
    }
    "body".into()
}

impl axum::response::IntoResponse for crate::kernel::Download {
    /// An attachment; the file name travels both as ASCII and as UTF-8 (RFC 6266).
    fn into_response(self) -> axum::response::Response {
        use axum::http::header;
        let ascii = self.filename.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
            "_",
        );
        let disposition = format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            percent_encode(&self.filename)
        );
        (
            [
                (header::CONTENT_TYPE, self.content_type.to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// RFC 5987 percent-encoding of a file name.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Query string parameters.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(|q| q.contains("%00")) {
            return Err(AppError::BadRequest(tr(
                "查询参数不能包含 NUL 字符",
                "query parameters must not contain NUL characters",
            )));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r: QueryRejection| AppError::BadRequest(r.body_text()))
    }
}

/// Path parameters. A malformed id is answered like an unknown one.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_: PathRejection| AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::has_nul;

    #[test]
    fn nul_detection() {
        assert!(has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(has_nul(b"{\"a\":\"\x00\"}"));
        assert!(
            !has_nul(br#"{"a":"x\\u0000y"}"#),
            "an escaped backslash then u0000 is plain text"
        );
        assert!(has_nul(br#"{"a":"x\\\u0000y"}"#));
        assert!(!has_nul(br#"{"a":"u0000"}"#));
    }
}
