//! Preparation network: turns one secret image into features for the hiding network.
//!
//! Baluja (NeurIPS 2017) found that a small network in front of the hiding network
//! helps it pick features of the secret worth keeping, instead of raw pixels.

use burn::prelude::*;

use super::blocks::{space_to_depth, BalujaStack, ConvStack};
use crate::config::Architecture;

/// One secret's preparation network.
// A model holds at most seven of these, built once: size differences do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum PrepNet<B: Backend> {
    /// Pixel-unshuffle, then two 3×3 convolutions with ReLU.
    Unshuffle(UnshufflePrep<B>),
    /// Baluja's two three-branch layers at full resolution.
    Baluja(BalujaStack<B>),
}

/// The default preparation network.
#[derive(Module, Debug)]
pub struct UnshufflePrep<B: Backend> {
    stack: ConvStack<B>,
    factor: usize,
}

impl<B: Backend> PrepNet<B> {
    pub fn new(architecture: &Architecture, device: &B::Device) -> Self {
        match *architecture {
            Architecture::Unshuffle {
                factor,
                prep_channels,
                ..
            } => {
                let folded = 3 * factor * factor;
                PrepNet::Unshuffle(UnshufflePrep {
                    stack: ConvStack::new(&[folded, prep_channels, prep_channels], true, device),
                    factor,
                })
            }
            Architecture::Baluja { filters } => {
                PrepNet::Baluja(BalujaStack::new(3, filters, 2, None, device))
            }
        }
    }

    /// # Shapes
    /// - unshuffle: `[batch, 3, H, W]` → `[batch, prep_channels, H/f, W/f]`
    /// - baluja: `[batch, 3, H, W]` → `[batch, 3·filters, H, W]`
    pub fn forward(&self, secret: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            PrepNet::Unshuffle(net) => net.stack.forward(space_to_depth(secret, net.factor)),
            PrepNet::Baluja(net) => net.forward(secret),
        }
    }
}
