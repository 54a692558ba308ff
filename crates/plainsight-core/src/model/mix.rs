//! The keyed mix of the keyed layout ([`super::keyed`]): every block's code vector is
//! multiplied by its own orthogonal matrix `Q = H·D₂·P₂·H·D₁·P₁`, where the `P` are
//! permutations and the `D` sign flips drawn for that block from a key, and `H` is the
//! normalised Hadamard matrix. Exactly orthogonal, so the right key undoes it exactly;
//! two rounds, so every output coordinate depends on every input one.
//!
//! The draws come from ChaCha20 seeded with the 256-bit key, one stream per secret slot,
//! at a fixed offset per block position: any block's mix can be drawn alone, so tiles
//! of a large picture use the same mixes as one pass over it. The key itself (Argon2id
//! from a passphrase) is [`crate::hiding::keys`]'s business; this module takes its bytes.
//!
//! **Scatter** (models whose config asks for it): after its mix, every block's code
//! also moves to a block position of the whole picture that the key chooses (one
//! permutation of all block positions per slot, from its own ChaCha20 stream). The mix
//! alone keeps each block's code length, so a wrong key's output still shows where the
//! secret has texture; scattered, that energy lands at random places. A permutation of
//! the whole picture needs the whole picture's codes, so [`crate::Stego`] computes them
//! before it hides or decodes tile by tile.

use burn::prelude::*;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The key bytes of the public mix: containers made without a key use it, so anyone
/// with the model reads them, as before keys existed.
pub const PUBLIC_KEY: [u8; 32] = *b"plainsight keyless public mix v1";

/// The code lengths the mix takes (powers of two, for the Hadamard matrix).
pub fn is_mixable(code: usize) -> bool {
    code.is_power_of_two() && (4..=256).contains(&code)
}

/// One round's draws for every block of a batch, laid out as the code tensor
/// `[batch, code, rows, cols]`.
struct Round {
    /// `gather` indices of the permutation, and of its inverse.
    forward: Vec<i32>,
    inverse: Vec<i32>,
    signs: Vec<f32>,
}

/// The mixes of one secret slot for a batch of `rows × cols`-block codes.
pub struct BlockMixes {
    shape: [usize; 4],
    rounds: [Round; 2],
    scatter: Option<BlockScatter>,
}

/// Where every block's code goes: one permutation of a whole picture's block
/// positions per image (see the module's "Scatter").
pub struct BlockScatter {
    shape: [usize; 4],
    /// Place `t` takes the code of block `forward[t]` (flattened positions).
    forward: Vec<i32>,
    /// Block `s` finds its code at place `inverse[s]`.
    inverse: Vec<i32>,
}

/// The ChaCha20 stream of slot `slot`'s scatter (the mixes use streams 0, 1, 2).
fn scatter_stream(slot: usize) -> u64 {
    (1 << 63) | slot as u64
}

/// 32-bit words one block's draws take: a permutation (one word per coordinate, ranked)
/// and the signs (one bit per coordinate) for each of two rounds.
fn words_per_block(code: usize) -> u128 {
    (2 * (code + code.div_ceil(32))) as u128
}

impl BlockMixes {
    /// Mixes for `keys.len()` images (one key each), slot `slot`, a `rows × cols` grid
    /// of blocks whose first block sits at block position `origin` (row, column) of
    /// the whole picture; with `scatter`, the grid must be the whole picture (origin
    /// `(0, 0)`), since every block may move anywhere in it.
    pub fn new(
        keys: &[[u8; 32]],
        slot: usize,
        code: usize,
        origin: (usize, usize),
        (rows, cols): (usize, usize),
        scatter: bool,
    ) -> Self {
        assert!(
            !scatter || origin == (0, 0),
            "a scatter is drawn for the whole picture"
        );
        assert!(is_mixable(code), "code length {code} cannot be mixed");
        let blocks = rows * cols;
        let size = keys.len() * code * blocks;
        let mut rounds = [0, 1].map(|_| Round {
            forward: vec![0; size],
            inverse: vec![0; size],
            signs: vec![0.0; size],
        });
        let mut words = vec![0u32; code];
        let mut order: Vec<usize> = (0..code).collect();
        for (image, key) in keys.iter().enumerate() {
            let mut rng = ChaCha20Rng::from_seed(*key);
            rng.set_stream(slot as u64);
            for r in 0..rows {
                for c in 0..cols {
                    let (y, x) = ((origin.0 + r) as u128, (origin.1 + c) as u128);
                    rng.set_word_pos(((y << 32) | x) * words_per_block(code));
                    for round in rounds.iter_mut() {
                        words.iter_mut().for_each(|w| *w = rng.next_u32());
                        // A permutation from ranking random words (ties by index).
                        order.sort_by_key(|&k| (words[k], k));
                        let bits: Vec<u32> =
                            (0..code.div_ceil(32)).map(|_| rng.next_u32()).collect();
                        for k in 0..code {
                            let at = ((image * code + k) * rows + r) * cols + c;
                            round.forward[at] = order[k] as i32;
                            let source = ((image * code + order[k]) * rows + r) * cols + c;
                            round.inverse[source] = k as i32;
                            let bit = bits[k / 32] >> (k % 32) & 1;
                            round.signs[at] = if bit == 1 { -1.0 } else { 1.0 };
                        }
                    }
                }
            }
        }
        let shape = [keys.len(), code, rows, cols];
        BlockMixes {
            shape,
            rounds,
            scatter: scatter.then(|| BlockScatter::new(keys, slot, shape)),
        }
    }

