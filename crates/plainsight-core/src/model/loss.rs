//! The training loss of Baluja (NeurIPS 2017, eq. 1), for several secrets:
//!
//! `L = MSE(cover, container) + β · Σᵢ MSE(secretᵢ, revealedᵢ)`

use burn::prelude::*;

/// The two parts of the loss and their weighted sum.
pub struct StegoLoss<B: Backend> {
    /// `L`, the quantity that is minimised.
    pub total: Tensor<B, 1>,
    /// MSE(cover, container).
    pub container: Tensor<B, 1>,
    /// Σᵢ MSE(secretᵢ, revealedᵢ).
    pub reveal: Tensor<B, 1>,
}

/// Mean squared error over all elements.
pub fn mse<B: Backend>(a: Tensor<B, 4>, b: Tensor<B, 4>) -> Tensor<B, 1> {
    (a - b).square().mean()
}

/// `MSE(cover, container) + beta · Σ MSE(secret_i, revealed_i)`.
pub fn stego_loss<B: Backend>(
    cover: Tensor<B, 4>,
    container: Tensor<B, 4>,
    secrets: &[Tensor<B, 4>],
    revealed: &[Tensor<B, 4>],
    beta: f32,
) -> StegoLoss<B> {
    let container_loss = mse(cover, container);
    let reveal_loss = sum_over_secrets(secrets, revealed, mse);
    StegoLoss {
        total: container_loss.clone() + reveal_loss.clone().mul_scalar(beta),
        container: container_loss,
        reveal: reveal_loss,
    }
}

/// Σᵢ error(secretᵢ, revealedᵢ).
fn sum_over_secrets<B: Backend>(
    secrets: &[Tensor<B, 4>],
    revealed: &[Tensor<B, 4>],
    error: fn(Tensor<B, 4>, Tensor<B, 4>) -> Tensor<B, 1>,
) -> Tensor<B, 1> {
    secrets
        .iter()
        .zip(revealed)
        .map(|(secret, revealed)| error(secret.clone(), revealed.clone()))
        .reduce(|a, b| a + b)
        .expect("at least one secret")
}

/// Smallest per-image MSE the log loss sees (about 100 dB), so a perfect image
/// cannot send it to −∞.
pub(crate) const LOG_FLOOR: f64 = 1e-10;

/// Mean over the images of ln MSE(a, b), each image's error measured on its own.
pub(crate) fn mean_log_mse<B: Backend>(a: Tensor<B, 4>, b: Tensor<B, 4>) -> Tensor<B, 1> {
    let per_image = (a - b).square().flatten::<2>(1, 3).mean_dim(1);
    per_image.add_scalar(LOG_FLOOR).log().mean()
}

/// The same two parts in decibels, image by image: `mean ln MSE(cover, container) +
/// β · Σᵢ mean ln MSE(secretᵢ, revealedᵢ)` (−PSNR up to a factor and a constant).
/// The plain loss lets the images with the largest errors dominate; the reported
/// mean PSNR counts every image equally in dB, and so does this. The `container`
/// and `reveal` parts are still the plain MSEs (for the logs).
pub fn log_stego_loss<B: Backend>(
    cover: Tensor<B, 4>,
    container: Tensor<B, 4>,
    secrets: &[Tensor<B, 4>],
    revealed: &[Tensor<B, 4>],
    beta: f32,
) -> StegoLoss<B> {
    let log_reveal = sum_over_secrets(secrets, revealed, mean_log_mse);
    let total = mean_log_mse(cover.clone(), container.clone()) + log_reveal.mul_scalar(beta);
    let plain = stego_loss(cover, container, secrets, revealed, beta);
    StegoLoss { total, ..plain }
}

/// Mean squared difference between horizontal and between vertical neighbours of
/// `residual` (the container minus the cover): its energy weighted towards high
/// frequencies (by 4·sin²(πf) per axis), which is where steganalysers and JPEG look.
/// Added to the loss with a weight, it pushes the hidden signal to lower frequencies.
///
/// # Shapes
/// `[batch, channels, H, W]` with H, W ≥ 2 → `[1]`
pub fn residual_roughness<B: Backend>(residual: Tensor<B, 4>) -> Tensor<B, 1> {
    let [_, _, height, width] = residual.dims();
    let across =
        residual.clone().narrow(3, 1, width - 1) - residual.clone().narrow(3, 0, width - 1);
    let down = residual.clone().narrow(2, 1, height - 1) - residual.narrow(2, 0, height - 1);
    across.square().mean() + down.square().mean()
}

/// The period in pixels of the block lattice [`lattice_energy`] measures: 8, which
/// holds the 4-pixel lattice of factor-4 blocks and JPEG's.
pub const LATTICE: usize = 8;

