//! Hide and reveal on whole images of any size, tile by tile.

use burn::module::Module;
use burn::prelude::*;
use burn::record::Recorder;
use std::borrow::Cow;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::hider::{check_hide_count, check_reveal_count};
use crate::hiding::rounding::Rounding;
use crate::model::direct::{DirectKeyed, DirectNet};
use crate::model::mix::PUBLIC_KEY;
use crate::model::weights::{catch_shape_panic, CompactWeightRecorder, WeightRecorder};
use crate::model::{StegoConfig, StegoNet};
use crate::pixels::{check_same_size, images_to_tensor, tensor_to_images, RgbImage};
use crate::Hider;

/// Output tile side in pixels; tiles keep memory bounded on very large photos.
pub const DEFAULT_TILE: usize = 1024;

/// A trained model ready to hide and reveal 8-bit RGB images.
///
/// ```
/// use plainsight_core::{CpuBackend, RgbImage, Stego, StegoConfig};
///
/// // An untrained model, to show the calls; real code loads trained weights
/// // with `Stego::from_bytes` (the `plainsight-weights` crate embeds some).
/// let device = Default::default();
/// let config = StegoConfig::new(1).unwrap();
/// let stego = Stego::<CpuBackend>::new(config.clone(), config.init(&device), device);
///
/// let cover = RgbImage::filled(40, 30, [120, 160, 200]).unwrap();
/// let secret = RgbImage::filled(40, 30, [200, 40, 40]).unwrap();
/// let container = stego.hide(&cover, &[secret]).unwrap();
/// assert_eq!((container.width(), container.height()), (40, 30));
/// let revealed = stego.reveal(&container, 1).unwrap();
/// assert_eq!(revealed.len(), 1);
/// ```
pub struct Stego<B: Backend> {
    config: StegoConfig,
    net: StegoNet<B>,
    /// Which implementation hide and reveal use.
    engine: Engine,
    /// The same networks on the fast CPU path, built at the first hide or reveal
    /// (a `Stego` made only to save weights never needs it); `None` inside when the
    /// layout has no such path.
    direct: OnceLock<Option<DirectNet>>,
    /// The same for the keyed layout's parts.
    direct_keyed: OnceLock<Option<DirectKeyed>>,
    device: B::Device,
    tile: usize,
    rounding: Rounding,
}

impl<B: Backend> Stego<B> {
    /// Wraps a network built from `config`.
    pub fn new(config: StegoConfig, net: StegoNet<B>, device: B::Device) -> Self {
        Stego {
            engine: Engine::Direct,
            direct: OnceLock::new(),
            direct_keyed: OnceLock::new(),
            rounding: Rounding::default(),
            config,
            net,
            device,
            tile: DEFAULT_TILE,
        }
    }

    /// Builds the model from `config.json` text and weight bytes.
    pub fn from_bytes(config_json: &str, weights: &[u8], device: B::Device) -> Result<Self> {
        let config = StegoConfig::from_json(config_json)?;
        let record = WeightRecorder::default()
            .load(weights.to_vec(), &device)
            .map_err(|e| Error::Weights(e.to_string()))?;
        let net = catch_shape_panic(|| config.init::<B>(&device).load_record(record))?;
        Ok(Stego::new(config, net, device))
    }

    /// The weights in the format [`Stego::from_bytes`] reads.
    pub fn weight_bytes(&self) -> Vec<u8> {
        WeightRecorder::default()
            .record(self.net.clone().into_record(), ())
            .expect("weights serialise")
    }

    /// The weights with 16-bit floats (half the size; [`Stego::from_bytes`] reads them).
    pub fn compact_weight_bytes(&self) -> Vec<u8> {
        CompactWeightRecorder::default()
            .record(self.net.clone().into_record(), ())
            .expect("weights serialise")
    }

    /// Sets the output tile side (rounded up to what the architecture needs).
    pub fn with_tile_size(mut self, tile: usize) -> Self {
        self.tile = tile.max(1);
        self
    }

    /// The output tile side.
    pub fn tile_size(&self) -> usize {
        self.tile
    }

