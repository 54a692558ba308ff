//! One training step on the direct path: every network's forward pass over a whole
//! batch laid side by side in one grid (a [`Strip`]), the loss of
//! [`crate::model::loss`], and the gradient of every parameter, as burn's autodiff
//! gives it for the same step (`tests` check that).
//!
//! The step is the burn trainer's without attacks: hide, clamp to 0..=1, round to
//! 8 bits with the straight-through estimator (the gradient passes as if rounding
//! were the identity), reveal. Data gradients run through the transposed layers
//! (as refinement's do) and ReLU masks; weight gradients are one matrix product per
//! tap (`gradient.rs`).

use burn::module::{ModuleMapper, Param};
use burn::prelude::*;

use super::conv::{layer, relu_gradient, Conv};
use super::gradient::{conv_gradient, ConvGradient};
use super::grid::{Grid, Strip};
use super::{DirectNet, Pass, Stack};
use crate::model::loss::{LATTICE, LOG_FLOOR};
use crate::model::StegoNet;

/// What one step trains on: planar RGB crops (`3 × side × side` values in 0..=1),
/// `covers[b]` and `secrets[slot][b]`.
pub struct Batch<'a> {
    pub side: usize,
    pub covers: &'a [Vec<f32>],
    pub secrets: &'a [Vec<Vec<f32>>],
}

/// Which of the two losses of [`crate::model::loss`] a step minimises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossForm {
    /// [`crate::model::loss::stego_loss`]
    Plain,
    /// [`crate::model::loss::log_stego_loss`]
    Log,
}

/// What a step minimises.
#[derive(Clone, Copy, Debug)]
pub struct Objective {
    pub form: LossForm,
    /// Weight of the secrets' errors.
    pub beta: f64,
    /// Weight of [`crate::model::loss::lattice_energy`] of the residual (0: none).
    pub lattice: f64,
}

/// The loss of a step and the gradient of every parameter.
pub struct StepOutcome {
    pub total: f64,
    /// MSE(cover, container).
    pub container: f64,
    /// Σ MSE(secret, revealed).
    pub reveal: f64,
    /// In the order of [`DirectNet::convs_mut`].
    pub gradients: Vec<ConvGradient>,
}

impl DirectNet {
    /// Every convolution, in the order burn visits the same model's parameters:
    /// preparation networks, hiding network and its 1×1 path, then each reveal
    /// network and its 1×1 path.
    pub fn convs_mut(&mut self) -> Vec<&mut Conv> {
        let mut convs: Vec<&mut Conv> = Vec::new();
        for prep in &mut self.preps {
            convs.extend(prep.layers.iter_mut());
        }
        convs.extend(self.hide.layers.iter_mut());
        convs.push(&mut self.hide_linear);
        for (stack, linear) in &mut self.reveals {
            convs.extend(stack.layers.iter_mut());
            convs.push(linear);
        }
        convs
    }

    /// Call after changing weights through [`DirectNet::convs_mut`].
    pub fn refresh(&mut self) {
        for conv in self.convs_mut() {
            conv.refresh();
        }
        self.reveals_transposed = std::sync::OnceLock::new();
    }

