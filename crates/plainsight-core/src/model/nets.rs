//! The three kinds of network, each an enum over the two layouts
//! ([`super::unshuffle`], [`super::baluja`]), so one model type holds either.
//!
//! The variant names and the structs inside them are the weight record's paths:
//! renaming them breaks every shipped weight file.

use burn::prelude::*;

use super::baluja;
use super::blocks::BalujaStack;
use super::config::Architecture;
use super::keyed::{KeyedEncode, KeyedHide, KeyedReveal};
use super::mix::BlockMixes;
use super::unshuffle::{UnshuffleHide, UnshufflePrep, UnshuffleReveal};
use crate::code::LinearCode;

/// One secret's preparation network: turns a secret into features for hiding.
///
/// Baluja found that a small network in front of the hiding network helps it pick
/// features of the secret worth keeping, instead of raw pixels.
// A model holds at most seven networks, built once: size differences do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum PrepNet<B: Backend> {
    Unshuffle(UnshufflePrep<B>),
    Baluja(BalujaStack<B>),
    Keyed(KeyedEncode<B>),
}

impl<B: Backend> PrepNet<B> {
    pub fn new(architecture: &Architecture, device: &B::Device) -> Self {
        match *architecture {
            Architecture::Unshuffle {
                factor,
                prep_channels,
                ..
            } => PrepNet::Unshuffle(UnshufflePrep::new(factor, prep_channels, device)),
            Architecture::Baluja { filters } => PrepNet::Baluja(baluja::prep(filters, device)),
            Architecture::Keyed {
                factor,
                channels,
                code,
                scatter,
                ..
            } => PrepNet::Keyed(KeyedEncode::new(factor, channels, code, scatter, device)),
        }
    }

    /// # Shapes
    /// - unshuffle: `[batch, 3, H, W]` → `[batch, prep_channels, H/f, W/f]`
    /// - baluja: `[batch, 3, H, W]` → `[batch, 3·filters, H, W]`
    /// - keyed: `[batch, 3, H, W]` → `[batch, code, H/f, W/f]`, not yet mixed
    pub fn forward(&self, secret: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            PrepNet::Unshuffle(net) => net.forward(secret),
            PrepNet::Baluja(net) => net.forward(secret),
            PrepNet::Keyed(net) => net.forward(secret),
        }
    }
}

/// The hiding network: cover plus prepared secrets in, container out.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum HideNet<B: Backend> {
    Unshuffle(UnshuffleHide<B>),
    Baluja(BalujaStack<B>),
    Keyed(KeyedHide<B>),
}

impl<B: Backend> HideNet<B> {
    pub fn new(architecture: &Architecture, secrets: usize, device: &B::Device) -> Self {
        match *architecture {
            Architecture::Unshuffle {
                factor,
                channels,
                prep_channels,
                depth,
            } => HideNet::Unshuffle(UnshuffleHide::new(
                factor,
                channels,
                prep_channels,
                depth,
                secrets,
                device,
            )),
            Architecture::Baluja { filters } => {
                HideNet::Baluja(baluja::hide(filters, secrets, device))
            }
            Architecture::Keyed {
                factor,
                channels,
                depth,
                code,
                ..
            } => HideNet::Keyed(KeyedHide::new(
                factor, channels, depth, code, secrets, device,
            )),
        }
    }

    /// Starts the network at a linear code. Baluja's layout has no linear path and
    /// is returned unchanged.
    pub fn with_linear_code(self, code: &LinearCode, device: &B::Device) -> Self {
        match self {
            HideNet::Unshuffle(net) => HideNet::Unshuffle(net.with_linear_code(code, device)),
            baluja => baluja,
        }
    }

    /// Returns the container before clamping and rounding.
    ///
    /// # Shapes
    /// - cover and each secret: `[batch, 3, H, W]`
    /// - prepared: one per secret, as [`PrepNet::forward`] returns (for the keyed
    ///   layout, mixed: it never sees the secrets themselves)
    /// - output: `[batch, 3, H, W]`
    pub fn forward(
        &self,
        cover: Tensor<B, 4>,
        secrets: &[Tensor<B, 4>],
        prepared: Vec<Tensor<B, 4>>,
    ) -> Tensor<B, 4> {
        match self {
            HideNet::Unshuffle(net) => net.forward(cover, secrets, prepared),
            HideNet::Baluja(net) => {
                let mut inputs = vec![cover];
                inputs.extend(prepared);
                net.forward(Tensor::cat(inputs, 1))
            }
            HideNet::Keyed(net) => net.forward(cover, prepared),
        }
    }
}

/// One secret's reveal network: recovers the secret from the container alone.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum RevealNet<B: Backend> {
    Unshuffle(UnshuffleReveal<B>),
    Baluja(BalujaStack<B>),
    Keyed(KeyedReveal<B>),
}

impl<B: Backend> RevealNet<B> {
    pub fn new(architecture: &Architecture, device: &B::Device) -> Self {
        match *architecture {
            Architecture::Unshuffle {
                factor,
                channels,
                depth,
                ..
            } => RevealNet::Unshuffle(UnshuffleReveal::new(factor, channels, depth, device)),
            Architecture::Baluja { filters } => RevealNet::Baluja(baluja::reveal(filters, device)),
            Architecture::Keyed {
                factor,
                channels,
                depth,
                code,
                ..
            } => RevealNet::Keyed(KeyedReveal::new(factor, channels, depth, code, device)),
        }
    }

    /// Starts the network at the reading half of a linear code for secret `slot`.
    /// Baluja's layout is returned unchanged.
    pub fn with_linear_code(self, code: &LinearCode, slot: usize, device: &B::Device) -> Self {
        match self {
            RevealNet::Unshuffle(net) => {
                RevealNet::Unshuffle(net.with_linear_code(code, slot, device))
            }
            baluja => baluja,
        }
    }

    /// `mixes` unmix the keyed layout's code (the other layouts have none).
    ///
    /// # Shapes
    /// `[batch, 3, H, W]` container → `[batch, 3, H, W]` secret estimate (not clamped)
    pub fn forward(&self, container: Tensor<B, 4>, mixes: Option<&BlockMixes>) -> Tensor<B, 4> {
        match (self, mixes) {
            (RevealNet::Unshuffle(net), _) => net.forward(container),
            (RevealNet::Baluja(net), _) => net.forward(container),
            (RevealNet::Keyed(net), Some(mixes)) => net.forward(container, mixes),
            (RevealNet::Keyed(_), None) => panic!("the keyed layout reveals with its mixes"),
        }
    }
}
