//! The OpenAPI document, generated from the handlers (utoipa), with each operation's `security`
//! filled from the one policy table, and the docs page at `/api/docs` (vendored assets).
use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::policy::{self, Action};
use crate::config::Settings;
use crate::state::AppState;
use crate::{admin, audit, auth, formulary, health};

pub const SECURITY_SCHEME: &str = "session";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tongyao API",
        description = "统药: one formulary, one purchase, one delivery, one payment for a medical consortium. \
            Errors are RFC 9457 problem+json. Sign in with POST /api/v1/session; send `X-Tongyao-Csrf: 1` \
            on every state-changing request. Each operation's `security` lists the roles that may call it.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "session", description = "Sign-in and the current user"),
        (name = "admin", description = "Consortia, institutions, users"),
        (name = "audit", description = "Audit trail"),
        (name = "formulary", description = "统一目录: the consortium formulary"),
        (name = "operations", description = "Health and readiness")
    )
)]
struct ApiDoc;

/// Every API route, with its OpenAPI operation.
pub fn api_router(settings: &Settings) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(formulary::handlers::import_formulary))
        .layer(DefaultBodyLimit::max(settings.server.upload_limit_bytes));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(auth::handlers::sign_in, auth::handlers::sign_out))
        .routes(routes!(auth::handlers::get_me))
        .routes(routes!(auth::handlers::change_password))
        .routes(routes!(
            admin::handlers::list_consortia,
            admin::handlers::create_consortium
        ))
        .routes(routes!(
            admin::handlers::list_institutions,
            admin::handlers::create_institution
        ))
        .routes(routes!(admin::handlers::update_institution))
        .routes(routes!(
            admin::handlers::list_users,
            admin::handlers::create_user
        ))
        .routes(routes!(admin::handlers::update_user))
        .routes(routes!(audit::handlers::list_audit))
        .merge(formulary::router())
        .merge(uploads)
}

/// Fill security requirements from the policy table. Panics (at start-up and in tests) if an
/// operation has no policy, so a new route cannot be added without deciding who may call it.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::session::COOKIE,
            "Session cookie set by POST /api/v1/session. Scopes list the roles allowed.",
        ))),
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
            let action = policy::action_of(&id).unwrap_or_else(|| {
                panic!("operation {id} has no entry in auth::policy::OPERATIONS")
            });
            op.security = Some(match action {
                Action::Public => vec![SecurityRequirement::default()],
                Action::Authenticated => vec![SecurityRequirement::new(
                    SECURITY_SCHEME,
                    Vec::<String>::new(),
                )],
                a => vec![SecurityRequirement::new(
                    SECURITY_SCHEME,
                    policy::roles_for(a).iter().map(|r| r.as_str()),
                )],
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

/// The finished document (for `tongyao openapi` and tests).
pub fn document(settings: &Settings) -> utoipa::openapi::OpenApi {
    finish(api_router(settings).into_openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_policy_and_every_policy_an_operation() {
        let settings =
            Settings::load_from(std::path::Path::new("/none"), "test", Vec::new()).unwrap();
        let doc = document(&settings);
        let mut seen = Vec::new();
        for item in doc.paths.paths.values() {
            for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                seen.push(op.operation_id.clone().unwrap());
                assert!(op.security.is_some());
            }
        }
        for (id, _) in policy::OPERATIONS {
            assert!(
                seen.iter().any(|s| s == id),
                "policy for {id} but no such operation"
            );
        }
    }
}
