//! Hide and reveal with the embedded default-1 model at several image sizes (and
//! default-3 at the small ones), on the direct CPU path (the default) or on burn.
//!
//! `cargo bench -p plainsight-core` (threads: all cores; set `RAYON_NUM_THREADS` to
//! limit; `PLAINSIGHT_BENCH_ENGINE=burn` times burn).
//! Results and machine: docs/performance.md.

use plainsight_core::hiding::Engine;
use plainsight_core::{CpuBackend, RgbImage, Stego};

fn main() {
    divan::main();
}

const SIZES: [(usize, usize); 4] = [(256, 256), (512, 512), (768, 512), (4000, 3000)];

const SMALL: [(usize, usize); 3] = [(256, 256), (512, 512), (768, 512)];

fn model(name: &str) -> Stego<CpuBackend> {
    let model = plainsight_weights::by_name(name).expect("embedded");
    let engine = match std::env::var("PLAINSIGHT_BENCH_ENGINE").as_deref() {
        Ok("burn") => Engine::Burn,
        _ => Engine::Direct,
    };
    Stego::from_bytes(model.config_json, model.weights, Default::default())
        .expect("loads")
        .with_engine(engine)
}

/// A deterministic, photo-like image (smooth gradients and waves).
fn photo(width: usize, height: usize, seed: usize) -> RgbImage {
    let data = (0..width * height)
        .flat_map(|p| {
            let (x, y) = ((p % width) as f32, (p / width) as f32);
            let wave = ((x * 0.031 + seed as f32).sin() * (y * 0.017).cos() + 1.0) * 0.5;
            [
                (40.0 + 180.0 * wave) as u8,
                (60.0 + 120.0 * (y / height as f32)) as u8,
                (90.0 + 100.0 * (1.0 - wave) * (x / width as f32)) as u8,
            ]
        })
        .collect();
    RgbImage::new(width, height, data).expect("size matches")
}

fn size_label(size: &(usize, usize)) -> String {
    format!("{}x{}", size.0, size.1)
}

#[divan::bench(args = SIZES.iter().map(size_label), sample_count = 3, sample_size = 1)]
fn hide(bencher: divan::Bencher, size: &str) {
    time_hide(bencher, "default-1", size);
}

#[divan::bench(args = SIZES.iter().map(size_label), sample_count = 3, sample_size = 1)]
fn reveal(bencher: divan::Bencher, size: &str) {
    time_reveal(bencher, "default-1", size);
}

#[divan::bench(args = SMALL.iter().map(size_label), sample_count = 3, sample_size = 1)]
fn hide_default_3(bencher: divan::Bencher, size: &str) {
    time_hide(bencher, "default-3", size);
}

#[divan::bench(args = SMALL.iter().map(size_label), sample_count = 3, sample_size = 1)]
fn reveal_default_3(bencher: divan::Bencher, size: &str) {
    time_reveal(bencher, "default-3", size);
}

fn inputs(name: &str, size: &str) -> (Stego<CpuBackend>, RgbImage, Vec<RgbImage>) {
    let (w, h) = parse(size);
    let stego = model(name);
    let secrets = (0..stego.secrets()).map(|i| photo(w, h, 2 + i)).collect();
    (stego, photo(w, h, 1), secrets)
}

fn time_hide(bencher: divan::Bencher, name: &str, size: &str) {
    let (stego, cover, secrets) = inputs(name, size);
    bencher.bench_local(|| stego.hide(&cover, &secrets).unwrap());
}

fn time_reveal(bencher: divan::Bencher, name: &str, size: &str) {
    let (stego, cover, secrets) = inputs(name, size);
    let container = stego.hide(&cover, &secrets).unwrap();
    bencher.bench_local(|| stego.reveal(&container, stego.secrets()).unwrap());
}

fn parse(size: &str) -> (usize, usize) {
    let (w, h) = size.split_once('x').expect("WxH");
    (w.parse().unwrap(), h.parse().unwrap())
}