    /// Which implementation runs hide and reveal (the result is the same up to
    /// float summation order: `model::direct` bounds it).
    pub fn with_engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// How containers are rounded to bytes (see [`crate::hiding::rounding`];
    /// docs/security.md measures what each costs and gains).
    pub fn with_rounding(mut self, rounding: Rounding) -> Self {
        self.rounding = rounding;
        self
    }

    pub fn rounding(&self) -> Rounding {
        self.rounding
    }

    pub fn config(&self) -> &StegoConfig {
        &self.config
    }

    /// How many secrets this model hides in one container.
    pub fn secrets(&self) -> usize {
        self.config.secrets
    }

    /// The direct CPU path's networks, where the layout has one (and the engine
    /// is not set to burn).
    pub(crate) fn direct(&self) -> Option<&DirectNet> {
        if self.engine == Engine::Burn {
            return None;
        }
        let multiple = self.config.architecture.size_multiple();
        self.direct
            .get_or_init(|| DirectNet::of(&self.net, multiple))
            .as_ref()
    }

    /// The keyed layout's parts on the direct CPU path (unless the engine is burn).
    pub(crate) fn direct_keyed(&self) -> Option<&DirectKeyed> {
        if self.engine == Engine::Burn {
            return None;
        }
        let factor = self.config.architecture.size_multiple();
        self.direct_keyed
            .get_or_init(|| DirectKeyed::of(&self.net, factor))
            .as_ref()
    }

    pub fn net(&self) -> &StegoNet<B> {
        &self.net
    }

    pub(crate) fn device(&self) -> &B::Device {
        &self.device
    }

