//! Extractors whose rejections are problems (never axum's plain-text defaults): JSON bodies
//! (unknown fields refused by `deny_unknown_fields` on every request type, then `validator`),
//! query strings and path parameters. A body or query string that cannot be read as the
//! request type is refused naming the field by its path (`essential_targets.primary`), with a
//! message in the reader's language.
use crate::i18n::tr;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header, request::Parts};
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
        let is_json = json_content_type(req.headers());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(bytes_rejection)?;
        if !is_json {
            return Err(AppError::UnsupportedMediaType(tr(
                "请以 application/json 发送请求体",
                "send the body as application/json",
            )));
        }
        Ok(ApiJson(json_body(&bytes)?))
    }
}

/// A JSON body read strictly and validated, as `ApiJson` reads it (for a handler that also needs
/// the bytes, e.g. to hash them for an idempotency key; the content type is checked by the
/// caller).
pub fn json_body<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, AppError> {
    if has_nul(bytes) {
        // PostgreSQL cannot store NUL in text; refuse it the same way on every database.
        let field = serde_json::from_slice::<serde_json::Value>(bytes)
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
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        AppError::BadRequest(tr(
            format!("JSON 格式错误（第 {} 行第 {} 列）", e.line(), e.column()),
            format!("malformed JSON: {e}"),
        ))
    })?;
    let value: T = serde_path_to_error::deserialize(Strict(value)).map_err(|e| {
        let path = e.path().to_string();
        AppError::Validation(vec![field_error(&path, &e.into_inner().to_string())])
    })?;
    value.validate()?;
    Ok(value)
}

/// `application/json` or any `application/*+json`, parameters (`; charset=utf-8`) aside.
pub fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn bytes_rejection(e: BytesRejection) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(tr("请求体过大", "the request body is too large"))
    } else {
        AppError::BadRequest(tr("无法读取请求体", "could not read the request body"))
    }
}

/// `deserialize_<type>` methods that hand the value to serde_json's own (after `$prep`).
macro_rules! strict_methods {
    ($prep:ident; $($method:ident)*) => {
        $(
            fn $method<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
                strict_methods!(@prep $prep self).$method(v)
            }
        )*
    };
    (@prep integral $s:ident) => { $s.integral() };
    (@prep as_is $s:ident) => { $s.0 };
}

/// A JSON value read into a request type the way its schema in the document reads it: a
/// struct only from an object (serde's derived structs would also take an array of the field
/// values in order, which no schema allows), and a number with no fraction as an integer
/// (JSON Schema counts `2.0` as an integer, so `"parent_id": 2.0` is the id 2; a float field
/// takes either).
struct Strict(serde_json::Value);

impl<'de> serde::Deserializer<'de> for Strict {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        use serde_json::Value;
        match self.0 {
            n @ Value::Number(_) => Strict(n).integral().deserialize_any(v),
            Value::Array(a) => {
                let len = a.len();
                let mut seq = StrictSeq(a.into_iter());
                let out = v.visit_seq(&mut seq)?;
                if seq.0.next().is_some() {
                    return Err(serde::de::Error::invalid_length(len, &"fewer elements"));
                }
                Ok(out)
            }
            Value::Object(m) => v.visit_map(StrictMap {
                iter: m.into_iter(),
                value: None,
            }),
            other => other.deserialize_any(v),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Null => v.visit_none(),
            other => v.visit_some(Strict(other)),
        }
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Object(_) => self.deserialize_any(v),
            other => Err(serde::de::Error::invalid_type(unexpected(&other), &v)),
        }
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, v)
    }

    fn deserialize_seq<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Array(_) => self.deserialize_any(v),
            other => other.deserialize_seq(v),
        }
    }

    fn deserialize_tuple<V: serde::de::Visitor<'de>>(
        self,
        _len: usize,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Object(_) => self.deserialize_any(v),
            other => other.deserialize_map(v),
        }
    }

    // Integers: an integral float counts; everything else as serde_json reads it.
    strict_methods! { integral;
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    // Other scalars exactly as serde_json reads them (a string type takes only a string …).
    strict_methods! { as_is;
        deserialize_bool deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_unit_struct(name, v)
    }
}

impl Strict {
    /// A number with no fraction as an integer.
    fn integral(self) -> serde_json::Value {
        use serde_json::Value;
        match self.0 {
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && (-9.2e18..9.2e18).contains(&f) => {
                    Value::from(f as i64)
                }
                Some(f) if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) => Value::from(f as u64),
                _ => Value::Number(n),
            },
            other => other,
        }
    }
}

