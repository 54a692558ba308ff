//! Reading and writing image files; everything becomes 8-bit RGB.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use plainsight_core::RgbImage;

/// Extensions `train` and `eval` pick up when they walk a folder.
const PHOTO_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"];

/// The formats [`decode`] reads, as messages name them (one list, so they agree).
pub const FORMATS: &str = "PNG, JPEG, TIFF or BMP";

/// Largest image we agree to decode (pixels), so a hostile file cannot eat all memory.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Decodes any supported file; grey, alpha and 16-bit images are converted to 8-bit RGB
/// (alpha is dropped: transparent pixels keep their colour).
pub fn load(path: &Path) -> Result<RgbImage> {
    decode_named(&read(path)?, path)
}

/// The bytes of the file at `path`, or of standard input for `-`.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    if crate::output::is_stdio(path) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .context("cannot read the image from standard input")?;
        return Ok(bytes);
    }
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// [`decode`], the error naming the file the bytes came from.
pub fn decode_named(bytes: &[u8], path: &Path) -> Result<RgbImage> {
    decode(bytes).map_err(|e| match e.is::<TooLarge>() || e.is::<Truncated>() {
        true => e.context(path.display().to_string()),
        false => e.context(format!("{} is not a readable image", path.display())),
    })
}

/// Whether `bytes` start as a JPEG file does (its content, not its name).
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// A JPEG file that stops before its end: decoders fill the missing part with grey
/// and report success, so it is refused here instead.
#[derive(Debug)]
pub struct Truncated;

impl std::fmt::Display for Truncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the JPEG file is cut short (no end marker after its last scan): it was not completely downloaded or copied")
    }
}

impl std::error::Error for Truncated {}

/// Whether JPEG `bytes` end their last scan with the end-of-image marker. Inside a
/// scan a 0xFF byte is always followed by 0x00 or a restart marker, so the last
/// start-of-scan marker (FF DA) and an end marker (FF D9) after it are found
/// reliably; an EXIF thumbnail's own markers come before the main image's scans.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let marker = |m: u8| bytes.windows(2).rposition(|w| w == [0xFF, m]);
    match (marker(0xDA), marker(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

/// An image with more pixels than the caller accepts.
#[derive(Debug)]
pub struct TooLarge {
    pub width: u32,
    pub height: u32,
    pub max_pixels: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "image is {}x{}, more than the {} pixels we accept",
            self.width, self.height, self.max_pixels
        )
    }
}

impl std::error::Error for TooLarge {}

/// Decodes image bytes (PNG, JPEG, TIFF or BMP, found from the content).
pub fn decode(bytes: &[u8]) -> Result<RgbImage> {
    decode_limited(bytes, MAX_PIXELS)
}

/// [`decode`], refusing images of more than `max_pixels` before decoding them.
pub fn decode_limited(bytes: &[u8], max_pixels: u64) -> Result<RgbImage> {
    // Reading the size consumes a reader, so the header check and the decode each get one.
    let reader = || -> Result<image::ImageReader<std::io::Cursor<&[u8]>>> {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .context("cannot guess the image format")?;
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(max_pixels * 8);
        reader.limits(limits);
        Ok(reader)
    };
    let header = reader()?;
    let format = header.format();
    let (width, height) = header.into_dimensions().context("cannot read image size")?;
    if width as u64 * height as u64 > max_pixels {
        return Err(TooLarge {
            width,
            height,
            max_pixels,
        }
        .into());
    }
    if format == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(Truncated.into());
    }
    let decoded = reader()?.decode()?;
    let rgb = decoded.into_rgb8();
    let (width, height) = rgb.dimensions();
    Ok(RgbImage::new(
        width as usize,
        height as usize,
        rgb.into_raw(),
    )?)
}

/// Encodes an image as PNG bytes.
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>> {
    let buffer = image::RgbImage::from(image);
    let mut bytes = Vec::new();
    buffer
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .context("cannot encode PNG")?;
    Ok(bytes)
}

/// All photos under `dir` (recursively), sorted by path.
pub fn find_photos(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries =
            fs::read_dir(&folder).with_context(|| format!("cannot list {}", folder.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if extension(&path).is_some_and(|e| PHOTO_EXTENSIONS.contains(&e.as_str())) {
                found.push(path);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        bail!("no {FORMATS} photos found in {}", dir.display());
    }
    Ok(found)
}

/// Loads every photo under `dir`, skipping (with a warning) files that do not decode.
pub fn load_photos(dir: &Path) -> Result<Vec<RgbImage>> {
    Ok(load_named_photos(dir)?
        .into_iter()
        .map(|(_, photo)| photo)
        .collect())
}

/// [`load_photos`] with each photo's path.
pub fn load_named_photos(dir: &Path) -> Result<Vec<(PathBuf, RgbImage)>> {
    let mut photos = Vec::new();
    for path in find_photos(dir)? {
        match load(&path) {
            Ok(photo) => photos.push((path, photo)),
            Err(e) => eprintln!("warning: skipping {}: {e:#}", path.display()),
        }
    }
    Ok(photos)
}

pub fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy(width: usize, height: usize) -> RgbImage {
        let data = (0..width * height * 3)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn a_cut_short_file_is_refused() {
        let image = noisy(64, 48);
        let png = encode_png(&image).unwrap();
        assert_eq!(decode(&png).unwrap(), image);
        assert!(decode(&png[..png.len() / 2]).is_err(), "half a PNG");
        let jpeg = plainsight_core::channel::attack::encode_jpeg(&image, 90).unwrap();
        assert!(decode(&jpeg).is_ok());
        for cut in [jpeg.len() / 2, jpeg.len() - 2] {
            let error = decode(&jpeg[..cut]).unwrap_err();
            assert!(error.is::<Truncated>(), "{cut} bytes: {error:#}");
        }
        // Bytes after the end marker (some cameras pad files) are harmless.
        let mut padded = jpeg.clone();
        padded.extend_from_slice(&[0; 16]);
        assert!(decode(&padded).is_ok());
    }

    #[test]
    fn a_folder_walk_finds_bmp_photos() {
        // T91, one of the training sets, is BMP: it must not be skipped silently.
        let dir = tempfile::tempdir().unwrap();
        let image = noisy(20, 12);
        image::RgbImage::from(&image)
            .save(dir.path().join("t1.BMP"))
            .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a photo").unwrap();
        let photos = load_named_photos(dir.path()).unwrap();
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0].1, image);
    }
}
