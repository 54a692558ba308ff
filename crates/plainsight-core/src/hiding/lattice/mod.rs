//! Hiding for JPEG channels with a closed-form lattice code in the cover's luma.
//!
//! JPEG with 4:2:0 chroma (what phones, browsers and chat apps write) halves the
//! colour resolution and quantises every 8×8 block's DCT; the networks' codes live
//! where that removes them. This code writes only luma (adding the same change to
//! R, G and B moves Y and leaves Cb and Cr as they were) and only the low DCT
//! frequencies of JPEG's own 8×8 grid, as remainders modulo a lattice step
//! ([`code`]): each costs Δ²/12 on average whatever the cover holds there, and a
//! JPEG quantisation error smaller than half a step comes back as a small error.
//! Scaling the picture (resizing) shifts every coefficient by a fraction of the
//! cover's own value and wraps the remainders: this code does not survive it.
//!
//! Every remainder is shifted by its own fraction of the step, drawn from ChaCha20
//! (a dithered lattice) seeded with the key ([`Hider::hide_with_key`]) or, without
//! one, with a public seed. With the right key the shift comes off exactly, so the
//! key costs nothing; without it each remainder is uniform whatever the secret
//! was, and the reveal is noise.
//!
//! One secret, any picture of at least 16×16 pixels: the region covered by whole
//! 16×16 blocks carries the secret; the strip past it is left as the cover had it,
//! and the revealed secret is extended over it from its edge.

pub mod code;
pub mod restore;

use std::sync::Arc;

use rand::RngCore;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::error::{Error, Result};
use crate::hider::{check_hide_count, check_reveal_count};
use crate::hiding::rounding::{round_to_cover, Rounding};
use crate::pixels::{check_same_size, RgbImage};
use crate::Hider;
pub use code::{LatticeCode, LatticeParams, BLOCK};
use code::{Slot, BLOCK_VALUES};
pub use restore::Restoration;

/// Passes over the cover: after the first, pixels clipped at 0 or 255 have moved
/// some coefficients off their lattice points; each pass moves them back.
const PASSES: usize = 3;

/// How containers become bytes unless asked otherwise: pair balance restores the
/// cover's value pairs, which the chi-square attack reads (82 % → 57 % on bsds500,
/// docs/security.md), and cost nothing measurable here (50 bsds500/test pairs:
/// 34.52 / 24.40 dB after JPEG 90, nearest 34.52 / 24.39).
const DEFAULT_ROUNDING: Rounding = Rounding::PairBalance;

/// JFIF luma weights.
const LUMA: [f64; 3] = [0.299, 0.587, 0.114];

/// The ChaCha20 stream of the dithers (apart from the keyed networks' streams).
const DITHER_STREAM: u64 = 0x6c61_7474_6963_6531;
/// The seed of the dithers without a key (public, so it hides nothing).
const PUBLIC_DITHER: [u8; 32] = *b"plainsight jpeg-1 public dither!";

/// The lattice code as a [`Hider`] for one secret.
#[derive(Debug, Clone)]
pub struct LatticeHider {
    code: LatticeCode,
    /// How the container's values become bytes (as for the networks).
    rounding: Rounding,
    /// `basis[k][n]`: the orthonormal 8-point DCT-II (boxed: the hider moves a lot).
    basis: Box<[[f64; 8]; 8]>,
    /// The learned filter every revealed picture goes through, if the model has one.
    restoration: Option<Arc<Restoration>>,
}

impl LatticeHider {
    pub fn new(code: LatticeCode) -> Self {
        let basis = std::array::from_fn(|k| {
            std::array::from_fn(|n| {
                let scale = if k == 0 { (1.0f64 / 8.0).sqrt() } else { 0.5 };
                scale * (std::f64::consts::PI * (2 * n + 1) as f64 * k as f64 / 16.0).cos()
            })
        });
        LatticeHider {
            code,
            rounding: DEFAULT_ROUNDING,
            basis: Box::new(basis),
            restoration: None,
        }
    }

