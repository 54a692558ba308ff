//! A view inside the networks: which container pixels a revealed pixel depends on
//! (a gradient through the reveal network), and what the preparation network
//! extracts from a secret. The results are plain scalar fields ([`Map`]).

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::config::StegoConfig;
use super::net::StegoNet;
use crate::analysis::residual::Map;
use crate::error::{Error, Result};
use crate::pixels::{images_to_tensor, RgbImage};

/// Which container pixels one revealed pixel depends on.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    /// |∂ revealed(x, y) / ∂ container| summed over colour channels, over a window.
    pub map: Map,
    /// Where the window starts in the container.
    pub origin: (usize, usize),
    /// The revealed pixel asked about.
    pub point: (usize, usize),
    /// Share of the total sensitivity within a square of each half-width around the point.
    pub share_within: Vec<(usize, f64)>,
    /// Smallest half-width holding 90% of it.
    pub radius_90: usize,
}

/// Gradient of revealed secret `secret`'s pixel `point` (summed over R, G, B)
/// with respect to the container, by automatic differentiation.
///
/// Only a window around the point reaches the revealed pixel, so only that window
/// is run: the result is exact however large the container.
pub fn sensitivity<B: AutodiffBackend>(
    net: &StegoNet<B>,
    config: &StegoConfig,
    container: &RgbImage,
    secret: usize,
    point: (usize, usize),
    device: &B::Device,
) -> Result<Sensitivity> {
    let (x, y) = point;
    if x >= container.width() || y >= container.height() {
        return Err(Error::Invalid(format!(
            "point {x},{y} is outside the {}x{} container",
            container.width(),
            container.height()
        )));
    }
    if secret >= net.secrets() {
        return Err(Error::SecretMismatch {
            expected: net.secrets(),
            got: secret + 1,
        });
    }
    let arch = &config.architecture;
    let multiple = arch.size_multiple();
    let reach = arch.reveal_radius() + multiple;
    // Window aligned to the unshuffle grid, so the network sees the blocks it
    // sees on the whole image.
    let x0 = x.saturating_sub(reach) / multiple * multiple;
    let y0 = y.saturating_sub(reach) / multiple * multiple;
    let x1 = (x + reach + 1).min(container.width());
    let y1 = (y + reach + 1).min(container.height());
    let window = container.crop(x0, y0, x1 - x0, y1 - y0);
    let (w, h) = (
        window.width().next_multiple_of(multiple),
        window.height().next_multiple_of(multiple),
    );
    let window = window.pad_edge(w, h);
    let input = images_to_tensor::<B>(&[&window], device).require_grad();
    let revealed = net.reveal(input.clone(), secret + 1).remove(secret);
    let (px, py) = (x - x0, y - y0);
    let pixel = revealed.slice([0..1, 0..3, py..py + 1, px..px + 1]).sum();
    let grads = pixel.backward();
    let grad = input
        .grad(&grads)
        .ok_or_else(|| Error::Invalid("no gradient reached the container".into()))?;
    let values = grad
        .abs()
        .sum_dim(1)
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .expect("float tensor");
    // Drop the padding: only real container pixels count.
    let (rw, rh) = (x1 - x0, y1 - y0);
    let map = Map::from_fn(rw, rh, |i, j| values[j * w + i]);
    let total: f64 = map.values.iter().map(|&v| v as f64).sum();
    let within = |r: usize| -> f64 {
        if total <= 0.0 {
            return 0.0;
        }
        let mut sum = 0.0;
        for j in py.saturating_sub(r)..(py + r + 1).min(rh) {
            for i in px.saturating_sub(r)..(px + r + 1).min(rw) {
                sum += map.get(i, j) as f64;
            }
        }
        sum / total
    };
    let radius_90 = (0..=rw.max(rh))
        .find(|&r| within(r) >= 0.9)
        .unwrap_or(rw.max(rh));
    let share_within = [1, 2, 4, 8, 16, 32]
        .into_iter()
        .map(|r| (r, within(r)))
        .collect();
    Ok(Sensitivity {
        map,
        origin: (x0, y0),
        point,
        share_within,
        radius_90,
    })
}

/// The `count` most varied feature maps the preparation network of secret
/// `index` computes from `secret`, each at the network's own resolution.
pub fn prep_features<B: Backend>(
    net: &StegoNet<B>,
    index: usize,
    secret: &RgbImage,
    multiple: usize,
    count: usize,
    device: &B::Device,
) -> Result<Vec<Map>> {
    if index >= net.secrets() {
        return Err(Error::SecretMismatch {
            expected: net.secrets(),
            got: index + 1,
        });
    }
    let (w, h) = (
        secret.width().next_multiple_of(multiple),
        secret.height().next_multiple_of(multiple),
    );
    let padded = secret.pad_edge(w, h);
    let features = net.prepare(index, images_to_tensor::<B>(&[&padded], device));
    let [_, channels, fh, fw] = features.dims();
    let values = features
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .expect("float tensor");
    let plane = fh * fw;
    let mut maps: Vec<(f64, Map)> = (0..channels)
        .map(|c| {
            let slice = &values[c * plane..(c + 1) * plane];
            let mean = slice.iter().map(|&v| v as f64).sum::<f64>() / plane as f64;
            let variance = slice
                .iter()
                .map(|&v| (v as f64 - mean).powi(2))
                .sum::<f64>()
                / plane as f64;
            let map = Map {
                width: fw,
                height: fh,
                values: slice.to_vec(),
            };
            (variance, map)
        })
        .collect();
    maps.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(maps.into_iter().take(count).map(|(_, m)| m).collect())
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuTrainBackend;
    use crate::Stego;

    fn wavy(width: usize, height: usize) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = ((p % width) as f64, (p / width) as f64);
                let v = |f: f64| (128.0 + 90.0 * ((x * f + y * 0.6) * 0.09).sin()) as u8;
                [v(1.0), v(0.7), v(1.2)]
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn sensitivity_concentrates_around_the_point() {
        let model = plainsight_weights::by_name("default-1").unwrap();
        let device = Default::default();
        let stego =
            Stego::<CpuTrainBackend>::from_bytes(model.config_json, model.weights, device).unwrap();
        let container = wavy(90, 70);
        let reach = stego.config().architecture.reveal_radius();
        for point in [(45, 33), (0, 0), (89, 69)] {
            let s = sensitivity(
                stego.net(),
                stego.config(),
                &container,
                0,
                point,
                &Default::default(),
            )
            .unwrap();
            assert!(
                s.radius_90 <= reach,
                "{point:?}: 90% within {}",
                s.radius_90
            );
            let (argmax, _) =
                s.map
                    .values
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f32::MIN),
                        |best, (i, &v)| if v > best.1 { (i, v) } else { best },
                    );
            let (ax, ay) = (
                s.origin.0 + argmax % s.map.width,
                s.origin.1 + argmax / s.map.width,
            );
            assert!(
                ax.abs_diff(point.0) <= 4 && ay.abs_diff(point.1) <= 4,
                "{point:?}: peak at {ax},{ay}"
            );
        }
        assert!(sensitivity(
            stego.net(),
            stego.config(),
            &container,
            0,
            (90, 0),
            &Default::default()
        )
        .is_err());
    }
}
