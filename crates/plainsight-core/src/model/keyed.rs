//! The keyed layout: the unshuffle networks split at a code vector that a key mixes.
//!
//! - **encode** (per secret): the unshuffled secret → a `code`-long vector per block;
//! - the key's mix ([`super::mix`]) multiplies every block's vector by its own
//!   orthogonal matrix;
//! - **hide**: the cover and the mixed codes (never the secret itself) → the container;
//! - **reveal** (per secret): **extract** the mixed code from the container, unmix it
//!   with the key, **decode** it into pixels.
//!
//! Trained under a new random key every batch, the networks work for any key; without
//! the key the code stays mixed. Each network is a 1×1 linear path beside a
//! convolution stack, so the principal linear code, split at its code vector
//! ([`crate::code::SplitCode`]), is an exact starting point: mixing does not change
//! what a linear code with one gain delivers. docs/security.md has the design.

use burn::nn::conv::Conv2d;
use burn::prelude::*;

use super::blocks::{affine_conv, depth_to_space, same_conv, space_to_depth, ConvStack};
use super::mix::BlockMixes;
use crate::code::Affine;

fn folded(factor: usize) -> usize {
    3 * factor * factor
}

/// A convolution stack with a 1×1 linear path beside it.
#[derive(Module, Debug)]
pub struct Path<B: Backend> {
    stack: ConvStack<B>,
    linear: Conv2d<B>,
}

impl<B: Backend> Path<B> {
    fn new(widths: &[usize], device: &B::Device) -> Self {
        let (first, last) = (widths[0], widths[widths.len() - 1]);
        Path {
            stack: ConvStack::new(widths, false, device),
            linear: same_conv(first, last, 1, device),
        }
    }

    /// The linear path set to `affine`, the stack's output to zero.
    fn starting_at(self, (weight, bias): &Affine, device: &B::Device) -> Self {
        let inputs = self.linear.weight.dims()[1];
        Path {
            stack: self.stack.zero_last(),
            linear: affine_conv(weight, bias, inputs, device),
        }
    }

    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        self.stack.forward(x.clone()) + self.linear.forward(x)
    }

    /// The stack and the 1×1 path (read by [`super::direct`]).
    pub(crate) fn parts(&self) -> (&ConvStack<B>, &Conv2d<B>) {
        (&self.stack, &self.linear)
    }
}

/// Secret → code: three 3×3 layers (they see the secret's neighbourhood) beside the
/// linear path.
#[derive(Module, Debug)]
pub struct KeyedEncode<B: Backend> {
    path: Path<B>,
    factor: usize,
    code: usize,
    /// From the config, not the weights (see [`super::mix`], "Scatter").
    scatter: bool,
}

impl<B: Backend> KeyedEncode<B> {
    pub fn new(
        factor: usize,
        channels: usize,
        code: usize,
        scatter: bool,
        device: &B::Device,
    ) -> Self {
        KeyedEncode {
            path: Path::new(&[folded(factor), channels, channels, code], device),
            factor,
            code,
            scatter,
        }
    }

    pub fn starting_at(self, affine: &Affine, device: &B::Device) -> Self {
        KeyedEncode {
            path: self.path.starting_at(affine, device),
            ..self
        }
    }

    /// Code length per block.
    pub fn code(&self) -> usize {
        self.code
    }

    /// Pixel-unshuffle factor.
    pub fn factor(&self) -> usize {
        self.factor
    }

    /// Whether the key's mix also scatters the codes over the picture.
    pub fn scatters(&self) -> bool {
        self.scatter
    }

    pub(crate) fn path(&self) -> &Path<B> {
        &self.path
    }

    /// # Shapes
    /// `[batch, 3, H, W]` → `[batch, code, H/f, W/f]`
    pub fn forward(&self, secret: Tensor<B, 4>) -> Tensor<B, 4> {
        self.path.forward(space_to_depth(secret, self.factor))
    }
}

/// Cover and mixed codes → container.
#[derive(Module, Debug)]
pub struct KeyedHide<B: Backend> {
    path: Path<B>,
    factor: usize,
}

impl<B: Backend> KeyedHide<B> {
    pub fn new(
        factor: usize,
        channels: usize,
        depth: usize,
        code: usize,
        secrets: usize,
        device: &B::Device,
    ) -> Self {
        let mut widths = vec![folded(factor) + secrets * code];
        widths.extend(std::iter::repeat_n(channels, depth - 1));
        widths.push(folded(factor));
        KeyedHide {
            path: Path::new(&widths, device),
            factor,
        }
    }

    pub(crate) fn path(&self) -> &Path<B> {
        &self.path
    }

