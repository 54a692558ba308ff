//! The lattice code's numbers: which components of the secret go where, and how
//! far apart the lattice points are (docs/model.md, "A code for JPEG").
//!
//! A secret block of 16×16 pixels (768 values) is reduced to its `K` main principal
//! components, measured on training photos. The cover region under it is four 8×8
//! luma blocks on JPEG's grid; in each, the `m` lowest DCT frequencies (zigzag
//! order) are slots, `K = 4m` (one fewer with a block gain, below). The components
//! with the most variance go to the slots JPEG quantises most finely. Component
//! `k`, clipped to ±`range`·σₖ, becomes a fraction of its slot's lattice step Δₖ,
//! and hiding moves the cover's
//! coefficient to the nearest value with that remainder modulo Δₖ: the cover costs
//! Δₖ²/12 on average whatever it holds, and what JPEG or noise adds to the
//! coefficient comes back divided by Δₖ.
//!
//! The steps split a budget (the container PSNR asked for) so that the expected
//! reveal error is least: with σₖ the component's spread and nₖ its slot's JPEG
//! step, Δₖ² ∝ σₖ·nₖ.
//!
//! With a block gain (codes since December 2026), the finest slot carries instead
//! which of [`GAINS`] scales the block's range: a flat block's components are small
//! and a busy block's large, so one range for all either clips the busy blocks or
//! spends the flat blocks' cells on values they never take. The hider picks the
//! gain that costs the block least (clipping against the channel error the range
//! magnifies); the last component gives its slot up.

use crate::channel::jpeg_approx::quant_tables;
use crate::code::BlockStatistics;
use crate::error::{Error, Result};
use crate::pixels::RgbImage;

/// Side of a secret block (and of the cover region it goes into).
pub const BLOCK: usize = 16;
/// Values in a secret block.
pub const BLOCK_VALUES: usize = 3 * BLOCK * BLOCK;
/// 8×8 luma DCT blocks under a secret block.
const SUB_BLOCKS: usize = (BLOCK / 8) * (BLOCK / 8);
/// The JPEG quality whose steps rank the slots and weigh the lattice steps.
const RANKING_QUALITY: u8 = 75;
const MAGIC: &[u8] = b"plainsight lattice code v1\n";
/// Codes with a block gain: version 1's fields, then one byte (1: a gain slot).
const MAGIC_V2: &[u8] = b"plainsight lattice code v2\n";
/// The scales of a block's range a gain slot chooses from (times `range`), in the
/// order of their cells. The cells wrap around, so a gain misread by one cell
/// either way is at worst 3 times off (in increasing order 2.0 would wrap to 0.4).
pub const GAINS: [f64; 4] = [0.4, 0.7, 2.0, 1.2];
/// Half a gain level's cell, in the gain slot's JPEG step at the ranking quality:
/// the quantisation error at that quality is at most half a step, so a gain is read
/// wrong only past twice that (or at qualities far below it).
const GAIN_MARGIN: f64 = 1.0;
/// The JPEG quality whose errors the hider weighs against clipping when it picks a
/// block's gain (the channel the code is tuned for).
const GAIN_DESIGN_QUALITY: u8 = 90;
/// Error variance (levels²) of a coefficient besides JPEG's: 8-bit rounding and
/// clipped pixels, roughly.
const ROUNDING_VARIANCE: f64 = 0.6;

/// How a lattice code is built: the choices `plainsight train --code lattice` takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatticeParams {
    /// Slots per 8×8 luma block (1 to 64; the secret keeps four times as many
    /// principal components per 16×16 block, one fewer with a block gain).
    pub slots: usize,
    /// Container PSNR the lattice steps are sized for (dB, before 8-bit rounding
    /// and clipping).
    pub container_db: f64,
    /// Components are clipped to ±`range` standard deviations.
    pub range: f64,
    /// Fraction of each lattice cell left empty at both ends, so small channel
    /// errors at the extremes do not wrap around to the other end.
    pub guard: f64,
    /// Whether each block sends its own scale of the range ([`GAINS`]) in its
    /// finest slot, giving up the last component.
    pub block_gain: bool,
}

impl Default for LatticeParams {
    fn default() -> Self {
        LatticeParams {
            slots: 16,
            container_db: 35.2,
            range: 2.5,
            guard: 0.12,
            block_gain: true,
        }
    }
}

