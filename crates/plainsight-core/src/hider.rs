//! The one interface every way of hiding shares, so the pipeline, the keys and the
//! evaluation treat the networks and the baselines alike.

use crate::error::Result;
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
