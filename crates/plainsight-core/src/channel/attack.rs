//! Real distortions a container meets after it leaves plainsight: JPEG
//! re-encoding, sensor-like noise, resizing. Used by `eval --attack` and,
//! through [`crate::channel`], by robust training.

use rand::rngs::StdRng;
use rand::Rng;
use rand_distr::{Distribution, Normal};

use crate::error::{Error, Result};
use crate::pixels::RgbImage;

/// One distortion with fixed parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attack {
    /// Encode as JPEG at this quality (1–100) and decode again, chroma at full
    /// resolution (4:4:4, the `image` crate's encoder, which `hide --allow-lossy` uses).
    Jpeg(u8),
    /// The same with chroma subsampled 2×2 (4:2:0), as libjpeg's `cjpeg`, Pillow and
    /// most cameras and web tools save by default.
    Jpeg420(u8),
    /// Add Gaussian noise of this standard deviation (in 8-bit levels), then round.
    Noise(f32),
    /// Resize to this fraction of the size (Lanczos 3) and back to the original size.
    Resize(f32),
}

impl Attack {
    /// Parses `jpeg:90`, `jpeg420:90`, `noise:2` or `resize:0.75`.
    pub fn parse(text: &str) -> Result<Attack> {
        let (kind, value) = text
            .split_once(':')
            .ok_or_else(|| Error::Invalid(format!("attack `{text}`: expected KIND:VALUE")))?;
        let number: f32 = value
            .parse()
            .map_err(|_| Error::Invalid(format!("attack `{text}`: `{value}` is not a number")))?;
        let attack = match kind {
            "jpeg" if (1.0..=100.0).contains(&number) => Attack::Jpeg(number.round() as u8),
            "jpeg420" if (1.0..=100.0).contains(&number) => Attack::Jpeg420(number.round() as u8),
            "noise" if (0.0..=64.0).contains(&number) => Attack::Noise(number),
            "resize" if number > 0.05 && number <= 1.0 => Attack::Resize(number),
            "jpeg" | "jpeg420" | "noise" | "resize" => {
                return Err(Error::Invalid(format!(
                    "attack `{text}`: out of range (jpeg 1–100, noise 0–64, resize 0.05–1)"
                )))
            }
            _ => {
                return Err(Error::Invalid(format!(
                    "attack `{text}`: unknown kind `{kind}` (jpeg, jpeg420, noise or resize)"
                )))
            }
        };
        Ok(attack)
    }

    /// Applies the distortion; `rng` draws the noise.
    pub fn apply(&self, image: &RgbImage, rng: &mut StdRng) -> Result<RgbImage> {
        match *self {
            Attack::Jpeg(quality) => jpeg(image, quality),
            Attack::Jpeg420(quality) => jpeg_420(image, quality),
            Attack::Noise(sigma) => Ok(noise(image, sigma, rng)),
            Attack::Resize(scale) => Ok(resize_round_trip(image, scale)),
        }
    }
}

impl std::fmt::Display for Attack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attack::Jpeg(q) => write!(f, "jpeg:{q}"),
            Attack::Jpeg420(q) => write!(f, "jpeg420:{q}"),
            Attack::Noise(s) => write!(f, "noise:{s}"),
            Attack::Resize(s) => write!(f, "resize:{s}"),
        }
    }
}

/// A family of distortions with parameters drawn per use, e.g. `jpeg:50-95`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttackRange {
    None,
    Jpeg(u8, u8),
    Jpeg420(u8, u8),
    Noise(f32, f32),
    Resize(f32, f32),
}

impl AttackRange {
    /// Parses a comma-separated list such as `none,jpeg:50-95,noise:0-3,resize:0.5-1`
    /// (`jpeg420:Q1-Q2` for subsampled chroma).
    pub fn parse_list(text: &str) -> Result<Vec<AttackRange>> {
        text.split(',')
            .map(|item| {
                let item = item.trim();
                if item == "none" {
                    return Ok(AttackRange::None);
                }
                let (kind, range) = item.split_once(':').ok_or_else(|| {
                    Error::Invalid(format!("attacks: `{item}` is not KIND:LOW-HIGH or none"))
                })?;
                let (low, high) = range.split_once('-').unwrap_or((range, range));
                let low = Attack::parse(&format!("{kind}:{low}"))?;
                let high = Attack::parse(&format!("{kind}:{high}"))?;
                match (low, high) {
                    (Attack::Jpeg(a), Attack::Jpeg(b)) if a <= b => Ok(AttackRange::Jpeg(a, b)),
                    (Attack::Jpeg420(a), Attack::Jpeg420(b)) if a <= b => {
                        Ok(AttackRange::Jpeg420(a, b))
                    }
                    (Attack::Noise(a), Attack::Noise(b)) if a <= b => Ok(AttackRange::Noise(a, b)),
                    (Attack::Resize(a), Attack::Resize(b)) if a <= b => {
                        Ok(AttackRange::Resize(a, b))
                    }
                    _ => Err(Error::Invalid(format!(
                        "attacks: `{item}` needs LOW-HIGH with LOW ≤ HIGH"
                    ))),
                }
            })
            .collect()
    }

    /// One attack from the range (`None` for no distortion).
    pub fn sample(&self, rng: &mut StdRng) -> Option<Attack> {
        match *self {
            AttackRange::None => None,
            AttackRange::Jpeg(a, b) => Some(Attack::Jpeg(rng.random_range(a..=b))),
            AttackRange::Jpeg420(a, b) => Some(Attack::Jpeg420(rng.random_range(a..=b))),
            AttackRange::Noise(a, b) => Some(Attack::Noise(rng.random_range(a..=b))),
            AttackRange::Resize(a, b) => Some(Attack::Resize(rng.random_range(a..=b))),
        }
    }
}

