//! A closed-form linear hiding code, used to initialise the default networks.
//!
//! Fold an image into `f`×`f` blocks (the same unshuffle the networks use): each
//! block is a vector of `D = 3f²` values. Over natural photos, the principal
//! components of these vectors have very unequal variance: a handful carry most of
//! the picture, the last ones carry almost nothing. So:
//!
//! - **hide**: in the cover, replace the coordinates along the `K` *least* varying
//!   directions (the cover loses almost nothing) with the secret's `K` *most*
//!   varying coordinates, scaled down by `gain`;
//! - **reveal**: read those `K` coordinates back, scale up by `1/gain`, and rebuild
//!   the secret from its main components.
//!
//! Both are affine maps per block, i.e. 1×1 convolutions on the unshuffled image.
//! The networks carry such a 1×1 path beside their convolution stacks; starting it
//! at this code (and the stacks at zero) means training begins from a working
//! hider and only has to learn improvements. Several secrets get disjoint sets of
//! `K` directions.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::error::{Error, Result};
use crate::pixels::RgbImage;

/// Block statistics of a set of photos: the mean and the principal directions.
#[derive(Debug, Clone)]
pub struct BlockStatistics {
    factor: usize,
    mean: DVector<f64>,
    /// Columns are unit eigenvectors of the covariance, by increasing variance.
    directions: DMatrix<f64>,
    /// Variance along each direction, increasing.
    variances: DVector<f64>,
}

impl BlockStatistics {
    /// Gathers every `factor`×`factor` block of every photo, values in 0..=1,
    /// ordered like the networks' unshuffle: index `channel·f² + row·f + column`.
    pub fn measure(photos: &[RgbImage], factor: usize) -> Result<Self> {
        let dims = 3 * factor * factor;
        let mut sum = DVector::<f64>::zeros(dims);
        let mut outer = DMatrix::<f64>::zeros(dims, dims);
        let mut count = 0usize;
        let mut block = DVector::<f64>::zeros(dims);
        for photo in photos {
            for by in 0..photo.height() / factor {
                for bx in 0..photo.width() / factor {
                    for fy in 0..factor {
                        for fx in 0..factor {
                            let rgb = photo.pixel(bx * factor + fx, by * factor + fy);
                            for (c, &v) in rgb.iter().enumerate() {
                                block[c * factor * factor + fy * factor + fx] = v as f64 / 255.0;
                            }
                        }
                    }
                    sum += &block;
                    outer.ger(1.0, &block, &block, 1.0);
                    count += 1;
                }
            }
        }
        if count < dims * 10 {
            return Err(Error::Data(format!(
                "too few {factor}x{factor} blocks ({count}) to measure the linear code"
            )));
        }
        let mean = sum / count as f64;
        let covariance = outer / count as f64 - &mean * mean.transpose();
        let eigen = SymmetricEigen::new(covariance);
        // Sort directions by increasing variance.
        let mut order: Vec<usize> = (0..dims).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[a].total_cmp(&eigen.eigenvalues[b]));
        let directions = DMatrix::from_fn(dims, dims, |r, c| eigen.eigenvectors[(r, order[c])]);
        let variances = DVector::from_fn(dims, |i, _| eigen.eigenvalues[order[i]].max(0.0));
        Ok(BlockStatistics {
            factor,
            mean,
            directions,
            variances,
        })
    }

    pub fn factor(&self) -> usize {
        self.factor
    }

    /// Values per block (`3f²`).
    pub fn dims(&self) -> usize {
        self.mean.len()
    }

    /// Variance along each principal direction, increasing.
    pub fn variances(&self) -> &[f64] {
        self.variances.as_slice()
    }

    /// The code for `secrets` secrets, `dims_per_secret` directions each, secret
    /// coordinates multiplied by `gain` before they go into the cover.
    pub fn code(&self, secrets: usize, dims_per_secret: usize, gain: f64) -> Result<LinearCode> {
        let d = self.dims();
        if dims_per_secret == 0 || secrets * dims_per_secret > d || gain <= 0.0 {
            return Err(Error::Config(format!(
                "linear code needs 1 <= dims * secrets <= {d} and gain > 0 \
                 (got {dims_per_secret} x {secrets}, gain {gain})"
            )));
        }
        // The secret's main directions: the last columns (largest variance).
        let main = self
            .directions
            .columns(d - dims_per_secret, dims_per_secret);
        let mut hide_cover = DMatrix::<f64>::zeros(d, d);
        let mut hide_secrets = Vec::with_capacity(secrets);
        let mut hide_bias = DVector::<f64>::zeros(d);
        let mut reveal = Vec::with_capacity(secrets);
        for i in 0..secrets {
            // This secret's slots: the least varying directions not yet taken.
            let slots = self
                .directions
                .columns(i * dims_per_secret, dims_per_secret);
            let clear = slots * slots.transpose(); // projector onto the slots
            let write = (slots * main.transpose()) * gain; // secret coords into the slots
            let read = (main * slots.transpose()) / gain; // and back
            hide_cover -= &clear;
            hide_bias += &clear * &self.mean - &write * &self.mean;
            let reveal_bias = &self.mean - &read * &self.mean;
            hide_secrets.push(write);
            reveal.push((read, reveal_bias));
        }
        Ok(LinearCode {
            hide_cover,
            hide_secrets,
            hide_bias,
            reveal,
        })
    }
}

