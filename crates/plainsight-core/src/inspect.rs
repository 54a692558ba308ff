//! A view inside the networks: where and in which frequencies the container
//! differs from the cover, which container pixels a revealed pixel depends on,
//! and what the preparation network extracts from a secret.
//!
//! Everything returns plain scalar fields ([`Map`]) and numbers; drawing them is
//! the caller's job.

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::StegoNet;
use crate::pixels::{images_to_tensor, RgbImage};
use crate::stego::check_same_size;
use crate::StegoConfig;

/// A scalar field over an image, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub width: usize,
    pub height: usize,
    pub values: Vec<f32>,
}

impl Map {
    fn from_fn(width: usize, height: usize, f: impl Fn(usize, usize) -> f32) -> Map {
        let values = (0..width * height)
            .map(|i| f(i % width, i / width))
            .collect();
        Map {
            width,
            height,
            values,
        }
    }

    pub fn get(&self, x: usize, y: usize) -> f32 {
        self.values[y * self.width + x]
    }

    /// Smallest and largest value.
    pub fn range(&self) -> (f32, f32) {
        self.values
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    }
}

/// `container − cover` per channel (R, G, B), in 8-bit steps.
pub fn residual(cover: &RgbImage, container: &RgbImage) -> Result<[Map; 3]> {
    check_same_size(cover, container)?;
    let (w, h) = (cover.width(), cover.height());
    let (a, b) = (cover.as_bytes(), container.as_bytes());
    Ok([0, 1, 2].map(|c| {
        Map::from_fn(w, h, |x, y| {
            let i = (y * w + x) * 3 + c;
            b[i] as f32 - a[i] as f32
        })
    }))
}

/// Euclidean length of the per-channel values at each pixel.
pub fn magnitude(channels: &[Map; 3]) -> Map {
    let [r, g, b] = channels;
    Map::from_fn(r.width, r.height, |x, y| {
        (r.get(x, y).powi(2) + g.get(x, y).powi(2) + b.get(x, y).powi(2)).sqrt()
    })
}

/// Share of a field's energy between two radial frequencies (cycles per pixel;
/// 0.5 is the finest horizontal or vertical detail, √½ the finest diagonal).
#[derive(Debug, Clone, Serialize)]
pub struct BandEnergy {
    pub from: f64,
    pub to: f64,
    /// Per channel (R, G, B): this band's share of the channel's energy.
    pub share: [f64; 3],
}

/// The spectrum of a three-channel field.
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// log10(1 + |FFT|), averaged over the channels, zero frequency in the centre.
    pub log_magnitude: Map,
    pub bands: Vec<BandEnergy>,
    /// Total energy (sum of squares) per channel.
    pub energy: [f64; 3],
}

/// Radial band edges in cycles per pixel.
pub const BAND_EDGES: [f64; 6] = [0.0, 1.0 / 16.0, 1.0 / 8.0, 1.0 / 4.0, 0.5, 0.75];

/// Spectrum of `channels` over their centre window of at most `max_side` pixels.
pub fn spectrum(channels: &[Map; 3], max_side: usize) -> Spectrum {
    let (w, h) = (
        channels[0].width.min(max_side),
        channels[0].height.min(max_side),
    );
    let (x0, y0) = ((channels[0].width - w) / 2, (channels[0].height - h) / 2);
    let mut planner = FftPlanner::<f64>::new();
    let (row_fft, col_fft) = (planner.plan_fft_forward(w), planner.plan_fft_forward(h));
    let mut sum_magnitude = vec![0f64; w * h];
    let mut bands: Vec<BandEnergy> = BAND_EDGES
        .windows(2)
        .map(|e| BandEnergy {
            from: e[0],
            to: e[1],
            share: [0.0; 3],
        })
        .collect();
    let mut energy = [0f64; 3];
    for (c, map) in channels.iter().enumerate() {
        let mut data: Vec<Complex<f64>> = (0..w * h)
            .map(|i| Complex::new(map.get(x0 + i % w, y0 + i / w) as f64, 0.0))
            .collect();
        for row in data.chunks_exact_mut(w) {
            row_fft.process(row);
        }
        let mut column = vec![Complex::new(0.0, 0.0); h];
        for x in 0..w {
            for y in 0..h {
                column[y] = data[y * w + x];
            }
            col_fft.process(&mut column);
            for y in 0..h {
                data[y * w + x] = column[y];
            }
        }
        for (i, value) in data.iter().enumerate() {
            let (kx, ky) = (i % w, i / w);
            // Frequency of bin k in cycles per pixel, folded to −½..½.
            let freq = |k: usize, n: usize| {
                let k = if k > n / 2 {
                    k as f64 - n as f64
                } else {
                    k as f64
                };
                k / n as f64
            };
            let radius = freq(kx, w).hypot(freq(ky, h));
            let power = value.norm_sqr();
            energy[c] += power;
            if let Some(band) = bands.iter_mut().find(|b| radius >= b.from && radius < b.to) {
                band.share[c] += power;
            }
            // Centre the zero frequency for display.
            let (sx, sy) = ((kx + w / 2) % w, (ky + h / 2) % h);
            sum_magnitude[sy * w + sx] += value.norm() / 3.0;
        }
    }
    for band in &mut bands {
        for (share, total) in band.share.iter_mut().zip(energy) {
            *share = if total > 0.0 { *share / total } else { 0.0 };
        }
    }
    // Parseval: the FFT's energy is the field's times its size.
    let size = (w * h) as f64;
    Spectrum {
        log_magnitude: Map::from_fn(w, h, |x, y| (1.0 + sum_magnitude[y * w + x]).log10() as f32),
        bands,
        energy: energy.map(|e| e / size),
    }
}

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
        let model = plainsight_weights::for_secrets(1).unwrap();
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

    #[test]
    fn identical_images_have_no_residual_energy() {
        let image = RgbImage::filled(20, 12, [10, 200, 30]).unwrap();
        let r = residual(&image, &image).unwrap();
        let s = spectrum(&r, 64);
        assert_eq!(s.energy, [0.0; 3]);
        assert!(magnitude(&r).values.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn a_stripe_pattern_lands_in_its_band() {
        // Period 4 pixels = 0.25 cycles per pixel: the band from ¼ to ½.
        let cover = RgbImage::filled(32, 32, [100, 100, 100]).unwrap();
        let mut container = cover.clone();
        for y in 0..32 {
            for x in 0..32 {
                let v = if x % 4 < 2 { 104 } else { 96 };
                container.set_pixel(x, y, [v, 100, 100]);
            }
        }
        let s = spectrum(&residual(&cover, &container).unwrap(), 64);
        let band = s.bands.iter().find(|b| b.from == 0.25).unwrap();
        assert!(band.share[0] > 0.99, "{:?}", s.bands);
        assert_eq!(s.energy[1], 0.0);
        // Parseval: the mean square of ±4 is 16.
        assert!((s.energy[0] - 16.0 * 32.0 * 32.0).abs() < 1e-6 * s.energy[0]);
    }
}
