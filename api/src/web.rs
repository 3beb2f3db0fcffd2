//! The built web app (`frontend/dist`) at `/`, with deep links falling back to `index.html`.
use std::convert::Infallible;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use tower_http::services::{ServeDir, ServeFile};

pub type WebService = BoxCloneSyncService<Request<Body>, Response, Infallible>;

pub fn service(dir: &Path) -> WebService {
    let index = dir.join("index.html");
    if !index.exists() {
        let msg = format!(
            "The web app is not built here ({} is missing). Build it with `npm --prefix frontend ci && npm --prefix frontend run build`, or set server.static_dir.",
            index.display()
        );
        return BoxCloneSyncService::new(tower::service_fn(move |_req: Request<Body>| {
            let msg = msg.clone();
            async move { Ok::<_, Infallible>((StatusCode::SERVICE_UNAVAILABLE, msg).into_response()) }
        }));
    }
    let serve = ServeDir::new(dir).fallback(ServeFile::new(index));
    BoxCloneSyncService::new(ServiceExt::<Request<Body>>::map_response(serve, |r| {
        r.map(Body::new)
    }))
}
