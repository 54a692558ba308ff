//! What `plainsight train` writes and reads under its output folder: the logs,
//! the loss curve, the checkpoint, the latest weights; and the progress bar.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use plainsight_core::analysis::eval::EvalReport;
use plainsight_core::train::{Checkpoint, StepLoss, TrainObserver, TrainOptions};
use plainsight_core::StegoConfig;

use crate::output::{self, Existing};
use crate::plot;

/// Reads the checkpoint `FileObserver` saved in `dir`.
pub fn read_checkpoint(dir: &Path) -> Result<Checkpoint> {
    let read = |name: &str| {
        fs::read(dir.join(name))
            .with_context(|| format!("cannot read {}", dir.join(name).display()))
    };
    let saved = StegoConfig::from_json(&String::from_utf8_lossy(&read("config.json")?))?;
    let state: serde_json::Value = serde_json::from_slice(&read("state.json")?)?;
    let step = state["step"].as_u64().context("state.json has no step")? as usize;
    let options = serde_json::from_value(state["options"].clone())?;
    Ok(Checkpoint {
        step,
        config: saved,
        options,
        weights: read("model.mpk")?,
        compact_weights: Vec::new(),
        optimizer: read("optimizer.mpk")?,
    })
}

/// Writes logs, checkpoints and the loss curve under the output folder.
pub struct FileObserver {
    out: PathBuf,
    pub bar: ProgressBar,
    train_log: fs::File,
    val_log: fs::File,
    started: Instant,
    losses: Vec<(usize, f64)>,
}

impl FileObserver {
    pub fn new(
        out: &Path,
        options: &TrainOptions,
        start_step: usize,
        resume: bool,
    ) -> Result<Self> {
        let open = |name: &str, header: &str| -> Result<fs::File> {
            let path = out.join(name);
            if resume {
                drop_rows_after(&path, start_step)?;
            }
            let fresh = !path.exists();
            let mut file = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            if fresh {
                writeln!(file, "{header}")?;
            }
            Ok(file)
        };
        let train_log = open(
            "train_log.csv",
            "step,loss,container_mse,reveal_mse,lr,elapsed_s",
        )?;
        let val_log = open(
            "val_log.csv",
            "step,container_psnr,container_psnr_worst,container_ssim,revealed_psnr,revealed_psnr_worst,revealed_ssim",
        )?;
        let losses = read_losses(&out.join("train_log.csv"));
        // Drawn only on a terminal (indicatif's default), never with --quiet.
        let bar = match crate::commands::report::is_quiet() {
            true => ProgressBar::hidden(),
            false => ProgressBar::new(options.steps as u64),
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {msg}  eta {eta}")
                .expect("valid template"),
        );
        bar.set_position(start_step as u64);
        bar.reset_eta();
        Ok(FileObserver {
            out: out.to_path_buf(),
            bar,
            train_log,
            val_log,
            started: Instant::now(),
            losses,
        })
    }
}

/// Drops a log's rows past `step`: a run stopped after its last checkpoint logged
/// steps that the resumed run does again.
fn drop_rows_after(path: &Path, step: usize) -> Result<()> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(());
    };
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let fields = header.split(',').count();
    let rows: Vec<&str> = lines.collect();
    // Rows of another width were cut short by a crash: dropped too.
    let kept: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|row| {
            let logged = row.split(',').next().and_then(|f| f.parse::<usize>().ok());
            row.split(',').count() == fields && logged.is_some_and(|s| s <= step)
        })
        .collect();
    if kept.len() < rows.len() || !text.ends_with('\n') {
        let text: String = std::iter::once(header)
            .chain(kept)
            .map(|line| format!("{line}\n"))
            .collect();
        output::write_file(path, text.as_bytes(), Existing::Replace)?;
    }
    Ok(())
}

fn read_losses(path: &Path) -> Vec<(usize, f64)> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
        })
        .collect()
}

impl TrainObserver for FileObserver {
    fn on_step(&mut self, step: usize, loss: StepLoss) {
        let _ = writeln!(
            self.train_log,
            "{step},{:.6e},{:.6e},{:.6e},{:.3e},{:.1}",
            loss.total,
            loss.container,
            loss.reveal,
            loss.lr,
            self.started.elapsed().as_secs_f64()
        );
        self.losses.push((step, loss.total));
        self.bar.set_position(step as u64);
        self.bar.set_message(format!("loss {:.2e}", loss.total));
    }

    fn on_validation(&mut self, step: usize, r: &EvalReport) {
        let _ = writeln!(
            self.val_log,
            "{step},{:.3},{:.3},{:.4},{:.3},{:.3},{:.4}",
            r.container_psnr.mean,
            r.container_psnr.worst,
            r.container_ssim.mean,
            r.revealed_psnr.mean,
            r.revealed_psnr.worst,
            r.revealed_ssim.mean
        );
        self.bar.println(format!(
            "step {step}: container {:.2} dB (ssim {:.3}), revealed {:.2} dB (ssim {:.3})",
            r.container_psnr.mean,
            r.container_ssim.mean,
            r.revealed_psnr.mean,
            r.revealed_ssim.mean
        ));
    }

    fn on_checkpoint(&mut self, c: &Checkpoint) -> plainsight_core::Result<()> {
        self.save(c)
            .map_err(|e| plainsight_core::Error::Data(format!("cannot save checkpoint: {e:#}")))
    }
}

impl FileObserver {
    fn save(&mut self, c: &Checkpoint) -> Result<()> {
        let dir = self.out.join("checkpoint");
        let config = c.config.to_json();
        let state = serde_json::json!({ "step": c.step, "options": c.options });
        output::write_file(
            &dir.join("config.json"),
            config.as_bytes(),
            Existing::Replace,
        )?;
        output::write_file(&dir.join("model.mpk"), &c.weights, Existing::Replace)?;
        output::write_file(&dir.join("optimizer.mpk"), &c.optimizer, Existing::Replace)?;
        // state.json last: it says which step the files above belong to.
        output::write_file(
            &dir.join("state.json"),
            state.to_string().as_bytes(),
            Existing::Replace,
        )?;
        // The latest weights, ready for `--model OUT`, with 16-bit floats.
        output::write_file(
            &self.out.join("config.json"),
            config.as_bytes(),
            Existing::Replace,
        )?;
        output::write_file(
            &self.out.join("model.mpk"),
            &c.compact_weights,
            Existing::Replace,
        )?;
        self.train_log.flush()?;
        self.val_log.flush()?;
        let curve = plot::loss_curve(&self.losses, 900, 420);
        output::save_png(&self.out.join("loss.png"), &curve, Existing::Replace)?;
        Ok(())
    }
}
