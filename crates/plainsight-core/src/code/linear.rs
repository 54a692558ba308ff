//! A closed-form linear hiding code, used to initialise the default networks.
//!
//! Fold an image into `f`×`f` blocks (the same unshuffle the networks use): each
//! block is a vector of `D = 3f²` values. Over natural photos, the principal
//! components of these vectors have very unequal variance: a handful carry most of
//! the picture, the last ones carry almost nothing. So:
//!
//! - **hide**: in the cover, replace the coordinates along the `K` *least* varying
//!   directions (the cover loses almost nothing) with the secret's `K` *most*
//!   varying coordinates, scaled down by `gain`;
//! - **reveal**: read those `K` coordinates back, scale up by `1/gain`, and rebuild
//!   the secret from its main components.
//!
//! Both are affine maps per block, i.e. 1×1 convolutions on the unshuffled image.
//! The networks carry such a 1×1 path beside their convolution stacks; starting it
//! at this code (and the stacks at zero) means training begins from a working
//! hider and only has to learn improvements. Several secrets get disjoint sets of
//! `K` directions.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{Error, Result};
use crate::pixels::RgbImage;

/// Block statistics of a set of photos: the mean and the principal directions.
#[derive(Debug, Clone)]
pub struct BlockStatistics {
    factor: usize,
    mean: DVector<f64>,
    /// Columns are unit eigenvectors of the covariance, by increasing variance.
    directions: DMatrix<f64>,
    /// Variance along each direction, increasing.
    variances: DVector<f64>,
}

