//! Admission of model requests: the body is read in full, asynchronously and
//! within the limits, before the request may queue for one of the few model
//! workers.
//!
//! # Memory
//!
//! The aim: under 1 GB with the default limits (128 MB bodies, 16 MP images,
//! 4 workers, 600 MB of job memory). What the server can hold at once:
//!
//! - The models and runtime: about 66 MB with both default models (the robust
//!   model for the JPEG channel adds its 2.3 M parameters, about 10 MB).
//! - Connections: at most [`super::MAX_CONNECTIONS`] (256), each with hyper's
//!   buffers (at most about 400 KB while it reads a body): a few MB in practice,
//!   about 100 MB if all 256 stream bodies at once.
//! - Request bodies: every byte of a body in memory is covered by a share of one
//!   budget, [`BODY_BUDGET`] (192 MB, or one largest body if the limit is higher),
//!   counted by the buffer's capacity and taken *before* the buffer grows. A body
//!   holds its share while it arrives, while it waits in the queue, and in its job
//!   until its images are decoded; then the job frees it. So however many clients
//!   send at once — slowly or not, with true or false `Content-Length` — buffered
//!   bodies stay under 192 MB (one largest body and change at a time; the next
//!   waits for budget, and is answered 503 if its read timeout passes first).
//!   Nothing is allocated from a declared `Content-Length`: a request declaring
//!   more than the limit is refused (413) before anything is read, and one that
//!   sends more than it declared is cut off by hyper (the length is framing).
//!   A job count alone would not do: 12 admitted jobs × 128 MB is 1.5 GB.
//! - Decoding (at most `workers` jobs at once): the base64 text is borrowed from
//!   the body (no copy); one image's decoded bytes (3/4 of its text) live only
//!   until its pixels are decoded. So decoding adds at most 3/4 of the bodies'
//!   budget, transiently, plus the pixels (3 bytes each, freed with the job).
//! - Model work, the bulk (activations over a tile of up to about 1.1 MP, and the
//!   output pictures, PNGs and JSON): each job's peak is estimated from its
//!   pictures ([`api::Prepared::memory_mb`]: about 270 MB for a 1 MP hide, 740 MB
//!   refined), and running jobs together stay within the job memory budget; a job
//!   larger than the budget runs alone. The estimates run 10–40 % above what was
//!   measured. After each job, memory glibc kept in its per-thread arenas is
//!   handed back ([`crate::memory::release_freed_memory`]).
//!
//! Adding up the bounds: 66 + 192 + 144 + 600 MB, just about 1 GB at the very
//! worst (every budget full at the same moment, the estimates exact); measured
//! (tests/web_load.rs: 20 parallel 1 MP hides, 16 slow clients, a 128 MB upload
//! and a lying `Content-Length` at once) about 500 MB at the peak. One job alone
//! may need more than 1 GB (a refined hide of a 16 MP picture with 3 secrets):
//! the budget lets it run alone rather than refuse it.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{timeout_at, Instant};

use super::api::{self, ApiError, Models, Prepared};
use super::{busy, error, json_reply, too_large, App, Limits};
use crate::memory::release_freed_memory;

/// Buffered request bodies, all together, hold at most this many bytes (or one
/// largest body, where the limit is higher).
pub const BODY_BUDGET: usize = 192 * 1024 * 1024;

/// Bytes per permit of the body budget.
const UNIT: usize = 64 * 1024;

/// The semaphores every model request passes.
pub struct Gate {
    /// One permit per model worker.
    workers: Arc<Semaphore>,
    /// Running and waiting jobs: when none is left, 503.
    queue: Arc<Semaphore>,
    /// The body budget, in [`UNIT`]s.
    budget: Arc<Semaphore>,
    /// The model work's memory budget, in MB.
    memory: Arc<Semaphore>,
    memory_mb: usize,
}

impl Gate {
    pub fn new(workers: usize, waiting: usize, limits: Limits, memory_mb: usize) -> Self {
        let budget = BODY_BUDGET.max(limits.max_body).div_ceil(UNIT);
        Gate {
            workers: Arc::new(Semaphore::new(workers)),
            queue: Arc::new(Semaphore::new(workers + waiting)),
            budget: Arc::new(Semaphore::new(budget)),
            memory: Arc::new(Semaphore::new(memory_mb)),
            memory_mb,
        }
    }
}

/// A request's body, read in full, and its share of the body budget (given back
/// when it is dropped).
pub struct Body {
    bytes: Vec<u8>,
    _share: Share,
}