    pub fn starting_at(self, affine: &Affine, device: &B::Device) -> Self {
        KeyedHide {
            path: self.path.starting_at(affine, device),
            ..self
        }
    }

    /// # Shapes
    /// cover `[batch, 3, H, W]`, one `[batch, code, H/f, W/f]` per secret → `[batch,
    /// 3, H, W]`, before clamping and rounding
    pub fn forward(&self, cover: Tensor<B, 4>, mixed: Vec<Tensor<B, 4>>) -> Tensor<B, 4> {
        let mut inputs = vec![space_to_depth(cover.clone(), self.factor)];
        inputs.extend(mixed);
        let residual = self.path.forward(Tensor::cat(inputs, 1));
        cover + depth_to_space(residual, self.factor)
    }
}

/// Container → mixed code → (unmixed with the key) → secret.
#[derive(Module, Debug)]
pub struct KeyedReveal<B: Backend> {
    extract: Path<B>,
    decode: Path<B>,
    factor: usize,
}

impl<B: Backend> KeyedReveal<B> {
    pub fn new(
        factor: usize,
        channels: usize,
        depth: usize,
        code: usize,
        device: &B::Device,
    ) -> Self {
        let mut widths = vec![folded(factor)];
        widths.extend(std::iter::repeat_n(channels, depth - 1));
        widths.push(code);
        KeyedReveal {
            extract: Path::new(&widths, device),
            decode: Path::new(&[code, channels, channels, folded(factor)], device),
            factor,
        }
    }

    pub fn starting_at(self, extract: &Affine, decode: &Affine, device: &B::Device) -> Self {
        KeyedReveal {
            extract: self.extract.starting_at(extract, device),
            decode: self.decode.starting_at(decode, device),
            factor: self.factor,
        }
    }

    /// # Shapes
    /// `[batch, 3, H, W]` container → `[batch, 3, H, W]` secret estimate (not clamped);
    /// `mixes` drawn for `[batch, code, H/f, W/f]`
    pub fn forward(&self, container: Tensor<B, 4>, mixes: &BlockMixes) -> Tensor<B, 4> {
        self.decode(mixes.unmix(self.extract(container)))
    }

    /// The extraction and the decoding paths (read by [`super::direct`]).
    pub(crate) fn paths(&self) -> (&Path<B>, &Path<B>) {
        (&self.extract, &self.decode)
    }

    /// The mixed code the container carries.
    ///
    /// # Shapes
    /// `[batch, 3, H, W]` → `[batch, code, H/f, W/f]`
    pub fn extract(&self, container: Tensor<B, 4>) -> Tensor<B, 4> {
        self.extract.forward(space_to_depth(container, self.factor))
    }

