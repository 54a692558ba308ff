//! Least-significant-bit hiding: the classical baseline the networks must beat.
//!
//! Each secret's top `bits` bits replace `bits` low bits of the cover, channel by
//! channel; reveal shifts them back up and adds half a step (the midpoint of the
//! values those bits stand for).

use crate::error::{Error, Result};
use crate::hider::{check_hide_count, check_reveal_count};
use crate::pixels::check_same_size;
use crate::pixels::RgbImage;
use crate::Hider;

/// LSB hiding of `secrets` images with `bits` bits each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lsb {
    bits: u32,
    secrets: usize,
}

impl Lsb {
    /// `bits` per secret, at most 8 bits in all.
    pub fn new(bits: u32, secrets: usize) -> Result<Self> {
        if bits == 0 || secrets == 0 || bits as usize * secrets > 8 {
            return Err(Error::Invalid(format!(
                "LSB needs 1 to 8 bits in all; {bits} bits × {secrets} secrets does not fit a byte"
            )));
        }
        Ok(Lsb { bits, secrets })
    }

    /// Bit position of secret `i`'s lowest bit (secret 0 sits highest).
    fn shift(&self, i: usize) -> u32 {
        self.bits * (self.secrets - 1 - i) as u32
    }
}

impl Hider for Lsb {
    fn secrets(&self) -> usize {
        self.secrets
    }

    fn hide(&self, cover: &RgbImage, secrets: &[RgbImage]) -> Result<RgbImage> {
        check_hide_count(self.secrets, secrets.len())?;
        for secret in secrets {
            check_same_size(cover, secret)?;
        }
        let used = self.bits * self.secrets as u32;
        let keep = (0xFFu32 << used) as u8;
        let mut data: Vec<u8> = cover.as_bytes().iter().map(|&c| c & keep).collect();
        for (i, secret) in secrets.iter().enumerate() {
            let shift = self.shift(i);
            for (byte, &s) in data.iter_mut().zip(secret.as_bytes()) {
                *byte |= ((s as u32 >> (8 - self.bits)) << shift) as u8;
            }
        }
        RgbImage::new(cover.width(), cover.height(), data)
    }

    fn reveal(&self, container: &RgbImage, count: usize) -> Result<Vec<RgbImage>> {
        check_reveal_count(self.secrets, count)?;
        let mask = (1u32 << self.bits) - 1;
        let half = if self.bits < 8 {
            1u32 << (7 - self.bits)
        } else {
            0
        };
        (0..count)
            .map(|i| {
                let shift = self.shift(i);
                let data = container
                    .as_bytes()
                    .iter()
                    .map(|&c| ((((c as u32 >> shift) & mask) << (8 - self.bits)) | half) as u8)
                    .collect();
                RgbImage::new(container.width(), container.height(), data)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_the_top_bits() {
        let cover = RgbImage::filled(4, 2, [0b1010_1010, 255, 0]).unwrap();
        let a = RgbImage::filled(4, 2, [0b1110_0000, 0, 77]).unwrap();
        let b = RgbImage::filled(4, 2, [0b0100_0000, 255, 200]).unwrap();
        let lsb = Lsb::new(3, 2).unwrap();
        let container = lsb.hide(&cover, &[a.clone(), b.clone()]).unwrap();
        // Top two cover bits kept, then a's top 3 bits, then b's.
        assert_eq!(container.pixel(0, 0)[0], 0b10_111_010);
        let revealed = lsb.reveal(&container, 2).unwrap();
        for (secret, got) in [a, b].iter().zip(&revealed) {
            for (s, g) in secret.as_bytes().iter().zip(got.as_bytes()) {
                assert_eq!(s >> 5, g >> 5);
                assert_eq!(g & 0b1_1111, 0b1_0000, "midpoint of the lost bits");
            }
        }
        assert!(Lsb::new(3, 3).is_err());
        assert!(Lsb::new(0, 1).is_err());
    }
}
