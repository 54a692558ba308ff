//! Activations on the block grid: channels last, with a one-cell ring of zeros.
//!
//! The zero ring is the convolutions' "same" padding, stored once, so a 3×3 layer
//! reads its input in place: cell `(y, x)` of the padded grid is flat cell
//! `y · (cols + 2) + x`, and the three cells of one kernel row are adjacent.

/// `rows` × `cols` cells of `channels` values inside the zero ring.
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub channels: usize,
    pub data: Vec<f32>,
}

impl Grid {
    #[cfg(test)]
    pub fn zeros(rows: usize, cols: usize, channels: usize) -> Self {
        Grid::zeros_in(Vec::new(), rows, cols, channels)
    }

    /// A zero grid in `buffer`'s memory (see [`Scratch`]).
    pub fn zeros_in(mut buffer: Vec<f32>, rows: usize, cols: usize, channels: usize) -> Self {
        buffer.clear();
        buffer.resize((rows + 2) * (cols + 2) * channels, 0.0);
        Grid {
            rows,
            cols,
            channels,
            data: buffer,
        }
    }

    /// Cells per padded row.
    pub fn padded_cols(&self) -> usize {
        self.cols + 2
    }

    /// Flat cell index of interior cell `(y, x)`.
    pub fn cell(&self, y: usize, x: usize) -> usize {
        (y + 1) * self.padded_cols() + x + 1
    }

    /// Writes `factor`×`factor` blocks of a planar RGB image (`3 × height × width`
    /// values, `width = cols · factor`) into channels `offset..offset + 3·factor²`, in
    /// the order of [`crate::model::blocks::space_to_depth`]: colour, then row and
    /// column inside the block.
    pub fn fold(&mut self, planes: &[f32], factor: usize, offset: usize) {
        self.fold_at(planes, factor, offset, 0, self.cols);
    }

    /// [`Grid::fold`] of an image `image_cols` blocks wide into the columns from
    /// `first_col` on (one image of a [`Strip`]).
    pub fn fold_at(
        &mut self,
        planes: &[f32],
        factor: usize,
        offset: usize,
        first_col: usize,
        image_cols: usize,
    ) {
        let width = image_cols * factor;
        let plane = width * self.rows * factor;
        assert_eq!(planes.len(), 3 * plane, "image size for the grid");
        assert!(first_col + image_cols <= self.cols, "image past the grid");
        assert!(offset + 3 * factor * factor <= self.channels, "channels");
        for y in 0..self.rows {
            for x in 0..image_cols {
                let mut k = self.cell(y, first_col + x) * self.channels + offset;
                for c in 0..3 {
                    for fy in 0..factor {
                        let row = c * plane + (y * factor + fy) * width + x * factor;
                        self.data[k..k + factor].copy_from_slice(&planes[row..row + factor]);
                        k += factor;
                    }
                }
            }
        }
    }

    /// The inverse of [`Grid::fold`] for channels `0..3·factor²`: a planar image.
    pub fn unfold(&self, factor: usize) -> Vec<f32> {
        self.unfold_at(factor, 0, self.cols)
    }

    /// The inverse of [`Grid::fold_at`] for channels `0..3·factor²`.
    pub fn unfold_at(&self, factor: usize, first_col: usize, image_cols: usize) -> Vec<f32> {
        assert!(3 * factor * factor <= self.channels, "channels");
        assert!(first_col + image_cols <= self.cols, "image past the grid");
        let width = image_cols * factor;
        let plane = width * self.rows * factor;
        let mut planes = vec![0.0; 3 * plane];
        for y in 0..self.rows {
            for x in 0..image_cols {
                let mut k = self.cell(y, first_col + x) * self.channels;
                for c in 0..3 {
                    for fy in 0..factor {
                        let row = c * plane + (y * factor + fy) * width + x * factor;
                        planes[row..row + factor].copy_from_slice(&self.data[k..k + factor]);
                        k += factor;
                    }
                }
            }
        }
        planes
    }
}

impl Grid {
    /// Writes `count` planar channels (`count × rows × cols` values: a code map)
    /// into channels `offset..offset + count`.
    pub fn put_channels(&mut self, planes: &[f32], count: usize, offset: usize) {
        let cells = self.rows * self.cols;
        assert_eq!(planes.len(), count * cells, "code size for the grid");
        assert!(offset + count <= self.channels, "channels");
        for y in 0..self.rows {
            for x in 0..self.cols {
                let k = self.cell(y, x) * self.channels + offset;
                for c in 0..count {
                    self.data[k + c] = planes[c * cells + y * self.cols + x];
                }
            }
        }
    }