    /// Hides `secrets` (exactly as many as the model carries, each the cover's size)
    /// in `cover`. The container has the cover's size and is already 8-bit.
    pub fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        if self.net.is_keyed() {
            return self.hide_keyed(cover, secrets, &PUBLIC_KEY);
        }
        let container = self.hide_with(cover, secrets, |tensors, _| match self.direct() {
            Some(direct) => {
                let [_, _, height, width] = tensors[0].dims();
                let planes: Vec<Vec<f32>> = tensors.iter().map(floats).collect();
                let secrets: Vec<&[f32]> = planes[1..].iter().map(Vec::as_slice).collect();
                let container = direct.hide(&planes[0], &secrets, width, height);
                self.tensor(container, width, height)
            }
            None => self.net.hide(tensors[0].clone(), &tensors[1..]),
        });
        self.release_buffers();
        container
    }

    /// [`Stego::hide`] with `make_container` turning one tile's cover and secrets
    /// (in that order) into its float container; it also gets the tile's top-left
    /// pixel in the picture.
    pub(crate) fn hide_with<F>(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        make_container: F,
    ) -> Result<RgbImage>
    where
        F: Fn(&[Tensor<B, 4>], (usize, usize)) -> Tensor<B, 4>,
    {
        check_hide_count(self.secrets(), secrets.len())?;
        for secret in secrets {
            check_same_size(cover, secret)?;
        }
        let mut inputs = vec![cover];
        inputs.extend(secrets);
        let needs_remainder = self.rounding != Rounding::Nearest;
        let mut out = self.tiled(&inputs, Border::Cover, |tensors, origin| {
            let container = make_container(&tensors, origin);
            if !needs_remainder {
                return vec![container];
            }
            // What rounding to bytes drops, shifted to 0..1 so it survives as a byte.
            let levels = container.clone().clamp(0.0, 1.0).mul_scalar(255.0);
            let remainder = (levels.clone() - levels.round()).add_scalar(0.5);
            vec![container, remainder]
        });
        if !needs_remainder {
            return Ok(out.remove(0));
        }
        // Pixels beyond the last whole block carry the cover there; their remainder
        // is arbitrary but only breaks ties between equal bytes.
        crate::hiding::rounding::round_to_cover(&out[0], &out[1], cover, self.rounding)
    }

    /// Reveals the first `count` secrets (1 up to the model's count) from a container.
    pub fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        if self.net.is_keyed() {
            return self.reveal_keyed(container, count, &PUBLIC_KEY);
        }
        check_reveal_count(self.secrets(), count)?;
        let revealed = self.tiled(&[container], Border::Edge, |tensors, _| {
            match self.direct() {
                Some(direct) => {
                    let [_, _, height, width] = tensors[0].dims();
                    direct
                        .reveal(&floats(&tensors[0]), count, width, height)
                        .into_iter()
                        .map(|planes| self.tensor(planes, width, height))
                        .collect()
                }
                None => self.net.reveal(tensors[0].clone(), count),
            }
        });
        self.release_buffers();
        Ok(revealed)
    }

    /// Frees the direct path's buffers once a whole picture is done.
    pub(crate) fn release_buffers(&self) {
        if let Some(direct) = self.direct() {
            direct.release_buffers();
        }
        if let Some(direct) = self.direct_keyed() {
            direct.release_buffers();
        }
    }

    /// One planar RGB image as a `[1, 3, height, width]` tensor.
    pub(crate) fn tensor(&self, planes: Vec<f32>, width: usize, height: usize) -> Tensor<B, 4> {
        Tensor::from_data(TensorData::new(planes, [1, 3, height, width]), &self.device)
    }

    /// Runs `run` over the same-size `inputs` and returns its outputs at their size.
    ///
    /// The networks read whole blocks of `size_multiple` pixels. When a side is not a
    /// multiple, the last partial block row/column (at most 3 pixels) is not run at
    /// all: `border` fills it. Padding those blocks instead would hide data in pixels
    /// the saved container does not have, and the reveal network, meeting made-up
    /// blocks there, spreads errors over its receptive field (it cost default-1 2.4 dB
    /// on 481×321 photos).
    pub(crate) fn tiled<F>(&self, inputs: &[&RgbImage], border: Border, run: F) -> Vec<RgbImage>
    where
        F: Fn(Vec<Tensor<B, 4>>, (usize, usize)) -> Vec<Tensor<B, 4>>,
    {
        let (width, height) = (inputs[0].width(), inputs[0].height());
        let fitted: Vec<Cow<RgbImage>> = inputs.iter().map(|i| self.fitted(i)).collect();
        if matches!(fitted[0], Cow::Borrowed(_)) {
            return self.tiled_exact(inputs, run);
        }
        let refs: Vec<&RgbImage> = fitted.iter().map(|i| i.as_ref()).collect();
        let outputs = self.tiled_exact(&refs, run);
        if refs[0].width() >= width && refs[0].height() >= height {
            // Padded: cut back to the picture.
            return outputs
                .into_iter()
                .map(|out| out.crop(0, 0, width, height))
                .collect();
        }
        outputs
            .into_iter()
            .map(|core| match border {
                Border::Cover => {
                    let mut full = inputs[0].clone();
                    full.paste(&core, 0, 0);
                    full
                }
                Border::Edge => core.pad_edge(width, height),
            })
            .collect()
    }

    /// `image` as the networks run on it: unchanged when its sides are whole blocks,
    /// else cut to its whole blocks (see [`Stego::tiled`]), or edge-padded to one
    /// block where it is narrower than one.
    pub(crate) fn fitted<'a>(&self, image: &'a RgbImage) -> Cow<'a, RgbImage> {
        let (width, height) = (image.width(), image.height());
        match self.fitted_size(width, height) {
            size if size == (width, height) => Cow::Borrowed(image),
            (w, h) if w >= width && h >= height => Cow::Owned(image.pad_edge(w, h)),
            (w, h) => Cow::Owned(image.crop(0, 0, w, h)),
        }
    }

    /// The size [`Stego::fitted`] gives a `width × height` image.
    pub(crate) fn fitted_size(&self, width: usize, height: usize) -> (usize, usize) {
        let multiple = self.config.architecture.size_multiple();
        let core = (width / multiple * multiple, height / multiple * multiple);
        if core.0 == 0 || core.1 == 0 {
            // Padding both sides to whole blocks is the only way to run at all.
            (
                width.next_multiple_of(multiple),
                height.next_multiple_of(multiple),
            )
        } else {
            core
        }
    }

    /// Runs `run` over overlapping tiles of the same-size `inputs`, whose sides are
    /// multiples of the architecture's block size, and stitches its outputs. The
    /// overlap covers the networks' receptive field, so the result equals one pass
    /// over the whole image.
    fn tiled_exact<F>(&self, padded: &[&RgbImage], run: F) -> Vec<RgbImage>
    where
        F: Fn(Vec<Tensor<B, 4>>, (usize, usize)) -> Vec<Tensor<B, 4>>,
    {
        let (padded_w, padded_h) = (padded[0].width(), padded[0].height());
        let mut outputs: Vec<RgbImage> = Vec::new();
        let windows = self.windows(padded_w, padded_h);
        for (done, w) in windows.iter().enumerate() {
            let tensors = padded
                .iter()
                .map(|image| w.tensor(image, &self.device))
                .collect();
            super::progress::tick(done, windows.len());
            let results = run(tensors, (w.x0, w.y0));
            super::progress::tick(done + 1, windows.len());
            if outputs.is_empty() {
                outputs = (0..results.len())
                    .map(|_| RgbImage::filled(padded_w, padded_h, [0, 0, 0]).expect("size"))
                    .collect();
            }
            for (output, result) in outputs.iter_mut().zip(results) {
                let window = tensor_to_images(result).remove(0);
                let (dx, dy) = (w.tx - w.x0, w.ty - w.y0);
                output.paste(&window.crop(dx, dy, w.tile_w, w.tile_h), w.tx, w.ty);
            }
        }
        outputs
    }

    /// The overlapping windows that cover a `width × height` picture (sides in whole
    /// blocks) tile by tile: each tile widened by the networks' receptive field.
    pub(crate) fn windows(&self, width: usize, height: usize) -> Vec<Window> {
        let arch = &self.config.architecture;
        let multiple = arch.size_multiple();
        let round_up = |v: usize| v.div_ceil(multiple) * multiple;
        let margin = round_up(arch.receptive_radius());
        let tile = round_up(self.tile);
        let mut windows = Vec::new();
        for ty in (0..height).step_by(tile) {
            for tx in (0..width).step_by(tile) {
                let (tile_w, tile_h) = (tile.min(width - tx), tile.min(height - ty));
                let (x0, y0) = (tx.saturating_sub(margin), ty.saturating_sub(margin));
                windows.push(Window {
                    tx,
                    ty,
                    tile_w,
                    tile_h,
                    x0,
                    y0,
                    x1: (tx + tile_w + margin).min(width),
                    y1: (ty + tile_h + margin).min(height),
                });
            }
        }
        windows
    }
}

