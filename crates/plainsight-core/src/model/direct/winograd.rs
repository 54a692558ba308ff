//! 3×3 convolutions with Winograd's F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for
//! Convolutional Neural Networks", CVPR 2016): each 2×2 block of outputs comes from
//! a 4×4 input tile through 16 element-wise products in a transformed space instead
//! of 36, so the matrix products shrink to 16/36 of the plain convolution's.
//!
//! Work goes one row of tiles at a time, in parallel: the transformed input and
//! products of a row (`tiles × 16 × channels` values) stay in the core's cache,
//! and each row writes only its own two output rows. In float32 the transforms add
//! a rounding error of the order of 1e-6 relative (their coefficients are 0, ±½, ±1).

use rayon::prelude::*;

use super::grid::Grid;
use super::matmul::{product, How, View};

/// One 3×3 convolution's weights in the transformed space.
pub struct Winograd {
    inputs: usize,
    outputs: usize,
    /// `[ξ][input][output]` for the 16 points ξ of the 4×4 tile.
    transformed: Vec<f32>,
}

impl Winograd {
    /// From 3×3 weights laid out `[dy][dx][input][output]`.
    pub fn new(weight: &[f32], inputs: usize, outputs: usize) -> Self {
        assert_eq!(weight.len(), 9 * inputs * outputs, "3×3 weight size");
        let plane = inputs * outputs;
        let mut transformed = vec![0.0; 16 * plane];
        for p in 0..plane {
            let g = |dy: usize, dx: usize| weight[(dy * 3 + dx) * plane + p];
            // G g Gᵀ with G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1], one row of G g at a time.
            let rows: [[f32; 3]; 4] = std::array::from_fn(|i| {
                std::array::from_fn(|dx| {
                    let (a, b, c) = (g(0, dx), g(1, dx), g(2, dx));
                    [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c][i]
                })
            });
            for (i, [a, b, c]) in rows.into_iter().enumerate() {
                let out = [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c];
                for (j, value) in out.into_iter().enumerate() {
                    transformed[(i * 4 + j) * plane + p] = value;
                }
            }
        }
        Winograd {
            inputs,
            outputs,
            transformed,
        }
    }

    /// Adds this convolution of `input` to channels `offset..offset + outputs` of
    /// the interior cells of `out` (or sets them to it plus `finish.bias`), then
    /// applies ReLU if asked and zeroes those channels in the ring cells.
    pub fn accumulate(&self, input: &Grid, out: &mut Grid, offset: usize, finish: &Finish) {
        assert_eq!(input.channels, self.inputs, "input channels");
        assert_eq!((input.rows, input.cols), (out.rows, out.cols), "grid size");
        let tiles = input.cols.div_ceil(2);
        let (row_len, channels) = (out.padded_cols() * out.channels, out.channels);
        let (rows, cols) = (out.rows, out.cols);
        let interior = &mut out.data[row_len..row_len * (rows + 1)];
        interior
            .par_chunks_mut(2 * row_len)
            .enumerate()
            .for_each_init(
                || Buffers {
                    spread: vec![0.0; 16 * tiles * self.inputs],
                    products: vec![0.0; 16 * tiles * self.outputs],
                    half: vec![0.0; 16 * self.inputs.max(self.outputs)],
                },
                |buffers, (tile_row, out_rows)| {
                    self.spread(input, tile_row, &mut buffers.spread, &mut buffers.half);
                    for xi in 0..16 {
                        // Point ξ of every tile: rows `16 · channels` apart.
                        let points = |cols: usize| View {
                            start: xi * cols,
                            rows: tiles,
                            cols,
                            row_stride: 16 * cols,
                            col_stride: 1,
                        };
                        let weights = View {
                            start: xi * self.inputs * self.outputs,
                            rows: self.inputs,
                            cols: self.outputs,
                            row_stride: self.outputs,
                            col_stride: 1,
                        };
                        // Each point's slice is written whole: no need to zero it.
                        let how = How {
                            add: false,
                            parallel: false,
                        };
                        product(
                            &mut buffers.products,
                            points(self.outputs),
                            &buffers.spread,
                            points(self.inputs),
                            &self.transformed,
                            weights,
                            how,
                        );
                    }
                    let place = Place {
                        rows: (rows - 2 * tile_row).min(2),
                        cols,
                        row_len,
                        channels,
                        offset,
                    };
                    let outputs = offset..offset + self.outputs;
                    if let Some(bias) = finish.bias {
                        for row in out_rows.chunks_exact_mut(row_len) {
                            for cell in cells(row, channels, &outputs).skip(1).take(cols) {
                                cell.copy_from_slice(bias);
                            }
                        }
                    }
                    self.gather(&buffers.products, &place, out_rows, &mut buffers.half);
                    for row in out_rows.chunks_exact_mut(row_len) {
                        for (x, cell) in cells(row, channels, &outputs).enumerate() {
                            if x == 0 || x == cols + 1 {
                                cell.fill(0.0);
                            } else if finish.relu {
                                cell.iter_mut().for_each(|v| *v = v.max(0.0));
                            }
                        }
                    }
                },
            );
    }

