//! Real distortions a container meets after it leaves plainsight: JPEG
//! re-encoding, sensor-like noise, resizing. Used by `eval --attack` and,
//! through [`crate::channel`], by robust training.

use rand::rngs::StdRng;
use rand::Rng;
use rand_distr::{Distribution, Normal};

use crate::error::{Error, Result};
use crate::pixels::RgbImage;

/// A resampling filter, as image software offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Linear interpolation (Pillow's and browsers' `bilinear`; `image`'s `Triangle`).
    Bilinear,
    /// Cubic convolution (Catmull-Rom; photo editors' and phones' usual choice).
    Bicubic,
    /// Lanczos with 3 lobes.
    Lanczos,
}

impl Filter {
    pub const ALL: [Filter; 3] = [Filter::Bilinear, Filter::Bicubic, Filter::Lanczos];

    fn parse(text: &str) -> Option<Filter> {
        match text {
            "bilinear" => Some(Filter::Bilinear),
            "bicubic" => Some(Filter::Bicubic),
            "lanczos" => Some(Filter::Lanczos),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Filter::Bilinear => "bilinear",
            Filter::Bicubic => "bicubic",
            Filter::Lanczos => "lanczos",
        }
    }

    fn kernel(self) -> image::imageops::FilterType {
        match self {
            Filter::Bilinear => image::imageops::FilterType::Triangle,
            Filter::Bicubic => image::imageops::FilterType::CatmullRom,
            Filter::Lanczos => image::imageops::FilterType::Lanczos3,
        }
    }
}

/// JPEG quality of the chat-app pipeline ([`Attack::Chat`]) in `eval`; training
/// draws it from [`CHAT_QUALITIES`].
pub const CHAT_QUALITY: u8 = 80;

/// The JPEG qualities chat apps and photo sites were seen to use.
pub const CHAT_QUALITIES: (u8, u8) = (70, 85);

/// One distortion with fixed parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attack {
    /// Encode as JPEG at this quality (1–100) with chroma subsampled 2×2 (4:2:0),
    /// as libjpeg(-turbo), Pillow, browsers, phones and chat apps save by default,
    /// and decode again (`jpeg-encoder`, libjpeg's tables and quality scaling;
    /// within 43.5 dB of Pillow's output on bsds500/val crops, docs/results.md).
    Jpeg420(u8),
    /// The same with chroma at full resolution (4:4:4, the `image` crate's encoder,
    /// which `hide --allow-lossy` writes).
    Jpeg444(u8),
    /// Add Gaussian noise of this standard deviation (in 8-bit levels), then round.
    Noise(f32),
    /// Resize to this fraction of the size and back to the original size.
    Resize(f32, Filter),
    /// What a chat app does: downscale to this fraction (bicubic), JPEG 4:2:0 at
    /// the given quality, and the receiver's upscale back to the original size.
    Chat(f32, u8),
    /// Replace the lowest bit of this share of the samples (0–1, drawn at random)
    /// with a random bit: what the exact layer (`hide --exact-layer SHARE`) does to
    /// the network's container when it writes its whitened bits.
    LowBit(f32),
}