    /// The secret estimate (not clamped) from its unmixed code.
    ///
    /// # Shapes
    /// `[batch, code, H/f, W/f]` → `[batch, 3, H, W]`
    pub fn decode(&self, code: Tensor<B, 4>) -> Tensor<B, 4> {
        depth_to_space(self.decode.forward(code), self.factor)
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::metrics::psnr;
    use crate::backend::CpuBackend;
    use crate::code::BlockStatistics;
    use crate::hiding::keys::Key;
    use crate::model::{Architecture, StegoConfig};
    use crate::pixels::RgbImage;
    use crate::{Pipeline, Stego};

    fn textured(seed: f64, width: usize, height: usize) -> RgbImage {
        let data = (0..width * height)
            .flat_map(|p| {
                let (x, y) = ((p % width) as f64, (p / width) as f64);
                [0.0, 1.7, 3.1].map(|c| {
                    let wave = ((x * 0.31 + seed).sin() + (y * 0.23 + c + seed * 0.5).cos()) * 55.0;
                    (128.0 + wave + 20.0 * ((x + y) * 0.07 + c).sin()) as u8
                })
            })
            .collect();
        RgbImage::new(width, height, data).unwrap()
    }

    /// A keyed model at the split principal code, untrained.
    fn keyed_stego(secrets: usize, scatter: bool) -> Stego<CpuBackend> {
        keyed_stego_on(secrets, scatter)
    }

    fn keyed_stego_on<B: burn::tensor::backend::Backend>(
        secrets: usize,
        scatter: bool,
    ) -> Stego<B> {
        let photos: Vec<RgbImage> = (0..6).map(|i| textured(i as f64 * 3.0, 48, 48)).collect();
        let code = BlockStatistics::measure(&photos, 2)
            .unwrap()
            .split_code(secrets, 4, 1.0 / 8.0)
            .unwrap();
        let config = StegoConfig {
            secrets,
            architecture: Architecture::Keyed {
                factor: 2,
                channels: 8,
                depth: 2,
                code: 4,
                scatter,
            },
            beta: 1.0,
        };
        config.validate().unwrap();
        let device = Default::default();
        let net = config.init(&device).with_split_code(&code, &device);
        Stego::new(config, net, device)
    }

    #[test]
    fn only_the_right_key_reveals_and_the_start_is_the_linear_code() {
        for scatter in [false, true] {
            right_key_only(scatter);
        }
    }

    fn right_key_only(scatter: bool) {
        let stego = keyed_stego(2, scatter);
        let (cover, secrets) = (
            textured(1.0, 40, 36),
            [textured(7.0, 40, 36), textured(13.0, 40, 36)],
        );
        let key = Key::from_bytes([5; 32]);
        let with = |k: Option<Key>| Pipeline::new(&stego).with_key(k);
        let container = with(Some(key.clone())).hide(&cover, &secrets).unwrap();
        assert!(
            psnr(&cover, &container) > 25.0,
            "container {}",
            psnr(&cover, &container)
        );
        let right = with(Some(key.clone())).reveal(&container, 2).unwrap();
        // The same linear code without a key: for the right key the mix changes only
        // where 8-bit rounding and clipping fall (with a scatter, which codes meet the
        // cover's clipped pixels: up to 1.5 dB on this small picture).
        let plain = with(None);
        let keyless = plain
            .reveal(&plain.hide(&cover, &secrets).unwrap(), 2)
            .unwrap();
        for i in 0..2 {
            let (good, reference) = (psnr(&secrets[i], &right[i]), psnr(&secrets[i], &keyless[i]));
            assert!(
                good > 22.0 && (good - reference).abs() < 2.0,
                "right key {good}, keyless {reference}"
            );
            let wrong = Pipeline::new(&stego)
                .with_key(Some(key.clone()))
                .with_reveal_key(Some(Key::from_bytes([6; 32])))
                .reveal(&container, 2)
                .unwrap();
            let none = Pipeline::new(&stego)
                .with_key(Some(key.clone()))
                .with_reveal_key(None)
                .reveal(&container, 2)
                .unwrap();
            for other in [&wrong[i], &none[i]] {
                assert!(
                    psnr(&secrets[i], other) < good - 6.0,
                    "{} against {good}",
                    psnr(&secrets[i], other)
                );
            }
        }
    }

    #[test]
    fn tiles_draw_the_mixes_of_their_place_in_the_picture() {
        for scatter in [false, true] {
            tiling_changes_nothing(scatter);
        }
    }

    fn tiling_changes_nothing(scatter: bool) {
        let (cover, secret) = (textured(2.0, 60, 44), textured(9.0, 60, 44));
        let key = Key::from_bytes([3; 32]);
        let whole = keyed_stego(1, scatter);
        let tiled = keyed_stego(1, scatter).with_tile_size(16);
        let hide = |s: &Stego<CpuBackend>| {
            Pipeline::new(s)
                .with_key(Some(key.clone()))
                .hide(&cover, std::slice::from_ref(&secret))
                .unwrap()
        };
        let (a, b) = (hide(&whole), hide(&tiled));
        assert!(
            psnr(&a, &b) > 50.0,
            "tiling changed the container: {}",
            psnr(&a, &b)
        );
        let revealed = Pipeline::new(&tiled)
            .with_key(Some(key))
            .reveal(&a, 1)
            .unwrap();
        let once = Pipeline::new(&whole)
            .with_key(Some(Key::from_bytes([3; 32])))
            .reveal(&a, 1)
            .unwrap();
        assert!(psnr(&once[0], &revealed[0]) > 50.0);
        // The three passes over code maps equal one pass of the networks with the
        // whole picture's mixes (scatter included).
        let net = whole.net();
        let tensor = |image: &RgbImage| {
            crate::pixels::images_to_tensor::<CpuBackend>(&[image], &Default::default())
        };
        let mixes = net.mixes(&[[3u8; 32]], (0, 0), (44, 60)).unwrap();
        assert_eq!(mixes[0].scatters(), scatter);
        let one_pass = net.hide_mixed(tensor(&cover), &[tensor(&secret)], Some(&mixes));
        let one_pass = crate::pixels::tensor_to_images(one_pass).remove(0);
        assert!(
            psnr(&one_pass, &a) > 50.0,
            "one pass and code maps differ: {}",
            psnr(&one_pass, &a)
        );
    }

    #[test]
    fn the_direct_path_runs_the_keyed_layout_as_burn_does() {
        let config = StegoConfig {
            secrets: 2,
            architecture: Architecture::Keyed {
                factor: 2,
                channels: 8,
                depth: 3,
                code: 8,
                scatter: true,
            },
            beta: 1.0,
        };
        // Random weights: every stack contributes, unlike at the linear start.
        let device = Default::default();
        let net = config.init::<CpuBackend>(&device);
        let make = |engine| {
            Stego::new(config.clone(), net.clone(), device)
                .with_engine(engine)
                .with_tile_size(16)
        };
        use crate::hiding::stego::Engine;
        let (burn, direct) = (make(Engine::Burn), make(Engine::Direct));
        assert!(direct.direct_keyed().is_some() && burn.direct_keyed().is_none());
        let (cover, secrets) = (
            textured(1.0, 42, 34),
            [textured(5.0, 42, 34), textured(8.0, 42, 34)],
        );
        let key = [4u8; 32];
        let a = burn.hide_keyed(&cover, &secrets, &key).unwrap();
        let b = direct.hide_keyed(&cover, &secrets, &key).unwrap();
        assert!(psnr(&a, &b) > 50.0, "containers differ: {}", psnr(&a, &b));
        let (ra, rb) = (
            burn.reveal_keyed(&a, 2, &key).unwrap(),
            direct.reveal_keyed(&a, 2, &key).unwrap(),
        );
        for (x, y) in ra.iter().zip(&rb) {
            assert!(psnr(x, y) > 50.0, "reveals differ: {}", psnr(x, y));
        }
    }

    #[test]
    fn refinement_with_a_scatter_refuses_pictures_of_several_tiles() {
        use crate::backend::CpuTrainBackend;
        use crate::hiding::refine::Refinement;
        let (cover, secret) = (textured(2.0, 40, 32), textured(9.0, 40, 32));
        let refinement = Refinement {
            steps: 2,
            ..Refinement::default()
        };
        let one_tile = keyed_stego_on::<CpuTrainBackend>(1, true);
        let refined = one_tile.hide_refined(&cover, std::slice::from_ref(&secret), &refinement);
        assert!(psnr(&cover, &refined.unwrap()) > 25.0);
        let tiled = keyed_stego_on::<CpuTrainBackend>(1, true).with_tile_size(16);
        let error = tiled
            .hide_refined(&cover, std::slice::from_ref(&secret), &refinement)
            .unwrap_err()
            .to_string();
        assert!(error.contains("one tile"), "{error}");
        // Without a scatter, tiles refine on their own.
        let unscattered = keyed_stego_on::<CpuTrainBackend>(1, false).with_tile_size(16);
        assert!(unscattered
            .hide_refined(&cover, std::slice::from_ref(&secret), &refinement)
            .is_ok());
    }

    #[test]
    fn a_scatter_moves_every_block_and_the_same_key_brings_it_back() {
        use crate::model::mix::BlockScatter;
        let shape = [2, 4, 6, 5];
        let scatter = BlockScatter::new(&[[1; 32], [2; 32]], 0, shape);
        let code: Vec<f32> = (0..2 * 4 * 30).map(|v| v as f32).collect();
        let code = burn::tensor::Tensor::<CpuBackend, 4>::from_data(
            burn::tensor::TensorData::new(code.clone(), shape),
            &Default::default(),
        );
        let values = |t: burn::tensor::Tensor<CpuBackend, 4>| -> Vec<f32> {
            t.into_data().convert::<f32>().to_vec().unwrap()
        };
        let moved = scatter.apply(code.clone());
        assert_eq!(values(scatter.undo(moved.clone())), values(code.clone()));
        let (before, after) = (values(code), values(moved));
        // Every block's code moves whole (all 4 coordinates together) within its image.
        let block = |v: &[f32], image: usize, at: usize| -> Vec<f32> {
            (0..4).map(|k| v[(image * 4 + k) * 30 + at]).collect()
        };
        for image in 0..2 {
            let mut places: Vec<usize> = (0..30)
                .map(|at| {
                    let code = block(&after, image, at);
                    (0..30).find(|&s| block(&before, image, s) == code).unwrap()
                })
                .collect();
            let stayed = places.iter().enumerate().filter(|(t, s)| t == *s).count();
            assert!(stayed < 6, "{stayed} of 30 blocks stayed in place");
            places.sort_unstable();
            assert_eq!(places, (0..30).collect::<Vec<_>>());
        }
        // Another key, another slot: another permutation.
        let other = BlockScatter::new(&[[1; 32], [2; 32]], 1, shape);
        let code = burn::tensor::Tensor::<CpuBackend, 4>::from_data(
            burn::tensor::TensorData::new(before.clone(), shape),
            &Default::default(),
        );
        assert_ne!(values(other.apply(code)), after);
    }
}
