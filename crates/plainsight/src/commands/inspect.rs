//! `plainsight inspect`: a figure of what the networks hide where.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use super::model_args::ModelArgs;
use super::report;
use crate::images;
use crate::inspection::{inspect, Request};
use crate::output::{self, Existing};

/// Show what is hidden where: residual, spectrum, revealed secrets, sensitivity, features
///
/// Writes one figure with labelled panels and colour bars. With --cover it shows the
/// residual (container − cover) per channel and its spectrum; with --secret, the error
/// of each revealed secret; always the revealed secrets, the sensitivity of a revealed
/// pixel to the container (by automatic differentiation) and feature maps of the
/// preparation network. docs/interpretability.md explains every panel.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The container to look into
    #[arg(long, visible_alias = "container")]
    stego: PathBuf,
    /// The cover it was made from (enables the residual and spectrum panels)
    #[arg(long)]
    cover: Option<PathBuf>,
    /// The true secret(s), in order (enables the error maps); give up to 3 times
    #[arg(long = "secret")]
    secrets: Vec<PathBuf>,
    /// Secrets to reveal [default: the number of --secret, or 1]
    #[arg(long)]
    count: Option<usize>,
    /// The revealed pixel whose sensitivity is mapped, as X,Y [default: the centre]
    #[arg(long, value_parser = parse_point)]
    at: Option<(usize, usize)>,
    /// The figure to write (.png)
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    options: ModelArgs,
}

fn parse_point(text: &str) -> Result<(usize, usize), String> {
    let parsed = text
        .split_once(',')
        .and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
    parsed.ok_or_else(|| format!("expected X,Y in pixels, got `{text}`"))
}

pub fn run(args: InspectArgs) -> Result<()> {
    let count = args.count.unwrap_or(args.secrets.len().max(1));
    plainsight_core::check_secret_count("--count", count)?;
    if args.secrets.len() > count {
        bail!("--count must be at least the number of --secret");
    }
    let mut inputs = vec![&args.stego];
    inputs.extend(args.cover.iter());
    inputs.extend(args.secrets.iter());
    output::check_output(&args.out, &inputs, args.options.force)?;
    let container = images::load(&args.stego)?;
    let cover = args.cover.as_deref().map(images::load).transpose()?;
    let secrets = args
        .secrets
        .iter()
        .map(|p| images::load(p))
        .collect::<Result<Vec<_>>>()?;
    let key = args.options.key()?;
    let model = args.options.load(count)?;
    let inspection = inspect(
        &model,
        Request {
            container: &container,
            cover: cover.as_ref(),
            secrets,
            count,
            at: args.at,
            key: key.as_ref(),
        },
    )?;
    output::save_png(
        &args.out,
        &inspection.figure,
        Existing::from_force(args.options.force),
    )?;
    if args.options.json {
        println!("{}", serde_json::to_string_pretty(&inspection.report)?);
    } else {
        report::say(&format!(
            "wrote {} ({}x{})",
            args.out.display(),
            inspection.figure.width(),
            inspection.figure.height()
        ));
    }
    Ok(())
}