impl<B: Backend> Hider for Stego<B> {
    fn secrets(&self) -> usize {
        Stego::secrets(self)
    }

    fn block(&self) -> usize {
        self.config().architecture.size_multiple()
    }

    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        Stego::hide(self, cover, secrets)
    }

    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        Stego::reveal(self, container, count)
    }

    fn mixes_key(&self) -> bool {
        self.net.is_keyed()
    }

    fn hide_with_key(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        key: &[u8; 32],
    ) -> Result<RgbImage> {
        self.keyed_only()?;
        self.hide_keyed(cover, secrets, key)
    }

    fn reveal_with_key(
        &self,
        container: &RgbImage,
        count: usize,
        key: &[u8; 32],
    ) -> Result<Vec<RgbImage>> {
        self.keyed_only()?;
        self.reveal_keyed(container, count, key)
    }
}

impl<B: Backend> Stego<B> {
    fn keyed_only(&self) -> Result<()> {
        if !self.net.is_keyed() {
            return Err(Error::Invalid(
                "this model scrambles secrets around its networks; only the keyed layout mixes a key into its code".into(),
            ));
        }
        Ok(())
    }
}

/// The values of a `[1, 3, height, width]` tensor, planar.
pub(crate) fn floats<B: Backend>(tensor: &Tensor<B, 4>) -> Vec<f32> {
    tensor
        .clone()
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .expect("float tensor")
}

/// Which implementation of the networks hide and reveal run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The dedicated CPU path ([`crate::model::direct`]), where the layout has one
    /// (the default); burn otherwise.
    Direct,
    /// burn, always.
    Burn,
}

