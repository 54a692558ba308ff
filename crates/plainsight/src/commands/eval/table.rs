//! What `plainsight eval` prints: the summary table and the per-pair rows.

use plainsight_core::analysis::eval::{EvalReport, PairResult};
use plainsight_core::hiding::rounding::Rounding;

use super::{EvalArgs, MethodChoice};

pub fn pair_json(names: &[String], r: &PairResult) -> serde_json::Value {
    serde_json::json!({
        "cover": names[0], "secrets": names[1..],
        "container_psnr": r.container_psnr, "container_ssim": r.container_ssim,
        "revealed_psnr": r.revealed_psnr, "revealed_ssim": r.revealed_ssim,
    })
}

pub fn print_pairs(names: &[Vec<String>], results: &[PairResult]) {
    let revealed: Vec<String> = results
        .iter()
        .map(|r| {
            let each = r.revealed_psnr.iter().zip(&r.revealed_ssim);
            let each: Vec<String> = each.map(|(p, s)| format!("{p:.2} / {s:.4}")).collect();
            each.join(", ")
        })
        .collect();
    let width = revealed.iter().map(String::len).max().unwrap_or(0);
    let heading = "revealed PSNR / SSIM";
    let width = width.max(heading.len());
    println!("\ncontainer PSNR  SSIM    {heading:<width$}  cover <- secrets");
    for ((names, r), revealed) in names.iter().zip(results).zip(&revealed) {
        println!(
            "{:>14.2}  {:.4}  {revealed:<width$}  {} <- {}",
            r.container_psnr,
            r.container_ssim,
            names[0],
            names[1..].join(", ")
        );
    }
}

pub fn print_table(model: &str, rounding: Rounding, args: &EvalArgs, r: &EvalReport) {
    let size = if args.full {
        "full size".to_string()
    } else {
        format!("{0}x{0} crops", args.crop)
    };
    let mut channel = match args.attack {
        Some(attack) => format!("8-bit containers under {attack}"),
        None => "8-bit PNG containers".to_string(),
    };
    if matches!(args.method, MethodChoice::Net) {
        channel.push_str(&format!(", rounding {rounding:?}"));
    }
    if let Some(share) = args.exact_layer.filter(|share| *share > 0.0) {
        channel.push_str(&format!(", exact layer at share {share}"));
    }
    if let Some(refined) = args.refine.describe() {
        channel.push_str(&format!(", refined ({refined})"));
    }
    println!(
        "model {model}, {} pair(s) from {} ({size}), {} secret(s), {channel}",
        r.pairs,
        args.data.display(),
        r.secrets
    );
    println!("              PSNR mean  PSNR worst  SSIM mean  SSIM worst");
    println!(
        "container     {:9.2}  {:10.2}  {:9.4}  {:10.4}",
        r.container_psnr.mean,
        r.container_psnr.worst,
        r.container_ssim.mean,
        r.container_ssim.worst
    );
    println!(
        "revealed      {:9.2}  {:10.2}  {:9.4}  {:10.4}",
        r.revealed_psnr.mean, r.revealed_psnr.worst, r.revealed_ssim.mean, r.revealed_ssim.worst
    );
}
