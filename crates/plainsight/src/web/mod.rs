//! The local web page `plainsight serve` offers: one embedded HTML file and a
//! small JSON API (documented in the README).
//!
//! Requests are handled by a few worker threads that share the loaded models;
//! a request that fails — bad JSON, a huge body, an image that is not one,
//! even a panic inside the model — gets an error reply and the server goes on.

mod api;

use std::io::Read;
use std::sync::Arc;
use std::thread;

use anyhow::{anyhow, Result};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::model::LoadedModel;

pub use api::Models;

/// The page, its script and styles: one file, no external resources.
const PAGE: &str = include_str!("page.html");

/// What the server accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes (images travel base64-encoded in JSON).
    pub max_body: usize,
    /// Largest image, in pixels, for every image in a request.
    pub max_pixels: u64,
}

/// Serves the page and the API on `address` until the process is stopped.
///
/// `on_ready` receives the URL once the socket is bound (so `--port 0` works).
pub fn serve(
    address: &str,
    models: Models,
    limits: Limits,
    workers: usize,
    on_ready: impl FnOnce(&str),
) -> Result<()> {
    let server = Server::http(address).map_err(|e| anyhow!("cannot listen on {address}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| anyhow!("{address} is not an IP address"))?;
    on_ready(&format!("http://{bound}/"));
    let server = Arc::new(server);
    let app = Arc::new(App { models, limits });
    let handles: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (server, app) = (server.clone(), app.clone());
            thread::spawn(move || {
                for request in server.incoming_requests() {
                    app.handle(request);
                }
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    Ok(())
}

struct App {
    models: Models,
    limits: Limits,
}

/// A reply: status and JSON or page body.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, value: &serde_json::Value) -> Self {
        Reply {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
        }
    }

    fn error(status: u16, message: impl Into<String>) -> Self {
        Reply::json(status, &serde_json::json!({ "error": message.into() }))
    }
}

impl App {
    fn handle(&self, mut request: Request) {
        let reply = match self.read_body(&mut request) {
            Ok(body) => {
                let (method, url) = (request.method().clone(), request.url().to_string());
                // A panic deep in a model must cost one request, not the server.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.route(&method, &url, &body)
                }))
                .unwrap_or_else(|_| Reply::error(500, "internal error while running the model"))
            }
            Err(reply) => reply,
        };
        let header = |name: &str, value: &str| {
            Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
        };
        let response = Response::from_data(reply.body)
            .with_status_code(reply.status)
            .with_header(header("Content-Type", reply.content_type))
            .with_header(header("Cache-Control", "no-store"))
            .with_header(header("X-Content-Type-Options", "nosniff"));
        // The client may have gone away; nothing to do about that.
        let _ = request.respond(response);
    }

    /// Reads the body, refusing more than the limit without reading it all.
    fn read_body(&self, request: &mut Request) -> std::result::Result<Vec<u8>, Reply> {
        let max = self.limits.max_body;
        let too_large = || {
            Reply::error(
                413,
                format!(
                    "the request is larger than the {} MB this server accepts",
                    max / 1_000_000
                ),
            )
        };
        if request.body_length().is_some_and(|n| n > max) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(max as u64 + 1)
            .read_to_end(&mut body);
        match read {
            Err(e) => Err(Reply::error(400, format!("cannot read the request: {e}"))),
            Ok(_) if body.len() > max => Err(too_large()),
            Ok(_) => Ok(body),
        }
    }

    fn route(&self, method: &Method, url: &str, body: &[u8]) -> Reply {
        let path = url.split('?').next().unwrap_or(url);
        match (method, path) {
            (Method::Get, "/" | "/index.html") => Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: PAGE.as_bytes().to_vec(),
            },
            (Method::Get, "/api/info") => Reply::json(200, &self.info()),
            (Method::Post, "/api/hide") => self.api(|| api::hide(&self.models, self.limits, body)),
            (Method::Post, "/api/reveal") => {
                self.api(|| api::reveal(&self.models, self.limits, body))
            }
            (Method::Post, "/api/inspect") => {
                self.api(|| api::inspect(&self.models, self.limits, body))
            }
            (
                _,
                "/" | "/index.html" | "/api/info" | "/api/hide" | "/api/reveal" | "/api/inspect",
            ) => Reply::error(405, format!("{method} is not allowed on {path}")),
            _ => Reply::error(404, format!("nothing at {path}")),
        }
    }

    fn api(
        &self,
        call: impl FnOnce() -> std::result::Result<serde_json::Value, api::ApiError>,
    ) -> Reply {
        match call() {
            Ok(value) => Reply::json(200, &value),
            Err(e) => Reply::error(e.status, e.message),
        }
    }

    fn info(&self) -> serde_json::Value {
        let names: Vec<&str> = self
            .models
            .all()
            .map(|m: &LoadedModel| m.name.as_str())
            .collect();
        serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "models": names,
            "max_secrets": self.models.max_secrets(),
            "max_body_bytes": self.limits.max_body,
            "max_pixels": self.limits.max_pixels,
        })
    }
}
