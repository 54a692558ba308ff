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
use serde::Serialize;

use super::options::{CodeKind, TrainOptions};
use super::sampler::CropSampler;
use crate::analysis::eval::{evaluate, EvalReport, Pair};
use crate::channel::{distort, AttackRange, Channel};
use crate::code::{BlockStatistics, SlotBasis};
use crate::error::{Error, Result};
use crate::hiding::Stego;
use crate::model::adam::DIRECT_STATE_MAGIC;
use crate::model::loss::{lattice_energy, log_stego_loss, residual_roughness, stego_loss};
use crate::model::mix::BlockMixes;
use crate::model::weights::WeightRecorder;
use crate::model::{Architecture, StegoConfig, StegoNet};
use crate::pixels::RgbImage;

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

/// The error each training attack adds along the robust code's candidate slots,
/// measured on 32 training crops of 128 pixels (or the photos' size if smaller).
fn measure_attack_noise(
    data: &CropSampler,
    attacks: &[AttackRange],
    factor: usize,
    slots: SlotBasis,
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
    crate::code::measure_slot_noise(
        &crops,
        factor,
        slots,
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

/// For the keyed layout, mixes under a new random key for every image of the batch,
/// so the networks learn to work with any key (`None` for the other layouts).
fn random_mixes<B: Backend>(
    net: &StegoNet<B>,
    cover: &Tensor<B, 4>,
    rng: &mut StdRng,
) -> Option<Vec<BlockMixes>> {
    // Other layouts draw nothing, so their batches stay what they were.
    if !net.is_keyed() {
        return None;
    }
    let [batch, _, height, width] = cover.dims();
    let keys: Vec<[u8; 32]> = (0..batch).map(|_| rng.random()).collect();
    net.mixes(&keys, (0, 0), (height, width))
}

/// The weights a run starts from: a checkpoint's, an earlier model's, or new ones
/// (at the linear code when the options ask for it).
pub(super) fn starting_net<B: Backend>(
    config: &StegoConfig,
    options: &TrainOptions,
    data: &CropSampler,
    attacks: &[AttackRange],
    start: &Start,
    device: &B::Device,
) -> Result<StegoNet<B>> {
    let recorder = WeightRecorder::default();
    let net = config.init::<B>(device);
    let load = |weights: &[u8]| {
        let record = recorder
            .load(weights.to_vec(), device)
            .map_err(|e| Error::Weights(e.to_string()))?;
        crate::model::weights::catch_shape_panic(|| net.clone().load_record(record))
    };
    match start {
        Start::Resume(checkpoint) => {
            if checkpoint.config != *config {
                return Err(Error::Config(
                    "checkpoint was trained with another model config".into(),
                ));
            }
            load(&checkpoint.weights)
        }
        Start::From(weights) => load(weights),
        Start::Fresh => {
            if let (
                Some(code),
                Architecture::Keyed {
                    factor,
                    code: length,
                    ..
                },
            ) = (options.linear_code, &config.architecture)
            {
                if code.kind != CodeKind::Principal {
                    return Err(Error::Config(
                        "the keyed layout starts from the principal code (--code principal)".into(),
                    ));
                }
                let stats = BlockStatistics::measure(data.photos(), *factor)?;
                let split = stats.split_code(config.secrets, *length, code.gain)?;
                return Ok(net.with_split_code(&split, device));
            }
            let (Some(code), Architecture::Unshuffle { factor, .. }) =
                (options.linear_code, &config.architecture)
            else {
                return Ok(net);
            };
            let stats = BlockStatistics::measure(data.photos(), *factor)?;
            let code = match code.kind.slot_basis() {
                None => stats.code(config.secrets, code.dims_per_secret, code.gain)?,
                Some(slots) => {
                    let mut noise =
                        measure_attack_noise(data, attacks, *factor, slots, options.seed)?;
                    if let Some(limit) = code.max_slot_noise {
                        let limit = limit / (255.0 * 255.0);
                        for n in noise.iter_mut().filter(|n| **n > limit) {
                            *n = f64::INFINITY;
                        }
                    }
                    let beta = f64::from(config.beta);
                    stats.robust_code(code.dims_per_secret, slots, &noise, beta)?
                }
            };
            Ok(net.with_linear_code(&code, device))
        }
    }
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
    options.validate(config)?;
    let attacks = options.attack_ranges()?;
    B::seed(device, options.seed);
    let recorder = WeightRecorder::default();
    let mut net = starting_net::<B>(config, options, data, &attacks, &start, device)?;
    let mut optim = AdamConfig::new()
        .with_grad_clipping(options.clip_grad.map(GradientClippingConfig::Norm))
        .init();
    let mut first_step = 0;
    if let Start::Resume(checkpoint) = start {
        if checkpoint.optimizer.starts_with(DIRECT_STATE_MAGIC) {
            return Err(Error::Config(
                "this checkpoint was written by the direct trainer: resume it on the CPU without --engine burn".into(),
            ));
        }
        let state = recorder
            .load(checkpoint.optimizer, device)
            .map_err(|e| Error::Weights(format!("optimizer state: {e}")))?;
        optim = optim.load_record(state);
        first_step = checkpoint.step;
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
        let mixes = random_mixes(&net, &cover, &mut rng);
        let container = match &frozen_hiding {
            Some(hiding) => {
                let inner: Vec<_> = secrets.iter().map(|s| s.clone().inner()).collect();
                let hidden = hiding.hide_mixed(cover.clone().inner(), &inner, mixes.as_deref());
                Tensor::from_inner(channel.apply(hidden))
            }
            None => channel.apply(net.hide_mixed(cover.clone(), &secrets, mixes.as_deref())),
        };
        let attack = attacks[rng.random_range(0..attacks.len())].sample(&mut rng);
        let received = distort(container.clone(), attack, &mut rng)?;
        let revealed = net.reveal_mixed(received, config.secrets, mixes.as_deref());
        let roughness = (options.smooth_residual > 0.0)
            .then(|| residual_roughness(container.clone() - cover.clone()));
        let lattice = (options.lattice_penalty > 0.0)
            .then(|| lattice_energy(container.clone() - cover.clone()));
        let loss_of = if options.log_loss {
            log_stego_loss
        } else {
            stego_loss
        };
        let mut loss = loss_of(cover, container, &secrets, &revealed, config.beta);
        if let Some(roughness) = roughness {
            loss.total = loss.total + roughness.mul_scalar(options.smooth_residual);
        }
        if let Some(lattice) = lattice {
            loss.total = loss.total + lattice.mul_scalar(options.lattice_penalty);
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
