//! A binary adaptive range coder (the LZMA kind): each decision is coded with a
//! probability that adapts to the decisions seen in its context, so the residual
//! model needs no tables in the container.

/// Probabilities are 11-bit fixed point: `BITS` = 1.0.
const BITS: u32 = 11;
const ONE: u32 = 1 << BITS;
/// How fast a context adapts (1/32 of the way per decision).
const ADAPT: u32 = 5;
const TOP: u32 = 1 << 24;

/// The adaptive probability that a decision is 0.
#[derive(Clone, Copy)]
pub struct Context(u16);

impl Default for Context {
    fn default() -> Self {
        Context((ONE / 2) as u16)
    }
}

impl Context {
    fn update(&mut self, bit: bool) {
        let p = self.0 as u32;
        self.0 = if bit {
            (p - (p >> ADAPT)) as u16
        } else {
            (p + ((ONE - p) >> ADAPT)) as u16
        };
    }
}

/// Writes decisions to bytes.
pub struct Encoder {
    low: u64,
    range: u32,
    cache: u8,
    pending: u64,
    out: Vec<u8>,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder {
            low: 0,
            range: u32::MAX,
            cache: 0,
            pending: 1,
            out: Vec::new(),
        }
    }
}

impl Encoder {
    /// Codes `bit` with the context's probability, then adapts it.
    pub fn bit(&mut self, context: &mut Context, bit: bool) {
        let bound = (self.range >> BITS) * context.0 as u32;
        if bit {
            self.low += bound as u64;
            self.range -= bound;
        } else {
            self.range = bound;
        }
        context.update(bit);
        self.normalise();
    }

    /// Codes `count` low bits of `value` at probability one half.
    pub fn direct(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            self.range >>= 1;
            if value >> i & 1 == 1 {
                self.low += self.range as u64;
            }
            self.normalise();
        }
    }

    fn normalise(&mut self) {
        while self.range < TOP {
            self.range <<= 8;
            self.shift_low();
        }
    }

    fn shift_low(&mut self) {
        if self.low < 0xFF00_0000 || self.low >= 1 << 32 {
            let carry = (self.low >> 32) as u8;
            let mut byte = self.cache;
            loop {
                self.out.push(byte.wrapping_add(carry));
                byte = 0xFF;
                self.pending -= 1;
                if self.pending == 0 {
                    break;
                }
            }
            self.cache = (self.low >> 24) as u8;
        }
        self.pending += 1;
        self.low = (self.low & 0x00FF_FFFF) << 8;
    }

    /// Flushes and returns the bytes (the first is always 0 and is dropped).
    pub fn finish(mut self) -> Vec<u8> {
        for _ in 0..5 {
            self.shift_low();
        }
        self.out.remove(0);
        self.out
    }
}

/// Reads decisions back; past the end of its bytes it reads zeros, so corrupt
/// input gives wrong decisions, never a panic.
pub struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    range: u32,
    code: u32,
}

impl<'a> Decoder<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        let mut decoder = Decoder {
            bytes,
            at: 0,
            range: u32::MAX,
            code: 0,
        };
        for _ in 0..4 {
            decoder.code = decoder.code << 8 | decoder.next_byte() as u32;
        }
        decoder
    }

    fn next_byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    pub fn bit(&mut self, context: &mut Context) -> bool {
        let bound = (self.range >> BITS) * context.0 as u32;
        let bit = self.code >= bound;
        if bit {
            self.code -= bound;
            self.range -= bound;
        } else {
            self.range = bound;
        }
        context.update(bit);
        self.normalise();
        bit
    }

    pub fn direct(&mut self, count: u32) -> u32 {
        let mut value = 0;
        for _ in 0..count {
            self.range >>= 1;
            let bit = self.code >= self.range;
            if bit {
                self.code -= self.range;
            }
            value = value << 1 | bit as u32;
            self.normalise();
        }
        value
    }

    fn normalise(&mut self) {
        while self.range < TOP {
            self.range <<= 8;
            self.code = self.code << 8 | self.next_byte() as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_it_coded_and_skewed_bits_cost_less() {
        let bits: Vec<bool> = (0..20_000u32)
            .map(|i| i.wrapping_mul(2654435761) % 10 == 0)
            .collect();
        let mut encoder = Encoder::default();
        let mut context = Context::default();
        for (i, &bit) in bits.iter().enumerate() {
            encoder.bit(&mut context, bit);
            encoder.direct(i as u32 & 7, 3);
        }
        let bytes = encoder.finish();
        // 1 in 10 ones: about 0.47 bits each, plus 3 direct bits.
        assert!(bytes.len() * 8 < 20_000 * 4, "{} bytes", bytes.len());
        let mut decoder = Decoder::new(&bytes);
        let mut context = Context::default();
        for (i, &bit) in bits.iter().enumerate() {
            assert_eq!(decoder.bit(&mut context), bit, "decision {i}");
            assert_eq!(decoder.direct(3), i as u32 & 7);
        }
    }
}
