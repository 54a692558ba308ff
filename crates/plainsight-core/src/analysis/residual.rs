//! Where and in which frequencies a container differs from its cover.
//!
//! Everything returns plain scalar fields ([`Map`]) and numbers; drawing them is
//! the caller's job. What the networks themselves look at is in
//! [`crate::model::inspect`].

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
use serde::Serialize;

use crate::error::Result;
use crate::pixels::{check_same_size, RgbImage};

/// A scalar field over an image, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub width: usize,
    pub height: usize,
    pub values: Vec<f32>,
}

impl Map {
    pub(crate) fn from_fn(width: usize, height: usize, f: impl Fn(usize, usize) -> f32) -> Map {
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

#[cfg(test)]
mod tests {
    use super::*;

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
