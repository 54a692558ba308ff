//! The training loop on the direct path ([`crate::model::direct`]): the steps,
//! schedule, batches, checkpoints and observer of [`super::run`], with the
//! gradients of [`DirectNet::training_step`] and the Adam of `model/adam.rs` in place
//! of burn's autodiff and optimiser. It is about three times faster on the CPU
//! (docs/performance.md).
//!
//! It trains the unshuffle layout without attacks, residual smoothing or
//! `--reveal-only`; [`unsupported`] says when a run needs burn instead.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::options::TrainOptions;
use super::run::{starting_net, Checkpoint, Start, StepLoss, TrainObserver};
use super::sampler::CropSampler;
use crate::analysis::eval::{evaluate, Pair};
use crate::backend::CpuBackend;
use crate::channel::AttackRange;
use crate::error::{Error, Result};
use crate::hiding::Stego;
use crate::model::adam::{Adam, DIRECT_STATE_MAGIC, TRAINING_EPSILON};
use crate::model::direct::{Batch, DirectNet, LossForm, Objective};
use crate::model::weights::WeightRecorder;
use crate::model::{Architecture, StegoConfig, StegoNet};
use burn::module::Module;
use burn::record::Recorder;
use burn::tensor::backend::Backend;

/// Why the direct trainer cannot run these options, if it cannot.
pub fn unsupported(config: &StegoConfig, options: &TrainOptions) -> Option<String> {
    match config.architecture {
        Architecture::Unshuffle { .. } => {}
        Architecture::Baluja { .. } => return Some("Baluja's layout trains on burn".into()),
        Architecture::Keyed { .. } => return Some("the keyed layout trains on burn".into()),
    }
    match options.attack_ranges() {
        Ok(attacks) if attacks.iter().all(|a| *a == AttackRange::None) => {}
        Ok(_) => return Some("training attacks (--attacks) run on burn".into()),
        Err(e) => return Some(e.to_string()),
    }
    if options.smooth_residual > 0.0 {
        return Some("--smooth-residual trains on burn".into());
    }
    if options.reveal_only {
        return Some("--reveal-only trains on burn".into());
    }
    None
}

/// Whether a checkpoint's optimiser state was written by this trainer.
pub fn is_direct_checkpoint(checkpoint: &Checkpoint) -> bool {
    checkpoint.optimizer.starts_with(DIRECT_STATE_MAGIC)
}

