//! Hiding network: cover plus prepared secrets in, container out.

use burn::prelude::*;

use burn::nn::conv::Conv2d;

use super::blocks::{
    affine_conv, depth_to_space, same_conv, space_to_depth, BalujaStack, ConvStack,
};
use crate::config::Architecture;
use crate::linear_code::LinearCode;

/// The hiding network.
// A model holds at most seven of these, built once: size differences do not matter.
#[allow(clippy::large_enum_variant)]
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
    /// A 1×1 linear path beside the stack: a per-block linear code (write the
    /// secret into the cover's fine detail) is available from the first step,
    /// and the stack only has to learn the corrections.
    linear: Conv2d<B>,
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
                let inputs = folded + secrets * (folded + prep_channels);
                let mut widths = vec![inputs];
                widths.extend(std::iter::repeat_n(channels, depth - 1));
                widths.push(folded);
                HideNet::Unshuffle(UnshuffleHide {
                    stack: ConvStack::new(&widths, false, device),
                    linear: same_conv(inputs, folded, 1, device),
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

    /// Starts the network at a linear code: the 1×1 path is set to the code and the
    /// stack to zero. Baluja's layout has no linear path and is returned unchanged.
    pub fn with_linear_code(self, code: &LinearCode, device: &B::Device) -> Self {
        let HideNet::Unshuffle(net) = self else {
            return self;
        };
        let folded = code.hide_bias.len();
        let inputs = net.linear.weight.dims()[1];
        let prep = (inputs - folded) / code.hide_secrets.len() - folded;
        // Input channels: cover, then per secret its unshuffled pixels and features.
        let mut weight = vec![0f32; folded * inputs];
        for row in 0..folded {
            let mut col = 0;
            let mut put = |w: f64, col: usize| weight[row * inputs + col] = w as f32;
            for c in 0..folded {
                put(code.hide_cover[(row, c)], col + c);
            }
            col += folded;
            for write in &code.hide_secrets {
                for c in 0..folded {
                    put(write[(row, c)], col + c);
                }
                col += folded + prep; // the features' weights stay 0
            }
        }
        let bias: Vec<f32> = code.hide_bias.iter().map(|&b| b as f32).collect();
        HideNet::Unshuffle(UnshuffleHide {
            stack: net.stack.zero_last(),
            linear: affine_conv(&weight, &bias, inputs, device),
            factor: net.factor,
        })
    }

    /// Returns the container before clamping and rounding.
    ///
    /// # Shapes
    /// - cover and each secret: `[batch, 3, H, W]`
    /// - prepared: one per secret, as [`super::PrepNet::forward`] returns
    /// - output: `[batch, 3, H, W]`
    pub fn forward(
        &self,
        cover: Tensor<B, 4>,
        secrets: &[Tensor<B, 4>],
        prepared: Vec<Tensor<B, 4>>,
    ) -> Tensor<B, 4> {
        match self {
            HideNet::Unshuffle(net) => {
                let mut inputs = vec![space_to_depth(cover.clone(), net.factor)];
                for (secret, features) in secrets.iter().zip(prepared) {
                    inputs.push(space_to_depth(secret.clone(), net.factor));
                    inputs.push(features);
                }
                let x = Tensor::cat(inputs, 1); // [batch, 3f² + n·(3f² + prep), H/f, W/f]
                let residual = net.stack.forward(x.clone()) + net.linear.forward(x); // [batch, 3f², H/f, W/f]
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
