//! The one place that calls the `gemm` crate: `dst += lhs · rhs` on views into
//! `f32` slices, with every index the kernel will touch checked first.

/// A strided matrix view: `rows` × `cols` values, element `(r, c)` at
/// `start + r · row_stride + c · col_stride`. Rows may overlap (the convolutions
/// read the same activations through several shifted views).
#[derive(Clone, Copy)]
pub struct View {
    pub start: usize,
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl View {
    /// One past the last index the view reaches.
    fn end(&self) -> usize {
        self.start + (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride + 1
    }

    /// The same values read as the transposed matrix.
    pub fn transposed(self) -> View {
        View {
            start: self.start,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    fn check(&self, len: usize, what: &str) {
        assert!(self.rows > 0 && self.cols > 0, "empty {what} view");
        assert!(self.end() <= len, "{what} view past the end of its buffer");
    }
}

/// How [`product`] writes and where it runs.
#[derive(Clone, Copy)]
pub struct How {
    /// `dst += lhs · rhs` rather than `dst = lhs · rhs`.
    pub add: bool,
    /// On the threads of the current rayon pool rather than the calling one.
    pub parallel: bool,
}

/// `dst = lhs · rhs` or `dst += lhs · rhs`, as `how` says.
///
/// # Panics
/// If the shapes disagree or a view reaches past its slice.
pub fn product(dst: &mut [f32], d: View, lhs: &[f32], l: View, rhs: &[f32], r: View, how: How) {
    assert_eq!((d.rows, d.cols), (l.rows, r.cols), "product shape");
    assert_eq!(l.cols, r.rows, "inner dimensions");
    // The kernel writes each element of `dst` once per call: overlapping rows there
    // would race between threads.
    assert!(
        d.col_stride == 1 && (d.row_stride >= d.cols || d.rows == 1),
        "overlapping destination elements"
    );
    d.check(dst.len(), "destination");
    l.check(lhs.len(), "left");
    r.check(rhs.len(), "right");
    // SAFETY: the three views were checked to lie inside their slices; `dst` is a
    // unique borrow, so it overlaps neither input, and its rows do not overlap.
    unsafe {
        gemm::gemm(
            d.rows,
            d.cols,
            l.cols,
            dst.as_mut_ptr().add(d.start),
            1,
            d.row_stride as isize,
            how.add,
            lhs.as_ptr().add(l.start),
            l.col_stride as isize,
            l.row_stride as isize,
            rhs.as_ptr().add(r.start),
            r.col_stride as isize,
            r.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            if how.parallel {
                gemm::Parallelism::Rayon(0)
            } else {
                gemm::Parallelism::None
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADD: How = How {
        add: true,
        parallel: true,
    };

    #[test]
    fn adds_a_product_through_strided_overlapping_views() {
        // lhs rows overlap: row r is [r, r+1, r+2].
        let lhs: Vec<f32> = (0..6).map(|v| v as f32).collect();
        let rhs = vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3×2
        let mut dst = vec![10.0; 8]; // 2 rows of 2, row stride 4
        product(
            &mut dst,
            View {
                start: 1,
                rows: 2,
                cols: 2,
                row_stride: 4,
                col_stride: 1,
            },
            &lhs,
            View {
                start: 0,
                rows: 2,
                cols: 3,
                row_stride: 1,
                col_stride: 1,
            },
            &rhs,
            View {
                start: 0,
                rows: 3,
                cols: 2,
                row_stride: 2,
                col_stride: 1,
            },
            ADD,
        );
        // row 0: [0,1,2]·rhs = [0+2, 1+2] = [2, 3]; row 1: [1,2,3] → [4, 5]
        assert_eq!(dst, vec![10.0, 12.0, 13.0, 10.0, 10.0, 14.0, 15.0, 10.0]);
    }

    #[test]
    #[should_panic(expected = "past the end")]
    fn a_view_past_its_buffer_is_refused() {
        let mut dst = vec![0.0; 4];
        let v = View {
            start: 0,
            rows: 2,
            cols: 2,
            row_stride: 2,
            col_stride: 1,
        };
        product(&mut dst, v, &[0.0; 3], v, &[0.0; 4], v, ADD);
    }
}
