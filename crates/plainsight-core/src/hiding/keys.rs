//! Keyed hiding: a passphrase scrambles each secret before it is hidden, and only
//! the same passphrase puts the revealed image back in order.
//!
//! The passphrase is stretched with Argon2id into a 256-bit key; the key seeds
//! ChaCha20, which draws, per secret slot, a permutation of the image's tiles (12×12,
//! or 8×8 for models with several secret slots or 8×8 blocks: [`tile_for`])
//! and for every tile a rotation/flip and a permutation of the colour channels.
//! Tiles are aligned to the networks' blocks, so every block the networks code
//! is an intact (rotated, recoloured) piece of a natural image and hiding quality
//! changes little. docs/security.md has the measurements behind the tile sizes (for
//! one secret, 8 cost too much quality and 16 left too much structure for a wrong
//! key; for three, 12 left a wrong key just over SSIM 0.1) and the threat model.

use argon2::{Algorithm, Argon2, Params, Version};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::error::{Error, Result};
use crate::pixels::RgbImage;
use crate::Hider;

/// Side of the scrambled tiles for one-secret models, in pixels (a multiple of the
/// unshuffle factor).
pub const TILE: usize = 12;

/// Side of the scrambled tiles for models with several secret slots: finer, because
/// 12×12 tiles left a wrong key at SSIM 0.101 with default-3, and each of its secrets
/// gets a coarser code anyway, so finer tiles cost it less (docs/security.md).
pub const MULTI_SECRET_TILE: usize = 8;

/// The tile side for a model with `slots` secret slots that codes `block`×`block`
/// blocks: tiles are whole blocks, so a model whose block does not divide the usual
/// side (the robust model's 8×8 against 12) scrambles single blocks.
pub fn tile_for(slots: usize, block: usize) -> usize {
    let side = if slots > 1 { MULTI_SECRET_TILE } else { TILE };
    if side.is_multiple_of(block.max(1)) {
        side
    } else {
        block
    }
}

/// Argon2id memory (KiB), passes and lanes: about a third of a second on one core.
pub const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
pub const ARGON2_PASSES: u32 = 3;
pub const ARGON2_LANES: u32 = 1;

/// A container holds nothing but pixels, so there is no per-file salt to store:
/// the salt is fixed and says what the key is for (docs/security.md discusses what
/// that costs).
const SALT: &[u8] = b"plainsight keyed hiding v1";

/// A 256-bit key derived from a passphrase.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// Stretches `passphrase` with Argon2id (64 MiB, 3 passes, 1 lane).
    pub fn derive(passphrase: &[u8]) -> Result<Key> {
        if passphrase.is_empty() {
            return Err(Error::Invalid("the key must not be empty".into()));
        }
        let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(32))
            .map_err(|e| Error::Invalid(format!("Argon2 parameters: {e}")))?;
        let mut key = [0u8; 32];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, SALT, &mut key)
            .map_err(|e| Error::Invalid(format!("Argon2: {e}")))?;
        Ok(Key::from_bytes(key))
    }

    /// A key from raw bytes (tests, and callers with their own key management).
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    /// The key's bytes, which seed the keyed layout's mixes ([`crate::model::mix`]).
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// How this key scrambles secrets for `model` (the tile side depends on its
    /// secret slots and block size, [`tile_for`]): the only way to scramble, so hide
    /// and reveal cannot disagree on the tiles.
    pub fn for_model(&self, model: &dyn Hider) -> Scrambler {
        self.with_tile(tile_for(model.secrets(), model.block()))
    }

    fn with_tile(&self, tile: usize) -> Scrambler {
        Scrambler { key: self.0, tile }
    }
}

/// A key's scrambling for one model ([`Key::for_model`]).
pub struct Scrambler {
    key: [u8; 32],
    tile: usize,
}