/// JPEG round trip in memory: the `image` crate's baseline encoder, which keeps
/// full-resolution chroma (4:4:4; many other encoders subsample it to 4:2:0).
pub fn jpeg(image: &RgbImage, quality: u8) -> Result<RgbImage> {
    decode_jpeg(&encode_jpeg(image, quality)?)
}

/// The JPEG file [`jpeg`] goes through (and `hide --allow-lossy` writes), as bytes.
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&image::RgbImage::from(image))
        .map_err(|e| Error::Invalid(format!("JPEG encode: {e}")))?;
    Ok(bytes)
}

/// The pixels of a JPEG file's bytes.
pub fn decode_jpeg(bytes: &[u8]) -> Result<RgbImage> {
    let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .map_err(|e| Error::Invalid(format!("JPEG decode: {e}")))?;
    Ok(decoded.into_rgb8().into())
}

/// JPEG round trip in memory with chroma subsampled 4:2:0 (the `jpeg-encoder`
/// crate, libjpeg's quality scaling; decoded by the `image` crate, which upsamples
/// the chroma back).
pub fn jpeg_420(image: &RgbImage, quality: u8) -> Result<RgbImage> {
    let (w, h) = (image.width(), image.height());
    let too_big = || Error::Invalid(format!("JPEG: {w}x{h} is larger than 65535 pixels a side"));
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder
        .encode(
            image.as_bytes(),
            u16::try_from(w).map_err(|_| too_big())?,
            u16::try_from(h).map_err(|_| too_big())?,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(|e| Error::Invalid(format!("JPEG encode: {e}")))?;
    decode_jpeg(&bytes)
}

/// Gaussian noise of `sigma` levels, rounded and clamped to bytes.
pub fn noise(image: &RgbImage, sigma: f32, rng: &mut StdRng) -> RgbImage {
    let normal = Normal::new(0.0f32, sigma.max(0.0)).expect("finite sigma");
    let data = image
        .as_bytes()
        .iter()
        .map(|&v| (v as f32 + normal.sample(rng)).round().clamp(0.0, 255.0) as u8)
        .collect();
    RgbImage::new(image.width(), image.height(), data).expect("same size")
}

/// Down to `scale` of the size and back up, both with Lanczos 3.
pub fn resize_round_trip(image: &RgbImage, scale: f32) -> RgbImage {
    let (w, h) = (image.width() as u32, image.height() as u32);
    let small = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    let filter = image::imageops::FilterType::Lanczos3;
    let down = image::imageops::resize(&image::RgbImage::from(image), small.0, small.1, filter);
    image::imageops::resize(&down, w, h, filter).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use rand::SeedableRng;

    fn wavy() -> RgbImage {
        let data = (0..64 * 48)
            .flat_map(|p| {
                let (x, y) = ((p % 64) as f32, (p / 64) as f32);
                [(128.0 + 100.0 * (x * 0.2).sin()) as u8, (y * 5.0) as u8, 90]
            })
            .collect();
        RgbImage::new(64, 48, data).unwrap()
    }

    #[test]
    fn attacks_parse_and_distort_by_their_strength() {
        let image = wavy();
        let mut rng = StdRng::seed_from_u64(1);
        let damage = |text: &str, rng: &mut StdRng| {
            let attacked = Attack::parse(text).unwrap().apply(&image, rng).unwrap();
            assert_eq!(attacked.width(), 64);
            psnr(&image, &attacked)
        };
        assert!(damage("jpeg:95", &mut rng) > damage("jpeg:30", &mut rng));
        assert!(damage("noise:1", &mut rng) > damage("noise:8", &mut rng));
        let noisy = damage("noise:2", &mut rng);
        assert!(
            (40.0..44.0).contains(&noisy),
            "σ=2 gives about 42 dB, got {noisy}"
        );
        assert!(damage("resize:0.9", &mut rng) > damage("resize:0.3", &mut rng));
        assert!(damage("jpeg420:95", &mut rng) > damage("jpeg420:30", &mut rng));
        for bad in [
            "jpeg:0",
            "jpeg420:101",
            "noise:x",
            "blur:2",
            "resize:1.5",
            "jpeg",
        ] {
            assert!(Attack::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_parse_and_sample_inside() {
        let list = AttackRange::parse_list("none,jpeg:50-95,noise:0-3,resize:0.5-1").unwrap();
        assert_eq!(list.len(), 4);
        let mut rng = StdRng::seed_from_u64(2);
        for _ in 0..50 {
            match list[1].sample(&mut rng) {
                Some(Attack::Jpeg(q)) => assert!((50..=95).contains(&q)),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(list[0].sample(&mut rng), None);
        assert!(AttackRange::parse_list("jpeg:95-50").is_err());
        assert_eq!(
            AttackRange::parse_list("jpeg420:70-90").unwrap(),
            [AttackRange::Jpeg420(70, 90)]
        );
    }

    #[test]
    fn subsampled_jpeg_loses_fine_colour_that_full_chroma_keeps() {
        // Red and blue swap every pixel column: colour detail at the finest scale.
        let data = (0..64 * 64)
            .flat_map(|p| match p % 2 {
                0 => [200, 60, 60],
                _ => [60, 60, 200],
            })
            .collect();
        let stripes = RgbImage::new(64, 64, data).unwrap();
        let full = psnr(&stripes, &jpeg(&stripes, 95).unwrap());
        let subsampled = psnr(&stripes, &jpeg_420(&stripes, 95).unwrap());
        assert!(
            full > subsampled + 10.0,
            "4:4:4 {full:.1} dB, 4:2:0 {subsampled:.1} dB"
        );
        assert_eq!(jpeg_420(&wavy(), 80).unwrap().width(), 64);
    }
}
