//! Compress and embed: the baseline anyone could script for a lossless channel.
//!
//! Each secret is compressed with a modern image codec at the highest quality whose
//! file fits its share of the container, and the files' bytes are written into the
//! cover's `bits` lowest bits, each sample moved to the nearest value that carries
//! the wanted bits (so the container error is at most `2^bits / 2` levels, about
//! 51 dB at one bit; up to `2^bits − 1` within a step of 0 or 255). Reveal reads the bytes back and decodes them; bytes damaged by
//! any lossy step do not decode, and reveal then returns flat grey.
//!
//! The codec is WebP (libwebp, built from source by the `webp` crate): of the codecs
//! whose encoder and decoder build here from crates.io alone it gives the most
//! quality per byte. Measured with Pillow on 12 bsds500/val 256×256 crops at one
//! bit's budget (24.6 KB): AVIF 41.9 dB, WebP 40.3, JPEG 4:4:4 37.2; at two bits
//! AVIF 46.3, JPEG 4:4:4 45.9, WebP 44.7 (docs/results.md). AVIF would need a
//! system AV1 decoder (Debian's dav1d is older than the Rust bindings accept).

use crate::error::{Error, Result};
use crate::hider::{check_hide_count, check_reveal_count};
use crate::pixels::{check_same_size, RgbImage};
use crate::Hider;

/// libwebp's limit on each side of a picture.
pub(crate) const WEBP_MAX_SIDE: usize = 16383;

/// Bytes before each secret's file: its length, little-endian.
const HEADER: usize = 4;

/// The grey reveal returns when a secret's bytes do not decode.
const LOST: [u8; 3] = [128, 128, 128];

/// `secrets` images compressed with WebP into `bits` low bits per sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecEmbed {
    bits: u32,
    secrets: usize,
}

impl CodecEmbed {
    /// `bits` low bits per sample (1 to 4) shared by `secrets` secrets (1 to 3).
    pub fn new(bits: u32, secrets: usize) -> Result<Self> {
        if !(1..=4).contains(&bits) {
            return Err(Error::Invalid(format!(
                "codec:K writes 1 to 4 low bits per sample, not {bits}"
            )));
        }
        crate::check_secret_count("secrets", secrets)?;
        Ok(CodecEmbed { bits, secrets })
    }

    /// Bytes of each secret's share of a `width`×`height` container, header included.
    fn share(&self, width: usize, height: usize) -> usize {
        width * height * 3 * self.bits as usize / 8 / self.secrets
    }
}

/// Pictures up to this many pixels get libwebp's slowest search ([`lossy_config`]).
const THOROUGH_PIXELS: usize = 2 << 20;

/// libwebp's lossy settings at `quality` for a picture of `pixels`, tuned for PSNR at
/// a fixed size rather than for the eye: no spatial noise shaping (which moves bits
/// from smooth areas to textured ones because the eye forgives errors there; PSNR does
/// not) and the most thorough search (method 6). On 40 bsds500/val crops under the
/// exact layer this gave keyed-3 +0.41 dB revealed and keyed-1 +0.14 dB over libwebp's
/// defaults (method 4, shaping 50). Above [`THOROUGH_PIXELS`] the defaults stay: there
/// method 6 doubled the layer's time (a 3-MP hide on two cores: 6.5 → 12.3 s).
fn lossy_config(quality: u32, pixels: usize) -> Option<webp::WebPConfig> {
    let mut config = webp::WebPConfig::new().ok()?;
    config.quality = quality as f32;
    if pixels <= THOROUGH_PIXELS {
        config.method = 6;
        config.sns_strength = 0;
    }
    Some(config)
}

/// The WebP file of `image` at `quality` (0–100); `None` if the encoder fails (out of
/// memory, or a side over [`WEBP_MAX_SIDE`]).
fn encode_at(image: &RgbImage, quality: u32) -> Option<Vec<u8>> {
    let config = lossy_config(quality, image.width() * image.height())?;
    let (width, height) = (image.width() as u32, image.height() as u32);
    webp::Encoder::from_rgb(image.as_bytes(), width, height)
        .encode_advanced(&config)
        .ok()
        .map(|file| file.to_vec())
}