impl LatticeParams {
    fn check(&self) -> Result<()> {
        let ok = (1..=64).contains(&self.slots)
            && (20.0..=60.0).contains(&self.container_db)
            && self.range > 0.0
            && self.range.is_finite()
            && (0.0..0.5).contains(&self.guard);
        if ok {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "lattice code needs 1-64 slots, a container PSNR of 20-60 dB, a positive \
                 range and a guard below 0.5 (got {self:?})"
            )))
        }
    }
}

/// One slot: which 8×8 block under the secret block, and which DCT frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// 0..4, row-major over the 2×2 luma blocks.
    pub sub_block: usize,
    /// Vertical and horizontal frequency.
    pub u: usize,
    pub v: usize,
}

/// A measured lattice code.
#[derive(Debug, Clone, PartialEq)]
pub struct LatticeCode {
    params: LatticeParams,
    /// Mean secret block, levels 0–255, index `channel·256 + row·16 + column`.
    mean: Vec<f32>,
    /// Standard deviation of each kept component (levels).
    spreads: Vec<f32>,
    /// Unit principal directions, one row of [`BLOCK_VALUES`] per component.
    directions: Vec<f32>,
    /// Every slot, the gain's first if there is one, then the components' in order.
    slots: Vec<Slot>,
    /// Lattice step per slot (luma levels, orthonormal DCT units).
    steps: Vec<f64>,
    /// With a block gain: the expected squared error of the block's components
    /// (levels², summed) from the design channel at a gain of 1; a gain `s`
    /// multiplies it by `s²`.
    channel_error: f64,
}

impl LatticeCode {
    /// Measures the principal components of 16×16 blocks of `photos`.
    pub fn measure(photos: &[RgbImage], params: LatticeParams) -> Result<Self> {
        params.check()?;
        let stats = BlockStatistics::measure(photos, BLOCK)?;
        let kept = kept_components(&params);
        let dims = stats.dims();
        // BlockStatistics orders directions by increasing variance, values in 0..1.
        let mut spreads = Vec::with_capacity(kept);
        let mut directions = Vec::with_capacity(kept * dims);
        for k in 0..kept {
            let column = dims - 1 - k;
            spreads.push((stats.variances()[column].sqrt() * 255.0) as f32);
            directions.extend(stats.direction(column).iter().map(|&d| d as f32));
        }
        let mean = stats.mean().iter().map(|&m| (m * 255.0) as f32).collect();
        Self::assemble(params, mean, spreads, directions)
    }

