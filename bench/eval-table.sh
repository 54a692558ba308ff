#!/usr/bin/env bash
# Prints the docs/results.md quality table: every embedded model on the held-out
# sets (never trained or tuned on), 256×256 centre crops, 8-bit PNG containers.
# Usage: bash bench/eval-table.sh   (after cargo build --release; run from the repo root)
set -euo pipefail
bin=target/release/plainsight
data=../shared/data
printf '| model | data | pairs | container PSNR mean / worst | container SSIM mean / worst | revealed PSNR mean / worst | revealed SSIM mean / worst |\n'
printf '|---|---|---|---|---|---|---|\n'
for secrets in 1 3; do
  for set in bsds500/test sr-bench/set14; do
    json=$($bin eval --data "$data/$set" --secrets "$secrets" --crop 256 --json 2>/dev/null)
    python3 - "$json" "$set" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); r = j["report"]
f = lambda k, d: f'{r[k]["mean"]:.{d}f} / {r[k]["worst"]:.{d}f}'
print(f'| {j["model"]} | {sys.argv[2]} | {r["pairs"]} | {f("container_psnr", 2)} | {f("container_ssim", 4)} | {f("revealed_psnr", 2)} | {f("revealed_ssim", 4)} |')
PY
  done
done
