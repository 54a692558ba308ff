//! Model configuration: which architecture, how many secrets, and the loss weight.
//!
//! A `config.json` with this struct travels with every set of weights, so a
//! checkpoint can always be rebuilt before its weights are loaded.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// β of a new model: weight of the reveal error in the loss.
pub const DEFAULT_BETA: f32 = 0.75;

/// Most secrets one container can carry.
pub const MAX_SECRETS: usize = 3;

/// Checks that `count` secrets fit in one container; `what` names the count in the
/// error (a flag, a field). The one place this limit is checked.
pub fn check_secret_count(what: &'static str, count: usize) -> Result<()> {
    if count == 0 || count > MAX_SECRETS {
        return Err(Error::SecretCount {
            what,
            max: MAX_SECRETS,
            got: count,
        });
    }
    Ok(())
}

/// Fails unless a model called `name` (in the message) that carries `carries`
/// secrets can take `count` (it may carry more: the others are filled with grey).
/// Networks and the lattice code alike; the CLI and the Python module say it.
pub fn check_carries(name: &str, carries: usize, count: usize) -> Result<()> {
    if count > carries {
        return Err(Error::Invalid(format!(
            "model '{name}' carries {carries} secret(s), but {count} were asked for"
        )));
    }
    Ok(())
}

/// The network layout shared by the preparation, hiding and reveal networks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Architecture {
    /// Our default: every network works on a pixel-unshuffled image (`factor`×`factor`
    /// blocks folded into channels), so each 3×3 convolution sees a wider area at a
    /// quarter of the cost. The hiding network predicts a residual added to the cover.
    Unshuffle {
        /// Pixel-unshuffle factor (2 folds each 2×2 block into 12 channels).
        factor: usize,
        /// Width of the hidden convolution layers.
        channels: usize,
        /// Width of each secret's prepared features.
        prep_channels: usize,
        /// Convolution layers in the hiding and in each reveal network.
        depth: usize,
    },
    /// The unshuffle networks split at a code vector per block that a key mixes
    /// ([`super::keyed`]): encode (secret → code), hide (cover + mixed codes),
    /// extract (container → mixed code), decode (unmixed code → secret).
    Keyed {
        /// Pixel-unshuffle factor.
        factor: usize,
        /// Width of the hidden convolution layers.
        channels: usize,
        /// Convolution layers in the hiding network and in each extraction network.
        depth: usize,
        /// Code length per block and secret (a power of two, 4 to 256).
        code: usize,
        /// Whether the key also moves every block's code to another block of the
        /// picture ([`super::mix`], "Scatter"); absent in configs from before it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        scatter: bool,
    },
    /// Baluja's layout (NeurIPS 2017): every layer is three parallel convolutions
    /// (3×3, 4×4, 5×5, `filters` each) at full resolution; 2 preparation layers,
    /// 5 hiding and 5 reveal layers, then a 1×1 convolution to RGB.
    Baluja {
        /// Filters per branch (50 in the paper).
        filters: usize,
    },
}

impl Architecture {
    /// The default architecture's shipped size.
    pub fn default_unshuffle() -> Self {
        Architecture::Unshuffle {
            factor: 4,
            channels: 128,
            prep_channels: 64,
            depth: 5,
        }
    }

    /// Baluja's layout with the paper's 50 filters per branch.
    pub fn baluja() -> Self {
        Architecture::Baluja { filters: 50 }
    }

    /// Side of the pixel blocks the networks read as one unit. Images of other sizes
    /// are not padded: [`crate::Stego`] runs the networks on the largest multiple and
    /// treats the last partial block row and column apart.
    pub fn size_multiple(&self) -> usize {
        match self {
            Architecture::Unshuffle { factor, .. } | Architecture::Keyed { factor, .. } => *factor,
            Architecture::Baluja { .. } => 1,
        }
    }

