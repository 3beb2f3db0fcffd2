//! The OpenAPI document, generated from the handlers (utoipa) of every registered capability and
//! finished here from facts, so that no handler can forget them:
//!
//! - each operation's `security` from the action it was declared with and the policy table;
//! - the error answers every operation of a kind can give (401 without a session, 403 for a
//!   role or a missing CSRF header, 400/413/415/422 for a body, 400/422 for a query string, 404
//!   for a path parameter, 500 and 503 everywhere), as shared `components.responses`;
//! - every problem answered as `application/problem+json`;
//! - request strings that may not hold NUL (the service refuses it) say so;
//! - dates in examples are written relative to today (`{{today+7}}`) and filled in with the
//!   day the document is served, so an example never goes stale.
//!
//! The docs page is at `/api/docs` (vendored assets); the document at `/api/openapi.json`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::CAPABILITIES;
use crate::auth::policy::{self, Action};
use crate::config::Settings;
use crate::kernel::Clock;
use crate::state::AppState;

pub const SECURITY_SCHEME: &str = "session";
/// The media type of every error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";
const PROBLEM_REF: &str = "#/components/schemas/Problem";
/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(info(
    title = "tongyao API",
    description = "统药: one formulary, one purchase, one delivery, one payment for a medical consortium. \
            Errors are RFC 9457 problem+json. Sign in with POST /api/v1/session; send `X-Tongyao-Csrf: 1` \
            on every state-changing request. Each operation's `security` lists the roles that may call it.",
    license(name = "AGPL-3.0-or-later")
))]
struct ApiDoc;

/// Every API route, each wrapped in the authorization guard for its declared action.
pub fn api_router(state: &AppState) -> (OpenApiRouter<AppState>, HashMap<String, Action>) {
    let (router, ops) = crate::capability::assemble(CAPABILITIES, &state.settings, |mr, action| {
        mr.route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), action),
            crate::auth::guard,
        ))
    });
    (
        OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(router),
        ops,
    )
}

/// The error answers operations share: status, name in `components.responses`, meaning.
const SHARED: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "Malformed request: a body that is not JSON or a form that cannot be read, or a query \
         parameter that is unknown, of the wrong type or holds NUL",
    ),
    (
        401,
        "Unauthorized",
        "Sign in first: no session, or it expired or was revoked",
    ),
    (
        403,
        "Forbidden",
        "Your roles may not perform this operation (see its `security`)",
    ),
    (
        403,
        "CsrfRefused",
        "A state-changing request without the `X-Tongyao-Csrf: 1` header, or from a foreign \
         Origin",
    ),
    (
        403,
        "ForbiddenOrCsrfRefused",
        "Your roles may not perform this operation (see its `security`), or a state-changing \
         request came without the `X-Tongyao-Csrf: 1` header or from a foreign Origin",
    ),
    (
        404,
        "NotFound",
        "No such object in your consortium (a malformed id and another consortium's object are \
         answered alike)",
    ),
    (
        409,
        "Conflict",
        "Conflict: the object changed since you read it (stale `version`), the value is taken, \
         or the object is no longer in a state that allows this",
    ),
    (
        413,
        "PayloadTooLarge",
        "The request body is larger than the server accepts",
    ),
    (
        415,
        "UnsupportedMediaType",
        "The body is not sent as the media type this operation takes",
    ),
    (
        422,
        "Unprocessable",
        "Invalid input: `errors` names each field by its path; or a rule refused the request \
         (`rule`)",
    ),
    (423, "Locked", "Locked for a while after repeated failures"),
    (
        500,
        "Internal",
        "An internal error; it is logged with the request id (`x-request-id`)",
    ),
    (
        503,
        "Unavailable",
        "The request took too long and was stopped, or the service is not ready",
    ),
];

fn shared(name: &str) -> (u16, &'static str, &'static str) {
    *SHARED
        .iter()
        .find(|(_, n, _)| *n == name)
        .unwrap_or_else(|| panic!("no shared response {name}"))
}

/// What an operation is, as far as the errors it can answer go.
#[derive(Debug, Default)]
struct Facts {
    action: Option<Action>,
    /// POST, PUT, PATCH or DELETE: the CSRF check applies.
    mutating: bool,
    /// The request body's media types.
    body: Vec<String>,
    path_params: bool,
    query_params: bool,
}

impl Facts {
    fn of(method: &str, op: &Value, action: Action) -> Self {
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let is_in = |place: &str| params.iter().any(|p| p["in"] == place);
        Facts {
            action: Some(action),
            mutating: matches!(method, "post" | "put" | "patch" | "delete"),
            body: op["requestBody"]["content"]
                .as_object()
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default(),
            path_params: is_in("path"),
            query_params: is_in("query"),
        }
    }

