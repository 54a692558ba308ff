//! Finding the model a command asked for: an embedded one by name, or a folder.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Context, Result};
use plainsight_core::hiding::keys::Key;
use plainsight_core::hiding::lattice::LatticeHider;
use plainsight_core::hiding::layer::{self, Layered};
use plainsight_core::hiding::refine::{Refined, Refinement};
use plainsight_core::hiding::rounding::Rounding;
use plainsight_core::{CpuBackend, CpuTrainBackend, Hider, Pipeline, RgbImage, Stego};

/// How a loaded model hides: trained networks, or the closed-form lattice code.
pub enum Hiding {
    Networks(Box<Stego<CpuBackend>>),
    Lattice(LatticeHider),
}

/// A loaded model and where it came from.
pub struct LoadedModel {
    hiding: Hiding,
    pub name: String,
    /// An embedded model trained for lossless containers only (lossy output refused).
    pub fragile: bool,
    /// The same weights on the autodiff backend, built on first use (for gradients in
    /// `inspect`) and kept, so a server builds it once.
    differentiable: OnceLock<std::result::Result<Stego<CpuTrainBackend>, String>>,
}

impl LoadedModel {
    fn new(hiding: Hiding, name: String, fragile: bool) -> Self {
        LoadedModel {
            hiding,
            name,
            fragile,
            differentiable: OnceLock::new(),
        }
    }

    /// What hides and reveals, networks or code alike.
    pub fn hider(&self) -> &dyn Hider {
        match &self.hiding {
            Hiding::Networks(stego) => stego.as_ref(),
            Hiding::Lattice(lattice) => lattice,
        }
    }

    /// Whether the model's reveal runs a restoration filter (jpeg-1's lattice code).
    pub fn restores(&self) -> bool {
        matches!(&self.hiding, Hiding::Lattice(lattice) if lattice.restores())
    }

    /// Secrets per container.
    pub fn secrets(&self) -> usize {
        self.hider().secrets()
    }

    /// The networks, for what only networks do (`what`: refinement, inspect, …);
    /// the lattice code has none, and says so in one line.
    pub fn networks(&self, what: &str) -> Result<&Stego<CpuBackend>> {
        self.networks_if_any()
            .ok_or_else(|| no_networks(&self.name, what))
    }

    /// The networks, if the model has any.
    pub fn networks_if_any(&self) -> Option<&Stego<CpuBackend>> {
        match &self.hiding {
            Hiding::Networks(stego) => Some(stego),
            Hiding::Lattice(_) => None,
        }
    }

    /// [`LoadedModel::networks`], taken out of the model.
    pub fn into_networks(self, what: &str) -> Result<Stego<CpuBackend>> {
        match self.hiding {
            Hiding::Networks(stego) => Ok(*stego),
            Hiding::Lattice(_) => Err(no_networks(&self.name, what)),
        }
    }

    /// How the model rounds containers to bytes: `rounding`, or without one the
    /// model's own default (nearest for the networks, pair balance for jpeg-1).
    pub fn with_rounding(mut self, rounding: Option<Rounding>) -> Self {
        let Some(rounding) = rounding else {
            return self;
        };
        self.hiding = match self.hiding {
            Hiding::Networks(stego) => Hiding::Networks(Box::new(stego.with_rounding(rounding))),
            Hiding::Lattice(lattice) => Hiding::Lattice(lattice.with_rounding(rounding)),
        };
        self
    }

    /// How the model rounds containers to bytes.
    pub fn rounding(&self) -> Rounding {
        match &self.hiding {
            Hiding::Networks(stego) => stego.rounding(),
            Hiding::Lattice(lattice) => lattice.rounding(),
        }
    }

