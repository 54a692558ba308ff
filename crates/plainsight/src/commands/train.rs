//! `plainsight train`: trains a model on a folder of photos.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use plainsight_core::eval::{make_pairs, EvalReport};
use plainsight_core::train::{
    train, Checkpoint, CodeOptions, CropSampler, Start, StepLoss, TrainObserver, TrainOptions,
};
use plainsight_core::{Architecture, StegoConfig};

use crate::images;
use crate::plot;

/// Train a model on a folder of photos (covers and secrets are drawn from it at random)
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder of training photos (PNG, JPEG, TIFF; searched recursively)
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
    #[arg(long, default_value_t = 4000)]
    steps: usize,
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Side of the random square training crops
    #[arg(long, default_value_t = 64)]
    crop: usize,
    /// Weight of the reveal error in the loss [default: 0.75, or the --init model's or
    /// resumed checkpoint's]
    #[arg(long)]
    beta: Option<f32>,
    /// Peak learning rate (Adam; cosine decay to a tenth)
    #[arg(long, default_value_t = 5e-4)]
    lr: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Network layout [default: unshuffle, or the --init model's or resumed checkpoint's]
    #[arg(long, value_enum)]
    arch: Option<ArchChoice>,
    /// Hidden width of the default architecture [default: 128, or the --init model's or
    /// resumed checkpoint's]
    #[arg(long)]
    channels: Option<usize>,
    /// Convolution layers in the hiding and each reveal network (default architecture)
    /// [default: 5, or the --init model's or resumed checkpoint's]
    #[arg(long)]
    depth: Option<usize>,
    /// Pixel-unshuffle factor of the default architecture [default: 4, or the --init
    /// model's or resumed checkpoint's]
    #[arg(long)]
    factor: Option<usize>,
    /// Width of each secret's prepared features (default architecture) [default: 64, or
    /// the --init model's or resumed checkpoint's]
    #[arg(long)]
    prep_channels: Option<usize>,
    /// Secret directions per secret in the starting linear code [default: principal
    /// code 3/8 of 3·factor² for one secret, 1/(2·secrets) of it for more; robust
    /// code 64, whose gains balance --beta (0.2 suits it)]
    #[arg(long)]
    code_dims: Option<usize>,
    /// Scale of the secret inside the cover in the starting principal code (the robust
    /// code sets one gain per slot itself)
    #[arg(long, default_value_t = 1.0 / 12.0)]
    code_gain: f64,
    /// Start from random weights instead of the linear code
    #[arg(long)]
    no_code: bool,
    /// Which linear code to start from: `principal` (the cover's least varying
    /// directions; lossless containers) or `robust` (colour-opponent DCT slots where
    /// the --attacks add little error; one secret, best with --factor 8)
    #[arg(long, value_enum, default_value_t = CodeChoice::Principal)]
    code: CodeChoice,
    /// Distortions between hiding and reveal, one drawn per step, for a robust model:
    /// a comma-separated list of `none`, `jpeg:Q1-Q2`, `noise:S1-S2`, `resize:F1-F2`
    /// (e.g. `none,jpeg:50-95,noise:0-3,resize:0.5-1`)
    #[arg(long)]
    attacks: Option<String>,
    /// Weight of the residual's roughness (squared differences of neighbouring
    /// container-minus-cover values) in the loss: pushes the hidden signal to lower
    /// frequencies, which steganalysers and JPEG see less
    #[arg(long, default_value_t = 0.0)]
    smooth_residual: f32,
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
    #[arg(long, default_value_t = 250)]
    checkpoint_every: usize,
    /// Validate every this many steps
    #[arg(long, default_value_t = 250)]
    validate_every: usize,
    /// Number of validation pairs
    #[arg(long, default_value_t = 16)]
    val_count: usize,
    /// Side of the validation centre crops
    #[arg(long, default_value_t = 128)]
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CodeChoice {
    Principal,
    Robust,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ArchChoice {
    /// Pixel-unshuffle residual network (default)
    Unshuffle,
    /// Baluja's three-branch layout, 50 filters per branch
    Baluja,
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum Device {
    Cpu,
    Cuda,
}

pub fn run(args: TrainArgs) -> Result<()> {
    // Where the run starts decides the defaults of the layout options.
    let resumed = if args.resume {
        Some(read_checkpoint(&args.out.join("checkpoint"))?)
    } else {
        if args.out.join("checkpoint").exists() {
            bail!(
                "{} already holds a training run; pass --resume to continue it or choose another --out",
                args.out.display()
            );
        }
        None
    };
    let init = match &args.init {
        Some(spec) => Some((spec, crate::model::load(Some(spec), 1)?.stego)),
        None => None,
    };
    let base = match (&resumed, &init) {
        (Some(checkpoint), _) => Some(checkpoint.config.clone()),
        (None, Some((_, model))) => Some(model.config().clone()),
        (None, None) => None,
    };
    let config = model_config(&args, base.as_ref());
    config.validate()?;
    let unshuffle_only = [args.channels, args.depth, args.factor, args.prep_channels];
    if matches!(config.architecture, Architecture::Baluja { .. })
        && unshuffle_only.iter().any(Option::is_some)
    {
        bail!("--channels, --depth, --factor and --prep-channels shape the unshuffle layout; this run trains Baluja's");
    }
    let secrets = config.secrets;
    let unshuffle_factor = match config.architecture {
        Architecture::Unshuffle { factor, .. } => Some(factor),
        Architecture::Baluja { .. } => None,
    };
    let options = TrainOptions {
        steps: args.steps,
        batch: args.batch,
        crop: args.crop,
        lr: args.lr,
        seed: args.seed,
        checkpoint_every: args.checkpoint_every,
        validate_every: args.validate_every,
        linear_code: unshuffle_factor.filter(|_| !args.no_code).map(|factor| {
            let dims = 3 * factor * factor;
            let mut code = match args.code {
                CodeChoice::Principal => CodeOptions::recommended(secrets, dims),
                CodeChoice::Robust => CodeOptions::robust(),
            };
            code.dims_per_secret = args.code_dims.unwrap_or(code.dims_per_secret);
            code.gain = args.code_gain;
            code
        }),
        attacks: args.attacks.clone(),
        time_limit_s: args.time_limit,
        smooth_residual: args.smooth_residual,
        reveal_only: args.reveal_only,
        clip_grad: args.clip_grad,
        log_loss: args.log_loss,
    };
    if args.reveal_only && args.init.is_none() && !args.resume {
        bail!("--reveal-only fine-tunes a trained model's reveal: give --init MODEL (or --resume such a run)");
    }
    if args.clip_grad.is_some_and(|c| !(c > 0.0 && c.is_finite())) {
        bail!("--clip-grad must be a positive number");
    }
    if !(args.smooth_residual >= 0.0 && args.smooth_residual.is_finite()) {
        bail!("--smooth-residual must be a number ≥ 0");
    }
    if args.time_limit.is_some_and(|t| !(t > 0.0 && t.is_finite())) {
        bail!("--time-limit must be a positive number of seconds");
    }
    if let Some(spec) = &args.attacks {
        plainsight_core::distort::AttackRange::parse_list(spec)?;
    }
    if matches!(args.code, CodeChoice::Robust) {
        if args.attacks.is_none() || args.no_code {
            bail!("--code robust needs attacks to choose its slots for (--attacks) and the code itself (no --no-code)");
        }
        if secrets != 1 {
            bail!("--code robust carries one secret (--secrets 1)");
        }
    }
    let start = match (resumed, init) {
        (Some(checkpoint), _) => {
            if checkpoint.config != config {
                bail!(
                    "the checkpoint in {} was trained as {:?}; this run asks for {:?} (drop the options that differ)",
                    args.out.join("checkpoint").display(),
                    checkpoint.config,
                    config
                );
            }
            warn_of_changed_options(&checkpoint.options, &options);
            Start::Resume(Box::new(checkpoint))
        }
        (None, Some((spec, model))) => {
            let theirs = model.config();
            if theirs.secrets != config.secrets || theirs.architecture != config.architecture {
                bail!(
                    "--init {spec}: that model has {} secret(s) and layout {:?}, but this run asks for {} and {:?}",
                    theirs.secrets,
                    theirs.architecture,
                    config.secrets,
                    config.architecture
                );
            }
            Start::From(model.weight_bytes())
        }
        (None, None) => Start::Fresh,
    };

    if args.device == Device::Cuda && !cfg!(feature = "cuda") {
        bail!("this plainsight was built without GPU support; rebuild with `--features cuda`");
    }
    eprintln!("loading photos from {}", args.data.display());
    let photos = images::load_photos(&args.data)?;
    let sampler = CropSampler::new(photos, args.crop)?;
    let validation = match &args.val {
        Some(dir) => {
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
            pairs
        }
        None => Vec::new(),
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let start_step = match &start {
        Start::Resume(c) => c.step,
        _ => 0,
    };
    let mut observer = FileObserver::new(&args.out, &options, start_step, args.resume)?;
    eprintln!(
        "training {} secret(s), {} steps of batch {} on {}x{} crops",
        secrets, args.steps, args.batch, args.crop, args.crop
    );
    match args.device {
        Device::Cpu => {
            let device = Default::default();
            train::<plainsight_core::CpuTrainBackend>(
                &config,
                &options,
                &sampler,
                &validation,
                start,
                &mut observer,
                &device,
            )?;
        }
        Device::Cuda => train_cuda(
            &config,
            &options,
            &sampler,
            &validation,
            start,
            &mut observer,
        )?,
    }
    observer.bar.finish();
    eprintln!("done: weights in {}", args.out.display());
    Ok(())
}

#[cfg(feature = "cuda")]
fn train_cuda(
    config: &StegoConfig,
    options: &TrainOptions,
    sampler: &CropSampler,
    validation: &[plainsight_core::eval::Pair],
    start: Start,
    observer: &mut FileObserver,
) -> Result<()> {
    let device = plainsight_core::backend::CudaDevice::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        train::<plainsight_core::backend::CudaTrainBackend>(
            config, options, sampler, validation, start, observer, &device,
        )
    }));
    match result {
        Ok(outcome) => outcome.map(|_| ()).map_err(Into::into),
        Err(_) => bail!("CUDA failed to start: is there an NVIDIA GPU and driver on this machine?"),
    }
}

