//! A differentiable stand-in for JPEG, used for its gradient in robust training.
//!
//! Real JPEG (colour transform, 8×8 DCT, quantisation, inverse) rounds every DCT
//! coefficient to a multiple of its quantisation step, which has no useful gradient.
//! Here rounding is replaced by `r + (x − r)³` with `r = round(x)` held constant
//! (Shin & Song, 2017): the value stays within a third of a step of the real one,
//! and the gradient, `3(x − r)²`, is near zero for coefficients that JPEG sets to the
//! same level whatever small change is made — so the hiding network learns that
//! signal put there does not get through. [`crate::channel::distort`] uses the real
//! encoder's output in the forward pass and this function's gradient in the backward
//! pass.
//!
//! The model follows libjpeg's encoders: full-range YCbCr, the standard tables of
//! JPEG Annex K scaled by quality, and the chroma planes either at full resolution
//! (4:4:4) or averaged over 2×2 pixels (4:2:0) ([`Chroma`]).

use burn::prelude::*;

/// Annex K.1 luminance quantisation table, row-major.
const LUMA_TABLE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Annex K.2 chrominance quantisation table, row-major.
const CHROMA_TABLE: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// RGB → YCbCr (JFIF), rows are Y, Cb, Cr; the +128 of Cb and Cr cancels the DCT's
/// level shift, so only Y is shifted.
const RGB_TO_YCC: [[f32; 3]; 3] = [
    [0.299, 0.587, 0.114],
    [-0.168_736, -0.331_264, 0.5],
    [0.5, -0.418_688, -0.081_312],
];

/// YCbCr → RGB (JFIF), the inverse of [`RGB_TO_YCC`]; columns are Y, Cb, Cr.
const YCC_TO_RGB: [[f32; 3]; 3] = [
    [1.0, 0.0, 1.402],
    [1.0, -0.344_136, -0.714_136],
    [1.0, 1.772, 0.0],
];

/// Quantisation steps at `quality` (1–100) as libjpeg scales them: `[luma, chroma]`.
pub fn quant_tables(quality: u8) -> [[f32; 64]; 2] {
    let quality = u32::from(quality.clamp(1, 100));
    let scale = if quality < 50 {
        5000 / quality
    } else {
        200 - 2 * quality
    };
    let scaled = |table: &[u16; 64]| {
        std::array::from_fn(|i| ((u32::from(table[i]) * scale + 50) / 100).clamp(1, 255) as f32)
    };
    [scaled(&LUMA_TABLE), scaled(&CHROMA_TABLE)]
}

/// The 64×64 matrix of the orthonormal 2-D DCT-II on a row-major 8×8 block:
/// `coefficients = block · Kᵀ`.
fn dct_matrix() -> Vec<f32> {
    let basis = |k: usize, n: usize| {
        let scale = if k == 0 {
            (1.0f64 / 8.0).sqrt()
        } else {
            (2.0f64 / 8.0).sqrt()
        };
        scale * ((std::f64::consts::PI * (2 * n + 1) as f64 * k as f64) / 16.0).cos()
    };
    let mut matrix = Vec::with_capacity(64 * 64);
    for (u, v) in (0..8).flat_map(|u| (0..8).map(move |v| (u, v))) {
        for (y, x) in (0..8).flat_map(|y| (0..8).map(move |x| (y, x))) {
            matrix.push((basis(u, y) * basis(v, x)) as f32);
        }
    }
    matrix
}

/// How JPEG stores the two colour-difference planes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// At full resolution (4:4:4).
    Full,
    /// Averaged over 2×2 pixels (4:2:0, what most encoders write), and upsampled
    /// again on decoding.
    Subsampled,
}

impl Chroma {
    /// Side of the pixel blocks a JPEG of this kind codes as units.
    pub fn block(self) -> usize {
        match self {
            Chroma::Full => 8,
            Chroma::Subsampled => 16,
        }
    }
}