    /// The loss of `batch` and its gradient with respect to every parameter.
    pub fn training_step(&self, batch: &Batch, objective: &Objective) -> StepOutcome {
        let Objective {
            form,
            beta,
            lattice,
        } = *objective;
        let images = batch.covers.len();
        assert!(images > 0, "an empty batch");
        assert_eq!(batch.secrets.len(), self.preps.len(), "secret count");
        assert!(
            batch.side.is_multiple_of(self.factor),
            "crop not a multiple of the block"
        );
        let cells = batch.side / self.factor;
        let strip = Strip {
            images,
            rows: cells,
            cols: cells,
        };
        let grid = |channels: usize| self.scratch.grid(cells, strip.grid_cols(), channels);
        let fold = |grid: &mut Grid, images: &[Vec<f32>], offset: usize| {
            for (b, image) in images.iter().enumerate() {
                grid.fold_at(image, self.factor, offset, strip.first_col(b), cells);
            }
        };
        let folded = self.folded();
        let prep_width = self.preps.first().map_or(0, Stack::outputs);
        let per_secret = folded + prep_width;

        // Forward: preparation features written into the hiding input.
        let mut cover = grid(folded);
        fold(&mut cover, batch.covers, 0);
        let mut input = grid(folded + self.preps.len() * per_secret);
        fold(&mut input, batch.covers, 0);
        let mut secrets = Vec::new();
        let mut prep_kept = Vec::new();
        for (slot, (prep, images)) in self.preps.iter().zip(batch.secrets).enumerate() {
            let offset = folded + slot * per_secret;
            fold(&mut input, images, offset);
            let mut own = grid(folded);
            fold(&mut own, images, 0);
            let mut kept = Vec::new();
            let out_at = offset + folded;
            prep.run(
                &self.scratch,
                &own,
                None,
                &mut input,
                out_at,
                Pass::keeping(&mut kept, &strip),
            );
            secrets.push(own);
            prep_kept.push(kept);
        }
        let mut residual = grid(folded);
        let mut hide_kept = Vec::new();
        let beside = Some((&self.hide_linear, &input));
        self.hide.run(
            &self.scratch,
            &input,
            beside,
            &mut residual,
            0,
            Pass::keeping(&mut hide_kept, &strip),
        );
        // Clamp, then round with the straight-through estimator.
        let mut container = grid(folded);
        let mut passes = vec![false; container.data.len()];
        for (((c, pass), cover), residual) in container
            .data
            .iter_mut()
            .zip(&mut passes)
            .zip(&cover.data)
            .zip(&residual.data)
        {
            let pre = cover + residual;
            *pass = (0.0..=1.0).contains(&pre);
            *c = (pre.clamp(0.0, 1.0) * 255.0).round() / 255.0;
        }
        let mut revealed = Vec::new();
        let mut reveal_kept = Vec::new();
        for (stack, linear) in &self.reveals {
            let mut out = grid(folded);
            let mut kept = Vec::new();
            let beside = Some((linear, &container));
            stack.run(
                &self.scratch,
                &container,
                beside,
                &mut out,
                0,
                Pass::keeping(&mut kept, &strip),
            );
            revealed.push(out);
            reveal_kept.push(kept);
        }

        // Loss, and its gradient with respect to the container and the revealed secrets.
        let container_term = Term::of(&strip, &container, &cover, form, 1.0);
        let mut reveal_terms = Vec::new();
        for (out, secret) in revealed.iter().zip(&secrets) {
            reveal_terms.push(Term::of(&strip, out, secret, form, beta));
        }
        let mut total =
            container_term.value + beta * reveal_terms.iter().map(|t| t.value).sum::<f64>();
        let reveal_mse = reveal_terms.iter().map(|t| t.mse).sum();

        // Backward through each reveal network into the container.
        let mut container_gradient =
            container_term.gradient(&strip, &container, &cover, grid(folded));
        if lattice > 0.0 {
            let pattern = LatticePattern::of(&strip, self.factor, &container, &cover);
            total += lattice * pattern.energy();
            pattern.add_gradient(lattice, &mut container_gradient);
        }
        let mut reveal_gradients = Vec::new();
        for (k, ((stack, linear), term)) in self.reveals.iter().zip(&reveal_terms).enumerate() {
            let upstream = term.gradient(&strip, &revealed[k], &secrets[k], grid(folded));
            let back = Backward {
                stack,
                transposed: stack.transposed(),
                input: &container,
                kept: &reveal_kept[k],
                strip: &strip,
            };
            let linear_t = linear.transposed();
            let (mut grads, into_input) = back.run(&upstream, Some(&linear_t), true, &self.scratch);
            let into_input = into_input.expect("asked for");
            for (sum, v) in container_gradient.data.iter_mut().zip(&into_input.data) {
                *sum += v;
            }
            grads.push(conv_gradient(&container, &upstream, 1));
            reveal_gradients.push(grads);
        }
        // The straight-through rounding passes the gradient; the clamp stops it
        // where it clamped.
        for (g, pass) in container_gradient.data.iter_mut().zip(&passes) {
            if !pass {
                *g = 0.0;
            }
        }
        strip.clear_gaps(&mut container_gradient);

        // Backward through the hiding network into its input.
        let back = Backward {
            stack: &self.hide,
            transposed: self.hide.transposed(),
            input: &input,
            kept: &hide_kept,
            strip: &strip,
        };
        let linear_t = self.hide_linear.transposed();
        let (mut hide_gradients, into_input) =
            back.run(&container_gradient, Some(&linear_t), true, &self.scratch);
        hide_gradients.push(conv_gradient(&input, &container_gradient, 1));
        let into_input = into_input.expect("asked for");

        // Backward through each preparation network from its slice of that input.
        let mut prep_gradients = Vec::new();
        for (slot, prep) in self.preps.iter().enumerate() {
            let at = folded + slot * per_secret + folded;
            let mut upstream = grid(prep_width);
            for ((g, from), activation) in upstream
                .data
                .chunks_exact_mut(prep_width)
                .zip(into_input.data.chunks_exact(into_input.channels))
                .zip(input.data.chunks_exact(input.channels))
            {
                for ((g, from), a) in g.iter_mut().zip(&from[at..]).zip(&activation[at..]) {
                    // The preparation network ends with ReLU.
                    *g = if *a > 0.0 { *from } else { 0.0 };
                }
            }
            let back = Backward {
                stack: prep,
                transposed: prep.transposed(),
                input: &secrets[slot],
                kept: &prep_kept[slot],
                strip: &strip,
            };
            prep_gradients.push(back.run(&upstream, None, false, &self.scratch).0);
        }

        let gradients = prep_gradients
            .into_iter()
            .flatten()
            .chain(hide_gradients)
            .chain(reveal_gradients.into_iter().flatten())
            .collect();
        StepOutcome {
            total,
            container: container_term.mse,
            reveal: reveal_mse,
            gradients,
        }
    }
}