#[cfg(not(feature = "cuda"))]
fn train_cuda(
    _: &StegoConfig,
    _: &TrainOptions,
    _: &CropSampler,
    _: &[plainsight_core::eval::Pair],
    _: Start,
    _: &mut FileObserver,
) -> Result<()> {
    bail!("this plainsight was built without GPU support; rebuild with `--features cuda`")
}

/// Training options are taken as given on a resume; say which differ from the
/// checkpoint's, so a forgotten --lr or --attacks does not pass unnoticed.
fn warn_of_changed_options(saved: &TrainOptions, now: &TrainOptions) {
    let (Ok(serde_json::Value::Object(saved)), Ok(serde_json::Value::Object(now))) =
        (serde_json::to_value(saved), serde_json::to_value(now))
    else {
        return;
    };
    // The starting code only matters before the first step.
    for (name, was) in saved.iter().filter(|(name, _)| *name != "linear_code") {
        let is = now.get(name).unwrap_or(&serde_json::Value::Null);
        if is != was {
            eprintln!("note: resuming with {name} = {is} (the checkpoint's run had {was})");
        }
    }
}

/// The model this run trains: the layout options given, the others from `base` (the
/// --init model or the resumed checkpoint), else the built-in defaults.
fn model_config(args: &TrainArgs, base: Option<&StegoConfig>) -> StegoConfig {
    let base = base.cloned().unwrap_or(StegoConfig {
        secrets: 1,
        architecture: Architecture::default_unshuffle(),
        beta: 0.75,
    });
    let baluja = match args.arch {
        Some(choice) => matches!(choice, ArchChoice::Baluja),
        None => matches!(base.architecture, Architecture::Baluja { .. }),
    };
    let architecture = match (baluja, base.architecture) {
        (true, theirs @ Architecture::Baluja { .. }) => theirs,
        (true, _) => Architecture::baluja(),
        (false, theirs) => {
            let unshuffle = match theirs {
                Architecture::Baluja { .. } => Architecture::default_unshuffle(),
                unshuffle => unshuffle,
            };
            let Architecture::Unshuffle {
                factor,
                channels,
                prep_channels,
                depth,
            } = unshuffle
            else {
                unreachable!("Baluja was replaced above")
            };
            Architecture::Unshuffle {
                factor: args.factor.unwrap_or(factor),
                channels: args.channels.unwrap_or(channels),
                prep_channels: args.prep_channels.unwrap_or(prep_channels),
                depth: args.depth.unwrap_or(depth),
            }
        }
    };
    StegoConfig {
        secrets: args.secrets.unwrap_or(base.secrets),
        architecture,
        beta: args.beta.unwrap_or(base.beta),
    }
}

