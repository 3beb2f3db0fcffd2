//! The OpenAPI document, generated from the handlers (utoipa) of every registered capability,
//! with each operation's `security` filled from the action it was declared with and the policy
//! table, and the docs page at `/api/docs` (vendored assets).
use std::collections::HashMap;

use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::CAPABILITIES;
use crate::auth::policy::{self, Action};
use crate::config::Settings;
use crate::state::AppState;

pub const SECURITY_SCHEME: &str = "session";

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

/// Tags from the capabilities, security requirements from the declared actions and the policy
/// table, and the values of `Action`. Panics (at start-up and in tests) if an operation has no
/// action or the policy table is inconsistent, so a route cannot be added without deciding who
/// may call it.
pub fn finish(
    mut doc: utoipa::openapi::OpenApi,
    ops: &HashMap<String, Action>,
) -> utoipa::openapi::OpenApi {
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
    doc
}

pub fn docs_router(doc: utoipa::openapi::OpenApi) -> Router {
    SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", doc)
        .into()
}

/// The finished document (for `tongyao openapi` and tests), without a database.
pub fn document(settings: &Settings) -> utoipa::openapi::OpenApi {
    let (router, ops) = crate::capability::assemble(CAPABILITIES, settings, |mr, _| mr);
    let doc = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(router)
        .into_openapi();
    finish(doc, &ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_an_action_and_security() {
        let settings =
            Settings::load_from(std::path::Path::new("/none"), "test", Vec::new()).unwrap();
        let doc = document(&settings);
        let mut n = 0;
        for item in doc.paths.paths.values() {
            for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                n += 1;
                assert!(op.security.is_some());
            }
        }
        assert!(n > 30, "{n} operations");
    }
}
