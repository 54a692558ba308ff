//! What hiding a user's photos means, in one place: every secret fitted to the
//! cover's size, scrambled with the key if there is one, the model's remaining
//! slots filled with flat grey, then hidden; reveal undoes the key. The CLI, the
//! web API and `eval` all hide through a [`Pipeline`], so they cannot disagree.

use crate::error::{Error, Result};
use crate::hiding::keys::Key;
use crate::model::check_secret_count;
use crate::pixels::RgbImage;
use crate::Hider;

/// The grey that fills the slots a model has beyond the secrets given; reveal of
/// those slots is never asked for.
const UNUSED_SLOT: [u8; 3] = [128, 128, 128];

/// A [`Hider`] (a model, a refining model, a baseline) with the steps around it.
///
/// ```
/// use plainsight_core::{CpuBackend, Pipeline, RgbImage, Stego, StegoConfig};
///
/// let device = Default::default();
/// let config = StegoConfig::new(3).unwrap();
/// let stego = Stego::<CpuBackend>::new(config.clone(), config.init(&device), device);
/// let cover = RgbImage::filled(32, 24, [90, 140, 200]).unwrap();
/// // One secret of another size in a three-secret model: resized, the rest grey.
/// let secret = RgbImage::filled(50, 50, [250, 200, 10]).unwrap();
/// let pipeline = Pipeline::new(&stego);
/// let container = pipeline.hide(&cover, &[secret]).unwrap();
/// let revealed = pipeline.reveal(&container, 1).unwrap();
/// assert_eq!((revealed[0].width(), revealed[0].height()), (32, 24));
/// ```
pub struct Pipeline<'a> {
    hider: &'a dyn Hider,
    hide_key: Option<Key>,
    reveal_key: Option<Key>,
}

impl<'a> Pipeline<'a> {
    /// No key: secrets are hidden as they are.
    pub fn new(hider: &'a dyn Hider) -> Self {
        Pipeline {
            hider,
            hide_key: None,
            reveal_key: None,
        }
    }

    /// Hides and reveals with `key` (or none).
    pub fn with_key(mut self, key: Option<Key>) -> Self {
        self.hide_key = key.clone();
        self.reveal_key = key;
        self
    }

    /// Reveals with another key than the one hiding used (or none): what someone
    /// with a wrong or no key sees. For measuring keys.
    pub fn with_reveal_key(mut self, key: Option<Key>) -> Self {
        self.reveal_key = key;
        self
    }

    /// The hider inside.
    pub fn hider(&self) -> &dyn Hider {
        self.hider
    }

    /// Hides 1 up to the model's count of `secrets` in `cover`. A secret of another
    /// size is resized to exactly the cover's (Lanczos 3, aspect ratio not kept).
    pub fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        check_secret_count("secrets", secrets.len())?;
        let slots = self.hider.secrets();
        if secrets.len() > slots {
            return Err(Error::SecretMismatch {
                expected: slots,
                got: secrets.len(),
            });
        }
        let (width, height) = (cover.width(), cover.height());
        let fitted: Vec<RgbImage> = secrets.iter().map(|s| s.resized(width, height)).collect();
        let inside = self.hider.mixes_key();
        let mut filled = match &self.hide_key {
            Some(key) if !inside => key.for_model(self.hider).scramble_all(&fitted),
            _ => fitted,
        };
        while filled.len() < slots {
            filled.push(RgbImage::filled(width, height, UNUSED_SLOT)?);
        }
        match &self.hide_key {
            Some(key) if inside => self.hider.hide_with_key(cover, &filled, key.bytes()),
            _ => self.hider.hide(cover, &filled),
        }
    }

    /// Reveals the first `count` secrets, at the container's size.
    pub fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        check_secret_count("count", count)?;
        match &self.reveal_key {
            Some(key) if self.hider.mixes_key() => {
                self.hider.reveal_with_key(container, count, key.bytes())
            }
            Some(key) => {
                let revealed = self.hider.reveal(container, count)?;
                Ok(key.for_model(self.hider).unscramble_all(&revealed))
            }
            None => self.hider.reveal(container, count),
        }
    }
}

impl Hider for Pipeline<'_> {
    fn secrets(&self) -> usize {
        self.hider.secrets()
    }

    fn block(&self) -> usize {
        self.hider.block()
    }

    /// [`Pipeline::hide`]: fewer secrets than the model carries, of any size.
    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        Pipeline::hide(self, cover, secrets)
    }

    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        Pipeline::reveal(self, container, count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use crate::baselines::Lsb;

    fn stripes(width: usize, height: usize, seed: u8) -> RgbImage {
        let data = (0..width * height * 3)
            .map(|i| ((i / 3 % width) as u8).wrapping_mul(7).wrapping_add(seed))
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    #[test]
    fn fills_slots_and_fits_sizes() {
        let lsb = Lsb::new(4, 2).unwrap();
        let cover = stripes(24, 16, 3);
        let secret = stripes(24, 16, 90);
        let pipeline = Pipeline::new(&lsb);
        let container = pipeline
            .hide(&cover, std::slice::from_ref(&secret))
            .unwrap();
        let revealed = pipeline.reveal(&container, 2).unwrap();
        assert!(psnr(&secret, &revealed[0]) > 20.0);
        let grey = RgbImage::filled(24, 16, UNUSED_SLOT).unwrap();
        assert!(psnr(&grey, &revealed[1]) > 20.0, "the unused slot is grey");
        let other_size = stripes(10, 30, 90);
        let container = pipeline.hide(&cover, &[other_size]).unwrap();
        assert_eq!((container.width(), container.height()), (24, 16));
        assert!(pipeline
            .hide(&cover, &[secret.clone(), secret.clone(), secret])
            .is_err());
        assert!(pipeline.reveal(&container, 0).is_err());
    }

    #[test]
    fn only_the_same_key_unscrambles() {
        let lsb = Lsb::new(4, 1).unwrap();
        let cover = stripes(48, 36, 3);
        let secret = stripes(48, 36, 90);
        let key = Key::from_bytes([7; 32]);
        let keyed = Pipeline::new(&lsb).with_key(Some(key.clone()));
        let container = keyed.hide(&cover, std::slice::from_ref(&secret)).unwrap();
        let right = keyed.reveal(&container, 1).unwrap();
        assert!(psnr(&secret, &right[0]) > 20.0);
        let keyless = Pipeline::new(&lsb)
            .with_key(Some(key))
            .with_reveal_key(None);
        let wrong = keyless.reveal(&container, 1).unwrap();
        assert!(psnr(&secret, &wrong[0]) < psnr(&secret, &right[0]) - 3.0);
    }
}