impl BlockStatistics {
    /// Gathers every `factor`×`factor` block of every photo, values in 0..=1,
    /// ordered like the networks' unshuffle: index `channel·f² + row·f + column`.
    pub fn measure(photos: &[RgbImage], factor: usize) -> Result<Self> {
        let dims = 3 * factor * factor;
        let mut sum = DVector::<f64>::zeros(dims);
        let mut outer = DMatrix::<f64>::zeros(dims, dims);
        let mut count = 0usize;
        let mut block = DVector::<f64>::zeros(dims);
        for photo in photos {
            for by in 0..photo.height() / factor {
                for bx in 0..photo.width() / factor {
                    fill_block(photo, bx, by, factor, &mut block);
                    sum += &block;
                    outer.ger(1.0, &block, &block, 1.0);
                    count += 1;
                }
            }
        }
        if count < dims * 10 {
            return Err(Error::Data(format!(
                "too few {factor}x{factor} blocks ({count}) to measure the linear code"
            )));
        }
        let mean = sum / count as f64;
        let covariance = outer / count as f64 - &mean * mean.transpose();
        let eigen = SymmetricEigen::new(covariance);
        // Sort directions by increasing variance.
        let mut order: Vec<usize> = (0..dims).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[a].total_cmp(&eigen.eigenvalues[b]));
        let directions = DMatrix::from_fn(dims, dims, |r, c| eigen.eigenvectors[(r, order[c])]);
        let variances = DVector::from_fn(dims, |i, _| eigen.eigenvalues[order[i]].max(0.0));
        Ok(BlockStatistics {
            factor,
            mean,
            directions,
            variances,
        })
    }

    pub fn factor(&self) -> usize {
        self.factor
    }

    /// Values per block (`3f²`).
    pub fn dims(&self) -> usize {
        self.mean.len()
    }

    /// Variance along each principal direction, increasing.
    pub fn variances(&self) -> &[f64] {
        self.variances.as_slice()
    }

    /// The mean block (values 0..1, the order of [`BlockStatistics::measure`]).
    pub fn mean(&self) -> &[f64] {
        self.mean.as_slice()
    }

    /// Principal direction `i` (unit length), in the order of
    /// [`BlockStatistics::variances`].
    pub fn direction(&self, i: usize) -> &[f64] {
        let d = self.dims();
        &self.directions.as_slice()[i * d..(i + 1) * d]
    }

    /// The code for `secrets` secrets, `dims_per_secret` directions each, secret
    /// coordinates multiplied by `gain` before they go into the cover.
    pub fn code(&self, secrets: usize, dims_per_secret: usize, gain: f64) -> Result<LinearCode> {
        let d = self.dims();
        if dims_per_secret == 0 || secrets * dims_per_secret > d || gain <= 0.0 {
            return Err(Error::Config(format!(
                "linear code needs 1 <= dims * secrets <= {d} and gain > 0 \
                 (got {dims_per_secret} x {secrets}, gain {gain})"
            )));
        }
        // The secret's main directions: the last columns (largest variance).
        let main = self
            .directions
            .columns(d - dims_per_secret, dims_per_secret)
            .into_owned();
        let gains = DVector::from_element(dims_per_secret, gain);
        let slots: Vec<DMatrix<f64>> = (0..secrets)
            // Each secret's slots: the least varying directions not yet taken.
            .map(|i| {
                self.directions
                    .columns(i * dims_per_secret, dims_per_secret)
                    .into_owned()
            })
            .collect();
        Ok(self.assemble(&slots, &main, &gains))
    }

    /// A code for one secret that survives lossy channels (JPEG, noise, resizing).
    ///
    /// The slots are not the cover's least varying principal directions (those are
    /// the highest frequencies, the first thing JPEG and resampling remove) but
    /// directions of `slots` (colour-opponent DCT, or JPEG 4:2:0's own coefficients)
    /// chosen where the
    /// channel adds little error (`slot_noise`, one variance per basis direction,
    /// from [`measure_slot_noise`]) and the cover has little to lose. Each of the
    /// secret's `dims` main coordinates gets its own gain, the one that minimises
    /// container error + `beta` · revealed error for that slot's noise (the training
    /// loss's β, so the start and the training weigh the two alike):
    /// `gain⁴ = β · noise / variance`. A slot whose noise is infinite is closed.
    pub fn robust_code(
        &self,
        dims: usize,
        slots: SlotBasis,
        slot_noise: &[f64],
        beta: f64,
    ) -> Result<LinearCode> {
        let d = self.dims();
        let valid_noise = slot_noise.iter().all(|n| *n >= 0.0);
        if dims == 0
            || dims > d
            || slot_noise.len() != d
            || !valid_noise
            || beta.is_nan()
            || beta <= 0.0
        {
            return Err(Error::Config(format!(
                "robust code needs 1 <= dims <= {d}, one noise value per direction and \
                 β > 0 (got {dims} dims, {} noise values, β {beta})",
                slot_noise.len()
            )));
        }
        let basis = slots.matrix(self.factor)?;
        let covariance = self.covariance();
        // Rounding to 8 bits is the least any slot suffers.
        let floor = 1.0 / 12.0 / (255.0 * 255.0);
        let noise: Vec<f64> = slot_noise.iter().map(|n| n.max(floor)).collect();
        // Cost of a slot: the channel's error there plus a share of the cover's
        // own variance, which replacing the slot's content throws away.
        let cost = |j: usize| {
            let b = basis.column(j);
            noise[j] + ROBUST_COVER_WEIGHT * (b.transpose() * &covariance * b)[(0, 0)]
        };
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| cost(a).total_cmp(&cost(b)));
        let usable = noise.iter().filter(|n| n.is_finite()).count();
        if usable < dims {
            return Err(Error::Config(format!(
                "only {usable} candidate slots are open to the robust code, fewer than its {dims} dims"
            )));
        }
        let mut chosen = order[..dims].to_vec();
        // The quietest slot carries the strongest secret direction.
        chosen.sort_by(|&a, &b| noise[a].total_cmp(&noise[b]));
        let slots = DMatrix::from_fn(d, dims, |r, c| basis[(r, chosen[c])]);
        let main = DMatrix::from_fn(d, dims, |r, c| self.directions[(r, d - 1 - c)]);
        let gains = DVector::from_fn(dims, |k, _| {
            let variance = self.variances[d - 1 - k].max(floor);
            (beta * noise[chosen[k]] / variance).powf(0.25)
        });
        Ok(self.assemble(&[slots], &main, &gains))
    }

    /// The principal code split at its code vector, for the keyed layout
    /// ([`crate::model::keyed`]): each secret's `dims` main coordinates (the code) are
    /// computed from the secret alone, may be mixed, and are written with `gain` into
    /// that secret's slots; reading undoes each step. Unmixed, it hides and reveals
    /// exactly as [`BlockStatistics::code`] does.
    pub fn split_code(&self, secrets: usize, dims: usize, gain: f64) -> Result<SplitCode> {
        let whole = self.code(secrets, dims, gain)?; // checks the sizes
        let d = self.dims();
        let main = self.directions.columns(d - dims, dims).into_owned();
        let slots = (0..secrets)
            .map(|i| self.directions.columns(i * dims, dims).into_owned())
            .collect();
        Ok(SplitCode {
            main,
            slots,
            gain,
            mean: self.mean.clone(),
            hide_cover: whole.hide_cover,
        })
    }

    fn covariance(&self) -> DMatrix<f64> {
        &self.directions * DMatrix::from_diagonal(&self.variances) * self.directions.transpose()
    }

    /// Secret `i`'s coordinates along `main` (columns), times `gains`, written into
    /// the orthonormal columns `slots[i]` of the cover, whose own content there is
    /// replaced by the cover mean's.
    fn assemble(
        &self,
        slots: &[DMatrix<f64>],
        main: &DMatrix<f64>,
        gains: &DVector<f64>,
    ) -> LinearCode {
        let d = self.dims();
        let gain = DMatrix::from_diagonal(gains);
        let inverse_gain = DMatrix::from_diagonal(&gains.map(|g| 1.0 / g));
        let mut hide_cover = DMatrix::<f64>::zeros(d, d);
        let mut hide_secrets = Vec::with_capacity(slots.len());
        let mut hide_bias = DVector::<f64>::zeros(d);
        let mut reveal = Vec::with_capacity(slots.len());
        for slots in slots {
            let clear = slots * slots.transpose(); // projector onto the slots
            let write = slots * &gain * main.transpose(); // secret coords into the slots
            let read = main * &inverse_gain * slots.transpose(); // and back
            hide_cover -= &clear;
            hide_bias += &clear * &self.mean - &write * &self.mean;
            let reveal_bias = &self.mean - &read * &self.mean;
            hide_secrets.push(write);
            reveal.push((read, reveal_bias));
        }
        LinearCode {
            hide_cover,
            hide_secrets,
            hide_bias,
            reveal,
        }
    }
}

