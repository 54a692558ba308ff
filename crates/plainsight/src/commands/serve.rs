//! `plainsight serve`: the demonstration web page, on this machine.

use std::io::Write;

use anyhow::{bail, Result};
use clap::Args;

use crate::web::{self, Limits, Models};

/// Serve a local web page to hide and reveal pictures in a browser
///
/// The page and everything it needs are inside the binary; nothing is fetched
/// from the internet. Stop the server with Ctrl+C.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (the default, loopback, keeps the page on this machine)
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Serve this model (embedded name or folder) instead of the embedded defaults
    #[arg(long)]
    model: Option<String>,
    /// Largest image accepted, in megapixels
    #[arg(long, default_value_t = 16.0)]
    max_megapixels: f64,
    /// Largest request accepted, in megabytes
    #[arg(long, default_value_t = 128)]
    max_request_mb: usize,
    /// Requests handled at once
    #[arg(long, default_value_t = 4)]
    workers: usize,
}

pub fn run(args: ServeArgs) -> Result<()> {
    let positive = args.max_megapixels.is_finite() && args.max_megapixels > 0.0;
    if !positive || args.max_request_mb == 0 {
        bail!("--max-megapixels and --max-request-mb must be positive");
    }
    let limits = Limits {
        max_body: args.max_request_mb * 1_000_000,
        max_pixels: (args.max_megapixels * 1e6) as u64,
    };
    let models = Models::load(args.model.as_deref())?;
    let address = format!("{}:{}", args.host, args.port);
    let loopback = matches!(args.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    web::serve(&address, models, limits, args.workers, |url| {
        // stdout carries only the URL, so scripts can read it.
        println!("{url}");
        let _ = std::io::stdout().flush();
        eprintln!("plainsight is serving its page at {url} (open it in a browser; Ctrl+C stops)");
        if !loopback {
            eprintln!(
                "warning: listening on {}: other machines can reach this page",
                args.host
            );
        }
    })
}
