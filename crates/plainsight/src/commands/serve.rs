//! `plainsight serve`: the demonstration web page, on this machine.

use std::io::Write;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::Args;

use super::report;
use crate::web::{self, Limits, Models, Options};

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
    /// Largest image accepted, in megapixels (above 0, at most 200)
    #[arg(long, default_value_t = 16.0)]
    max_megapixels: f64,
    /// Largest request accepted, in megabytes (1 to 4096)
    #[arg(long, default_value_t = 128)]
    max_request_mb: usize,
    /// Pictures hidden, revealed or inspected at once (1 to 64); twice as many more
    /// may wait, and past that the server answers 503
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Seconds a client has to send a request's headers, and then its body (1 to 3600)
    #[arg(long, default_value_t = 30)]
    read_timeout: u64,
    /// Memory the running jobs' model work may take together, in megabytes, as
    /// estimated from their pictures' size (100 to 1048576); more jobs wait for it
    #[arg(long, default_value_t = 600)]
    job_memory_mb: usize,
}

pub fn run(args: ServeArgs) -> Result<()> {
    if !(args.max_megapixels.is_finite() && args.max_megapixels > 0.0)
        || args.max_megapixels > 200.0
    {
        bail!(
            "--max-megapixels must be above 0 and at most 200, not {}",
            args.max_megapixels
        );
    }
    if !(1..=4096).contains(&args.max_request_mb) {
        bail!(
            "--max-request-mb must be 1 to 4096, not {}",
            args.max_request_mb
        );
    }
    if !(1..=64).contains(&args.workers) {
        bail!("--workers must be 1 to 64, not {}", args.workers);
    }
    if !(1..=3600).contains(&args.read_timeout) {
        bail!(
            "--read-timeout must be 1 to 3600 seconds, not {}",
            args.read_timeout
        );
    }
    if !(100..=1 << 20).contains(&args.job_memory_mb) {
        bail!(
            "--job-memory-mb must be 100 to 1048576, not {}",
            args.job_memory_mb
        );
    }
    let options = Options {
        limits: Limits {
            max_body: args.max_request_mb * 1_000_000,
            max_pixels: (args.max_megapixels * 1e6) as u64,
        },
        workers: args.workers,
        read_timeout: Duration::from_secs(args.read_timeout),
        job_memory_mb: args.job_memory_mb,
    };
    let models = Models::load(args.model.as_deref())?;
    let address = format!("{}:{}", args.host, args.port);
    let loopback = matches!(args.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    web::serve(&address, models, options, |url| {
        // stdout carries only the URL, so scripts can read it.
        println!("{url}");
        let _ = std::io::stdout().flush();
        report::say(&format!(
            "plainsight is serving its page at {url} (open it in a browser; Ctrl+C stops)"
        ));
        if !loopback {
            report::say(&format!(
                "warning: listening on {}: other machines can reach this page",
                args.host
            ));
        }
    })
}