/// Weight of the cover's variance against the channel's noise when the robust code
/// picks its slots; measured with a NumPy prototype on bsds500/train statistics and
/// val crops (docs/model.md).
pub const ROBUST_COVER_WEIGHT: f64 = 0.04;

/// The candidate directions a robust code may write the secret into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotBasis {
    /// Colour-opponent axes times the block's 2-D DCT (`opponent_dct_basis`).
    OpponentDct,
    /// The coefficients JPEG with 4:2:0 chroma codes, on a 16×16 block
    /// (`jpeg420_basis`): needs factor 16.
    Jpeg420,
}

impl SlotBasis {
    /// The basis as columns of a `3f² × 3f²` orthonormal matrix, in unshuffle order.
    pub fn matrix(self, factor: usize) -> Result<DMatrix<f64>> {
        match self {
            SlotBasis::OpponentDct => Ok(opponent_dct_basis(factor)),
            SlotBasis::Jpeg420 if factor == JPEG420_FACTOR => Ok(jpeg420_basis()),
            SlotBasis::Jpeg420 => Err(Error::Config(format!(
                "the 4:2:0 slot basis needs --factor {JPEG420_FACTOR} (got {factor})"
            ))),
        }
    }
}

/// The block side of [`SlotBasis::Jpeg420`]: one 4:2:0 macroblock.
pub const JPEG420_FACTOR: usize = 16;