    fn assemble(
        params: LatticeParams,
        mean: Vec<f32>,
        spreads: Vec<f32>,
        directions: Vec<f32>,
    ) -> Result<Self> {
        params.check()?;
        let kept = kept_components(&params);
        if mean.len() != BLOCK_VALUES
            || spreads.len() != kept
            || directions.len() != kept * BLOCK_VALUES
        {
            return Err(Error::Data(
                "lattice code: sizes do not match its slots".into(),
            ));
        }
        let jpeg_steps = quant_tables(RANKING_QUALITY)[0];
        let step_of = |s: &Slot| jpeg_steps[s.u * 8 + s.v] as f64;
        let mut slots: Vec<Slot> = (0..SUB_BLOCKS)
            .flat_map(|sub_block| {
                zigzag()
                    .into_iter()
                    .take(params.slots)
                    .map(move |(u, v)| Slot { sub_block, u, v })
            })
            .collect();
        slots.sort_by(|a, b| {
            step_of(a)
                .total_cmp(&step_of(b))
                .then((a.u + a.v).cmp(&(b.u + b.v)))
                .then(a.sub_block.cmp(&b.sub_block))
                .then(a.u.cmp(&b.u))
        });
        // Mean squared change per pixel allowed, times the pixels of a block, times
        // 12 (a uniform error over a cell of Δ has mean square Δ²/12).
        let mut budget =
            (BLOCK * BLOCK) as f64 * 255f64.powi(2) / 10f64.powf(params.container_db / 10.0) * 12.0;
        let mut steps = Vec::with_capacity(slots.len());
        if params.block_gain {
            let gain_step = 2.0 * GAINS.len() as f64 * GAIN_MARGIN * step_of(&slots[0]);
            // The gain's step is set by JPEG, not by the budget: past about 48 dB
            // it would take more than half of it.
            if gain_step * gain_step > budget / 2.0 {
                return Err(Error::Config(format!(
                    "a lattice code with a block gain cannot reach a {} dB container \
                     (at most about 48 dB)",
                    params.container_db
                )));
            }
            budget -= gain_step * gain_step;
            steps.push(gain_step);
        }
        let component_slots = &slots[slots.len() - kept..];
        let weights: Vec<f64> = spreads
            .iter()
            .zip(component_slots)
            .map(|(&spread, slot)| spread.max(1e-3) as f64 * step_of(slot))
            .collect();
        let total: f64 = weights.iter().sum();
        steps.extend(weights.iter().map(|w| (w / total * budget).sqrt()));
        // The design channel's error in each slot, as a fraction of its cell,
        // magnified by the component's range.
        let design = quant_tables(GAIN_DESIGN_QUALITY)[0];
        let cell = 2.0 * params.range / (1.0 - 2.0 * params.guard);
        let channel_error = component_slots
            .iter()
            .zip(&steps[slots.len() - kept..])
            .zip(&spreads)
            .map(|((slot, step), &spread)| {
                let q = design[slot.u * 8 + slot.v] as f64;
                (q * q / 12.0 + ROUNDING_VARIANCE) / (step * step) * (cell * spread as f64).powi(2)
            })
            .sum();
        Ok(LatticeCode {
            params,
            mean,
            spreads,
            directions,
            slots,
            steps,
            channel_error,
        })
    }

    pub fn params(&self) -> LatticeParams {
        self.params
    }

    /// Components of the secret per block.
    pub fn components(&self) -> usize {
        self.spreads.len()
    }