/// The energy of `residual` at the frequencies of an 8-pixel lattice: for each
/// image and colour, the mean of the residual at each of the 64 positions inside
/// an 8×8 cell (its phase), and the mean squared deviation of those 64 means from
/// their average. A residual that does not depend on the position inside the
/// lattice cell has none (up to the noise of the means); a fixed block pattern,
/// which networks working on fixed blocks leave and steganalysers find, has a lot.
/// (By Parseval it is the residual's energy at the 63 non-zero frequencies k/8
/// cycles per pixel, up to a constant.)
///
/// # Shapes
/// `[batch, channels, H, W]` with H, W multiples of 8 → `[1]`
pub fn lattice_energy<B: Backend>(residual: Tensor<B, 4>) -> Tensor<B, 1> {
    let [batch, channels, height, width] = residual.dims();
    let cells = residual
        .reshape([
            batch,
            channels,
            height / LATTICE,
            LATTICE,
            width / LATTICE,
            LATTICE,
        ])
        .mean_dim(4)
        .mean_dim(2)
        .reshape([batch, channels, LATTICE * LATTICE]);
    let deviation = cells.clone() - cells.mean_dim(2);
    deviation.square().mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;

    fn filled(value: f32) -> Tensor<CpuBackend, 4> {
        Tensor::full([1, 3, 2, 2], value, &Default::default())
    }

    #[test]
    fn roughness_is_zero_for_flat_and_largest_for_a_checkerboard() {
        let device = Default::default();
        assert_eq!(residual_roughness(filled(0.3)).into_scalar(), 0.0);
        let board = Tensor::<CpuBackend, 1>::from_floats([1.0, -1.0, -1.0, 1.0], &device)
            .reshape([1, 1, 2, 2]);
        let stripes = Tensor::<CpuBackend, 1>::from_floats([1.0, 1.0, -1.0, -1.0], &device)
            .reshape([1, 1, 2, 2]);
        // Same energy; the checkerboard changes along both axes, the stripes along one.
        assert_eq!(residual_roughness(board).into_scalar(), 8.0);
        assert_eq!(residual_roughness(stripes).into_scalar(), 4.0);
    }

    #[test]
    fn lattice_energy_sees_a_block_pattern_and_not_a_flat_offset() {
        let device = Default::default();
        let flat = Tensor::<CpuBackend, 4>::full([1, 3, 16, 16], 0.2, &device);
        assert!(lattice_energy(flat.clone()).into_scalar().abs() < 1e-12);
        // +0.1 at one position of every 8×8 cell: the 64 means are 0.3 once and 0.2
        // 63 times, their average 0.2 + 0.1/64.
        let mut values = vec![0.2f32; 3 * 16 * 16];
        for c in 0..3 {
            for y in (0..16).step_by(8) {
                for x in (0..16).step_by(8) {
                    values[(c * 16 + y) * 16 + x] += 0.1;
                }
            }
        }
        let pattern = Tensor::<CpuBackend, 1>::from_floats(values.as_slice(), &device)
            .reshape([1, 3, 16, 16]);
        let mean: f64 = 0.1 / 64.0;
        let expected = ((0.1 - mean).powi(2) + 63.0 * mean * mean) / 64.0;
        let got = f64::from(lattice_energy(pattern).into_scalar());
        assert!((got - expected).abs() < 1e-7, "{got} vs {expected}");
    }

    #[test]
    fn loss_matches_the_formula() {
        // container off by 0.1, two secrets off by 0.2 and 0.3, beta 0.5.
        let loss = stego_loss(
            filled(0.5),
            filled(0.6),
            &[filled(0.0), filled(1.0)],
            &[filled(0.2), filled(0.7)],
            0.5,
        );
        let total = loss.total.into_scalar();
        let expected = 0.01 + 0.5 * (0.04 + 0.09);
        assert!((total - expected).abs() < 1e-6, "{total} vs {expected}");
    }

    #[test]
    fn log_loss_averages_each_images_log_error() {
        let device = Default::default();
        // Two images in a batch, off by 0.1 and by 0.3: the mean of their logs,
        // not the log of their mean.
        let cover = Tensor::<CpuBackend, 4>::zeros([2, 3, 2, 2], &device);
        let container = Tensor::<CpuBackend, 1>::from_floats([0.1, 0.3], &device)
            .reshape([2, 1, 1, 1])
            .repeat_dim(1, 3)
            .repeat_dim(2, 2)
            .repeat_dim(3, 2);
        let secret = Tensor::<CpuBackend, 4>::zeros([2, 3, 2, 2], &device);
        let revealed = secret.clone().add_scalar(0.2);
        let loss = log_stego_loss(cover, container, &[secret], &[revealed], 0.5);
        let total = loss.total.into_scalar() as f64;
        let expected = (0.01f64.ln() + 0.09f64.ln()) / 2.0 + 0.5 * 0.04f64.ln();
        assert!((total - expected).abs() < 1e-4, "{total} vs {expected}");
        // The logged parts stay the plain MSEs.
        let container_mse = loss.container.into_scalar() as f64;
        assert!((container_mse - 0.05).abs() < 1e-6, "{container_mse}");
    }
}