/// Trains `config`'s model from `start` on the direct path, as
/// [`super::run::train`] does on burn.
pub fn train_direct(
    config: &StegoConfig,
    options: &TrainOptions,
    data: &CropSampler,
    validation: &[Pair],
    start: Start,
    observer: &mut dyn TrainObserver,
) -> Result<Stego<CpuBackend>> {
    config.validate()?;
    options.validate(config)?;
    if let Some(why) = unsupported(config, options) {
        return Err(Error::Config(format!(
            "the direct trainer cannot run this: {why}"
        )));
    }
    let attacks = options.attack_ranges()?;
    let device = Default::default();
    // Seeded as the burn loop seeds its backend, so both start from the same weights.
    <CpuBackend as Backend>::seed(&device, options.seed);
    let factor = config.architecture.size_multiple();
    let net = starting_net::<CpuBackend>(config, options, data, &attacks, &start, &device)?;
    let mut direct = DirectNet::of(&net, factor).expect("the unshuffle layout");
    let sizes: Vec<usize> = direct
        .convs_mut()
        .into_iter()
        .flat_map(|conv| conv.params_mut().map(|p| p.len()))
        .collect();
    let (mut adam, first_step) = match &start {
        Start::Resume(checkpoint) => {
            if !is_direct_checkpoint(checkpoint) {
                return Err(Error::Config(
                    "this checkpoint was written by the burn trainer: resume it with --engine burn"
                        .into(),
                ));
            }
            (
                Adam::from_bytes(&checkpoint.optimizer, &sizes)?,
                checkpoint.step,
            )
        }
        _ => (Adam::new(&sizes, TRAINING_EPSILON), 0),
    };
    let objective = Objective {
        form: if options.log_loss {
            LossForm::Log
        } else {
            LossForm::Plain
        },
        beta: f64::from(config.beta),
        lattice: f64::from(options.lattice_penalty),
    };
    let planar = |rng: &mut StdRng| data.sample(rng).planar();
    let started = std::time::Instant::now();
    let mut net = net;
    for step in first_step..options.steps {
        let lr = options.lr_at_progress(
            step,
            options.progress(step, started.elapsed().as_secs_f64()),
        );
        // The burn loop's draws, in its order, so both trainers see the same batches.
        let mut rng = StdRng::seed_from_u64(options.seed ^ (step as u64).wrapping_mul(0x9E37_79B9));
        let covers: Vec<Vec<f32>> = (0..options.batch).map(|_| planar(&mut rng)).collect();
        let secrets: Vec<Vec<Vec<f32>>> = (0..config.secrets)
            .map(|_| (0..options.batch).map(|_| planar(&mut rng)).collect())
            .collect();
        let _no_attack = attacks[rng.random_range(0..attacks.len())].sample(&mut rng);
        let batch = Batch {
            side: options.crop,
            covers: &covers,
            secrets: &secrets,
        };
        let outcome = direct.training_step(&batch, &objective);
        let values = StepLoss {
            total: outcome.total,
            container: outcome.container,
            reveal: outcome.reveal,
            lr,
        };
        if !values.total.is_finite() {
            return Err(Error::Data(format!("loss diverged at step {}", step + 1)));
        }
        let gradients: Vec<&[f32]> = outcome
            .gradients
            .iter()
            .flat_map(|g| [g.weight.as_slice(), g.bias.as_slice()])
            .collect();
        {
            let mut convs = direct.convs_mut();
            let mut params: Vec<&mut [f32]> = convs
                .iter_mut()
                .flat_map(|conv| conv.params_mut())
                .collect();
            adam.step(lr, &mut params, &gradients, options.clip_grad);
        }
        direct.refresh();
        let done = step + 1;
        observer.on_step(done, values);

        let out_of_time = options.progress(done, started.elapsed().as_secs_f64()) >= 1.0;
        let last = done == options.steps || out_of_time;
        let validate =
            !validation.is_empty() && (done % options.validate_every.max(1) == 0 || last);
        let save = done % options.checkpoint_every.max(1) == 0 || last;
        if validate || save {
            net = direct.write_into(net);
        }
        if validate {
            let stego = Stego::new(config.clone(), net.clone(), device);
            observer.on_validation(done, &evaluate(&stego, validation)?);
        }
        if save {
            observer.on_checkpoint(&checkpoint(config, options, done, &net, &adam)?)?;
        }
        if last {
            break;
        }
    }
    let net = direct.write_into(net);
    Ok(Stego::new(config.clone(), net, device))
}

