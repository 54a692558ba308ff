#!/usr/bin/env python3
"""Averages `plainsight inspect --json` over pairs of held-out photos.

Usage (from the repository root, after `cargo build --release`):
    python3 bench/inspect-stats.py ../shared/data/bsds500/test 1 20
    python3 bench/inspect-stats.py ../shared/data/bsds500/test 3 20
    python3 bench/inspect-stats.py ../shared/data/bsds500/test 1 20 runs/smooth   # a model folder

Photo i is the cover and photos i+1..i+N its secrets (sorted by name), whole photos,
as `plainsight eval --full` pairs them; the revealed pixel is each container's centre.
Prints the mean residual RMS per channel, the mean share of residual energy per
frequency band, and the sensitivity radii.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

BIN = "target/release/plainsight"
folder, secrets, pairs = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
model = ["--model", sys.argv[4]] if len(sys.argv) > 4 else []
photos = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".tif", ".tiff"})
reports = []
with tempfile.TemporaryDirectory() as tmp:
    for i in range(pairs):
        cover = photos[i]
        chosen = [photos[(i + k) % len(photos)] for k in range(1, secrets + 1)]
        container = pathlib.Path(tmp) / f"c{i}.png"
        hide = [BIN, "hide", "--cover", str(cover), "--out", str(container), *model]
        for s in chosen:
            hide += ["--secret", str(s)]
        subprocess.run(hide, check=True, capture_output=True)
        inspect = [BIN, "inspect", "--json", "--stego", str(container), "--cover", str(cover),
                   "--out", str(pathlib.Path(tmp) / f"f{i}.png"), *model]
        for s in chosen:
            inspect += ["--secret", str(s)]
        out = subprocess.run(inspect, check=True, capture_output=True, text=True).stdout
        reports.append(json.loads(out))

n = len(reports)
mean = lambda xs: sum(xs) / len(xs)
print(f"model {reports[0]['model']}, {n} containers from {folder}, {secrets} secret(s)")
rms = [mean([r["residual"]["rms_per_channel"][c] for r in reports]) for c in range(3)]
print("residual RMS (levels of 255) R / G / B: " + " / ".join(f"{v:.2f}" for v in rms))
print("| band (cycles/pixel) | R | G | B |")
print("|---|---|---|---|")
for b, band in enumerate(reports[0]["residual"]["bands_cycles_per_pixel"]):
    shares = [mean([r["residual"]["bands_cycles_per_pixel"][b]["share"][c] for r in reports]) for c in range(3)]
    print(f"| {band['from']:.4g}–{band['to']:.4g} | " + " | ".join(f"{100 * s:.1f}%" for s in shares) + " |")
revealed = [v for r in reports for v in r["revealed"]]
r90 = sorted(v["sensitivity"]["radius_90"] for v in revealed)
print(f"sensitivity: 90% within {mean(r90):.1f} px on average (median {r90[len(r90) // 2]}, max {r90[-1]})")
for radius in (1, 2, 4, 8):
    share = mean([next(s["share"] for s in v["sensitivity"]["share_within"] if s["radius"] == radius) for v in revealed])
    print(f"  share within {radius} px: {100 * share:.1f}%")
print(f"revealed PSNR mean {mean([v['psnr'] for v in revealed]):.2f} dB")
