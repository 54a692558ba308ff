//! How to train: [`TrainOptions`] and the starting code, with their defaults and
//! checks in one place; the learning-rate schedule.

use serde::{Deserialize, Serialize};

use crate::channel::AttackRange;
use crate::code::{SlotBasis, JPEG420_FACTOR};
use crate::error::{Error, Result};
use crate::model::loss::LATTICE;
use crate::model::{Architecture, StegoConfig};

/// How to train (the model itself is described by [`StegoConfig`]); checked by
/// [`TrainOptions::validate`].
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
    /// photos (see [`crate::code`]); `None` starts from random weights.
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
    /// Weight of [`crate::model::loss::residual_roughness`] in the loss (0: Baluja's loss alone).
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
    /// Minimise each image's log error ([`crate::model::loss::log_stego_loss`], what mean PSNR measures)
    /// instead of the batch MSE.
    #[serde(default)]
    pub log_loss: bool,
    /// Weight of [`crate::model::loss::lattice_energy`] of the container minus the
    /// cover in the loss (0: none): the residual's energy at the 8-pixel block
    /// lattice's frequencies, the fingerprint steganalysers see.
    #[serde(default)]
    pub lattice_penalty: f32,
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
    /// A robust code leaves out the candidate slots where the training attacks add
    /// more error than this (8-bit levels², against a 36-level² test signal).
    #[serde(default)]
    pub max_slot_noise: Option<f64>,
}

/// The two starting codes of [`crate::code`].
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    /// Replace the cover's least varying principal directions (lossless channels).
    #[default]
    Principal,
    /// Colour-opponent DCT slots where the training attacks add little error, one
    /// gain per slot ([`crate::code::BlockStatistics::robust_code`]; one secret).
    Robust,
    /// The same, with JPEG 4:2:0's own coefficients as the candidate slots (luma
    /// per 8×8 block, chroma at half resolution; [`SlotBasis::Jpeg420`]): `--factor 16`.
    Robust420,
}

impl CodeKind {
    /// The candidate slots of a robust code; `None` for the principal code.
    pub fn slot_basis(self) -> Option<SlotBasis> {
        match self {
            CodeKind::Principal => None,
            CodeKind::Robust => Some(SlotBasis::OpponentDct),
            CodeKind::Robust420 => Some(SlotBasis::Jpeg420),
        }
    }
}

impl CodeOptions {
    /// The robust code's default: 64 secret directions (one secret), measured on
    /// bsds500/val with `factor` 8 and β 0.2 (docs/model.md; 24 until the second
    /// robust model).
    pub fn robust() -> Self {
        CodeOptions {
            dims_per_secret: 64,
            gain: DEFAULT_CODE_GAIN,
            kind: CodeKind::Robust,
            max_slot_noise: None,
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
            gain: DEFAULT_CODE_GAIN,
            kind: CodeKind::Principal,
            max_slot_noise: None,
        }
    }
}

/// Scale of the secret inside the cover in the principal code.
pub const DEFAULT_CODE_GAIN: f64 = 1.0 / 12.0;

impl Default for TrainOptions {
    /// The defaults of `plainsight train` (which reads them from here).
    fn default() -> Self {
        TrainOptions {
            steps: 4000,
            batch: 8,
            crop: 64,
            lr: 5e-4,
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
            lattice_penalty: 0.0,
        }
    }
}