fn read_checkpoint(dir: &Path) -> Result<Checkpoint> {
    let read = |name: &str| {
        fs::read(dir.join(name))
            .with_context(|| format!("cannot read {}", dir.join(name).display()))
    };
    let saved = StegoConfig::from_json(&String::from_utf8_lossy(&read("config.json")?))?;
    let state: serde_json::Value = serde_json::from_slice(&read("state.json")?)?;
    let step = state["step"].as_u64().context("state.json has no step")? as usize;
    let options = serde_json::from_value(state["options"].clone())?;
    Ok(Checkpoint {
        step,
        config: saved,
        options,
        weights: read("model.mpk")?,
        compact_weights: Vec::new(),
        optimizer: read("optimizer.mpk")?,
    })
}

/// Writes logs, checkpoints and the loss curve under the output folder.
struct FileObserver {
    out: PathBuf,
    bar: ProgressBar,
    train_log: fs::File,
    val_log: fs::File,
    started: Instant,
    losses: Vec<(usize, f64)>,
}

impl FileObserver {
    fn new(out: &Path, options: &TrainOptions, start_step: usize, resume: bool) -> Result<Self> {
        let open = |name: &str, header: &str| -> Result<fs::File> {
            let path = out.join(name);
            if resume {
                drop_rows_after(&path, start_step)?;
            }
            let fresh = !path.exists();
            let mut file = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            if fresh {
                writeln!(file, "{header}")?;
            }
            Ok(file)
        };
        let train_log = open(
            "train_log.csv",
            "step,loss,container_mse,reveal_mse,lr,elapsed_s",
        )?;
        let val_log = open(
            "val_log.csv",
            "step,container_psnr,container_psnr_worst,container_ssim,revealed_psnr,revealed_psnr_worst,revealed_ssim",
        )?;
        let losses = read_losses(&out.join("train_log.csv"));
        let bar = ProgressBar::new(options.steps as u64).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}  eta {eta}")
                .expect("valid template"),
        );
        bar.set_position(start_step as u64);
        bar.reset_eta();
        Ok(FileObserver {
            out: out.to_path_buf(),
            bar,
            train_log,
            val_log,
            started: Instant::now(),
            losses,
        })
    }
}

