//! Image quality: PSNR and SSIM on 8-bit RGB images, as users see them.

use rayon::prelude::*;

use crate::pixels::RgbImage;

/// Peak signal-to-noise ratio in dB over all RGB samples (peak 255).
/// Identical images give `f64::INFINITY`.
pub fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_same_size(a, b);
    let squared: f64 = a
        .as_bytes()
        .iter()
        .zip(b.as_bytes())
        .map(|(&x, &y)| {
            let d = x as f64 - y as f64;
            d * d
        })
        .sum();
    let mse = squared / a.as_bytes().len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Structural similarity (Wang et al. 2004: 11×11 Gaussian window, σ = 1.5,
/// K1 = 0.01, K2 = 0.03), computed per RGB channel and averaged.
pub fn ssim(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_same_size(a, b);
    let (width, height) = (a.width(), a.height());
    let kernel = gaussian_kernel(1.5, 5);
    let halo = kernel.len() / 2;
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let mut total = 0.0;
    for channel in 0..3 {
        let mut sum = 0.0;
        // Bands of rows with the window's reach above and below: memory stays
        // bounded on large photos, and every value is what one pass over the whole
        // image gives (the window is clipped only at the image's own edges).
        for first in (0..height).step_by(SSIM_BAND) {
            let last = (first + SSIM_BAND).min(height);
            let (top, bottom) = (first.saturating_sub(halo), (last + halo).min(height));
            let rows = bottom - top;
            let x = plane(a, channel, width, top..bottom);
            let y = plane(b, channel, width, top..bottom);
            let xx: Vec<f64> = x.iter().map(|v| v * v).collect();
            let yy: Vec<f64> = y.iter().map(|v| v * v).collect();
            let xy: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p * q).collect();
            let [mx, my, sxx, syy, sxy] =
                [&x, &y, &xx, &yy, &xy].map(|p| blur(p, width, rows, &kernel));
            for i in (first - top) * width..(last - top) * width {
                let (mux, muy) = (mx[i], my[i]);
                let vx = sxx[i] - mux * mux;
                let vy = syy[i] - muy * muy;
                let cov = sxy[i] - mux * muy;
                sum += ((2.0 * mux * muy + c1) * (2.0 * cov + c2))
                    / ((mux * mux + muy * muy + c1) * (vx + vy + c2));
            }
        }
        total += sum / (width * height) as f64;
    }
    total / 3.0
}

/// Rows per band of [`ssim`].
const SSIM_BAND: usize = 256;

fn assert_same_size(a: &RgbImage, b: &RgbImage) {
    assert_eq!(
        (a.width(), a.height()),
        (b.width(), b.height()),
        "metrics need images of one size"
    );
}

/// One colour of rows `rows` of `image`, as floats.
fn plane(image: &RgbImage, channel: usize, width: usize, rows: std::ops::Range<usize>) -> Vec<f64> {
    image.as_bytes()[rows.start * width * 3 + channel..rows.end * width * 3]
        .iter()
        .step_by(3)
        .map(|&v| v as f64)
        .collect()
}

fn gaussian_kernel(sigma: f64, radius: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..=2 * radius)
        .map(|i| {
            let d = i as f64 - radius as f64;
            (-d * d / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.into_iter().map(|v| v / sum).collect()
}

/// Separable blur; the window is renormalised where it leaves the image. Rows run
/// in parallel; each value is summed in the same order as a serial pass would.
fn blur(values: &[f64], width: usize, height: usize, kernel: &[f64]) -> Vec<f64> {
    let radius = kernel.len() / 2;
    let window = |centre: usize, len: usize| {
        let first = centre.saturating_sub(radius);
        let last = (centre + radius).min(len - 1);
        (
            first,
            &kernel[first + radius - centre..=last + radius - centre],
        )
    };
    let mut across = vec![0.0; values.len()];
    across
        .par_chunks_mut(width)
        .zip(values.par_chunks(width))
        .for_each(|(out, row)| {
            for (x, out) in out.iter_mut().enumerate() {
                let (first, weights) = window(x, width);
                let (mut acc, mut weight) = (0.0, 0.0);
                for (w, v) in weights.iter().zip(&row[first..]) {
                    acc += w * v;
                    weight += w;
                }
                *out = acc / weight;
            }
        });
    let mut out = vec![0.0; values.len()];
    out.par_chunks_mut(width).enumerate().for_each(|(y, out)| {
        let (first, weights) = window(y, height);
        // Row by row, so memory is read in order; each value still sums in k order.
        let mut weight = 0.0;
        for (k, w) in weights.iter().enumerate() {
            let row = &across[(first + k) * width..][..width];
            out.iter_mut().zip(row).for_each(|(acc, v)| *acc += w * v);
            weight += w;
        }
        out.iter_mut().for_each(|acc| *acc /= weight);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SSIM in one pass over the whole image, the way it was before bands.
    fn ssim_in_one_pass(a: &RgbImage, b: &RgbImage) -> f64 {
        let (width, height) = (a.width(), a.height());
        let kernel = gaussian_kernel(1.5, 5);
        let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
        let mut total = 0.0;
        for channel in 0..3 {
            let x = plane(a, channel, width, 0..height);
            let y = plane(b, channel, width, 0..height);
            let product = |p: &[f64], q: &[f64]| -> Vec<f64> {
                p.iter().zip(q).map(|(u, v)| u * v).collect()
            };
            let maps = [
                x.clone(),
                y.clone(),
                product(&x, &x),
                product(&y, &y),
                product(&x, &y),
            ];
            let [mx, my, sxx, syy, sxy] = maps.map(|p| blur(&p, width, height, &kernel));
            let mut sum = 0.0;
            for i in 0..width * height {
                let (mux, muy) = (mx[i], my[i]);
                let (vx, vy) = (sxx[i] - mux * mux, syy[i] - muy * muy);
                let cov = sxy[i] - mux * muy;
                sum += ((2.0 * mux * muy + c1) * (2.0 * cov + c2))
                    / ((mux * mux + muy * muy + c1) * (vx + vy + c2));
            }
            total += sum / (width * height) as f64;
        }
        total / 3.0
    }

    #[test]
    fn ssim_in_bands_equals_one_pass() {
        let (a, b) = (
            noise_image(1, 37, 2 * SSIM_BAND + 19),
            noise_image(2, 37, 2 * SSIM_BAND + 19),
        );
        assert_eq!(ssim(&a, &b), ssim_in_one_pass(&a, &b));
    }

    fn noise_image(seed: u64, width: usize, height: usize) -> RgbImage {
        let mut state = seed;
        let data = (0..width * height * 3)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn psnr_of_a_known_error() {
        let a = RgbImage::filled(4, 4, [100, 100, 100]).unwrap();
        let b = RgbImage::filled(4, 4, [110, 110, 110]).unwrap();
        // MSE = 100 → PSNR = 10·log10(255² / 100) ≈ 28.13 dB
        assert!((psnr(&a, &b) - 28.1308).abs() < 1e-3);
        assert!(psnr(&a, &a).is_infinite());
    }

    #[test]
    fn ssim_is_one_for_equal_images_and_low_for_unrelated_ones() {
        let a = noise_image(1, 32, 24);
        let b = noise_image(2, 32, 24);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-9);
        assert!(ssim(&a, &b) < 0.1, "unrelated noise: {}", ssim(&a, &b));
    }
}
