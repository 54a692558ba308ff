//! `plainsight train`: trains a model on a folder of photos.

mod files;
mod lattice;
mod plan;

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use plainsight_core::analysis::eval::{make_pairs, Pair};
use plainsight_core::train::{
    direct, direct_unsupported, train, train_direct, CropSampler, Start, TrainObserver,
    TrainOptions, DEFAULT_CODE_GAIN,
};
use plainsight_core::StegoConfig;

use super::ranges;
use super::report;
use crate::images;
use files::{read_checkpoint, FileObserver};

/// Train a model on a folder of photos (covers and secrets are drawn from it at random)
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder of training photos (PNG, JPEG, TIFF, BMP; searched recursively)
    #[arg(long)]
    data: PathBuf,
    /// Folder of validation photos (centre crops, measured on 8-bit containers)
    #[arg(long)]
    val: Option<PathBuf>,
    /// Secrets per container (1 to 3) [default: 1, or the --init model's or resumed
    /// checkpoint's, as for every model option: --secrets, --beta, --arch, --channels,
    /// --depth, --factor, --prep-channels]
    #[arg(long)]
    secrets: Option<usize>,
    /// Output folder: config.json, model.mpk, logs, loss curve, checkpoint/
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = TrainOptions::default().steps, value_parser = ranges::steps)]
    steps: usize,
    #[arg(long, default_value_t = TrainOptions::default().batch, value_parser = ranges::batch)]
    batch: usize,
    /// Side of the random square training crops
    #[arg(long, default_value_t = TrainOptions::default().crop, value_parser = ranges::crop_side)]
    crop: usize,
    /// Weight of the reveal error in the loss [default: 0.75 (`DEFAULT_BETA`), or the
    /// --init model's or resumed checkpoint's]
    #[arg(long)]
    beta: Option<f32>,
    /// Peak learning rate (Adam; cosine decay to a tenth)
    #[arg(long, default_value_t = TrainOptions::default().lr)]
    lr: f64,
    #[arg(long, default_value_t = TrainOptions::default().seed)]
    seed: u64,
    /// Network layout [default: unshuffle, or the --init model's or resumed checkpoint's]
    #[arg(long, value_enum)]
    arch: Option<ArchChoice>,
    /// Hidden width of the default architecture [default: 128, or the --init model's or
    /// resumed checkpoint's]
    #[arg(long, value_parser = ranges::width)]
    channels: Option<usize>,
    /// Convolution layers in the hiding and each reveal network (default architecture)
    /// [default: 5, or the --init model's or resumed checkpoint's]
    #[arg(long, value_parser = ranges::depth)]
    depth: Option<usize>,
    /// Pixel-unshuffle factor of the default architecture [default: 4, or the --init
    /// model's or resumed checkpoint's]
    #[arg(long, value_parser = ranges::factor)]
    factor: Option<usize>,
    /// Width of each secret's prepared features (default architecture) [default: 64, or
    /// the --init model's or resumed checkpoint's]
    #[arg(long, value_parser = ranges::width)]
    prep_channels: Option<usize>,
    /// Secret directions per secret in the starting linear code [default: principal
    /// code 3/8 of 3·factor² for one secret, 1/(2·secrets) of it for more; robust
    /// code 64, whose gains balance --beta (0.2 suits it)]
    #[arg(long, value_parser = ranges::at_least_one)]
    code_dims: Option<usize>,
    /// Scale of the secret inside the cover in the starting principal code (the robust
    /// code sets one gain per slot itself)
    #[arg(long, default_value_t = DEFAULT_CODE_GAIN)]
    code_gain: f64,
    /// Leave out of the robust code every candidate slot where the --attacks add more
    /// error than this many 8-bit levels² (the test signal is 36)
    #[arg(long, value_name = "LEVELS2")]
    code_max_noise: Option<f64>,
    /// Start from random weights instead of the linear code
    #[arg(long)]
    no_code: bool,
    /// Keyed layout: the key also moves every block's code to another block of the
    /// picture, so a wrong key's output shows no trace of where the secret has detail
    #[arg(long)]
    scatter: bool,
    /// Which linear code to start from: `principal` (the cover's least varying
    /// directions; lossless containers), `robust` (colour-opponent DCT slots where
    /// the --attacks add little error; one secret, best with --factor 8) or
    /// `robust420` (the same among JPEG 4:2:0's own coefficients; --factor 16); or
    /// `lattice`: no networks, only the closed-form code for JPEG channels measured on
    /// --data and written to OUT/lattice.bin (--code-dims: slots per 8x8 block, 16)
    #[arg(long, value_enum, default_value_t = CodeChoice::Principal)]
    code: CodeChoice,
    /// Distortions between hiding and reveal, one drawn per step, for a robust model:
    /// a comma-separated list of `none`, `jpeg:Q1-Q2` (4:2:0 chroma), `jpeg444:Q1-Q2`,
    /// `noise:S1-S2`, `resize:F1-F2` (filter drawn per step; or `resize:F1-F2:bicubic`)
    /// `chat:F1-F2` (downscale, JPEG 4:2:0 q70-85, upscale) and `lowbit:S1-S2` (random
    /// lowest bits in that share of the samples, so reveal tolerates the exact layer), e.g.
    /// `none,jpeg:50-95,noise:0-3,resize:0.5-1`. Before December 2026 `jpeg` meant
    /// 4:4:4: write `jpeg444` to repeat an older run
    #[arg(long)]
    attacks: Option<String>,
    /// Weight of the residual's roughness (squared differences of neighbouring
    /// container-minus-cover values) in the loss: pushes the hidden signal to lower
    /// frequencies, which steganalysers and JPEG see less
    #[arg(long, default_value_t = 0.0)]
    smooth_residual: f32,
    /// Add W × the residual's energy at the 8-pixel block lattice's frequencies to
    /// the loss (the fingerprint block-lattice steganalysers see); --crop must be a
    /// multiple of 8
    #[arg(long, default_value_t = 0.0, value_name = "W")]
    lattice_penalty: f32,
    /// Train only the reveal networks (with --init): hiding and the container stay
    /// exactly as the starting model makes them, reveal learns the --attacks
    #[arg(long)]
    reveal_only: bool,
    /// Minimise each image's log error (−PSNR, image by image) instead of the batch
    /// MSE: every image then counts equally in dB, as the reported mean PSNR does, and
    /// β weighs dB against dB (a plain-loss β matches about β·MSE(secret)/MSE(container))
    #[arg(long)]
    log_loss: bool,
    /// Clip each weight tensor's gradient to this L2 norm (steadier at higher --lr)
    #[arg(long, value_name = "NORM")]
    clip_grad: Option<f32>,
    /// Stop after this many seconds (the learning rate decays by time or by steps,
    /// whichever is further along); counted afresh by --resume
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Save a checkpoint every this many steps
    #[arg(long, default_value_t = TrainOptions::default().checkpoint_every, value_parser = ranges::at_least_one)]
    checkpoint_every: usize,
    /// Validate every this many steps
    #[arg(long, default_value_t = TrainOptions::default().validate_every, value_parser = ranges::at_least_one)]
    validate_every: usize,
    /// Number of validation pairs
    #[arg(long, default_value_t = 16, value_parser = ranges::at_least_one)]
    val_count: usize,
    /// Side of the validation centre crops
    #[arg(long, default_value_t = 128, value_parser = ranges::crop_side)]
    val_crop: usize,
    /// Continue from OUT/checkpoint: the model options come from it; training options
    /// (--lr, --steps, --attacks, ...) are taken as given, defaults where left out, and
    /// any that differ from the checkpoint's run are named on stderr
    #[arg(long, conflicts_with = "init")]
    resume: bool,
    /// Start from the weights of this model (embedded name or folder) with a new
    /// optimiser and schedule; layout options given must match it
    #[arg(long, value_name = "MODEL")]
    init: Option<String>,
    /// Where to train
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    device: Device,
    /// What computes the gradients on the CPU: the direct path (about 3× faster;
    /// the unshuffle layout without --attacks, --smooth-residual or --reveal-only)
    /// or burn [default: direct where it can, else burn]
    #[arg(long, value_enum)]
    engine: Option<Engine>,
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum Engine {
    Direct,
    Burn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CodeChoice {
    Principal,
    Robust,
    Robust420,
    Lattice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ArchChoice {
    /// Pixel-unshuffle residual network (default)
    Unshuffle,
    /// Baluja's three-branch layout, 50 filters per branch
    Baluja,
    /// The unshuffle networks split at a code per block that the key mixes (a key
    /// that leaves nothing of the secret without it; --code-dims sets the code length)
    Keyed,
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum Device {
    Cpu,
    Cuda,
}

pub fn run(args: TrainArgs) -> Result<()> {
    if matches!(args.code, CodeChoice::Lattice) {
        return lattice::run(&args);
    }
    // Where the run starts decides the defaults of the layout options.
    let checkpoint_dir = args.out.join("checkpoint");
    let resumed = match args.resume {
        true => Some(read_checkpoint(&checkpoint_dir)?),
        false if checkpoint_dir.exists() => bail!(
            "{} already holds a training run; pass --resume to continue it or choose another --out",
            args.out.display()
        ),
        false => None,
    };
    let init = match &args.init {
        Some(spec) => Some((
            spec,
            crate::model::load(Some(spec), 1)?.into_networks("--init")?,
        )),
        None => None,
    };
    let base = match (&resumed, &init) {
        (Some(checkpoint), _) => Some(plan::Base::Checkpoint(&checkpoint.config)),
        (None, Some((spec, model))) => Some(plan::Base::Init(spec, model.config())),
        (None, None) => None,
    };
    let (config, options) = plan::resolve(&args, base)?;
    let mut notes = Vec::new();
    let start = match (resumed, init) {
        (Some(checkpoint), _) => {
            notes = plan::changed_options(&checkpoint.options, &options);
            Start::Resume(Box::new(checkpoint))
        }
        (None, Some((_, model))) => Start::From(model.weight_bytes()),
        (None, None) => Start::Fresh,
    };
    if args.device == Device::Cuda && !cfg!(feature = "cuda") {
        bail!("this plainsight was built without GPU support; rebuild with `--features cuda`");
    }
    let engine = engine(&args, &config, &options, &start)?;
    for note in notes {
        report::say(&format!("note: {note}"));
    }

    let photos = images::load_photos(&args.data)?;
    report::say(&format!(
        "loaded {} photos from {}",
        photos.len(),
        args.data.display()
    ));
    let sampler = CropSampler::new(photos, args.crop)?;
    let validation = match &args.val {
        Some(dir) => validation_pairs(dir, &args, config.secrets)?,
        None => Vec::new(),
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let start_step = match &start {
        Start::Resume(c) => c.step,
        _ => 0,
    };
    let mut observer = FileObserver::new(&args.out, &options, start_step, args.resume)?;
    report::say(&format!(
        "training {} secret(s), {} steps of batch {} on {}x{} crops",
        config.secrets, args.steps, args.batch, args.crop, args.crop
    ));
    let job = Job {
        config: &config,
        options: &options,
        sampler: &sampler,
        validation: &validation,
    };
    match (args.device, engine) {
        (Device::Cpu, Engine::Direct) => {
            train_direct(
                job.config,
                job.options,
                job.sampler,
                job.validation,
                start,
                &mut observer,
            )?;
        }
        (Device::Cpu, Engine::Burn) => {
            train::<plainsight_core::CpuTrainBackend>(
                job.config,
                job.options,
                job.sampler,
                job.validation,
                start,
                &mut observer,
                &Default::default(),
            )?;
        }
        (Device::Cuda, _) => train_cuda(&job, start, &mut observer)?,
    }
    observer.bar.finish();
    report::say(&format!("done: weights in {}", args.out.display()));
    Ok(())
}

/// The engine asked for, or the direct path where it can train the run. A
/// resumed run stays on the engine that wrote its checkpoint.
fn engine(
    args: &TrainArgs,
    config: &StegoConfig,
    options: &TrainOptions,
    start: &Start,
) -> Result<Engine> {
    let resumed_on = match start {
        Start::Resume(checkpoint) if direct::is_direct_checkpoint(checkpoint) => {
            Some(Engine::Direct)
        }
        Start::Resume(_) => Some(Engine::Burn),
        _ => None,
    };
    if args.device == Device::Cuda {
        if args.engine == Some(Engine::Direct) || resumed_on == Some(Engine::Direct) {
            bail!("the direct trainer runs on the CPU only; train on the GPU with --engine burn");
        }
        return Ok(Engine::Burn);
    }
    let unsupported = direct_unsupported(config, options);
    match (args.engine, resumed_on, unsupported) {
        (Some(asked), Some(resumed), _) if asked != resumed => bail!(
            "this checkpoint was written by the {} trainer; resume it with --engine {}",
            name(resumed),
            name(resumed)
        ),
        (Some(Engine::Direct), _, Some(why)) => bail!("--engine direct cannot train this: {why}"),
        (Some(asked), _, _) => Ok(asked),
        (None, Some(resumed), _) => Ok(resumed),
        (None, None, Some(why)) => {
            report::say(&format!("note: training on burn: {why}"));
            Ok(Engine::Burn)
        }
        (None, None, None) => Ok(Engine::Direct),
    }
}

fn name(engine: Engine) -> &'static str {
    match engine {
        Engine::Direct => "direct",
        Engine::Burn => "burn",
    }
}

/// Centre crops of the validation photos, paired as `eval` pairs them.
fn validation_pairs(dir: &std::path::Path, args: &TrainArgs, secrets: usize) -> Result<Vec<Pair>> {
    let photos = images::load_photos(dir)?;
    let mut pairs = make_pairs(&photos, secrets, Some(args.val_crop));
    pairs.truncate(args.val_count);
    if pairs.is_empty() {
        bail!(
            "{}: not enough photos of {} px for validation",
            dir.display(),
            args.val_crop
        );
    }
    Ok(pairs)
}

/// What one training run needs besides its start and observer.
struct Job<'a> {
    config: &'a StegoConfig,
    options: &'a TrainOptions,
    sampler: &'a CropSampler,
    validation: &'a [Pair],
}

#[cfg(feature = "cuda")]
fn train_cuda(job: &Job, start: Start, observer: &mut dyn TrainObserver) -> Result<()> {
    let device = plainsight_core::backend::CudaDevice::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        train::<plainsight_core::backend::CudaTrainBackend>(
            job.config,
            job.options,
            job.sampler,
            job.validation,
            start,
            observer,
            &device,
        )
    }));
    match result {
        Ok(outcome) => outcome.map(|_| ()).map_err(Into::into),
        Err(_) => bail!("CUDA failed to start: is there an NVIDIA GPU and driver on this machine?"),
    }
}

#[cfg(not(feature = "cuda"))]
fn train_cuda(_: &Job, _: Start, _: &mut dyn TrainObserver) -> Result<()> {
    bail!("this plainsight was built without GPU support; rebuild with `--features cuda`")
}
