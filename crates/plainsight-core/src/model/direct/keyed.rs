//! The keyed layout ([`crate::model::keyed`]) on the direct path: every part is a 3×3
//! stack beside a 1×1 path on the block grid, which [`Stack`] already runs. The key's
//! mix and scatter stay with burn's tensors ([`crate::model::mix`]): they are a few
//! gathers per block, next to the convolutions' work.

use burn::prelude::*;

use super::grid::{Grid, Scratch};
use super::{conv_of, Conv, Pass, Stack};
use crate::model::keyed::Path;
use crate::model::nets::{HideNet, PrepNet, RevealNet};
use crate::model::StegoNet;

/// One keyed part with its weights copied out of burn.
struct DirectPath {
    stack: Stack,
    linear: Conv,
}

impl DirectPath {
    fn of<B: Backend>(path: &Path<B>) -> Self {
        let (stack, linear) = path.parts();
        DirectPath {
            stack: Stack::of(stack),
            linear: conv_of(linear),
        }
    }

    fn outputs(&self) -> usize {
        self.stack.outputs()
    }

    /// The part on `input`, into a new grid.
    fn run(&self, scratch: &Scratch, input: &Grid) -> Grid {
        let mut out = scratch.grid(input.rows, input.cols, self.outputs());
        let beside = Some((&self.linear, input));
        self.stack
            .run(scratch, input, beside, &mut out, 0, Pass::default());
        out
    }
}

/// The keyed layout's networks on the direct path. Images are planar RGB (`3 ×
/// height × width`), codes planar too (`code × rows × cols`, one value per block).
pub struct DirectKeyed {
    factor: usize,
    encodes: Vec<DirectPath>,
    hide: DirectPath,
    extracts: Vec<DirectPath>,
    decodes: Vec<DirectPath>,
    scratch: Scratch,
}

impl DirectKeyed {
    /// `None` for the other layouts.
    pub fn of<B: Backend>(net: &StegoNet<B>, factor: usize) -> Option<Self> {
        let (preps, hide, reveals) = net.parts();
        let encodes = preps
            .iter()
            .map(|prep| match prep {
                PrepNet::Keyed(encode) => Some(DirectPath::of(encode.path())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        let HideNet::Keyed(hide) = hide else {
            return None;
        };
        let (extracts, decodes) = reveals
            .iter()
            .map(|reveal| match reveal {
                RevealNet::Keyed(reveal) => {
                    let (extract, decode) = reveal.paths();
                    Some((DirectPath::of(extract), DirectPath::of(decode)))
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .unzip();
        Some(DirectKeyed {
            factor,
            encodes,
            hide: DirectPath::of(hide.path()),
            extracts,
            decodes,
            scratch: Scratch::default(),
        })
    }

    /// Frees the buffers kept between tiles (see [`super::DirectNet::release_buffers`]).
    pub fn release_buffers(&self) {
        self.scratch.clear();
    }

    fn folded(&self) -> usize {
        3 * self.factor * self.factor
    }

    fn blocks(&self, width: usize, height: usize) -> (usize, usize) {
        assert!(
            width.is_multiple_of(self.factor) && height.is_multiple_of(self.factor),
            "size not a multiple of the block"
        );
        (height / self.factor, width / self.factor)
    }

    /// Runs `path` on a folded image: its code, planar.
    fn code_of(&self, path: &DirectPath, image: &[f32], width: usize, height: usize) -> Vec<f32> {
        let (rows, cols) = self.blocks(width, height);
        let mut input = self.scratch.grid(rows, cols, self.folded());
        input.fold(image, self.factor, 0);
        let out = path.run(&self.scratch, &input);
        let code = out.channels_planar(path.outputs());
        self.scratch.keep(out);
        self.scratch.keep(input);
        code
    }

    /// Slot `slot`'s code of a secret, as [`crate::model::keyed::KeyedEncode`].
    pub fn encode(&self, slot: usize, secret: &[f32], width: usize, height: usize) -> Vec<f32> {
        self.code_of(&self.encodes[slot], secret, width, height)
    }

    /// The container, clamped to 0..=1 but not rounded, from the cover and each
    /// slot's mixed code.
    pub fn hide(&self, cover: &[f32], codes: &[&[f32]], width: usize, height: usize) -> Vec<f32> {
        let (rows, cols) = self.blocks(width, height);
        let folded = self.folded();
        let code = self.encodes[0].outputs();
        let mut input = self.scratch.grid(rows, cols, folded + codes.len() * code);
        input.fold(cover, self.factor, 0);
        for (slot, planes) in codes.iter().enumerate() {
            input.put_channels(planes, code, folded + slot * code);
        }
        let residual = self.hide.run(&self.scratch, &input);
        let mut container = residual.unfold(self.factor);
        self.scratch.keep(residual);
        self.scratch.keep(input);
        for (value, cover) in container.iter_mut().zip(cover) {
            *value = (*value + cover).clamp(0.0, 1.0);
        }
        container
    }

    /// Slot `slot`'s mixed code read from a container.
    pub fn extract(&self, slot: usize, container: &[f32], width: usize, height: usize) -> Vec<f32> {
        self.code_of(&self.extracts[slot], container, width, height)
    }

    /// Slot `slot`'s secret estimate (planar, not clamped) from its unmixed code of a
    /// `width × height` window.
    pub fn decode(&self, slot: usize, code: &[f32], width: usize, height: usize) -> Vec<f32> {
        let (rows, cols) = self.blocks(width, height);
        let length = self.encodes[slot].outputs();
        let mut input = self.scratch.grid(rows, cols, length);
        input.put_channels(code, length, 0);
        let out = self.decodes[slot].run(&self.scratch, &input);
        let planes = out.unfold(self.factor);
        self.scratch.keep(out);
        self.scratch.keep(input);
        planes
    }
}
