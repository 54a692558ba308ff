//! Test-time refinement of a container: the hiding network's container is a good
//! start, not the best one the reveal network can read. A few steps of gradient
//! descent on the container's pixels, with the reveal network fixed, lower
//! `ln MSE(cover, container) + β · meanᵢ ln MSE(secretᵢ, reveal(container)ᵢ)` for
//! this one image (the per-image log loss of training, so β trades decibels of the
//! mean revealed quality for decibels of container quality). The container goes
//! through 8-bit rounding in every step (gradient straight through), so what is
//! refined is what a PNG stores. The container kept is the best one seen whose
//! container and revealed PSNR are each at most `tolerance_db` (0.25 dB) below the
//! network's own, so refining cannot trade one far against the other for any image
//! (one tile at a time).
//!
//! Only the container changes: anyone revealing with the same model reads it; the
//! hiding network itself is not needed for reveal and not changed.

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use burn::module::AutodiffModule;

use crate::channel::Channel;
use crate::error::{Error, Result};
use crate::hiding::stego::{floats, Stego};
use crate::model::adam::{self, Adam};
use crate::model::direct::DirectNet;
use crate::model::loss::{mean_log_mse, LOG_FLOOR};
use crate::model::mix::{BlockMixes, PUBLIC_KEY};
use crate::model::StegoNet;
use crate::pixels::RgbImage;
use crate::Hider;

/// How hard to refine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refinement {
    /// Gradient steps (each one reveal forward and backward pass).
    pub steps: usize,
    /// Adam's step size in 8-bit levels at the start; it decays to zero (cosine).
    pub levels_per_step: f32,
    /// Decibels of revealed quality (mean over the secrets) worth one decibel of
    /// container quality.
    pub beta: f32,
    /// How many decibels the container or any revealed secret may lose against the
    /// unrefined container (0 would also refuse the first steps, which move every
    /// pixel at once and often cost a little before they gain).
    pub tolerance_db: f32,
}

impl Default for Refinement {
    fn default() -> Self {
        Refinement {
            steps: 30,
            levels_per_step: 0.5,
            beta: 0.5,
            tolerance_db: 0.25,
        }
    }
}

/// The refined container for `cover` and `secrets`, starting from `container`
/// (all `[1, 3, H, W]` on the inner backend, values in 0..=1; H and W as the
/// networks need them). The result is clamped to 0..=1 but not rounded.
pub fn refine_container<B: AutodiffBackend>(
    net: &StegoNet<B>,
    cover: Tensor<B::InnerBackend, 4>,
    secrets: &[Tensor<B::InnerBackend, 4>],
    container: Tensor<B::InnerBackend, 4>,
    refinement: &Refinement,
    mixes: Option<&[BlockMixes]>,
) -> Tensor<B::InnerBackend, 4> {
    // Gradients for the pixels only, not for the weights.
    let net = net.clone().no_grad();
    let secrets: Vec<Tensor<B, 4>> = secrets.iter().cloned().map(Tensor::from_inner).collect();
    let cover = Tensor::<B, 4>::from_inner(cover);
    let (beta1, beta2, epsilon) = ADAM;
    let mut x = container;
    let mut first = x.zeros_like();
    let mut second = x.zeros_like();
    let mut kept = Keeper::new(refinement, secrets.len());
    let weight = kept.weight;
    for step in 0..=refinement.steps {
        crate::hiding::progress::within(step, refinement.steps);
        let pixels = Tensor::<B, 4>::from_inner(x.clone()).require_grad();
        let stored = Channel::Quantize8.apply(pixels.clone().clamp(0.0, 1.0));
        let revealed = net.reveal_mixed(stored.clone(), secrets.len(), mixes);
        let mut errors = vec![mean_log_mse(cover.clone(), stored)];
        for (secret, revealed) in secrets.iter().zip(revealed) {
            errors.push(mean_log_mse(secret.clone(), revealed));
        }
        let loss = errors[1..].iter().fold(errors[0].clone(), |sum, e| {
            sum + e.clone().mul_scalar(weight)
        });
        let parts: Vec<f32> = Tensor::cat(errors, 0)
            .into_data()
            .convert::<f32>()
            .to_vec()
            .expect("f32 values");
        kept.consider(&parts, &x);
        if step == refinement.steps {
            break;
        }
        let grads = loss.backward();
        let gradient = pixels.grad(&grads).expect("the pixels require a gradient");

        // Adam with bias correction; the rate falls to zero on a half cosine.
        let t = (step + 1) as i32;
        first = first.mul_scalar(beta1) + gradient.clone().mul_scalar(1.0 - beta1);
        second = second.mul_scalar(beta2) + gradient.square().mul_scalar(1.0 - beta2);
        let first_hat = first.clone().div_scalar(1.0 - beta1.powi(t));
        let second_hat = second.clone().div_scalar(1.0 - beta2.powi(t));
        let update = first_hat.div(second_hat.sqrt().add_scalar(epsilon));
        x = (x - update.mul_scalar(refinement.rate(step))).clamp(0.0, 1.0);
    }
    kept.best()
}

