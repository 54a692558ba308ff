//! A dedicated CPU path for the unshuffle layout, beside burn: inference,
//! refinement's gradients and training steps.
//!
//! burn's CPU backend runs each convolution as a layout conversion, an im2col copy
//! and a matrix product, per layer and per call. Our networks are only 3×3 and 1×1
//! convolutions with ReLU on the block grid, so this path keeps every activation in
//! one channels-last `Grid` with its zero padding stored (no conversions, no im2col),
//! runs each 3×3 layer as Winograd's F(2×2, 3×3) with bias and ReLU in the same pass
//! (`winograd.rs`), adds the 1×1 linear paths into the last layer (`conv.rs`), and
//! writes the preparation features straight into the hiding network's input. It
//! reads the same weights as burn (copied out of a [`StegoNet`] once) and gives the
//! same numbers up to float summation order (`tests` bound the difference).
//! It also carries gradients back through the reveal networks to their input, which
//! is what test-time refinement needs, and runs whole training steps with every
//! parameter's gradient (`training.rs`, weight gradients in `gradient.rs`).

mod conv;
mod filter;
mod gradient;
mod grid;
mod keyed;
mod matmul;
mod training;
mod winograd;

use std::sync::OnceLock;

use burn::nn::conv::Conv2d;
use burn::prelude::*;

use self::conv::{layer, relu_gradient, Conv};
pub use self::filter::{DirectFilter, FilterLayer};
use self::grid::{Grid, Scratch, Strip};
pub use self::keyed::DirectKeyed;
pub use self::training::{Batch, LossForm, Objective, StepOutcome};
use super::blocks::ConvStack;
use super::nets::{HideNet, PrepNet, RevealNet};
use super::StegoNet;

/// What a forward pass keeps and where its images lie; the default is inference.
#[derive(Default)]
struct Pass<'a> {
    /// Where the hidden layers' outputs go (for gradients) instead of being reused.
    kept: Option<&'a mut Vec<Grid>>,
    /// A batch side by side, whose gaps every layer clears.
    strip: Option<&'a Strip>,
}

impl<'a> Pass<'a> {
    /// A training pass over a batch side by side, keeping the hidden layers.
    fn keeping(kept: &'a mut Vec<Grid>, strip: &'a Strip) -> Self {
        Pass {
            kept: Some(kept),
            strip: Some(strip),
        }
    }
}

/// 3×3 convolutions with ReLU between them, as in [`ConvStack`].
struct Stack {
    layers: Vec<Conv>,
    relu_last: bool,
}

impl Stack {
    fn of<B: Backend>(stack: &ConvStack<B>) -> Self {
        Stack {
            layers: stack.layers().iter().map(conv_of).collect(),
            relu_last: stack.relu_last(),
        }
    }

    fn outputs(&self) -> usize {
        self.layers.last().expect("at least one layer").outputs
    }

    /// Runs the stack on `input` into channels `offset..` of `out`, adding
    /// `beside` (a 1×1 path and its input) to the last layer, as `pass` says.
    fn run(
        &self,
        scratch: &Scratch,
        input: &Grid,
        beside: Option<(&Conv, &Grid)>,
        out: &mut Grid,
        offset: usize,
        pass: Pass,
    ) {
        let Pass {
            kept: mut keep,
            strip,
        } = pass;
        let last = self.layers.len() - 1;
        let mut current: Option<Grid> = None;
        for (i, conv) in self.layers.iter().enumerate() {
            let source = current.as_ref().unwrap_or(input);
            if i == last {
                let mut parts = vec![(conv, source)];
                parts.extend(beside);
                layer(out, offset, &parts, self.relu_last);
                if let Some(strip) = strip {
                    strip.clear_gaps(out);
                }
                break;
            }
            let mut next = scratch.grid(input.rows, input.cols, conv.outputs);
            layer(&mut next, 0, &[(conv, source)], true);
            if let Some(strip) = strip {
                strip.clear_gaps(&mut next);
            }
            if let Some(done) = current.replace(next) {
                match keep.as_deref_mut() {
                    Some(kept) => kept.push(done),
                    None => scratch.keep(done),
                }
            }
        }
        if let Some(done) = current {
            match keep {
                Some(kept) => kept.push(done),
                None => scratch.keep(done),
            }
        }
    }