    /// The same code with `restoration` after every reveal.
    pub fn with_restoration(mut self, restoration: Restoration) -> Self {
        self.restoration = Some(Arc::new(restoration));
        self
    }

    /// Whether revealed pictures go through a [`Restoration`] filter.
    pub fn restores(&self) -> bool {
        self.restoration.is_some()
    }

    /// The same code with another [`Rounding`] of its containers.
    pub fn with_rounding(mut self, rounding: Rounding) -> Self {
        self.rounding = rounding;
        self
    }

    pub fn rounding(&self) -> Rounding {
        self.rounding
    }

    /// Reads a code file ([`LatticeCode::to_bytes`]) and, if given, a restoration
    /// filter's file ([`Restoration::from_bytes`]).
    pub fn from_bytes(code: &[u8], restoration: Option<&[u8]>) -> Result<Self> {
        let hider = Self::new(LatticeCode::from_bytes(code)?);
        match restoration {
            Some(bytes) => Ok(hider.with_restoration(Restoration::from_bytes(bytes)?)),
            None => Ok(hider),
        }
    }

    pub fn code(&self) -> &LatticeCode {
        &self.code
    }

    /// Adds `amount` times the DCT basis image of `slot` to a 16×16 region
    /// (row-major), inside the slot's 8×8 block.
    fn add_wave(&self, slot: &Slot, amount: f64, region: &mut [f64]) {
        let (sx, sy) = ((slot.sub_block % 2) * 8, (slot.sub_block / 2) * 8);
        for y in 0..8 {
            let row = &mut region[(sy + y) * BLOCK + sx..(sy + y) * BLOCK + sx + 8];
            for (x, value) in row.iter_mut().enumerate() {
                *value += amount * (self.basis[slot.u][y] * self.basis[slot.v][x]);
            }
        }
    }

    /// Every slot's coefficient of the luma of a 16×16 region (row-major levels).
    fn coefficients(&self, luma: &[f64], out: &mut [f64]) {
        for (slot, c) in self.code.slots().iter().zip(out.iter_mut()) {
            let (sx, sy) = ((slot.sub_block % 2) * 8, (slot.sub_block / 2) * 8);
            let mut sum = 0.0;
            for y in 0..8 {
                let row = &luma[(sy + y) * BLOCK + sx..(sy + y) * BLOCK + sx + 8];
                let vertical = self.basis[slot.u][y];
                for (x, &value) in row.iter().enumerate() {
                    sum += vertical * self.basis[slot.v][x] * value;
                }
            }
            *c = sum;
        }
    }
}

fn check_size(image: &RgbImage) -> Result<()> {
    if image.width() < BLOCK || image.height() < BLOCK {
        return Err(Error::Invalid(format!(
            "the lattice code needs pictures of at least {BLOCK}x{BLOCK} pixels, got {}x{}",
            image.width(),
            image.height()
        )));
    }
    Ok(())
}

/// The 16×16 blocks of a picture, left to right, top to bottom.
fn blocks(image: &RgbImage) -> impl Iterator<Item = (usize, usize)> {
    let (across, down) = (image.width() / BLOCK, image.height() / BLOCK);
    (0..down).flat_map(move |by| (0..across).map(move |bx| (bx * BLOCK, by * BLOCK)))
}

/// Luma of the 16×16 region at `(x0, y0)` of an interleaved float RGB picture.
fn region_luma(pixels: &[f64], width: usize, x0: usize, y0: usize, luma: &mut [f64]) {
    for y in 0..BLOCK {
        for x in 0..BLOCK {
            let p = 3 * ((y0 + y) * width + x0 + x);
            luma[y * BLOCK + x] = (0..3).map(|c| LUMA[c] * pixels[p + c]).sum();
        }
    }
}

impl Hider for LatticeHider {
    fn secrets(&self) -> usize {
        1
    }