impl Attack {
    /// Parses `jpeg:90` (4:2:0; `jpeg420:90` says the same), `jpeg444:90`,
    /// `noise:2`, `resize:0.75` (Lanczos) or `resize:0.75:bilinear|bicubic|lanczos`,
    /// `chat:0.75` (JPEG quality 80) or `chat:0.75:70`, and `lowbit:1`.
    pub fn parse(text: &str) -> Result<Attack> {
        let invalid = |why: &str| Error::Invalid(format!("attack `{text}`: {why}"));
        let mut parts = text.split(':');
        let kind = parts.next().unwrap_or_default();
        let value = parts.next().ok_or_else(|| invalid("expected KIND:VALUE"))?;
        let option = parts.next();
        if parts.next().is_some() {
            return Err(invalid("too many `:`"));
        }
        let number: f32 = value
            .parse()
            .map_err(|_| invalid(&format!("`{value}` is not a number")))?;
        let quality = |q: f32| (1.0..=100.0).contains(&q).then(|| q.round() as u8);
        let scale = |f: f32| (f > 0.05 && f <= 1.0).then_some(f);
        let attack = match (kind, option) {
            ("jpeg" | "jpeg420", None) => quality(number).map(Attack::Jpeg420),
            ("jpeg444", None) => quality(number).map(Attack::Jpeg444),
            ("noise", None) => (0.0..=64.0)
                .contains(&number)
                .then_some(Attack::Noise(number)),
            ("resize", filter) => {
                let filter = match filter {
                    None => Filter::Lanczos,
                    Some(name) => Filter::parse(name).ok_or_else(|| {
                        invalid(&format!(
                            "unknown filter `{name}` (bilinear, bicubic or lanczos)"
                        ))
                    })?,
                };
                scale(number).map(|f| Attack::Resize(f, filter))
            }
            ("chat", q) => {
                let q = match q {
                    None => Some(CHAT_QUALITY),
                    Some(q) => q.parse::<f32>().ok().and_then(quality),
                };
                scale(number).zip(q).map(|(f, q)| Attack::Chat(f, q))
            }
            ("lowbit", None) => (number > 0.0 && number <= 1.0).then_some(Attack::LowBit(number)),
            ("jpeg" | "jpeg420" | "jpeg444" | "noise" | "lowbit", Some(_)) => {
                return Err(invalid("takes one value"))
            }
            _ => {
                return Err(invalid(&format!(
                    "unknown kind `{kind}` (jpeg, jpeg444, noise, resize, chat or lowbit)"
                )))
            }
        };
        attack.ok_or_else(|| {
            invalid("out of range (jpeg quality 1–100, noise 0–64, resize and chat scale 0.05–1, lowbit share above 0 to 1)")
        })
    }

    /// Applies the distortion; `rng` draws the noise.
    pub fn apply(&self, image: &RgbImage, rng: &mut StdRng) -> Result<RgbImage> {
        match *self {
            Attack::Jpeg420(quality) => jpeg_420(image, quality),
            Attack::Jpeg444(quality) => jpeg(image, quality),
            Attack::Noise(sigma) => Ok(noise(image, sigma, rng)),
            Attack::Resize(scale, filter) => Ok(resize_round_trip(image, scale, filter)),
            Attack::Chat(scale, quality) => {
                let (w, h) = (image.width(), image.height());
                let small = resize(image, scaled(w, scale), scaled(h, scale), Filter::Bicubic);
                let sent = jpeg_420(&small, quality)?;
                Ok(resize(&sent, w, h, Filter::Bicubic))
            }
            Attack::LowBit(share) => Ok(low_bit(image, share, rng)),
        }
    }
}

impl std::fmt::Display for Attack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attack::Jpeg420(q) => write!(f, "jpeg:{q}"),
            Attack::Jpeg444(q) => write!(f, "jpeg444:{q}"),
            Attack::Noise(s) => write!(f, "noise:{s}"),
            Attack::Resize(s, filter) => write!(f, "resize:{s}:{}", filter.name()),
            Attack::Chat(s, q) => write!(f, "chat:{s}:{q}"),
            Attack::LowBit(s) => write!(f, "lowbit:{s}"),
        }
    }
}

/// A family of distortions with parameters drawn per use, e.g. `jpeg:50-95`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttackRange {
    None,
    Jpeg420(u8, u8),
    Jpeg444(u8, u8),
    Noise(f32, f32),
    /// Scales and a filter, or any of the three filters drawn per use (`None`).
    Resize(f32, f32, Option<Filter>),
    /// Scales; the JPEG quality is drawn from [`CHAT_QUALITIES`].
    Chat(f32, f32),
    LowBit(f32, f32),
}

