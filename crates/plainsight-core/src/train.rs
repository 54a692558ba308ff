//! The training loop: random crops, random cover/secret pairing, Adam.
//!
//! The loop knows nothing of files: it reports progress, validation results and
//! checkpoints to a [`TrainObserver`], and the caller decides where they go.

use burn::module::AutodiffModule;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::record::Recorder;
use burn::tensor::backend::AutodiffBackend;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::channel::{distort, Channel};
use crate::config::{Architecture, StegoConfig};
use crate::distort::AttackRange;
use crate::error::{Error, Result};
use crate::eval::{evaluate, EvalReport, Pair};
use crate::linear_code::BlockStatistics;
use crate::loss::{log_stego_loss, residual_roughness, stego_loss};
use crate::pixels::{images_to_tensor, RgbImage};
use crate::stego::{Stego, WeightRecorder};

/// How to train (the model itself is described by [`StegoConfig`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    pub steps: usize,
    pub batch: usize,
    /// Side of the square random crops.
    pub crop: usize,
    /// Peak learning rate; it decays along a cosine to a tenth of this.
    pub lr: f64,
    pub seed: u64,
    /// Save a checkpoint every this many steps (and at the end).
    pub checkpoint_every: usize,
    /// Validate every this many steps (and at the end).
    pub validate_every: usize,
    /// Start the default architecture at a linear code measured on the training
    /// photos (see [`crate::linear_code`]); `None` starts from random weights.
    pub linear_code: Option<CodeOptions>,
    /// Distortions between hiding and reveal, one drawn per step, e.g.
    /// `none,jpeg:50-95,noise:0-3,resize:0.5-1` (see [`AttackRange::parse_list`]);
    /// `None` trains for lossless 8-bit containers only.
    #[serde(default)]
    pub attacks: Option<String>,
    /// Stop after this many seconds of training in this process (a GPU lease is
    /// counted in minutes). The learning rate then decays by time or by steps,
    /// whichever is further along, so a run cut short still ends at a low rate.
    #[serde(default)]
    pub time_limit_s: Option<f64>,
    /// Weight of [`residual_roughness`] in the loss (0: Baluja's loss alone).
    #[serde(default)]
    pub smooth_residual: f32,
    /// Train the reveal networks only: the container is computed but carries no
    /// gradient, so hiding (and the container's quality) stays exactly as it was.
    /// For fine-tuning a model's reveal to its distortions.
    #[serde(default)]
    pub reveal_only: bool,
    /// Clip each parameter's gradient to this L2 norm (`None`: no clipping).
    #[serde(default)]
    pub clip_grad: Option<f32>,
    /// Minimise each image's log error ([`log_stego_loss`], what mean PSNR measures)
    /// instead of the batch MSE.
    #[serde(default)]
    pub log_loss: bool,
}

/// Parameters of the linear code the default networks start from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct CodeOptions {
    /// Principal directions carried per secret.
    pub dims_per_secret: usize,
    /// Scale of the secret's coordinates inside the cover (the principal code).
    pub gain: f64,
    /// Which code: the cover's least varying directions, or slots chosen for the
    /// training attacks.
    #[serde(default)]
    pub kind: CodeKind,
}

/// The two starting codes of [`crate::linear_code`].
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    /// Replace the cover's least varying principal directions (lossless channels).
    #[default]
    Principal,
    /// Colour-opponent DCT slots where the training attacks add little error, one
    /// gain per slot ([`BlockStatistics::robust_code`]; one secret).
    Robust,
}

impl CodeOptions {
    /// The robust code's default: 64 secret directions (one secret), measured on
    /// bsds500/val with `factor` 8 and β 0.2 (docs/model.md; 24 until the second
    /// robust model).
    pub fn robust() -> Self {
        CodeOptions {
            dims_per_secret: 64,
            gain: 1.0 / 12.0,
            kind: CodeKind::Robust,
        }
    }

