//! The web app at `/`, with deep links falling back to `index.html`.
//!
//! The app is built into the binary: `build.rs` gzips every file of `frontend/dist` at compile
//! time. Each answer carries its content type, a weak ETag (304 on `If-None-Match`) and a cache
//! policy — `index.html` is revalidated every time, hashed files under `/assets/` are immutable.
//! A client that accepts gzip gets the stored bytes with `Content-Encoding: gzip` (the outer
//! `CompressionLayer` leaves a response that has a `Content-Encoding` alone); another gets them
//! decompressed. `server.static_dir`, when set, serves a folder from disk instead (development).
use std::convert::Infallible;
use std::io::Read;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use tower_http::services::{ServeDir, ServeFile};

pub type WebService = BoxCloneSyncService<Request<Body>, Response, Infallible>;

/// One file of the built web app.
#[derive(Debug)]
pub struct Asset {
    /// Relative to `frontend/dist`, `/`-separated.
    pub path: &'static str,
    pub content_type: &'static str,
    /// A weak ETag (`W/"…"`), the same for the gzipped and the plain answer.
    pub etag: &'static str,
    /// `bytes` are gzip-compressed (files that gzip does not shrink by a tenth are stored as is).
    pub gzip: bool,
    pub bytes: &'static [u8],
}

/// The files of `frontend/dist` when this binary was compiled, sorted by path; empty when the
/// web app was not built then. Always holds `index.html` when not empty.
static EMBEDDED: &[Asset] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

const BUILD_IT: &str =
    "Build it with `npm --prefix frontend ci && npm --prefix frontend run build`";

/// The web app: from `static_dir` when it is set, else the one built into the binary.
pub fn service(static_dir: Option<&Path>) -> WebService {
    match static_dir.filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => from_dir(dir),
        None if EMBEDDED.is_empty() => unavailable(format!(
            "The web app was not built into this binary (frontend/dist/index.html did not exist when it was compiled). {BUILD_IT}, then `cargo build` again; or set server.static_dir to a built frontend/dist."
        )),
        None => embedded(EMBEDDED),
    }
}

fn from_dir(dir: &Path) -> WebService {
    let index = dir.join("index.html");
    if !index.exists() {
        let instead = if EMBEDDED.is_empty() {
            "or point server.static_dir at a built frontend/dist"
        } else {
            "or unset server.static_dir to use the web app built into this binary"
        };
        return unavailable(format!(
            "The web app is not built here (server.static_dir is set and {} is missing). {BUILD_IT}, {instead}.",
            index.display()
        ));
    }
    let serve = ServeDir::new(dir).fallback(ServeFile::new(index));
    BoxCloneSyncService::new(ServiceExt::<Request<Body>>::map_response(serve, |r| {
        r.map(Body::new)
    }))
}

fn unavailable(msg: String) -> WebService {
    BoxCloneSyncService::new(tower::service_fn(move |_req: Request<Body>| {
        let msg = msg.clone();
        async move { Ok::<_, Infallible>((StatusCode::SERVICE_UNAVAILABLE, msg).into_response()) }
    }))
}

fn embedded(assets: &'static [Asset]) -> WebService {
    BoxCloneSyncService::new(tower::service_fn(move |req: Request<Body>| async move {
        Ok::<_, Infallible>(answer(
            assets,
            req.method(),
            req.uri().path(),
            req.headers(),
        ))
    }))
}