impl Scrambler {
    /// The scrambling of secret slot `slot` in a `width`×`height` image.
    fn plan(&self, slot: usize, width: usize, height: usize) -> Vec<TileMove> {
        let mut rng = ChaCha20Rng::from_seed(self.key);
        rng.set_stream(slot as u64);
        let tiles = tile_grid(width, height, self.tile);
        // Tiles are exchanged only with tiles of the same shape (edge tiles are smaller).
        let mut shapes: Vec<(usize, usize)> = tiles.iter().map(|t| (t.2, t.3)).collect();
        shapes.sort_unstable();
        shapes.dedup();
        let mut moves = Vec::with_capacity(tiles.len());
        for shape in shapes {
            let group: Vec<&(usize, usize, usize, usize)> =
                tiles.iter().filter(|t| (t.2, t.3) == shape).collect();
            let mut order: Vec<usize> = (0..group.len()).collect();
            order.shuffle(&mut rng);
            for (dest, &source) in group.iter().zip(&order) {
                let square = shape.0 == shape.1;
                moves.push(TileMove {
                    source: (group[source].0, group[source].1),
                    dest: (dest.0, dest.1),
                    size: shape,
                    orientation: rng.random_range(0..if square { 8 } else { 4 }),
                    channels: CHANNEL_ORDERS[rng.random_range(0..6)],
                });
            }
        }
        moves
    }

    /// Scrambles the secret for slot `slot` (0-based) before hiding.
    pub fn scramble(&self, secret: &RgbImage, slot: usize) -> RgbImage {
        self.apply(secret, slot, true)
    }

    /// Undoes [`Scrambler::scramble`] on a revealed image.
    pub fn unscramble(&self, revealed: &RgbImage, slot: usize) -> RgbImage {
        self.apply(revealed, slot, false)
    }

    /// Scrambles secrets for hiding, slot by slot.
    pub fn scramble_all(&self, secrets: &[RgbImage]) -> Vec<RgbImage> {
        secrets
            .iter()
            .enumerate()
            .map(|(slot, s)| self.scramble(s, slot))
            .collect()
    }

    /// Unscrambles revealed secrets, slot by slot.
    pub fn unscramble_all(&self, revealed: &[RgbImage]) -> Vec<RgbImage> {
        revealed
            .iter()
            .enumerate()
            .map(|(slot, r)| self.unscramble(r, slot))
            .collect()
    }

    fn apply(&self, image: &RgbImage, slot: usize, forward: bool) -> RgbImage {
        let (w, h) = (image.width(), image.height());
        let mut out = image.clone();
        for m in self.plan(slot, w, h) {
            for y in 0..m.size.1 {
                for x in 0..m.size.0 {
                    let (sx, sy) = m.source_offset(x, y);
                    let from = (m.source.0 + sx, m.source.1 + sy);
                    let to = (m.dest.0 + x, m.dest.1 + y);
                    if forward {
                        out.set_pixel(to.0, to.1, m.colour(image.pixel(from.0, from.1)));
                    } else {
                        out.set_pixel(from.0, from.1, m.uncolour(image.pixel(to.0, to.1)));
                    }
                }
            }
        }
        out
    }
}

const CHANNEL_ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// Where one tile goes and how it is changed on the way.
struct TileMove {
    source: (usize, usize),
    dest: (usize, usize),
    size: (usize, usize),
    /// Bit 0: mirror x, bit 1: mirror y, bit 2: transpose (square tiles only).
    orientation: u8,
    channels: [usize; 3],
}

impl TileMove {
    /// The source pixel (relative to the source tile) that lands on (x, y) of the destination tile.
    fn source_offset(&self, x: usize, y: usize) -> (usize, usize) {
        let (w, h) = self.size;
        let (mut sx, mut sy) = if self.orientation & 4 != 0 {
            (y, x)
        } else {
            (x, y)
        };
        if self.orientation & 1 != 0 {
            sx = w - 1 - sx;
        }
        if self.orientation & 2 != 0 {
            sy = h - 1 - sy;
        }
        (sx, sy)
    }

    fn colour(&self, rgb: [u8; 3]) -> [u8; 3] {
        self.channels.map(|c| rgb[c])
    }