    /// Slots per block: one per component, and the gain's if there is one.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Lattice step of slot `k`.
    pub fn step(&self, k: usize) -> f64 {
        self.steps[k]
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Where in its lattice cell each slot's value for a secret block (levels,
    /// index `channel·256 + row·16 + column`) goes: remainders modulo each slot's
    /// step, one per slot.
    pub fn encode(&self, block: &[f32], remainders: &mut [f64]) {
        debug_assert_eq!(remainders.len(), self.slot_count());
        let components: Vec<f64> = (0..self.components())
            .map(|k| {
                let direction = &self.directions[k * BLOCK_VALUES..(k + 1) * BLOCK_VALUES];
                let z: f32 = direction
                    .iter()
                    .zip(block.iter().zip(&self.mean))
                    .map(|(d, (b, m))| d * (b - m))
                    .sum();
                z as f64
            })
            .collect();
        let (gain, first) = if self.params.block_gain {
            let level = self.best_gain(&components);
            remainders[0] = (level as f64 + 0.5) / GAINS.len() as f64 * self.steps[0];
            (GAINS[level], 1)
        } else {
            (1.0, 0)
        };
        let (guard, range) = (self.params.guard, self.params.range * gain);
        for (k, (&z, remainder)) in components.iter().zip(&mut remainders[first..]).enumerate() {
            let t = (z / (range * self.spreads[k] as f64)).clamp(-1.0, 1.0);
            let fraction = guard + (t + 1.0) / 2.0 * (1.0 - 2.0 * guard);
            *remainder = fraction * self.steps[first + k];
        }
    }

    /// The gain level that costs a block with these components least: what
    /// clipping at the gain's range removes, plus the design channel's error,
    /// which grows with the range.
    fn best_gain(&self, components: &[f64]) -> usize {
        let cost = |gain: f64| {
            let clipped: f64 = components
                .iter()
                .zip(&self.spreads)
                .map(|(z, &spread)| {
                    let over = z.abs() - gain * self.params.range * spread as f64;
                    over.max(0.0).powi(2)
                })
                .sum();
            clipped + gain * gain * self.channel_error
        };
        (0..GAINS.len())
            .min_by(|&a, &b| cost(GAINS[a]).total_cmp(&cost(GAINS[b])))
            .unwrap_or(0)
    }

    /// The secret block (levels, unclipped) from the coefficients read at the
    /// slots, one per slot, the dither already taken off.
    pub fn decode(&self, coefficients: &[f64], block: &mut [f32]) {
        debug_assert_eq!(coefficients.len(), self.slot_count());
        let guard = self.params.guard;
        block.copy_from_slice(&self.mean);
        let (gain, first) = if self.params.block_gain {
            let fraction = coefficients[0].rem_euclid(self.steps[0]) / self.steps[0];
            let level = (fraction * GAINS.len() as f64) as usize;
            (GAINS[level.min(GAINS.len() - 1)], 1)
        } else {
            (1.0, 0)
        };
        let range = self.params.range * gain;
        for (k, &c) in coefficients[first..].iter().enumerate() {
            let step = self.steps[first + k];
            let fraction = c.rem_euclid(step) / step;
            // Past half the guard the value most likely wrapped from the other end.
            let t = if fraction < guard / 2.0 {
                0.0
            } else if fraction > 1.0 - guard / 2.0 {
                1.0
            } else {
                ((fraction - guard) / (1.0 - 2.0 * guard)).clamp(0.0, 1.0)
            };
            let z = ((2.0 * t - 1.0) * range * self.spreads[k] as f64) as f32;
            let direction = &self.directions[k * BLOCK_VALUES..(k + 1) * BLOCK_VALUES];
            for (b, d) in block.iter_mut().zip(direction) {
                *b += z * d;
            }
        }
    }

    /// How far coefficient `c` of slot `k` moves to land on `remainder`
    /// modulo the step: the nearest such value, at most half a step away.
    pub fn move_to(&self, k: usize, c: f64, remainder: f64) -> f64 {
        let step = self.steps[k];
        (remainder - c + step / 2.0).rem_euclid(step) - step / 2.0
    }

    /// The file `plainsight train --code lattice` writes: a magic line, the slot
    /// count and three parameters (with a block gain, version 2: then one byte, 1),
    /// then the mean, the spreads and the directions as little-endian 32-bit floats.
    pub fn to_bytes(&self) -> Vec<u8> {
        let p = self.params;
        let mut bytes = if p.block_gain { MAGIC_V2 } else { MAGIC }.to_vec();
        bytes.extend((p.slots as u32).to_le_bytes());
        for value in [p.container_db, p.range, p.guard] {
            bytes.extend(value.to_le_bytes());
        }
        if p.block_gain {
            bytes.push(1);
        }
        for value in self
            .mean
            .iter()
            .chain(&self.spreads)
            .chain(&self.directions)
        {
            bytes.extend(value.to_le_bytes());
        }
        bytes
    }

    /// Reads [`LatticeCode::to_bytes`]; anything else is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::Data("not a plainsight lattice code (or a damaged one)".into());
        let (rest, block_gain) = match bytes.strip_prefix(MAGIC) {
            Some(rest) => (rest, false),
            None => (bytes.strip_prefix(MAGIC_V2).ok_or_else(bad)?, true),
        };
        let header = if block_gain { 29 } else { 28 };
        if rest.len() < header || (block_gain && rest[28] != 1) {
            return Err(bad());
        }
        let slots = u32::from_le_bytes(rest[..4].try_into().map_err(|_| bad())?) as usize;
        let float = |i: usize| f64::from_le_bytes(rest[4 + 8 * i..12 + 8 * i].try_into().unwrap());
        let params = LatticeParams {
            slots,
            container_db: float(0),
            range: float(1),
            guard: float(2),
            block_gain,
        };
        params.check().map_err(|_| bad())?;
        let kept = kept_components(&params);
        let floats: Vec<f32> = rest[header..]
            .chunks(4)
            .map(|c| c.try_into().map(f32::from_le_bytes).map_err(|_| bad()))
            .collect::<Result<_>>()?;
        if floats.len() != BLOCK_VALUES + kept + kept * BLOCK_VALUES
            || floats.iter().any(|v| !v.is_finite())
        {
            return Err(bad());
        }
        let (mean, rest) = floats.split_at(BLOCK_VALUES);
        let (spreads, directions) = rest.split_at(kept);
        Self::assemble(params, mean.to_vec(), spreads.to_vec(), directions.to_vec())
    }
}

