//! The trained plainsight models, embedded with `include_bytes!` so the binary
//! needs no download. Each model folder holds `config.json`, `model.mpk` (burn's
//! named MessagePack record, 32-bit floats) and `MODEL_CARD.md` (how it was trained
//! and how well it does).
//!
//! ```
//! let model = plainsight_weights::for_secrets(2).unwrap();
//! assert_eq!(model.name, "keyed-3");
//! assert!(model.config_json.contains("\"secrets\": 3"));
//! assert!(!model.weights.is_empty());
//! ```

/// One embedded model.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedModel {
    /// What `--model` calls it.
    pub name: &'static str,
    /// Secrets per container.
    pub secrets: usize,
    /// The model's `config.json`.
    pub config_json: &'static str,
    /// The model's `model.mpk`.
    pub weights: &'static [u8],
    /// The model card (Markdown).
    pub card: &'static str,
    /// Trained with distortions between hiding and reveal (JPEG, noise, resizing).
    pub robust: bool,
}

macro_rules! embed {
    ($name:literal, $secrets:literal, $robust:literal) => {
        EmbeddedModel {
            name: $name,
            secrets: $secrets,
            config_json: include_str!(concat!("../models/", $name, "/config.json")),
            weights: include_bytes!(concat!("../models/", $name, "/model.mpk")),
            card: include_str!(concat!("../models/", $name, "/MODEL_CARD.md")),
            robust: $robust,
        }
    };
}

/// Every embedded model.
pub const MODELS: &[EmbeddedModel] = &[
    embed!("default-1", 1, false),
    embed!("default-3", 3, false),
    embed!("robust", 1, true),
    embed!("keyed-1", 1, false),
    embed!("keyed-3", 3, false),
];

/// One embedded closed-form code: no networks, a file of measured numbers
/// (`plainsight train --code lattice` writes it).
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedCode {
    /// What `--model` calls it.
    pub name: &'static str,
    /// The code's file (`lattice.bin`).
    pub bytes: &'static [u8],
    /// The learned filter after its reveal (`restore.bin`), if it has one.
    pub restoration: Option<&'static [u8]>,
    /// The model card (Markdown).
    pub card: &'static str,
}

/// Every embedded closed-form code: `jpeg-1`, the lattice code for JPEG channels.
pub const CODES: &[EmbeddedCode] = &[EmbeddedCode {
    name: "jpeg-1",
    bytes: include_bytes!("../models/jpeg-1/lattice.bin"),
    restoration: Some(include_bytes!("../models/jpeg-1/restore.bin")),
    card: include_str!("../models/jpeg-1/MODEL_CARD.md"),
}];

/// The embedded closed-form code called `name`.
pub fn code_by_name(name: &str) -> Option<&'static EmbeddedCode> {
    CODES.iter().find(|c| c.name == name)
}

/// The embedded model called `name`.
pub fn by_name(name: &str) -> Option<&'static EmbeddedModel> {
    MODELS.iter().find(|m| m.name == name)
}

/// The default model for hiding `count` secrets, with a key or without: the smallest
/// `keyed-N` that carries that many. The keyed layout's key mixes and scatters the
/// code inside the networks, so without it nothing of the secret's layout comes
/// back, and a container without a key is one under a fixed public key, at the same
/// quality. The `default-N` models (the defaults before 2026-12-03, whose key only
/// scrambles tiles of the secret around unchanged networks; docs/security.md) stay
/// embedded under their names for the containers they wrote.
pub fn for_secrets(count: usize) -> Option<&'static EmbeddedModel> {
    MODELS
        .iter()
        .filter(|m| m.name.starts_with("keyed-") && m.secrets >= count && count > 0)
        .min_by_key(|m| m.secrets)
}

/// The embedded model called `name`, or without a name the default for `count`
/// secrets; the error is the message a user reads (the CLI and the Python module
/// both say it).
pub fn choose(name: Option<&str>, count: usize) -> Result<&'static EmbeddedModel, String> {
    match name {
        Some(name) => by_name(name).ok_or_else(|| {
            format!(
                "unknown model '{name}': expected one of {}",
                names().join(", ")
            )
        }),
        None => for_secrets(count).ok_or_else(|| {
            let most = MODELS.iter().map(|m| m.secrets).max().unwrap_or(0);
            format!("no embedded model hides {count} secrets; use 1 to {most}")
        }),
    }
}

/// The names of all embedded models, networks and codes, for messages.
pub fn names() -> Vec<&'static str> {
    MODELS
        .iter()
        .map(|m| m.name)
        .chain(CODES.iter().map(|c| c.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_declares_its_secret_count_in_its_config() {
        for model in MODELS {
            let expected = format!("\"secrets\": {}", model.secrets);
            assert!(model.config_json.contains(&expected), "{}", model.name);
            assert!(model.card.contains(model.name), "card of {}", model.name);
        }
    }

    #[test]
    fn picks_the_smallest_model_that_fits() {
        assert_eq!(for_secrets(1).unwrap().name, "keyed-1");
        assert_eq!(for_secrets(2).unwrap().name, "keyed-3");
        assert_eq!(for_secrets(3).unwrap().name, "keyed-3");
        assert_eq!(choose(None, 2).unwrap().name, "keyed-3");
        assert_eq!(choose(Some("default-1"), 1).unwrap().name, "default-1");
        assert_eq!(choose(Some("robust"), 1).unwrap().name, "robust");
        assert!(for_secrets(0).is_none());
        assert!(for_secrets(4).is_none());
        assert!(by_name("nope").is_none());
        assert!(by_name("jpeg-1").is_none() && code_by_name("jpeg-1").is_some());
        assert!(names().contains(&"jpeg-1"));
    }
}