    fn uncolour(&self, rgb: [u8; 3]) -> [u8; 3] {
        let mut out = [0u8; 3];
        for (i, &c) in self.channels.iter().enumerate() {
            out[c] = rgb[i];
        }
        out
    }
}

/// Tiles (x, y, width, height) of side `tile` covering the image; the last row and
/// column are narrower when the size is not a multiple of it.
fn tile_grid(width: usize, height: usize, tile: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut tiles = Vec::new();
    for y in (0..height).step_by(tile) {
        for x in (0..width).step_by(tile) {
            tiles.push((x, y, tile.min(width - x), tile.min(height - y)));
        }
    }
    tiles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;

    fn gradient(width: usize, height: usize) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = (p % width, p / width);
                [
                    (x * 7 % 256) as u8,
                    (y * 5 % 256) as u8,
                    ((x + y) % 256) as u8,
                ]
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn unscramble_inverts_scramble_for_any_size() {
        let key = Key::from_bytes([7; 32]).with_tile(tile_for(1, 4));
        for (w, h) in [(64, 64), (37, 21), (8, 8), (3, 50)] {
            let image = gradient(w, h);
            for slot in 0..3 {
                let scrambled = key.scramble(&image, slot);
                assert_ne!(scrambled, image, "{w}x{h} slot {slot} unchanged");
                assert_eq!(
                    key.unscramble(&scrambled, slot),
                    image,
                    "{w}x{h} slot {slot}"
                );
            }
        }
    }

    #[test]
    fn multi_secret_models_scramble_finer_tiles() {
        assert_eq!(tile_for(1, 4), TILE);
        assert_eq!(tile_for(3, 4), MULTI_SECRET_TILE);
        // Tiles are whole blocks: 8×8 blocks do not fit 12×12 tiles.
        assert_eq!(tile_for(1, 8), 8);
        assert_eq!(tile_for(1, 1), TILE);
        let image = gradient(48, 48);
        let key = Key::from_bytes([3; 32]);
        let (one, three) = (key.with_tile(tile_for(1, 4)), key.with_tile(tile_for(3, 4)));
        let scrambled = three.scramble(&image, 0);
        assert_ne!(scrambled, one.scramble(&image, 0));
        assert_eq!(three.unscramble(&scrambled, 0), image);
        // Every 8×8 tile of the scrambled image is a whole (turned, recoloured) tile
        // of the original: its set of pixel colours, up to channel order, is one of them.
        let colours = |img: &RgbImage, x0: usize, y0: usize| {
            let mut c: Vec<[u8; 3]> = (0..64)
                .map(|i| {
                    let mut p = img.pixel(x0 + i % 8, y0 + i / 8);
                    p.sort_unstable();
                    p
                })
                .collect();
            c.sort_unstable();
            c
        };
        let originals: Vec<_> = (0..36)
            .map(|t| colours(&image, t % 6 * 8, t / 6 * 8))
            .collect();
        for t in 0..36 {
            assert!(originals.contains(&colours(&scrambled, t % 6 * 8, t / 6 * 8)));
        }
    }

    #[test]
    fn another_key_or_slot_scrambles_differently() {
        let image = gradient(64, 48);
        let key = Key::from_bytes([1; 32]).with_tile(tile_for(1, 4));
        let mut other = [1; 32];
        other[31] = 2;
        let other = Key::from_bytes(other).with_tile(tile_for(1, 4));
        let scrambled = key.scramble(&image, 0);
        assert!(psnr(&other.unscramble(&scrambled, 0), &image) < 15.0);
        assert!(psnr(&key.unscramble(&scrambled, 1), &image) < 15.0);
        assert_ne!(key.scramble(&image, 0), key.scramble(&image, 1));
    }

    #[test]
    fn derivation_is_deterministic_and_sensitive() {
        let a = Key::derive(b"correct horse").unwrap();
        assert_eq!(a, Key::derive(b"correct horse").unwrap());
        assert_ne!(a, Key::derive(b"correct horsf").unwrap());
        assert!(Key::derive(b"").is_err());
    }
}