/// The WebP file of `image` at the highest quality (0–100) that fits `budget` bytes.
pub(crate) fn compress(image: &RgbImage, budget: usize) -> Result<Vec<u8>> {
    let (width, height) = (image.width(), image.height());
    if width > WEBP_MAX_SIDE || height > WEBP_MAX_SIDE {
        return Err(Error::Invalid(format!(
            "WebP holds at most {WEBP_MAX_SIDE} pixels a side, not {width}x{height}"
        )));
    }
    // An encoder failure counts as a file that does not fit (of unknown size).
    let Some(smallest) = encode_at(image, 0).filter(|file| file.len() <= budget) else {
        return Err(Error::Invalid(format!(
            "the secret does not fit: even at quality 0 it takes more than the {budget} bytes the container holds"
        )));
    };
    // The file grows with quality: the highest that fits, by bracketing. A probe
    // between a fitting and a too-big quality is placed where the file size,
    // interpolated in log between the two, meets the budget (a 1-MP picture's file
    // costs 0.2 s an encode); after two probes on the same side, a halving instead,
    // so that the bracket always shrinks fast. Both end on the same adjacent pair.
    let (mut fits, mut too_big) = (0u32, 101u32);
    let (mut fits_size, mut too_big_size) = (smallest.len(), None::<usize>);
    let mut best = smallest;
    let mut same_side = 0;
    let mut last_fit = None;
    while too_big - fits > 1 {
        let middle = (fits + too_big) / 2;
        let quality = match too_big_size {
            Some(big) if same_side < 2 => {
                let at = |size: usize| (size.max(1) as f64).ln();
                let t = (at(budget) - at(fits_size)) / (at(big) - at(fits_size));
                let guess = fits as f64 + t * (too_big - fits) as f64;
                (guess.round() as u32).clamp(fits + 1, too_big - 1)
            }
            _ => middle,
        };
        let file = encode_at(image, quality);
        let fit = file.as_ref().is_some_and(|file| file.len() <= budget);
        same_side = if last_fit == Some(fit) {
            same_side + 1
        } else {
            1
        };
        last_fit = Some(fit);
        match file {
            Some(file) if fit => {
                fits = quality;
                fits_size = file.len();
                best = file;
            }
            other => {
                too_big = quality;
                too_big_size = other.map(|file| file.len());
            }
        }
    }
    Ok(best)
}

/// The secret in `file`, if it decodes to a `width`×`height` RGB image.
pub(crate) fn decompress(file: &[u8], width: usize, height: usize) -> Option<RgbImage> {
    // The size first, from the header: a hostile file that claims 16 383 × 16 383 pixels
    // would otherwise have libwebp allocate a gigabyte before the check below.
    let features = webp::BitstreamFeatures::new(file)?;
    if (features.width() as usize, features.height() as usize) != (width, height) {
        return None;
    }
    let decoded = webp::Decoder::new(file).decode()?;
    if (decoded.width() as usize, decoded.height() as usize) != (width, height) {
        return None;
    }
    let rgb: Vec<u8> = if decoded.is_alpha() {
        decoded
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect()
    } else {
        decoded.to_vec()
    };
    RgbImage::new(width, height, rgb).ok()
}

/// `value` moved to the nearest byte whose low `bits` bits are `word`.
fn carry(value: u8, word: u8, bits: u32) -> u8 {
    let step = 1i32 << bits;
    let base = (value as i32 & !(step - 1)) | word as i32;
    [base - step, base, base + step]
        .into_iter()
        .filter(|v| (0..=255).contains(v))
        .min_by_key(|v| (v - value as i32).abs())
        .expect("one candidate is a byte") as u8
}

