//! A plain stack of 3×3 convolutions, ReLU between them, on a 2×2-folded picture,
//! its output added to the folded picture: the lattice code's restoration filter
//! ([`crate::hiding::lattice::restore`]) on the direct path.

use super::conv::Conv;
use super::grid::Scratch;
use super::{Pass, Stack};

/// The fold: each cell holds a 2×2 block of RGB (12 values).
const FACTOR: usize = 2;
const FOLDED: usize = 3 * FACTOR * FACTOR;

/// One layer's weights in burn's (and PyTorch's) layout `[output][input][dy][dx]`.
pub struct FilterLayer {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The filter: the first layer reads the 12 folded values and `extra` planar
/// channels per cell; the last writes 12, added to the folded values.
pub struct DirectFilter {
    stack: Stack,
    extra: usize,
    scratch: Scratch,
}

impl DirectFilter {
    /// `None` unless the layers chain (each reads what the one before writes), the
    /// first reads at least the 12 folded values and the last writes 12.
    pub fn new(layers: &[FilterLayer]) -> Option<Self> {
        let (first, last) = (layers.first()?, layers.last()?);
        let chained = layers.windows(2).all(|w| w[0].outputs == w[1].inputs);
        let sized = layers
            .iter()
            .all(|l| l.weight.len() == l.inputs * l.outputs * 9 && l.bias.len() == l.outputs);
        if !chained || !sized || first.inputs < FOLDED || last.outputs != FOLDED {
            return None;
        }
        let layers = layers
            .iter()
            .map(|l| Conv::from_burn(&l.weight, &l.bias, [l.outputs, l.inputs, 3, 3]))
            .collect();
        Some(DirectFilter {
            stack: Stack {
                layers,
                relu_last: false,
            },
            extra: first.inputs - FOLDED,
            scratch: Scratch::default(),
        })
    }

    /// Planar channels the first layer reads beside the picture, one value per cell.
    pub fn extra(&self) -> usize {
        self.extra
    }

    /// The filtered picture from `planes` (planar RGB, `3 × height × width`, both
    /// even) and `extra` (`extra() × height/2 × width/2`). Zero padding at the edges.
    pub fn run(&self, planes: &[f32], extra: &[f32], width: usize, height: usize) -> Vec<f32> {
        assert!(
            width.is_multiple_of(FACTOR) && height.is_multiple_of(FACTOR),
            "even sizes"
        );
        assert_eq!(planes.len(), 3 * width * height, "picture size");
        let (rows, cols) = (height / FACTOR, width / FACTOR);
        let mut input = self.scratch.grid(rows, cols, FOLDED + self.extra);
        input.fold(planes, FACTOR, 0);
        input.put_channels(extra, self.extra, FOLDED);
        let mut out = self.scratch.grid(rows, cols, FOLDED);
        self.stack
            .run(&self.scratch, &input, None, &mut out, 0, Pass::default());
        for y in 0..rows {
            for x in 0..cols {
                let (a, b) = (out.cell(y, x) * FOLDED, input.cell(y, x) * input.channels);
                for k in 0..FOLDED {
                    out.data[a + k] += input.data[b + k];
                }
            }
        }
        let filtered = out.unfold(FACTOR);
        self.scratch.keep(out);
        self.scratch.keep(input);
        filtered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A direct 3×3 convolution with zero padding, planar, for reference.
    fn reference(l: &FilterLayer, input: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0.0; l.outputs * rows * cols];
        for o in 0..l.outputs {
            for y in 0..rows {
                for x in 0..cols {
                    let mut sum = l.bias[o];
                    for i in 0..l.inputs {
                        for dy in 0..3 {
                            for dx in 0..3 {
                                let (sy, sx) = (y + dy, x + dx);
                                if sy < 1 || sx < 1 || sy > rows || sx > cols {
                                    continue;
                                }
                                let w = l.weight[((o * l.inputs + i) * 3 + dy) * 3 + dx];
                                sum += w * input[(i * rows + sy - 1) * cols + sx - 1];
                            }
                        }
                    }
                    out[(o * rows + y) * cols + x] = sum;
                }
            }
        }
        out
    }

    #[test]
    fn the_filter_is_its_convolutions_plus_the_folded_picture() {
        let value = |i: usize| ((i as f32 * 0.618).fract() - 0.5) * 0.4;
        let layer = |inputs, outputs, seed| FilterLayer {
            inputs,
            outputs,
            weight: (0..inputs * outputs * 9).map(|i| value(i + seed)).collect(),
            bias: (0..outputs).map(|i| value(i + seed + 7)).collect(),
        };
        let layers = [layer(14, 5, 1), layer(5, 12, 100)];
        let filter = DirectFilter::new(&layers).unwrap();
        let (width, height) = (10, 6);
        let (rows, cols) = (height / 2, width / 2);
        let planes: Vec<f32> = (0..3 * width * height).map(|i| value(3 * i)).collect();
        let extra: Vec<f32> = (0..2 * rows * cols).map(|i| value(5 * i)).collect();
        let got = filter.run(&planes, &extra, width, height);
        // The same by hand: fold, two convolutions with ReLU between, add, unfold.
        let mut folded = vec![0.0; 14 * rows * cols];
        for c in 0..3 {
            for y in 0..height {
                for x in 0..width {
                    let k = c * 4 + (y % 2) * 2 + x % 2;
                    folded[(k * rows + y / 2) * cols + x / 2] =
                        planes[(c * height + y) * width + x];
                }
            }
        }
        folded[12 * rows * cols..].copy_from_slice(&extra);
        let hidden: Vec<f32> = reference(&layers[0], &folded, rows, cols)
            .into_iter()
            .map(|v| v.max(0.0))
            .collect();
        let residual = reference(&layers[1], &hidden, rows, cols);
        for c in 0..3 {
            for y in 0..height {
                for x in 0..width {
                    let k = c * 4 + (y % 2) * 2 + x % 2;
                    let cell = (k * rows + y / 2) * cols + x / 2;
                    let want = residual[cell] + folded[cell];
                    let have = got[(c * height + y) * width + x];
                    assert!((want - have).abs() < 1e-4, "{want} vs {have}");
                }
            }
        }
    }

    #[test]
    fn layers_that_do_not_chain_are_refused() {
        let layer = |inputs: usize, outputs: usize| FilterLayer {
            inputs,
            outputs,
            weight: vec![0.0; inputs * outputs * 9],
            bias: vec![0.0; outputs],
        };
        assert!(DirectFilter::new(&[layer(16, 8), layer(8, 12)]).is_some());
        assert!(DirectFilter::new(&[layer(16, 8), layer(9, 12)]).is_none());
        assert!(DirectFilter::new(&[layer(16, 8), layer(8, 11)]).is_none());
        assert!(DirectFilter::new(&[layer(10, 12)]).is_none());
        assert!(DirectFilter::new(&[]).is_none());
    }
}
