//! The emulator's server host: axum and tokio over `instavm-emulator-core`,
//! which holds every route, the state and the faults. This host turns HTTP
//! into the core's requests and back, sleeps when the core asks it to wait,
//! drops the connection for a `reset`, supplies the clock, and serves the
//! static folders (the demo page) beside the API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use instavm_emulator_core::{Clock, Emulator, Outcome, MAX_BODY_BYTES};
use tower_http::services::ServeDir;

pub use instavm_emulator_core::{parse_faults, Fault, Settings};

/// The real clock: monotonic from start-up, and the wall clock for records.
struct SystemClock(Instant);

impl Clock for SystemClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }

    fn epoch_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// The whole API as a router.
pub fn app(settings: Settings) -> Router {
    app_with_statics(settings, Vec::new())
}

/// The API, plus folders served as static files: `(URL prefix, folder)`; the
/// prefix `/` serves everything the API does not (the demo page). Unknown
/// files answer as unknown API routes do: a JSON 404 from the core.
pub fn app_with_statics(settings: Settings, statics: Vec<(String, PathBuf)>) -> Router {
    let emulator = Arc::new(Emulator::new(settings, Arc::new(SystemClock(Instant::now()))));
    let api = any(handle).with_state(emulator.clone());
    let mut router = Router::new()
        .route("/v1", api.clone())
        .route("/v1/{*rest}", api.clone())
        .route("/_emulator/{*rest}", api.clone())
        .fallback_service(api.clone());
    for (prefix, dir) in statics {
        let files = ServeDir::new(dir).call_fallback_on_method_not_allowed(true).not_found_service(api.clone());
        router = if prefix == "/" { router.fallback_service(files) } else { router.nest_service(&prefix, files) };
    }
    router.layer(DefaultBodyLimit::disable())
}

/// One request through the core: waits where it asks, then answers.
async fn handle(State(emulator): State<Arc<Emulator>>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    // Past the limit the content no longer matters: the core refuses it by size.
    let body = to_bytes(body, MAX_BODY_BYTES + 1).await.map(|b| b.to_vec()).unwrap_or_else(|_| vec![0; MAX_BODY_BYTES + 1]);
    let request = instavm_emulator_core::Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers.iter().filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string()))).collect(),
        body,
    };
    let mut outcome = emulator.handle(request);
    loop {
        match outcome {
            Outcome::Answer(answer) => return into_axum(answer),
            Outcome::Reset => return connection_reset(),
            Outcome::Later { ms, then } => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                outcome = emulator.resume(then);
            }
        }
    }
}

/// Exactly the core's status, headers and body (no content type of axum's own).
fn into_axum(answer: instavm_emulator_core::Response) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

/// A response whose body fails at once: the connection is dropped without a
/// complete answer, as after a reset.
fn connection_reset() -> Response {
    let failing = futures_util::stream::once(async { Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset")) });
    Response::new(Body::from_stream(failing))
}
