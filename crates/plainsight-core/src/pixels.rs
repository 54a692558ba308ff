//! 8-bit RGB pixel buffers: the one image type of the library, its conversions to
//! and from tensors and `image` crate buffers, and resizing.

use burn::prelude::*;

use crate::error::{Error, Result};

/// An 8-bit RGB image, rows top to bottom, pixels as `r, g, b` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl RgbImage {
    /// Wraps `data` (`width · height · 3` bytes).
    pub fn new(width: usize, height: usize, data: Vec<u8>) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(Error::EmptyImage { width, height });
        }
        let expected = width * height * 3;
        if data.len() != expected {
            return Err(Error::BufferSize {
                width,
                height,
                expected,
                got: data.len(),
            });
        }
        Ok(RgbImage {
            width,
            height,
            data,
        })
    }

    /// An image of one colour.
    pub fn filled(width: usize, height: usize, rgb: [u8; 3]) -> Result<Self> {
        let data = rgb.repeat(width * height);
        RgbImage::new(width, height, data)
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// The raw `r, g, b` bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Gives the bytes back.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// The pixel at column `x`, row `y`.
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Sets the pixel at column `x`, row `y`; coordinates outside the image are ignored.
    pub fn set_pixel(&mut self, x: usize, y: usize, rgb: [u8; 3]) {
        if x < self.width && y < self.height {
            let i = (y * self.width + x) * 3;
            self.data[i..i + 3].copy_from_slice(&rgb);
        }
    }

    /// The `width`×`height` region whose top-left corner is (`x`, `y`); it must lie inside.
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> RgbImage {
        assert!(
            x + width <= self.width && y + height <= self.height,
            "crop outside image"
        );
        let mut data = Vec::with_capacity(width * height * 3);
        for row in y..y + height {
            let start = (row * self.width + x) * 3;
            data.extend_from_slice(&self.data[start..start + width * 3]);
        }
        RgbImage {
            width,
            height,
            data,
        }
    }

    /// Grows the image to `width`×`height` by repeating its last column and row.
    pub fn pad_edge(&self, width: usize, height: usize) -> RgbImage {
        assert!(width >= self.width && height >= self.height);
        let mut data = Vec::with_capacity(width * height * 3);
        for row in 0..height {
            let src = row.min(self.height - 1) * self.width * 3;
            data.extend_from_slice(&self.data[src..src + self.width * 3]);
            let last = &self.data[src + (self.width - 1) * 3..src + self.width * 3];
            for _ in self.width..width {
                data.extend_from_slice(last);
            }
        }
        RgbImage {
            width,
            height,
            data,
        }
    }

    /// Copies `tile` into this image with its top-left corner at (`x`, `y`).
    pub fn paste(&mut self, tile: &RgbImage, x: usize, y: usize) {
        assert!(x + tile.width <= self.width && y + tile.height <= self.height);
        for row in 0..tile.height {
            let dst = ((y + row) * self.width + x) * 3;
            let src = row * tile.width * 3;
            self.data[dst..dst + tile.width * 3]
                .copy_from_slice(&tile.data[src..src + tile.width * 3]);
        }
    }

    /// The same image mirrored left to right.
    pub fn flip_horizontal(&self) -> RgbImage {
        let mut data = Vec::with_capacity(self.data.len());
        for row in 0..self.height {
            for col in (0..self.width).rev() {
                let i = (row * self.width + col) * 3;
                data.extend_from_slice(&self.data[i..i + 3]);
            }
        }
        RgbImage {
            width: self.width,
            height: self.height,
            data,
        }
    }
}

impl RgbImage {
    /// The image as planar RGB (`3 × height × width` values) in 0..=1: the layout
    /// of one image in [`images_to_tensor`] and of the direct path's inputs.
    pub(crate) fn planar(&self) -> Vec<f32> {
        let plane = self.width * self.height;
        let mut values = vec![0f32; 3 * plane];
        for (p, rgb) in self.data.chunks_exact(3).enumerate() {
            for (c, v) in rgb.iter().enumerate() {
                values[c * plane + p] = f32::from(*v) / 255.0;
            }
        }
        values
    }
}

/// Stacks same-size images into one tensor with values in 0..=1.
///
/// # Shapes
/// `n` images of `width`×`height` → `[n, 3, height, width]`
pub fn images_to_tensor<B: Backend>(images: &[&RgbImage], device: &B::Device) -> Tensor<B, 4> {
    let (width, height) = (images[0].width, images[0].height);
    let plane = width * height;
    let mut values = Vec::with_capacity(images.len() * 3 * plane);
    for image in images {
        assert_eq!(
            (image.width, image.height),
            (width, height),
            "batch of mixed sizes"
        );
        values.extend(image.planar());
    }
    Tensor::<B, 1>::from_floats(values.as_slice(), device).reshape([images.len(), 3, height, width])
}