/// An orthonormal basis of 16×16 RGB blocks laid out as JPEG with 4:2:0 chroma codes
/// them, so that what the encoder deletes falls on directions of its own:
///
/// - **luma** (256): the luma axis along the Y weights (0.299, 0.587, 0.114), times the
///   8×8 DCT of each of the four 8×8 luma blocks. This axis is orthogonal to both
///   chroma columns of JPEG's inverse colour transform, so error in Cb or Cr never
///   reaches a luma direction (the opponent grey axis picks it up);
/// - **chroma at half resolution** (2 × 64): two orthonormal axes spanning those
///   chroma columns, times the 8×8 DCT of the 2×2-averaged block — what the encoder
///   keeps of the chroma;
/// - **chroma detail** (2 × 192): the same axes times the three zero-mean Haar patterns
///   of every 2×2 cell — what subsampling throws away.
pub(crate) fn jpeg420_basis() -> DMatrix<f64> {
    let f = JPEG420_FACTOR;
    let half = f / 2;
    let normalise = |v: [f64; 3]| {
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.map(|x| x / n)
    };
    let luma = normalise([0.299, 0.587, 0.114]);
    // JPEG's inverse transform adds Cr along (1.402, −0.714, 0) and Cb along
    // (0, −0.344, 1.772); both are orthogonal to the luma axis.
    // (Their published coefficients are rounded, so make them exactly orthogonal.)
    let without = |v: [f64; 3], axis: [f64; 3]| {
        let along: f64 = v.iter().zip(axis).map(|(a, b)| a * b).sum();
        [0, 1, 2].map(|c| v[c] - along * axis[c])
    };
    let red = normalise(without([1.402, -0.714_136, 0.0], luma));
    let blue = normalise(without(without([0.0, -0.344_136, 1.772], luma), red));
    let dct = |k: usize, n: usize| dct_ii(8, k, n);
    let d = 3 * f * f;
    let mut basis = DMatrix::<f64>::zeros(d, d);
    let mut col = 0;
    let mut put = |colour: [f64; 3], value: &dyn Fn(usize, usize) -> f64| {
        for (c, weight) in colour.iter().enumerate() {
            for y in 0..f {
                for x in 0..f {
                    basis[(c * f * f + y * f + x, col)] = weight * value(y, x);
                }
            }
        }
        col += 1;
    };
    for (by, bx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        for (u, v) in (0..64).map(|k| (k / 8, k % 8)) {
            put(luma, &|y, x| {
                let (inside_y, inside_x) = (y / 8 == by, x / 8 == bx);
                if inside_y && inside_x {
                    dct(u, y % 8) * dct(v, x % 8)
                } else {
                    0.0
                }
            });
        }
    }
    for axis in [red, blue] {
        for (u, v) in (0..64).map(|k| (k / half, k % half)) {
            put(axis, &|y, x| dct(u, y / 2) * dct(v, x / 2) / 2.0);
        }
    }
    for axis in [red, blue] {
        for cell in 0..half * half {
            let (cy, cx) = (cell / half, cell % half);
            for pattern in [
                [1.0, -1.0, 1.0, -1.0],
                [1.0, 1.0, -1.0, -1.0],
                [1.0, -1.0, -1.0, 1.0],
            ] {
                put(axis, &|y, x| {
                    if y / 2 == cy && x / 2 == cx {
                        pattern[(y % 2) * 2 + x % 2] / 2.0
                    } else {
                        0.0
                    }
                });
            }
        }
    }
    debug_assert_eq!(col, d);
    basis
}

/// The orthonormal DCT-II of length `len`: basis function `k` at sample `n`.
fn dct_ii(len: usize, k: usize, n: usize) -> f64 {
    let scale = if k == 0 {
        (1.0 / len as f64).sqrt()
    } else {
        (2.0 / len as f64).sqrt()
    };
    scale * (std::f64::consts::PI * (2 * n + 1) as f64 * k as f64 / (2 * len) as f64).cos()
}

/// An orthonormal basis of `f`×`f` RGB blocks (columns, in unshuffle order
/// `channel·f² + row·f + column`): colour-opponent axes (grey, red−blue,
/// green−magenta) times the 2-D DCT-II. With `f = 8` these are the directions a
/// JPEG encoder quantises, up to its non-orthogonal YCbCr.
pub(crate) fn opponent_dct_basis(factor: usize) -> DMatrix<f64> {
    let f = factor;
    let s3 = 3f64.sqrt();
    let s2 = 2f64.sqrt();
    let s6 = 6f64.sqrt();
    let colours = [
        [1.0 / s3, 1.0 / s3, 1.0 / s3],
        [1.0 / s2, 0.0, -1.0 / s2],
        [1.0 / s6, -2.0 / s6, 1.0 / s6],
    ];
    let dct = |k: usize, n: usize| dct_ii(f, k, n);
    let d = 3 * f * f;
    DMatrix::from_fn(d, d, |row, col| {
        let (channel, y, x) = (row / (f * f), (row / f) % f, row % f);
        let (colour, u, v) = (col / (f * f), (col / f) % f, col % f);
        colours[colour][channel] * dct(u, y) * dct(v, x)
    })
}

