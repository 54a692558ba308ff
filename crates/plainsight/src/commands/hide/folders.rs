//! `hide --cover DIR --secret DIR… --out DIR`: every cover of a folder with the
//! secrets of the same rank (sorted by name) in the secret folders, each container
//! written as `OUT/<cover's relative path>.png`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use plainsight_core::analysis::metrics::psnr;

use super::HideArgs;
use crate::commands::model_args::RoundingChoice;
use crate::commands::{batch, report};
use crate::images;
use crate::output::{self, Existing};

/// One item: the cover, its secrets and the container to write.
struct Job {
    cover: PathBuf,
    secrets: Vec<PathBuf>,
    out: PathBuf,
}

pub fn run(args: HideArgs) -> Result<()> {
    let count = args.secrets.len();
    plainsight_core::check_secret_count("--secret", count)?;
    if let Some(file) = args.secrets.iter().find(|s| !s.is_dir()) {
        bail!(
            "--cover is a folder, so every --secret must be one too (paired by sorted name); {} is not",
            file.display()
        );
    }
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--cover is a folder, so --out must name a folder; {} is a file",
            args.out.display()
        );
    }
    if args.allow_lossy || args.jpeg_quality.is_some() {
        bail!("with folders, containers are written as PNG: drop --allow-lossy and --jpeg-quality");
    }
    let layer = super::layer_share(args.exact_layer, false)?;
    let covers = batch::photos(&args.cover)?;
    let secret_lists = args
        .secrets
        .iter()
        .map(|dir| batch::photos(dir))
        .collect::<Result<Vec<_>>>()?;
    let mut counts = vec![(args.cover.as_path(), covers.len())];
    counts.extend(
        args.secrets
            .iter()
            .zip(&secret_lists)
            .map(|(d, l)| (d.as_path(), l.len())),
    );
    batch::check_same_count(&counts)?;

    let key = args.options.key()?;
    let model = args
        .options
        .load(count)?
        .with_rounding(args.rounding.map(RoundingChoice::to_core));
    let refinement = args.refine.refinement()?;
    let existing = Existing::from_force(args.options.force);
    let items: Vec<(String, Job)> = covers
        .into_iter()
        .enumerate()
        .map(|(i, (cover, relative))| {
            let secrets = secret_lists.iter().map(|list| list[i].0.clone()).collect();
            let out = args.out.join(&relative).with_extension("png");
            (
                relative.display().to_string(),
                Job {
                    cover,
                    secrets,
                    out,
                },
            )
        })
        .collect();
    let outcomes = batch::run_all(items, |job| {
        let inputs: Vec<&PathBuf> = std::iter::once(&job.cover).chain(&job.secrets).collect();
        output::check_target(&job.out, &inputs, args.options.force, false)?;
        let cover = images::load(&job.cover)?;
        let secrets = job
            .secrets
            .iter()
            .map(|p| images::load(p))
            .collect::<Result<Vec<_>>>()?;
        let container = model.hide(&cover, secrets, key.as_ref(), refinement.as_ref(), layer)?;
        output::save_png(&job.out, &container, existing)?;
        Ok(format!(
            "{} ({}x{}): container PSNR {}",
            job.out.display(),
            cover.width(),
            cover.height(),
            report::decibels(psnr(&cover, &container))
        ))
    });
    batch::finish(&outcomes, args.options.json)
}
