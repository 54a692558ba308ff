//! RS analysis (Fridrich, Goljan & Du 2001), the classical detector of LSB
//! replacement: it estimates which share of a channel's least-significant bits were
//! replaced, from how flipping LSBs changes the smoothness of small pixel groups.
//!
//! [`crate::hiding::rounding::pair_balance`] uses it to keep a container's estimate at its cover's;
//! bench/steganalysis.py has the same detector for measuring.

/// The mask over each group of four horizontally adjacent pixels.
const MASK: [i32; 4] = [0, 1, 1, 0];

/// Estimated embedding rate (0 for an untouched photo, about 1 for full LSB
/// replacement; noisy either side) of one channel, `plane` row by row, `width`
/// pixels a row.
pub fn rs_estimate(plane: &[u8], width: usize) -> f64 {
    let groups: Vec<[i32; 4]> = plane
        .chunks(width.max(1))
        .flat_map(|row| row.chunks_exact(4))
        .map(|g| [g[0] as i32, g[1] as i32, g[2] as i32, g[3] as i32])
        .collect();
    if groups.is_empty() {
        return 0.0;
    }
    let flipped: Vec<[i32; 4]> = groups.iter().map(|g| g.map(|v| v ^ 1)).collect();
    let d0 = regular_minus_singular(&groups, 1);
    let dn0 = regular_minus_singular(&groups, -1);
    let d1 = regular_minus_singular(&flipped, 1);
    let dn1 = regular_minus_singular(&flipped, -1);
    let (a, b, c) = (2.0 * (d1 + d0), dn0 - dn1 - d1 - 3.0 * d0, d0 - dn0);
    let z = if a.abs() < 1e-12 {
        if b.abs() > 1e-12 {
            -c / b
        } else {
            0.0
        }
    } else {
        let root = (b * b - 4.0 * a * c).max(0.0).sqrt();
        let (z1, z2) = ((-b + root) / (2.0 * a), (-b - root) / (2.0 * a));
        if z1.abs() <= z2.abs() {
            z1
        } else {
            z2
        }
    };
    if (z - 0.5).abs() > 1e-12 {
        z / (z - 0.5)
    } else {
        1.0
    }
}

/// Share of groups that flipping under `sign`·[`MASK`] makes rougher (regular)
/// minus the share it makes smoother (singular).
fn regular_minus_singular(groups: &[[i32; 4]], sign: i32) -> f64 {
    let mut balance = 0i64;
    for g in groups {
        let before = roughness(g);
        let after = roughness(&std::array::from_fn(|i| flip(g[i], sign * MASK[i])));
        balance += (after > before) as i64 - (after < before) as i64;
    }
    balance as f64 / groups.len() as f64
}

fn roughness(g: &[i32; 4]) -> i32 {
    (g[1] - g[0]).abs() + (g[2] - g[1]).abs() + (g[3] - g[2]).abs()
}

/// F1 swaps 2k ↔ 2k+1, F−1 swaps 2k−1 ↔ 2k, F0 leaves the value.
fn flip(value: i32, kind: i32) -> i32 {
    match kind {
        1 => value ^ 1,
        -1 => ((value + 1) ^ 1) - 1,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// A smooth test picture with a little noise, as a photo has.
    fn photo_like(width: usize, height: usize, rng: &mut StdRng) -> Vec<u8> {
        (0..width * height)
            .map(|p| {
                let (x, y) = ((p % width) as f64, (p / width) as f64);
                let v = 128.0
                    + 60.0 * (x / 23.0).sin() * (y / 31.0).cos()
                    + rng.random_range(-1.5..1.5);
                v.round().clamp(0.0, 255.0) as u8
            })
            .collect()
    }

    #[test]
    fn full_lsb_replacement_reads_far_above_an_untouched_picture() {
        let mut rng = StdRng::seed_from_u64(3);
        let (w, h) = (256, 256);
        let clean = photo_like(w, h, &mut rng);
        let embedded: Vec<u8> = clean
            .iter()
            .map(|&v| (v & !1) | rng.random_range(0..2u8))
            .collect();
        let (before, after) = (rs_estimate(&clean, w), rs_estimate(&embedded, w));
        assert!(before.abs() < 0.15, "untouched: {before}");
        assert!(after > 0.6, "embedded: {after}");
    }

    #[test]
    fn flips_are_the_three_rs_operations() {
        assert_eq!((flip(4, 1), flip(5, 1)), (5, 4));
        assert_eq!((flip(4, -1), flip(3, -1)), (3, 4));
        assert_eq!(flip(7, 0), 7);
    }
}
