//! `plainsight reveal`: recovers the hidden photos from a container.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use crate::images;
use crate::model;

/// Reveal the secret photos hidden in a container
///
/// Give one --out per secret to reveal. Without --model, one --out uses the
/// embedded default-1 model and two or three use default-3, as `hide` does.
#[derive(Debug, Args)]
pub struct RevealArgs {
    /// The container written by `plainsight hide`
    #[arg(long)]
    stego: PathBuf,
    /// Where to write a revealed secret (.png); give 1 to 3 times
    #[arg(long = "out", required = true)]
    outs: Vec<PathBuf>,
    /// Embedded model name or a folder from `plainsight train` (must match `hide`)
    #[arg(long)]
    model: Option<String>,
    /// Passphrase (keyed models are not available yet)
    #[arg(long)]
    key: Option<String>,
    /// Overwrite existing outputs
    #[arg(long)]
    force: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    json: bool,
}

pub fn run(args: RevealArgs) -> Result<()> {
    if args.key.is_some() {
        bail!("--key: keyed hiding is not available in this version (no keyed model is embedded)");
    }
    let count = args.outs.len();
    if count > plainsight_core::MAX_SECRETS {
        bail!(
            "a container holds at most {} secrets, got {count} --out",
            plainsight_core::MAX_SECRETS
        );
    }
    for (i, out) in args.outs.iter().enumerate() {
        if args.outs[..i].contains(out) {
            bail!("{} is given twice as --out", out.display());
        }
        images::check_output(out, &[&args.stego], args.force)?;
    }
    let container = images::load(&args.stego)?;
    let model = model::load(args.model.as_deref(), count)?;
    let revealed = model.stego.reveal(&container, count)?;
    for (out, image) in args.outs.iter().zip(&revealed) {
        images::save_png(out, image)?;
    }
    if args.json {
        let report = serde_json::json!({
            "outs": args.outs, "model": model.name,
            "width": container.width(), "height": container.height(),
        });
        println!("{report}");
    } else {
        let names: Vec<String> = args.outs.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "revealed {count} secret(s) with model {} into {}",
            model.name,
            names.join(", ")
        );
    }
    Ok(())
}