    /// `Q·code` in every block.
    ///
    /// # Shapes
    /// `[batch, code, rows, cols]` → the same
    pub fn mix<B: Backend>(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        self.check(&code);
        let device = code.device();
        let mixed = self.rounds.iter().fold(code, |x, round| {
            let picked = x.gather(1, self.indices(&round.forward, &device));
            hadamard(picked * self.tensor(&round.signs, &device))
        });
        match &self.scatter {
            Some(scatter) => scatter.apply(mixed),
            None => mixed,
        }
    }

    /// `Qᵀ·code` in every block: undoes [`BlockMixes::mix`].
    ///
    /// # Shapes
    /// `[batch, code, rows, cols]` → the same
    pub fn unmix<B: Backend>(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        self.check(&code);
        let device = code.device();
        let code = match &self.scatter {
            Some(scatter) => scatter.undo(code),
            None => code,
        };
        self.rounds.iter().rev().fold(code, |x, round| {
            let signed = hadamard(x) * self.tensor(&round.signs, &device);
            signed.gather(1, self.indices(&round.inverse, &device))
        })
    }

    /// Whether codes also move between blocks (see the module's "Scatter").
    pub fn scatters(&self) -> bool {
        self.scatter.is_some()
    }

    fn check<B: Backend>(&self, code: &Tensor<B, 4>) {
        assert_eq!(
            code.dims(),
            self.shape,
            "mixes drawn for another code shape"
        );
    }

    fn indices<B: Backend>(&self, values: &[i32], device: &B::Device) -> Tensor<B, 4, Int> {
        Tensor::from_data(TensorData::new(values.to_vec(), self.shape), device)
    }

    fn tensor<B: Backend>(&self, values: &[f32], device: &B::Device) -> Tensor<B, 4> {
        Tensor::from_data(TensorData::new(values.to_vec(), self.shape), device)
    }
}

impl BlockScatter {
    /// The scatters of slot `slot` for `keys.len()` images (one key each) of codes
    /// shaped `[batch, code, rows, cols]`: the block positions ranked by a 64-bit word
    /// each from the slot's scatter stream (ties by position).
    pub fn new(keys: &[[u8; 32]], slot: usize, shape: [usize; 4]) -> Self {
        let [_, _, rows, cols] = shape;
        let blocks = rows * cols;
        let mut forward = Vec::with_capacity(keys.len() * blocks);
        let mut inverse = vec![0; keys.len() * blocks];
        for (image, key) in keys.iter().enumerate() {
            let mut rng = ChaCha20Rng::from_seed(*key);
            rng.set_stream(scatter_stream(slot));
            let words: Vec<u64> = (0..blocks).map(|_| rng.next_u64()).collect();
            let mut order: Vec<usize> = (0..blocks).collect();
            order.sort_unstable_by_key(|&b| (words[b], b));
            for (place, &block) in order.iter().enumerate() {
                inverse[image * blocks + block] = place as i32;
            }
            forward.extend(order.iter().map(|&b| b as i32));
        }
        BlockScatter {
            shape,
            forward,
            inverse,
        }
    }

    /// Every block's code moved to its place.
    ///
    /// # Shapes
    /// `[batch, code, rows, cols]` → the same
    pub fn apply<B: Backend>(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        self.moved(code, &self.forward)
    }

    /// Every block's code brought back from its place: undoes [`BlockScatter::apply`].
    pub fn undo<B: Backend>(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        self.moved(code, &self.inverse)
    }

    /// `code` with place `t` of every image taking block `picks[t]`'s code.
    fn moved<B: Backend>(&self, code: Tensor<B, 4>, picks: &[i32]) -> Tensor<B, 4> {
        assert_eq!(
            code.dims(),
            self.shape,
            "scatter drawn for another code shape"
        );
        let [batch, length, rows, cols] = self.shape;
        let blocks = rows * cols;
        let indices: Vec<i32> = (0..batch)
            .flat_map(|image| {
                let picks = &picks[image * blocks..(image + 1) * blocks];
                (0..length).flat_map(move |_| picks.iter().copied())
            })
            .collect();
        let shape = [batch, length, blocks];
        let indices =
            Tensor::<B, 3, Int>::from_data(TensorData::new(indices, shape), &code.device());
        code.reshape(shape).gather(2, indices).reshape(self.shape)
    }
}

