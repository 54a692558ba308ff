//! `plainsight demo`: hides one photo in another with the embedded model (and the
//! exact layer, as `hide` does for a PNG) and writes the container, the revealed
//! photo and a results grid.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use plainsight_core::analysis::eval::{run_pair, Pair};

use super::report;
use crate::images;
use crate::model;
use crate::output::{self, Existing};
use crate::plot::{amplified_difference, grid, Panel};

const ASTRONAUT: &[u8] = include_bytes!("../../assets/astronaut.png");
const COFFEE: &[u8] = include_bytes!("../../assets/coffee.png");

/// Hide a photo in another with the embedded model, reveal it, and draw the results
///
/// Without --cover and --secret it uses two bundled public-domain/CC0 photos
/// (see assets/SOURCES.md); either can be given alone. The three files in --out are
/// replaced (it is the demo's own folder), but never when one is an input.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Cover photo [default: the bundled NASA astronaut portrait]
    #[arg(long)]
    cover: Option<PathBuf>,
    /// Secret photo [default: the bundled coffee cup]
    #[arg(long)]
    secret: Option<PathBuf>,
    /// Folder for container.png, revealed.png and grid.png
    #[arg(long, default_value = "plainsight-demo")]
    out: PathBuf,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let names = ["container.png", "revealed.png", "grid.png"];
    let inputs: Vec<&PathBuf> = args.cover.iter().chain(&args.secret).collect();
    for name in names {
        output::check_not_an_input(&args.out.join(name), &inputs)?;
        output::check_free(&args.out.join(name), true)?;
    }
    let cover = match &args.cover {
        Some(path) => images::load(path)?,
        None => images::decode(ASTRONAUT)?,
    };
    let secret = match &args.secret {
        Some(path) => images::load(path)?,
        None => images::decode(COFFEE)?,
    };
    let secret = secret.resized(cover.width(), cover.height());
    let model = model::load(None, 1)?;
    let pair = Pair {
        cover: cover.clone(),
        secrets: vec![secret.clone()],
    };
    // What `hide` writes to a PNG: the model's container with the exact layer.
    let layered = model.layered(model.hider(), Some(model::DEFAULT_LAYER_SHARE))?;
    let result = run_pair(&layered, &pair)?;
    let revealed = &result.revealed[0];

    let panels = vec![
        Panel::new("cover", cover.clone()),
        Panel::new("secret", secret.clone()),
        Panel::new("container", result.container.clone()),
        Panel::new("revealed", revealed.clone()),
        Panel::new(
            "|container-cover| x10",
            amplified_difference(&result.container, &cover, 10.0),
        ),
        Panel::new(
            "|revealed-secret| x10",
            amplified_difference(revealed, &secret, 10.0),
        ),
    ];
    let figure = grid(&[panels], 256);
    for (name, image) in names.iter().zip([&result.container, revealed, &figure]) {
        output::save_png(&args.out.join(name), image, Existing::Replace)?;
    }
    println!(
        "model {}: container PSNR {}, SSIM {:.4}; revealed PSNR {}, SSIM {:.4} (8-bit PNG container with the exact layer)",
        model.name,
        report::decibels(result.container_psnr),
        result.container_ssim,
        report::decibels(result.revealed_psnr[0]),
        result.revealed_ssim[0]
    );
    println!(
        "wrote {}/container.png, revealed.png and grid.png",
        args.out.display()
    );
    Ok(())
}
