//! Layers on [`Grid`]s: bias, then each 3×3 convolution through [`Winograd`] and
//! each 1×1 convolution as one matrix product over the whole grid, then ReLU.
//!
//! The 1×1 product runs over every padded cell from the first interior one to the
//! last, ring columns included, so that its operands are plain strided views of
//! the grids (no copies); the ring columns come out as garbage and are zeroed.

use rayon::prelude::*;

use super::grid::Grid;
use super::matmul::{product, How, View};
use super::winograd::{Finish, Winograd};

/// One convolution's weights, laid out as the right operand of the products.
pub struct Conv {
    pub inputs: usize,
    pub outputs: usize,
    /// 3×3: `[dy][dx][input][output]`; 1×1: `[input][output]`.
    weight: Vec<f32>,
    bias: Vec<f32>,
    /// The 3×3 weights for [`Winograd`], which runs every 3×3 layer.
    winograd: Option<Winograd>,
}

impl Conv {
    /// From burn's layout: `weight` is `[output][input][dy][dx]`.
    pub fn from_burn(weight: &[f32], bias: &[f32], dims: [usize; 4]) -> Self {
        let [outputs, inputs, kh, kw] = dims;
        assert!(kh == kw && (kh == 1 || kh == 3), "3×3 or 1×1 kernels only");
        assert_eq!(weight.len(), outputs * inputs * kh * kw, "weight size");
        assert_eq!(bias.len(), outputs, "bias size");
        let mut ours = vec![0.0; weight.len()];
        for o in 0..outputs {
            for i in 0..inputs {
                for dy in 0..kh {
                    for dx in 0..kw {
                        let theirs = ((o * inputs + i) * kh + dy) * kw + dx;
                        ours[((dy * kw + dx) * inputs + i) * outputs + o] = weight[theirs];
                    }
                }
            }
        }
        Conv {
            inputs,
            outputs,
            winograd: (kh == 3).then(|| Winograd::new(&ours, inputs, outputs)),
            weight: ours,
            bias: bias.to_vec(),
        }
    }

    /// Taps of the kernel: 9 or 1.
    pub fn taps(&self) -> usize {
        self.weight.len() / (self.inputs * self.outputs)
    }

    /// The weights (`[tap][input][output]`) and bias, for an optimiser; call
    /// [`Conv::refresh`] after changing them.
    pub fn params_mut(&mut self) -> [&mut [f32]; 2] {
        [&mut self.weight, &mut self.bias]
    }

    /// Recomputes what is derived from the weights.
    pub fn refresh(&mut self) {
        if self.winograd.is_some() {
            self.winograd = Some(Winograd::new(&self.weight, self.inputs, self.outputs));
        }
    }

    /// The weights in burn's layout `[output][input][dy][dx]`, and the bias.
    pub fn to_burn(&self) -> (Vec<f32>, Vec<f32>) {
        (
            burn_layout(&self.weight, self.inputs, self.outputs),
            self.bias.clone(),
        )
    }

    /// The convolution that carries gradients back through this one: the kernel
    /// turned half a turn, inputs and outputs swapped, no bias. (Output `p` of a
    /// 3×3 layer reads input `p + t − 1` through tap `t`, so the input gradient at
    /// `q` gathers the output gradient at `q − (t − 1)` through the transposed tap.)
    pub fn transposed(&self) -> Conv {
        let taps = self.weight.len() / (self.inputs * self.outputs);
        let mut weight = vec![0.0; self.weight.len()];
        for tap in 0..taps {
            let turned = taps - 1 - tap;
            for i in 0..self.inputs {
                for o in 0..self.outputs {
                    weight[(tap * self.outputs + o) * self.inputs + i] =
                        self.weight[(turned * self.inputs + i) * self.outputs + o];
                }
            }
        }
        Conv {
            inputs: self.outputs,
            outputs: self.inputs,
            winograd: (taps == 9).then(|| Winograd::new(&weight, self.outputs, self.inputs)),
            weight,
            bias: vec![0.0; self.inputs],
        }
    }

