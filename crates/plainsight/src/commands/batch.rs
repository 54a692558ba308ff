//! Folders of photos: `hide` and `reveal` given folders instead of files run every
//! item, go on past a bad one, and end with a summary (a table on stdout, or JSON
//! with `--json`) and a non-zero exit status if anything failed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::report;
use crate::images;

/// What became of one item of a folder run.
pub struct Outcome {
    /// The item, as the summary names it (its path relative to the folder).
    pub name: String,
    /// What was written and measured, or why it failed.
    pub result: Result<String, String>,
}

/// The photos of `dir`, sorted by path, each with its path relative to `dir`.
pub fn photos(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    Ok(images::find_photos(dir)?
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            (path, relative)
        })
        .collect())
}

/// Fails unless every list has as many photos as the first: pairing is by sorted name.
pub fn check_same_count(lists: &[(&Path, usize)]) -> Result<()> {
    let (first, count) = lists[0];
    for (dir, n) in &lists[1..] {
        if *n != count {
            bail!(
                "{} holds {count} photos and {} holds {n}: photos are paired by sorted name, so each folder needs the same number",
                first.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

/// Runs `work` on every item with a progress bar (hidden with `--quiet` or when
/// stderr is not a terminal), each failure kept with its one-line message.
pub fn run_all<T>(
    items: Vec<(String, T)>,
    mut work: impl FnMut(T) -> Result<String>,
) -> Vec<Outcome> {
    let bar = report::counter("", items.len());
    let outcomes = items
        .into_iter()
        .map(|(name, item)| {
            bar.set_message(name.clone());
            let result = work(item).map_err(|e| report::one_line(&e));
            bar.inc(1);
            Outcome { name, result }
        })
        .collect();
    bar.finish_and_clear();
    outcomes
}

/// Prints the summary and fails (exit status 2) if any item failed.
pub fn finish(outcomes: &[Outcome], json: bool) -> Result<()> {
    if json {
        let rows: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(detail) => serde_json::json!({ "item": o.name, "ok": true, "result": detail }),
                Err(error) => serde_json::json!({ "item": o.name, "ok": false, "error": error }),
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        let width = outcomes
            .iter()
            .map(|o| o.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!("{:<width$}  result", "item");
        for o in outcomes {
            match &o.result {
                Ok(detail) => println!("{:<width$}  {detail}", o.name),
                Err(error) => println!("{:<width$}  FAILED: {error}", o.name),
            }
        }
    }
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if failed > 0 {
        bail!("{failed} of {} items failed (listed above)", outcomes.len());
    }
    Ok(())
}
