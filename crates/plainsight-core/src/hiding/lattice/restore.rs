//! A small learned filter after the lattice code's reveal (docs/model.md,
//! "A restoration filter for jpeg-1").
//!
//! The reveal's picture carries three kinds of error: what 64 principal components
//! per 16×16 block cannot hold (soft detail, steps at the block edges), the
//! channel's small errors on every component, and the rare remainder that wrapped
//! to the other end of its cell. The filter sees the revealed picture folded into
//! 2×2 cells and where each cell sits in its 16×16 block, and adds what it learned
//! on training photos revealed after JPEG and noise (`bench/restoration.py`). The
//! container does not change: every jpeg-1 container reveals through it.
//!
//! Large pictures go through in tiles with margins wider than the filter's reach,
//! so the result equals one pass over the whole picture.

use crate::error::{Error, Result};
use crate::model::direct::{DirectFilter, FilterLayer};
use crate::pixels::RgbImage;

use super::BLOCK;

const MAGIC: &[u8] = b"plainsight restoration v1\n";
/// The filter reads each cell's place in its block as cos and sin of the column's
/// and the row's phase: four planar channels.
const PHASES: usize = 4;
/// Cells (2×2 pixels) per 16-pixel block side.
const CELLS: usize = BLOCK / 2;
/// Tile side and margin in pixels, both multiples of the block so that each tile's
/// phases are the picture's. The margin is past any reach the file allows.
const TILE: usize = 512;
const MARGIN: usize = 32;
/// Layers a file may hold: each 3×3 layer reaches one more cell (2 pixels), and
/// the margin must cover the stack.
const MAX_LAYERS: usize = MARGIN / 2 - 1;

/// The filter, read from its file.
pub struct Restoration {
    filter: DirectFilter,
}

impl std::fmt::Debug for Restoration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restoration").finish_non_exhaustive()
    }
}

