//! What happens to the container between hiding and revealing.
//!
//! Training puts this between the hiding and the reveal networks so that reveal
//! learns from containers like those it will meet: saved as 8-bit PNG for now,
//! and, for robust models, JPEG, noise or resizing.

use burn::prelude::*;
use burn::tensor::Distribution;
use rand::rngs::StdRng;
use rand::Rng;

use crate::channel::attack::Attack;
use crate::channel::jpeg_approx::{jpeg_approx, Chroma};
use crate::error::Result;
use crate::pixels::{images_to_tensor, tensor_to_images, RgbImage};

/// A distortion applied to the container during training.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Channel {
    /// Float container, untouched (research-code setting; not what users get).
    Identity,
    /// Rounded to 8 bits exactly as a PNG stores it; gradients pass straight through.
    #[default]
    Quantize8,
}

/// The container after `attack`, as reveal meets it in training.
///
/// Noise is added to the tensor, so gradients flow through it exactly. JPEG and
/// resizing run for real on 8-bit images (the forward pass sees exactly what a
/// user's file would go through); the backward pass takes JPEG's gradient from a
/// differentiable model of it ([`jpeg_approx`], 4:4:4 or 4:2:0) and the gradient
/// of resizing and of the chat pipeline as the identity (straight-through).
///
/// # Shapes
/// `[batch, 3, H, W]` (already rounded to 8 bits) → the same
pub fn distort<B: Backend>(
    container: Tensor<B, 4>,
    attack: Option<Attack>,
    rng: &mut StdRng,
) -> Result<Tensor<B, 4>> {
    let device = container.device();
    match attack {
        None => Ok(container),
        Some(Attack::Noise(sigma)) => {
            let seed: u64 = rng.random();
            B::seed(&device, seed);
            let noise = Tensor::random(
                container.shape(),
                Distribution::Normal(0.0, sigma as f64 / 255.0),
                &device,
            );
            Ok(Channel::Quantize8.apply((container + noise).clamp(0.0, 1.0)))
        }
        Some(attack) => {
            let images = tensor_to_images(container.clone().detach());
            let attacked = images
                .iter()
                .map(|image| attack.apply(image, rng))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&RgbImage> = attacked.iter().collect();
            let attacked = images_to_tensor::<B>(&refs, &device);
            // The backward pass follows a differentiable model of the attack where
            // there is one (JPEG on whole 8×8 blocks), else the identity.
            let [_, _, height, width] = container.dims();
            let whole = |block: usize| height % block == 0 && width % block == 0;
            let stand_in = match attack {
                Attack::Jpeg444(quality) if whole(Chroma::Full.block()) => {
                    jpeg_approx(container, quality, Chroma::Full)
                }
                Attack::Jpeg420(quality) if whole(Chroma::Subsampled.block()) => {
                    jpeg_approx(container, quality, Chroma::Subsampled)
                }
                _ => container,
            };
            Ok(stand_in.clone() + (attacked - stand_in).detach())
        }
    }
}

impl Channel {
    /// # Shapes
    /// `[batch, 3, H, W]` → `[batch, 3, H, W]`
    pub fn apply<B: Backend>(&self, container: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            Channel::Identity => container,
            Channel::Quantize8 => {
                // Straight-through estimator: forward uses the rounded value,
                // backward treats rounding as the identity.
                let rounded = container
                    .clone()
                    .mul_scalar(255.0)
                    .round()
                    .div_scalar(255.0);
                let offset = (rounded - container.clone()).detach();
                container + offset
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;

    #[test]
    fn quantize_rounds_to_the_nearest_byte() {
        let device = Default::default();
        let x = Tensor::<CpuBackend, 1>::from_floats([0.0, 0.1, 0.5, 1.0], &device)
            .reshape([1, 1, 2, 2]);
        let out = Channel::Quantize8
            .apply(x)
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        let expected = [0.0f32, 26.0 / 255.0, 128.0 / 255.0, 1.0];
        for (got, want) in out.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
    }
}