    /// Adds this convolution of `input` to channels `offset..offset + outputs` of
    /// the cells of `out` (for 1×1, ring columns too: see the module comment).
    fn accumulate_1x1(&self, input: &Grid, out: &mut Grid, offset: usize) {
        assert_eq!(input.channels, self.inputs, "input channels");
        assert!(self.winograd.is_none(), "a 1×1 convolution");
        let cols = input.padded_cols();
        // Virtual output cells: every padded cell from (1, 1) to the last interior
        // one, ring columns included; each reads the input cell at its own place.
        let cells = input.rows * cols - 2;
        let dst = View {
            start: (cols + 1) * out.channels + offset,
            rows: cells,
            cols: self.outputs,
            row_stride: out.channels,
            col_stride: 1,
        };
        let lhs = View {
            start: (cols + 1) * self.inputs,
            rows: cells,
            cols: self.inputs,
            row_stride: self.inputs,
            col_stride: 1,
        };
        let rhs = View {
            start: 0,
            rows: self.inputs,
            cols: self.outputs,
            row_stride: self.outputs,
            col_stride: 1,
        };
        let how = How {
            add: true,
            parallel: true,
        };
        product(&mut out.data, dst, &input.data, lhs, &self.weight, rhs, how);
    }
}

/// Weights (or their gradient) from `[tap][input][output]` to burn's
/// `[output][input][dy][dx]`.
pub fn burn_layout(ours: &[f32], inputs: usize, outputs: usize) -> Vec<f32> {
    let taps = ours.len() / (inputs * outputs);
    let mut theirs = vec![0.0; ours.len()];
    for tap in 0..taps {
        for i in 0..inputs {
            for o in 0..outputs {
                theirs[(o * inputs + i) * taps + tap] = ours[(tap * inputs + i) * outputs + o];
            }
        }
    }
    theirs
}

/// Sets channels `offset..` of `out` to the sum of each `(conv, input)` pair's
/// convolution plus their biases, then ReLU if asked; the ring stays zero. Every
/// layer of the unshuffle layout has exactly one 3×3 part (and maybe 1×1 ones).
pub fn layer(out: &mut Grid, offset: usize, parts: &[(&Conv, &Grid)], relu: bool) {
    let outputs = parts[0].0.outputs;
    let mut bias = vec![0.0; outputs];
    for (conv, input) in parts {
        assert_eq!(conv.outputs, outputs, "parts of one layer");
        assert_eq!((input.rows, input.cols), (out.rows, out.cols), "grid size");
        for (b, c) in bias.iter_mut().zip(&conv.bias) {
            *b += c;
        }
    }
    assert!(offset + outputs <= out.channels, "output channels");
    let (threes, ones): (Vec<_>, Vec<_>) = parts.iter().partition(|(c, _)| c.winograd.is_some());
    let [(three, three_input)] = threes[..] else {
        panic!("a layer needs one 3×3 convolution");
    };
    let winograd = three.winograd.as_ref().expect("3×3");
    if ones.is_empty() {
        // The usual layer: Winograd writes bias, sum and ReLU row by row, in cache.
        let finish = Finish {
            bias: Some(&bias),
            relu,
        };
        return winograd.accumulate(three_input, out, offset, &finish);
    }
    let channels = out.channels;
    rows_of(out).for_each(|row| {
        for cell in row.chunks_exact_mut(channels) {
            cell[offset..offset + outputs].copy_from_slice(&bias);
        }
    });
    for (conv, input) in ones {
        conv.accumulate_1x1(input, out, offset);
    }
    let finish = Finish { bias: None, relu };
    winograd.accumulate(three_input, out, offset, &finish);
}

/// Zeroes `gradient` wherever `activation` (a ReLU's output) is not positive.
pub fn relu_gradient(gradient: &mut Grid, activation: &Grid) {
    assert_eq!(gradient.data.len(), activation.data.len(), "grid shapes");
    gradient
        .data
        .par_chunks_mut(4096)
        .zip(activation.data.par_chunks(4096))
        .for_each(|(g, a)| {
            for (g, a) in g.iter_mut().zip(a) {
                if *a <= 0.0 {
                    *g = 0.0;
                }
            }
        });
}