/// Principal components a code keeps: one per slot but the gain's.
fn kept_components(params: &LatticeParams) -> usize {
    (SUB_BLOCKS * params.slots).saturating_sub(usize::from(params.block_gain))
}

/// JPEG's zigzag order of the 64 frequencies `(u, v)`.
fn zigzag() -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, usize)> = (0..8).flat_map(|u| (0..8).map(move |v| (u, v))).collect();
    order.sort_by_key(|&(u, v)| {
        let diagonal = u + v;
        // Odd diagonals run down-left (u rising), even ones up-right (v rising).
        (diagonal, if diagonal % 2 == 1 { u } else { v })
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy_code(params: LatticeParams) -> LatticeCode {
        let kept = kept_components(&params);
        let mut directions = vec![0.0; kept * BLOCK_VALUES];
        for k in 0..kept {
            directions[k * BLOCK_VALUES + k] = 1.0;
        }
        let spreads = (0..kept).map(|k| 40.0 / (1.0 + k as f32)).collect();
        LatticeCode::assemble(params, vec![128.0; BLOCK_VALUES], spreads, directions).unwrap()
    }

    #[test]
    fn zigzag_starts_like_jpeg() {
        let order = zigzag();
        assert_eq!(
            &order[..6],
            &[(0, 0), (0, 1), (1, 0), (2, 0), (1, 1), (0, 2)]
        );
        assert_eq!(order[63], (7, 7));
    }

    #[test]
    fn steps_spend_the_budget_and_favour_the_main_components() {
        for block_gain in [false, true] {
            let params = LatticeParams {
                block_gain,
                ..LatticeParams::default()
            };
            let code = toy_code(params);
            let mean_square: f64 = code.steps.iter().map(|s| s * s / 12.0).sum::<f64>() / 256.0;
            let psnr = 10.0 * (255f64.powi(2) / mean_square).log10();
            assert!((psnr - params.container_db).abs() < 1e-9, "{psnr}");
            let first = usize::from(block_gain);
            assert!(code.steps[first] > code.steps[code.slot_count() - 1]);
        }
        let code = toy_code(LatticeParams {
            block_gain: false,
            ..LatticeParams::default()
        });
        // Slots go from JPEG's finest steps to its coarsest, all four blocks alike.
        let jpeg = quant_tables(RANKING_QUALITY)[0];
        let step = |s: &Slot| jpeg[s.u * 8 + s.v];
        assert!(code.slots().windows(2).all(|w| step(&w[0]) <= step(&w[1])));
        let first: Vec<_> = code.slots()[..4]
            .iter()
            .map(|s| (s.sub_block, s.u, s.v))
            .collect();
        assert_eq!(first, [(0, 0, 2), (1, 0, 2), (2, 0, 2), (3, 0, 2)]);
    }

    #[test]
    fn encode_then_decode_returns_what_the_components_keep() {
        for block_gain in [false, true] {
            encode_then_decode_with(block_gain);
        }
    }

    fn encode_then_decode_with(block_gain: bool) {
        let code = toy_code(LatticeParams {
            block_gain,
            ..LatticeParams::default()
        });
        let mut block = vec![128.0f32; BLOCK_VALUES];
        block[0] = 150.0;
        block[3] = 120.0;
        block[700] = 20.0; // outside the kept components: lost
        let mut remainders = vec![0.0; code.slot_count()];
        code.encode(&block, &mut remainders);
        // Any coefficient moved onto its remainder decodes the same, whatever the cover.
        let coefficients: Vec<f64> = remainders
            .iter()
            .enumerate()
            .map(|(k, &r)| {
                let cover = 37.0 * k as f64 - 300.0;
                cover + code.move_to(k, cover, r)
            })
            .collect();
        let mut back = vec![0.0f32; BLOCK_VALUES];
        code.decode(&coefficients, &mut back);
        assert!((back[0] - 150.0).abs() < 1e-3, "{}", back[0]);
        assert!((back[3] - 120.0).abs() < 1e-3, "{}", back[3]);
        assert_eq!(back[700], 128.0);
        for (k, &remainder) in remainders.iter().enumerate() {
            assert!(code.move_to(k, 5.0, remainder).abs() <= code.steps[k] / 2.0);
        }
    }

    #[test]
    fn a_block_gain_fits_the_range_to_the_block() {
        let code = toy_code(LatticeParams::default());
        assert_eq!(code.slot_count(), code.components() + 1);
        // Component 0's spread is 40: a block 4 σ out needs the widest range, a
        // block barely off the mean the narrowest.
        let component = |z: f64| {
            let mut c = vec![0.0; code.components()];
            c[0] = z;
            c
        };
        let widest = GAINS.iter().position(|&g| g == 2.0).unwrap();
        let narrowest = GAINS.iter().position(|&g| g == 0.4).unwrap();
        assert_eq!(code.best_gain(&component(160.0)), widest);
        assert_eq!(code.best_gain(&component(1.0)), narrowest);
        // Both come back nearly exactly: the narrow one to a fraction of a level.
        for z in [160.0f32, 1.0] {
            let mut block = vec![128.0f32; BLOCK_VALUES];
            block[0] += z;
            let mut remainders = vec![0.0; code.slot_count()];
            code.encode(&block, &mut remainders);
            let mut back = vec![0.0f32; BLOCK_VALUES];
            code.decode(&remainders, &mut back);
            assert!(
                (back[0] - block[0]).abs() < 0.05 * z.max(1.0),
                "{z}: {}",
                back[0]
            );
        }
    }

    #[test]
    fn a_gain_is_read_right_within_its_margin_and_wrong_past_it() {
        let code = toy_code(LatticeParams::default());
        // Half a gain cell: the margin times the gain slot's quality-75 JPEG step (5).
        let margin = GAIN_MARGIN * 5.0;
        assert!((code.step(0) - 2.0 * GAINS.len() as f64 * margin).abs() < 1e-9);
        let mut block = vec![128.0f32; BLOCK_VALUES];
        block[0] += 60.0;
        let mut remainders = vec![0.0; code.slot_count()];
        code.encode(&block, &mut remainders);
        let decode = |shift: f64| {
            let mut coefficients = remainders.clone();
            coefficients[0] += shift;
            let mut back = vec![0.0f32; BLOCK_VALUES];
            code.decode(&coefficients, &mut back);
            back[0]
        };
        let clean = decode(0.0);
        for shift in [-0.98 * margin, 0.98 * margin] {
            assert_eq!(decode(shift), clean, "{shift}");
        }
        for shift in [-1.02 * margin, 1.02 * margin] {
            assert_ne!(decode(shift), clean, "{shift}");
        }
    }

    #[test]
    fn a_block_gain_refuses_a_budget_it_cannot_keep() {
        let params = |container_db| LatticeParams {
            container_db,
            ..LatticeParams::default()
        };
        let refused = LatticeCode::assemble(
            params(55.0),
            vec![128.0; BLOCK_VALUES],
            vec![1.0; 63],
            vec![0.0; 63 * BLOCK_VALUES],
        );
        assert!(refused.is_err());
        assert_eq!(toy_code(params(45.0)).slot_count(), 64);
    }

    #[test]
    fn bytes_round_trip_and_damage_is_refused() {
        let code = toy_code(LatticeParams {
            slots: 4,
            ..LatticeParams::default()
        });
        let bytes = code.to_bytes();
        assert_eq!(LatticeCode::from_bytes(&bytes).unwrap(), code);
        assert!(LatticeCode::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(LatticeCode::from_bytes(b"plainsight lattice code v1\nxx").is_err());
        assert!(LatticeCode::from_bytes(&bytes[1..]).is_err());
        let mut wrong_slots = bytes.clone();
        wrong_slots[MAGIC.len()] = 5;
        assert!(LatticeCode::from_bytes(&wrong_slots).is_err());
        // Version 1 (no gain) files read as they were written.
        let v1 = toy_code(LatticeParams {
            slots: 4,
            block_gain: false,
            ..LatticeParams::default()
        });
        let v1_bytes = v1.to_bytes();
        assert!(v1_bytes.starts_with(MAGIC));
        assert_eq!(LatticeCode::from_bytes(&v1_bytes).unwrap(), v1);
        assert!(bytes.starts_with(MAGIC_V2));
        let mut wrong_flag = bytes.clone();
        wrong_flag[MAGIC_V2.len() + 28] = 2;
        assert!(LatticeCode::from_bytes(&wrong_flag).is_err());
    }
}
