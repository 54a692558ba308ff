//! Options shared by the commands that run a model on user files.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use plainsight_core::hiding::keys::Key;
use plainsight_core::hiding::refine::Refinement;
use plainsight_core::hiding::rounding::Rounding;

use crate::model::{self, LoadedModel};

/// Which model, with which key, and how to report.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Embedded model name or a folder written by `plainsight train`
    /// [default: keyed-1 for one secret, keyed-3 for two or three, with a key or
    /// without; default-1 and default-3 were the defaults before 2026-12-03]
    #[arg(long)]
    model: Option<String>,
    /// Passphrase: secrets hidden with a key reveal only with the same key
    /// (stretched with Argon2id; see docs/security.md)
    #[arg(long, conflicts_with = "key_file")]
    key: Option<String>,
    /// Read the passphrase from this file (one trailing newline is ignored), so it
    /// stays out of shell history
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Overwrite existing output files (inputs are never overwritten)
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

impl ModelArgs {
    /// Loads the model for `count` secrets.
    pub fn load(&self, count: usize) -> Result<LoadedModel> {
        model::load(self.model.as_deref(), count)
    }

    /// The key from --key or --key-file, if any.
    pub fn key(&self) -> Result<Option<Key>> {
        let passphrase = match (&self.key, &self.key_file) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(path)) => {
                let mut bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read --key-file {}", path.display()))?;
                if bytes.ends_with(b"\n") {
                    bytes.pop();
                    if bytes.ends_with(b"\r") {
                        bytes.pop();
                    }
                }
                bytes
            }
            (None, None) => return Ok(None),
        };
        if passphrase.is_empty() {
            bail!("the key is empty");
        }
        Ok(Some(Key::derive(&passphrase)?))
    }
}

/// How a container's values become bytes (`--rounding`; core's [`Rounding`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoundingChoice {
    /// Each value to the nearest byte
    Nearest,
    /// Nearest, then each value pair (2k, 2k+1) given the cover's balance, so the
    /// chi-square attack and RS analysis see the cover's statistics (moves a few
    /// percent of the values by one level)
    Pairs,
    /// Exactly the cover's colour histogram (costs 2-3 dB of reveal quality)
    CoverHistogram,
}

impl RoundingChoice {
    pub fn to_core(self) -> Rounding {
        match self {
            RoundingChoice::Nearest => Rounding::Nearest,
            RoundingChoice::Pairs => Rounding::PairBalance,
            RoundingChoice::CoverHistogram => Rounding::CoverHistogram,
        }
    }
}

/// Test-time refinement of containers (core's [`Refinement`]; docs/model.md).
#[derive(Debug, Args)]
pub struct RefineArgs {
    /// Refine each container for this many steps before it is saved, so the reveal
    /// network reads it better (bsds500/test crops, 30 steps: default-1 +2.0 dB
    /// revealed, +0.2 dB container; default-3 +1.0 / +0.2). Hiding takes longer (each
    /// step is one reveal pass forward and backward: about 0.12 s for 256×256 on two
    /// cores, growing with the pixel count); reveal is unchanged. 0 to 10000; 0: off
    #[arg(long, default_value_t = 0, value_parser = super::ranges::refine_steps)]
    refine: usize,
    /// Decibels of revealed quality (mean over the secrets) worth one decibel of
    /// container quality, for --refine (lower keeps the container closer to the cover)
    /// [default: 0.5]
    #[arg(long)]
    refine_beta: Option<f32>,
}

impl RefineArgs {
    /// The options in words for reports, or `None` when --refine is 0.
    pub fn describe(&self) -> Option<String> {
        (self.refine > 0).then(|| format!("{} steps, beta {}", self.refine, self.beta()))
    }

    fn beta(&self) -> f32 {
        self.refine_beta.unwrap_or(Refinement::default().beta)
    }

    /// The refinement asked for, or `None` when --refine is 0.
    pub fn refinement(&self) -> Result<Option<Refinement>> {
        if self.refine == 0 {
            if self.refine_beta.is_some() {
                bail!("--refine-beta sets the trade of --refine N: give --refine too (30 is a good start)");
            }
            return Ok(None);
        }
        let beta = self.beta();
        if !(beta.is_finite() && beta >= 0.0) {
            bail!("--refine-beta must be a number ≥ 0, got {beta}");
        }
        Ok(Some(Refinement {
            steps: self.refine,
            beta,
            ..Refinement::default()
        }))
    }
}