/// The normalised Hadamard matrix applied to every block's code (it is its own inverse).
fn hadamard<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 4> {
    let [batch, code, rows, cols] = x.dims();
    let matrix = hadamard_matrix(code);
    let h = Tensor::<B, 2>::from_data(TensorData::new(matrix, [code, code]), &x.device());
    let flat = x.permute([0, 2, 3, 1]).reshape([batch * rows * cols, code]);
    flat.matmul(h)
        .reshape([batch, rows, cols, code])
        .permute([0, 3, 1, 2])
}

/// Sylvester's Hadamard matrix of side `n` (a power of two), divided by √n, row by row.
fn hadamard_matrix(n: usize) -> Vec<f32> {
    let scale = 1.0 / (n as f32).sqrt();
    (0..n * n)
        .map(|i| {
            let (r, c) = (i / n, i % n);
            // H[r][c] = (−1)^popcount(r & c)
            if (r & c).count_ones() % 2 == 0 {
                scale
            } else {
                -scale
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;

    fn random_code(shape: [usize; 4]) -> Tensor<CpuBackend, 4> {
        Tensor::random(
            shape,
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &Default::default(),
        )
    }

    fn values(t: Tensor<CpuBackend, 4>) -> Vec<f32> {
        t.into_data().convert::<f32>().to_vec().unwrap()
    }

    #[test]
    fn the_mix_is_orthogonal_and_the_same_key_undoes_it() {
        let keys = [[7u8; 32], [9u8; 32]];
        let mixes = BlockMixes::new(&keys, 0, 16, (3, 5), (4, 6), false);
        let code = random_code([2, 16, 4, 6]);
        let mixed = mixes.mix(code.clone());
        let back = mixes.unmix(mixed.clone());
        let (c, m, b) = (values(code), values(mixed), values(back));
        let error = c
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(error < 1e-5, "unmixed differs by {error}");
        // Orthogonal: every block keeps its length, and the mix really moved things.
        let norm = |v: &[f32], block: usize| -> f32 {
            let (image, cell) = (block / 24, block % 24);
            (0..16)
                .map(|k| v[(image * 16 + k) * 24 + cell].powi(2))
                .sum()
        };
        for block in 0..48 {
            assert!((norm(&c, block) - norm(&m, block)).abs() < 1e-3 * norm(&c, block).max(1.0));
        }
        let moved = c
            .iter()
            .zip(&m)
            .filter(|(x, y)| (*x - *y).abs() > 1e-3)
            .count();
        assert!(moved > c.len() * 9 / 10, "only {moved} values changed");
    }

    #[test]
    fn blocks_slots_keys_and_positions_each_get_their_own_mix() {
        let key = [[1u8; 32]];
        // A unit vector in every block: the mixed result is the matrix's first column.
        let unit = || {
            let mut v = vec![0f32; 16 * 2 * 2];
            v[..4].iter_mut().for_each(|x| *x = 1.0);
            Tensor::<CpuBackend, 4>::from_data(
                TensorData::new(v, [1, 16, 2, 2]),
                &Default::default(),
            )
        };
        let columns = |mixes: &BlockMixes| -> Vec<Vec<f32>> {
            let m = values(mixes.mix(unit()));
            (0..4)
                .map(|cell| (0..16).map(|k| m[k * 4 + cell]).collect())
                .collect()
        };
        let here = columns(&BlockMixes::new(&key, 0, 16, (0, 0), (2, 2), false));
        assert_ne!(here[0], here[1], "two blocks share a mix");
        assert_ne!(
            here[0],
            columns(&BlockMixes::new(&key, 1, 16, (0, 0), (2, 2), false))[0]
        );
        assert_ne!(
            here[0],
            columns(&BlockMixes::new(&[[2u8; 32]], 0, 16, (0, 0), (2, 2), false))[0]
        );
        // Drawn by position: the same block in a window that starts elsewhere.
        let shifted = columns(&BlockMixes::new(&key, 0, 16, (1, 1), (2, 2), false));
        assert_eq!(here[3], shifted[0]);
    }

    #[test]
    fn the_hadamard_matrix_is_orthonormal() {
        for n in [4, 16, 64] {
            let h = hadamard_matrix(n);
            for a in 0..n {
                for b in 0..n {
                    let dot: f32 = (0..n).map(|k| h[a * n + k] * h[b * n + k]).sum();
                    assert!((dot - if a == b { 1.0 } else { 0.0 }).abs() < 1e-5);
                }
            }
        }
        assert!(is_mixable(16) && !is_mixable(18) && !is_mixable(2));
    }
}
