//! Building blocks shared by the preparation, hiding and reveal networks.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::relu;

/// A `k`×`k` convolution that keeps height and width.
pub fn same_conv<B: Backend>(
    in_channels: usize,
    out_channels: usize,
    kernel: usize,
    device: &B::Device,
) -> Conv2d<B> {
    Conv2dConfig::new([in_channels, out_channels], [kernel, kernel])
        .with_padding(PaddingConfig2d::Same)
        .init(device)
}

/// A 1×1 convolution set to the affine map `weight · x + bias`.
///
/// # Shapes
/// `weight`: `out × in` values, row by row; `bias`: `out` values.
pub fn affine_conv<B: Backend>(
    weight: &[f32],
    bias: &[f32],
    in_channels: usize,
    device: &B::Device,
) -> Conv2d<B> {
    let out_channels = bias.len();
    assert_eq!(
        weight.len(),
        out_channels * in_channels,
        "affine weight size"
    );
    let mut conv = same_conv(in_channels, out_channels, 1, device);
    conv.weight = Param::from_tensor(Tensor::<B, 1>::from_floats(weight, device).reshape([
        out_channels,
        in_channels,
        1,
        1,
    ]));
    conv.bias = Some(Param::from_tensor(Tensor::from_floats(bias, device)));
    conv
}

/// Folds each `factor`×`factor` block of pixels into channels (pixel unshuffle).
///
/// # Shapes
/// `[batch, channels, height, width]` → `[batch, channels·factor², height/factor, width/factor]`
pub fn space_to_depth<B: Backend>(x: Tensor<B, 4>, factor: usize) -> Tensor<B, 4> {
    if factor == 1 {
        return x;
    }
    let [batch, channels, height, width] = x.dims();
    let (h, w) = (height / factor, width / factor);
    x.reshape([batch, channels, h, factor, w, factor])
        .permute([0, 1, 3, 5, 2, 4]) // [batch, channels, fy, fx, h, w]
        .reshape([batch, channels * factor * factor, h, w])
}

/// Inverse of [`space_to_depth`] (pixel shuffle).
///
/// # Shapes
/// `[batch, channels·factor², h, w]` → `[batch, channels, h·factor, w·factor]`
pub fn depth_to_space<B: Backend>(x: Tensor<B, 4>, factor: usize) -> Tensor<B, 4> {
    if factor == 1 {
        return x;
    }
    let [batch, folded, h, w] = x.dims();
    let channels = folded / (factor * factor);
    x.reshape([batch, channels, factor, factor, h, w])
        .permute([0, 1, 4, 2, 5, 3]) // [batch, channels, h, fy, w, fx]
        .reshape([batch, channels, h * factor, w * factor])
}

/// A stack of 3×3 convolutions with ReLU between them; the last layer is linear.
#[derive(Module, Debug)]
pub struct ConvStack<B: Backend> {
    layers: Vec<Conv2d<B>>,
    /// Whether the last layer is followed by a ReLU as well.
    relu_last: bool,
}

impl<B: Backend> ConvStack<B> {
    /// `widths` lists channel counts: input, every hidden layer, output.
    pub fn new(widths: &[usize], relu_last: bool, device: &B::Device) -> Self {
        let layers = widths
            .windows(2)
            .map(|pair| same_conv(pair[0], pair[1], 3, device))
            .collect();
        ConvStack { layers, relu_last }
    }

    /// Sets the last layer to zero, so the stack starts as "no correction".
    pub fn zero_last(mut self) -> Self {
        let last = self.layers.last_mut().expect("at least one layer");
        last.weight = Param::from_tensor(last.weight.val().zeros_like());
        if let Some(bias) = &last.bias {
            last.bias = Some(Param::from_tensor(bias.val().zeros_like()));
        }
        self
    }

    /// The layers, first to last (read by [`super::direct`]).
    pub(crate) fn layers(&self) -> &[Conv2d<B>] {
        &self.layers
    }

    pub(crate) fn relu_last(&self) -> bool {
        self.relu_last
    }

    /// # Shapes
    /// `[batch, widths[0], h, w]` → `[batch, widths.last(), h, w]`
    pub fn forward(&self, mut x: Tensor<B, 4>) -> Tensor<B, 4> {
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last || self.relu_last {
                x = relu(x);
            }
        }
        x
    }
}

/// One layer of Baluja's networks: 3×3, 4×4 and 5×5 convolutions side by side.
#[derive(Module, Debug)]
pub struct BalujaLayer<B: Backend> {
    conv3: Conv2d<B>,
    conv4: Conv2d<B>,
    conv5: Conv2d<B>,
}

impl<B: Backend> BalujaLayer<B> {
    pub fn new(in_channels: usize, filters: usize, device: &B::Device) -> Self {
        BalujaLayer {
            conv3: same_conv(in_channels, filters, 3, device),
            conv4: same_conv(in_channels, filters, 4, device),
            conv5: same_conv(in_channels, filters, 5, device),
        }
    }

    /// # Shapes
    /// `[batch, in, h, w]` → `[batch, 3·filters, h, w]`
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let branches = vec![
            self.conv3.forward(x.clone()),
            self.conv4.forward(x.clone()),
            self.conv5.forward(x),
        ];
        relu(Tensor::cat(branches, 1))
    }
}

/// `count` Baluja layers, optionally followed by a 1×1 convolution to `out` channels.
#[derive(Module, Debug)]
pub struct BalujaStack<B: Backend> {
    layers: Vec<BalujaLayer<B>>,
    head: Option<Conv2d<B>>,
}

impl<B: Backend> BalujaStack<B> {
    pub fn new(
        in_channels: usize,
        filters: usize,
        count: usize,
        out: Option<usize>,
        device: &B::Device,
    ) -> Self {
        let layers = (0..count)
            .map(|i| {
                let input = if i == 0 { in_channels } else { 3 * filters };
                BalujaLayer::new(input, filters, device)
            })
            .collect();
        let head = out.map(|out| same_conv(3 * filters, out, 1, device));
        BalujaStack { layers, head }
    }

    /// # Shapes
    /// `[batch, in, h, w]` → `[batch, out or 3·filters, h, w]`
    pub fn forward(&self, mut x: Tensor<B, 4>) -> Tensor<B, 4> {
        for layer in &self.layers {
            x = layer.forward(x);
        }
        match &self.head {
            Some(head) => head.forward(x),
            None => x,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;

    #[test]
    fn depth_to_space_inverts_space_to_depth() {
        let device = Default::default();
        let values: Vec<f32> = (0..2 * 3 * 4 * 6).map(|v| v as f32).collect();
        let x =
            Tensor::<CpuBackend, 1>::from_floats(values.as_slice(), &device).reshape([2, 3, 4, 6]);
        let folded = space_to_depth(x.clone(), 2);
        assert_eq!(folded.dims(), [2, 12, 2, 3]);
        let back = depth_to_space(folded, 2);
        assert_eq!(back.into_data().to_vec::<f32>().unwrap(), values);
    }

    #[test]
    fn space_to_depth_groups_each_block() {
        let device = Default::default();
        // One channel, 2×2 image: the four pixels become four channels of one pixel.
        let x = Tensor::<CpuBackend, 1>::from_floats([1.0, 2.0, 3.0, 4.0], &device)
            .reshape([1, 1, 2, 2]);
        let folded = space_to_depth(x, 2);
        assert_eq!(folded.dims(), [1, 4, 1, 1]);
        assert_eq!(
            folded.into_data().to_vec::<f32>().unwrap(),
            vec![1.0, 2.0, 3.0, 4.0]
        );
    }
}
