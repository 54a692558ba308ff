//! What happens to a container between hiding and reveal.
//!
//! - [`attack`]: the real distortions a container meets (JPEG, noise, resizing), on
//!   8-bit pixel buffers, as `eval --attack` applies them.
//! - [`jpeg_approx`]: a differentiable model of JPEG, for gradients in training.
//! - [`differentiable`]: the channel on tensors inside a training step (8-bit
//!   rounding with a straight-through gradient, then an attack).
//!
//! Depends only on [`crate::pixels`].

pub mod attack;
pub mod differentiable;
pub mod jpeg_approx;

pub use attack::{Attack, AttackRange};
pub use differentiable::{distort, Channel};
