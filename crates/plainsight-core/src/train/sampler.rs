//! Training data: random crops of random photos, mirrored half of the time.

use burn::prelude::*;
use rand::rngs::StdRng;
use rand::Rng;

use crate::error::{Error, Result};
use crate::pixels::{images_to_tensor, RgbImage};

/// Photos to cut training crops from.
pub struct CropSampler {
    photos: Vec<RgbImage>,
    crop: usize,
}

impl CropSampler {
    /// Keeps the photos at least `crop` pixels on each side.
    pub fn new(photos: Vec<RgbImage>, crop: usize) -> Result<Self> {
        let photos: Vec<RgbImage> = photos
            .into_iter()
            .filter(|p| p.width() >= crop && p.height() >= crop)
            .collect();
        if photos.len() < 2 {
            return Err(Error::Data(format!(
                "need at least 2 photos of {crop}x{crop} pixels or more, found {}",
                photos.len()
            )));
        }
        Ok(CropSampler { photos, crop })
    }

    /// The photos crops are cut from.
    pub fn photos(&self) -> &[RgbImage] {
        &self.photos
    }

    /// A random crop of a random photo, mirrored half of the time.
    pub fn sample(&self, rng: &mut StdRng) -> RgbImage {
        let photo = &self.photos[rng.random_range(0..self.photos.len())];
        let x = rng.random_range(0..=photo.width() - self.crop);
        let y = rng.random_range(0..=photo.height() - self.crop);
        let crop = photo.crop(x, y, self.crop, self.crop);
        if rng.random_bool(0.5) {
            crop.flip_horizontal()
        } else {
            crop
        }
    }

    /// A batch of independent crops as one tensor `[batch, 3, crop, crop]`.
    pub(crate) fn batch<B: Backend>(
        &self,
        size: usize,
        rng: &mut StdRng,
        device: &B::Device,
    ) -> Tensor<B, 4> {
        let crops: Vec<RgbImage> = (0..size).map(|_| self.sample(rng)).collect();
        let refs: Vec<&RgbImage> = crops.iter().collect();
        images_to_tensor(&refs, device)
    }
}