impl AttackRange {
    /// Parses a comma-separated list such as `none,jpeg:50-95,noise:0-3,resize:0.5-1`:
    /// `jpeg` (or `jpeg420`) and `jpeg444` take quality ranges, `noise` a σ range,
    /// `resize` a scale range and draws its filter per use unless one is named
    /// (`resize:0.5-1:bicubic`), `chat` a scale range.
    pub fn parse_list(text: &str) -> Result<Vec<AttackRange>> {
        text.split(',')
            .map(|item| {
                let item = item.trim();
                if item == "none" {
                    return Ok(AttackRange::None);
                }
                let invalid = |why: &str| Error::Invalid(format!("attacks: `{item}` {why}"));
                let mut parts = item.splitn(3, ':');
                let (kind, range) = match (parts.next(), parts.next()) {
                    (Some(kind), Some(range)) => (kind, range),
                    _ => return Err(invalid("is not KIND:LOW-HIGH or none")),
                };
                let filter = parts.next();
                let (low, high) = range.split_once('-').unwrap_or((range, range));
                let one = |value: &str| match (kind, filter) {
                    ("resize", Some(filter)) => Attack::parse(&format!("resize:{value}:{filter}")),
                    (_, Some(_)) => Err(invalid("takes a filter only for resize")),
                    _ => Attack::parse(&format!("{kind}:{value}")),
                };
                let range = match (one(low)?, one(high)?) {
                    (Attack::Jpeg420(a), Attack::Jpeg420(b)) if a <= b => {
                        AttackRange::Jpeg420(a, b)
                    }
                    (Attack::Jpeg444(a), Attack::Jpeg444(b)) if a <= b => {
                        AttackRange::Jpeg444(a, b)
                    }
                    (Attack::Noise(a), Attack::Noise(b)) if a <= b => AttackRange::Noise(a, b),
                    (Attack::Resize(a, f), Attack::Resize(b, _)) if a <= b => {
                        AttackRange::Resize(a, b, filter.map(|_| f))
                    }
                    (Attack::Chat(a, _), Attack::Chat(b, _)) if a <= b => AttackRange::Chat(a, b),
                    (Attack::LowBit(a), Attack::LowBit(b)) if a <= b => AttackRange::LowBit(a, b),
                    _ => return Err(invalid("needs LOW-HIGH with LOW ≤ HIGH")),
                };
                Ok(range)
            })
            .collect()
    }

    /// One attack from the range (`None` for no distortion).
    pub fn sample(&self, rng: &mut StdRng) -> Option<Attack> {
        match *self {
            AttackRange::None => None,
            AttackRange::Jpeg420(a, b) => Some(Attack::Jpeg420(rng.random_range(a..=b))),
            AttackRange::Jpeg444(a, b) => Some(Attack::Jpeg444(rng.random_range(a..=b))),
            AttackRange::Noise(a, b) => Some(Attack::Noise(rng.random_range(a..=b))),
            AttackRange::Resize(a, b, filter) => {
                let scale = rng.random_range(a..=b);
                let filter = filter.unwrap_or(Filter::ALL[rng.random_range(0..3)]);
                Some(Attack::Resize(scale, filter))
            }
            AttackRange::Chat(a, b) => {
                let (low, high) = CHAT_QUALITIES;
                Some(Attack::Chat(
                    rng.random_range(a..=b),
                    rng.random_range(low..=high),
                ))
            }
            AttackRange::LowBit(a, b) => Some(Attack::LowBit(rng.random_range(a..=b))),
        }
    }
}

/// `side · scale`, rounded, at least 1.
fn scaled(side: usize, scale: f32) -> usize {
    ((side as f32 * scale).round() as usize).max(1)
}

/// `image` resized to `width`×`height` with `filter`.
fn resize(image: &RgbImage, width: usize, height: usize, filter: Filter) -> RgbImage {
    let buffer = image::RgbImage::from(image);
    image::imageops::resize(&buffer, width as u32, height as u32, filter.kernel()).into()
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
    decode_jpeg(&encode_jpeg_420(image, quality)?)
}