/// One image error of the loss (container against cover, or a revealed secret
/// against its secret): its value, the plain MSE, and how each image's
/// difference scales into the gradient.
struct Term {
    value: f64,
    mse: f64,
    /// d loss / d x = scale[image] · (x − target), before the outer β.
    scales: Vec<f64>,
}

impl Term {
    fn of(strip: &Strip, x: &Grid, target: &Grid, form: LossForm, weight: f64) -> Term {
        let sums = squared_errors(strip, x, target);
        let per_image = (x.channels * strip.rows * strip.cols) as f64;
        let images = sums.len() as f64;
        let mse = sums.iter().sum::<f64>() / (images * per_image);
        match form {
            LossForm::Plain => Term {
                value: mse,
                mse,
                scales: vec![weight * 2.0 / (images * per_image); sums.len()],
            },
            LossForm::Log => {
                let floored: Vec<f64> = sums.iter().map(|s| s / per_image + LOG_FLOOR).collect();
                Term {
                    value: floored.iter().map(|m| m.ln()).sum::<f64>() / images,
                    mse,
                    scales: floored
                        .iter()
                        .map(|m| weight * 2.0 / (images * per_image * m))
                        .collect(),
                }
            }
        }
    }

    /// `scale[image] · (x − target)` in every image cell of `out` (zero elsewhere).
    fn gradient(&self, strip: &Strip, x: &Grid, target: &Grid, mut out: Grid) -> Grid {
        for_image_cells(strip, x.channels, |image, _, _, cell| {
            let scale = self.scales[image] as f32;
            let range = cell..cell + x.channels;
            for ((g, a), b) in out.data[range.clone()]
                .iter_mut()
                .zip(&x.data[range.clone()])
                .zip(&target.data[range])
            {
                *g = scale * (a - b);
            }
        });
        out
    }
}

/// The residual's mean at each position of the 8-pixel lattice cell, per image
/// and colour: what [`crate::model::loss::lattice_energy`] measures, on the grids.
struct LatticePattern<'a> {
    strip: &'a Strip,
    factor: usize,
    /// `[image][colour][phase]` deviations from the phases' average, phase =
    /// 8 · (y mod 8) + x mod 8.
    deviations: Vec<f64>,
    /// Pixels at each phase in one image and colour.
    counts: Vec<f64>,
}

const PHASES: usize = LATTICE * LATTICE;

impl<'a> LatticePattern<'a> {
    fn of(strip: &'a Strip, factor: usize, container: &Grid, cover: &Grid) -> Self {
        let mut sums = vec![0f64; strip.images * 3 * PHASES];
        let mut counts = vec![0f64; PHASES];
        visit_phases(strip, factor, container.channels, |image, k, phase, at| {
            let colour = k / (factor * factor);
            sums[(image * 3 + colour) * PHASES + phase] +=
                f64::from(container.data[at] - cover.data[at]);
            if image == 0 && colour == 0 {
                counts[phase] += 1.0;
            }
        });
        let mut deviations = Vec::with_capacity(sums.len());
        for sums in sums.chunks_exact(PHASES) {
            let means: Vec<f64> = sums.iter().zip(&counts).map(|(s, n)| s / n).collect();
            let average = means.iter().sum::<f64>() / PHASES as f64;
            deviations.extend(means.iter().map(|m| m - average));
        }
        LatticePattern {
            strip,
            factor,
            deviations,
            counts,
        }
    }

