//! The pure step of `plainsight train`: the flags resolved against where the run
//! starts into one checked model config and set of training options. No files are
//! read here; the defaults and the checks themselves live in the core
//! (`ModelChoice::resolve`, `TrainOptions::validate`).

use anyhow::{bail, Result};
use plainsight_core::train::{CodeKind, CodeOptions, Layout, ModelChoice, TrainOptions};
use plainsight_core::{Architecture, StegoConfig};

use super::{ArchChoice, CodeChoice, TrainArgs};

/// Where a run's model comes from, when not from scratch.
pub enum Base<'a> {
    /// `--resume`: the checkpoint's config, which the run must keep.
    Checkpoint(&'a StegoConfig),
    /// `--init MODEL`: the model's config, whose layout the run must keep.
    Init(&'a str, &'a StegoConfig),
}

impl Base<'_> {
    fn config(&self) -> &StegoConfig {
        match self {
            Base::Checkpoint(config) | Base::Init(_, config) => config,
        }
    }
}

/// Whether this run trains the keyed layout (named, or the base's).
fn keyed(args: &TrainArgs, base: Option<&Base>) -> bool {
    match args.arch {
        Some(arch) => matches!(arch, ArchChoice::Keyed),
        None => base.is_some_and(|b| matches!(b.config().architecture, Architecture::Keyed { .. })),
    }
}

/// The model and options this run trains with, checked.
pub fn resolve(args: &TrainArgs, base: Option<Base>) -> Result<(StegoConfig, TrainOptions)> {
    let choice = ModelChoice {
        secrets: args.secrets,
        beta: args.beta,
        layout: args.arch.map(|arch| match arch {
            ArchChoice::Unshuffle => Layout::Unshuffle,
            ArchChoice::Baluja => Layout::Baluja,
            ArchChoice::Keyed => Layout::Keyed,
        }),
        // The keyed layout's code is its linear start's directions.
        code: args.code_dims.filter(|_| keyed(args, base.as_ref())),
        scatter: args.scatter.then_some(true),
        factor: args.factor,
        channels: args.channels,
        prep_channels: args.prep_channels,
        depth: args.depth,
    };
    let config = choice.resolve(base.as_ref().map(Base::config))?;
    match &base {
        Some(Base::Checkpoint(theirs)) if **theirs != config => bail!(
            "the checkpoint in {} was trained as {:?}; this run asks for {:?} (drop the options that differ)",
            args.out.join("checkpoint").display(),
            theirs,
            config
        ),
        Some(Base::Init(spec, theirs))
            if theirs.secrets != config.secrets || theirs.architecture != config.architecture =>
        {
            bail!(
                "--init {spec}: that model has {} secret(s) and layout {:?}, but this run asks for {} and {:?}",
                theirs.secrets,
                theirs.architecture,
                config.secrets,
                config.architecture
            )
        }
        _ => {}
    }
    if args.reveal_only && base.is_none() {
        bail!("--reveal-only fine-tunes a trained model's reveal: give --init MODEL (or --resume such a run)");
    }
    if !matches!(args.code, CodeChoice::Principal) && args.no_code {
        bail!(
            "--code robust and --no-code contradict each other: the robust code is a starting code"
        );
    }
    let linear_code = match config.architecture {
        Architecture::Unshuffle { factor, .. } if !args.no_code => {
            let mut code = match args.code {
                CodeChoice::Principal => {
                    CodeOptions::recommended(config.secrets, 3 * factor * factor)
                }
                CodeChoice::Robust => CodeOptions::robust(),
                CodeChoice::Robust420 => CodeOptions {
                    kind: CodeKind::Robust420,
                    ..CodeOptions::robust()
                },
                CodeChoice::Lattice => bail!("--code lattice measures a code without networks"),
            };
            code.dims_per_secret = args.code_dims.unwrap_or(code.dims_per_secret);
            code.gain = args.code_gain;
            code.max_slot_noise = args.code_max_noise;
            Some(code)
        }
        Architecture::Keyed { code, .. } if !args.no_code => {
            if !matches!(args.code, CodeChoice::Principal) {
                bail!("the keyed layout starts from the principal code: drop --code");
            }
            Some(CodeOptions {
                dims_per_secret: code,
                gain: args.code_gain,
                ..CodeOptions::recommended(config.secrets, code)
            })
        }
        _ => None,
    };
    let options = TrainOptions {
        steps: args.steps,
        batch: args.batch,
        crop: args.crop,
        lr: args.lr,
        seed: args.seed,
        checkpoint_every: args.checkpoint_every,
        validate_every: args.validate_every,
        linear_code,
        attacks: args.attacks.clone(),
        time_limit_s: args.time_limit,
        smooth_residual: args.smooth_residual,
        reveal_only: args.reveal_only,
        clip_grad: args.clip_grad,
        log_loss: args.log_loss,
        lattice_penalty: args.lattice_penalty,
    };
    options.validate(&config)?;
    Ok((config, options))
}