/// One tile of a picture (`tx, ty`, `tile_w × tile_h`) and the window around it that
/// the networks run on (`x0..x1`, `y0..y1`), in pixels.
pub(crate) struct Window {
    pub tx: usize,
    pub ty: usize,
    pub tile_w: usize,
    pub tile_h: usize,
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl Window {
    /// The window of `image` as a `[1, 3, h, w]` tensor.
    pub(crate) fn tensor<B: Backend>(&self, image: &RgbImage, device: &B::Device) -> Tensor<B, 4> {
        let window = image.crop(self.x0, self.y0, self.x1 - self.x0, self.y1 - self.y0);
        images_to_tensor::<B>(&[&window], device)
    }
}

/// What fills the pixels beyond the last whole block (see `Stego::tiled`).
#[derive(Clone, Copy)]
pub(crate) enum Border {
    /// The first input, unchanged: a container equals its cover there.
    Cover,
    /// The nearest computed pixel: a revealed secret is extended from its edge.
    Edge,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::metrics::psnr;
    use crate::backend::CpuBackend;

    fn textured(width: usize, height: usize, seed: usize) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = (p % width, p / width);
                [
                    ((x * 3 + y * 5 + seed) % 256) as u8,
                    ((x * y + seed * 7) % 256) as u8,
                    ((x * x + y + seed) % 256) as u8,
                ]
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    fn untrained(secrets: usize) -> Stego<CpuBackend> {
        let device = Default::default();
        let config = StegoConfig::new(secrets).unwrap();
        Stego::new(config.clone(), config.init(&device), device)
    }

    #[test]
    fn slivers_narrower_than_a_block_hide_and_reveal() {
        // Factor 4: one side below a block, the other not a whole number of blocks.
        let stego = untrained(1);
        for (w, h) in [(1, 302), (302, 1), (3, 3), (2, 9)] {
            let cover = textured(w, h, 1);
            let container = stego.hide(&cover, &[textured(w, h, 2)]).unwrap();
            assert_eq!((container.width(), container.height()), (w, h));
            assert_eq!(stego.reveal(&container, 1).unwrap()[0].width(), w);
        }
    }

    #[test]
    fn tiling_matches_a_single_pass() {
        let stego = untrained(1);
        let (cover, secret) = (textured(45, 37, 1), textured(45, 37, 2));
        let whole = stego.hide(&cover, std::slice::from_ref(&secret)).unwrap();
        let stego = stego.with_tile_size(8);
        let tiled = stego.hide(&cover, &[secret]).unwrap();
        // Float sums in another order may flip a rounding; allow a few ±1 values.
        assert!(psnr(&whole, &tiled) > 50.0, "psnr {}", psnr(&whole, &tiled));
        let a = stego.reveal(&tiled, 1).unwrap();
        let b = stego.with_tile_size(4096).reveal(&tiled, 1).unwrap();
        assert!(psnr(&a[0], &b[0]) > 50.0);
    }

    #[test]
    fn partial_blocks_keep_the_cover_and_cost_no_quality() {
        let model = plainsight_weights::by_name("default-1").unwrap();
        let stego =
            Stego::<CpuBackend>::from_bytes(model.config_json, model.weights, Default::default())
                .unwrap();
        let smooth = |w: usize, h: usize, f: f64| {
            let data = (0..w * h)
                .flat_map(|p| {
                    let (x, y) = ((p % w) as f64, (p / w) as f64);
                    let v = |g: f64| (128.0 + 90.0 * ((x * g + y * 0.5) * f).sin()) as u8;
                    [v(1.0), v(0.8), v(1.3)]
                })
                .collect();
            RgbImage::new(w, h, data).unwrap()
        };
        let (cover, secret) = (smooth(257, 161, 0.05), smooth(257, 161, 0.11));
        let quality = |cover: &RgbImage, secret: &RgbImage| {
            let container = stego.hide(cover, std::slice::from_ref(secret)).unwrap();
            (
                container.clone(),
                psnr(secret, &stego.reveal(&container, 1).unwrap()[0]),
            )
        };
        let (container, odd) = quality(&cover, &secret);
        // Beyond the last whole 4×4 block the container is the cover itself.
        assert_eq!(container.crop(256, 0, 1, 161), cover.crop(256, 0, 1, 161));
        assert_eq!(container.crop(0, 160, 257, 1), cover.crop(0, 160, 257, 1));
        let (_, even) = quality(&cover.crop(0, 0, 256, 160), &secret.crop(0, 0, 256, 160));
        assert!(
            odd > even - 0.5,
            "257x161: {odd:.2} dB, 256x160: {even:.2} dB"
        );
    }