    /// Mean squared deviation over images, colours and phases.
    fn energy(&self) -> f64 {
        self.deviations.iter().map(|d| d * d).sum::<f64>() / self.deviations.len() as f64
    }

    /// Adds `weight` × the gradient of [`LatticePattern::energy`] with respect to
    /// the container: 2 · deviation / (values · pixels at that phase).
    fn add_gradient(&self, weight: f64, gradient: &mut Grid) {
        let values = self.deviations.len() as f64;
        let per_colour = self.factor * self.factor;
        let scaled: Vec<f32> = self
            .deviations
            .iter()
            .enumerate()
            .map(|(i, d)| (weight * 2.0 * d / (values * self.counts[i % PHASES])) as f32)
            .collect();
        let data = &mut gradient.data;
        visit_phases(
            self.strip,
            self.factor,
            gradient.channels,
            |image, k, phase, at| {
                data[at] += scaled[(image * 3 + k / per_colour) * PHASES + phase];
            },
        );
    }
}

/// Calls `visit(image, channel, phase, index)` for every value of the image cells
/// of a strip grid of `channels` channels, with the value's phase inside the
/// 8-pixel lattice cell.
fn visit_phases(
    strip: &Strip,
    factor: usize,
    channels: usize,
    mut visit: impl FnMut(usize, usize, usize, usize),
) {
    for_image_cells(strip, channels, |image, y, x, cell| {
        for k in 0..3 * factor * factor {
            let (fy, fx) = ((k / factor) % factor, k % factor);
            let row = (y * factor + fy) % LATTICE;
            let phase = row * LATTICE + (x * factor + fx) % LATTICE;
            visit(image, k, phase, cell + k);
        }
    });
}

/// Σ (x − target)² over each image's cells.
fn squared_errors(strip: &Strip, x: &Grid, target: &Grid) -> Vec<f64> {
    let mut sums = vec![0f64; strip.images];
    for_image_cells(strip, x.channels, |image, _, _, cell| {
        let range = cell..cell + x.channels;
        sums[image] += x.data[range.clone()]
            .iter()
            .zip(&target.data[range])
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum::<f64>();
    });
    sums
}

/// Calls `visit(image, y, x, first value of the cell)` for every image cell of a
/// strip grid of `channels` channels.
fn for_image_cells(
    strip: &Strip,
    channels: usize,
    mut visit: impl FnMut(usize, usize, usize, usize),
) {
    for image in 0..strip.images {
        for y in 0..strip.rows {
            for x in 0..strip.cols {
                visit(image, y, x, strip.cell(image, y, x) * channels);
            }
        }
    }
}

/// The backward pass of one [`Stack`] whose forward pass kept its hidden layers.
struct Backward<'a> {
    stack: &'a Stack,
    /// The stack's layers transposed.
    transposed: Vec<Conv>,
    input: &'a Grid,
    /// Hidden layers' outputs (after ReLU), as [`Stack::run`] kept them.
    kept: &'a [Grid],
    strip: &'a Strip,
}

