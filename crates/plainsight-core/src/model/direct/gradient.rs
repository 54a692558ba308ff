//! Parameter gradients of the grid convolutions, for training.
//!
//! Output cell `p` of a 3×3 layer reads input cell `p + shift(t)` through tap `t`,
//! so the gradient of tap `t`'s `[input][output]` matrix is `Σ_p x[p + shift]ᵀ g[p]`:
//! one matrix product per tap between a shifted view of the input grid (read
//! transposed) and the output gradient, over every padded cell from the first
//! interior one to the last. The ring (and a strip's gaps) hold zero gradient,
//! so the extra cells add nothing, and no copy of either operand is made.

use super::grid::Grid;
use super::matmul::{product, How, View};

/// The gradient of one convolution's parameters, in [`super::conv::Conv`]'s layout.
pub struct ConvGradient {
    /// `[tap][input][output]`
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The gradient of a `taps`-tap convolution (9 or 1) that read `input` and whose
/// output's gradient is `upstream`. Both grids must be zero outside the images
/// (ring and gaps) where `upstream` is concerned.
pub fn conv_gradient(input: &Grid, upstream: &Grid, taps: usize) -> ConvGradient {
    assert!(taps == 9 || taps == 1, "3×3 or 1×1 kernels only");
    assert_eq!(
        (input.rows, input.cols),
        (upstream.rows, upstream.cols),
        "grid size"
    );
    let (inputs, outputs) = (input.channels, upstream.channels);
    let cols = input.padded_cols();
    let first = cols + 1;
    let cells = input.rows * cols - 2;
    let mut weight = vec![0.0; taps * inputs * outputs];
    for tap in 0..taps {
        // Tap t of a 3×3 kernel reads the cell (t / 3 − 1, t % 3 − 1) away.
        let shift = match taps {
            9 => (tap / 3) * cols + tap % 3,
            _ => cols + 1,
        };
        let read = View {
            start: (first + shift - cols - 1) * inputs,
            rows: cells,
            cols: inputs,
            row_stride: inputs,
            col_stride: 1,
        };
        let gradient = View {
            start: first * outputs,
            rows: cells,
            cols: outputs,
            row_stride: outputs,
            col_stride: 1,
        };
        let into = View {
            start: tap * inputs * outputs,
            rows: inputs,
            cols: outputs,
            row_stride: outputs,
            col_stride: 1,
        };
        let how = How {
            add: false,
            parallel: true,
        };
        product(
            &mut weight,
            into,
            &input.data,
            read.transposed(),
            &upstream.data,
            gradient,
            how,
        );
    }
    ConvGradient {
        weight,
        bias: channel_sums(upstream),
    }
}

/// Σ over every cell of each channel (the bias gradient).
fn channel_sums(grid: &Grid) -> Vec<f32> {
    let mut sums = vec![0f64; grid.channels];
    for cell in grid.data.chunks_exact(grid.channels) {
        for (sum, v) in sums.iter_mut().zip(cell) {
            *sum += f64::from(*v);
        }
    }
    sums.into_iter().map(|s| s as f32).collect()
}