/// The channel's error variance along each direction of the colour-opponent DCT basis:
/// every `factor`-block of every crop gets a random test signal (a few levels along
/// each direction, as a hidden secret would add), is rounded to bytes, passed
/// through `distort`, and the difference is measured, in 0–1 units squared.
pub fn measure_slot_noise(
    crops: &[RgbImage],
    factor: usize,
    slots: SlotBasis,
    mut distort: impl FnMut(&RgbImage) -> Result<RgbImage>,
    rng: &mut impl rand::Rng,
) -> Result<Vec<f64>> {
    use rand_distr::{Distribution, Normal};
    let basis = slots.matrix(factor)?;
    let d = basis.nrows();
    let normal = Normal::new(0.0, TEST_SIGNAL_LEVELS / 255.0).expect("finite");
    let mut sum = DVector::<f64>::zeros(d);
    let mut count = 0usize;
    for crop in crops {
        let (bw, bh) = (crop.width() / factor, crop.height() / factor);
        let mut sent = crop.clone();
        let mut blocks = Vec::with_capacity(bw * bh);
        for by in 0..bh {
            for bx in 0..bw {
                let signal = DVector::from_fn(d, |_, _| normal.sample(rng));
                let block = read_block(crop, bx, by, factor) + &basis * signal;
                write_block(&mut sent, bx, by, factor, &block);
                blocks.push(read_block(&sent, bx, by, factor));
            }
        }
        let received = distort(&sent)?;
        if (received.width(), received.height()) != (sent.width(), sent.height()) {
            return Err(Error::Invalid("distortion changed the image size".into()));
        }
        for by in 0..bh {
            for bx in 0..bw {
                let error = read_block(&received, bx, by, factor) - &blocks[by * bw + bx];
                sum += (basis.transpose() * error).map(|e| e * e);
                count += 1;
            }
        }
    }
    if count == 0 {
        return Err(Error::Data(format!(
            "no {factor}x{factor} blocks to measure the channel on"
        )));
    }
    Ok((sum / count as f64).as_slice().to_vec())
}

/// Standard deviation of the test signal of [`measure_slot_noise`], in 8-bit levels.
const TEST_SIGNAL_LEVELS: f64 = 6.0;

/// Block (`bx`, `by`) of side `f` into `block`, values in 0..=1, in unshuffle order
/// (`channel·f² + row·f + column`).
fn fill_block(image: &RgbImage, bx: usize, by: usize, f: usize, block: &mut DVector<f64>) {
    for y in 0..f {
        for x in 0..f {
            let rgb = image.pixel(bx * f + x, by * f + y);
            for (c, &v) in rgb.iter().enumerate() {
                block[c * f * f + y * f + x] = v as f64 / 255.0;
            }
        }
    }
}

fn read_block(image: &RgbImage, bx: usize, by: usize, f: usize) -> DVector<f64> {
    let mut block = DVector::zeros(3 * f * f);
    fill_block(image, bx, by, f, &mut block);
    block
}

fn write_block(image: &mut RgbImage, bx: usize, by: usize, f: usize, block: &DVector<f64>) {
    for y in 0..f {
        for x in 0..f {
            let value = |c: usize| {
                (block[c * f * f + y * f + x] * 255.0)
                    .round()
                    .clamp(0.0, 255.0) as u8
            };
            image.set_pixel(bx * f + x, by * f + y, [value(0), value(1), value(2)]);
        }
    }
}

/// [`BlockStatistics::split_code`]: per secret, `code = mainᵀ·(secret − mean)`; the
/// hider writes `gain · code` into the secret's `slots` in place of the cover's
/// content there (`hide_cover`, as in [`LinearCode`]); the reader takes
/// `slotsᵀ·(container − mean) / gain` back and decodes `main·code + mean`.
#[derive(Debug, Clone)]
pub struct SplitCode {
    main: DMatrix<f64>,
    slots: Vec<DMatrix<f64>>,
    gain: f64,
    mean: DVector<f64>,
    hide_cover: DMatrix<f64>,
}