    fn block(&self) -> usize {
        BLOCK
    }

    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        self.hide_dithered(cover, secrets, None)
    }

    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        self.reveal_dithered(container, count, None)
    }

    fn mixes_key(&self) -> bool {
        true
    }

    fn hide_with_key(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        key: &[u8; 32],
    ) -> Result<RgbImage> {
        self.hide_dithered(cover, secrets, Some(key))
    }

    fn reveal_with_key(
        &self,
        container: &RgbImage,
        count: usize,
        key: &[u8; 32],
    ) -> Result<Vec<RgbImage>> {
        self.reveal_dithered(container, count, Some(key))
    }
}

impl LatticeHider {
    /// Each block's shift of each remainder, in levels: a uniform fraction of the
    /// step from the key's ChaCha20 stream, block by block. Without a key the
    /// stream of a public seed: neighbouring blocks' remainders, alike where the
    /// secret is smooth, then no longer move the cover alike (measured on 50
    /// bsds500/test pairs: container 34.52 dB dithered, 33.84 without).
    fn dithers(&self, key: Option<&[u8; 32]>, blocks: usize) -> Vec<f64> {
        let k = self.code.slot_count();
        let mut rng = ChaCha20Rng::from_seed(*key.unwrap_or(&PUBLIC_DITHER));
        rng.set_stream(DITHER_STREAM);
        (0..blocks * k)
            .map(|i| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * self.code.step(i % k))
            .collect()
    }

