//! Quality of a model on cover/secret pairs, measured on 8-bit images.

use serde::Serialize;

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::analysis::metrics::{psnr, ssim};
use crate::channel::attack::Attack;
use crate::error::Result;
use crate::pixels::RgbImage;
use crate::Hider;

/// One cover and the secrets hidden in it, all the same size.
#[derive(Debug, Clone)]
pub struct Pair {
    pub cover: RgbImage,
    pub secrets: Vec<RgbImage>,
}

/// Mean and worst of one metric over all pairs.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Summary {
    pub mean: f64,
    /// Lowest value (the worst image for both PSNR and SSIM).
    pub worst: f64,
    /// Highest value (for a wrong key, the image that gives most away).
    pub best: f64,
}

impl Summary {
    fn of(values: &[f64]) -> Summary {
        Summary {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            worst: values.iter().cloned().fold(f64::INFINITY, f64::min),
            best: values.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// Container and revealed quality over a set of pairs.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub pairs: usize,
    pub secrets: usize,
    pub container_psnr: Summary,
    pub container_ssim: Summary,
    /// Over every revealed secret of every pair.
    pub revealed_psnr: Summary,
    pub revealed_ssim: Summary,
}

/// The metrics of one hidden-and-revealed pair.
#[derive(Debug, Clone)]
pub struct PairResult {
    pub container: RgbImage,
    pub revealed: Vec<RgbImage>,
    pub container_psnr: f64,
    pub container_ssim: f64,
    pub revealed_psnr: Vec<f64>,
    pub revealed_ssim: Vec<f64>,
}

/// Hides, rounds to 8 bits (the container is already 8-bit), reveals, measures.
pub fn run_pair(stego: &(impl Hider + ?Sized), pair: &Pair) -> Result<PairResult> {
    run_pair_attacked(stego, pair, None)
}

/// [`run_pair`] with `attack` applied to the 8-bit container before reveal (noise
/// drawn from a generator seeded by the cover, so runs repeat exactly). The
/// reported container is the one hide wrote, before the attack.
pub fn run_pair_attacked(
    stego: &(impl Hider + ?Sized),
    pair: &Pair,
    attack: Option<Attack>,
) -> Result<PairResult> {
    let container = stego.hide(&pair.cover, &pair.secrets)?;
    let received = match attack {
        Some(attack) => {
            let seed = pair.cover.as_bytes().iter().fold(0u64, |h, &b| {
                h.wrapping_mul(0x100_0000_01B3).wrapping_add(b as u64)
            });
            attack.apply(&container, &mut StdRng::seed_from_u64(seed))?
        }
        None => container.clone(),
    };
    let revealed = stego.reveal(&received, pair.secrets.len())?;
    let revealed_psnr = pair
        .secrets
        .iter()
        .zip(&revealed)
        .map(|(s, r)| psnr(s, r))
        .collect();
    let revealed_ssim = pair
        .secrets
        .iter()
        .zip(&revealed)
        .map(|(s, r)| ssim(s, r))
        .collect();
    Ok(PairResult {
        container_psnr: psnr(&pair.cover, &container),
        container_ssim: ssim(&pair.cover, &container),
        container,
        revealed,
        revealed_psnr,
        revealed_ssim,
    })
}

/// Measures `stego` on every pair. `pairs` must not be empty.
pub fn evaluate(stego: &(impl Hider + ?Sized), pairs: &[Pair]) -> Result<EvalReport> {
    let mut results = Vec::with_capacity(pairs.len());
    for pair in pairs {
        results.push(run_pair(stego, pair)?);
    }
    Ok(summarise(&results, stego.secrets()))
}

/// Folds per-pair results into a report.
pub fn summarise(results: &[PairResult], secrets: usize) -> EvalReport {
    let collect =
        |f: &dyn Fn(&PairResult) -> Vec<f64>| -> Vec<f64> { results.iter().flat_map(f).collect() };
    EvalReport {
        pairs: results.len(),
        secrets,
        container_psnr: Summary::of(&collect(&|r| vec![r.container_psnr])),
        container_ssim: Summary::of(&collect(&|r| vec![r.container_ssim])),
        revealed_psnr: Summary::of(&collect(&|r| r.revealed_psnr.clone())),
        revealed_ssim: Summary::of(&collect(&|r| r.revealed_ssim.clone())),
    }
}

/// Builds evaluation pairs from photos: photo `i` is the cover, the next
/// `secrets` photos (cyclically) are its secrets. With `crop`, every photo is
/// centre-cropped to `crop`×`crop` first (photos smaller than that are skipped);
/// without, secrets are centre-cropped or edge-padded to the cover's size.
pub fn make_pairs(photos: &[RgbImage], secrets: usize, crop: Option<usize>) -> Vec<Pair> {
    pair_members(photos, secrets, crop)
        .into_iter()
        .map(|members| {
            let cover = &photos[members[0]];
            let cover = match crop {
                Some(side) => centre_fit(cover, side, side),
                None => cover.clone(),
            };
            let secrets = members[1..]
                .iter()
                .map(|&j| centre_fit(&photos[j], cover.width(), cover.height()))
                .collect();
            Pair { cover, secrets }
        })
        .collect()
}

/// Which photos [`make_pairs`] puts in each pair: the index in `photos` of the
/// cover, then of each secret (so a report can name them).
pub fn pair_members(photos: &[RgbImage], secrets: usize, crop: Option<usize>) -> Vec<Vec<usize>> {
    let usable: Vec<usize> = (0..photos.len())
        .filter(|&i| {
            crop.is_none_or(|side| photos[i].width() >= side && photos[i].height() >= side)
        })
        .collect();
    if usable.len() <= secrets {
        return Vec::new();
    }
    (0..usable.len())
        .map(|i| {
            (0..=secrets)
                .map(|k| usable[(i + k) % usable.len()])
                .collect()
        })
        .collect()
}

/// Centre crop to `width`×`height` where the photo is larger, edge padding where smaller.
pub fn centre_fit(photo: &RgbImage, width: usize, height: usize) -> RgbImage {
    let cw = width.min(photo.width());
    let ch = height.min(photo.height());
    let cropped = photo.crop((photo.width() - cw) / 2, (photo.height() - ch) / 2, cw, ch);
    if (cw, ch) == (width, height) {
        cropped
    } else {
        cropped.pad_edge(width, height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_cycle_through_the_photos() {
        let photos: Vec<RgbImage> = (0..4)
            .map(|i| RgbImage::filled(10 + i, 12, [i as u8, 0, 0]).unwrap())
            .collect();
        let pairs = make_pairs(&photos, 2, Some(8));
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[3].cover.pixel(0, 0), [3, 0, 0]);
        assert_eq!(pairs[3].secrets[0].pixel(0, 0), [0, 0, 0]);
        assert_eq!(pairs[3].secrets[1].pixel(0, 0), [1, 0, 0]);
        assert_eq!(pairs[0].cover.width(), 8);
        // Full size: secrets take the cover's size.
        let full = make_pairs(&photos, 1, None);
        assert_eq!(full[0].secrets[0].width(), full[0].cover.width());
    }

    #[test]
    fn pair_members_name_the_photos_used_and_skip_small_ones() {
        let photos: Vec<RgbImage> = [10, 4, 10, 10]
            .iter()
            .enumerate()
            .map(|(i, &side)| RgbImage::filled(side, side, [i as u8, 0, 0]).unwrap())
            .collect();
        let members = pair_members(&photos, 1, Some(8));
        assert_eq!(members, [vec![0, 2], vec![2, 3], vec![3, 0]]);
        // They describe exactly the pairs make_pairs builds.
        for (pair, m) in make_pairs(&photos, 1, Some(8)).iter().zip(&members) {
            assert_eq!(pair.cover.pixel(0, 0)[0] as usize, m[0]);
            assert_eq!(pair.secrets[0].pixel(0, 0)[0] as usize, m[1]);
        }
        assert_eq!(pair_members(&photos, 1, None).len(), 4);
        assert!(pair_members(&photos, 3, Some(8)).is_empty());
    }

    #[test]
    fn summary_reports_mean_and_worst() {
        let s = Summary::of(&[30.0, 40.0, 20.0]);
        assert_eq!(s.mean, 30.0);
        assert_eq!(s.worst, 20.0);
        assert_eq!(s.best, 40.0);
    }
}
