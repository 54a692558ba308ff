//! Adam on plain float slices, for the direct path: the direct trainer (with burn's
//! constants and update rule, burn-optim 0.21 `AdamConfig` defaults, and each
//! parameter tensor's gradient clipped to an L2 norm on its own, so a run behaves
//! alike on either trainer) and test-time refinement of containers. Its state is
//! saved in a small format of its own (see [`Adam::to_bytes`]).

use crate::error::{Error, Result};

pub const BETA_1: f32 = 0.9;
pub const BETA_2: f32 = 0.999;
/// burn's ε, for training.
pub const TRAINING_EPSILON: f32 = 1e-5;

/// What a saved direct-trainer optimiser state starts with.
pub const DIRECT_STATE_MAGIC: &[u8] = b"plainsight direct adam 1\n";

/// Adam's moment estimates for a list of parameter tensors.
pub struct Adam {
    /// Added to the root of the second moment (bias-corrected), against division by zero.
    epsilon: f32,
    /// Steps taken.
    time: u64,
    /// First and second moments, one pair per tensor.
    moments: Vec<(Vec<f32>, Vec<f32>)>,
}

impl Adam {
    /// A fresh state for tensors of these sizes.
    pub fn new(sizes: &[usize], epsilon: f32) -> Self {
        Adam {
            epsilon,
            time: 0,
            moments: sizes
                .iter()
                .map(|&n| (vec![0.0; n], vec![0.0; n]))
                .collect(),
        }
    }

    /// One step: `params[i] -= lr · update(gradients[i])`, each gradient first
    /// scaled down to L2 norm `clip` if it is longer.
    pub fn step(
        &mut self,
        lr: f64,
        params: &mut [&mut [f32]],
        gradients: &[&[f32]],
        clip: Option<f32>,
    ) {
        assert_eq!(params.len(), self.moments.len(), "parameter count");
        assert_eq!(gradients.len(), self.moments.len(), "gradient count");
        self.time += 1;
        let time = self.time.min(i32::MAX as u64) as i32;
        let correction_2 = (1.0 - BETA_2.powi(time)).sqrt();
        let factor = correction_2 / (1.0 - BETA_1.powi(time));
        let lr = lr as f32;
        for ((param, gradient), (m, v)) in params.iter_mut().zip(gradients).zip(&mut self.moments) {
            assert_eq!(param.len(), m.len(), "parameter size");
            assert_eq!(gradient.len(), m.len(), "gradient size");
            let scale = match clip {
                Some(threshold) => {
                    let norm = gradient.iter().map(|g| g * g).sum::<f32>().sqrt();
                    (threshold / (norm + f32::MIN_POSITIVE)).min(1.0)
                }
                None => 1.0,
            };
            for (((p, g), m), v) in param.iter_mut().zip(*gradient).zip(m).zip(v) {
                let g = g * scale;
                *m = BETA_1 * *m + (1.0 - BETA_1) * g;
                *v = BETA_2 * *v + (1.0 - BETA_2) * g * g;
                *p -= lr * (*m * factor) / (v.sqrt() + self.epsilon * correction_2);
            }
        }
    }

    /// The state as bytes: the magic line, the step count, the number of tensors,
    /// then each tensor's length and its two moments, all little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = DIRECT_STATE_MAGIC.to_vec();
        bytes.extend(self.time.to_le_bytes());
        bytes.extend((self.moments.len() as u64).to_le_bytes());
        for (m, v) in &self.moments {
            bytes.extend((m.len() as u64).to_le_bytes());
            for value in m.iter().chain(v) {
                bytes.extend(value.to_le_bytes());
            }
        }
        bytes
    }

    /// Reads [`Adam::to_bytes`]' output for tensors of these sizes (a training
    /// state: ε is [`TRAINING_EPSILON`]).
    pub fn from_bytes(bytes: &[u8], sizes: &[usize]) -> Result<Self> {
        let bad = |why: &str| Error::Weights(format!("direct optimiser state: {why}"));
        let rest = bytes
            .strip_prefix(DIRECT_STATE_MAGIC)
            .ok_or_else(|| bad("not written by the direct trainer"))?;
        let mut reader = Reader(rest);
        let short = || bad("cut short");
        let time = reader.number().ok_or_else(short)?;
        if reader.number().ok_or_else(short)? != sizes.len() as u64 {
            return Err(bad("made for another model"));
        }
        let mut moments = Vec::with_capacity(sizes.len());
        for &size in sizes {
            if reader.number().ok_or_else(short)? != size as u64 {
                return Err(bad("made for another model"));
            }
            let values: Vec<f32> = reader
                .take(8 * size)
                .ok_or_else(short)?
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect();
            let (m, v) = values.split_at(size);
            moments.push((m.to_vec(), v.to_vec()));
        }
        if !reader.0.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(Adam {
            epsilon: TRAINING_EPSILON,
            time,
            moments,
        })
    }
}

/// Bytes read from the front.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn number(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_follows_the_adam_rule_with_clipping() {
        let mut adam = Adam::new(&[2], TRAINING_EPSILON);
        let mut param = [1.0f32, -1.0];
        // Gradient (3, 4) has norm 5; clipped to norm 1 it is (0.6, 0.8).
        adam.step(0.1, &mut [&mut param], &[&[3.0, 4.0]], Some(1.0));
        // First step: m̂ = g, v̂ = g², so the update is g / (|g| + ε) ≈ sign(g).
        for (p, (start, g)) in param.iter().zip([(1.0f32, 0.6f32), (-1.0, 0.8)]) {
            let want = start - 0.1 * g / (g.abs() + TRAINING_EPSILON);
            assert!((p - want).abs() < 1e-6, "{p} vs {want}");
        }
    }

    #[test]
    fn the_state_survives_bytes_and_refuses_another_model() {
        let mut adam = Adam::new(&[3, 1], TRAINING_EPSILON);
        let (mut a, mut b) = ([0.5f32; 3], [2.0f32]);
        adam.step(
            0.01,
            &mut [&mut a, &mut b],
            &[&[1.0, -2.0, 0.5], &[3.0]],
            None,
        );
        let bytes = adam.to_bytes();
        let back = Adam::from_bytes(&bytes, &[3, 1]).unwrap();
        assert_eq!(back.time, 1);
        assert_eq!(back.moments, adam.moments);
        assert!(Adam::from_bytes(&bytes, &[3, 2]).is_err());
        assert!(Adam::from_bytes(&bytes[..bytes.len() - 1], &[3, 1]).is_err());
        assert!(Adam::from_bytes(b"burn record", &[3, 1]).is_err());
    }
}