fn find(assets: &'static [Asset], path: &str) -> Option<&'static Asset> {
    let i = assets.binary_search_by(|a| a.path.cmp(path)).ok()?;
    Some(&assets[i])
}

fn answer(assets: &'static [Asset], method: &Method, path: &str, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let path = path.trim_start_matches('/');
    let asset = match find(assets, path) {
        Some(asset) => asset,
        // A hashed file that is not (or no longer) here: index.html would only hide the error.
        None if path.starts_with("assets/") => {
            return (StatusCode::NOT_FOUND, "Not found").into_response();
        }
        // `/`, deep links: the app routes them itself.
        None => match find(assets, "index.html") {
            Some(index) => index,
            None => return (StatusCode::NOT_FOUND, "Not found").into_response(),
        },
    };
    let cache = if asset.path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let not_modified = etag_matches(headers, asset.etag);
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if !asset.gzip {
        Body::from(Bytes::from_static(asset.bytes)).into_response()
    } else if accepts_gzip(headers) {
        let mut res = Body::from(Bytes::from_static(asset.bytes)).into_response();
        res.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        res
    } else {
        let mut plain = Vec::with_capacity(asset.bytes.len() * 4);
        if let Err(e) = flate2::read::GzDecoder::new(asset.bytes).read_to_end(&mut plain) {
            tracing::error!(path = asset.path, error = %e, "an embedded file does not decompress");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Body::from(plain).into_response()
    };
    let h = res.headers_mut();
    if !not_modified {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
    }
    h.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if asset.gzip {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// `If-None-Match` lists this ETag (weak comparison) or is `*`.
fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

/// The client accepts gzip: `gzip`, `x-gzip` or `*` in `Accept-Encoding` with a non-zero q.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let (mut gzip, mut any) = (None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| v.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(q > 0.0);
            } else if coding == "*" {
                any = Some(q > 0.0);
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(raw: &[u8]) -> &'static [u8] {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(raw).unwrap();
        Vec::leak(e.finish().unwrap())
    }

    const INDEX: &str = "<!doctype html><div id=\"root\"></div>";
    const JS: &str = "console.log('tongyao');";

    fn assets() -> &'static [Asset] {
        Vec::leak(vec![
            Asset {
                path: "assets/index-abc123.js",
                content_type: "text/javascript; charset=utf-8",
                etag: "W/\"js1\"",
                gzip: true,
                bytes: gz(JS.as_bytes()),
            },
            Asset {
                path: "favicon.png",
                content_type: "image/png",
                etag: "W/\"png1\"",
                gzip: false,
                bytes: b"\x89PNG",
            },
            Asset {
                path: "index.html",
                content_type: "text/html; charset=utf-8",
                etag: "W/\"html1\"",
                gzip: true,
                bytes: gz(INDEX.as_bytes()),
            },
        ])
    }

    fn get(path: &str, headers: &[(&str, &str)]) -> Response {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        answer(assets(), &Method::GET, path, &map)
    }

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn root_and_deep_links_answer_index_html_revalidated() {
        for path in ["/", "/index.html", "/formulary/proposals", "/a/b/c"] {
            let res = get(path, &[]);
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(
                res.headers()[header::CONTENT_TYPE],
                "text/html; charset=utf-8"
            );
            assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
            assert_eq!(res.headers()[header::ETAG], "W/\"html1\"");
            assert!(!res.headers().contains_key(header::CONTENT_ENCODING));
            assert_eq!(body(res).await, INDEX.as_bytes(), "{path}");
        }
    }

    #[tokio::test]
    async fn hashed_assets_are_immutable_and_gzipped_when_accepted() {
        let res = get(
            "/assets/index-abc123.js",
            &[("accept-encoding", "gzip, deflate, br")],
        );
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(res.headers()[header::VARY], "accept-encoding");
        assert_eq!(
            res.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&body(res).await[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, JS);

        for refuse in ["identity", "gzip;q=0", "br", "*;q=0", "gzip;q=0, *"] {
            let res = get("/assets/index-abc123.js", &[("accept-encoding", refuse)]);
            assert!(
                !res.headers().contains_key(header::CONTENT_ENCODING),
                "{refuse}"
            );
            assert_eq!(body(res).await, JS.as_bytes(), "{refuse}");
        }
        let res = get("/assets/index-abc123.js", &[("accept-encoding", "*")]);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");

        let res = get("/favicon.png", &[("accept-encoding", "gzip")]);
        assert!(!res.headers().contains_key(header::CONTENT_ENCODING));
        assert_eq!(res.headers()[header::CONTENT_TYPE], "image/png");
        assert_eq!(body(res).await, b"\x89PNG");
    }

    #[tokio::test]
    async fn a_missing_asset_is_404_not_index_html() {
        let res = get("/assets/index-old.js", &[]);
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_known_etag_answers_304() {
        for inm in ["W/\"js1\"", "\"js1\"", "\"other\", W/\"js1\"", "*"] {
            let res = get("/assets/index-abc123.js", &[("if-none-match", inm)]);
            assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{inm}");
            assert_eq!(res.headers()[header::ETAG], "W/\"js1\"");
            assert!(body(res).await.is_empty());
        }
        let res = get("/assets/index-abc123.js", &[("if-none-match", "W/\"js0\"")]);
        assert_eq!(res.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn only_get_and_head() {
        let res = answer(assets(), &Method::POST, "/", &HeaderMap::new());
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        let res = answer(assets(), &Method::HEAD, "/", &HeaderMap::new());
        assert_eq!(res.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_static_dir_without_index_html_says_how_to_build_it() {
        let res = service(Some(Path::new("/nonexistent/dist")))
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let text = String::from_utf8(body(res).await).unwrap();
        assert!(text.contains("/nonexistent/dist/index.html"), "{text}");
        assert!(text.contains("npm --prefix frontend run build"), "{text}");
    }
}
