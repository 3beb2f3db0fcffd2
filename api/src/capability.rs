//! The shape every capability shares. A capability is a folder under `api/src/` that exports
//! one [`Capability`]: its name and description (the OpenAPI tag), its part of the policy table
//! (which roles may perform each of its actions), its routes — each operation declared once with
//! the action it performs — and its per-instance state. `lib.rs` registers each capability with
//! one line; the OpenAPI document, the authorization of every route, the `security` roles of
//! every operation and the actions a user sees in `/api/v1/me` all follow from these
//! declarations (see docs/ARCHITECTURE.md, "Adding a capability").
use std::collections::HashMap;

use axum::extract::DefaultBodyLimit;
use entity::user::Role;
use serde::Serialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::config::Settings;
use crate::kernel::Ctx;
use crate::state::AppState;

/// What an operation does, as far as permission goes: a snake_case id such as
/// `read_formulary`. The web app shows a page when the signed-in user's `actions` contain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Action(pub &'static str);

impl Action {
    /// No session needed.
    pub const PUBLIC: Action = Action("public");
    /// Any signed-in user.
    pub const SIGNED_IN: Action = Action("signed_in");

    pub fn id(self) -> &'static str {
        self.0
    }

    /// Guarded by roles (not public, not merely signed in).
    pub fn is_guarded(self) -> bool {
        self != Action::PUBLIC && self != Action::SIGNED_IN
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl utoipa::PartialSchema for Action {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // The values are filled from the registered policies when the document is finished.
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .into()
    }
}

impl utoipa::ToSchema for Action {}

/// A capability's part of the policy table: each of its actions and the roles allowed.
pub type Policy = &'static [(Action, &'static [Role])];

pub struct Capability {
    /// The OpenAPI tag of its operations.
    pub name: &'static str,
    pub description: &'static str,
    pub policy: Policy,
    pub routes: fn() -> Routes,
    /// Adds the capability's per-instance state to the service context.
    pub init: fn(Ctx, &Settings) -> Ctx,
    /// Its request-validation messages: (key, Chinese, English) — see `i18n::validation_message`.
    pub messages: Messages,
    /// Loads its part of the demo (after the demo organisation), saying what it did.
    pub demo: Option<DemoLoader>,
    /// The notices it sends through the outbox: each kind with the renderer of its attachment
    /// (see `jobs::outbox`).
    pub notices: &'static [(&'static str, crate::jobs::outbox::Render)],
}

/// Keyed messages: (key, Chinese, English).
pub type Messages = &'static [(&'static str, &'static str, &'static str)];

/// What a capability's demo loader gets.
pub struct DemoArgs<'a> {
    pub db: &'a sea_orm::DatabaseConnection,
    pub ids: &'a crate::demo::DemoIds,
    /// `tongyao demo --entries N`: this many synthetic products (benchmarks).
    pub entries: Option<usize>,
    /// The service's clock (a fixed `clock.today` dates the demo's history from that day).
    pub clock: crate::kernel::Clock,
    /// The service's context over `db`, for demos that go through the services (approving,
    /// aggregating) rather than writing rows.
    pub ctx: &'a crate::kernel::Ctx,
}

pub type DemoLoader = for<'a> fn(
    DemoArgs<'a>,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = anyhow::Result<String>> + Send + 'a>,
>;

/// No per-instance state.
pub fn no_state(ctx: Ctx, _: &Settings) -> Ctx {
    ctx
}

/// One operation and the action it performs.
pub struct Declared {
    pub method_router: UtoipaMethodRouter<AppState>,
    pub action: Action,
    /// Takes a file upload (the larger body limit `server.upload_limit_bytes`).
    pub upload: bool,
}

/// A capability's operations, each declared once with its action.
#[derive(Default)]
pub struct Routes {
    pub ops: Vec<Declared>,
}

impl Routes {
    pub fn new() -> Self {
        Routes::default()
    }

    /// An operation (`routes!(handler)`, one handler) performing `action`.
    pub fn op(mut self, method_router: UtoipaMethodRouter<AppState>, action: Action) -> Self {
        self.ops.push(Declared {
            method_router,
            action,
            upload: false,
        });
        self
    }

    /// An operation that receives a file upload.
    pub fn upload(mut self, method_router: UtoipaMethodRouter<AppState>, action: Action) -> Self {
        self.ops.push(Declared {
            method_router,
            action,
            upload: true,
        });
        self
    }
}

/// Every operation id with its action, and the router with each operation wrapped by `guard`
/// (authorization; the document alone needs none).
pub fn assemble(
    capabilities: &[Capability],
    settings: &Settings,
    guard: impl Fn(
        axum::routing::MethodRouter<AppState>,
        Action,
    ) -> axum::routing::MethodRouter<AppState>,
) -> (OpenApiRouter<AppState>, HashMap<String, Action>) {
    let mut router = OpenApiRouter::new();
    let mut actions = HashMap::new();
    for cap in capabilities {
        for d in (cap.routes)().ops {
            let (schemas, paths, mut mr) = d.method_router;
            for item in paths.paths.values() {
                for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                    .into_iter()
                    .flatten()
                {
                    let id = op.operation_id.clone().unwrap_or_default();
                    if actions.insert(id.clone(), d.action).is_some() {
                        panic!("operation {id} is declared twice");
                    }
                }
            }
            if d.upload {
                mr = mr.layer(DefaultBodyLimit::max(settings.server.upload_limit_bytes));
            }
            router = router.routes((schemas, paths, guard(mr, d.action)));
        }
    }
    (router, actions)
}