fn checkpoint(
    config: &StegoConfig,
    options: &TrainOptions,
    step: usize,
    net: &StegoNet<CpuBackend>,
    adam: &Adam,
) -> Result<Checkpoint> {
    let weights = WeightRecorder::default()
        .record(net.clone().into_record(), ())
        .map_err(|e| Error::Weights(e.to_string()))?;
    Ok(Checkpoint {
        step,
        config: config.clone(),
        options: options.clone(),
        weights,
        compact_weights: Stego::new(config.clone(), net.clone(), Default::default())
            .compact_weight_bytes(),
        optimizer: adam.to_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::eval::EvalReport;
    use crate::backend::CpuTrainBackend;
    use crate::model::config::tiny_unshuffle;
    use crate::pixels::RgbImage;

    #[derive(Default)]
    struct Record {
        losses: Vec<StepLoss>,
        checkpoints: Vec<Vec<u8>>,
    }

    impl TrainObserver for Record {
        fn on_step(&mut self, _: usize, loss: StepLoss) {
            self.losses.push(loss);
        }
        fn on_validation(&mut self, _: usize, _: &EvalReport) {}
        fn on_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<()> {
            self.checkpoints.push(checkpoint.optimizer.clone());
            Ok(())
        }
    }

    fn photos() -> CropSampler {
        let photo = |seed: usize| {
            let data = (0..24 * 20 * 3)
                .map(|v| ((v * 29 + seed * 71) % 241) as u8)
                .collect();
            RgbImage::new(24, 20, data).unwrap()
        };
        CropSampler::new((0..4).map(photo).collect(), 8).unwrap()
    }

    fn options() -> TrainOptions {
        TrainOptions {
            steps: 6,
            batch: 3,
            crop: 8,
            clip_grad: Some(0.5),
            checkpoint_every: 3,
            lattice_penalty: 5.0,
            ..TrainOptions::default()
        }
    }

    #[test]
    fn both_trainers_take_the_same_steps() {
        let config = tiny_unshuffle(2);
        let data = photos();
        // The same starting weights (other tests seed burn's generator meanwhile).
        let bytes = weights(&config);
        let start = || Start::From(bytes.clone());
        let mut ours = Record::default();
        let direct = train_direct(&config, &options(), &data, &[], start(), &mut ours).unwrap();
        let mut theirs = Record::default();
        let device = Default::default();
        let burn = super::super::train::<CpuTrainBackend>(
            &config,
            &options(),
            &data,
            &[],
            start(),
            &mut theirs,
            &device,
        )
        .unwrap();
        assert_eq!(ours.losses.len(), 6);
        for (a, b) in ours.losses.iter().zip(&theirs.losses) {
            assert!(
                (a.total - b.total).abs() <= 1e-4 * b.total,
                "{} vs {}",
                a.total,
                b.total
            );
        }
        let cover = RgbImage::filled(8, 8, [90, 140, 200]).unwrap();
        let secret = RgbImage::filled(8, 8, [200, 30, 60]).unwrap();
        let a = direct
            .hide(&cover, &[secret.clone(), secret.clone()])
            .unwrap();
        let b = burn.hide(&cover, &[secret.clone(), secret]).unwrap();
        let differ = a
            .as_bytes()
            .iter()
            .zip(b.as_bytes())
            .filter(|(x, y)| x != y)
            .count();
        assert!(differ <= 2, "{differ} container bytes differ");
        assert_eq!(ours.checkpoints.len(), 2);
        assert!(ours
            .checkpoints
            .iter()
            .all(|c| c.starts_with(DIRECT_STATE_MAGIC)));
    }

    fn weights(config: &StegoConfig) -> Vec<u8> {
        let net = config.init::<CpuBackend>(&Default::default());
        Stego::new(config.clone(), net, Default::default()).weight_bytes()
    }

    #[test]
    fn a_resumed_run_continues_where_it_stopped() {
        let config = tiny_unshuffle(1);
        let data = photos();
        let mut whole = Checkpoints::default();
        let start = Start::From(weights(&config));
        train_direct(&config, &options(), &data, &[], start, &mut whole).unwrap();
        let halfway = whole.saved.remove(0);
        assert_eq!(halfway.step, 3);
        let mut rest = Checkpoints::default();
        let resumed = Start::Resume(Box::new(halfway));
        train_direct(&config, &options(), &data, &[], resumed, &mut rest).unwrap();
        assert_eq!(rest.losses.len(), 3);
        for (a, b) in rest.losses.iter().zip(&whole.losses[3..]) {
            assert!(
                (a.total - b.total).abs() <= 1e-6 * b.total,
                "{} vs {}",
                a.total,
                b.total
            );
        }
        assert_eq!(rest.saved[0].weights, whole.saved[0].weights);
    }

    /// Losses and whole checkpoints.
    #[derive(Default)]
    struct Checkpoints {
        losses: Vec<StepLoss>,
        saved: Vec<Checkpoint>,
    }

    impl TrainObserver for Checkpoints {
        fn on_step(&mut self, _: usize, loss: StepLoss) {
            self.losses.push(loss);
        }
        fn on_validation(&mut self, _: usize, _: &EvalReport) {}
        fn on_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<()> {
            self.saved.push(Checkpoint {
                step: checkpoint.step,
                config: checkpoint.config.clone(),
                options: checkpoint.options.clone(),
                weights: checkpoint.weights.clone(),
                compact_weights: checkpoint.compact_weights.clone(),
                optimizer: checkpoint.optimizer.clone(),
            });
            Ok(())
        }
    }

    #[test]
    fn runs_it_cannot_train_are_named() {
        let config = tiny_unshuffle(1);
        let attacked = TrainOptions {
            attacks: Some("none,jpeg:50-90".into()),
            ..TrainOptions::default()
        };
        assert!(unsupported(&config, &attacked).unwrap().contains("attacks"));
        assert!(unsupported(&config, &TrainOptions::default()).is_none());
        let baluja = StegoConfig {
            architecture: Architecture::Baluja { filters: 2 },
            ..config
        };
        assert!(unsupported(&baluja, &TrainOptions::default()).is_some());
    }
}
