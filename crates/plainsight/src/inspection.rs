//! The "look inside" figure and its numbers, shared by `plainsight inspect` and
//! the web page: residual, spectrum, revealed secrets and their errors,
//! sensitivity of a revealed pixel, preparation-network features.

use anyhow::Result;
use plainsight_core::analysis::metrics::{psnr, ssim};
use plainsight_core::analysis::residual::{self, Map};
use plainsight_core::hiding::keys::Key;
use plainsight_core::model::inspect::{self, Sensitivity};
use plainsight_core::{Hider, RgbImage};
use serde_json::{json, Value};

use crate::colormap::Colormap;
use crate::model::LoadedModel;
use crate::plot::{board, Panel};

/// Side of each panel in the figure, in pixels.
const SIDE: usize = 256;
/// The residual's per-channel panels and spectrum cover at most this centre window.
const WINDOW: usize = 256;
/// Preparation-network feature maps shown.
const FEATURES: usize = 4;

/// What to look at.
pub struct Request<'a> {
    pub container: &'a RgbImage,
    pub cover: Option<&'a RgbImage>,
    /// True secrets, in order (resized to the container's size if needed).
    pub secrets: Vec<RgbImage>,
    /// How many secrets to reveal.
    pub count: usize,
    /// The revealed pixel whose sensitivity is mapped; the centre if `None`.
    pub at: Option<(usize, usize)>,
    /// The key the secrets were hidden with, if any.
    pub key: Option<&'a Key>,
}

/// The figure and the numbers behind it.
pub struct Inspection {
    pub figure: RgbImage,
    pub report: Value,
}

pub fn inspect(model: &LoadedModel, request: Request) -> Result<Inspection> {
    let stego = model.networks("inspect")?;
    let container = request.container;
    let (w, h) = (container.width(), container.height());
    if let Some(cover) = request.cover {
        if (cover.width(), cover.height()) != (w, h) {
            anyhow::bail!(
                "the cover is {}x{} but the container is {w}x{h}: give the cover the container was made from",
                cover.width(),
                cover.height()
            );
        }
    }
    let at = request.at.unwrap_or((w / 2, h / 2));
    if at.0 >= w || at.1 >= h {
        anyhow::bail!("--at {},{} is outside the {w}x{h} container", at.0, at.1);
    }
    let secrets: Vec<RgbImage> = request
        .secrets
        .into_iter()
        .map(|s| s.resized(w, h))
        .collect();
    let revealed = model.reveal(container, request.count, request.key)?;
    let differentiable = model.differentiable()?;

    let mut panels: Vec<(Panel, bool)> = vec![(Panel::new("container", container.clone()), true)];
    for (i, image) in revealed.iter().enumerate() {
        panels.push((
            Panel::new(format!("revealed {}", i + 1), image.clone()),
            true,
        ));
    }

    let residual_report = match request.cover {
        Some(cover) => Some(residual_panels(cover, container, &mut panels)?),
        None => None,
    };

    let mut revealed_report = Vec::new();
    for (i, image) in revealed.iter().enumerate() {
        let truth = secrets.get(i);
        if let Some(secret) = truth {
            let error = residual::magnitude(&residual::residual(secret, image)?);
            panels.push((
                map_panel(&format!("|revealed {}-secret|", i + 1), &error),
                false,
            ));
        }
        let s = inspect::sensitivity(
            differentiable.net(),
            differentiable.config(),
            container,
            i,
            at,
            &Default::default(),
        )?;
        panels.push((sensitivity_panel(i, &s), false));
        revealed_report.push(json!({
            "index": i + 1,
            "psnr": truth.map(|t| psnr(t, image)),
            "ssim": truth.map(|t| ssim(t, image)),
            "sensitivity": {
                "window_origin": [s.origin.0, s.origin.1],
                "window_size": [s.map.width, s.map.height],
                "radius_90": s.radius_90,
                "share_within": s.share_within.iter()
                    .map(|(r, share)| json!({ "radius": r, "share": share }))
                    .collect::<Vec<_>>(),
            },
        }));
    }

    let (features_of, secret) = match secrets.first() {
        Some(secret) => ("secret 1", secret),
        None => ("revealed 1", &revealed[0]),
    };
    // The preparation network sees the secret as hidden: scrambled when keyed (the
    // keyed layout mixes the code after it instead).
    let secret = &match request.key {
        Some(key) if !stego.mixes_key() => key.for_model(stego).scramble(secret, 0),
        _ => secret.clone(),
    };
    let features = inspect::prep_features(
        stego.net(),
        0,
        secret,
        stego.config().architecture.size_multiple(),
        FEATURES,
        &Default::default(),
    )?;
    for (k, feature) in features.iter().enumerate() {
        let label = format!("prep feature {} of {features_of}", k + 1);
        panels.push((map_panel(&label, feature), false));
    }

    let report = json!({
        "model": model.name,
        "width": w,
        "height": h,
        "at": [at.0, at.1],
        "container_vs_cover": request.cover.map(|c| json!({
            "psnr": psnr(c, container), "ssim": ssim(c, container),
        })),
        "residual": residual_report,
        "revealed": revealed_report,
        "prep_features_of": features_of,
        "keyed": request.key.is_some(),
    });
    Ok(Inspection {
        figure: board(&panels, 4, SIDE),
        report,
    })
}