/// The JPEG file [`jpeg_420`] goes through, as bytes (what the web page's reencode
/// channel delivers).
pub fn encode_jpeg_420(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
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
    Ok(bytes)
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

/// Each sample, with probability `share`, gets a random lowest bit.
pub fn low_bit(image: &RgbImage, share: f32, rng: &mut StdRng) -> RgbImage {
    let data = image
        .as_bytes()
        .iter()
        .map(|&v| match rng.random::<f32>() < share {
            true => (v & !1) | rng.random::<u8>() & 1,
            false => v,
        })
        .collect();
    RgbImage::new(image.width(), image.height(), data).expect("same size")
}

/// Down to `scale` of the size and back up, both with `filter`.
pub fn resize_round_trip(image: &RgbImage, scale: f32, filter: Filter) -> RgbImage {
    let (w, h) = (image.width(), image.height());
    let small = resize(image, scaled(w, scale), scaled(h, scale), filter);
    resize(&small, w, h, filter)
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
        assert!(damage("jpeg444:95", &mut rng) > damage("jpeg444:30", &mut rng));
        assert_eq!(
            Attack::parse("jpeg:80").unwrap(),
            Attack::parse("jpeg420:80").unwrap()
        );
        for filter in ["bilinear", "bicubic", "lanczos"] {
            let near = damage(&format!("resize:0.9:{filter}"), &mut rng);
            assert!(
                near > damage(&format!("resize:0.4:{filter}"), &mut rng),
                "{filter}"
            );
        }
        assert!(damage("chat:0.9", &mut rng) > damage("chat:0.5:70", &mut rng));
        // Half the samples of a share-1 flip change by one level: MSE 1/2, 51.1 dB.
        let flipped = damage("lowbit:1", &mut rng);
        assert!((50.5..51.8).contains(&flipped), "lowbit:1 gave {flipped}");
        assert!(damage("lowbit:0.25", &mut rng) > flipped + 5.0);
        assert_eq!(
            Attack::parse("chat:0.75").unwrap(),
            Attack::Chat(0.75, CHAT_QUALITY)
        );
        for bad in [
            "jpeg:0",
            "jpeg420:101",
            "noise:x",
            "blur:2",
            "resize:1.5",
            "resize:0.5:nearest",
            "jpeg:80:1",
            "chat:0.5:0",
            "lowbit:0",
            "lowbit:1.5",
            "lowbit:1:2",
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
                Some(Attack::Jpeg420(q)) => assert!((50..=95).contains(&q)),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(list[0].sample(&mut rng), None);
        assert!(AttackRange::parse_list("jpeg:95-50").is_err());
        assert_eq!(
            AttackRange::parse_list("jpeg420:70-90,jpeg444:60-70").unwrap(),
            [AttackRange::Jpeg420(70, 90), AttackRange::Jpeg444(60, 70)]
        );
        let resize =
            AttackRange::parse_list("resize:0.5-1,resize:0.5-1:bicubic,chat:0.5-0.9").unwrap();
        assert_eq!(
            resize[1],
            AttackRange::Resize(0.5, 1.0, Some(Filter::Bicubic))
        );
        let filters: std::collections::HashSet<&str> = (0..60)
            .map(|_| match resize[0].sample(&mut rng) {
                Some(Attack::Resize(s, filter)) if (0.5..=1.0).contains(&s) => filter.name(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(filters.len(), 3, "every filter is drawn");
        for _ in 0..30 {
            match resize[2].sample(&mut rng) {
                Some(Attack::Chat(s, q)) => {
                    assert!((0.5..=0.9).contains(&s) && (70..=85).contains(&q))
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(AttackRange::parse_list("jpeg:50-90:bicubic").is_err());
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
