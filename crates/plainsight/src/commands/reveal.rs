//! `plainsight reveal`: recovers the hidden photos from a container.

mod folders;

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use super::model_args::ModelArgs;
use super::report;
use crate::images;
use crate::output::{self, Existing};

/// Reveal the secret photos hidden in a container
///
/// Give one --out per secret to reveal. Without --model, one --out uses the
/// embedded keyed-1 model and two or three use keyed-3, key or no key, as `hide`
/// does (containers hidden before 2026-12-03 without --model need `--model
/// default-1` or `default-3`). Where the container holds an exact layer (`hide
/// --exact-layer`), it refines the secrets; no flag is needed.
#[derive(Debug, Args)]
pub struct RevealArgs {
    /// The container written by `plainsight hide` (`-`: standard input), or a folder
    /// of them: then --out is one folder and --count says how many secrets each holds
    #[arg(long, visible_alias = "container")]
    stego: PathBuf,
    /// With a folder of containers: secrets to reveal from each [default: 1]
    #[arg(long)]
    count: Option<usize>,
    /// Where to write a revealed secret (.png); give 1 to 3 times
    #[arg(long = "out", required = true)]
    outs: Vec<PathBuf>,
    #[command(flatten)]
    options: ModelArgs,
}

pub fn run(args: RevealArgs) -> Result<()> {
    if args.stego.is_dir() {
        return folders::run(args);
    }
    if args.count.is_some() {
        bail!(
            "--count is for a folder of containers; for one container, give one --out per secret"
        );
    }
    let count = args.outs.len();
    plainsight_core::check_secret_count("--out", count)?;
    let outs: Vec<&PathBuf> = args.outs.iter().collect();
    output::check_one_stdio(&outs, "--out")?;
    if outs.iter().any(|o| output::is_stdio(o)) && args.options.json {
        bail!("--json and --out - would both write to standard output; choose one");
    }
    for (i, out) in args.outs.iter().enumerate() {
        if args.outs[..i].contains(out) {
            bail!("{} is given twice as --out", out.display());
        }
        output::check_output(out, &[&args.stego], args.options.force)?;
    }
    let bytes = images::read(&args.stego)?;
    let container = images::decode_named(&bytes, &args.stego)?;
    let key = args.options.key()?;
    let model = args.options.load(count)?;
    if let Some(why) = model.cannot_read(&bytes) {
        return Err(report::NotRevealable(format!(
            "{} {why}; containers that must survive JPEG are made with --model jpeg-1 or robust (and revealed with it)",
            args.stego.display()
        ))
        .into());
    }
    let revealed = report::with_progress_bar("revealing", &container, false, || {
        model.reveal(&container, count, key.as_ref())
    })?;
    for (out, image) in args.outs.iter().zip(&revealed) {
        output::save_png(out, image, Existing::from_force(args.options.force))?;
    }
    if args.options.json {
        let report = serde_json::json!({
            "outs": args.outs, "model": model.name,
            "width": container.width(), "height": container.height(),
        });
        println!("{report}");
    } else {
        let names: Vec<String> = args.outs.iter().map(|p| p.display().to_string()).collect();
        report::say(&format!(
            "revealed {count} secret(s) with model {} into {}",
            model.name,
            names.join(", ")
        ));
    }
    Ok(())
}
