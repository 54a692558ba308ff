//! The keyed layout on whole pictures. Its key may move every block's code anywhere in
//! the picture (the scatter, [`crate::model::mix`]), so no tile can be hidden or
//! decoded from its own pixels alone. Both directions therefore run in three passes:
//!
//! - hide: encode and mix the secret tile by tile into one code map of the whole
//!   picture; scatter the map; hide tile by tile from the cover and the map's window;
//! - reveal: extract the mixed codes tile by tile into one map; undo the scatter;
//!   unmix and decode tile by tile.
//!
//! A code map holds `code` numbers per block (a twelfth of the pixels' memory for a
//! 16-number code of 4×4 blocks), and each block's own mix is drawn by its position, so
//! the result equals one pass over the whole picture.

use burn::prelude::*;

use super::stego::{floats, Border, Stego};
use crate::error::Result;
use crate::hider::{check_hide_count, check_reveal_count};
use crate::model::mix::BlockMixes;
use crate::pixels::{check_same_size, RgbImage};

impl<B: Backend> Stego<B> {
    /// The keyed layout's hide with `key` (bytes of a
    /// [`Key`](crate::hiding::keys::Key), or the public key).
    pub(crate) fn hide_keyed(
        &self,
        cover: &RgbImage,
        secrets: &[RgbImage],
        key: &[u8; 32],
    ) -> Result<RgbImage> {
        check_hide_count(self.secrets(), secrets.len())?;
        for secret in secrets {
            check_same_size(cover, secret)?;
        }
        let maps: Vec<Tensor<B, 4>> = secrets
            .iter()
            .enumerate()
            .map(|(slot, secret)| {
                let mixed = self.code_map(secret, |window, origin| {
                    let code = match self.direct_keyed() {
                        Some(direct) => {
                            let [_, _, height, width] = window.dims();
                            let planes = direct.encode(slot, &floats(&window), width, height);
                            self.code_tensor(planes, (height, width))
                        }
                        None => self.net().prepare(slot, window),
                    };
                    self.rotation(key, slot, origin, &code).mix(code)
                });
                match self
                    .net()
                    .scatter(key, slot, map_size(&mixed, self.block_side()))
                {
                    Some(scatter) => scatter.apply(mixed),
                    None => mixed,
                }
            })
            .collect();
        let container = self.hide_with(cover, secrets, |tensors, origin| {
            let windows: Vec<Tensor<B, 4>> = maps
                .iter()
                .map(|map| self.map_window(map, origin, &tensors[0]))
                .collect();
            match self.direct_keyed() {
                Some(direct) => {
                    let [_, _, height, width] = tensors[0].dims();
                    let codes: Vec<Vec<f32>> = windows.iter().map(floats).collect();
                    let codes: Vec<&[f32]> = codes.iter().map(Vec::as_slice).collect();
                    let container = direct.hide(&floats(&tensors[0]), &codes, width, height);
                    self.tensor(container, width, height)
                }
                None => self.net().hide_codes(tensors[0].clone(), windows),
            }
        });
        self.release_buffers();
        container
    }

    /// The keyed layout's reveal of the first `count` secrets with `key`.
    pub(crate) fn reveal_keyed(
        &self,
        container: &RgbImage,
        count: usize,
        key: &[u8; 32],
    ) -> Result<Vec<RgbImage>> {
        check_reveal_count(self.secrets(), count)?;
        let maps: Vec<Tensor<B, 4>> = (0..count)
            .map(|slot| {
                let reveal = self.net().keyed_reveal(slot);
                let mixed = self.code_map(container, |window, _| match self.direct_keyed() {
                    Some(direct) => {
                        let [_, _, height, width] = window.dims();
                        let planes = direct.extract(slot, &floats(&window), width, height);
                        self.code_tensor(planes, (height, width))
                    }
                    None => reveal.extract(window),
                });
                match self
                    .net()
                    .scatter(key, slot, map_size(&mixed, self.block_side()))
                {
                    Some(scatter) => scatter.undo(mixed),
                    None => mixed,
                }
            })
            .collect();
        let revealed = self.tiled(&[container], Border::Edge, |tensors, origin| {
            maps.iter()
                .enumerate()
                .map(|(slot, map)| {
                    let window = self.map_window(map, origin, &tensors[0]);
                    let code = self.rotation(key, slot, origin, &window).unmix(window);
                    match self.direct_keyed() {
                        Some(direct) => {
                            let [_, _, height, width] = tensors[0].dims();
                            let planes = direct.decode(slot, &floats(&code), width, height);
                            self.tensor(planes, width, height)
                        }
                        None => self.net().keyed_reveal(slot).decode(code),
                    }
                })
                .collect()
        });
        self.release_buffers();
        Ok(revealed)
    }

