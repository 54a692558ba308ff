//! `plainsight demo`: hides one photo in another with the embedded model and
//! writes the container, the revealed photo and a results grid.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use plainsight_core::analysis::eval::{run_pair, Pair};

use crate::images;
use crate::model;
use crate::plot::{amplified_difference, grid, Panel};

const ASTRONAUT: &[u8] = include_bytes!("../../assets/astronaut.png");
const COFFEE: &[u8] = include_bytes!("../../assets/coffee.png");

/// Hide a photo in another with the embedded model, reveal it, and draw the results
///
/// Without --cover and --secret it uses two bundled public-domain/CC0 photos
/// (see assets/SOURCES.md). Files in --out are replaced.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Cover photo [default: the bundled NASA astronaut portrait]
    #[arg(long, requires = "secret")]
    cover: Option<PathBuf>,
    /// Secret photo [default: the bundled coffee cup]
    #[arg(long, requires = "cover")]
    secret: Option<PathBuf>,
    /// Folder for container.png, revealed.png and grid.png
    #[arg(long, default_value = "plainsight-demo")]
    out: PathBuf,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let (cover, secret) = match (&args.cover, &args.secret) {
        (Some(c), Some(s)) => (images::load(c)?, images::load(s)?),
        _ => (images::decode(ASTRONAUT)?, images::decode(COFFEE)?),
    };
    let secret = secret.resized(cover.width(), cover.height());
    let model = model::load(None, 1)?;
    let pair = Pair {
        cover: cover.clone(),
        secrets: vec![secret.clone()],
    };
    let result = run_pair(&model.stego, &pair)?;
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
    images::save_png(&args.out.join("container.png"), &result.container)?;
    images::save_png(&args.out.join("revealed.png"), revealed)?;
    images::save_png(&args.out.join("grid.png"), &figure)?;
    println!(
        "model {}: container PSNR {:.2} dB, SSIM {:.4}; revealed PSNR {:.2} dB, SSIM {:.4} (8-bit PNG container)",
        model.name,
        result.container_psnr,
        result.container_ssim,
        result.revealed_psnr[0],
        result.revealed_ssim[0]
    );
    println!(
        "wrote {}/container.png, revealed.png and grid.png",
        args.out.display()
    );
    Ok(())
}