/// Rounds a `[n, 3, height, width]` tensor to `n` 8-bit images (values clamped to 0..=1).
pub fn tensor_to_images<B: Backend>(tensor: Tensor<B, 4>) -> Vec<RgbImage> {
    let [n, channels, height, width] = tensor.dims();
    assert_eq!(channels, 3, "expected RGB tensor");
    let values = tensor
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .expect("float tensor");
    let plane = width * height;
    (0..n)
        .map(|i| {
            let base = i * 3 * plane;
            let mut data = Vec::with_capacity(3 * plane);
            for p in 0..plane {
                for c in 0..3 {
                    data.push(to_byte(values[base + c * plane + p]));
                }
            }
            RgbImage {
                width,
                height,
                data,
            }
        })
        .collect()
}

/// 0..=1 to the nearest byte, as an 8-bit PNG would store it.
pub fn to_byte(value: f32) -> u8 {
    (value.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// A level in 0..=255 (not yet rounded) to the nearest byte.
pub(crate) fn nearest_level(value: f32) -> u8 {
    value.round().clamp(0.0, 255.0) as u8
}

/// Fails unless `got` has `expected`'s width and height.
pub fn check_same_size(expected: &RgbImage, got: &RgbImage) -> Result<()> {
    if (expected.width(), expected.height()) != (got.width(), got.height()) {
        return Err(Error::SizeMismatch {
            expected_width: expected.width(),
            expected_height: expected.height(),
            got_width: got.width(),
            got_height: got.height(),
        });
    }
    Ok(())
}

impl RgbImage {
    /// Resized to exactly `width`×`height` with Lanczos 3 (aspect ratio not kept);
    /// a copy when the size is already right.
    pub fn resized(&self, width: usize, height: usize) -> RgbImage {
        if (self.width, self.height) == (width, height) {
            return self.clone();
        }
        let filter = image::imageops::FilterType::Lanczos3;
        let buffer = image::RgbImage::from(self);
        image::imageops::resize(&buffer, width as u32, height as u32, filter).into()
    }
}

/// The pixels as an `image` crate buffer (a copy).
impl From<&RgbImage> for image::RgbImage {
    fn from(pixels: &RgbImage) -> image::RgbImage {
        image::RgbImage::from_raw(
            pixels.width as u32,
            pixels.height as u32,
            pixels.data.clone(),
        )
        .expect("buffer matches its size")
    }
}

/// An `image` crate buffer as pixels (no copy).
impl From<image::RgbImage> for RgbImage {
    fn from(buffer: image::RgbImage) -> RgbImage {
        let (w, h) = buffer.dimensions();
        RgbImage::new(w as usize, h as usize, buffer.into_raw()).expect("buffer matches its size")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::CpuBackend;

    fn gradient(width: usize, height: usize) -> RgbImage {
        let data = (0..width * height * 3)
            .map(|i| (i * 7 % 256) as u8)
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn tensor_round_trip_is_lossless() {
        let a = gradient(5, 3);
        let b = gradient(5, 3).flip_horizontal();
        let tensor = images_to_tensor::<CpuBackend>(&[&a, &b], &Default::default());
        assert_eq!(tensor.dims(), [2, 3, 3, 5]);
        assert_eq!(tensor_to_images(tensor), vec![a, b]);
    }

    #[test]
    fn rejects_wrong_buffer_length() {
        assert!(matches!(
            RgbImage::new(2, 2, vec![0; 11]),
            Err(Error::BufferSize {
                expected: 12,
                got: 11,
                ..
            })
        ));
        assert!(RgbImage::new(0, 2, vec![]).is_err());
    }

    #[test]
    fn crop_pad_and_paste_agree() {
        let image = gradient(7, 5);
        let crop = image.crop(2, 1, 3, 2);
        assert_eq!(crop.pixel(0, 0), image.pixel(2, 1));
        assert_eq!(crop.pixel(2, 1), image.pixel(4, 2));
        let padded = image.pad_edge(9, 6);
        assert_eq!(padded.pixel(8, 5), image.pixel(6, 4));
        assert_eq!(padded.pixel(3, 5), image.pixel(3, 4));
        let mut canvas = RgbImage::filled(7, 5, [0, 0, 0]).unwrap();
        canvas.paste(&crop, 2, 1);
        assert_eq!(canvas.crop(2, 1, 3, 2), crop);
        canvas.set_pixel(6, 4, [1, 2, 3]);
        canvas.set_pixel(7, 0, [9, 9, 9]); // outside: ignored
        assert_eq!(canvas.pixel(6, 4), [1, 2, 3]);
    }
}