/// The JPEG round trip at `quality` with soft rounding; differentiable everywhere.
///
/// # Shapes
/// `[batch, 3, H, W]` with values in 0–1 and H, W multiples of `chroma.block()`
/// → the same
pub fn jpeg_approx<B: Backend>(image: Tensor<B, 4>, quality: u8, chroma: Chroma) -> Tensor<B, 4> {
    let device = image.device();
    let [batch, channels, height, width] = image.dims();
    let block = chroma.block();
    assert!(
        channels == 3 && height % block == 0 && width % block == 0,
        "jpeg_approx needs RGB with sides that are multiples of {block}, got {:?}",
        image.dims()
    );
    let matrix = |m: &[[f32; 3]; 3]| {
        Tensor::<B, 1>::from_floats(m.as_flattened(), &device)
            .reshape([1, 3, 3])
            .repeat_dim(0, batch)
    };
    let (to_ycc, to_rgb) = (matrix(&RGB_TO_YCC), matrix(&YCC_TO_RGB));
    let [luma, chroma_steps] = quant_tables(quality);

    // Colour transform on 0–255 values, level shift of Y.
    let pixels = image.mul_scalar(255.0).reshape([batch, 3, height * width]);
    let ycc = to_ycc.matmul(pixels).reshape([batch, 3, height, width]);
    let shift = Tensor::<B, 1>::from_floats([128.0, 0.0, 0.0], &device).reshape([1, 3, 1, 1]);
    let ycc = ycc - shift.clone();

    let ycc = match chroma {
        Chroma::Full => {
            let steps = [luma, chroma_steps, chroma_steps];
            quantise_blocks(ycc, &steps)
        }
        Chroma::Subsampled => {
            let y = ycc.clone().slice([0..batch, 0..1, 0..height, 0..width]);
            let cbcr = ycc.slice([0..batch, 1..3, 0..height, 0..width]);
            let (h, w) = (height / 2, width / 2);
            // [batch, 2, H, W] → mean of each 2×2 → [batch, 2, H/2, W/2]
            let small = cbcr
                .reshape([batch, 2, h, 2, w, 2])
                .mean_dim(5)
                .mean_dim(3)
                .reshape([batch, 2, h, w]);
            let small = quantise_blocks(small, &[chroma_steps, chroma_steps]);
            let cbcr = upsample_twice(upsample_twice(small, 3), 2);
            Tensor::cat(vec![quantise_blocks(y, &[luma]), cbcr], 1)
        }
    };
    let ycc = ycc + shift;
    to_rgb
        .matmul(ycc.reshape([batch, 3, height * width]))
        .reshape([batch, 3, height, width])
        .div_scalar(255.0)
        .clamp(0.0, 1.0)
}

/// Doubles dimension `dim` (2: height, 3: width) as libjpeg's "fancy" upsampling
/// does (and the `image` crate's decoder): each new sample is ¾ of its own value and
/// ¼ of the neighbour on its side, edges repeated.
fn upsample_twice<B: Backend>(planes: Tensor<B, 4>, dim: usize) -> Tensor<B, 4> {
    let dims = planes.dims();
    let n = dims[dim];
    let part = |from: usize, to: usize| planes.clone().narrow(dim, from, to - from);
    let previous = Tensor::cat(vec![part(0, 1), part(0, n - 1)], dim);
    let next = Tensor::cat(vec![part(1, n), part(n - 1, n)], dim);
    let even = planes.clone().mul_scalar(0.75) + previous.mul_scalar(0.25);
    let odd = planes.mul_scalar(0.75) + next.mul_scalar(0.25);
    let mut doubled = dims;
    doubled[dim] *= 2;
    Tensor::stack::<5>(vec![even, odd], dim + 1).reshape(doubled)
}

