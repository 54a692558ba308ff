//! The one interface every way of hiding shares, so the pipeline, the keys and the
//! evaluation treat the networks and the baselines alike.

use crate::error::{Error, Result};
use crate::pixels::RgbImage;

/// Anything that hides secrets in a cover and reveals them: the networks
/// ([`crate::Stego`]) or a baseline ([`crate::baselines::Lsb`]).
pub trait Hider {
    /// Secrets per container.
    fn secrets(&self) -> usize;
    /// Side of the pixel blocks the hider codes as units (keyed scrambling moves
    /// whole blocks, [`crate::hiding::keys::tile_for`]).
    fn block(&self) -> usize {
        1
    }
    /// Hides exactly [`Hider::secrets`] secrets, each the cover's size.
    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage>;
    /// Reveals the first `count` secrets.
    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>>;
    /// Whether a key goes inside this hider (the keyed layout mixes its code with it)
    /// rather than scrambling the secrets around it ([`crate::hiding::keys`]).
    fn mixes_key(&self) -> bool {
        false
    }
    /// [`Hider::hide`] with `key` (a [`Key`](crate::hiding::keys::Key)'s 256 bits)
    /// inside, where [`Hider::mixes_key`].
    fn hide_with_key(
        &self,
        _cover: &RgbImage,
        _secrets: &[RgbImage],
        _key: &[u8; 32],
    ) -> Result<RgbImage> {
        Err(no_key_inside())
    }
    /// [`Hider::reveal`] with `key` inside, where [`Hider::mixes_key`].
    fn reveal_with_key(
        &self,
        _container: &RgbImage,
        _count: usize,
        _key: &[u8; 32],
    ) -> Result<Vec<RgbImage>> {
        Err(no_key_inside())
    }
}

fn no_key_inside() -> Error {
    Error::Invalid("this method takes no key inside; keys scramble the secrets around it".into())
}

/// Fails unless `given` secrets are exactly the `slots` a hider carries.
pub(crate) fn check_hide_count(slots: usize, given: usize) -> Result<()> {
    if given != slots {
        return Err(Error::SecretMismatch {
            expected: slots,
            got: given,
        });
    }
    Ok(())
}

/// Fails unless 1 to `slots` secrets are asked for.
pub(crate) fn check_reveal_count(slots: usize, count: usize) -> Result<()> {
    if count == 0 || count > slots {
        return Err(Error::SecretMismatch {
            expected: slots,
            got: count,
        });
    }
    Ok(())
}