    /// Our choice for `secrets` secrets with `dims = 3f²` values per block,
    /// measured on bsds500/val (docs/model.md).
    pub fn recommended(secrets: usize, dims: usize) -> Self {
        let dims_per_secret = if secrets == 1 {
            dims * 3 / 8
        } else {
            dims / (2 * secrets)
        };
        CodeOptions {
            dims_per_secret: dims_per_secret.max(1),
            gain: 1.0 / 12.0,
            kind: CodeKind::Principal,
        }
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            steps: 4000,
            batch: 8,
            crop: 64,
            lr: 1e-3,
            seed: 42,
            checkpoint_every: 250,
            validate_every: 250,
            linear_code: None,
            attacks: None,
            time_limit_s: None,
            smooth_residual: 0.0,
            reveal_only: false,
            clip_grad: None,
            log_loss: false,
        }
    }
}

impl TrainOptions {
    /// Learning rate at `step`: a linear warm-up over the first 100 steps (so
    /// Adam's first, poorly scaled updates do not wreck a linear-code start), then
    /// cosine decay from `lr` to `lr / 10`.
    pub fn lr_at(&self, step: usize) -> f64 {
        self.lr_at_progress(step, step as f64 / self.steps.max(1) as f64)
    }

    /// The same schedule at `progress` (0–1) through the run.
    pub fn lr_at_progress(&self, step: usize, progress: f64) -> f64 {
        let warmup = (self.steps / 10).clamp(1, 100);
        let ramp = ((step + 1) as f64 / warmup as f64).min(1.0);
        let progress = progress.clamp(0.0, 1.0);
        ramp * self.lr * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()))
    }

    /// How far through the run `step` is after `elapsed` seconds (0–1).
    fn progress(&self, step: usize, elapsed: f64) -> f64 {
        let by_steps = step as f64 / self.steps.max(1) as f64;
        match self.time_limit_s {
            Some(limit) if limit > 0.0 => by_steps.max(elapsed / limit),
            _ => by_steps,
        }
    }
}

/// Loss values of one step, as plain numbers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StepLoss {
    pub total: f64,
    /// MSE(cover, container).
    pub container: f64,
    /// Σ MSE(secret, revealed).
    pub reveal: f64,
    /// Learning rate of the step.
    pub lr: f64,
}

/// Everything needed to continue training later.
pub struct Checkpoint {
    /// Steps completed.
    pub step: usize,
    pub config: StegoConfig,
    pub options: TrainOptions,
    /// Model weights, readable by [`Stego::from_bytes`].
    pub weights: Vec<u8>,
    /// The same weights with 16-bit floats, for shipping.
    pub compact_weights: Vec<u8>,
    /// Adam's moment estimates.
    pub optimizer: Vec<u8>,
}

/// Where training starts.
pub enum Start {
    /// New weights (the linear code when the options ask for it, else random).
    Fresh,
    /// The weights of an earlier model with the same layout (as [`Stego::weight_bytes`]
    /// writes them), with a new optimiser and schedule: fine-tuning, for example
    /// with another β or other attacks.
    From(Vec<u8>),
    /// Continue an interrupted run exactly where its checkpoint left off.
    Resume(Box<Checkpoint>),
}

/// Receives what the loop produces.
pub trait TrainObserver {
    fn on_step(&mut self, step: usize, loss: StepLoss);
    fn on_validation(&mut self, step: usize, report: &EvalReport);
    fn on_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<()>;
}

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
    fn batch<B: Backend>(&self, size: usize, rng: &mut StdRng, device: &B::Device) -> Tensor<B, 4> {
        let crops: Vec<RgbImage> = (0..size).map(|_| self.sample(rng)).collect();
        let refs: Vec<&RgbImage> = crops.iter().collect();
        images_to_tensor(&refs, device)
    }
}

