//! Options shared by the commands that run a model on user files.

use anyhow::{bail, Result};
use clap::Args;

use crate::model::{self, LoadedModel};

/// Which model, with which key, and how to report.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Embedded model name or a folder written by `plainsight train`
    /// [default: default-1 for one secret, default-3 for two or three]
    #[arg(long)]
    model: Option<String>,
    /// Passphrase (keyed models are not available yet)
    #[arg(long)]
    key: Option<String>,
    /// Overwrite existing output files (inputs are never overwritten)
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

impl ModelArgs {
    /// Refuses a key (no keyed model exists yet), then loads the model for `count` secrets.
    pub fn load(&self, count: usize) -> Result<LoadedModel> {
        if self.key.is_some() {
            bail!(
                "--key: keyed hiding is not available in this version (no keyed model is embedded)"
            );
        }
        model::load(self.model.as_deref(), count)
    }
}
