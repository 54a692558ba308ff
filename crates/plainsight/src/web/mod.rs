//! The local web page `plainsight serve` offers: one embedded HTML file and a
//! small JSON API (documented in the README).
//!
//! The server is axum on hyper on a small tokio runtime. How a request travels:
//!
//! 1. [`conn`] accepts the connection (at most [`MAX_CONNECTIONS`] at once),
//!    checks its request line and hands it to hyper, which reads the headers
//!    within the read timeout.
//! 2. Light requests (`GET /`, `GET /api/info`, errors) are answered right there,
//!    on the async threads, which never run model work and never wait for a body:
//!    they answer within milliseconds whatever else is going on.
//! 3. A model request (`POST /api/hide|reveal|inspect`) first has its whole body
//!    read asynchronously (`admission::read_body`): under the size limit (413,
//!    checked against `Content-Length` before anything is read and again while
//!    reading), within the read timeout (408), inside a memory budget shared by
//!    all bodies. A slow client therefore holds only a cheap task, never a worker.
//! 4. Only then does it queue for a model worker: `workers` jobs run at once on
//!    tokio's blocking pool, `2 × workers` more may wait; past that it is answered
//!    503 with `Retry-After: 1` at once.
//! 5. On a worker, the job decodes the images and frees the body; then it waits
//!    until the memory its model work is estimated to need fits in the job memory
//!    budget (`--job-memory-mb`), runs the model and encodes the reply. A panic
//!    inside it costs that request a 500; the server goes on.
//!
//! Every error is `{"error": "message for a person"}` ([`json_errors`] rewrites
//! the few replies that axum or tower-http make themselves).

mod admission;
mod api;
mod conn;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::model::LoadedModel;

pub use api::Models;

/// The page, its script and styles: one file, no external resources.
const PAGE: &str = include_str!("page.html");

/// Threads that run the async side (accepting, reading bodies, light requests);
/// model work runs on the blocking pool, so two are plenty.
const ASYNC_THREADS: usize = 2;

/// Connections served at once; more wait in the kernel's accept queue. Each costs
/// a task and hyper's buffers (at most about 400 KB while it reads), so this bounds
/// what idle or slow connections can hold to about 100 MB.
pub const MAX_CONNECTIONS: usize = 256;

/// Model jobs that may wait for a worker, per worker.
const QUEUE_PER_WORKER: usize = 2;

/// What the server accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes (images travel base64-encoded in JSON).
    pub max_body: usize,
    /// Largest image, in pixels, for every image in a request.
    pub max_pixels: u64,
}

/// How the server runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub limits: Limits,
    /// Model jobs run at once.
    pub workers: usize,
    /// Time a client has to send a request's headers, and then its whole body.
    pub read_timeout: Duration,
    /// Memory the model work of all running jobs may take together, in MB, as
    /// estimated from their pictures (a job larger than this runs alone).
    pub job_memory_mb: usize,
}

/// Serves the page and the API on `address` until the process is stopped.
///
/// `on_ready` receives the URL once the socket is bound (so `--port 0` works).
pub fn serve(
    address: &str,
    models: Models,
    options: Options,
    on_ready: impl FnOnce(&str),
) -> Result<()> {
    let workers = options.workers.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ASYNC_THREADS)
        // Jobs take a worker permit before they are spawned, so `workers` blocking
        // threads are all they can use; one more for anything tokio itself needs.
        .max_blocking_threads(workers + 1)
        .thread_name("plainsight-web")
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the web server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| anyhow!("cannot listen on {address}: {e}"))?;
        let bound = listener
            .local_addr()
            .with_context(|| format!("cannot tell where {address} is bound"))?;
        // No trailing slash, so `$URL/api/info` works.
        on_ready(&format!("http://{bound}"));
        let app = Arc::new(App {
            models,
            limits: options.limits,
            gate: admission::Gate::new(
                workers,
                QUEUE_PER_WORKER * workers,
                options.limits,
                options.job_memory_mb,
            ),
            read_timeout: options.read_timeout,
        });
        conn::accept(listener, router(app), options.read_timeout).await;
        Ok(())
    })
}

/// What the handlers share.
pub(crate) struct App {
    models: Models,
    limits: Limits,
    gate: admission::Gate,
    read_timeout: Duration,
}

fn router(app: Arc<App>) -> Router {
    let max_body = app.limits.max_body;
    Router::new()
        .route("/", get(page).fallback(not_allowed))
        .route("/index.html", get(page).fallback(not_allowed))
        .route("/api/info", get(info).fallback(not_allowed))
        .route("/api/hide", post(hide).fallback(not_allowed))
        .route("/api/reveal", post(reveal).fallback(not_allowed))
        .route("/api/inspect", post(inspect).fallback(not_allowed))
        .fallback(not_found)
        // The limit for any extractor that reads a body; ours read it themselves
        // (admission::read_body) under the same limit.
        .layer(DefaultBodyLimit::max(max_body))
        // Refuses a declared Content-Length over the limit before the body is read,
        // and stops a body without one at the limit.
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::map_response_with_state(
            app.clone(),
            json_errors,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(app)
}

/// A JSON reply.
fn json_reply(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// `{"error": message}` with `status`.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into() }).to_string();
    let mut reply = json_reply(status, body.into_bytes());
    if matches!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
    ) {
        // The body was not read to its end: this connection cannot carry another request.
        reply
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    reply
}

/// 503 with `Retry-After: 1`.
pub(crate) fn busy(message: &str) -> Response {
    let mut reply = error(StatusCode::SERVICE_UNAVAILABLE, message);
    reply
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    reply
}

pub(crate) fn too_large(limits: Limits) -> String {
    format!(
        "the request is larger than the {} MB this server accepts",
        limits.max_body / 1_000_000
    )
}

/// Gives the error replies that axum and tower-http write themselves (a
/// Content-Length over the limit, a rejected extractor) the JSON error shape.
async fn json_errors(State(app): State<Arc<App>>, response: Response) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_error || is_json {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(app.limits),
        StatusCode::REQUEST_TIMEOUT => "the request did not arrive in time".to_string(),
        other => format!(
            "the server answered {}",
            other.canonical_reason().unwrap_or("an error")
        ),
    };
    let mut reply = error(status, message);
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(value) = response.headers().get(&name) {
            reply.headers_mut().insert(name, value.clone());
        }
    }
    reply
}

async fn page() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        PAGE,
    )
        .into_response()
}

async fn info(State(app): State<Arc<App>>) -> Response {
    let names: Vec<&str> = app
        .models
        .all()
        .map(|m: &LoadedModel| m.name.as_str())
        .collect();
    let info = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "models": names,
        "max_secrets": app.models.max_secrets(),
        "max_body_bytes": app.limits.max_body,
        "max_pixels": app.limits.max_pixels,
    });
    json_reply(StatusCode::OK, info.to_string().into_bytes())
}

async fn hide(State(app): State<Arc<App>>, request: Request) -> Response {
    admission::run_job(app, request, api::hide).await
}

async fn reveal(State(app): State<Arc<App>>, request: Request) -> Response {
    admission::run_job(app, request, api::reveal).await
}

async fn inspect(State(app): State<Arc<App>>, request: Request) -> Response {
    admission::run_job(app, request, api::inspect).await
}

async fn not_allowed(method: Method, uri: Uri) -> Response {
    let path = api::shorten(uri.path(), api::QUOTE_LIMIT);
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {path}"),
    )
}

async fn not_found(uri: Uri) -> Response {
    let path = api::shorten(uri.path(), api::QUOTE_LIMIT);
    error(StatusCode::NOT_FOUND, format!("nothing at {path}"))
}
