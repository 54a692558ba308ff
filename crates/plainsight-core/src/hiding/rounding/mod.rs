//! How a container's float values become bytes, and what that shows a detector.
//!
//! First-order detectors (the chi-square attack, any test on value counts) look
//! only at how often each byte value occurs. Adding a hidden signal smooths those
//! counts, which is what gives a container away. Three roundings:
//!
//! - [`Rounding::Nearest`] (the default): each value to its nearest byte.
//! - [`Rounding::PairBalance`]: nearest, then the few pixels whose
//!   float value lies closest to a rounding boundary are moved across it so that
//!   each pair of values (2k, 2k+1) keeps the cover's imbalance — the one statistic
//!   the chi-square attack reads. Moves go both within pairs (2k ↔ 2k+1, what
//!   LSB replacement does and RS analysis looks for) and across pairs
//!   (2k−1 ↔ 2k, which pushes RS analysis the other way), mixed so that RS
//!   analysis reads the cover's estimate ([`crate::hiding::rounding::pair_balance`]).
//! - [`Rounding::CoverHistogram`]: exactly the cover's per-channel counts. The
//!   pixels are ranked by their float value and the cover's values handed out in
//!   that order: in one dimension this is the assignment that moves the float
//!   values least (the monotone optimal transport). OutGuess (Provos 2001)
//!   corrected its histogram for the same reason. It changes far more pixels than
//!   pair balancing and costs reveal quality (docs/security.md).

pub mod pair_balance;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::pixels::{check_same_size, nearest_level, RgbImage};

/// How [`crate::hiding::stego::Stego::hide`] turns the container's values into bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Each value to the nearest byte.
    #[default]
    Nearest,
    /// Nearest, then the cover's imbalance inside every value pair restored.
    PairBalance,
    /// Exactly the cover's per-channel histogram.
    CoverHistogram,
}

/// Bytes for one channel: `values` (in levels, 0..=255 scale, any order) rounded so
/// that the result has exactly the same value counts as `target`.
///
/// Ties in `values` keep their pixel order, so the result is deterministic.
///
/// # Panics
/// If the lengths differ.
pub fn match_channel(values: &[f32], target: &[u8]) -> Vec<u8> {
    assert_eq!(values.len(), target.len(), "channel lengths differ");
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
    let mut counts = [0usize; 256];
    for &v in target {
        counts[v as usize] += 1;
    }
    let mut out = vec![0u8; values.len()];
    let mut next = order.iter();
    for (value, &count) in counts.iter().enumerate() {
        for &pixel in next.by_ref().take(count) {
            out[pixel as usize] = value as u8;
        }
    }
    out
}

/// The 8-bit container `rounding` makes, from the container rounded to the nearest
/// bytes plus what that rounding dropped.
///
/// `remainder` holds, per pixel and channel, `float − round(float) + ½` in levels,
/// stored as a byte (0..=255 for 0..1), which is precise enough to rank pixels that
/// round to the same byte.
pub fn round_to_cover(
    container: &RgbImage,
    remainder: &RgbImage,
    cover: &RgbImage,
    rounding: Rounding,
) -> Result<RgbImage> {
    check_same_size(cover, container)?;
    check_same_size(cover, remainder)?;
    let (c, r) = (container.as_bytes(), remainder.as_bytes());
    let mut data = vec![0u8; c.len()];
    for channel in 0..3 {
        let values: Vec<f32> = c
            .iter()
            .zip(r)
            .skip(channel)
            .step_by(3)
            .map(|(&byte, &rest)| byte as f32 + rest as f32 / 255.0 - 0.5)
            .collect();
        let target = plane(cover, channel);
        let bytes = match rounding {
            Rounding::Nearest => values.iter().map(|&v| nearest_level(v)).collect(),
            Rounding::PairBalance => {
                pair_balance::balance_pairs(&values, &target, container.width())
            }
            Rounding::CoverHistogram => match_channel(&values, &target),
        };
        for (i, v) in bytes.into_iter().enumerate() {
            data[3 * i + channel] = v;
        }
    }
    RgbImage::new(container.width(), container.height(), data)
}

/// One colour channel of `image`, pixel by pixel.
fn plane(image: &RgbImage, channel: usize) -> Vec<u8> {
    image
        .as_bytes()
        .iter()
        .skip(channel)
        .step_by(3)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(bytes: &[u8]) -> [usize; 256] {
        let mut h = [0; 256];
        for &b in bytes {
            h[b as usize] += 1;
        }
        h
    }

    #[test]
    fn result_has_the_targets_counts_and_keeps_the_ranking() {
        let values = [10.4, 3.0, 200.2, 10.6, 55.5, 54.9];
        let target = [3, 10, 10, 55, 55, 201];
        let out = match_channel(&values, &target);
        assert_eq!(histogram(&out), histogram(&target));
        // Ranked 3.0 < 10.4 < 10.6 < 54.9 < 55.5 < 200.2.
        assert_eq!(out, vec![10, 3, 201, 10, 55, 55]);
    }

    #[test]
    fn values_already_on_the_target_stay_where_they_are() {
        let target: Vec<u8> = (0..=255).chain(0..=255).collect();
        let values: Vec<f32> = target.iter().map(|&v| v as f32).collect();
        assert_eq!(match_channel(&values, &target), target);
    }

    #[test]
    fn noisy_container_changes_by_little_beyond_rounding() {
        // A smooth cover plus a ±2-level pattern: plain rounding fills in the
        // histogram's gaps; matching restores them, moving pixels by about a level.
        let (w, h) = (64usize, 64usize);
        let cover: Vec<u8> = (0..w * h)
            .map(|p| (2 * ((p % w + p / w) / 2)) as u8)
            .collect();
        let values: Vec<f32> = cover
            .iter()
            .enumerate()
            .map(|(p, &v)| v as f32 + 2.0 * ((p as f32 * 0.7).sin()))
            .collect();
        let rounded: Vec<u8> = values
            .iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect();
        assert_ne!(histogram(&rounded), histogram(&cover));
        let matched = match_channel(&values, &cover);
        assert_eq!(histogram(&matched), histogram(&cover));
        let mean_move = matched
            .iter()
            .zip(&values)
            .map(|(&m, &v)| (m as f32 - v).abs())
            .sum::<f32>()
            / values.len() as f32;
        assert!(mean_move < 1.5, "moved {mean_move} levels on average");
    }

    #[test]
    fn whole_image_matches_per_channel() {
        let cover = RgbImage::new(2, 2, vec![0, 9, 250, 1, 9, 250, 2, 8, 251, 3, 8, 251]).unwrap();
        let container =
            RgbImage::new(2, 2, vec![1, 9, 250, 1, 9, 250, 2, 9, 250, 2, 9, 251]).unwrap();
        let remainder = RgbImage::filled(2, 2, [128, 128, 128]).unwrap();
        let out = round_to_cover(&container, &remainder, &cover, Rounding::CoverHistogram).unwrap();
        for channel in 0..3 {
            let (got, want) = (plane(&out, channel), plane(&cover, channel));
            assert_eq!(histogram(&got), histogram(&want), "channel {channel}");
        }
    }
}