    /// The model on the autodiff backend, for gradients through the networks.
    /// Built once, inside the lock, however many threads ask at the same time.
    pub fn differentiable(&self) -> Result<&Stego<CpuTrainBackend>> {
        let built = self.differentiable.get_or_init(|| {
            let stego = self.networks("gradients").map_err(|e| e.to_string())?;
            Stego::<CpuTrainBackend>::from_bytes(
                &stego.config().to_json(),
                &stego.weight_bytes(),
                Default::default(),
            )
            .map(|copy| copy.with_rounding(stego.rounding()))
            .map_err(|e| e.to_string())
        });
        built
            .as_ref()
            .map_err(|e| anyhow!("cannot build the differentiable copy of the model: {e}"))
    }

    /// Why this model cannot reveal from the file `bytes`, if they are a JPEG and the
    /// model survives only lossless files: callers say it in their words around it
    /// (`<what> is a JPEG file, …`).
    pub fn cannot_read(&self, bytes: &[u8]) -> Option<String> {
        (self.fragile && crate::images::is_jpeg(bytes)).then(|| {
            format!(
                "is a JPEG file, and model {} hides only in lossless files (PNG): what it hid did not survive",
                self.name
            )
        })
    }

    /// Hides `secrets` in `cover` through the core's [`Pipeline`] (each secret
    /// resized to the cover, scrambled with `key` if given, the model's other
    /// slots grey); with `refinement`, the container is then refined for the
    /// reveal network (`plainsight_core::hiding::refine`); with `layer`, the exact
    /// layer takes that share of the container's lowest bits
    /// (`plainsight_core::hiding::layer`).
    pub fn hide(
        &self,
        cover: &RgbImage,
        secrets: Vec<RgbImage>,
        key: Option<&Key>,
        refinement: Option<&Refinement>,
        layer: Option<f32>,
    ) -> Result<RgbImage> {
        let hide = |hider: &dyn Hider| -> Result<RgbImage> {
            let layered = self.layered(hider, layer)?;
            Ok(Pipeline::new(&layered)
                .with_key(key.cloned())
                .hide(cover, &secrets)?)
        };
        match refinement {
            None => hide(self.hider()),
            Some(refinement) => {
                let revealer = self.networks("refinement")?;
                hide(&Refined {
                    refiner: self.differentiable()?,
                    revealer,
                    refinement: *refinement,
                })
            }
        }
    }

    /// `hider` (this model's networks, or a wrapper of them) with the exact layer at
    /// `share` and this model's strength under it
    /// ([`plainsight_core::hiding::layer::strength_for`]: less for the keyed layout).
    pub fn layered<'a>(&self, hider: &'a dyn Hider, share: Option<f32>) -> Result<Layered<'a>> {
        let strength = self
            .networks_if_any()
            .map_or(1.0, |stego| layer::strength_for(stego.config()));
        Ok(Layered::new(hider, share)?.with_strength(strength)?)
    }

    /// Reveals `count` secrets, unscrambling them with `key` if given, refined by
    /// the exact layer wherever the container holds one.
    pub fn reveal(
        &self,
        container: &RgbImage,
        count: usize,
        key: Option<&Key>,
    ) -> Result<Vec<RgbImage>> {
        let layered = Layered::new(self.hider(), None)?;
        Ok(Pipeline::new(&layered)
            .with_key(key.cloned())
            .reveal(container, count)?)
    }
}

/// The exact layer's share of samples wherever a PNG container is written and nobody
/// said otherwise (`hide`, `demo`, the web page's PNG channels).
pub const DEFAULT_LAYER_SHARE: f32 = 1.0;

/// Why a container cannot have the exact layer asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerRefusal {
    /// A share outside 0 to 1.
    OutOfRange(f32),
    /// A layer asked for in a container written lossily (JPEG).
    Lossy,
}

/// The layer's share for a container written lossily (`lossy`) or not, from the share
/// asked for (0: none; absent: [`DEFAULT_LAYER_SHARE`] for a PNG, none for a JPEG).
/// `hide` and the web page word the refusals their own way.
pub fn layer_share(asked: Option<f32>, lossy: bool) -> Result<Option<f32>, LayerRefusal> {
    match (asked, lossy) {
        (Some(share), _) if !(0.0..=1.0).contains(&share) => Err(LayerRefusal::OutOfRange(share)),
        (Some(0.0), _) | (None, true) => Ok(None),
        (Some(_), true) => Err(LayerRefusal::Lossy),
        (asked, false) => Ok(Some(asked.unwrap_or(DEFAULT_LAYER_SHARE))),
    }
}

