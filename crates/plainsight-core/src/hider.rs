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