impl Body {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Permits of the body budget.
#[derive(Default)]
struct Share {
    permit: Option<OwnedSemaphorePermit>,
    units: usize,
}

/// What a model request does with its body: decode it, ready for the model.
pub type Job = fn(&Models, Limits, Body) -> Result<Prepared, ApiError>;

/// Reads the body, queues for a worker, decodes the request on the blocking pool,
/// waits for the memory its model work needs, and runs that work there too.
pub async fn run_job(app: Arc<App>, request: Request, job: Job) -> Response {
    let body = match read_body(&app, request).await {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Ok(queued) = app.gate.queue.clone().try_acquire_owned() else {
        return busy("the server is busy with other pictures; try again in a moment");
    };
    let Ok(worker) = app.gate.workers.clone().acquire_owned().await else {
        return busy("the server is shutting down");
    };
    // Each blocking task owns the permits while it runs: if the client goes away,
    // the work still runs to its end, and only then are they given back.
    let shared = app.clone();
    let decoded = blocking((queued, worker), move || {
        job(&shared.models, shared.limits, body)
    });
    let (permits, prepared) = match decoded.await {
        Ok((permits, Ok(prepared))) => (permits, prepared),
        Ok((_, Err(e))) => return api_error(e),
        Err(reply) => return reply,
    };
    // A job larger than the whole budget runs alone.
    let wanted = prepared.memory_mb.clamp(1, app.gate.memory_mb) as u32;
    let Ok(memory) = app.gate.memory.clone().acquire_many_owned(wanted).await else {
        return busy("the server is shutting down");
    };
    let shared = app.clone();
    let ran = blocking((permits, memory), move || {
        let reply = prepared
            .run(&shared.models)
            .and_then(|value| serde_json::to_vec(&value).map_err(ApiError::internal));
        release_freed_memory();
        reply
    });
    match ran.await {
        Ok((_, Ok(bytes))) => json_reply(StatusCode::OK, bytes),
        Ok((_, Err(e))) => api_error(e),
        Err(reply) => reply,
    }
}

/// Runs `work` on the blocking pool with `permits` held until it ends; a panic
/// inside it is a 500 and costs nothing else.
async fn blocking<P, T>(
    permits: P,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<(P, T), Response>
where
    P: Send + 'static,
    T: Send + 'static,
{
    let task = tokio::task::spawn_blocking(move || {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(work));
        outcome.map(|value| (permits, value))
    });
    match task.await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(_)) | Err(_) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error while running the model",
        )),
    }
}

fn api_error(e: ApiError) -> Response {
    error(
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        e.message,
    )
}

/// Reads the whole body within the size limit, the read timeout and the body
/// budget. Answers 413 (too large), 408 (too slow), 503 (no budget in time), 400.
async fn read_body(app: &App, request: Request) -> Result<Body, Response> {
    let limits = app.limits;
    let max = limits.max_body;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // Also refused by RequestBodyLimitLayer before we get here; checked again so
    // this function stands on its own.
    if declared.is_some_and(|n| n > max as u64) {
        return Err(error(StatusCode::PAYLOAD_TOO_LARGE, too_large(limits)));
    }
    let deadline = Instant::now() + app.read_timeout;
    let slow = || {
        error(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request did not arrive within {} s",
                app.read_timeout.as_secs()
            ),
        )
    };
    let mut body = request.into_body();
    let mut bytes: Vec<u8> = Vec::new();
    let mut share = Share::default();
    loop {
        let frame = match timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(slow()),
            Ok(None) => break,
            Ok(Some(Err(e))) if is_length_limit(&e) => {
                return Err(error(StatusCode::PAYLOAD_TOO_LARGE, too_large(limits)))
            }
            Ok(Some(Err(e))) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "cannot read the request: {}",
                        api::shorten(&e.to_string(), api::QUOTE_LIMIT)
                    ),
                ))
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let total = bytes.len() + data.len();
        if total > max {
            return Err(error(StatusCode::PAYLOAD_TOO_LARGE, too_large(limits)));
        }
        if total > bytes.capacity() {
            // Grow as Vec would (doubling), but never past the limit, and only
            // with the budget for the new capacity in hand.
            let capacity = total.max(bytes.capacity() * 2).min(max);
            let units = capacity.div_ceil(UNIT);
            if units > share.units {
                let more = app
                    .gate
                    .budget
                    .clone()
                    .acquire_many_owned((units - share.units) as u32);
                match timeout_at(deadline, more).await {
                    Ok(Ok(permit)) => {
                        match &mut share.permit {
                            Some(held) => held.merge(permit),
                            None => share.permit = Some(permit),
                        }
                        share.units = units;
                    }
                    Ok(Err(_)) | Err(_) => {
                        return Err(busy(
                            "the server is busy receiving other large requests; try again",
                        ))
                    }
                }
            }
            bytes.reserve_exact(capacity - bytes.len());
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Body {
        bytes,
        _share: share,
    })
}

/// Whether a body error is tower-http's length limit.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_is_a_500_and_the_next_one_runs() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        runtime.block_on(async {
            let panicked = blocking((), || -> u32 { panic!("a bug in a job") }).await;
            match panicked {
                Err(reply) => assert_eq!(reply.status(), StatusCode::INTERNAL_SERVER_ERROR),
                Ok(_) => panic!("a panic must be an error reply"),
            }
            match blocking((), || 7u32).await {
                Ok(((), value)) => assert_eq!(value, 7),
                Err(_) => panic!("the next job runs"),
            }
        });
    }
}