/// Training options are taken as given on a resume; one note for each that
/// differs from the checkpoint's run, so a forgotten --lr or --attacks does not
/// pass unnoticed.
pub fn changed_options(saved: &TrainOptions, now: &TrainOptions) -> Vec<String> {
    let (Ok(serde_json::Value::Object(saved)), Ok(serde_json::Value::Object(now))) =
        (serde_json::to_value(saved), serde_json::to_value(now))
    else {
        return Vec::new();
    };
    // The starting code only matters before the first step.
    saved
        .iter()
        .filter(|(name, _)| *name != "linear_code")
        .filter_map(|(name, was)| {
            let is = now.get(name).unwrap_or(&serde_json::Value::Null);
            (is != was)
                .then(|| format!("resuming with {name} = {is} (the checkpoint's run had {was})"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: TrainArgs,
    }

    fn args(extra: &[&str]) -> TrainArgs {
        let base = ["train", "--data", "photos", "--out", "run"];
        Cli::parse_from(base.iter().chain(extra)).args
    }

    #[test]
    fn defaults_come_from_the_core() {
        let (config, options) = resolve(&args(&[]), None).unwrap();
        assert_eq!(config, StegoConfig::new(1).unwrap());
        let defaults = TrainOptions::default();
        assert_eq!(
            (
                options.steps,
                options.batch,
                options.crop,
                options.lr,
                options.seed
            ),
            (
                defaults.steps,
                defaults.batch,
                defaults.crop,
                defaults.lr,
                defaults.seed
            )
        );
        assert_eq!(
            options.linear_code,
            Some(CodeOptions::recommended(1, 48)),
            "the principal code for factor 4"
        );
    }

    #[test]
    fn a_resume_keeps_the_checkpoint_model() {
        let theirs = StegoConfig::new(3).unwrap();
        let (config, _) = resolve(&args(&[]), Some(Base::Checkpoint(&theirs))).unwrap();
        assert_eq!(config, theirs);
        let err = resolve(&args(&["--factor", "2"]), Some(Base::Checkpoint(&theirs)));
        assert!(err.unwrap_err().to_string().contains("drop the options"));
    }

    #[test]
    fn init_keeps_the_layout_and_takes_a_new_beta() {
        let theirs = StegoConfig::new(1).unwrap();
        let (config, _) =
            resolve(&args(&["--beta", "0.5"]), Some(Base::Init("m", &theirs))).unwrap();
        assert_eq!((config.beta, config.secrets), (0.5, 1));
        let err = resolve(&args(&["--secrets", "3"]), Some(Base::Init("m", &theirs)));
        assert!(err.unwrap_err().to_string().contains("layout"));
    }

    #[test]
    fn contradictions_are_refused() {
        for bad in [
            &["--reveal-only"][..],
            &["--code", "robust", "--no-code"],
            &["--code", "robust"],
            &["--arch", "baluja", "--depth", "3"],
            &["--time-limit", "0"],
            &["--clip-grad=-1"],
            &["--crop", "30"],
        ] {
            assert!(resolve(&args(bad), None).is_err(), "{bad:?} accepted");
        }
        let (_, options) = resolve(&args(&["--arch", "baluja"]), None).unwrap();
        assert_eq!(
            options.linear_code, None,
            "Baluja's layout has no linear path"
        );
    }

    #[test]
    fn changed_options_are_named() {
        let saved = TrainOptions::default();
        let now = TrainOptions {
            lr: 1e-4,
            ..TrainOptions::default()
        };
        let notes = changed_options(&saved, &now);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("lr"));
    }
}