    /// Channels `0..count` as planes: the inverse of [`Grid::put_channels`].
    pub fn channels_planar(&self, count: usize) -> Vec<f32> {
        assert!(count <= self.channels, "channels");
        let cells = self.rows * self.cols;
        let mut planes = vec![0.0; count * cells];
        for y in 0..self.rows {
            for x in 0..self.cols {
                let k = self.cell(y, x) * self.channels;
                for c in 0..count {
                    planes[c * cells + y * self.cols + x] = self.data[k + c];
                }
            }
        }
        planes
    }
}

/// A batch of same-size images side by side in one grid: image `i` fills columns
/// `i · (cols + 1)` to `i · (cols + 1) + cols − 1`, and one column of zeros (a gap)
/// separates neighbours, so every image's 3×3 convolutions see zeros past its own
/// edges, as they would alone. Training runs a whole batch as one wide grid: its
/// matrix products are a batch's size, not a crop's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strip {
    pub images: usize,
    /// Rows and columns of cells of one image.
    pub rows: usize,
    pub cols: usize,
}

impl Strip {
    /// Columns of the whole grid.
    pub fn grid_cols(&self) -> usize {
        self.images * (self.cols + 1) - 1
    }

    /// The first column of image `image`.
    pub fn first_col(&self, image: usize) -> usize {
        image * (self.cols + 1)
    }

    /// Flat cell index of cell `(y, x)` of image `image` in the strip's grid.
    pub fn cell(&self, image: usize, y: usize, x: usize) -> usize {
        (y + 1) * (self.grid_cols() + 2) + self.first_col(image) + x + 1
    }

    /// Zeroes the gap cells, which a layer fills with bias (and ReLU of it).
    pub fn clear_gaps(&self, grid: &mut Grid) {
        assert_eq!(
            (grid.rows, grid.cols),
            (self.rows, self.grid_cols()),
            "strip"
        );
        let channels = grid.channels;
        for image in 1..self.images {
            let x = self.first_col(image) - 1;
            for y in 0..self.rows {
                let at = grid.cell(y, x) * channels;
                grid.data[at..at + channels].fill(0.0);
            }
        }
    }
}

/// Buffers kept between layers and tiles. Fresh large allocations come from the
/// kernel as untouched pages, and their first writes (page faults, zeroing, TLB
/// shootdowns) cost a 12 MP hide a third of its time.
#[derive(Default)]
pub struct Scratch(std::sync::Mutex<Vec<Vec<f32>>>);

impl Scratch {
    /// A zero grid, in the largest kept buffer if there is one.
    pub fn grid(&self, rows: usize, cols: usize, channels: usize) -> Grid {
        let buffer = self.lock().pop().unwrap_or_default();
        Grid::zeros_in(buffer, rows, cols, channels)
    }

    /// Keeps `grid`'s memory for the next [`Scratch::grid`].
    pub fn keep(&self, grid: Grid) {
        let mut kept = self.lock();
        kept.push(grid.data);
        kept.sort_by_key(Vec::capacity);
    }

    /// Frees every kept buffer.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<f32>>> {
        // A panic elsewhere cannot leave a list of buffers inconsistent.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfold_inverts_fold_and_the_ring_stays_zero() {
        let (factor, rows, cols) = (2, 3, 4);
        let planes: Vec<f32> = (0..3 * rows * factor * cols * factor)
            .map(|v| v as f32 + 1.0)
            .collect();
        let mut grid = Grid::zeros(rows, cols, 12);
        grid.fold(&planes, factor, 0);
        assert_eq!(grid.unfold(factor), planes);
        let ring: f32 = (0..grid.padded_cols())
            .map(|x| grid.data[x * 12..(x + 1) * 12].iter().sum::<f32>())
            .sum();
        assert_eq!(ring, 0.0);
    }

    #[test]
    fn fold_orders_channels_like_space_to_depth() {
        // One 2×2 block of a 2×2 image: channel k = c·4 + fy·2 + fx.
        let planes: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let mut grid = Grid::zeros(1, 1, 12);
        grid.fold(&planes, 2, 0);
        let centre = grid.cell(0, 0) * 12;
        assert_eq!(grid.data[centre..centre + 12], planes[..]);
    }
}
