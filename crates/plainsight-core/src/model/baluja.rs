//! Baluja's layout ("Hiding Images in Plain Sight", NeurIPS 2017): every layer is
//! three parallel convolutions (3×3, 4×4, 5×5, `filters` each, 50 in the paper) at
//! full resolution; 2 preparation layers, 5 hiding and 5 reveal layers, the last two
//! followed by a 1×1 convolution to RGB. Kept as the reference the default layout
//! is measured against (docs/performance.md).
//!
//! This file owns the three networks of the layout and its receptive radii.

use burn::prelude::*;

use super::blocks::BalujaStack;

/// Radius of the widest kernel (5×5).
const KERNEL_RADIUS: usize = 2;

/// How far (in pixels) a revealed pixel can see into the container: 5 layers.
pub fn reveal_radius() -> usize {
    5 * KERNEL_RADIUS
}

/// How far an output pixel of hide followed by reveal can see: 2 + 5 + 5 layers.
pub fn receptive_radius() -> usize {
    12 * KERNEL_RADIUS
}

/// Preparation: two three-branch layers. `[batch, 3, H, W]` → `[batch, 3·filters, H, W]`.
pub fn prep<B: Backend>(filters: usize, device: &B::Device) -> BalujaStack<B> {
    BalujaStack::new(3, filters, 2, None, device)
}

/// Hiding: five layers over the cover and every secret's features, then 1×1 to RGB.
/// `[batch, 3 + secrets·3·filters, H, W]` → `[batch, 3, H, W]`.
pub fn hide<B: Backend>(filters: usize, secrets: usize, device: &B::Device) -> BalujaStack<B> {
    BalujaStack::new(3 + secrets * 3 * filters, filters, 5, Some(3), device)
}

/// Reveal: five layers, then 1×1 to RGB. `[batch, 3, H, W]` → `[batch, 3, H, W]`.
pub fn reveal<B: Backend>(filters: usize, device: &B::Device) -> BalujaStack<B> {
    BalujaStack::new(3, filters, 5, Some(3), device)
}