impl Backward<'_> {
    /// The gradients of the stack's layers for the gradient `upstream` of its last
    /// layer's output (past any ReLU there), and with `want_input` the gradient of
    /// its input, including what flows through `beside` (a 1×1 path from the same
    /// input, transposed; its own parameter gradient is the caller's).
    fn run(
        &self,
        upstream: &Grid,
        beside: Option<&Conv>,
        want_input: bool,
        scratch: &super::Scratch,
    ) -> (Vec<ConvGradient>, Option<Grid>) {
        let layers = &self.stack.layers;
        assert_eq!(self.kept.len(), layers.len() - 1, "kept activations");
        let mut gradients = Vec::with_capacity(layers.len());
        let mut current: Option<Grid> = None;
        for i in (1..layers.len()).rev() {
            let from = current.as_ref().unwrap_or(upstream);
            gradients.push(conv_gradient(&self.kept[i - 1], from, 9));
            let mut next = scratch.grid(from.rows, from.cols, self.transposed[i].outputs);
            layer(&mut next, 0, &[(&self.transposed[i], from)], false);
            // The activation is zero in the gaps, so this clears them too.
            relu_gradient(&mut next, &self.kept[i - 1]);
            if let Some(done) = current.replace(next) {
                scratch.keep(done);
            }
        }
        let from = current.as_ref().unwrap_or(upstream);
        gradients.push(conv_gradient(self.input, from, 9));
        gradients.reverse();
        let into_input = want_input.then(|| {
            let mut into = scratch.grid(from.rows, from.cols, self.input.channels);
            let mut parts = vec![(&self.transposed[0], from)];
            if let Some(transposed) = beside {
                parts.push((transposed, upstream));
            }
            layer(&mut into, 0, &parts, false);
            self.strip.clear_gaps(&mut into);
            into
        });
        if let Some(done) = current {
            scratch.keep(done);
        }
        (gradients, into_input)
    }
}

impl DirectNet {
    /// `net` with this path's weights: the inverse of [`DirectNet::of`], for
    /// checkpoints and validation.
    pub fn write_into<B: Backend>(&mut self, net: StegoNet<B>) -> StegoNet<B> {
        let mut values = Vec::new();
        for conv in self.convs_mut() {
            let (weight, bias) = conv.to_burn();
            values.push(weight);
            values.push(bias);
        }
        let mut replace = Replace {
            values: values.into_iter(),
        };
        let net = net.map(&mut replace);
        assert!(
            replace.values.next().is_none(),
            "a parameter for every value"
        );
        net
    }
}

/// Replaces every float parameter of a module, in visiting order.
struct Replace {
    values: std::vec::IntoIter<Vec<f32>>,
}

impl<B: Backend> ModuleMapper<B> for Replace {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let shape = tensor.shape();
        let values = self.values.next().expect("a value for every parameter");
        assert_eq!(values.len(), shape.num_elements(), "parameter size");
        let tensor = Tensor::from_data(TensorData::new(values, shape), &tensor.device());
        Param::from_mapped_value(id, tensor, mapper)
    }
}

#[cfg(test)]
mod tests {
    use burn::module::ModuleVisitor;
    use burn::tensor::backend::AutodiffBackend;

    use super::super::conv::burn_layout;
    use super::*;
    use crate::backend::{CpuBackend, CpuTrainBackend};
    use crate::channel::Channel;
    use crate::model::config::tiny_unshuffle;
    use crate::model::loss::{lattice_energy, log_stego_loss, stego_loss};
    use crate::pixels::{images_to_tensor, RgbImage};

    fn photo(side: usize, seed: usize) -> RgbImage {
        let data = (0..side * side * 3)
            .map(|v| ((v * 37 + seed * 101) % 251) as u8)
            .collect();
        RgbImage::new(side, side, data).unwrap()
    }