    /// The direct path and burn sum in different orders, so a float container can
    /// land on the other side of a rounding boundary: a byte may differ by one, and
    /// only rarely.
    #[test]
    fn every_embedded_model_hides_and_reveals_alike_on_both_engines() {
        for name in ["default-1", "default-3", "robust"] {
            let model = plainsight_weights::by_name(name).unwrap();
            let direct = Stego::<CpuBackend>::from_bytes(
                model.config_json,
                model.weights,
                Default::default(),
            )
            .unwrap()
            .with_tile_size(64);
            assert!(direct.direct().is_some(), "{name} has a direct path");
            let n = direct.secrets();
            let cover = textured(136, 88, 1);
            let secrets: Vec<RgbImage> = (0..n).map(|i| textured(136, 88, 2 + i)).collect();
            let a = direct.hide(&cover, &secrets).unwrap();
            let burn = direct.with_engine(Engine::Burn);
            let b = burn.hide(&cover, &secrets).unwrap();
            assert_close(&a, &b, name);
            let revealed = burn.reveal(&a, n).unwrap();
            let burn_direct = burn.with_engine(Engine::Direct);
            for (x, y) in burn_direct.reveal(&a, n).unwrap().iter().zip(&revealed) {
                assert_close(x, y, name);
            }
        }
    }

    fn assert_close(a: &RgbImage, b: &RgbImage, what: &str) {
        let (mut differ, mut worst) = (0, 0);
        for (x, y) in a.as_bytes().iter().zip(b.as_bytes()) {
            let gap = x.abs_diff(*y);
            differ += usize::from(gap > 0);
            worst = worst.max(gap);
        }
        assert!(worst <= 1, "{what}: a byte differs by {worst}");
        assert!(
            differ * 1000 <= a.as_bytes().len(),
            "{what}: {differ} bytes differ"
        );
    }

    #[test]
    fn weights_round_trip_through_bytes() {
        let stego = untrained(2);
        let bytes = stego.weight_bytes();
        let config = stego.config().to_json();
        let loaded = Stego::<CpuBackend>::from_bytes(&config, &bytes, Default::default()).unwrap();
        let cover = textured(16, 16, 3);
        let secrets = [textured(16, 16, 4), textured(16, 16, 5)];
        assert_eq!(loaded.weight_bytes(), bytes);
        // Parallel float sums may flip a rounding between runs; nothing more.
        let (a, b) = (
            stego.hide(&cover, &secrets).unwrap(),
            loaded.hide(&cover, &secrets).unwrap(),
        );
        assert!(psnr(&a, &b) > 50.0, "psnr {}", psnr(&a, &b));
    }

    #[test]
    fn compact_weights_load_and_stay_close() {
        let stego = untrained(1);
        let compact = stego.compact_weight_bytes();
        assert!(compact.len() < stego.weight_bytes().len() * 6 / 10);
        let config = stego.config().to_json();
        let loaded =
            Stego::<CpuBackend>::from_bytes(&config, &compact, Default::default()).unwrap();
        let (cover, secret) = (textured(24, 24, 1), textured(24, 24, 2));
        let a = stego.hide(&cover, std::slice::from_ref(&secret)).unwrap();
        let b = loaded.hide(&cover, &[secret]).unwrap();
        assert!(psnr(&a, &b) > 45.0, "psnr {}", psnr(&a, &b));
    }

    #[test]
    fn weights_of_another_config_are_an_error_not_a_panic() {
        let bytes = untrained(1).weight_bytes();
        let other = StegoConfig::new(3).unwrap().to_json();
        assert!(Stego::<CpuBackend>::from_bytes(&other, &bytes, Default::default()).is_err());
        assert!(
            Stego::<CpuBackend>::from_bytes(&other, b"not weights", Default::default()).is_err()
        );
    }

    #[test]
    fn wrong_counts_and_sizes_are_errors() {
        let stego = untrained(1);
        let cover = textured(16, 16, 0);
        assert!(stego.hide(&cover, &[]).is_err());
        assert!(stego.hide(&cover, &[textured(8, 16, 0)]).is_err());
        assert!(stego.reveal(&cover, 2).is_err());
        assert!(stego.reveal(&cover, 0).is_err());
    }
}