    fn hide_dithered(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        key: Option<&[u8; 32]>,
    ) -> Result<RgbImage> {
        check_hide_count(1, secrets.len())?;
        check_same_size(cover, &secrets[0])?;
        check_size(cover)?;
        let width = cover.width();
        let k = self.code.slot_count();
        let mut remainders = self.dithers(key, blocks(cover).count());
        let mut encoded = vec![0.0; k];
        let mut block = vec![0f32; BLOCK_VALUES];
        for (i, (x0, y0)) in blocks(cover).enumerate() {
            read_block(&secrets[0], x0, y0, &mut block);
            self.code.encode(&block, &mut encoded);
            for (r, e) in remainders[i * k..(i + 1) * k].iter_mut().zip(&encoded) {
                *r += e;
            }
        }
        let mut pixels: Vec<f64> = cover
            .as_bytes()
            .iter()
            .map(|&b| headroom(b as f64))
            .collect();
        let (mut luma, mut coefficients) = (vec![0.0; BLOCK * BLOCK], vec![0.0; k]);
        let mut change = vec![0.0; BLOCK * BLOCK];
        for _ in 0..PASSES {
            for (i, (x0, y0)) in blocks(cover).enumerate() {
                region_luma(&pixels, width, x0, y0, &mut luma);
                self.coefficients(&luma, &mut coefficients);
                change.fill(0.0);
                for (j, slot) in self.code.slots().iter().enumerate() {
                    let moved = self.code.move_to(j, coefficients[j], remainders[i * k + j]);
                    self.add_wave(slot, moved, &mut change);
                }
                for (p, &c) in change.iter().enumerate() {
                    let at = 3 * ((y0 + p / BLOCK) * width + x0 + p % BLOCK);
                    move_luma(&mut pixels[at..at + 3], c);
                }
            }
        }
        let nearest = pixels.iter().map(|v| v.round() as u8).collect();
        let nearest = RgbImage::new(width, cover.height(), nearest)?;
        if self.rounding == Rounding::Nearest {
            return Ok(nearest);
        }
        // What rounding dropped, as `round_to_cover` takes it.
        let dropped = pixels
            .iter()
            .map(|v| ((v - v.round() + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8)
            .collect();
        let dropped = RgbImage::new(width, cover.height(), dropped)?;
        round_to_cover(&nearest, &dropped, cover, self.rounding)
    }

    fn reveal_dithered(
        &self,
        container: &RgbImage,
        count: usize,
        key: Option<&[u8; 32]>,
    ) -> Result<Vec<RgbImage>> {
        check_reveal_count(1, count)?;
        check_size(container)?;
        let (width, height) = (container.width(), container.height());
        let (across, down) = (width / BLOCK, height / BLOCK);
        let k = self.code.slot_count();
        let dithers = self.dithers(key, across * down);
        let pixels: Vec<f64> = container.as_bytes().iter().map(|&b| b as f64).collect();
        let mut revealed = RgbImage::filled(across * BLOCK, down * BLOCK, [0; 3])?;
        let (mut luma, mut coefficients) = (vec![0.0; BLOCK * BLOCK], vec![0.0; k]);
        let mut block = vec![0f32; BLOCK_VALUES];
        for (i, (x0, y0)) in blocks(container).enumerate() {
            region_luma(&pixels, width, x0, y0, &mut luma);
            self.coefficients(&luma, &mut coefficients);
            for (c, d) in coefficients.iter_mut().zip(&dithers[i * k..(i + 1) * k]) {
                *c -= d;
            }
            self.code.decode(&coefficients, &mut block);
            write_block(&mut revealed, x0, y0, &block);
        }
        let revealed = revealed.pad_edge(width, height);
        Ok(vec![match &self.restoration {
            Some(restoration) => restoration.apply(&revealed)?,
            None => revealed,
        }])
    }
}

/// A tone curve that leaves room at both ends: a sample of 0 or 255 cannot move
/// one way, so a black or white region could not reach its lattice points (the
/// reveal would show a wrong-coloured block there). Samples within `reach` of an
/// end move inwards, by `lift` at the very end and smoothly less further in.
/// (Measured on 50 bsds500/val pairs: lift 10 and reach 32 cost 0.5 dB of container
/// PSNR and gave 1.1 dB of reveal after JPEG 90, 0.8 after JPEG 75; docs/model.md.)
fn headroom(v: f64) -> f64 {
    const LIFT: f64 = 10.0;
    const REACH: f64 = 32.0;
    let near = |d: f64| LIFT * (1.0 - d / REACH).max(0.0).powi(2);
    v + near(v) - near(255.0 - v)
}

/// Moves a pixel's luma by `change`, the same in R, G and B (chroma kept) while
/// none is clipped; what a channel clipped at 0 or 255 cannot take goes to the
/// others, so dark and bright pixels still reach their lattice points where they can.
fn move_luma(rgb: &mut [f64], change: f64) {
    let mut missing = change;
    for _ in 0..3 {
        let up = missing > 0.0;
        let room = |v: f64| if up { v < 255.0 } else { v > 0.0 };
        let free: f64 = (0..3).filter(|&c| room(rgb[c])).map(|c| LUMA[c]).sum();
        if missing.abs() < 1e-9 || free == 0.0 {
            return;
        }
        let each = missing / free;
        for c in 0..3 {
            if room(rgb[c]) {
                let moved = (rgb[c] + each).clamp(0.0, 255.0);
                missing -= LUMA[c] * (moved - rgb[c]);
                rgb[c] = moved;
            }
        }
    }
}

/// A 16×16 block of `image` at `(x0, y0)`, index `channel·256 + row·16 + column`.
fn read_block(image: &RgbImage, x0: usize, y0: usize, block: &mut [f32]) {
    for y in 0..BLOCK {
        for x in 0..BLOCK {
            for (c, &v) in image.pixel(x0 + x, y0 + y).iter().enumerate() {
                block[c * BLOCK * BLOCK + y * BLOCK + x] = v as f32;
            }
        }
    }
}

fn write_block(image: &mut RgbImage, x0: usize, y0: usize, block: &[f32]) {
    for y in 0..BLOCK {
        for x in 0..BLOCK {
            let value = |c: usize| {
                block[c * BLOCK * BLOCK + y * BLOCK + x]
                    .round()
                    .clamp(0.0, 255.0) as u8
            };
            image.set_pixel(x0 + x, y0 + y, [value(0), value(1), value(2)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use crate::channel::attack::{jpeg_420, noise};
    use rand::{rngs::StdRng, SeedableRng};

    fn photo(width: usize, height: usize, seed: f64) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = ((p % width) as f64, (p / width) as f64);
                let v = |f: f64, g: f64| {
                    let wave = ((x * f + y * g + seed) * 0.07).sin()
                        + 0.5 * ((x * g - y * f) * 0.11 + seed).cos();
                    (128.0 + 70.0 * wave) as u8
                };
                [v(1.0, 0.4), v(0.6, 1.1), v(1.3, -0.5)]
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    /// Measured once: 32 photos of 256 blocks, a few more than the 10 per value
    /// the measurement needs.
    fn hider() -> &'static LatticeHider {
        static HIDER: std::sync::OnceLock<LatticeHider> = std::sync::OnceLock::new();
        HIDER.get_or_init(|| {
            let photos: Vec<RgbImage> = (0..32).map(|i| photo(256, 256, i as f64 * 3.7)).collect();
            LatticeHider::new(LatticeCode::measure(&photos, LatticeParams::default()).unwrap())
        })
    }

    #[test]
    fn the_secret_survives_subsampled_jpeg_and_the_cover_keeps_its_colour() {
        let hider = hider();
        // 100×72: whole blocks cover 96×64, the strip past them is the cover's.
        let (cover, secret) = (photo(100, 72, 50.0), photo(100, 72, 11.0));
        let container = hider.hide(&cover, std::slice::from_ref(&secret)).unwrap();
        let cover_psnr = psnr(&cover, &container);
        assert!(cover_psnr > 32.0, "container {cover_psnr}");
        assert_eq!(container.pixel(98, 70), cover.pixel(98, 70));
        let lossless = psnr(&secret, &hider.reveal(&container, 1).unwrap()[0]);
        let jpeg = jpeg_420(&container, 90).unwrap();
        let after_jpeg = psnr(&secret, &hider.reveal(&jpeg, 1).unwrap()[0]);
        let noisy = noise(&container, 2.0, &mut StdRng::seed_from_u64(3));
        let after_noise = psnr(&secret, &hider.reveal(&noisy, 1).unwrap()[0]);
        assert!(lossless > 28.0, "lossless {lossless}");
        assert!(
            after_jpeg > lossless - 6.0 && after_jpeg > 24.0,
            "jpeg {after_jpeg}"
        );
        assert!(after_noise > 22.0, "noise {after_noise}");
        // Without the code's remainders the same reveal reads nothing of the secret.
        let nothing = psnr(&secret, &hider.reveal(&cover, 1).unwrap()[0]);
        assert!(nothing < lossless - 10.0, "cover alone {nothing}");
    }

    #[test]
    fn pair_balanced_rounding_moves_samples_by_at_most_one_level() {
        let (cover, secret) = (photo(64, 64, 7.0), photo(64, 64, 9.0));
        let nearest = hider()
            .clone()
            .with_rounding(Rounding::Nearest)
            .hide(&cover, std::slice::from_ref(&secret))
            .unwrap();
        let balanced = hider().hide(&cover, std::slice::from_ref(&secret)).unwrap();
        assert_eq!(hider().rounding(), Rounding::PairBalance);
        assert_ne!(balanced, nearest);
        let moved = nearest.as_bytes().iter().zip(balanced.as_bytes());
        assert!(moved.clone().all(|(a, b)| a.abs_diff(*b) <= 1));
        let revealed = |c: &RgbImage| psnr(&secret, &hider().reveal(c, 1).unwrap()[0]);
        assert!(revealed(&balanced) > revealed(&nearest) - 0.5);
    }

    #[test]
    fn bad_sizes_and_counts_are_refused() {
        let hider = hider();
        let small = photo(15, 40, 0.0);
        assert!(hider.hide(&small, std::slice::from_ref(&small)).is_err());
        assert!(hider.reveal(&small, 1).is_err());
        let cover = photo(32, 32, 0.0);
        assert!(hider.hide(&cover, &[cover.clone(), cover.clone()]).is_err());
        assert!(hider.hide(&cover, &[photo(32, 48, 0.0)]).is_err());
        assert!(hider.reveal(&cover, 2).is_err());
    }
}