/// The error each training attack adds along the robust code's candidate slots,
/// measured on 32 training crops of 128 pixels (or the photos' size if smaller).
fn measure_attack_noise(
    data: &CropSampler,
    attacks: &[AttackRange],
    factor: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    let lossy: Vec<AttackRange> = attacks
        .iter()
        .copied()
        .filter(|a| *a != AttackRange::None)
        .collect();
    if lossy.is_empty() {
        return Err(Error::Config(
            "the robust code needs attacks to measure (train --attacks)".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0005_1077_015e);
    let side = |photo: &RgbImage| photo.width().min(photo.height()).min(128) / factor * factor;
    let crops: Vec<RgbImage> = (0..32)
        .map(|_| {
            let photo = &data.photos()[rng.random_range(0..data.photos().len())];
            let s = side(photo);
            let x = rng.random_range(0..=photo.width() - s);
            let y = rng.random_range(0..=photo.height() - s);
            photo.crop(x, y, s, s)
        })
        .collect();
    let mut attack_rng = StdRng::seed_from_u64(seed ^ 0x00a7_7ac6);
    let mut signal_rng = StdRng::seed_from_u64(seed ^ 0x0051_64a1);
    let mut pick = 0usize;
    crate::linear_code::measure_slot_noise(
        &crops,
        factor,
        |image| {
            // Every attack family in turn, its parameter drawn from its range.
            let range = lossy[pick % lossy.len()];
            pick += 1;
            match range.sample(&mut attack_rng) {
                Some(attack) => attack.apply(image, &mut attack_rng),
                None => Ok(image.clone()),
            }
        },
        &mut signal_rng,
    )
}

/// Trains `config`'s model from `start`.
///
/// Covers and secrets are drawn independently every batch, so each secret meets
/// a new cover each time. Returns the final model.
pub fn train<B: AutodiffBackend>(
    config: &StegoConfig,
    options: &TrainOptions,
    data: &CropSampler,
    validation: &[Pair],
    start: Start,
    observer: &mut dyn TrainObserver,
    device: &B::Device,
) -> Result<Stego<B::InnerBackend>> {
    config.validate()?;
    if options.steps == 0 || options.batch == 0 || options.crop == 0 {
        return Err(Error::Config(
            "steps, batch and crop must be positive".into(),
        ));
    }
    let multiple = config.architecture.size_multiple();
    if !options.crop.is_multiple_of(multiple) {
        return Err(Error::Config(format!(
            "crop {} must be a multiple of {multiple}",
            options.crop
        )));
    }
    let attacks = match &options.attacks {
        Some(spec) => AttackRange::parse_list(spec)?,
        None => vec![AttackRange::None],
    };
    B::seed(device, options.seed);
    let recorder = WeightRecorder::default();
    let mut net = config.init::<B>(device);
    let mut optim = AdamConfig::new()
        .with_grad_clipping(options.clip_grad.map(GradientClippingConfig::Norm))
        .init();
    let mut first_step = 0;
    match start {
        Start::Resume(checkpoint) => {
            if checkpoint.config != *config {
                return Err(Error::Config(
                    "checkpoint was trained with another model config".into(),
                ));
            }
            let weights = recorder
                .load(checkpoint.weights, device)
                .map_err(|e| Error::Weights(e.to_string()))?;
            net = net.load_record(weights);
            let state = recorder
                .load(checkpoint.optimizer, device)
                .map_err(|e| Error::Weights(format!("optimizer state: {e}")))?;
            optim = optim.load_record(state);
            first_step = checkpoint.step;
        }
        Start::From(weights) => {
            let weights = recorder
                .load(weights, device)
                .map_err(|e| Error::Weights(e.to_string()))?;
            net = crate::stego::catch_shape_panic(|| net.load_record(weights))?;
        }
        Start::Fresh => {
            if let (Some(code), Architecture::Unshuffle { factor, .. }) =
                (options.linear_code, &config.architecture)
            {
                let stats = BlockStatistics::measure(data.photos(), *factor)?;
                let code = match code.kind {
                    CodeKind::Principal => {
                        stats.code(config.secrets, code.dims_per_secret, code.gain)?
                    }
                    CodeKind::Robust => {
                        if config.secrets != 1 {
                            return Err(Error::Config("the robust code carries one secret".into()));
                        }
                        let noise = measure_attack_noise(data, &attacks, *factor, options.seed)?;
                        stats.robust_code(code.dims_per_secret, &noise, f64::from(config.beta))?
                    }
                };
                net = net.with_linear_code(&code, device);
            }
        }
    }
    // With --reveal-only hiding never changes, so one copy outside the autodiff graph
    // serves every step (hiding inside it, even detached, leaves each step's graph in
    // memory: 22 GB after 2 700 steps).
    let frozen_hiding = options.reveal_only.then(|| net.valid());
    // Each step draws from a stream seeded by (seed, step), so a resumed run
    // sees the same batches as an uninterrupted one.
    let channel = Channel::Quantize8;
    let started = std::time::Instant::now();
    for step in first_step..options.steps {
        let lr = options.lr_at_progress(
            step,
            options.progress(step, started.elapsed().as_secs_f64()),
        );
        let mut rng = StdRng::seed_from_u64(options.seed ^ (step as u64).wrapping_mul(0x9E37_79B9));
        let cover = data.batch::<B>(options.batch, &mut rng, device);
        let secrets: Vec<Tensor<B, 4>> = (0..config.secrets)
            .map(|_| data.batch::<B>(options.batch, &mut rng, device))
            .collect();
        let container = match &frozen_hiding {
            Some(hiding) => {
                let inner: Vec<_> = secrets.iter().map(|s| s.clone().inner()).collect();
                let hidden = hiding.hide(cover.clone().inner(), &inner);
                Tensor::from_inner(channel.apply(hidden))
            }
            None => channel.apply(net.hide(cover.clone(), &secrets)),
        };
        let attack = attacks[rng.random_range(0..attacks.len())].sample(&mut rng);
        let received = distort(container.clone(), attack, &mut rng)?;
        let revealed = net.reveal(received, config.secrets);
        let roughness = (options.smooth_residual > 0.0)
            .then(|| residual_roughness(container.clone() - cover.clone()));
        let loss_of = if options.log_loss {
            log_stego_loss
        } else {
            stego_loss
        };
        let mut loss = loss_of(cover, container, &secrets, &revealed, config.beta);
        if let Some(roughness) = roughness {
            loss.total = loss.total + roughness.mul_scalar(options.smooth_residual);
        }
        let values = StepLoss {
            total: loss.total.clone().into_scalar().elem::<f64>(),
            container: loss.container.into_scalar().elem::<f64>(),
            reveal: loss.reveal.into_scalar().elem::<f64>(),
            lr,
        };
        if !values.total.is_finite() {
            return Err(Error::Data(format!("loss diverged at step {}", step + 1)));
        }
        let grads = GradientsParams::from_grads(loss.total.backward(), &net);
        net = optim.step(lr, net, grads);
        let done = step + 1;
        observer.on_step(done, values);

        let out_of_time = options.progress(done, started.elapsed().as_secs_f64()) >= 1.0;
        let last = done == options.steps || out_of_time;
        if !validation.is_empty() && (done % options.validate_every.max(1) == 0 || last) {
            let stego = Stego::new(config.clone(), net.valid(), device.clone());
            observer.on_validation(done, &evaluate(&stego, validation)?);
        }
        if done % options.checkpoint_every.max(1) == 0 || last {
            observer.on_checkpoint(&Checkpoint {
                step: done,
                config: config.clone(),
                options: options.clone(),
                weights: recorder
                    .record(net.clone().into_record(), ())
                    .map_err(|e| Error::Weights(e.to_string()))?,
                compact_weights: Stego::new(config.clone(), net.valid(), device.clone())
                    .compact_weight_bytes(),
                optimizer: recorder
                    .record(optim.to_record(), ())
                    .map_err(|e| Error::Weights(e.to_string()))?,
            })?;
        }
        if last {
            break;
        }
    }
    Ok(Stego::new(config.clone(), net.valid(), device.clone()))
}
