//! Reveal network: recovers one secret from the container alone.

use burn::prelude::*;

use super::blocks::{depth_to_space, space_to_depth, BalujaStack, ConvStack};
use crate::config::Architecture;

/// One secret's reveal network.
#[derive(Module, Debug)]
pub enum RevealNet<B: Backend> {
    /// Pixel-unshuffle, `depth` 3×3 convolutions, pixel shuffle.
    Unshuffle(UnshuffleReveal<B>),
    /// Baluja's five three-branch layers and a 1×1 convolution to RGB.
    Baluja(BalujaStack<B>),
}

/// The default reveal network.
#[derive(Module, Debug)]
pub struct UnshuffleReveal<B: Backend> {
    stack: ConvStack<B>,
    factor: usize,
}

impl<B: Backend> RevealNet<B> {
    pub fn new(architecture: &Architecture, device: &B::Device) -> Self {
        match *architecture {
            Architecture::Unshuffle {
                factor,
                channels,
                depth,
                ..
            } => {
                let folded = 3 * factor * factor;
                let mut widths = vec![folded];
                widths.extend(std::iter::repeat_n(channels, depth - 1));
                widths.push(folded);
                RevealNet::Unshuffle(UnshuffleReveal {
                    stack: ConvStack::new(&widths, false, device),
                    factor,
                })
            }
            Architecture::Baluja { filters } => {
                RevealNet::Baluja(BalujaStack::new(3, filters, 5, Some(3), device))
            }
        }
    }

    /// # Shapes
    /// `[batch, 3, H, W]` container → `[batch, 3, H, W]` secret estimate (not clamped)
    pub fn forward(&self, container: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            RevealNet::Unshuffle(net) => {
                let folded = space_to_depth(container, net.factor); // [batch, 3f², H/f, W/f]
                depth_to_space(net.stack.forward(folded), net.factor)
            }
            RevealNet::Baluja(net) => net.forward(container),
        }
    }
}