    /// `Bᵀ d B` of every input tile of tile row `tile_row`, into `spread` as
    /// `[tile][ξ][input]`. Cells past the padded grid (odd sizes) read as zero.
    fn spread(&self, input: &Grid, tile_row: usize, spread: &mut [f32], half: &mut [f32]) {
        let n = self.inputs;
        let zeros = vec![0.0; n];
        let padded = (input.rows + 2, input.padded_cols());
        for (tile, block) in spread.chunks_exact_mut(16 * n).enumerate() {
            let cell = |r: usize, c: usize| -> &[f32] {
                let (y, x) = (2 * tile_row + r, 2 * tile + c);
                if y < padded.0 && x < padded.1 {
                    &input.data[(y * padded.1 + x) * n..][..n]
                } else {
                    &zeros
                }
            };
            // Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] down each column of the
            // tile into `half` (`[column][row]`), then along each row into `block`.
            for (c, out) in half[..16 * n].chunks_exact_mut(4 * n).enumerate() {
                transform_b([cell(0, c), cell(1, c), cell(2, c), cell(3, c)], out);
            }
            for (i, out) in block.chunks_exact_mut(4 * n).enumerate() {
                let column = |c: usize| &half[(c * 4 + i) * n..][..n];
                transform_b([column(0), column(1), column(2), column(3)], out);
            }
        }
    }

    /// `Aᵀ m A` of every tile's products, added to its 2×2 output cells.
    fn gather(&self, products: &[f32], place: &Place, out_rows: &mut [f32], half: &mut [f32]) {
        let n = self.outputs;
        let (first_row, second_row) = out_rows.split_at_mut(place.row_len.min(out_rows.len()));
        for (tile, block) in products.chunks_exact(16 * n).enumerate() {
            let m = |xi: usize| &block[xi * n..][..n];
            // Aᵀ = [1 1 1 0; 0 1 -1 -1] along each row into `half` (`[row][column]`),
            // then down each column into the output cells.
            for (i, out) in half[..8 * n].chunks_exact_mut(2 * n).enumerate() {
                let (first, second) = out.split_at_mut(n);
                transform_a(
                    [m(4 * i), m(4 * i + 1), m(4 * i + 2), m(4 * i + 3)],
                    first,
                    second,
                );
            }
            let columns = (place.cols - 2 * tile).min(2);
            for b in 0..columns {
                let at = (2 * tile + b + 1) * place.channels + place.offset;
                let row = |i: usize| &half[(i * 2 + b) * n..][..n];
                let rows = [row(0), row(1), row(2), row(3)];
                let top = &mut first_row[at..at + n];
                if place.rows == 2 {
                    add_transform_a(rows, top, Some(&mut second_row[at..at + n]));
                } else {
                    add_transform_a(rows, top, None);
                }
            }
        }
    }
}

/// Bᵀ applied to four vectors of channels, into four consecutive ones in `out`.
fn transform_b([a, b, c, d]: [&[f32]; 4], out: &mut [f32]) {
    let n = a.len();
    let (b, c, d) = (&b[..n], &c[..n], &d[..n]);
    let (o0, rest) = out.split_at_mut(n);
    let (o1, rest) = rest.split_at_mut(n);
    let (o2, o3) = rest.split_at_mut(n);
    let o3 = &mut o3[..n];
    for k in 0..n {
        o0[k] = a[k] - c[k];
        o1[k] = b[k] + c[k];
        o2[k] = c[k] - b[k];
        o3[k] = b[k] - d[k];
    }
}

/// Aᵀ applied to four vectors of channels.
fn transform_a([a, b, c, d]: [&[f32]; 4], first: &mut [f32], second: &mut [f32]) {
    let n = a.len();
    let (b, c, d, first, second) = (&b[..n], &c[..n], &d[..n], &mut first[..n], &mut second[..n]);
    for k in 0..n {
        first[k] = a[k] + b[k] + c[k];
        second[k] = b[k] - c[k] - d[k];
    }
}

/// Aᵀ applied to four vectors of channels, added to `first` (and `second`).
fn add_transform_a([a, b, c, d]: [&[f32]; 4], first: &mut [f32], second: Option<&mut [f32]>) {
    let n = a.len();
    let (b, c, d, first) = (&b[..n], &c[..n], &d[..n], &mut first[..n]);
    for k in 0..n {
        first[k] += a[k] + b[k] + c[k];
    }
    if let Some(second) = second {
        let second = &mut second[..n];
        for k in 0..n {
            second[k] += b[k] - c[k] - d[k];
        }
    }
}

/// Channels `range` of each cell of one padded row.
fn cells<'a>(
    row: &'a mut [f32],
    channels: usize,
    range: &'a std::ops::Range<usize>,
) -> impl Iterator<Item = &'a mut [f32]> {
    row.chunks_exact_mut(channels)
        .map(move |cell| &mut cell[range.clone()])
}

/// What [`Winograd::accumulate`] does besides adding the convolution.
pub struct Finish<'a> {
    /// Set the outputs to this bias plus the convolution instead of adding to them.
    pub bias: Option<&'a [f32]>,
    pub relu: bool,
}

/// One thread's working memory for a row of tiles.
struct Buffers {
    /// `[tile][ξ][input]`
    spread: Vec<f32>,
    /// `[tile][ξ][output]`
    products: Vec<f32>,
    /// Half-transformed tile: `16 × channels`.
    half: Vec<f32>,
}

/// Where one tile row's outputs go in its slice of the output grid.
struct Place {
    /// Output rows in this tile row (2, or 1 at the bottom of an odd grid).
    rows: usize,
    cols: usize,
    row_len: usize,
    channels: usize,
    offset: usize,
}
