//! The routes: the page and its assets, `GET /api/scenarios`, `POST /api/run`; every error a
//! JSON `{"error": "..."}` with its status.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scenarios::params::ParamValue;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::compute::{self, ComputeError, Job, Reference};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const UPLOT_JS: &str = include_str!("assets/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("assets/uPlot.min.css");

/// The server's routes behind the Host/Origin guard.
pub fn router(state: Arc<AppState>) -> Router {
    let asset = |body: &'static str, kind: &'static str| {
        get(move || async move { ([(header::CONTENT_TYPE, kind)], body) })
    };
    Router::new()
        .route("/", asset(INDEX_HTML, "text/html; charset=utf-8"))
        .route("/app.js", asset(APP_JS, "text/javascript; charset=utf-8"))
        .route("/app.css", asset(APP_CSS, "text/css; charset=utf-8"))
        .route("/uPlot.iife.min.js", asset(UPLOT_JS, "text/javascript; charset=utf-8"))
        .route("/uPlot.min.css", asset(UPLOT_CSS, "text/css; charset=utf-8"))
        .route("/api/scenarios", get(list_scenarios))
        .route("/api/run", post(run))
        .route("/api/study", post(study))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page or API".into()) })
        .method_not_allowed_fallback(|| async {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed here".into())
        })
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// A JSON error response.
fn error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// An error on its way to becoming a JSON response: a status and a message.
#[derive(Debug)]
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

/// Refuses requests with a foreign `Host` or a cross `Origin` (see [`super::guard`]); adds
/// headers that keep the page in its own origin.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let refusal = {
        let headers = request.headers();
        let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
        let changing = !matches!(*request.method(), Method::GET | Method::HEAD);
        super::guard::refusal(
            &state.allowed_hosts,
            text(header::HOST),
            text(header::ORIGIN),
            changing,
        )
    };
    if let Some(reason) = refusal {
        return error(StatusCode::FORBIDDEN, reason);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /api/scenarios`: every served scenario with its controls.
async fn list_scenarios(State(state): State<Arc<AppState>>) -> Response {
    let list: Vec<_> = state
        .scenarios
        .iter()
        .map(|(name, served)| {
            json!({
                "name": name,
                "title": served.scenario.name,
                "description": served.scenario.description,
                "file": served.scenario.file,
                "controls": served.controls,
            })
        })
        .collect();
    axum::Json(json!({ "scenarios": list, "default_runs": super::DEFAULT_RUNS })).into_response()
}

/// The body of `POST /api/run`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    /// A served scenario's name (file stem).
    scenario: String,
    /// Seeded runs (default [`super::DEFAULT_RUNS`]).
    runs: Option<u32>,
    /// First seed (default: the scenario's).
    seed: Option<u64>,
    /// Parameter overrides, applied in name order.
    #[serde(default)]
    set: BTreeMap<String, ParamValue>,
    /// Who asks: a newer request with the same id cancels an older one in flight.
    #[serde(default)]
    client: String,
}

/// Reads and checks a run body.
async fn read_body(body: Body) -> Result<RunBody, ApiError> {
    let bytes = axum::body::to_bytes(body, super::REQUEST_BYTES_MAX).await.map_err(|_| {
        let limit = super::REQUEST_BYTES_MAX;
        ApiError(StatusCode::PAYLOAD_TOO_LARGE, format!("request body over {limit} bytes"))
    })?;
    let body: RunBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("invalid request body: {e}")))?;
    let runs = body.runs.unwrap_or(super::DEFAULT_RUNS);
    let bad = |message: String| Err(ApiError(StatusCode::BAD_REQUEST, message));
    if !(1..=super::SERVE_RUNS_MAX).contains(&runs) {
        return bad(format!("`runs` must be 1 to {}, not {runs}", super::SERVE_RUNS_MAX));
    }
    if body.set.len() > super::OVERRIDES_COUNT_MAX {
        return bad(format!("more than {} overrides in `set`", super::OVERRIDES_COUNT_MAX));
    }
    if body.client.len() > super::CLIENT_ID_BYTES_MAX {
        return bad(format!("`client` is longer than {} bytes", super::CLIENT_ID_BYTES_MAX));
    }
    if !super::is_scenario_name(&body.scenario) {
        return bad(format!(
            "`scenario` must be a scenario's name as listed by /api/scenarios (letters, digits, \
             `_`, `-`), not a path: `{}`",
            body.scenario.escape_debug()
        ));
    }
    Ok(RunBody { runs: Some(runs), ..body })
}

/// The lock that keeps a client to one simulation in flight.
type RunLock = Arc<tokio::sync::Mutex<()>>;

/// Sets the cancel flag when dropped: a request whose connection went away stops its runs.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Takes the client's slot: cancels its simulation in flight and returns the new cancel flag
/// and the lock to wait on.
fn claim_slot(state: &AppState, client: &str) -> Result<(Arc<AtomicBool>, RunLock), ApiError> {
    let mut clients = state.clients.lock().unwrap_or_else(|p| p.into_inner());
    if clients.len() >= super::CLIENTS_MAX && !clients.contains_key(client) {
        clients.retain(|_, slot| Arc::strong_count(&slot.running) > 1);
        if clients.len() >= super::CLIENTS_MAX {
            let message = "too many clients with simulations in flight; try again".into();
            return Err(ApiError(StatusCode::SERVICE_UNAVAILABLE, message));
        }
    }
    let slot = clients.entry(client.to_string()).or_default();
    slot.cancel.store(true, Ordering::Relaxed);
    slot.cancel = Arc::new(AtomicBool::new(false));
    Ok((slot.cancel.clone(), slot.running.clone()))
}

/// `POST /api/run`: see [`compute::evaluate`].
async fn run(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let _ = headers;
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(response) => return response.into_response(),
    };
    if !state.scenarios.contains_key(&body.scenario) {
        let message = format!("no scenario `{}` is served here", body.scenario);
        return error(StatusCode::NOT_FOUND, message);
    }
    let (cancel, running) = match claim_slot(&state, &body.client) {
        Ok(slot) => slot,
        Err(response) => return response.into_response(),
    };
    let _cancel_on_drop = CancelOnDrop(cancel.clone());
    let _one_per_client = running.lock().await;
    let Ok(_permit) = state.simulations.acquire().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping".into());
    };
    if cancel.load(Ordering::Relaxed) {
        return cancelled();
    }
    let worker_state = state.clone();
    let flag = cancel.clone();
    let task = tokio::task::spawn_blocking(move || evaluate(&worker_state, &body, &flag));
    match task.await {
        Ok(Ok(evaluation)) => axum::Json(evaluation).into_response(),
        Ok(Err(ComputeError::Cancelled)) => cancelled(),
        Ok(Err(ComputeError::Parameter(message))) => error(StatusCode::BAD_REQUEST, message),
        Ok(Err(ComputeError::Run(message))) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, format!("a run failed: {message}"))
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the simulation failed".into()),
    }
}

/// `POST /api/study` (the same body as `/api/run`): a sweep study around the point, as a YAML
/// download (`super::study`). Every override must be one `set_parameter` accepts.
async fn study(State(state): State<Arc<AppState>>, body: Body) -> Response {
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(response) => return response.into_response(),
    };
    let Some(served) = state.scenarios.get(&body.scenario) else {
        let message = format!("no scenario `{}` is served here", body.scenario);
        return error(StatusCode::NOT_FOUND, message);
    };
    let mut trial = served.scenario.clone();
    for (name, value) in &body.set {
        if let Err(message) = trial.set_parameter(name, value) {
            return error(StatusCode::BAD_REQUEST, format!("`set.{name}`: {message}"));
        }
    }
    let text = super::study::study_yaml(&body.scenario, served, &body.set);
    let file = format!("attachment; filename=\"workbench-{}.yaml\"", body.scenario);
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/yaml; charset=utf-8".to_owned()),
        (axum::http::header::CONTENT_DISPOSITION, file),
    ];
    (headers, text).into_response()
}

fn cancelled() -> Response {
    let message = "cancelled: a newer request from this client replaced it".into();
    error(StatusCode::CONFLICT, message)
}

/// The blocking part of a run request.
fn evaluate(
    state: &AppState,
    body: &RunBody,
    cancel: &AtomicBool,
) -> Result<compute::Evaluation, ComputeError> {
    let served = &state.scenarios[&body.scenario];
    let job = Job {
        name: &body.scenario,
        scenario: &served.scenario,
        runs: body.runs.unwrap_or(super::DEFAULT_RUNS),
        seed: body.seed,
        set: &body.set,
    };
    let reference = |scenario: &scenarios::Scenario, seeds: &[u64]| {
        let mut key_set = body.set.clone();
        for (name, _) in compute::REFERENCE_PARAMS {
            key_set.remove(name);
        }
        let key = format!("{}|{}|{}|{key_set:?}", body.scenario, seeds[0], seeds.len());
        if let Some(hit) = lock(&state.references).get(&key) {
            return Ok(hit.clone());
        }
        let reference: Reference = compute::reference_of(scenario, seeds, cancel)?;
        let mut cache = lock(&state.references);
        if cache.len() >= super::CLIENTS_MAX {
            cache.clear();
        }
        cache.insert(key, reference.clone());
        Ok(reference)
    };
    compute::evaluate(&job, cancel, &reference)
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