    /// The shared responses (by name) this operation can answer.
    fn shared_responses(&self) -> Vec<&'static str> {
        let action = self.action.unwrap_or(Action::PUBLIC);
        let mut out = Vec::new();
        let has_body = !self.body.is_empty();
        if has_body || self.query_params {
            out.push("BadRequest");
        }
        if action != Action::PUBLIC {
            out.push("Unauthorized");
        }
        match (action.is_guarded(), self.mutating) {
            (true, true) => out.push("ForbiddenOrCsrfRefused"),
            (true, false) => out.push("Forbidden"),
            (false, true) => out.push("CsrfRefused"),
            (false, false) => {}
        }
        if self.path_params {
            out.push("NotFound");
        }
        if has_body {
            out.push("PayloadTooLarge");
            out.push("UnsupportedMediaType");
        }
        if has_body || self.query_params {
            out.push("Unprocessable");
        }
        out.push("Internal");
        out.push("Unavailable");
        out
    }
}

/// Tags from the capabilities, security requirements from the declared actions and the policy
/// table, the values of `Action`, and the facts above. Panics (at start-up and in tests) if an
/// operation has no action or the policy table is inconsistent, so a route cannot be added
/// without deciding who may call it.
pub fn finish(mut doc: utoipa::openapi::OpenApi, ops: &HashMap<String, Action>) -> Value {
    if let Err(e) = policy::check(ops) {
        panic!("policy table: {e}");
    }
    doc.tags = Some(
        CAPABILITIES
            .iter()
            .map(|c| {
                TagBuilder::new()
                    .name(c.name)
                    .description(Some(c.description))
                    .build()
            })
            .collect(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::session::COOKIE,
            "Session cookie set by POST /api/v1/session. Scopes list the roles allowed.",
        ))),
    );
    let actions: Vec<serde_json::Value> = policy::all_actions()
        .iter()
        .map(|a| serde_json::Value::from(a.id()))
        .collect();
    components.schemas.insert(
        "Action".into(),
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(actions))
            .description(Some("What a user may do; see each capability's policy"))
            .into(),
    );
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let id = op.operation_id.clone().unwrap_or_default();
            let action = *ops
                .get(&id)
                .unwrap_or_else(|| panic!("operation {id} was not declared with an action"));
            op.security = Some(if action == Action::PUBLIC {
                vec![SecurityRequirement::default()]
            } else {
                vec![SecurityRequirement::new(
                    SECURITY_SCHEME,
                    policy::roles_for(action).iter().map(|r| {
                        use crate::kernel::Coded;
                        r.code()
                    }),
                )]
            });
        }
    }
    let mut doc = serde_json::to_value(&doc).expect("the document serialises");
    add_error_responses(&mut doc, ops);
    refuse_nul_in_requests(&mut doc);
    doc
}

/// The shared error responses in `components.responses`, referenced from every operation that
/// can answer them; a status the handler documents itself keeps the handler's words, with the
/// shared meaning added. Every problem becomes `application/problem+json`; a response without
/// a description gets its status's.
fn add_error_responses(doc: &mut Value, ops: &HashMap<String, Action>) {
    let mut used = std::collections::BTreeSet::new();
    let paths = doc["paths"].as_object_mut().expect("paths");
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if op.get("operationId").is_none() {
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            let facts = Facts::of(method, op, ops[&id]);
            let responses = op["responses"]
                .as_object_mut()
                .expect("an operation has responses");
            for name in facts.shared_responses() {
                let (status, _, meaning) = shared(name);
                match responses.get_mut(&status.to_string()) {
                    None => {
                        responses.insert(
                            status.to_string(),
                            json!({"$ref": format!("#/components/responses/{name}")}),
                        );
                        used.insert(name);
                    }
                    Some(own) => {
                        let d = own["description"].as_str().unwrap_or("").trim();
                        own["description"] = if d.is_empty() {
                            json!(meaning)
                        } else {
                            json!(format!("{}. Or: {meaning}", d.trim_end_matches('.')))
                        };
                    }
                }
            }
            for (status, r) in responses.iter_mut() {
                if r.get("$ref").is_some() {
                    continue;
                }
                if r["description"].as_str().is_none_or(str::is_empty) {
                    r["description"] = json!(default_description(status));
                }
                problem_media_type(r);
            }
        }
    }
    let mut out = Map::new();
    for name in used {
        let (status, _, meaning) = shared(name);
        let mut r = json!({
            "description": meaning,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
        });
        if status == 401 {
            r["headers"] = json!({"WWW-Authenticate": {
                "description": "`Cookie realm=\"tongyao\"`",
                "schema": {"type": "string"}
            }});
        }
        out.insert(name.to_string(), r);
    }
    doc["components"]["responses"] = Value::Object(out);
}

