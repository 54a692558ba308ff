//! The default layout: every network works on the pixel-unshuffled image.
//!
//! Each `factor`×`factor` block of pixels is folded into `3·factor²` channels, so a
//! 3×3 convolution sees a `3·factor` pixel square at `1/factor²` of the cost. The
//! hiding network predicts a residual added to the cover, and hiding and reveal each
//! have a 1×1 linear path beside their convolution stack, so a linear code
//! ([`crate::code`]) can be the starting point and the stacks learn corrections.
//!
//! This file owns the three networks of the layout and its receptive radii.

use burn::nn::conv::Conv2d;
use burn::prelude::*;

use super::blocks::{affine_conv, depth_to_space, same_conv, space_to_depth, ConvStack};
use crate::code::LinearCode;

/// Channels of one unshuffled RGB block.
fn folded(factor: usize) -> usize {
    3 * factor * factor
}

/// How far (in pixels) a revealed pixel can see into the container: `depth` 3×3
/// layers at 1/factor scale, plus the block itself.
pub fn reveal_radius(factor: usize, depth: usize) -> usize {
    depth * factor + factor
}

/// How far (in pixels) an output pixel of hide followed by reveal can see: 2 prep
/// layers, `depth` hiding and `depth` reveal layers, each 3×3 at 1/factor scale.
pub fn receptive_radius(factor: usize, depth: usize) -> usize {
    (2 + 2 * depth) * factor + factor
}

/// Preparation: pixel-unshuffle, then two 3×3 convolutions with ReLU.
#[derive(Module, Debug)]
pub struct UnshufflePrep<B: Backend> {
    stack: ConvStack<B>,
    factor: usize,
}

impl<B: Backend> UnshufflePrep<B> {
    pub fn new(factor: usize, prep_channels: usize, device: &B::Device) -> Self {
        let widths = [folded(factor), prep_channels, prep_channels];
        UnshufflePrep {
            stack: ConvStack::new(&widths, true, device),
            factor,
        }
    }

    pub(crate) fn stack(&self) -> &ConvStack<B> {
        &self.stack
    }

    /// # Shapes
    /// `[batch, 3, H, W]` → `[batch, prep_channels, H/f, W/f]`
    pub fn forward(&self, secret: Tensor<B, 4>) -> Tensor<B, 4> {
        self.stack.forward(space_to_depth(secret, self.factor))
    }
}

/// Hiding: predicts a residual at 1/f resolution that is added to the cover.
#[derive(Module, Debug)]
pub struct UnshuffleHide<B: Backend> {
    stack: ConvStack<B>,
    /// A 1×1 linear path beside the stack: a per-block linear code (write the
    /// secret into the cover's fine detail) is available from the first step,
    /// and the stack only has to learn the corrections.
    linear: Conv2d<B>,
    factor: usize,
}

impl<B: Backend> UnshuffleHide<B> {
    pub fn new(
        factor: usize,
        channels: usize,
        prep_channels: usize,
        depth: usize,
        secrets: usize,
        device: &B::Device,
    ) -> Self {
        let folded = folded(factor);
        let inputs = folded + secrets * (folded + prep_channels);
        let mut widths = vec![inputs];
        widths.extend(std::iter::repeat_n(channels, depth - 1));
        widths.push(folded);
        UnshuffleHide {
            stack: ConvStack::new(&widths, false, device),
            linear: same_conv(inputs, folded, 1, device),
            factor,
        }
    }

    /// Starts at a linear code: the 1×1 path is set to the code, the stack to zero.
    pub fn with_linear_code(self, code: &LinearCode, device: &B::Device) -> Self {
        let inputs = self.linear.weight.dims()[1];
        let (weight, bias) = code.hide_weights(inputs);
        UnshuffleHide {
            stack: self.stack.zero_last(),
            linear: affine_conv(&weight, &bias, inputs, device),
            factor: self.factor,
        }
    }

    /// The convolution stack and the 1×1 path beside it.
    pub(crate) fn parts(&self) -> (&ConvStack<B>, &Conv2d<B>) {
        (&self.stack, &self.linear)
    }

    /// # Shapes
    /// - cover and each secret: `[batch, 3, H, W]`
    /// - prepared: one `[batch, prep_channels, H/f, W/f]` per secret
    /// - output: `[batch, 3, H, W]`, before clamping and rounding
    pub fn forward(
        &self,
        cover: Tensor<B, 4>,
        secrets: &[Tensor<B, 4>],
        prepared: Vec<Tensor<B, 4>>,
    ) -> Tensor<B, 4> {
        let mut inputs = vec![space_to_depth(cover.clone(), self.factor)];
        for (secret, features) in secrets.iter().zip(prepared) {
            inputs.push(space_to_depth(secret.clone(), self.factor));
            inputs.push(features);
        }
        let x = Tensor::cat(inputs, 1); // [batch, 3f² + n·(3f² + prep), H/f, W/f]
        let residual = self.stack.forward(x.clone()) + self.linear.forward(x); // [batch, 3f², H/f, W/f]
        cover + depth_to_space(residual, self.factor)
    }
}

/// Reveal: pixel-unshuffle, `depth` 3×3 convolutions beside a 1×1 path, pixel shuffle.
#[derive(Module, Debug)]
pub struct UnshuffleReveal<B: Backend> {
    stack: ConvStack<B>,
    /// 1×1 linear path beside the stack, the reading half of the hiding
    /// network's linear code.
    linear: Conv2d<B>,
    factor: usize,
}

impl<B: Backend> UnshuffleReveal<B> {
    pub fn new(factor: usize, channels: usize, depth: usize, device: &B::Device) -> Self {
        let folded = folded(factor);
        let mut widths = vec![folded];
        widths.extend(std::iter::repeat_n(channels, depth - 1));
        widths.push(folded);
        UnshuffleReveal {
            stack: ConvStack::new(&widths, false, device),
            linear: same_conv(folded, folded, 1, device),
            factor,
        }
    }

    /// Starts at the reading half of a linear code for secret `slot`; the stack
    /// starts at zero.
    pub fn with_linear_code(self, code: &LinearCode, slot: usize, device: &B::Device) -> Self {
        let (weight, bias) = code.reveal_weights(slot);
        UnshuffleReveal {
            stack: self.stack.zero_last(),
            linear: affine_conv(&weight, &bias, bias.len(), device),
            factor: self.factor,
        }
    }

    /// The convolution stack and the 1×1 path beside it.
    pub(crate) fn parts(&self) -> (&ConvStack<B>, &Conv2d<B>) {
        (&self.stack, &self.linear)
    }

    /// # Shapes
    /// `[batch, 3, H, W]` container → `[batch, 3, H, W]` secret estimate (not clamped)
    pub fn forward(&self, container: Tensor<B, 4>) -> Tensor<B, 4> {
        let folded = space_to_depth(container, self.factor); // [batch, 3f², H/f, W/f]
        let secret = self.stack.forward(folded.clone()) + self.linear.forward(folded);
        depth_to_space(secret, self.factor)
    }
}