    /// Planar codes of a `height × width`-pixel window as a `[1, code, rows, cols]`
    /// tensor.
    fn code_tensor(&self, planes: Vec<f32>, (height, width): (usize, usize)) -> Tensor<B, 4> {
        let block = self.block_side();
        let (rows, cols) = (height / block, width / block);
        let code = planes.len() / (rows * cols);
        Tensor::from_data(
            TensorData::new(planes, [1, code, rows, cols]),
            self.device(),
        )
    }

    /// The code map of the whole (fitted) `image`: `encode` turns one window's pixels,
    /// whose top-left pixel is `origin` (x, y), into that window's codes; each tile's
    /// own blocks are kept.
    fn code_map<F>(&self, image: &RgbImage, encode: F) -> Tensor<B, 4>
    where
        F: Fn(Tensor<B, 4>, (usize, usize)) -> Tensor<B, 4>,
    {
        let block = self.block_side();
        let fitted = self.fitted(image);
        let (width, height) = (fitted.width(), fitted.height());
        let mut map: Option<Tensor<B, 4>> = None;
        for w in self.windows(width, height) {
            let codes = encode(w.tensor(&fitted, self.device()), (w.x0, w.y0));
            let length = codes.dims()[1];
            let (row, col) = ((w.ty - w.y0) / block, (w.tx - w.x0) / block);
            let (rows, cols) = (w.tile_h / block, w.tile_w / block);
            let tile = codes.slice([0..1, 0..length, row..row + rows, col..col + cols]);
            let whole = map.take().unwrap_or_else(|| {
                Tensor::zeros([1, length, height / block, width / block], self.device())
            });
            let (top, left) = (w.ty / block, w.tx / block);
            map = Some(
                whole.slice_assign([0..1, 0..length, top..top + rows, left..left + cols], tile),
            );
        }
        map.expect("a picture has at least one tile")
    }

    /// The part of a code map under a window whose top-left pixel is `origin` and
    /// whose pixels are `like`'s size.
    fn map_window(
        &self,
        map: &Tensor<B, 4>,
        (x, y): (usize, usize),
        like: &Tensor<B, 4>,
    ) -> Tensor<B, 4> {
        let block = self.block_side();
        let [_, _, height, width] = like.dims();
        let length = map.dims()[1];
        let (top, left) = (y / block, x / block);
        map.clone().slice([
            0..1,
            0..length,
            top..top + height / block,
            left..left + width / block,
        ])
    }

    /// Slot `slot`'s mixes for the blocks of `codes`, a window whose top-left pixel
    /// is `origin` (x, y) of the picture (each block's own mix; no scatter).
    fn rotation(
        &self,
        key: &[u8; 32],
        slot: usize,
        (x, y): (usize, usize),
        codes: &Tensor<B, 4>,
    ) -> BlockMixes {
        let block = self.block_side();
        let [_, _, rows, cols] = codes.dims();
        self.net()
            .rotation(
                key,
                slot,
                (y / block, x / block),
                (rows * block, cols * block),
            )
            .expect("the keyed layout has mixes")
    }

    /// Block side in pixels.
    fn block_side(&self) -> usize {
        self.config().architecture.size_multiple()
    }
}

/// The picture size in pixels (height, width) of a `[1, code, rows, cols]` code map.
fn map_size<B: Backend>(map: &Tensor<B, 4>, block: usize) -> (usize, usize) {
    let [_, _, rows, cols] = map.dims();
    (rows * block, cols * block)
}