/// Adam's β₁, β₂ and ε for refinement (the direct path's [`Adam`] has the same β).
const ADAM: (f32, f32, f32) = (adam::BETA_1, adam::BETA_2, 1e-8);

impl Refinement {
    /// Adam's step size before step `step`: `levels_per_step` 8-bit levels, falling
    /// to zero on a half cosine.
    fn rate(&self, step: usize) -> f32 {
        let progress = step as f32 / self.steps as f32;
        self.levels_per_step / 255.0 * 0.5 * (1.0 + (std::f32::consts::PI * progress).cos())
    }
}

/// The container refinement returns. Rounding makes the loss of the saved container
/// jumpy, and the loss alone would let one image trade much of its reveal for
/// container quality: keep the best container seen among those where neither the
/// container nor any secret is more than `tolerance_db` worse than at the start (the
/// network's own container, always eligible).
struct Keeper<T> {
    /// β of the loss per secret: the mean over the secrets is what is weighed.
    weight: f32,
    /// `tolerance_db` in ln MSE (PSNR = −10·log10(MSE) + constant).
    slack: f32,
    start: Option<Vec<f32>>,
    best: Option<(f32, T)>,
}

impl<T: Clone> Keeper<T> {
    fn new(refinement: &Refinement, secrets: usize) -> Self {
        Keeper {
            weight: refinement.beta / secrets as f32,
            slack: refinement.tolerance_db * std::f32::consts::LN_10 / 10.0,
            start: None,
            best: None,
        }
    }

    /// Scores `container` by its errors: ln MSE of the container, then of each
    /// revealed secret (the first call sets the start).
    fn consider(&mut self, parts: &[f32], container: &T) {
        let start = self.start.get_or_insert_with(|| parts.to_vec());
        let no_worse = parts
            .iter()
            .zip(start.iter())
            .all(|(now, then)| *now <= *then + self.slack);
        let value = parts[0] + self.weight * parts[1..].iter().sum::<f32>();
        if no_worse && self.best.as_ref().is_none_or(|(lowest, _)| value < *lowest) {
            self.best = Some((value, container.clone()));
        }
    }

    fn best(self) -> T {
        self.best.expect("the start is always scored").1
    }
}

/// [`refine_container`] on the direct CPU path: the same loss, steps, Adam and
/// choice of the best container, on planar images (`3 × height × width` values);
/// the reveal network's gradient comes from [`DirectNet::reveal_with_gradient`].
pub fn refine_container_direct(
    direct: &DirectNet,
    images: &PlanarTile,
    container: Vec<f32>,
    refinement: &Refinement,
) -> Vec<f32> {
    let PlanarTile {
        cover,
        secrets,
        width,
        height,
    } = images;
    let mut x = container;
    let mut adam = Adam::new(&[x.len()], ADAM.2);
    let mut kept = Keeper::new(refinement, secrets.len());
    let weight = kept.weight;
    for step in 0..=refinement.steps {
        crate::hiding::progress::within(step, refinement.steps);
        // 8-bit rounding forward, the identity backward (as Channel::Quantize8).
        let stored: Vec<f32> = x
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() / 255.0)
            .collect();
        let (container_error, mut gradient) = log_mse_and_gradient(cover, &stored, 1.0);
        let mut parts = vec![container_error];
        let (_, through_reveal) =
            direct.reveal_with_gradient(&stored, secrets.len(), *width, *height, |revealed| {
                revealed
                    .iter()
                    .zip(secrets.iter())
                    .map(|(revealed, secret)| {
                        let (error, gradient) = log_mse_and_gradient(secret, revealed, weight);
                        parts.push(error);
                        gradient
                    })
                    .collect()
            });
        for (g, r) in gradient.iter_mut().zip(through_reveal) {
            *g += r;
        }
        kept.consider(&parts, &x);
        if step == refinement.steps {
            break;
        }
        let rate = f64::from(refinement.rate(step));
        adam.step(rate, &mut [x.as_mut_slice()], &[gradient.as_slice()], None);
        x.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
    }
    kept.best()
}

/// One tile's cover and secrets as planar images.
pub struct PlanarTile {
    pub cover: Vec<f32>,
    pub secrets: Vec<Vec<f32>>,
    pub width: usize,
    pub height: usize,
}

