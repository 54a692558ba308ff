//! Small pieces of what the commands print for people.

use std::sync::atomic::{AtomicBool, Ordering};

use plainsight_core::RgbImage;

/// `--quiet`: no notes or summaries on stderr.
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// An error and its causes on one line. Library errors often repeat their cause in
/// their own text (and some hold line breaks): each part is kept once.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// A line for people on stderr (a summary, a note), unless `--quiet`.
pub fn say(line: &str) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("{line}");
    }
}

/// A bar counting `total` items on stderr, drawn only when stderr is a terminal
/// and `--quiet` is off.
pub fn counter(what: &str, total: usize) -> indicatif::ProgressBar {
    if is_quiet() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64).with_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}  eta {eta}")
            .expect("valid template"),
    );
    bar.set_message(what.to_string());
    bar
}

/// The secrets cannot be revealed as asked (exit status 3): the container went
/// through a channel the model does not survive.
#[derive(Debug)]
pub struct NotRevealable(pub String);

impl std::fmt::Display for NotRevealable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotRevealable {}

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

/// Seconds per megapixel of a hide on two cores (docs/performance.md: 12 MP in
/// about 6.6 s on the direct path).
const HIDE_SECONDS_PER_MEGAPIXEL: f64 = 0.55;

/// Seconds per megapixel of one refinement step (docs/performance.md: about 9 s
/// per step at 12 MP on the direct path).
const REFINE_STEP_SECONDS_PER_MEGAPIXEL: f64 = 0.73;

/// Runs `work` (a hide or a reveal) with a progress bar on stderr, drawn only when
/// stderr is a terminal and `--quiet` is off, for pictures of a megapixel or more
/// and for every refined hide (`slow`).
pub fn with_progress_bar<T>(
    what: &str,
    image: &RgbImage,
    slow: bool,
    work: impl FnOnce() -> T,
) -> T {
    let megapixels = (image.width() * image.height()) as f64 / 1e6;
    if is_quiet() || (megapixels < 1.0 && !slow) {
        return work();
    }
    let bar = indicatif::ProgressBar::new(1000).with_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {percent:>3}%  eta {eta}")
            .expect("valid template"),
    );
    bar.set_message(what.to_string());
    let shown = bar.clone();
    let result = plainsight_core::hiding::progress::observe(
        move |share| shown.set_position((share * 1000.0) as u64),
        work,
    );
    bar.finish_and_clear();
    result
}

/// On stderr, before a long hide: how big the photo is and about how long it takes.
pub fn note_if_large(cover: &RgbImage, refine_steps: Option<usize>) {
    let megapixels = (cover.width() * cover.height()) as f64 / 1e6;
    if megapixels < LARGE_MEGAPIXELS {
        return;
    }
    let steps = refine_steps.unwrap_or(0) as f64;
    let seconds =
        megapixels * (HIDE_SECONDS_PER_MEGAPIXEL + REFINE_STEP_SECONDS_PER_MEGAPIXEL * steps);
    say(&format!(
        "note: {}x{} is {megapixels:.0} megapixels; hiding takes about {:.0} s on two cores",
        cover.width(),
        cover.height(),
        seconds
    ));
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