fn unexpected(v: &serde_json::Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    use serde_json::Value;
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Unexpected::Signed(i),
            (_, Some(u), _) => Unexpected::Unsigned(u),
            (_, _, f) => Unexpected::Float(f.unwrap_or(0.0)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct StrictSeq(std::vec::IntoIter<serde_json::Value>);

impl<'de> serde::de::SeqAccess<'de> for StrictSeq {
    type Error = serde_json::Error;

    fn next_element_seed<T: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Strict(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct StrictMap {
    iter: serde_json::map::IntoIter,
    value: Option<serde_json::Value>,
}

impl<'de> serde::de::MapAccess<'de> for StrictMap {
    type Error = serde_json::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(Strict(serde_json::Value::String(k)))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let v = self
            .value
            .take()
            .ok_or_else(|| serde::de::Error::custom("a value without a key"))?;
        seed.deserialize(Strict(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The field (by its path from the root, `a.b[2].c`; `body` for the whole body) and the
/// reader's message of a serde error at `path`.
fn field_error(path: &str, msg: &str) -> FieldError {
    let path = match path {
        "." | "?" => "",
        p => p,
    };
    let (named, zh) = serde_message(msg);
    // serde_path_to_error's path ends at an unknown field, but at the struct missing one.
    let field = match named {
        Named::Unknown(name) | Named::Missing(name) if path.is_empty() => name,
        Named::Missing(name) => format!("{path}.{name}"),
        _ if path.is_empty() => "body".to_string(),
        _ => path.to_string(),
    };
    FieldError::new(field, tr(zh, msg))
}

/// The text between `start` and the next `end` in `s`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = s.split_once(start)?.1;
    Some(rest.split_once(end).map(|(a, _)| a).unwrap_or(rest))
}

/// A field serde's message names.
enum Named {
    Unknown(String),
    Missing(String),
    Nothing,
}

/// Reads serde's English message: the field it names (an unknown or missing field), and the
/// message in Chinese.
fn serde_message(msg: &str) -> (Named, String) {
    let expected = |msg: &str| {
        msg.split_once("expected one of ")
            .map(|(_, l)| l.replace('`', ""))
            .unwrap_or_default()
    };
    if let Some(name) = between(msg, "unknown field `", "`") {
        let choices = expected(msg);
        let zh = if choices.is_empty() {
            "未知字段".to_string()
        } else {
            format!("未知字段；可用字段：{choices}")
        };
        return (Named::Unknown(name.to_string()), zh);
    }
    if let Some(name) = between(msg, "missing field `", "`") {
        return (Named::Missing(name.to_string()), "缺少必填字段".to_string());
    }
    if let Some(v) = between(msg, "unknown variant `", "`") {
        return (
            Named::Nothing,
            format!("“{v}”不是可选值之一：{}", expected(msg)),
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (got, want) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return (Named::Nothing, format!("类型不符：应为 {want}，实为 {got}"));
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        return (Named::Nothing, format!("取值无效：{rest}"));
    }
    if let Some(rest) = msg.strip_prefix("invalid length ") {
        return (Named::Nothing, format!("长度不符：{rest}"));
    }
    (Named::Nothing, format!("取值无效：{msg}"))
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

/// Query string parameters. A value that cannot be read is refused (400) naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        if query.contains("%00") {
            return Err(AppError::BadRequest(tr(
                "查询参数不能包含 NUL 字符",
                "query parameters must not contain NUL characters",
            )));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let f = field_error(&path, &e.into_inner().to_string());
                if f.field == "body" {
                    AppError::BadRequest(tr(
                        format!("查询字符串无效：{}", f.message),
                        format!("invalid query string: {}", f.message),
                    ))
                } else {
                    AppError::BadRequest(tr(
                        format!("查询参数 {}：{}", f.field, f.message),
                        format!("query parameter {}: {}", f.field, f.message),
                    ))
                }
            })
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

/// The multipart body, or why there is none. axum refuses before any part is read only for a
/// content type that is not multipart/form-data, or one without a usable boundary.
pub fn multipart_of(
    headers: &axum::http::HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<axum::extract::Multipart, AppError> {
    multipart.map_err(|_| {
        let is_multipart = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if is_multipart {
            AppError::BadRequest(tr(
                "multipart/form-data 请求缺少有效的 boundary",
                "the multipart/form-data request has no valid boundary",
            ))
        } else {
            AppError::UnsupportedMediaType(tr(
                "请以 multipart/form-data 上传文件",
                "send the file as multipart/form-data",
            ))
        }
    })
}

pub fn upload_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge(tr(
            "文件过大，无法导入",
            "the file is too large for an import",
        ))
    } else {
        AppError::BadRequest(tr(
            format!("无法读取上传的文件：{}", e.body_text()),
            format!("could not read the upload: {}", e.body_text()),
        ))
    }
}

/// Every part of a multipart form, by name, read whole (a file's bytes, a field's text).
pub async fn form_parts(
    headers: &axum::http::HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let mut mp = multipart_of(headers, multipart)?;
    let mut out = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or("").to_string();
                let bytes = f.bytes().await.map_err(upload_error)?;
                out.push((name, bytes.to_vec()));
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(upload_error(e)),
        }
    }
}

/// The one file part of an upload (`file`); another part is refused.
pub async fn file_part(
    headers: &HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Vec<u8>, AppError> {
    let mut file = None;
    for (name, bytes) in form_parts(headers, multipart).await? {
        match name.as_str() {
            "file" => file = Some(bytes),
            other => {
                return Err(AppError::field(
                    other,
                    tr(
                        format!("不认识的表单项“{other}”"),
                        format!("unknown form part {other:?}"),
                    ),
                ));
            }
        }
    }
    file.ok_or_else(|| AppError::field("file", tr("请选择要上传的文件", "choose a file to upload")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        n: i64,
        x: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Inner,
        #[serde(default)]
        list: Vec<Inner>,
    }

    fn read(v: serde_json::Value) -> Result<Outer, FieldError> {
        serde_path_to_error::deserialize(Strict(v))
            .map_err(|e| field_error(&e.path().to_string(), &e.into_inner().to_string()))
    }

    #[test]
    fn json_errors_name_the_field_by_its_path() {
        let ok = read(serde_json::json!({"name": "a", "inner": {"n": 2.0, "x": 3}})).unwrap();
        assert_eq!(ok.inner, Inner { n: 2, x: Some(3.0) }, "2.0 is an integer");
        let e = read(serde_json::json!({"name": "a", "inner": {"n": 2.5}})).unwrap_err();
        assert_eq!(e.field, "inner.n");
        let e = read(serde_json::json!({"name": "a", "inner": {"n": 1, "colour": 1}})).unwrap_err();
        assert_eq!(e.field, "inner.colour");
        let e = read(serde_json::json!({"name": "a", "inner": {}})).unwrap_err();
        assert_eq!(e.field, "inner.n");
        let e = read(serde_json::json!({"name": "a", "inner": {"n": 1}, "list": [{"n": "x"}]}))
            .unwrap_err();
        assert_eq!(e.field, "list[0].n");
        let e = read(serde_json::json!({"colour": 1})).unwrap_err();
        assert_eq!(e.field, "colour");
        let e = read(serde_json::json!("text")).unwrap_err();
        assert_eq!(e.field, "body");
    }

    #[test]
    fn a_typed_field_keeps_its_type() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Priced {
            price: crate::kernel::Money,
            day: Option<chrono::NaiveDate>,
        }
        let read = |v| serde_path_to_error::deserialize::<_, Priced>(Strict(v));
        assert!(read(serde_json::json!({"price": "1.50", "day": "2027-01-01"})).is_ok());
        let e = read(serde_json::json!({"price": 0})).unwrap_err();
        assert_eq!(
            e.path().to_string(),
            "price",
            "a price is a string, not a number"
        );
        assert!(read(serde_json::json!({"price": "1", "day": 20270101})).is_err());
    }

    #[test]
    fn a_struct_is_read_only_from_an_object() {
        let e = read(serde_json::json!({"name": "a", "inner": [1, null]})).unwrap_err();
        assert_eq!(e.field, "inner");
        assert!(read(serde_json::json!(["a", {"n": 1}])).is_err());
    }

    #[test]
    fn serde_messages_have_chinese() {
        for msg in [
            "unknown field `x`, expected one of `a`, `b`",
            "missing field `y`",
            "unknown variant `pdf`, expected one of `csv`, `xlsx`",
            "invalid type: string \"x\", expected i64",
            "something else",
        ] {
            let (_, zh) = serde_message(msg);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
        }
    }

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
