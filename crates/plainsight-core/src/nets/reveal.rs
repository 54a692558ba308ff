//! Reveal network: recovers one secret from the container alone.

use burn::prelude::*;

use burn::nn::conv::Conv2d;

use super::blocks::{
    affine_conv, depth_to_space, same_conv, space_to_depth, BalujaStack, ConvStack,
};
use crate::config::Architecture;

/// One secret's reveal network.
// A model holds at most seven of these, built once: size differences do not matter.
#[allow(clippy::large_enum_variant)]
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
    /// 1×1 linear path beside the stack, the reading half of the hiding
    /// network's linear code.
    linear: Conv2d<B>,
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
                    linear: same_conv(folded, folded, 1, device),
                    factor,
                })
            }
            Architecture::Baluja { filters } => {
                RevealNet::Baluja(BalujaStack::new(3, filters, 5, Some(3), device))
            }
        }
    }

    /// Starts the network at the reading half of a linear code (`weight`, `bias`);
    /// the stack starts at zero. Baluja's layout is returned unchanged.
    pub fn with_linear_code(
        self,
        weight: &nalgebra::DMatrix<f64>,
        bias: &nalgebra::DVector<f64>,
        device: &B::Device,
    ) -> Self {
        let RevealNet::Unshuffle(net) = self else {
            return self;
        };
        let folded = bias.len();
        let weight: Vec<f32> = (0..folded * folded)
            .map(|i| weight[(i / folded, i % folded)] as f32)
            .collect();
        let bias: Vec<f32> = bias.iter().map(|&b| b as f32).collect();
        RevealNet::Unshuffle(UnshuffleReveal {
            stack: net.stack.zero_last(),
            linear: affine_conv(&weight, &bias, folded, device),
            factor: net.factor,
        })
    }

    /// # Shapes
    /// `[batch, 3, H, W]` container → `[batch, 3, H, W]` secret estimate (not clamped)
    pub fn forward(&self, container: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            RevealNet::Unshuffle(net) => {
                let folded = space_to_depth(container, net.factor); // [batch, 3f², H/f, W/f]
                let secret = net.stack.forward(folded.clone()) + net.linear.forward(folded);
                depth_to_space(secret, net.factor)
            }
            RevealNet::Baluja(net) => net.forward(container),
        }
    }
}