/// Affine maps on unshuffled blocks (see the module documentation).
///
/// `residual = hide_cover·cover + Σᵢ hide_secrets[i]·secretᵢ + hide_bias`,
/// `secretᵢ ≈ reveal[i].0·container + reveal[i].1`.
#[derive(Debug, Clone)]
pub struct LinearCode {
    pub hide_cover: DMatrix<f64>,
    pub hide_secrets: Vec<DMatrix<f64>>,
    pub hide_bias: DVector<f64>,
    pub reveal: Vec<(DMatrix<f64>, DVector<f64>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Smooth random photos: their blocks have a few strong directions.
    fn smooth_photos() -> Vec<RgbImage> {
        (0..4)
            .map(|k| {
                let data = (0..64 * 64)
                    .flat_map(|p| {
                        let (x, y) = ((p % 64) as f64, (p / 64) as f64);
                        let v = |f: f64| {
                            (127.0 + 100.0 * ((x * f + y * 0.7 + k as f64) * 0.05).sin()) as u8
                        };
                        [v(1.0), v(1.3), v(0.8)]
                    })
                    .collect();
                RgbImage::new(64, 64, data).unwrap()
            })
            .collect()
    }

    #[test]
    fn hide_then_read_back_recovers_the_main_components() {
        let stats = BlockStatistics::measure(&smooth_photos(), 2).unwrap();
        assert_eq!(stats.dims(), 12);
        assert!(stats.variances().windows(2).all(|w| w[0] <= w[1]));
        let code = stats.code(1, 4, 0.1).unwrap();
        // A block along the mean plus something in the main directions.
        let secret = &stats.mean + stats.directions.column(11) * 0.2;
        let cover = &stats.mean + stats.directions.column(10) * 0.1;
        let container =
            &cover + &code.hide_cover * &cover + &code.hide_secrets[0] * &secret + &code.hide_bias;
        let (read, bias) = &code.reveal[0];
        let revealed = read * &container + bias;
        assert!((revealed - &secret).norm() < 1e-9);
        // The cover changes only in the least varying directions, by a little.
        assert!((container - cover).norm() < 0.1);
    }

    #[test]
    fn rejects_codes_that_do_not_fit() {
        let stats = BlockStatistics::measure(&smooth_photos(), 2).unwrap();
        assert!(stats.code(3, 5, 0.1).is_err());
        assert!(stats.code(1, 0, 0.1).is_err());
    }
}