impl Hider for CodecEmbed {
    fn secrets(&self) -> usize {
        self.secrets
    }

    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        check_hide_count(self.secrets, secrets.len())?;
        let share = self.share(cover.width(), cover.height());
        if share <= HEADER {
            return Err(Error::Invalid(
                "the cover is too small to carry a file".into(),
            ));
        }
        let mut payload = Vec::with_capacity(share * self.secrets);
        for secret in secrets {
            check_same_size(cover, secret)?;
            let file = compress(secret, share - HEADER)?;
            let start = payload.len();
            payload.extend_from_slice(&(file.len() as u32).to_le_bytes());
            payload.extend_from_slice(&file);
            payload.resize(start + share, 0);
        }
        // Bits in order, lowest first, `bits` per sample; samples past the payload
        // keep the cover's value.
        let mask = (1u32 << self.bits) - 1;
        let words = payload.len() * 8 / self.bits as usize;
        let word = |i: usize| {
            let (bit, mut value) = (i * self.bits as usize, 0u32);
            for b in 0..self.bits as usize {
                let at = bit + b;
                value |= ((payload[at / 8] >> (at % 8)) as u32 & 1) << b;
            }
            (value & mask) as u8
        };
        let data = cover
            .as_bytes()
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if i < words {
                    carry(v, word(i), self.bits)
                } else {
                    v
                }
            })
            .collect();
        RgbImage::new(cover.width(), cover.height(), data)
    }

    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        check_reveal_count(self.secrets, count)?;
        let (width, height) = (container.width(), container.height());
        let share = self.share(width, height);
        let mut payload = vec![0u8; share * self.secrets];
        let mask = (1u8 << self.bits) - 1;
        for (i, &v) in container.as_bytes().iter().enumerate() {
            for b in 0..self.bits as usize {
                let at = i * self.bits as usize + b;
                if at / 8 < payload.len() {
                    payload[at / 8] |= (((v & mask) >> b) & 1) << (at % 8);
                }
            }
        }
        (0..count)
            .map(|i| {
                let bytes = &payload[i * share..(i + 1) * share];
                let length =
                    u32::from_le_bytes(bytes[..HEADER].try_into().expect("4 bytes")) as usize;
                let file = bytes.get(HEADER..HEADER + length);
                match file.and_then(|file| decompress(file, width, height)) {
                    Some(secret) => Ok(secret),
                    None => RgbImage::filled(width, height, LOST),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;

    fn photo(width: usize, height: usize, seed: usize) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = ((p % width) as f64, (p / width) as f64);
                let v =
                    |f: f64| (128.0 + 90.0 * ((x * f + y * 0.7 + seed as f64) * 0.05).sin()) as u8;
                [v(1.0), v(0.6), v(1.3)]
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn nearest_carrier_moves_a_sample_by_half_a_step() {
        for bits in 1..=4 {
            for value in 0..=255u8 {
                for word in 0..(1u8 << bits) {
                    let moved = carry(value, word, bits);
                    assert_eq!(moved & ((1 << bits) - 1), word);
                    let moved_by = (moved as i32 - value as i32).abs();
                    // Half a step, but near 0 and 255 the nearer candidate may not exist.
                    let step = 1 << bits;
                    let near_an_end = value < step as u8 || value > 255 - step as u8;
                    let limit = if near_an_end { step - 1 } else { step / 2 };
                    assert!(moved_by <= limit, "{value} {word} {bits}: {moved}");
                }
            }
        }
    }

    #[test]
    fn secrets_come_back_compressed_and_the_cover_barely_moves() {
        let cover = photo(96, 64, 0);
        let secrets = [photo(96, 64, 40), photo(96, 64, 80)];
        let codec = CodecEmbed::new(2, 2).unwrap();
        let container = codec.hide(&cover, &secrets).unwrap();
        assert!(
            psnr(&cover, &container) > 44.0,
            "{}",
            psnr(&cover, &container)
        );
        let revealed = codec.reveal(&container, 2).unwrap();
        for (secret, back) in secrets.iter().zip(&revealed) {
            assert!(psnr(secret, back) > 30.0, "{}", psnr(secret, back));
        }
        // One flipped bit in the first file's length (sample 15 carries its bits 30
        // and 31): that secret is lost, not garbled.
        let mut damaged = container.as_bytes().to_vec();
        damaged[15] ^= 1;
        let damaged = RgbImage::new(96, 64, damaged).unwrap();
        let lost = codec.reveal(&damaged, 1).unwrap();
        assert_eq!(lost[0], RgbImage::filled(96, 64, LOST).unwrap());
        assert!(CodecEmbed::new(0, 1).is_err() && CodecEmbed::new(2, 4).is_err());
    }

    #[test]
    fn compress_ends_where_the_next_quality_would_not_fit() {
        let image = photo(48, 40, 7);
        let files: Vec<Vec<u8>> = (0..=100).map(|q| encode_at(&image, q).unwrap()).collect();
        let sizes: Vec<usize> = files.iter().map(Vec::len).collect();
        for budget in [
            sizes[0],
            sizes[20] + 3,
            sizes[55],
            sizes[90] - 1,
            sizes[100],
            1 << 20,
        ] {
            let file = compress(&image, budget).unwrap();
            // A tiny picture's size is not monotone in quality, so the search may stop
            // at any quality that fits while the next one does not (or at 100).
            // (Neighbouring qualities may give the same file: any of them will do.)
            assert!(file.len() <= budget, "budget {budget}");
            let ends_there = |q: usize| files[q] == file && (q == 100 || sizes[q + 1] > budget);
            assert!((0..=100).any(ends_there), "budget {budget}");
        }
    }

    #[test]
    fn a_file_of_another_size_or_none_at_all_decodes_to_nothing() {
        let file = compress(&photo(40, 24, 3), 10_000).unwrap();
        assert_eq!(decompress(&file, 40, 24).unwrap().width(), 40);
        assert!(decompress(&file, 24, 40).is_none());
        assert!(decompress(&file[..file.len() / 2], 40, 24).is_none());
        assert!(decompress(b"RIFF\0\0\0\0WEBPVP8 garbage", 40, 24).is_none());
        assert!(
            compress(&photo(40, 24, 3), 10).is_err(),
            "no file fits 10 bytes"
        );
    }
}