/// Residual per channel (signed, centre window), its magnitude (whole image) and
/// spectrum; returns the residual's numbers.
fn residual_panels(
    cover: &RgbImage,
    container: &RgbImage,
    panels: &mut Vec<(Panel, bool)>,
) -> Result<Value> {
    let channels = residual::residual(cover, container)?;
    let (w, h) = (cover.width().min(WINDOW), cover.height().min(WINDOW));
    let (x0, y0) = ((cover.width() - w) / 2, (cover.height() - h) / 2);
    let window = |m: &Map| Map {
        width: w,
        height: h,
        values: (0..w * h).map(|i| m.get(x0 + i % w, y0 + i / w)).collect(),
    };
    // The 99th percentile of |residual|: a few extreme pixels would wash out the rest.
    let mut magnitudes: Vec<f32> = channels
        .iter()
        .flat_map(|m| m.values.iter().map(|v| v.abs()))
        .collect();
    let rank = (magnitudes.len() * 99 / 100).min(magnitudes.len() - 1);
    let extent = magnitudes
        .select_nth_unstable_by(rank, f32::total_cmp)
        .1
        .max(1.0);
    for (name, channel) in ["R", "G", "B"].iter().zip(&channels) {
        let label = format!("residual {name}, centre {w}x{h}");
        let image = Colormap::Diverging.paint(&window(channel), -extent, extent);
        let panel = Panel::new(label, image).with_bar(
            Colormap::Diverging,
            format!("-{extent:.0}"),
            format!("+{extent:.0}"),
        );
        panels.push((panel, false));
    }
    panels.push((
        map_panel("|residual|", &residual::magnitude(&channels)),
        false,
    ));
    let spectrum = residual::spectrum(&channels, WINDOW);
    panels.push((
        map_panel("residual spectrum, log", &spectrum.log_magnitude),
        false,
    ));
    let size = (spectrum.log_magnitude.width * spectrum.log_magnitude.height) as f64;
    Ok(json!({
        "window": [spectrum.log_magnitude.width, spectrum.log_magnitude.height],
        "rms_per_channel": spectrum.energy.map(|e| (e / size).sqrt()),
        "bands_cycles_per_pixel": spectrum.bands,
    }))
}

/// A scalar field over its own range, with a colour bar.
fn map_panel(label: &str, map: &Map) -> Panel {
    let (low, high) = map.range();
    Panel::new(label, Colormap::Sequential.paint(map, low, high)).with_bar(
        Colormap::Sequential,
        short(low),
        short(high),
    )
}

/// The sensitivity window on a log scale, the chosen pixel marked in red.
fn sensitivity_panel(index: usize, s: &Sensitivity) -> Panel {
    let (_, peak) = s.map.range();
    let floor = (peak * 1e-4).max(f32::MIN_POSITIVE);
    let log = Map {
        width: s.map.width,
        height: s.map.height,
        values: s.map.values.iter().map(|&v| v.max(floor).log10()).collect(),
    };
    let mut image = Colormap::Sequential.paint(&log, floor.log10(), peak.max(floor).log10());
    let (px, py) = (s.point.0 - s.origin.0, s.point.1 - s.origin.1);
    for d in [-3i64, -2, 2, 3] {
        for (x, y) in [(px as i64 + d, py as i64), (px as i64, py as i64 + d)] {
            if x >= 0 && y >= 0 && (x as usize) < image.width() && (y as usize) < image.height() {
                image.set_pixel(x as usize, y as usize, [230, 30, 30]);
            }
        }
    }
    Panel::new(
        format!("sensitivity {} at {},{}", index + 1, s.point.0, s.point.1),
        image,
    )
    .with_bar(
        Colormap::Sequential,
        format!("log {:.1}", floor.log10()),
        format!("{:.1}", peak.max(floor).log10()),
    )
}

fn short(value: f32) -> String {
    if value.abs() >= 100.0 || value == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