fn default_description(status: &str) -> String {
    if let Some((_, _, meaning)) = SHARED
        .iter()
        .find(|(s, _, _)| s.to_string() == status && !matches!(*s, 403))
    {
        return meaning.to_string();
    }
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Answer")
        .to_string()
}

/// A response whose body is a `Problem` is `application/problem+json`, as the service answers.
fn problem_media_type(r: &mut Value) {
    let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    let problem_under = |c: &Map<String, Value>, mt: &str| {
        c.get(mt)
            .is_some_and(|m| m["schema"]["$ref"].as_str() == Some(PROBLEM_REF))
    };
    if problem_under(content, "application/json")
        && let Some(m) = content.remove("application/json")
    {
        content.insert(PROBLEM_JSON.into(), m);
    }
}

/// The pattern of a string that holds no NUL character: the service refuses NUL in every
/// request string (PostgreSQL cannot store it).
pub const NO_NUL: &str = "^[^\\x00]*$";

/// Request strings (in bodies and query strings) without a pattern, enum or format of their
/// own get [`NO_NUL`], so the document says what the service refuses.
fn refuse_nul_in_requests(doc: &mut Value) {
    let mut refs = std::collections::BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for p in params {
                        if p["in"] == "query" {
                            no_nul(&mut p["schema"], &mut refs);
                        }
                    }
                }
                if let Some(content) = op
                    .pointer_mut("/requestBody/content")
                    .and_then(Value::as_object_mut)
                {
                    for media in content.values_mut() {
                        no_nul(&mut media["schema"], &mut refs);
                    }
                }
            }
        }
    }
    // Referenced schemas, and the ones they reference, once each.
    let mut done = std::collections::BTreeSet::new();
    while let Some(name) = refs.iter().find(|r| !done.contains(*r)).cloned() {
        done.insert(name.clone());
        if let Some(s) = doc["components"]["schemas"].get_mut(&name) {
            no_nul(s, &mut refs);
        }
    }
}

fn no_nul(schema: &mut Value, refs: &mut std::collections::BTreeSet<String>) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        if let Some(name) = r.strip_prefix("#/components/schemas/") {
            refs.insert(name.to_string());
        }
        return;
    }
    let is_string = match obj.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string
        && !obj.contains_key("pattern")
        && !obj.contains_key("enum")
        && !obj.contains_key("const")
        && !obj.contains_key("format")
    {
        obj.insert("pattern".into(), json!(NO_NUL));
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(v) = obj.get_mut(key) {
            no_nul(v, refs);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for v in list {
                no_nul(v, refs);
            }
        }
    }
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for v in props.values_mut() {
            no_nul(v, refs);
        }
    }
}