/// Drops a log's rows past `step`: a run stopped after its last checkpoint logged
/// steps that the resumed run does again.
fn drop_rows_after(path: &Path, step: usize) -> Result<()> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(());
    };
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let fields = header.split(',').count();
    let rows: Vec<&str> = lines.collect();
    // Rows of another width were cut short by a crash: dropped too.
    let kept: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|row| {
            let logged = row.split(',').next().and_then(|f| f.parse::<usize>().ok());
            row.split(',').count() == fields && logged.is_some_and(|s| s <= step)
        })
        .collect();
    if kept.len() < rows.len() || !text.ends_with('\n') {
        let text: String = std::iter::once(header)
            .chain(kept)
            .map(|line| format!("{line}\n"))
            .collect();
        images::write_atomically(path, text.as_bytes())?;
    }
    Ok(())
}

fn read_losses(path: &Path) -> Vec<(usize, f64)> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
        })
        .collect()
}

impl TrainObserver for FileObserver {
    fn on_step(&mut self, step: usize, loss: StepLoss) {
        let _ = writeln!(
            self.train_log,
            "{step},{:.6e},{:.6e},{:.6e},{:.3e},{:.1}",
            loss.total,
            loss.container,
            loss.reveal,
            loss.lr,
            self.started.elapsed().as_secs_f64()
        );
        self.losses.push((step, loss.total));
        self.bar.set_position(step as u64);
        self.bar.set_message(format!("loss {:.2e}", loss.total));
    }

    fn on_validation(&mut self, step: usize, r: &EvalReport) {
        let _ = writeln!(
            self.val_log,
            "{step},{:.3},{:.3},{:.4},{:.3},{:.3},{:.4}",
            r.container_psnr.mean,
            r.container_psnr.worst,
            r.container_ssim.mean,
            r.revealed_psnr.mean,
            r.revealed_psnr.worst,
            r.revealed_ssim.mean
        );
        self.bar.println(format!(
            "step {step}: container {:.2} dB (ssim {:.3}), revealed {:.2} dB (ssim {:.3})",
            r.container_psnr.mean,
            r.container_ssim.mean,
            r.revealed_psnr.mean,
            r.revealed_ssim.mean
        ));
    }

    fn on_checkpoint(&mut self, c: &Checkpoint) -> plainsight_core::Result<()> {
        self.save(c)
            .map_err(|e| plainsight_core::Error::Data(format!("cannot save checkpoint: {e:#}")))
    }
}

impl FileObserver {
    fn save(&mut self, c: &Checkpoint) -> Result<()> {
        let dir = self.out.join("checkpoint");
        let config = c.config.to_json();
        let state = serde_json::json!({ "step": c.step, "options": c.options });
        images::write_atomically(&dir.join("config.json"), config.as_bytes())?;
        images::write_atomically(&dir.join("model.mpk"), &c.weights)?;
        images::write_atomically(&dir.join("optimizer.mpk"), &c.optimizer)?;
        // state.json last: it says which step the files above belong to.
        images::write_atomically(&dir.join("state.json"), state.to_string().as_bytes())?;
        // The latest weights, ready for `--model OUT`, with 16-bit floats.
        images::write_atomically(&self.out.join("config.json"), config.as_bytes())?;
        images::write_atomically(&self.out.join("model.mpk"), &c.compact_weights)?;
        self.train_log.flush()?;
        self.val_log.flush()?;
        let curve = plot::loss_curve(&self.losses, 900, 420);
        images::save_png(&self.out.join("loss.png"), &curve)?;
        Ok(())
    }
}
