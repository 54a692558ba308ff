//! The whole model: one preparation and one reveal network per secret, one hiding network.

use burn::prelude::*;

use crate::channel::Channel;
use crate::code::{LinearCode, SplitCode};
use crate::model::config::StegoConfig;
use crate::model::keyed::{KeyedEncode, KeyedReveal};
use crate::model::mix::{BlockMixes, BlockScatter, PUBLIC_KEY};
use crate::model::nets::{HideNet, PrepNet, RevealNet};

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
    /// Starts the hiding and reveal networks at a linear code (see
    /// [`crate::code`]); the code must be built for this model's secret count
    /// and unshuffle factor.
    pub fn with_linear_code(self, code: &LinearCode, device: &B::Device) -> Self {
        assert_eq!(
            code.secrets(),
            self.reveals.len(),
            "code for another secret count"
        );
        StegoNet {
            preps: self.preps,
            hide: self.hide.with_linear_code(code, device),
            reveals: self
                .reveals
                .into_iter()
                .enumerate()
                .map(|(slot, net)| net.with_linear_code(code, slot, device))
                .collect(),
        }
    }

    /// Starts the keyed layout's networks at the principal code split at its code
    /// vector ([`BlockStatistics::split_code`](crate::code::BlockStatistics::split_code)):
    /// with any key, it then hides and reveals as that linear code does.
    pub fn with_split_code(self, code: &SplitCode, device: &B::Device) -> Self {
        assert_eq!(
            code.secrets(),
            self.reveals.len(),
            "code for another secret count"
        );
        let preps = self
            .preps
            .into_iter()
            .map(|prep| match prep {
                PrepNet::Keyed(net) => PrepNet::Keyed(net.starting_at(&code.encode(), device)),
                other => other,
            })
            .collect();
        let hide = match self.hide {
            HideNet::Keyed(net) => HideNet::Keyed(net.starting_at(&code.hide(), device)),
            other => other,
        };
        let reveals = self
            .reveals
            .into_iter()
            .enumerate()
            .map(|(slot, reveal)| match reveal {
                RevealNet::Keyed(net) => {
                    RevealNet::Keyed(net.starting_at(&code.extract(slot), &code.decode(), device))
                }
                other => other,
            })
            .collect();
        StegoNet {
            preps,
            hide,
            reveals,
        }
    }

    /// The preparation, hiding and reveal networks (read by [`super::direct`]).
    pub(crate) fn parts(&self) -> (&[PrepNet<B>], &HideNet<B>, &[RevealNet<B>]) {
        (&self.preps, &self.hide, &self.reveals)
    }

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
        self.hide_mixed(cover, secrets, None)
    }

    /// [`StegoNet::hide`] with the keyed layout's mixes, one per secret slot (`None`:
    /// the public mix, for a picture whose first block is this one). Other layouts
    /// ignore them.
    pub fn hide_mixed(
        &self,
        cover: Tensor<B, 4>,
        secrets: &[Tensor<B, 4>],
        mixes: Option<&[BlockMixes]>,
    ) -> Tensor<B, 4> {
        debug_assert_eq!(secrets.len(), self.preps.len());
        let public = self.public_mixes(&cover, mixes);
        let mixes = mixes.or(public.as_deref());
        let prepared = self
            .preps
            .iter()
            .zip(secrets)
            .enumerate()
            .map(|(slot, (prep, secret))| {
                let features = prep.forward(secret.clone());
                match mixes {
                    Some(mixes) => mixes[slot].mix(features),
                    None => features,
                }
            })
            .collect();
        self.hide.forward(cover, secrets, prepared).clamp(0.0, 1.0)
    }

    /// The public mixes for `image`'s batch and size, where the layout is keyed and
    /// none were given.
    fn public_mixes(
        &self,
        image: &Tensor<B, 4>,
        given: Option<&[BlockMixes]>,
    ) -> Option<Vec<BlockMixes>> {
        if given.is_some() {
            return None;
        }
        let [batch, _, height, width] = image.dims();
        self.mixes(&vec![PUBLIC_KEY; batch], (0, 0), (height, width))
    }

    /// Whether this is the keyed layout, whose code a key mixes.
    pub fn is_keyed(&self) -> bool {
        matches!(self.preps[0], PrepNet::Keyed(_))
    }

    /// The keyed layout's encoder (the first slot's: all share factor, code and
    /// scatter); `None` for the other layouts.
    fn keyed_encode(&self) -> Option<&KeyedEncode<B>> {
        match &self.preps[0] {
            PrepNet::Keyed(encode) => Some(encode),
            _ => None,
        }
    }

    /// Whether the keyed layout's key also scatters the codes over the picture.
    pub fn scatters(&self) -> bool {
        self.keyed_encode().is_some_and(KeyedEncode::scatters)
    }

    /// The keyed layout's mixes for every secret slot, one key per image of a batch of
    /// `height × width` pictures whose first block is block `origin` (row, column) of
    /// the whole picture; `None` for the other layouts.
    pub fn mixes(
        &self,
        keys: &[[u8; 32]],
        origin: (usize, usize),
        (height, width): (usize, usize),
    ) -> Option<Vec<BlockMixes>> {
        self.block_mixes(keys, origin, (height, width), self.scatters())
    }

    /// [`StegoNet::mixes`] without the scatter: each block's own mix, for a window
    /// anywhere in the picture (the scatter is [`StegoNet::scatter`]).
    pub fn rotations(
        &self,
        keys: &[[u8; 32]],
        origin: (usize, usize),
        size: (usize, usize),
    ) -> Option<Vec<BlockMixes>> {
        self.block_mixes(keys, origin, size, false)
    }

    /// Slot `slot`'s part of [`StegoNet::rotations`], drawn alone.
    pub fn rotation(
        &self,
        key: &[u8; 32],
        slot: usize,
        origin: (usize, usize),
        size: (usize, usize),
    ) -> Option<BlockMixes> {
        self.slot_mixes(&[*key], slot, origin, size, false)
    }

    fn block_mixes(
        &self,
        keys: &[[u8; 32]],
        origin: (usize, usize),
        size: (usize, usize),
        scatter: bool,
    ) -> Option<Vec<BlockMixes>> {
        (0..self.preps.len())
            .map(|slot| self.slot_mixes(keys, slot, origin, size, scatter))
            .collect()
    }

    fn slot_mixes(
        &self,
        keys: &[[u8; 32]],
        slot: usize,
        origin: (usize, usize),
        (height, width): (usize, usize),
        scatter: bool,
    ) -> Option<BlockMixes> {
        let encode = self.keyed_encode()?;
        let factor = encode.factor();
        let blocks = (height / factor, width / factor);
        Some(BlockMixes::new(
            keys,
            slot,
            encode.code(),
            origin,
            blocks,
            scatter,
        ))
    }

    /// The scatter of secret slot `slot` under `key` for a whole `height × width`
    /// picture, where the model scatters.
    pub fn scatter(
        &self,
        key: &[u8; 32],
        slot: usize,
        (height, width): (usize, usize),
    ) -> Option<BlockScatter> {
        let encode = self.keyed_encode().filter(|e| e.scatters())?;
        let (factor, code) = (encode.factor(), encode.code());
        let shape = [1, code, height / factor, width / factor];
        Some(BlockScatter::new(&[*key], slot, shape))
    }

    /// The keyed layout's container from the cover and each slot's mixed code (what
    /// [`StegoNet::hide_mixed`] computes after the mix).
    ///
    /// # Panics
    /// For the other layouts.
    pub fn hide_codes(&self, cover: Tensor<B, 4>, mixed: Vec<Tensor<B, 4>>) -> Tensor<B, 4> {
        let HideNet::Keyed(hide) = &self.hide else {
            panic!("only the keyed layout hides codes");
        };
        hide.forward(cover, mixed).clamp(0.0, 1.0)
    }

    /// The keyed layout's reveal network of slot `slot`.
    ///
    /// # Panics
    /// For the other layouts.
    pub fn keyed_reveal(&self, slot: usize) -> &KeyedReveal<B> {
        let RevealNet::Keyed(reveal) = &self.reveals[slot] else {
            panic!("only the keyed layout reveals codes");
        };
        reveal
    }

    /// The features the preparation network of secret `index` extracts.
    ///
    /// # Shapes
    /// `[batch, 3, H, W]` → see [`PrepNet::forward`]
    pub fn prepare(&self, index: usize, secret: Tensor<B, 4>) -> Tensor<B, 4> {
        self.preps[index].forward(secret)
    }

    /// Reveals the first `count` secrets from a container.
    ///
    /// # Shapes
    /// `[batch, 3, H, W]` → `count` × `[batch, 3, H, W]`
    pub fn reveal(&self, container: Tensor<B, 4>, count: usize) -> Vec<Tensor<B, 4>> {
        self.reveal_mixed(container, count, None)
    }

    /// [`StegoNet::reveal`] with the keyed layout's mixes (see [`StegoNet::hide_mixed`]).
    pub fn reveal_mixed(
        &self,
        container: Tensor<B, 4>,
        count: usize,
        mixes: Option<&[BlockMixes]>,
    ) -> Vec<Tensor<B, 4>> {
        let public = self.public_mixes(&container, mixes);
        let mixes = mixes.or(public.as_deref());
        self.reveals
            .iter()
            .take(count)
            .enumerate()
            .map(|(slot, reveal)| reveal.forward(container.clone(), mixes.map(|m| &m[slot])))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use crate::backend::CpuBackend;
    use crate::code::BlockStatistics;
    use crate::model::config::Architecture;
    use crate::pixels::RgbImage;
    use crate::Stego;

    fn wavy(seed: f64) -> RgbImage {
        let data = (0..48 * 48)
            .flat_map(|p| {
                let (x, y) = ((p % 48) as f64, (p / 48) as f64);
                let v = |f: f64| (128.0 + 90.0 * ((x * f + y * 0.6 + seed) * 0.09).sin()) as u8;
                [v(1.0), v(0.7), v(1.2)]
            })
            .collect();
        RgbImage::new(48, 48, data).unwrap()
    }

    #[test]
    fn baluja_layout_keeps_shapes_for_three_secrets() {
        let config = StegoConfig {
            secrets: 3,
            architecture: Architecture::Baluja { filters: 4 },
            beta: 0.75,
        };
        let device = Default::default();
        let net = config.init::<CpuBackend>(&device);
        let image = || Tensor::<CpuBackend, 4>::zeros([2, 3, 9, 7], &device);
        let out = net.forward(image(), &[image(), image(), image()], &Channel::Quantize8);
        assert_eq!(out.container.dims(), [2, 3, 9, 7]);
        assert_eq!(out.revealed.len(), 3);
        assert!(out.revealed.iter().all(|r| r.dims() == [2, 3, 9, 7]));
    }

    #[test]
    fn a_network_started_at_the_linear_code_already_hides_and_reveals() {
        let photos: Vec<RgbImage> = (0..6).map(|i| wavy(i as f64 * 7.0)).collect();
        let stats = BlockStatistics::measure(&photos, 2).unwrap();
        let code = stats.code(2, 3, 1.0 / 8.0).unwrap();
        let config = crate::model::config::tiny_unshuffle(2);
        let device = Default::default();
        let net = config
            .init::<CpuBackend>(&device)
            .with_linear_code(&code, &device);
        let stego = Stego::new(config, net, device);
        let (cover, secrets) = (wavy(3.0), [wavy(11.0), wavy(20.0)]);
        let container = stego.hide(&cover, &secrets).unwrap();
        assert!(
            psnr(&cover, &container) > 25.0,
            "container {}",
            psnr(&cover, &container)
        );
        let revealed = stego.reveal(&container, 2).unwrap();
        for (secret, revealed) in secrets.iter().zip(&revealed) {
            assert!(
                psnr(secret, revealed) > 25.0,
                "revealed {}",
                psnr(secret, revealed)
            );
        }
        // Revealing with the other secret's network gives the other picture.
        assert!(psnr(&secrets[0], &revealed[1]) < psnr(&secrets[0], &revealed[0]) - 3.0);
    }
}