impl TrainOptions {
    /// Learning rate at `step`, `progress` (0–1) through the run: a linear warm-up
    /// over the first 100 steps (so Adam's first, poorly scaled updates do not wreck
    /// a linear-code start), then cosine decay from `lr` to `lr / 10`.
    pub fn lr_at_progress(&self, step: usize, progress: f64) -> f64 {
        let warmup = (self.steps / 10).clamp(1, 100);
        let ramp = ((step + 1) as f64 / warmup as f64).min(1.0);
        let progress = progress.clamp(0.0, 1.0);
        ramp * self.lr * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()))
    }

    /// Checks every option, and that they fit `config` (crop a whole number of
    /// blocks, the robust code only for one secret and with attacks to measure).
    pub fn validate(&self, config: &StegoConfig) -> Result<()> {
        let option = |option, problem: &str| {
            Err(Error::Option {
                option,
                problem: problem.to_string(),
            })
        };
        for (name, value) in [
            ("steps", self.steps),
            ("batch", self.batch),
            ("crop", self.crop),
        ] {
            if value == 0 {
                return option(name, "must be at least 1");
            }
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return option("lr", "must be a positive number");
        }
        let multiple = config.architecture.size_multiple();
        if !self.crop.is_multiple_of(multiple) {
            return option(
                "crop",
                &format!("must be a multiple of {multiple} (the block size)"),
            );
        }
        if self.clip_grad.is_some_and(|c| !(c > 0.0 && c.is_finite())) {
            return option("clip-grad", "must be a positive number");
        }
        if !(self.smooth_residual >= 0.0 && self.smooth_residual.is_finite()) {
            return option("smooth-residual", "must be a number ≥ 0");
        }
        if !(self.lattice_penalty >= 0.0 && self.lattice_penalty.is_finite()) {
            return option("lattice-penalty", "must be a number ≥ 0");
        }
        if self.lattice_penalty > 0.0 && !self.crop.is_multiple_of(LATTICE) {
            return option(
                "crop",
                &format!("must be a multiple of {LATTICE} with --lattice-penalty"),
            );
        }
        if self
            .time_limit_s
            .is_some_and(|t| !(t > 0.0 && t.is_finite()))
        {
            return option("time-limit", "must be a positive number of seconds");
        }
        let attacks = self.attack_ranges()?;
        if let Some(code) = &self.linear_code {
            if code.kind.slot_basis().is_some() {
                if attacks.iter().all(|a| *a == AttackRange::None) {
                    return option(
                        "code",
                        "robust needs attacks to choose its slots for (--attacks)",
                    );
                }
                if config.secrets != 1 {
                    return option("code", "robust carries one secret (--secrets 1)");
                }
            }
            if code.kind == CodeKind::Robust420
                && config.architecture.size_multiple() != JPEG420_FACTOR
            {
                return option(
                    "code",
                    &format!("robust420 works on 4:2:0 macroblocks: --factor {JPEG420_FACTOR}"),
                );
            }
            if code.max_slot_noise.is_some_and(|n| n.is_nan() || n <= 0.0) {
                return option("code-max-noise", "must be a positive number");
            }
            if code.dims_per_secret == 0 {
                return option("code-dims", "must be at least 1");
            }
            if !(code.gain > 0.0 && code.gain.is_finite()) {
                return option("code-gain", "must be a positive number");
            }
        }
        Ok(())
    }

    /// The attacks to draw from, one per step (`none` alone when there are none).
    pub fn attack_ranges(&self) -> Result<Vec<AttackRange>> {
        match &self.attacks {
            Some(spec) => AttackRange::parse_list(spec),
            None => Ok(vec![AttackRange::None]),
        }
    }

    /// How far through the run `step` is after `elapsed` seconds (0–1).
    pub(crate) fn progress(&self, step: usize, elapsed: f64) -> f64 {
        let by_steps = step as f64 / self.steps.max(1) as f64;
        match self.time_limit_s {
            Some(limit) if limit > 0.0 => by_steps.max(elapsed / limit),
            _ => by_steps,
        }
    }
}

/// Which network layout a run trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Unshuffle,
    Baluja,
    Keyed,
}

impl Layout {
    fn of(architecture: &Architecture) -> Self {
        match architecture {
            Architecture::Unshuffle { .. } => Layout::Unshuffle,
            Architecture::Baluja { .. } => Layout::Baluja,
            Architecture::Keyed { .. } => Layout::Keyed,
        }
    }
}

/// The keyed layout's code length when a run does not name one: 16 of the 48 numbers
/// of a 4×4 block, near the principal code's 18 (docs/security.md).
pub const DEFAULT_KEYED_CODE: usize = 16;

/// The model options a run may name; each `None` is taken from the run's base (the
/// `--init` model or the resumed checkpoint), else from the defaults
/// ([`StegoConfig::new`], [`Architecture::default_unshuffle`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelChoice {
    pub secrets: Option<usize>,
    pub beta: Option<f32>,
    pub layout: Option<Layout>,
    pub factor: Option<usize>,
    pub channels: Option<usize>,
    pub prep_channels: Option<usize>,
    pub depth: Option<usize>,
    /// The keyed layout's code length per block.
    pub code: Option<usize>,
    /// Whether the keyed layout's key also scatters the codes over the picture.
    pub scatter: Option<bool>,
}