    /// The same layers transposed, for gradients (see [`Conv::transposed`]).
    fn transposed(&self) -> Vec<Conv> {
        self.layers.iter().map(Conv::transposed).collect()
    }
}

fn conv_of<B: Backend>(conv: &Conv2d<B>) -> Conv {
    let floats = |t: Tensor<B, 1>| t.into_data().convert::<f32>().to_vec::<f32>().expect("f32");
    let weight = conv.weight.val();
    let dims = weight.dims();
    let bias = match &conv.bias {
        Some(bias) => floats(bias.val()),
        None => vec![0.0; dims[0]],
    };
    Conv::from_burn(&floats(weight.flatten(0, 3)), &bias, dims)
}

/// The unshuffle layout's networks with their weights copied out of burn.
pub struct DirectNet {
    factor: usize,
    preps: Vec<Stack>,
    hide: Stack,
    hide_linear: Conv,
    reveals: Vec<(Stack, Conv)>,
    /// Each reveal network's layers and 1×1 path transposed, made at the first
    /// gradient (only refinement needs them).
    reveals_transposed: OnceLock<Vec<(Vec<Conv>, Conv)>>,
    scratch: Scratch,
}

impl DirectNet {
    /// `None` for Baluja's and the keyed layout, which only burn runs.
    pub fn of<B: Backend>(net: &StegoNet<B>, factor: usize) -> Option<Self> {
        let (preps, hide, reveals) = net.parts();
        let preps = preps
            .iter()
            .map(|prep| match prep {
                PrepNet::Unshuffle(prep) => Some(Stack::of(prep.stack())),
                PrepNet::Baluja(_) | PrepNet::Keyed(_) => None,
            })
            .collect::<Option<Vec<_>>>()?;
        let HideNet::Unshuffle(hide) = hide else {
            return None;
        };
        let (hide, hide_linear) = hide.parts();
        let reveals = reveals
            .iter()
            .map(|reveal| match reveal {
                RevealNet::Unshuffle(reveal) => {
                    let (stack, linear) = reveal.parts();
                    Some((Stack::of(stack), conv_of(linear)))
                }
                RevealNet::Baluja(_) | RevealNet::Keyed(_) => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(DirectNet {
            reveals_transposed: OnceLock::new(),
            factor,
            preps,
            hide: Stack::of(hide),
            hide_linear: conv_of(hide_linear),
            reveals,
            scratch: Scratch::default(),
        })
    }

    fn transposed_reveals(&self) -> &[(Vec<Conv>, Conv)] {
        self.reveals_transposed.get_or_init(|| {
            self.reveals
                .iter()
                .map(|(stack, linear)| (stack.transposed(), linear.transposed()))
                .collect()
        })
    }

    /// Frees the buffers kept between tiles. Call it when a whole picture is done,
    /// so a long-lived model (the web server's) does not hold its largest tile's
    /// memory; concurrent calls lose only some reuse.
    pub fn release_buffers(&self) {
        self.scratch.clear();
    }

    /// Channels of one folded RGB block.
    fn folded(&self) -> usize {
        3 * self.factor * self.factor
    }

    fn grid(&self, width: usize, height: usize, channels: usize) -> Grid {
        assert!(
            width.is_multiple_of(self.factor) && height.is_multiple_of(self.factor),
            "size not a multiple of the block"
        );
        self.scratch
            .grid(height / self.factor, width / self.factor, channels)
    }

    /// The container, clamped to 0..=1 but not rounded, as [`StegoNet::hide`].
    ///
    /// Images are planar RGB, `3 × height × width` values in 0..=1; the sides are
    /// multiples of the unshuffle factor.
    pub fn hide(&self, cover: &[f32], secrets: &[&[f32]], width: usize, height: usize) -> Vec<f32> {
        assert_eq!(secrets.len(), self.preps.len(), "secret count");
        let folded = self.folded();
        let per_secret = folded + self.preps.first().map_or(0, Stack::outputs);
        let mut input = self.grid(width, height, folded + secrets.len() * per_secret);
        input.fold(cover, self.factor, 0);
        for (i, (secret, prep)) in secrets.iter().zip(&self.preps).enumerate() {
            let offset = folded + i * per_secret;
            input.fold(secret, self.factor, offset);
            let mut own = self.grid(width, height, folded);
            own.fold(secret, self.factor, 0);
            prep.run(
                &self.scratch,
                &own,
                None,
                &mut input,
                offset + folded,
                Pass::default(),
            );
            self.scratch.keep(own);
        }
        let mut residual = self.grid(width, height, folded);
        let linear = Some((&self.hide_linear, &input));
        self.hide.run(
            &self.scratch,
            &input,
            linear,
            &mut residual,
            0,
            Pass::default(),
        );
        let mut container = residual.unfold(self.factor);
        self.scratch.keep(residual);
        self.scratch.keep(input);
        for (value, cover) in container.iter_mut().zip(cover) {
            *value = (*value + cover).clamp(0.0, 1.0);
        }
        container
    }

    /// The first `count` secret estimates (not clamped), as [`StegoNet::reveal`].
    pub fn reveal(
        &self,
        container: &[f32],
        count: usize,
        width: usize,
        height: usize,
    ) -> Vec<Vec<f32>> {
        let mut input = self.grid(width, height, self.folded());
        input.fold(container, self.factor, 0);
        let revealed = self
            .reveals
            .iter()
            .take(count)
            .map(|(stack, linear)| {
                let mut out = self.grid(width, height, self.folded());
                stack.run(
                    &self.scratch,
                    &input,
                    Some((linear, &input)),
                    &mut out,
                    0,
                    Pass::default(),
                );
                let planes = out.unfold(self.factor);
                self.scratch.keep(out);
                planes
            })
            .collect();
        self.scratch.keep(input);
        revealed
    }
}

impl DirectNet {
    /// The first `count` secrets revealed from `container`, and the gradient with
    /// respect to the container of a loss whose gradient with respect to the
    /// revealed secrets `outer` returns (one planar image per secret).
    pub fn reveal_with_gradient(
        &self,
        container: &[f32],
        count: usize,
        width: usize,
        height: usize,
        outer: impl FnOnce(&[Vec<f32>]) -> Vec<Vec<f32>>,
    ) -> (Vec<Vec<f32>>, Vec<f32>) {
        let scratch = &self.scratch;
        let mut input = self.grid(width, height, self.folded());
        input.fold(container, self.factor, 0);
        let mut revealed = Vec::new();
        let mut activations = Vec::new();
        for (stack, linear) in self.reveals.iter().take(count) {
            assert!(!stack.relu_last, "reveal networks end linear");
            let mut out = self.grid(width, height, self.folded());
            let mut kept = Vec::new();
            let beside = Some((linear, &input));
            let pass = Pass {
                kept: Some(&mut kept),
                strip: None,
            };
            stack.run(scratch, &input, beside, &mut out, 0, pass);
            revealed.push(out.unfold(self.factor));
            scratch.keep(out);
            activations.push(kept);
        }
        let outer_gradients = outer(&revealed);
        assert_eq!(
            outer_gradients.len(),
            revealed.len(),
            "one gradient per secret"
        );
        let mut total = vec![0.0; container.len()];
        for ((gradient, kept), (layers, linear)) in outer_gradients
            .iter()
            .zip(activations)
            .zip(self.transposed_reveals())
        {
            let mut upstream = self.grid(width, height, self.folded());
            upstream.fold(gradient, self.factor, 0);
            // Back through layers n−1 … 1; layer i read layer i−1's ReLU output.
            let mut current: Option<Grid> = None;
            for i in (1..layers.len()).rev() {
                let from = current.as_ref().unwrap_or(&upstream);
                let mut next = self.grid(width, height, layers[i].outputs);
                layer(&mut next, 0, &[(&layers[i], from)], false);
                relu_gradient(&mut next, &kept[i - 1]);
                if let Some(done) = current.replace(next) {
                    scratch.keep(done);
                }
            }
            let from = current.as_ref().unwrap_or(&upstream);
            let mut into_input = self.grid(width, height, self.folded());
            layer(
                &mut into_input,
                0,
                &[(&layers[0], from), (linear, &upstream)],
                false,
            );
            for (sum, value) in total.iter_mut().zip(into_input.unfold(self.factor)) {
                *sum += value;
            }
            for grid in current
                .into_iter()
                .chain([upstream, into_input])
                .chain(kept)
            {
                scratch.keep(grid);
            }
        }
        scratch.keep(input);
        (revealed, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;
    use crate::model::config::tiny_unshuffle;

    fn planes(width: usize, height: usize, seed: f32) -> Vec<f32> {
        (0..3 * width * height)
            .map(|v| 0.5 + 0.45 * (v as f32 * 0.013 + seed).sin() * (v as f32 * 0.0007).cos())
            .collect()
    }

    fn tensor(values: &[f32], width: usize, height: usize) -> Tensor<CpuBackend, 4> {
        Tensor::<CpuBackend, 1>::from_floats(values, &Default::default())
            .reshape([1, 3, height, width])
    }

    fn floats(t: Tensor<CpuBackend, 4>) -> Vec<f32> {
        t.into_data().to_vec::<f32>().unwrap()
    }

    fn max_difference(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn hide_and_reveal_match_burn_for_every_secret_count() {
        let (width, height) = (24, 16);
        for secrets in 1..=3 {
            let config = tiny_unshuffle(secrets);
            let net = config.init::<CpuBackend>(&Default::default());
            let factor = config.architecture.size_multiple();
            let direct = DirectNet::of(&net, factor).expect("unshuffle layout");
            let cover = planes(width, height, 0.0);
            let hidden: Vec<Vec<f32>> = (0..secrets)
                .map(|i| planes(width, height, 1.0 + i as f32))
                .collect();
            let refs: Vec<&[f32]> = hidden.iter().map(Vec::as_slice).collect();
            let ours = direct.hide(&cover, &refs, width, height);
            let tensors: Vec<_> = hidden.iter().map(|s| tensor(s, width, height)).collect();
            let theirs = floats(net.hide(tensor(&cover, width, height), &tensors));
            assert!(
                max_difference(&ours, &theirs) < 1e-5,
                "hide, {secrets} secrets"
            );
            let ours = direct.reveal(&theirs, secrets, width, height);
            let theirs = net.reveal(tensor(&theirs, width, height), secrets);
            for (a, b) in ours.iter().zip(theirs) {
                assert!(
                    max_difference(a, &floats(b)) < 1e-5,
                    "reveal, {secrets} secrets"
                );
            }
        }
    }

    #[test]
    fn the_reveal_gradient_matches_burn_autodiff() {
        use crate::backend::CpuTrainBackend;
        let (width, height) = (20, 14);
        let config = tiny_unshuffle(2);
        let net = config.init::<CpuTrainBackend>(&Default::default());
        let direct = DirectNet::of(&net, 2).unwrap();
        let container = planes(width, height, 0.4);
        // A loss linear in the revealed images: Σ_k weights_k · revealed_k.
        let weights: Vec<Vec<f32>> = (0..2)
            .map(|i| planes(width, height, 3.0 + i as f32))
            .collect();
        let (revealed, ours) =
            direct.reveal_with_gradient(&container, 2, width, height, |_| weights.clone());
        let x =
            Tensor::<CpuTrainBackend, 1>::from_floats(container.as_slice(), &Default::default())
                .reshape([1, 3, height, width])
                .require_grad();
        let theirs = net.reveal(x.clone(), 2);
        let mut loss = None;
        for (r, w) in theirs.iter().zip(&weights) {
            let w = Tensor::<CpuTrainBackend, 1>::from_floats(w.as_slice(), &Default::default())
                .reshape([1, 3, height, width]);
            let term = (r.clone() * w).sum();
            loss = Some(match loss {
                None => term,
                Some(sum) => sum + term,
            });
        }
        let grads = loss.unwrap().backward();
        let theirs_gradient = x.grad(&grads).unwrap().into_data().to_vec::<f32>().unwrap();
        assert!(max_difference(&ours, &theirs_gradient) < 1e-4, "gradient");
        for (a, b) in revealed.iter().zip(theirs) {
            let b = b.inner().into_data().to_vec::<f32>().unwrap();
            assert!(max_difference(a, &b) < 1e-5, "revealed");
        }
    }

    #[test]
    fn baluja_layout_has_no_direct_path() {
        let config = crate::StegoConfig {
            secrets: 1,
            architecture: crate::Architecture::Baluja { filters: 2 },
            beta: 0.75,
        };
        let net = config.init::<CpuBackend>(&Default::default());
        assert!(DirectNet::of(&net, 1).is_none());
    }
}