/// A 1×1 convolution's weight (row by row) and bias.
pub type Affine = (Vec<f32>, Vec<f32>);

fn affine(weight: &DMatrix<f64>, bias: &DVector<f64>) -> Affine {
    let (rows, cols) = weight.shape();
    let w = (0..rows * cols)
        .map(|i| weight[(i / cols, i % cols)] as f32)
        .collect();
    (w, bias.iter().map(|&b| b as f32).collect())
}

impl SplitCode {
    /// Secrets the code carries.
    pub fn secrets(&self) -> usize {
        self.slots.len()
    }

    /// Code length per secret.
    pub fn dims(&self) -> usize {
        self.main.ncols()
    }

    /// Secret → code: `dims × 3f²`. The code is in the secret's units, so the
    /// extraction network's output is too, as the unkeyed reveal network's is.
    pub fn encode(&self) -> Affine {
        let main = self.main.transpose();
        let bias = -(&main * &self.mean);
        affine(&main, &bias)
    }

    /// Cover and every secret's (mixed) code → residual: `3f² × (3f² + secrets·dims)`,
    /// the cover's columns first.
    pub fn hide(&self) -> Affine {
        let d = self.mean.len();
        let k = self.dims();
        let mut weight = DMatrix::<f64>::zeros(d, d + self.secrets() * k);
        weight.columns_mut(0, d).copy_from(&self.hide_cover);
        for (i, slots) in self.slots.iter().enumerate() {
            weight
                .columns_mut(d + i * k, k)
                .copy_from(&(slots * self.gain));
        }
        affine(&weight, &(-&self.hide_cover * &self.mean))
    }

    /// Container → secret `slot`'s (mixed) code: `dims × 3f²`.
    pub fn extract(&self, slot: usize) -> Affine {
        let read = self.slots[slot].transpose() / self.gain;
        let bias = -(&read * &self.mean);
        affine(&read, &bias)
    }

    /// Code → secret: `3f² × dims`.
    pub fn decode(&self) -> Affine {
        affine(&self.main, &self.mean)
    }
}

/// Affine maps on unshuffled blocks (see the module documentation).
///
/// `residual = hide_cover·cover + Σᵢ hide_secrets[i]·secretᵢ + hide_bias`,
/// `secretᵢ ≈ reveal[i].0·container + reveal[i].1`.
#[derive(Debug, Clone)]
pub struct LinearCode {
    pub(crate) hide_cover: DMatrix<f64>,
    pub(crate) hide_secrets: Vec<DMatrix<f64>>,
    pub(crate) hide_bias: DVector<f64>,
    pub(crate) reveal: Vec<(DMatrix<f64>, DVector<f64>)>,
}

impl LinearCode {
    /// Secrets the code carries.
    pub fn secrets(&self) -> usize {
        self.reveal.len()
    }

    /// The hiding half as a 1×1 convolution over `inputs` channels laid out as the
    /// unshuffle hiding network reads them (cover, then per secret its unshuffled
    /// pixels and its prepared features, whose weights stay 0): `(weight, bias)`,
    /// the weight `3f² × inputs` row by row.
    pub fn hide_weights(&self, inputs: usize) -> (Vec<f32>, Vec<f32>) {
        let folded = self.hide_bias.len();
        let prep = (inputs - folded) / self.hide_secrets.len() - folded;
        let mut weight = vec![0f32; folded * inputs];
        for row in 0..folded {
            let mut col = 0;
            let mut put = |w: f64, col: usize| weight[row * inputs + col] = w as f32;
            for c in 0..folded {
                put(self.hide_cover[(row, c)], col + c);
            }
            col += folded;
            for write in &self.hide_secrets {
                for c in 0..folded {
                    put(write[(row, c)], col + c);
                }
                col += folded + prep;
            }
        }
        let bias = self.hide_bias.iter().map(|&b| b as f32).collect();
        (weight, bias)
    }