impl ModelChoice {
    /// The model a run trains, checked.
    pub fn resolve(&self, base: Option<&StegoConfig>) -> Result<StegoConfig> {
        let base = match base {
            Some(base) => base.clone(),
            None => StegoConfig::new(1)?,
        };
        let layout = self.layout.unwrap_or(Layout::of(&base.architecture));
        let refuse = |problem: &str| {
            Err(Error::Option {
                option: "arch",
                problem: problem.into(),
            })
        };
        let unshuffle_only = [self.channels, self.depth, self.factor, self.prep_channels];
        if layout == Layout::Baluja && unshuffle_only.iter().any(Option::is_some) {
            return refuse("baluja has no --channels, --depth, --factor or --prep-channels (they shape the unshuffle layout)");
        }
        if layout == Layout::Keyed && self.prep_channels.is_some() {
            return refuse(
                "keyed has no --prep-channels (each secret becomes a code: --code-dims)",
            );
        }
        if layout != Layout::Keyed && (self.code.is_some() || self.scatter.is_some()) {
            return refuse("only the keyed layout has a mixed code (--arch keyed)");
        }
        // The shape the base has where it has one, else the default unshuffle's.
        let (factor, channels, prep_channels, depth) = match Architecture::default_unshuffle() {
            Architecture::Unshuffle {
                factor,
                channels,
                prep_channels,
                depth,
            } => (factor, channels, prep_channels, depth),
            _ => unreachable!("the default is unshuffle"),
        };
        let (factor, channels, prep_channels, depth, code) = match base.architecture {
            Architecture::Unshuffle {
                factor,
                channels,
                prep_channels,
                depth,
            } => (factor, channels, prep_channels, depth, DEFAULT_KEYED_CODE),
            Architecture::Keyed {
                factor,
                channels,
                depth,
                code,
                ..
            } => (factor, channels, prep_channels, depth, code),
            Architecture::Baluja { .. } => {
                (factor, channels, prep_channels, depth, DEFAULT_KEYED_CODE)
            }
        };
        let base_scatters = matches!(base.architecture, Architecture::Keyed { scatter: true, .. });
        let architecture = match (layout, base.architecture) {
            (Layout::Baluja, theirs @ Architecture::Baluja { .. }) => theirs,
            (Layout::Baluja, _) => Architecture::baluja(),
            (Layout::Unshuffle, _) => Architecture::Unshuffle {
                factor: self.factor.unwrap_or(factor),
                channels: self.channels.unwrap_or(channels),
                prep_channels: self.prep_channels.unwrap_or(prep_channels),
                depth: self.depth.unwrap_or(depth),
            },
            (Layout::Keyed, _) => Architecture::Keyed {
                factor: self.factor.unwrap_or(factor),
                channels: self.channels.unwrap_or(channels),
                depth: self.depth.unwrap_or(depth),
                code: self.code.unwrap_or(code),
                scatter: self.scatter.unwrap_or(base_scatters),
            },
        };
        let config = StegoConfig {
            secrets: self.secrets.unwrap_or(base.secrets),
            architecture,
            beta: self.beta.unwrap_or(base.beta),
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_their_own_checks() {
        let config = StegoConfig::new(1).unwrap();
        TrainOptions::default().validate(&config).unwrap();
    }

    #[test]
    fn each_bad_option_is_named() {
        let config = StegoConfig::new(1).unwrap();
        let named = |options: TrainOptions| match options.validate(&config) {
            Err(Error::Option { option, .. }) => option,
            other => panic!("expected an option error, got {other:?}"),
        };
        let base = TrainOptions::default;
        assert_eq!(named(TrainOptions { batch: 0, ..base() }), "batch");
        assert_eq!(named(TrainOptions { crop: 66, ..base() }), "crop");
        assert_eq!(
            named(TrainOptions {
                lr: f64::NAN,
                ..base()
            }),
            "lr"
        );
        let no_time = TrainOptions {
            time_limit_s: Some(0.0),
            ..base()
        };
        assert_eq!(named(no_time), "time-limit");
        let robust_without_attacks = TrainOptions {
            linear_code: Some(CodeOptions::robust()),
            ..base()
        };
        assert_eq!(named(robust_without_attacks), "code");
        let robust = TrainOptions {
            linear_code: Some(CodeOptions::robust()),
            attacks: Some("none,jpeg:50-90".into()),
            ..base()
        };
        robust.validate(&config).unwrap();
        let three = StegoConfig::new(3).unwrap();
        assert!(
            matches!(
                robust.validate(&three),
                Err(Error::Option { option: "code", .. })
            ),
            "the robust code carries one secret"
        );
    }

    #[test]
    fn resolve_keeps_the_base_and_applies_what_is_named() {
        let fresh = ModelChoice::default().resolve(None).unwrap();
        assert_eq!(fresh, StegoConfig::new(1).unwrap());
        let base = StegoConfig {
            beta: 0.3,
            ..StegoConfig::new(3).unwrap()
        };
        let choice = ModelChoice {
            depth: Some(3),
            ..ModelChoice::default()
        };
        let resolved = choice.resolve(Some(&base)).unwrap();
        assert_eq!((resolved.secrets, resolved.beta), (3, 0.3));
        assert!(matches!(
            resolved.architecture,
            Architecture::Unshuffle {
                depth: 3,
                factor: 4,
                ..
            }
        ));
        let keyed = ModelChoice {
            layout: Some(Layout::Keyed),
            code: Some(32),
            ..ModelChoice::default()
        };
        assert_eq!(
            keyed.resolve(None).unwrap().architecture,
            Architecture::Keyed {
                factor: 4,
                channels: 128,
                depth: 5,
                code: 32,
                scatter: false,
            }
        );
        let odd_code = ModelChoice {
            code: Some(18),
            ..keyed.clone()
        };
        assert!(odd_code.resolve(None).is_err());
        let code_without_keys = ModelChoice {
            code: Some(16),
            ..ModelChoice::default()
        };
        assert!(code_without_keys.resolve(None).is_err());
        let baluja = ModelChoice {
            layout: Some(Layout::Baluja),
            ..ModelChoice::default()
        };
        assert_eq!(
            baluja.resolve(None).unwrap().architecture,
            Architecture::baluja()
        );
        let mixed = ModelChoice {
            factor: Some(2),
            ..baluja
        };
        assert!(mixed.resolve(None).is_err());
        let bad = ModelChoice {
            secrets: Some(4),
            ..ModelChoice::default()
        };
        assert!(bad.resolve(None).is_err());
    }
}
