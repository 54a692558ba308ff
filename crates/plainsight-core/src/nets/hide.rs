//! Hiding network: cover plus prepared secrets in, container out.

use burn::prelude::*;

use super::blocks::{depth_to_space, space_to_depth, BalujaStack, ConvStack};
use crate::config::Architecture;

/// The hiding network.
#[derive(Module, Debug)]
pub enum HideNet<B: Backend> {
    /// Predicts a residual at 1/f resolution that is added to the cover.
    Unshuffle(UnshuffleHide<B>),
    /// Baluja's five three-branch layers and a 1×1 convolution to the container.
    Baluja(BalujaStack<B>),
}

/// The default hiding network.
#[derive(Module, Debug)]
pub struct UnshuffleHide<B: Backend> {
    stack: ConvStack<B>,
    factor: usize,
}

impl<B: Backend> HideNet<B> {
    pub fn new(architecture: &Architecture, secrets: usize, device: &B::Device) -> Self {
        match *architecture {
            Architecture::Unshuffle {
                factor,
                channels,
                prep_channels,
                depth,
            } => {
                let folded = 3 * factor * factor;
                let mut widths = vec![folded + secrets * prep_channels];
                widths.extend(std::iter::repeat_n(channels, depth - 1));
                widths.push(folded);
                HideNet::Unshuffle(UnshuffleHide {
                    stack: ConvStack::new(&widths, false, device),
                    factor,
                })
            }
            Architecture::Baluja { filters } => HideNet::Baluja(BalujaStack::new(
                3 + secrets * 3 * filters,
                filters,
                5,
                Some(3),
                device,
            )),
        }
    }

    /// Returns the container before clamping and rounding.
    ///
    /// # Shapes
    /// - cover: `[batch, 3, H, W]`
    /// - prepared: one per secret, as [`super::PrepNet::forward`] returns
    /// - output: `[batch, 3, H, W]`
    pub fn forward(&self, cover: Tensor<B, 4>, prepared: Vec<Tensor<B, 4>>) -> Tensor<B, 4> {
        match self {
            HideNet::Unshuffle(net) => {
                let mut inputs = vec![space_to_depth(cover.clone(), net.factor)];
                inputs.extend(prepared);
                let residual = net.stack.forward(Tensor::cat(inputs, 1)); // [batch, 3f², H/f, W/f]
                cover + depth_to_space(residual, net.factor)
            }
            HideNet::Baluja(net) => {
                let mut inputs = vec![cover];
                inputs.extend(prepared);
                net.forward(Tensor::cat(inputs, 1))
            }
        }
    }
}
