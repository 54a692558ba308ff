//! The refinement layer's source code: the difference between a secret and what the
//! network reveals, quantised with one step and coded with contexts taken from the
//! differences already coded (never from the network's picture, which may differ by
//! a level between machines; a context must not).

use super::range::{Context, Decoder, Encoder};

/// Activity buckets of a sample's neighbourhood (|q| of left, above, earlier channel).
const BUCKETS: usize = 8;
/// Magnitude bins coded with their own context; larger ones escape to plain bits.
const UNARY: u32 = 16;
/// Bits that say how long an escaped magnitude is.
const LENGTH_BITS: u32 = 5;

fn bucket(activity: u32) -> usize {
    match activity {
        0..=4 => activity as usize,
        5..=6 => 5,
        7..=10 => 6,
        _ => 7,
    }
}

struct Model {
    zero: Vec<Context>,
    sign: Vec<Context>,
    magnitude: Vec<Context>,
}

impl Model {
    fn new() -> Self {
        Model {
            zero: vec![Context::default(); 3 * BUCKETS],
            sign: vec![Context::default(); 3 * 3],
            magnitude: vec![Context::default(); 3 * BUCKETS * UNARY as usize],
        }
    }
}

/// Where a sample's contexts come from: its already-coded neighbours.
struct Neighbours {
    context: usize,
    sign: usize,
}

fn neighbours(q: &[i32], width: usize, i: usize) -> Neighbours {
    let channel = i % 3;
    let pixel = i / 3;
    let (x, y) = (pixel % width, pixel / width);
    let left = if x > 0 { q[i - 3].unsigned_abs() } else { 0 };
    let up = if y > 0 {
        q[i - 3 * width].unsigned_abs()
    } else {
        0
    };
    let earlier = if channel > 0 { q[i - 1] } else { 0 };
    let sign = match earlier.signum() {
        0 => 0,
        1 => 1,
        _ => 2,
    };
    Neighbours {
        context: channel * BUCKETS + bucket(left + up + 2 * earlier.unsigned_abs()),
        sign: channel * 3 + sign,
    }
}

/// Codes the quantised differences of one or more pictures of `width` pixels a row
/// (interleaved RGB, one after the other).
pub fn encode(pictures: &[Vec<i32>], width: usize) -> Vec<u8> {
    let mut encoder = Encoder::default();
    let mut model = Model::new();
    for q in pictures {
        for i in 0..q.len() {
            let n = neighbours(q, width, i);
            let value = q[i];
            encoder.bit(&mut model.zero[n.context], value != 0);
            if value == 0 {
                continue;
            }
            encoder.bit(&mut model.sign[n.sign], value < 0);
            let rest = value.unsigned_abs() - 1;
            let base = n.context * UNARY as usize;
            for bin in 0..UNARY {
                let more = rest > bin;
                encoder.bit(&mut model.magnitude[base + bin as usize], more);
                if !more {
                    break;
                }
            }
            if rest >= UNARY {
                let escaped = rest - UNARY;
                let length = 32 - escaped.leading_zeros();
                encoder.direct(length, LENGTH_BITS);
                encoder.direct(escaped, length);
            }
        }
    }
    encoder.finish()
}

/// Decodes `count` pictures of `samples` values each; corrupt bytes give wrong
/// values, bounded by `limit` in magnitude, never a panic.
pub fn decode(
    bytes: &[u8],
    width: usize,
    samples: usize,
    count: usize,
    limit: u32,
) -> Vec<Vec<i32>> {
    let mut decoder = Decoder::new(bytes);
    let mut model = Model::new();
    let mut pictures = Vec::with_capacity(count);
    for _ in 0..count {
        let mut q = vec![0i32; samples];
        for i in 0..samples {
            let n = neighbours(&q, width, i);
            if !decoder.bit(&mut model.zero[n.context]) {
                continue;
            }
            let negative = decoder.bit(&mut model.sign[n.sign]);
            let base = n.context * UNARY as usize;
            let mut rest = 0;
            while rest < UNARY && decoder.bit(&mut model.magnitude[base + rest as usize]) {
                rest += 1;
            }
            if rest == UNARY {
                let length = decoder.direct(LENGTH_BITS).min(24);
                rest += decoder.direct(length);
            }
            let magnitude = (rest + 1).min(limit) as i32;
            q[i] = if negative { -magnitude } else { magnitude };
        }
        pictures.push(q);
    }
    pictures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_small_and_escaped_values() {
        let width = 7;
        let picture: Vec<i32> = (0..width * 5 * 3)
            .map(|i| match i % 11 {
                0 => 300,
                1 => -41,
                2..=5 => 0,
                k => k as i32 - 8,
            })
            .collect();
        let other: Vec<i32> = picture.iter().map(|v| -v / 2).collect();
        let bytes = encode(&[picture.clone(), other.clone()], width);
        let back = decode(&bytes, width, picture.len(), 2, 1000);
        assert_eq!(back, vec![picture, other]);
    }

    #[test]
    fn garbage_decodes_to_bounded_values() {
        let garbage: Vec<u8> = (0..64u32).map(|i| (i * 97 + 13) as u8).collect();
        let back = decode(&garbage, 4, 4 * 4 * 3, 1, 20);
        assert!(back[0].iter().all(|v| v.abs() <= 20));
    }
}