/// 8×8 block DCT of every plane, soft rounding to multiples of the plane's
/// quantisation steps, inverse DCT.
///
/// # Shapes
/// `[batch, planes, H, W]` with H, W multiples of 8, one table per plane → the same
fn quantise_blocks<B: Backend>(planes: Tensor<B, 4>, steps: &[[f32; 64]]) -> Tensor<B, 4> {
    let device = planes.device();
    let [batch, count, height, width] = planes.dims();
    let dct = Tensor::<B, 1>::from_floats(dct_matrix().as_slice(), &device).reshape([64, 64]);
    let steps =
        Tensor::<B, 1>::from_floats(steps.as_flattened(), &device).reshape([1, count, 1, 64]);
    // 8×8 blocks as rows of 64, DCT as one matrix product.
    let (rows, cols) = (height / 8, width / 8);
    let blocks = planes
        .reshape([batch, count, rows, 8, cols, 8])
        .permute([0, 1, 2, 4, 3, 5])
        .reshape([batch * count * rows * cols, 64]);
    let coefficients =
        blocks
            .matmul(dct.clone().transpose())
            .reshape([batch, count, rows * cols, 64]);

    // Soft rounding of the quantised coefficients.
    let scaled = coefficients / steps.clone();
    let rounded = scaled.clone().round().detach();
    let fraction = scaled - rounded.clone();
    let cubed = fraction.clone() * fraction.clone() * fraction;
    let quantised = (rounded + cubed) * steps;

    quantised
        .reshape([batch * count * rows * cols, 64])
        .matmul(dct)
        .reshape([batch, count, rows, cols, 8, 8])
        .permute([0, 1, 2, 4, 3, 5])
        .reshape([batch, count, height, width])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use crate::backend::CpuBackend;
    use crate::channel::attack::{jpeg, jpeg_420};
    use crate::pixels::{images_to_tensor, tensor_to_images, RgbImage};

    fn photo_like(width: usize, height: usize) -> RgbImage {
        let mut data = Vec::with_capacity(width * height * 3);
        for y in 0..height {
            for x in 0..width {
                let (fx, fy) = (x as f32, y as f32);
                let base = 120.0 + 60.0 * (fx / 9.0).sin() * (fy / 13.0).cos();
                let edge = if (x / 17 + y / 11) % 2 == 0 {
                    30.0
                } else {
                    -30.0
                };
                for c in 0..3 {
                    let v = base + edge * (c as f32 - 1.0) + ((x * 7 + y * 3 + c * 5) % 11) as f32;
                    data.push(v.clamp(0.0, 255.0) as u8);
                }
            }
        }
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn follows_the_real_encoder_closely() {
        let device = Default::default();
        let image = photo_like(64, 48);
        for (chroma, encode) in [
            (
                Chroma::Full,
                jpeg as fn(&RgbImage, u8) -> crate::Result<RgbImage>,
            ),
            (Chroma::Subsampled, jpeg_420),
        ] {
            for quality in [50u8, 75, 95] {
                let real = encode(&image, quality).unwrap();
                let input = images_to_tensor::<CpuBackend>(&[&image], &device);
                let approx = tensor_to_images(jpeg_approx(input, quality, chroma)).remove(0);
                let against_real = psnr(&approx, &real);
                let real_loss = psnr(&image, &real);
                // The stand-in must sit much closer to real JPEG than JPEG sits to the
                // input. Measured here, 4:4:4: 40–43 dB against 28–38 dB; 4:2:0 on this
                // image's sharp colour edges 29–30 against 24–27 dB (on a bsds500/val
                // crop 40–46 against 29–46 dB: the edges are where chroma filters differ).
                let (floor, margin) = match chroma {
                    Chroma::Full => (38.0, 4.0),
                    Chroma::Subsampled => (28.0, 3.0),
                };
                assert!(
                    against_real > floor && against_real > real_loss + margin,
                    "{chroma:?} quality {quality}: approx vs real {against_real:.2} dB, real vs input {real_loss:.2} dB"
                );
            }
        }
    }

    #[test]
    fn gradient_vanishes_where_jpeg_discards_detail() {
        use crate::backend::CpuTrainBackend;
        let device = Default::default();
        let image = photo_like(16, 16);
        let input = images_to_tensor::<CpuTrainBackend>(&[&image], &device).require_grad();
        // A finest-checkerboard probe: JPEG at quality 30 keeps almost none of it.
        let probe: Vec<f32> = (0..3 * 256)
            .map(|i| {
                if (i % 16 + i / 16) % 2 == 0 {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        let probe = Tensor::<CpuTrainBackend, 1>::from_floats(probe.as_slice(), &device)
            .reshape([1, 3, 16, 16]);
        let through = |quality: u8| {
            let output = jpeg_approx(input.clone(), quality, Chroma::Full);
            let grads = (output * probe.clone()).sum().backward();
            let grad = input.grad(&grads).unwrap();
            (grad * probe.clone().inner())
                .sum()
                .into_scalar()
                .elem::<f32>()
        };
        let low = through(30);
        let high = through(100);
        assert!(
            low.abs() < 0.25 * high.abs(),
            "checkerboard sensitivity at q30 {low} vs q100 {high}"
        );
    }
}