    /// The reading half for secret `slot` as a 1×1 convolution: `(weight, bias)`,
    /// the weight `3f² × 3f²` row by row.
    pub fn reveal_weights(&self, slot: usize) -> (Vec<f32>, Vec<f32>) {
        let (weight, bias) = &self.reveal[slot];
        let folded = bias.len();
        let weight = (0..folded * folded)
            .map(|i| weight[(i / folded, i % folded)] as f32)
            .collect();
        (weight, bias.iter().map(|&b| b as f32).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// Smooth random photos: their blocks have a few strong directions.
    fn smooth_photos() -> Vec<RgbImage> {
        (0..4)
            .map(|k| {
                let data = (0..64 * 64)
                    .flat_map(|p| {
                        let (x, y) = ((p % 64) as f64, (p / 64) as f64);
                        let v = |f: f64| {
                            (127.0 + 100.0 * ((x * f + y * 0.7 + k as f64) * 0.05).sin()) as u8
                        };
                        [v(1.0), v(1.3), v(0.8)]
                    })
                    .collect();
                RgbImage::new(64, 64, data).unwrap()
            })
            .collect()
    }

    #[test]
    fn hide_then_read_back_recovers_the_main_components() {
        let stats = BlockStatistics::measure(&smooth_photos(), 2).unwrap();
        assert_eq!(stats.dims(), 12);
        assert!(stats.variances().windows(2).all(|w| w[0] <= w[1]));
        let code = stats.code(1, 4, 0.1).unwrap();
        // A block along the mean plus something in the main directions.
        let secret = &stats.mean + stats.directions.column(11) * 0.2;
        let cover = &stats.mean + stats.directions.column(10) * 0.1;
        let container =
            &cover + &code.hide_cover * &cover + &code.hide_secrets[0] * &secret + &code.hide_bias;
        let (read, bias) = &code.reveal[0];
        let revealed = read * &container + bias;
        assert!((revealed - &secret).norm() < 1e-9);
        // The cover changes only in the least varying directions, by a little.
        assert!((container - cover).norm() < 0.1);
    }

    #[test]
    fn the_opponent_dct_basis_is_orthonormal() {
        for f in [2, 4, 8] {
            let basis = opponent_dct_basis(f);
            let gram = basis.transpose() * &basis;
            assert!((gram - DMatrix::identity(3 * f * f, 3 * f * f)).norm() < 1e-9);
        }
        // The first direction is a flat grey block.
        let flat = opponent_dct_basis(4).column(0).into_owned();
        assert!(flat.iter().all(|v| (v - flat[0]).abs() < 1e-12) && flat[0] > 0.0);
    }

    #[test]
    fn the_jpeg420_basis_is_orthonormal_and_splits_what_subsampling_keeps() {
        let basis = SlotBasis::Jpeg420.matrix(JPEG420_FACTOR).unwrap();
        let d = 3 * JPEG420_FACTOR * JPEG420_FACTOR;
        let gram = basis.transpose() * &basis;
        assert!((gram - DMatrix::identity(d, d)).norm() < 1e-9);
        assert!(SlotBasis::Jpeg420.matrix(8).is_err());
        // JPEG's luma of a pixel: the Y weights. Luma directions carry it, chroma
        // directions carry none (they move pixels along Cb and Cr only).
        let y_of = |col: usize, pixel: usize| {
            let area = JPEG420_FACTOR * JPEG420_FACTOR;
            [0.299, 0.587, 0.114]
                .iter()
                .enumerate()
                .map(|(c, w)| w * basis[(c * area + pixel, col)])
                .sum::<f64>()
        };
        let luma_max = (256..d)
            .flat_map(|col| (0..256).map(move |p| (col, p)))
            .map(|(col, p)| y_of(col, p).abs())
            .fold(0.0, f64::max);
        assert!(
            luma_max < 1e-9,
            "a chroma direction moves luma by {luma_max}"
        );
        // Half-resolution chroma directions are constant on every 2×2 cell; the
        // detail directions average to zero on every cell.
        let cell_sum = |col: usize, cy: usize, cx: usize| {
            let f = JPEG420_FACTOR;
            (0..4)
                .map(|k| basis[((2 * cy + k / 2) * f + 2 * cx + k % 2, col)])
                .sum::<f64>()
        };
        let cell_value = |col: usize| basis[(0, col)];
        for col in 256..384 {
            let first = cell_value(col);
            assert!((cell_sum(col, 0, 0) - 4.0 * first).abs() < 1e-12);
        }
        for col in 384..d {
            for cell in 0..64 {
                assert!(cell_sum(col, cell / 8, cell % 8).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn measured_slot_noise_is_the_channels_error_in_each_direction() {
        let photos = smooth_photos();
        let mut rng = StdRng::seed_from_u64(1);
        // A lossless channel: nothing but the bytes the test signal was rounded to.
        let clean = measure_slot_noise(
            &photos,
            4,
            SlotBasis::OpponentDct,
            |i| Ok(i.clone()),
            &mut rng,
        )
        .unwrap();
        assert!(clean.iter().all(|&n| n < 1e-12));
        // Noise of 2 levels: an orthonormal basis sees its variance in every direction.
        let mut noise_rng = StdRng::seed_from_u64(2);
        let noisy = measure_slot_noise(
            &photos,
            4,
            SlotBasis::OpponentDct,
            |i| Ok(crate::channel::attack::noise(i, 2.0, &mut noise_rng)),
            &mut rng,
        )
        .unwrap();
        let expected = (2.0f64 / 255.0).powi(2);
        for n in &noisy {
            assert!((n / expected - 1.0).abs() < 0.25, "{n} vs {expected}");
        }
    }

    #[test]
    fn the_robust_code_writes_its_quietest_slots_and_reads_them_back() {
        let photos = smooth_photos();
        let stats = BlockStatistics::measure(&photos, 2).unwrap();
        // Pretend the channel is noisy everywhere but in directions 3, 5 and 7.
        let mut noise = vec![1.0; 12];
        for j in [3, 5, 7] {
            noise[j] = 1e-4;
        }
        let code = stats
            .robust_code(3, SlotBasis::OpponentDct, &noise, 0.5)
            .unwrap();
        let basis = opponent_dct_basis(2);
        let secret = &stats.mean + stats.directions.column(11) * 0.2;
        let cover = &stats.mean + stats.directions.column(10) * 0.1;
        let residual =
            &code.hide_cover * &cover + &code.hide_secrets[0] * &secret + &code.hide_bias;
        // Only the three quiet directions change.
        let moved = basis.transpose() * &residual;
        for (j, m) in moved.iter().enumerate() {
            assert_eq!(
                m.abs() > 1e-12,
                [3, 5, 7].contains(&j),
                "direction {j}: {m}"
            );
        }
        let (read, bias) = &code.reveal[0];
        let revealed = read * (&cover + residual) + bias;
        assert!((revealed - &secret).norm() < 1e-9);
        assert!(stats
            .robust_code(13, SlotBasis::OpponentDct, &noise, 0.5)
            .is_err());
        assert!(stats
            .robust_code(2, SlotBasis::OpponentDct, &noise[..5], 0.5)
            .is_err());
        assert!(stats
            .robust_code(2, SlotBasis::OpponentDct, &noise, 0.0)
            .is_err());
        // Closed slots are never written; asking for more than the open ones fails.
        let mut closed = vec![f64::INFINITY; 12];
        for j in [3, 5, 7] {
            closed[j] = 0.5;
        }
        let only_open = stats
            .robust_code(3, SlotBasis::OpponentDct, &closed, 0.5)
            .unwrap();
        let residual = &only_open.hide_cover * &cover + &only_open.hide_secrets[0] * &secret;
        let moved = basis.transpose() * (residual + &only_open.hide_bias);
        assert!(moved
            .iter()
            .enumerate()
            .all(|(j, m)| m.abs() < 1e-12 || [3, 5, 7].contains(&j)));
        assert!(stats
            .robust_code(4, SlotBasis::OpponentDct, &closed, 0.5)
            .is_err());
        // A larger β buys reveal accuracy with a stronger signal: gain ∝ β^¼.
        let strong = stats
            .robust_code(3, SlotBasis::OpponentDct, &noise, 8.0)
            .unwrap();
        let ratio = strong.hide_secrets[0].norm() / code.hide_secrets[0].norm();
        assert!(
            (ratio - 2.0).abs() < 1e-9,
            "16x the beta wrote {ratio}x the secret"
        );
    }

    #[test]
    fn rejects_codes_that_do_not_fit() {
        let stats = BlockStatistics::measure(&smooth_photos(), 2).unwrap();
        assert!(stats.code(3, 5, 0.1).is_err());
        assert!(stats.code(1, 0, 0.1).is_err());
    }
}