/// The padded rows of `grid` that hold interior cells, for parallel passes.
fn rows_of(grid: &mut Grid) -> impl ParallelIterator<Item = &mut [f32]> {
    let (row, rows) = (grid.padded_cols() * grid.channels, grid.rows);
    grid.data.par_chunks_mut(row).skip(1).take(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook convolution with zero padding, planar `[channel][y][x]`.
    fn reference(x: &[f32], inputs: usize, h: usize, w: usize, conv: &Conv) -> Vec<f32> {
        let k = if conv.weight.len() == 9 * inputs * conv.outputs {
            3
        } else {
            1
        };
        let r = k as isize / 2;
        let mut out = vec![0.0; conv.outputs * h * w];
        for o in 0..conv.outputs {
            for y in 0..h {
                for xx in 0..w {
                    let mut sum = conv.bias[o];
                    for i in 0..inputs {
                        for dy in 0..k {
                            for dx in 0..k {
                                let (sy, sx) =
                                    (y as isize + dy as isize - r, xx as isize + dx as isize - r);
                                if sy < 0 || sx < 0 || sy >= h as isize || sx >= w as isize {
                                    continue;
                                }
                                let weight =
                                    conv.weight[((dy * k + dx) * inputs + i) * conv.outputs + o];
                                sum += weight * x[(i * h + sy as usize) * w + sx as usize];
                            }
                        }
                    }
                    out[(o * h + y) * w + xx] = sum;
                }
            }
        }
        out
    }

    fn values(n: usize, seed: f32) -> Vec<f32> {
        (0..n)
            .map(|v| (v as f32 * 0.37 + seed).sin() * 0.5)
            .collect()
    }

    fn to_grid(planar: &[f32], channels: usize, h: usize, w: usize) -> Grid {
        let mut grid = Grid::zeros(h, w, channels);
        for c in 0..channels {
            for y in 0..h {
                for x in 0..w {
                    grid.data[((y + 1) * (w + 2) + x + 1) * channels + c] =
                        planar[(c * h + y) * w + x];
                }
            }
        }
        grid
    }

    #[test]
    fn a_layer_equals_the_textbook_convolution_and_keeps_the_ring_zero() {
        let (h, w, inputs, outputs) = (5, 7, 3, 4);
        let x = values(inputs * h * w, 0.3);
        let conv3 = Conv::from_burn(
            &values(outputs * inputs * 9, 1.0),
            &values(outputs, 2.0),
            [outputs, inputs, 3, 3],
        );
        let conv1 = Conv::from_burn(
            &values(outputs * inputs, 3.0),
            &values(outputs, 4.0),
            [outputs, inputs, 1, 1],
        );
        let grid = to_grid(&x, inputs, h, w);
        // Written at an offset inside a wider grid, as preparation features are.
        let mut out = Grid::zeros(h, w, outputs + 2);
        layer(&mut out, 1, &[(&conv3, &grid), (&conv1, &grid)], true);
        let want3 = reference(&x, inputs, h, w, &conv3);
        let want1 = reference(&x, inputs, h, w, &conv1);
        for o in 0..outputs {
            for y in 0..h + 2 {
                for xx in 0..w + 2 {
                    let got = out.data[(y * (w + 2) + xx) * (outputs + 2) + 1 + o];
                    let inside = (1..=h).contains(&y) && (1..=w).contains(&xx);
                    let want = if inside {
                        let p = (o * h + y - 1) * w + xx - 1;
                        (want3[p] + want1[p]).max(0.0)
                    } else {
                        0.0
                    };
                    assert!(
                        (got - want).abs() < 1e-5,
                        "({o}, {y}, {xx}): {got} vs {want}"
                    );
                }
            }
        }
        // Channels outside the written range are untouched.
        assert!(out
            .data
            .chunks_exact(outputs + 2)
            .all(|c| c[0] == 0.0 && c[outputs + 1] == 0.0));
    }
}