/// `ln MSE(target, estimate)` (floored as in training) and `scale` times its
/// gradient with respect to `estimate`.
fn log_mse_and_gradient(target: &[f32], estimate: &[f32], scale: f32) -> (f32, Vec<f32>) {
    let n = target.len() as f64;
    let squared: f64 = target
        .iter()
        .zip(estimate)
        .map(|(t, e)| f64::from(e - t).powi(2))
        .sum();
    let mse = squared / n + LOG_FLOOR;
    let factor = (2.0 / (n * mse)) as f32 * scale;
    let gradient = target
        .iter()
        .zip(estimate)
        .map(|(t, e)| (e - t) * factor)
        .collect();
    (mse.ln() as f32, gradient)
}

/// A [`Hider`] that refines every container: hides with `refiner` (the model on an
/// autodiff backend) and reveals with `revealer` (the same weights, plain backend,
/// which is faster).
pub struct Refined<'a, B: AutodiffBackend> {
    pub refiner: &'a Stego<B>,
    pub revealer: &'a Stego<B::InnerBackend>,
    pub refinement: Refinement,
}

impl<B: AutodiffBackend> Hider for Refined<'_, B> {
    fn secrets(&self) -> usize {
        self.revealer.secrets()
    }

    fn block(&self) -> usize {
        Hider::block(self.revealer)
    }

    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        self.refiner.hide_refined(cover, secrets, &self.refinement)
    }

    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        self.revealer.reveal(container, count)
    }

    fn mixes_key(&self) -> bool {
        self.revealer.mixes_key()
    }

    fn hide_with_key(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        key: &[u8; 32],
    ) -> Result<RgbImage> {
        self.refiner
            .hide_refined_with(cover, secrets, &self.refinement, key)
    }

    fn reveal_with_key(
        &self,
        container: &RgbImage,
        count: usize,
        key: &[u8; 32],
    ) -> Result<Vec<RgbImage>> {
        self.revealer.reveal_with_key(container, count, key)
    }
}

impl<B: AutodiffBackend> Stego<B> {
    /// [`Stego::hide`], then each tile's container refined for the reveal network
    /// (see [`crate::hiding::refine`]): better numbers for `refinement.steps` reveal passes
    /// forward and backward per tile. Tiles are refined independently, so on photos
    /// larger than one tile the pixels near a seam are refined for one side only.
    pub fn hide_refined(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        refinement: &Refinement,
    ) -> Result<RgbImage> {
        self.hide_refined_with(cover, secrets, refinement, &PUBLIC_KEY)
    }

