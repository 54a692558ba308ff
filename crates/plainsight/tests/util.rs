//! Helpers shared by the integration tests: run the real binary, make test images.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn plainsight(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plainsight"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

/// `plainsight hide --cover COVER --secret S… --out OUT EXTRA…` in `dir`.
pub fn hide(dir: &Path, cover: &str, secrets: &[&str], out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["hide", "--cover", cover];
    for secret in secrets {
        args.extend(["--secret", secret]);
    }
    args.extend(["--out", out]);
    args.extend(extra);
    plainsight(&args, dir)
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts exit code 2 with a one-line `error:` message containing `needle`.
pub fn assert_user_error(output: &Output, needle: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(err.contains(needle), "'{needle}' not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A smooth, photo-like test image: gradients plus a few soft blobs.
pub fn photo_like(width: u32, height: u32, seed: u32) -> image::RgbImage {
    let s = seed as f32;
    image::RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
        let blob = ((u * 6.0 + s).sin() * (v * 4.0 - s).cos() + 1.0) * 0.5;
        let r = 255.0 * (0.2 + 0.6 * u * blob);
        let g = 255.0 * (0.3 + 0.5 * v);
        let b = 255.0 * (0.5 + 0.4 * (1.0 - blob) * (s * 0.3).cos().abs());
        image::Rgb([r as u8, g as u8, b as u8])
    })
}

pub fn save(image: &image::RgbImage, path: &Path) -> PathBuf {
    image.save(path).expect("test image saves");
    path.to_path_buf()
}

pub fn load(path: &Path) -> image::RgbImage {
    image::open(path).expect("output decodes").into_rgb8()
}

pub fn psnr(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let mse = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.as_raw().len() as f64;
    10.0 * (255.0f64.powi(2) / mse.max(1e-12)).log10()
}