    /// Every parameter's gradient, in visiting order.
    struct Collect<'a> {
        grads: &'a <CpuTrainBackend as AutodiffBackend>::Gradients,
        out: Vec<Vec<f32>>,
    }

    impl ModuleVisitor<CpuTrainBackend> for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<CpuTrainBackend, D>>) {
            let grad = param.val().grad(self.grads).expect("a gradient");
            self.out.push(grad.into_data().to_vec::<f32>().unwrap());
        }
    }

    fn largest(values: &[f32]) -> f32 {
        values.iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    #[test]
    fn a_step_has_burns_loss_and_gradients() {
        // Odd grids too: the last row and column of Winograd tiles are cut short.
        // The lattice term needs crops of whole 8-pixel cells (8 cells of factor 2).
        let cases = [
            (1, LossForm::Plain, 4, 0.0),
            (2, LossForm::Log, 5, 0.0),
            (3, LossForm::Plain, 3, 0.0),
            (1, LossForm::Log, 8, 40.0),
        ];
        for (secrets, form, cells, lattice) in cases {
            let config = tiny_unshuffle(secrets);
            let factor = config.architecture.size_multiple();
            let side = cells * factor;
            let device = Default::default();
            let net = config.init::<CpuTrainBackend>(&device);
            let mut direct = DirectNet::of(&net, factor).unwrap();
            let beta = 0.6;
            let covers: Vec<RgbImage> = (0..3).map(|b| photo(side, b)).collect();
            let hidden: Vec<Vec<RgbImage>> = (0..secrets)
                .map(|k| (0..3).map(|b| photo(side, 10 + 3 * k + b)).collect())
                .collect();
            let batch = Batch {
                side,
                covers: &covers.iter().map(RgbImage::planar).collect::<Vec<_>>(),
                secrets: &hidden
                    .iter()
                    .map(|s| s.iter().map(RgbImage::planar).collect())
                    .collect::<Vec<_>>(),
            };
            let objective = Objective {
                form,
                beta,
                lattice,
            };
            let ours = direct.training_step(&batch, &objective);

            let tensor = |images: &[RgbImage]| {
                images_to_tensor::<CpuTrainBackend>(&images.iter().collect::<Vec<_>>(), &device)
            };
            let cover = tensor(&covers);
            let secret_tensors: Vec<_> = hidden.iter().map(|s| tensor(s)).collect();
            let container = Channel::Quantize8.apply(net.hide(cover.clone(), &secret_tensors));
            let revealed = net.reveal(container.clone(), secrets);
            let loss_of = match form {
                LossForm::Plain => stego_loss,
                LossForm::Log => log_stego_loss,
            };
            let residual = container.clone() - cover.clone();
            let mut loss = loss_of(cover, container, &secret_tensors, &revealed, beta as f32);
            if lattice > 0.0 {
                loss.total = loss.total + lattice_energy(residual).mul_scalar(lattice);
            }
            // The two paths' floats differ in the last bits, so now and then a container
            // value straddling a rounding boundary becomes the neighbouring byte; on
            // these few-hundred-value batches of an untrained network one such byte
            // moves an MSE by about 1e-5 (a log error by about 1e-4). A wrong loss scale
            // of 0.5 % moves them by 5e-3 of their size.
            let close = |a: f64, b: f64| (a - b).abs() < 2e-4 * b.abs() + 2e-5;
            let total = f64::from(loss.total.clone().into_scalar());
            assert!(close(ours.total, total), "{} vs {total}", ours.total);
            let container = f64::from(loss.container.into_scalar());
            assert!(
                close(ours.container, container),
                "{} vs {container}",
                ours.container
            );
            let reveal = f64::from(loss.reveal.into_scalar());
            assert!(close(ours.reveal, reveal), "{} vs {reveal}", ours.reveal);

            let grads = loss.total.backward();
            let mut collect = Collect {
                grads: &grads,
                out: Vec::new(),
            };
            net.visit(&mut collect);
            let convs = direct.convs_mut();
            assert_eq!(collect.out.len(), 2 * ours.gradients.len());
            for (i, (gradient, conv)) in ours.gradients.iter().zip(&convs).enumerate() {
                let weight = burn_layout(&gradient.weight, conv.inputs, conv.outputs);
                for (what, mine, theirs) in [
                    ("weight", &weight, &collect.out[2 * i]),
                    ("bias", &gradient.bias, &collect.out[2 * i + 1]),
                ] {
                    let scale = largest(theirs).max(1e-6);
                    let off = mine
                        .iter()
                        .zip(theirs.iter())
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f32::max);
                    assert!(
                        off <= 1e-3 * scale,
                        "{secrets} secrets, conv {i} {what}: off by {off}, largest {scale}"
                    );
                }
            }
        }
    }

    #[test]
    fn written_back_weights_are_the_same_model() {
        let config = tiny_unshuffle(2);
        let net = config.init::<CpuBackend>(&Default::default());
        let mut direct = DirectNet::of(&net, 2).unwrap();
        for conv in direct.convs_mut() {
            for values in conv.params_mut() {
                values.iter_mut().for_each(|v| *v = *v * 0.5 + 0.01);
            }
        }
        direct.refresh();
        let written = direct.write_into(config.init::<CpuBackend>(&Default::default()));
        let again = DirectNet::of(&written, 2).unwrap();
        let cover = vec![0.4; 3 * 8 * 8];
        let secret = vec![0.7; 3 * 8 * 8];
        let a = direct.hide(&cover, &[&secret, &secret], 8, 8);
        let b = again.hide(&cover, &[&secret, &secret], 8, 8);
        assert_eq!(a, b);
        // And they differ from the model before the change.
        let before = DirectNet::of(&net, 2).unwrap();
        assert_ne!(before.hide(&cover, &[&secret, &secret], 8, 8), a);
    }
}