/// The document as served on `today`: every `{{today}}`, `{{today+N}}` or `{{today-N}}` in a
/// string (examples of dates) becomes that day, so examples stay valid as time passes.
pub fn dated(doc: &Value, today: NaiveDate) -> Value {
    match doc {
        Value::String(s) if s.contains("{{today") => Value::String(fill_days(s, today)),
        Value::Array(a) => Value::Array(a.iter().map(|v| dated(v, today)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), dated(v, today)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn fill_days(s: &str, today: NaiveDate) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{today") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "{{today".len()..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return out;
        };
        let offset = after[..end].replace(' ', "");
        let days: i64 = match offset.as_str() {
            "" => 0,
            o => o
                .parse()
                .unwrap_or_else(|_| panic!("a date placeholder {{{{today{o}}}}} in the document")),
        };
        out.push_str(&(today + chrono::Duration::days(days)).to_string());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The docs page, and the document dated the day it is asked for (rendered once a day).
pub fn docs_router(doc: Value, clock: Clock) -> Router {
    let doc = Arc::new(doc);
    let cache: Arc<Mutex<Option<(NaiveDate, axum::body::Bytes)>>> = Arc::default();
    let serve = axum::routing::get(move || {
        let (doc, cache) = (doc.clone(), cache.clone());
        async move {
            let today = clock.today();
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            let body = match c.as_ref() {
                Some((day, bytes)) if *day == today => bytes.clone(),
                _ => {
                    let bytes = axum::body::Bytes::from(
                        serde_json::to_vec(&dated(&doc, today)).unwrap_or_default(),
                    );
                    *c = Some((today, bytes.clone()));
                    bytes
                }
            };
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    });
    Router::new()
        .route(DOCUMENT_PATH, serve)
        .merge(SwaggerUi::new("/api/docs").config(Config::from(DOCUMENT_PATH)))
}

/// The finished document dated by the settings' clock (for `tongyao openapi` and tests),
/// without a database.
pub fn document(settings: &Settings) -> Value {
    let (router, ops) = crate::capability::assemble(CAPABILITIES, settings, |mr, _| mr);
    let doc = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(router)
        .into_openapi();
    dated(&finish(doc, &ops), settings.clock().today())
}

#[cfg(test)]
mod tests {
    /// Every `$ref` of the document points at a component that exists (a query parameter's
    /// enum is easily referenced without being registered).
    #[test]
    fn every_reference_resolves() {
        let settings =
            Settings::load_from(std::path::Path::new("/none"), "test", Vec::new()).unwrap();
        let doc = serde_json::to_value(document(&settings)).unwrap();
        fn walk(v: &serde_json::Value, doc: &serde_json::Value) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                        let path: Vec<&str> = r.trim_start_matches("#/").split('/').collect();
                        let target = path.iter().fold(doc, |d, k| &d[*k]);
                        assert!(!target.is_null(), "dangling reference {r}");
                    }
                    m.values().for_each(|x| walk(x, doc));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, doc)),
                _ => {}
            }
        }
        walk(&doc, &doc);
    }

    use super::*;

    fn settings() -> Settings {
        Settings::load_from(
            std::path::Path::new("/none"),
            "test",
            [(
                "TONGYAO__CLOCK__TODAY".to_string(),
                "2027-01-01".to_string(),
            )],
        )
        .unwrap()
    }

    fn operations(doc: &Value) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                out.push((format!("{} {path}", method.to_uppercase()), op));
            }
        }
        out
    }

    #[test]
    fn every_operation_has_security_and_its_error_answers() {
        let doc = document(&settings());
        let ops = operations(&doc);
        assert!(ops.len() > 30, "{} operations", ops.len());
        for (label, op) in ops {
            assert!(op["security"].is_array(), "{label}");
            let r = &op["responses"];
            for status in ["500", "503"] {
                assert!(r.get(status).is_some(), "{label} lacks {status}");
            }
            let public = op["security"][0].as_object().unwrap().is_empty();
            assert!(public || r.get("401").is_some(), "{label}: 401");
            if !label.starts_with("GET") {
                assert!(r.get("403").is_some(), "{label}: the CSRF check's 403");
            }
            for (status, answer) in r.as_object().unwrap() {
                let answer = match answer["$ref"].as_str() {
                    Some(name) => &doc["components"]["responses"][name.rsplit('/').next().unwrap()],
                    None => answer,
                };
                assert!(
                    !answer["description"].as_str().unwrap_or("").is_empty(),
                    "{label} {status} has no description"
                );
                if let Some(content) = answer["content"].as_object() {
                    for (media, m) in content {
                        if m["schema"]["$ref"] == PROBLEM_REF {
                            assert_eq!(media, PROBLEM_JSON, "{label} {status}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn examples_are_dated_from_today() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(
            fill_days("{{today}} {{today+7}} {{today-1}}", d),
            "2027-01-01 2027-01-08 2026-12-31"
        );
        let doc = document(&settings()).to_string();
        assert!(!doc.contains("{{today"), "a date placeholder was left");
    }

    /// The document is a file in review: any change to the API's contract is a diff of
    /// `api/openapi.snapshot.json`. `TONGYAO_UPDATE_SNAPSHOTS=1` rewrites it.
    #[test]
    fn the_document_matches_its_snapshot() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.snapshot.json");
        let now = serde_json::to_string_pretty(&document(&settings())).unwrap() + "\n";
        assert_eq!(
            now,
            serde_json::to_string_pretty(&document(&settings())).unwrap() + "\n",
            "the document is not deterministic"
        );
        if std::env::var("TONGYAO_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
            std::fs::write(path, &now).unwrap();
            return;
        }
        let before = std::fs::read_to_string(path).unwrap_or_default();
        if before != now {
            let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), now.lines().collect());
            let at = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            let show = |l: &[&str]| l[at.saturating_sub(3)..(at + 4).min(l.len())].join("\n");
            panic!(
                "the OpenAPI document differs from api/openapi.snapshot.json at line {}:\n\
                 --- snapshot\n{}\n+++ now\n{}\n\n\
                 If the change is intended, run `TONGYAO_UPDATE_SNAPSHOTS=1 cargo test -p tongyao \
                 openapi` and commit the file.",
                at + 1,
                show(&a),
                show(&b)
            );
        }
    }
}
