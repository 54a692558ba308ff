//! The whole model: one preparation and one reveal network per secret, one hiding network.

use burn::prelude::*;

use crate::channel::Channel;
use crate::config::StegoConfig;
use crate::nets::{HideNet, PrepNet, RevealNet};

/// Prep → hide → (channel) → reveal, for 1 to 3 secrets.
#[derive(Module, Debug)]
pub struct StegoNet<B: Backend> {
    preps: Vec<PrepNet<B>>,
    hide: HideNet<B>,
    reveals: Vec<RevealNet<B>>,
}

/// What one training forward pass produces.
pub struct StegoOutput<B: Backend> {
    /// The container as the reveal networks saw it (after the channel).
    pub container: Tensor<B, 4>,
    /// One revealed image per secret.
    pub revealed: Vec<Tensor<B, 4>>,
}

impl StegoConfig {
    /// Builds a freshly initialised model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> StegoNet<B> {
        let arch = &self.architecture;
        let build = || StegoNet {
            preps: (0..self.secrets)
                .map(|_| PrepNet::new(arch, device))
                .collect(),
            hide: HideNet::new(arch, self.secrets, device),
            reveals: (0..self.secrets)
                .map(|_| RevealNet::new(arch, device))
                .collect(),
        };
        // burn initialises parameters lazily, and each clone of a parameter not yet
        // initialised draws values of its own. Materialise them once, so that a
        // saved copy of a fresh model is the model that runs.
        let record = build().into_record();
        build().load_record(record)
    }
}

impl<B: Backend> StegoNet<B> {
    /// How many secrets this model carries.
    pub fn secrets(&self) -> usize {
        self.preps.len()
    }

    /// The container, clamped to the valid range but not yet rounded.
    ///
    /// # Shapes
    /// - cover and each secret: `[batch, 3, H, W]`, values in 0..=1, H and W a multiple
    ///   of the architecture's [`size_multiple`](crate::Architecture::size_multiple)
    /// - output: `[batch, 3, H, W]`
    pub fn hide(&self, cover: Tensor<B, 4>, secrets: &[Tensor<B, 4>]) -> Tensor<B, 4> {
        debug_assert_eq!(secrets.len(), self.preps.len());
        let prepared = self
            .preps
            .iter()
            .zip(secrets)
            .map(|(prep, secret)| prep.forward(secret.clone()))
            .collect();
        self.hide.forward(cover, prepared).clamp(0.0, 1.0)
    }

    /// Reveals the first `count` secrets from a container.
    ///
    /// # Shapes
    /// `[batch, 3, H, W]` → `count` × `[batch, 3, H, W]`
    pub fn reveal(&self, container: Tensor<B, 4>, count: usize) -> Vec<Tensor<B, 4>> {
        self.reveals
            .iter()
            .take(count)
            .map(|reveal| reveal.forward(container.clone()))
            .collect()
    }

    /// Hide, pass the container through `channel` (rounding, noise...), reveal.
    pub fn forward(
        &self,
        cover: Tensor<B, 4>,
        secrets: &[Tensor<B, 4>],
        channel: &Channel,
    ) -> StegoOutput<B> {
        let container = channel.apply(self.hide(cover, secrets));
        let revealed = self.reveal(container.clone(), self.secrets());
        StegoOutput {
            container,
            revealed,
        }
    }
}