fn no_networks(name: &str, what: &str) -> anyhow::Error {
    anyhow!("model {name} is a closed-form code without networks: {what} needs a network model")
}

/// Loads `--model` if given, else the embedded default for `count` secrets (a
/// `keyed-N` model, with a key or without).
///
/// `spec` is an embedded model's name or a folder with `config.json` and `model.mpk`
/// (what `plainsight train --out` writes) or with `lattice.bin` (`train --code lattice`).
pub fn load(spec: Option<&str>, count: usize) -> Result<LoadedModel> {
    let loaded = match spec.and_then(plainsight_weights::code_by_name) {
        Some(code) => embedded_code(code)?,
        None => match plainsight_weights::choose(spec, count) {
            Ok(model) => embedded(model)?,
            // Not an embedded name: a folder from `plainsight train`, or a mistake.
            Err(unknown) => match spec {
                Some(name) => from_folder(Path::new(name)).with_context(|| {
                    format!("{unknown} or a folder with config.json and model.mpk (or lattice.bin)")
                })?,
                None => bail!(unknown),
            },
        },
    };
    plainsight_core::check_carries(&loaded.name, loaded.secrets(), count)?;
    Ok(loaded)
}

fn embedded_code(code: &plainsight_weights::EmbeddedCode) -> Result<LoadedModel> {
    let lattice = LatticeHider::from_bytes(code.bytes, code.restoration)
        .with_context(|| format!("embedded model {} is damaged", code.name))?;
    // Made for JPEG: a JPEG container is what it reads.
    Ok(LoadedModel::new(
        Hiding::Lattice(lattice),
        code.name.to_string(),
        false,
    ))
}

fn embedded(model: &plainsight_weights::EmbeddedModel) -> Result<LoadedModel> {
    let stego = Stego::from_bytes(model.config_json, model.weights, Default::default())
        .with_context(|| format!("embedded model {} is damaged", model.name))?;
    Ok(LoadedModel::new(
        Hiding::Networks(Box::new(stego)),
        model.name.to_string(),
        !model.robust,
    ))
}

/// A lattice model folder's restoration filter (`bench/restoration.py` writes it).
const RESTORATION_FILE: &str = "restore.bin";

fn from_folder(dir: &Path) -> Result<LoadedModel> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let lattice = dir.join("lattice.bin");
    if lattice.is_file() {
        let bytes =
            fs::read(&lattice).with_context(|| format!("cannot read {}", lattice.display()))?;
        // The restoration filter is optional: `train --code lattice` writes none.
        let filter = dir.join(RESTORATION_FILE);
        let restoration = if filter.is_file() {
            Some(fs::read(&filter).with_context(|| format!("cannot read {}", filter.display()))?)
        } else {
            None
        };
        let code = LatticeHider::from_bytes(&bytes, restoration.as_deref())
            .with_context(|| format!("cannot use {}", dir.display()))?;
        return Ok(LoadedModel::new(
            Hiding::Lattice(code),
            dir.display().to_string(),
            false,
        ));
    }
    let config = fs::read_to_string(dir.join("config.json"))
        .with_context(|| format!("cannot read {}", dir.join("config.json").display()))?;
    let weights = fs::read(dir.join("model.mpk"))
        .with_context(|| format!("cannot read {}", dir.join("model.mpk").display()))?;
    let stego = Stego::from_bytes(&config, &weights, Default::default())?;
    // The user's own model: they know what it was trained for.
    Ok(LoadedModel::new(
        Hiding::Networks(Box::new(stego)),
        dir.display().to_string(),
        false,
    ))
}