impl Restoration {
    /// Reads the file `bench/restoration.py` writes: a magic line, the layer count,
    /// then per layer its input and output counts (u32) and its weights
    /// (`[output][input][dy][dx]`) and biases as little-endian 32-bit floats.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::Data("not a plainsight restoration filter (or a damaged one)".into());
        let mut rest = bytes.strip_prefix(MAGIC).ok_or_else(bad)?;
        let mut take = |count: usize| -> Result<&[u8]> {
            let (head, tail) = rest.split_at_checked(count).ok_or_else(bad)?;
            rest = tail;
            Ok(head)
        };
        let word = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
        let count = word(take(4)?);
        if count == 0 || count > MAX_LAYERS {
            return Err(bad());
        }
        let mut layers = Vec::with_capacity(count);
        for _ in 0..count {
            let (inputs, outputs) = (word(take(4)?), word(take(4)?));
            if inputs == 0 || outputs == 0 || inputs > 1024 || outputs > 1024 {
                return Err(bad());
            }
            let floats = |b: &[u8]| -> Vec<f32> {
                b.chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                    .collect()
            };
            let weight = floats(take(4 * inputs * outputs * 9)?);
            let bias = floats(take(4 * outputs)?);
            if weight.iter().chain(&bias).any(|v| !v.is_finite()) {
                return Err(bad());
            }
            layers.push(FilterLayer {
                inputs,
                outputs,
                weight,
                bias,
            });
        }
        if !rest.is_empty() {
            return Err(bad());
        }
        let filter = DirectFilter::new(&layers)
            .filter(|f| f.extra() == PHASES)
            .ok_or_else(bad)?;
        Ok(Restoration { filter })
    }

    /// The revealed picture, filtered.
    pub fn apply(&self, revealed: &RgbImage) -> Result<RgbImage> {
        self.apply_in_tiles(revealed, TILE)
    }

    fn apply_in_tiles(&self, revealed: &RgbImage, tile: usize) -> Result<RgbImage> {
        let (width, height) = (revealed.width(), revealed.height());
        // The fold needs even sides: one edge column or row more where they are odd.
        let even = revealed.pad_edge(width.next_multiple_of(2), height.next_multiple_of(2));
        let mut out = RgbImage::filled(width, height, [0; 3])?;
        for y0 in (0..even.height()).step_by(tile) {
            for x0 in (0..even.width()).step_by(tile) {
                let (x1, y1) = (x0.saturating_sub(MARGIN), y0.saturating_sub(MARGIN));
                let x2 = (x0 + tile + MARGIN).min(even.width());
                let y2 = (y0 + tile + MARGIN).min(even.height());
                let window = even.crop(x1, y1, x2 - x1, y2 - y1);
                let filtered = self.run(&window);
                let (w, h) = (x2 - x1, y2 - y1);
                let plane = w * h;
                for y in y0..(y0 + tile).min(height) {
                    for x in x0..(x0 + tile).min(width) {
                        let i = (y - y1) * w + (x - x1);
                        let value = |c: usize| {
                            ((filtered[c * plane + i] + 0.5) * 255.0)
                                .round()
                                .clamp(0.0, 255.0) as u8
                        };
                        out.set_pixel(x, y, [value(0), value(1), value(2)]);
                    }
                }
            }
        }
        Ok(out)
    }

    /// One window (its origin on the block grid), planar and centred on zero.
    fn run(&self, window: &RgbImage) -> Vec<f32> {
        let (width, height) = (window.width(), window.height());
        let plane = width * height;
        let mut planes = vec![0.0; 3 * plane];
        for (i, p) in window.as_bytes().chunks_exact(3).enumerate() {
            for c in 0..3 {
                planes[c * plane + i] = p[c] as f32 / 255.0 - 0.5;
            }
        }
        let (rows, cols) = (height / 2, width / 2);
        let turn = std::f32::consts::TAU / CELLS as f32;
        let mut phases = vec![0.0; PHASES * rows * cols];
        for y in 0..rows {
            for x in 0..cols {
                let i = y * cols + x;
                let (across, down) = (turn * (x % CELLS) as f32, turn * (y % CELLS) as f32);
                for (k, v) in [across.cos(), across.sin(), down.cos(), down.sin()]
                    .into_iter()
                    .enumerate()
                {
                    phases[k * rows * cols + i] = v;
                }
            }
        }
        self.filter.run(&planes, &phases, width, height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with random small weights (16 → 8 → 12).
    fn file(layers: &[(usize, usize)]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend((layers.len() as u32).to_le_bytes());
        let mut seed = 1u32;
        for &(inputs, outputs) in layers {
            bytes.extend((inputs as u32).to_le_bytes());
            bytes.extend((outputs as u32).to_le_bytes());
            for _ in 0..inputs * outputs * 9 + outputs {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = ((seed >> 8) as f32 / (1 << 24) as f32 - 0.5) * 0.2;
                bytes.extend(v.to_le_bytes());
            }
        }
        bytes
    }

    fn picture(width: usize, height: usize) -> RgbImage {
        let data = (0..width * height * 3)
            .map(|i| ((i * 37 + (i / 7) * 11) % 251) as u8)
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn tiles_give_the_same_picture_as_one_pass_and_sizes_are_kept() {
        let restoration = Restoration::from_bytes(&file(&[(16, 8), (8, 12)])).unwrap();
        let image = picture(157, 93);
        let whole = restoration.apply_in_tiles(&image, 4096).unwrap();
        let tiled = restoration.apply_in_tiles(&image, 48).unwrap();
        assert_eq!((whole.width(), whole.height()), (157, 93));
        assert_eq!(whole, tiled);
        assert_ne!(whole, image, "the filter changes the picture");
    }

    #[test]
    fn damaged_files_are_refused() {
        let good = file(&[(16, 8), (8, 12)]);
        assert!(Restoration::from_bytes(&good).is_ok());
        let cases = [
            good[..good.len() - 1].to_vec(),
            [good.clone(), vec![0]].concat(),
            file(&[(15, 8), (8, 12)]),
            file(&[(16, 8), (8, 3)]),
            b"something else".to_vec(),
        ];
        for bytes in cases {
            let error = Restoration::from_bytes(&bytes).unwrap_err().to_string();
            assert!(error.contains("restoration filter"), "{error}");
        }
    }
}
