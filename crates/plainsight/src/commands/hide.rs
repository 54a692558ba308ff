//! `plainsight hide`: hides one to three secret photos in a cover photo.

mod folders;

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use plainsight_core::analysis::metrics::{psnr, ssim};

use super::model_args::{ModelArgs, RefineArgs, RoundingChoice};
use super::report;
use crate::images;
use crate::model;
use crate::output::{self, Existing};

/// Hide one to three secret photos inside a cover photo
///
/// Each secret is resized (Lanczos 3) to exactly the cover's width and height;
/// its aspect ratio is not kept, so `reveal` returns it at the cover's size.
/// The container is an 8-bit RGB PNG the size of the cover.
#[derive(Debug, Args)]
pub struct HideArgs {
    /// The cover photo the secrets hide in (PNG, JPEG, TIFF or BMP; `-`: standard input),
    /// or a folder of covers: then each --secret and --out are folders too, photos
    /// are paired by sorted name, and a summary lists every container
    #[arg(long)]
    cover: PathBuf,
    /// A secret photo (or folder of them); give 1 to 3 times
    #[arg(long = "secret", required = true)]
    secrets: Vec<PathBuf>,
    /// The container to write (.png; lossy formats destroy the hidden data, except
    /// .jpg with --allow-lossy and --model jpeg-1, --model robust or a model trained with
    /// `train --attacks`)
    #[arg(long)]
    out: PathBuf,
    /// Allow a .jpg container (only with --model jpeg-1, --model robust or a model folder
    /// trained to survive JPEG, `plainsight train --attacks ...`; default-1 and default-3
    /// are refused)
    #[arg(long)]
    allow_lossy: bool,
    /// JPEG quality for a .jpg container, 1 to 100 [default: 90]
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    jpeg_quality: Option<u8>,
    /// How the container's values become bytes: what histogram detectors see
    /// (docs/security.md) [default: nearest; pairs for jpeg-1]
    #[arg(long, value_enum)]
    rounding: Option<RoundingChoice>,
    #[command(flatten)]
    refine: RefineArgs,
    /// The exact layer: the secrets coded again (WebP, on top of what the network
    /// reveals) into the lowest bit of this share of the samples, 0 to 1; 0 writes
    /// none. Only a PNG keeps it; a re-encoded container reveals from the network alone
    /// (docs/model.md, "The exact layer") [default: 1 for a PNG, none for a JPEG]
    #[arg(long, value_name = "SHARE")]
    exact_layer: Option<f32>,
    #[command(flatten)]
    options: ModelArgs,
}

/// The layer's share ([`model::layer_share`]), refusals worded for the flag.
fn layer_share(asked: Option<f32>, lossy: bool) -> Result<Option<f32>> {
    model::layer_share(asked, lossy).map_err(|refusal| match refusal {
        model::LayerRefusal::OutOfRange(share) => {
            anyhow!("--exact-layer: the share of samples must be 0 to 1, not {share}")
        }
        model::LayerRefusal::Lossy => anyhow!(
            "--exact-layer lives in the lowest bits, which JPEG does not keep: write a PNG container"
        ),
    })
}

/// What `hide` writes a .jpg container with unless --jpeg-quality says otherwise.
const DEFAULT_JPEG_QUALITY: u8 = 90;

pub fn run(args: HideArgs) -> Result<()> {
    if args.cover.is_dir() {
        return folders::run(args);
    }
    let count = args.secrets.len();
    plainsight_core::check_secret_count("--secret", count)?;
    let inputs: Vec<&PathBuf> = std::iter::once(&args.cover).chain(&args.secrets).collect();
    output::check_one_stdio(&inputs, "input")?;
    if output::is_stdio(&args.out) && args.options.json {
        bail!("--json and --out - would both write to standard output; choose one");
    }
    if output::is_stdio(&args.out) && args.allow_lossy {
        bail!("--out - writes a PNG; name a .jpg file for a JPEG container");
    }
    output::check_target(&args.out, &inputs, args.options.force, args.allow_lossy)?;
    let jpeg = matches!(
        images::extension(&args.out).as_deref(),
        Some("jpg" | "jpeg")
    );
    if args.jpeg_quality.is_some() && !jpeg {
        bail!(
            "--jpeg-quality applies to a .jpg container; {} is written as PNG (lossless)",
            args.out.display()
        );
    }
    let layer = layer_share(args.exact_layer, jpeg || args.allow_lossy)?;
    let cover = images::load(&args.cover)?;
    let mut secrets = Vec::with_capacity(count);
    for path in &args.secrets {
        secrets.push(images::load(path)?);
    }
    let key = args.options.key()?;
    let model = args
        .options
        .load(count)?
        .with_rounding(args.rounding.map(RoundingChoice::to_core));
    if args.allow_lossy && model.fragile {
        bail!(
            "--allow-lossy: the embedded model {} does not survive lossy formats; use --model jpeg-1, --model robust or a model trained with `plainsight train --attacks`",
            model.name
        );
    }
    let refinement = args.refine.refinement()?;
    report::note_if_large(&cover, refinement.map(|r| r.steps));
    let container = report::with_progress_bar("hiding", &cover, refinement.is_some(), || {
        model.hide(&cover, secrets, key.as_ref(), refinement.as_ref(), layer)
    })?;
    // Measure what was written: a JPEG container is not the one the model made.
    let written = output::save_container(
        &args.out,
        container,
        args.jpeg_quality.unwrap_or(DEFAULT_JPEG_QUALITY),
        Existing::from_force(args.options.force),
    )?;

    let (p, s) = (psnr(&cover, &written), ssim(&cover, &written));
    if args.options.json {
        let report = serde_json::json!({
            "out": args.out, "model": model.name, "secrets": count, "keyed": key.is_some(),
            "rounding": model.rounding(), "refine": args.refine.describe(), "exact_layer": layer,
            "width": cover.width(), "height": cover.height(),
            "container_psnr": p, "container_ssim": s,
        });
        println!("{report}");
    } else {
        report::say(&format!(
            "hid {count} secret(s) in {} ({}x{}) with model {}: container PSNR {}, SSIM {s:.4}",
            args.out.display(),
            cover.width(),
            cover.height(),
            model.name,
            report::decibels(p)
        ));
    }
    Ok(())
}