    /// [`Stego::hide_refined`] with `key` in the keyed layout's mix (other layouts
    /// ignore it: their keys scramble the secrets before they get here).
    fn hide_refined_with(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        refinement: &Refinement,
        key: &[u8; 32],
    ) -> Result<RgbImage> {
        if let Some(direct) = self.direct() {
            return self.hide_with(cover, secrets, |tensors, _| {
                let [_, _, height, width] = tensors[0].dims();
                let mut planes: Vec<Vec<f32>> = tensors.iter().map(floats).collect();
                let tile = PlanarTile {
                    cover: planes.remove(0),
                    secrets: planes,
                    width,
                    height,
                };
                let secrets: Vec<&[f32]> = tile.secrets.iter().map(Vec::as_slice).collect();
                let container = direct.hide(&tile.cover, &secrets, width, height);
                let refined = refine_container_direct(direct, &tile, container, refinement);
                self.tensor(refined, width, height)
            });
        }
        let (width, height) = self.fitted_size(cover.width(), cover.height());
        if self.net().scatters() && self.windows(width, height).len() > 1 {
            // Each tile's reveal would need the codes the scatter sent elsewhere.
            return Err(Error::Invalid(format!(
                "refinement with a scattering keyed model works on pictures of one tile \
                 (up to {} pixels a side); hide this one without --refine",
                self.tile_size()
            )));
        }
        let plain = self.net().valid();
        let block = self.config().architecture.size_multiple();
        self.hide_with(cover, secrets, |tensors, (x, y)| {
            let inner: Vec<_> = tensors.iter().map(|t| t.clone().inner()).collect();
            let [_, _, height, width] = tensors[0].dims();
            // One tile: the whole picture, so the scatter (if any) is drawn for it.
            let mixes = if self.net().scatters() {
                self.net().mixes(&[*key], (0, 0), (height, width))
            } else {
                self.net()
                    .rotations(&[*key], (y / block, x / block), (height, width))
            };
            let container = plain.hide_mixed(inner[0].clone(), &inner[1..], mixes.as_deref());
            let refined = refine_container(
                self.net(),
                inner[0].clone(),
                &inner[1..],
                container,
                refinement,
                mixes.as_deref(),
            );
            Tensor::from_inner(refined)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use crate::backend::CpuTrainBackend;
    use crate::code::BlockStatistics;

    fn ripples(seed: f64, width: usize, height: usize) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = ((p % width) as f64, (p / width) as f64);
                [0.0, 2.0, 4.0].map(|c| {
                    let v = 128.0 + 90.0 * ((x * 0.21 + seed).sin() * (y * 0.13 + c + seed).cos());
                    v as u8
                })
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    /// A small network that already hides (started at the linear code), untrained.
    fn small_stego() -> Stego<CpuTrainBackend> {
        let photos: Vec<RgbImage> = (0..4).map(|i| ripples(i as f64 * 5.0, 32, 32)).collect();
        let code = BlockStatistics::measure(&photos, 2)
            .unwrap()
            .code(1, 3, 1.0 / 8.0)
            .unwrap();
        let config = crate::model::config::tiny_unshuffle(1);
        let device = Default::default();
        let net = config.init(&device).with_linear_code(&code, &device);
        Stego::new(config, net, device)
    }

    #[test]
    fn refining_improves_the_weighted_decibels_of_the_saved_container() {
        let stego = small_stego();
        // An odd size: the last column and row are outside whole blocks.
        let (cover, secret) = (ripples(1.0, 33, 27), ripples(9.0, 33, 27));
        let measure = |container: &RgbImage| {
            let revealed = stego.reveal(container, 1).unwrap();
            (psnr(&cover, container), psnr(&secret, &revealed[0]))
        };
        let plain = stego.hide(&cover, std::slice::from_ref(&secret)).unwrap();
        let (plain_container, plain_revealed) = measure(&plain);
        for beta in [0.3, 1.0] {
            let refinement = Refinement {
                steps: 40,
                beta,
                levels_per_step: 0.5,
                tolerance_db: 0.25,
            };
            let refined = stego
                .hide_refined(&cover, std::slice::from_ref(&secret), &refinement)
                .unwrap();
            assert_eq!((refined.width(), refined.height()), (33, 27));
            let (container, revealed) = measure(&refined);
            let report = format!(
                "beta {beta}: {plain_container:.2}/{plain_revealed:.2} -> {container:.2}/{revealed:.2} dB"
            );
            // Better by the refinement's own measure, and neither number more than
            // the tolerance worse.
            let score = |c: f64, r: f64| c + beta as f64 * r;
            assert!(
                score(container, revealed) > score(plain_container, plain_revealed) + 0.05,
                "{report}"
            );
            assert!(container > plain_container - 0.26, "{report}");
            assert!(revealed > plain_revealed - 0.26, "{report}");
        }
    }

    #[test]
    fn direct_and_burn_refinement_agree() {
        let direct = small_stego();
        let burn = small_stego().with_engine(crate::hiding::Engine::Burn);
        let (cover, secret) = (ripples(4.0, 24, 20), ripples(8.0, 24, 20));
        let refinement = Refinement {
            steps: 20,
            ..Refinement::default()
        };
        let secrets = std::slice::from_ref(&secret);
        let a = direct.hide_refined(&cover, secrets, &refinement).unwrap();
        let b = burn.hide_refined(&cover, secrets, &refinement).unwrap();
        let revealed = |c: &RgbImage| psnr(&secret, &burn.reveal(c, 1).unwrap()[0]);
        let report = format!(
            "direct {:.3}/{:.3}, burn {:.3}/{:.3} dB",
            psnr(&cover, &a),
            revealed(&a),
            psnr(&cover, &b),
            revealed(&b)
        );
        assert!(
            (psnr(&cover, &a) - psnr(&cover, &b)).abs() < 0.05,
            "{report}"
        );
        assert!((revealed(&a) - revealed(&b)).abs() < 0.05, "{report}");
        assert!(psnr(&a, &b) > 45.0, "{report}");
    }

    #[test]
    fn refining_with_no_steps_gives_the_plain_container() {
        let stego = small_stego();
        let (cover, secret) = (ripples(2.0, 16, 16), ripples(7.0, 16, 16));
        let plain = stego.hide(&cover, std::slice::from_ref(&secret)).unwrap();
        let refinement = Refinement {
            steps: 0,
            ..Refinement::default()
        };
        let same = stego
            .hide_refined(&cover, std::slice::from_ref(&secret), &refinement)
            .unwrap();
        assert_eq!(plain.as_bytes(), same.as_bytes());
    }
}
