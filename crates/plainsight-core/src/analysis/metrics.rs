//! Image quality: PSNR and SSIM on 8-bit RGB images, as users see them.

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
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let mut total = 0.0;
    for channel in 0..3 {
        let x = plane(a, channel);
        let y = plane(b, channel);
        let xx: Vec<f64> = x.iter().map(|v| v * v).collect();
        let yy: Vec<f64> = y.iter().map(|v| v * v).collect();
        let xy: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p * q).collect();
        let [mx, my, sxx, syy, sxy] =
            [&x, &y, &xx, &yy, &xy].map(|p| blur(p, width, height, &kernel));
        let mut sum = 0.0;
        for i in 0..width * height {
            let (mux, muy) = (mx[i], my[i]);
            let vx = sxx[i] - mux * mux;
            let vy = syy[i] - muy * muy;
            let cov = sxy[i] - mux * muy;
            sum += ((2.0 * mux * muy + c1) * (2.0 * cov + c2))
                / ((mux * mux + muy * muy + c1) * (vx + vy + c2));
        }
        total += sum / (width * height) as f64;
    }
    total / 3.0
}

fn assert_same_size(a: &RgbImage, b: &RgbImage) {
    assert_eq!(
        (a.width(), a.height()),
        (b.width(), b.height()),
        "metrics need images of one size"
    );
}

fn plane(image: &RgbImage, channel: usize) -> Vec<f64> {
    image.as_bytes()[channel..]
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

/// Separable blur; the window is renormalised where it leaves the image.
fn blur(values: &[f64], width: usize, height: usize, kernel: &[f64]) -> Vec<f64> {
    let radius = kernel.len() / 2;
    let pass = |input: &[f64], horizontal: bool| -> Vec<f64> {
        let mut out = vec![0.0; input.len()];
        for y in 0..height {
            for x in 0..width {
                let (mut acc, mut weight) = (0.0, 0.0);
                for (k, &w) in kernel.iter().enumerate() {
                    let offset = k as isize - radius as isize;
                    let (sx, sy) = if horizontal {
                        (x as isize + offset, y as isize)
                    } else {
                        (x as isize, y as isize + offset)
                    };
                    if sx >= 0 && sy >= 0 && (sx as usize) < width && (sy as usize) < height {
                        acc += w * input[sy as usize * width + sx as usize];
                        weight += w;
                    }
                }
                out[y * width + x] = acc / weight;
            }
        }
        out
    };
    pass(&pass(values, true), false)
}

#[cfg(test)]
mod tests {
    use super::*;

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
