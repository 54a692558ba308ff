//! Small pieces of what the commands print for people.

use plainsight_core::RgbImage;

/// A PSNR for people: "identical" where the images are the same (PSNR is infinite
/// there, and would print as `inf dB`).
pub fn decibels(psnr: f64) -> String {
    if psnr.is_finite() {
        format!("{psnr:.2} dB")
    } else {
        "∞ (identical)".to_string()
    }
}

/// Megapixels from which a one-line note says that the work takes a while.
const LARGE_MEGAPIXELS: f64 = 4.0;

/// Seconds per megapixel of hide (plus `steps` refinement passes) on two cores
/// (docs/performance.md: 12 MP hide in about 26 s; a refinement step costs about
/// two hides).
const SECONDS_PER_MEGAPIXEL: f64 = 2.2;

/// On stderr, before a long hide: how big the photo is and about how long it takes.
pub fn note_if_large(cover: &RgbImage, refine_steps: Option<usize>) {
    let megapixels = (cover.width() * cover.height()) as f64 / 1e6;
    if megapixels < LARGE_MEGAPIXELS {
        return;
    }
    let passes = 1.0 + 2.0 * refine_steps.unwrap_or(0) as f64;
    eprintln!(
        "note: {}x{} is {megapixels:.0} megapixels; hiding takes about {:.0} s on two cores",
        cover.width(),
        cover.height(),
        SECONDS_PER_MEGAPIXEL * megapixels * passes
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinite_psnr_reads_as_identical() {
        assert_eq!(decibels(f64::INFINITY), "∞ (identical)");
        assert_eq!(decibels(38.126), "38.13 dB");
    }
}