    /// How far (in pixels) a revealed pixel can see into the container.
    pub fn reveal_radius(&self) -> usize {
        match *self {
            Architecture::Unshuffle { factor, depth, .. } => {
                super::unshuffle::reveal_radius(factor, depth)
            }
            // Extraction, then the three decoding layers.
            Architecture::Keyed { factor, depth, .. } => {
                super::unshuffle::reveal_radius(factor, depth + 3)
            }
            Architecture::Baluja { .. } => super::baluja::reveal_radius(),
        }
    }

    /// How far (in pixels) an output pixel of hide followed by reveal can see.
    /// Tiles overlap by at least this much so tiling changes nothing.
    pub fn receptive_radius(&self) -> usize {
        match *self {
            Architecture::Unshuffle { factor, depth, .. } => {
                super::unshuffle::receptive_radius(factor, depth)
            }
            // Encoding (3 layers) and decoding (3) beside unshuffle's 2 + 2·depth.
            Architecture::Keyed { factor, depth, .. } => {
                super::unshuffle::receptive_radius(factor, depth + 2)
            }
            Architecture::Baluja { .. } => super::baluja::receptive_radius(),
        }
    }
}

/// Everything needed to build a model before its weights are loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StegoConfig {
    /// How many secrets one container carries (1 to 3).
    pub secrets: usize,
    /// Network layout.
    pub architecture: Architecture,
    /// Weight β of the reveal error in the loss.
    pub beta: f32,
}

impl StegoConfig {
    /// The default architecture for `secrets` secrets.
    pub fn new(secrets: usize) -> Result<Self> {
        let config = StegoConfig {
            secrets,
            architecture: Architecture::default_unshuffle(),
            beta: DEFAULT_BETA,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the numbers a hand-written config.json could get wrong.
    pub fn validate(&self) -> Result<()> {
        check_secret_count("secrets", self.secrets)?;
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(Error::Config(format!(
                "beta must be >= 0, got {}",
                self.beta
            )));
        }
        match &self.architecture {
            Architecture::Unshuffle {
                factor,
                channels,
                prep_channels,
                depth,
            } => {
                if *factor == 0 || *channels == 0 || *prep_channels == 0 || *depth < 2 {
                    return Err(Error::Config(
                        "unshuffle architecture needs factor >= 1, channels >= 1 and depth >= 2"
                            .into(),
                    ));
                }
            }
            Architecture::Keyed {
                factor,
                channels,
                depth,
                code,
                ..
            } => {
                if *factor == 0 || *channels == 0 || *depth < 2 || !super::mix::is_mixable(*code) {
                    return Err(Error::Config(
                        "keyed architecture needs factor >= 1, channels >= 1, depth >= 2 and a \
                         code length that is a power of two from 4 to 256"
                            .into(),
                    ));
                }
            }
            Architecture::Baluja { filters } => {
                if *filters == 0 {
                    return Err(Error::Config(
                        "baluja architecture needs filters >= 1".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Parses and validates a `config.json`.
    pub fn from_json(text: &str) -> Result<Self> {
        let config: StegoConfig =
            serde_json::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Pretty JSON for `config.json`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serialises")
    }
}

/// A small unshuffle network (factor 2, width 8, depth 2) for quick unit tests.
#[cfg(test)]
pub(crate) fn tiny_unshuffle(secrets: usize) -> StegoConfig {
    StegoConfig {
        secrets,
        architecture: Architecture::Unshuffle {
            factor: 2,
            channels: 8,
            prep_channels: 4,
            depth: 2,
        },
        beta: 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_everything() {
        let mut config = StegoConfig::new(3).unwrap();
        config.architecture = Architecture::baluja();
        config.beta = 1.5;
        let back = StegoConfig::from_json(&config.to_json()).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn rejects_bad_secret_counts() {
        assert!(StegoConfig::new(0).is_err());
        assert!(StegoConfig::new(4).is_err());
        assert!(StegoConfig::new(1).is_ok());
    }
}
