//! Reading and writing image files; everything becomes 8-bit RGB.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use plainsight_core::channel::attack;
use plainsight_core::RgbImage;

/// Extensions `train` and `eval` pick up when they walk a folder.
const PHOTO_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "tif", "tiff"];

/// Largest image we agree to decode (pixels), so a hostile file cannot eat all memory.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Decodes any supported file; grey, alpha and 16-bit images are converted to 8-bit RGB
/// (alpha is dropped: transparent pixels keep their colour).
pub fn load(path: &Path) -> Result<RgbImage> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode(&bytes).with_context(|| format!("{} is not a readable image", path.display()))
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

/// Decodes image bytes (PNG, JPEG or TIFF, found from the content).
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
    let (width, height) = reader()?
        .into_dimensions()
        .context("cannot read image size")?;
    if width as u64 * height as u64 > max_pixels {
        return Err(TooLarge {
            width,
            height,
            max_pixels,
        }
        .into());
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

/// Checks that `path` names a PNG we may write: a lossy format would destroy the
/// hidden data, an input is never overwritten, and an existing file is kept unless `force`.
pub fn check_output(path: &Path, inputs: &[&PathBuf], force: bool) -> Result<()> {
    check_target(path, inputs, force, false)
}

/// [`check_output`], also accepting `.jpg`/`.jpeg` when `allow_jpeg` (a robust
/// model's container, written lossily on request).
pub fn check_target(path: &Path, inputs: &[&PathBuf], force: bool, allow_jpeg: bool) -> Result<()> {
    if let Ok(target) = path.canonicalize() {
        if inputs
            .iter()
            .any(|i| i.canonicalize().is_ok_and(|i| i == target))
        {
            bail!(
                "{} is also an input; choose another output name",
                path.display()
            );
        }
    }
    let ext = extension(path);
    match ext.as_deref() {
        Some("png") => {}
        Some("jpg" | "jpeg") if allow_jpeg => {}
        Some("jpg" | "jpeg" | "webp" | "gif") => bail!(
            "{} would be saved lossily ({}), which destroys the hidden image; use a .png file name \
             (--allow-lossy writes JPEG with --model robust or a model trained with `train --attacks`)",
            path.display(),
            ext.unwrap_or_default()
        ),
        _ => bail!("{}: output must be a .png file", path.display()),
    }
    if path.exists() && !force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    Ok(())
}

/// Writes a container as JPEG at `quality` if the name ends in .jpg/.jpeg (the same
/// encoder `eval --attack jpeg:Q` measures), else as PNG; returns the pixels the file
/// holds, which for a JPEG are not the container's.
pub fn save_container(path: &Path, image: RgbImage, quality: u8) -> Result<RgbImage> {
    if matches!(extension(path).as_deref(), Some("jpg" | "jpeg")) {
        let bytes = attack::encode_jpeg(&image, quality)?;
        write_atomically(path, &bytes)?;
        Ok(attack::decode_jpeg(&bytes)?)
    } else {
        save_png(path, &image)?;
        Ok(image)
    }
}

/// Writes a PNG through a temporary file and a rename, so a crash never leaves half a file.
pub fn save_png(path: &Path, image: &RgbImage) -> Result<()> {
    write_atomically(path, &encode_png(image)?)
}

/// Writes `bytes` to `path` via a temporary file in the same folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let mut file =
        fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
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
        bail!("no PNG, JPEG or TIFF photos found in {}", dir.display());
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

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}
