#!/usr/bin/env bash
# Prints the quality tables of docs/results.md: the embedded models and the LSB baseline
# (and any extra model folders given) on the held-out sets, 256x256 centre crops and whole
# photos, 8-bit PNG containers.
# Usage: [ROUNDING=pairs] bash bench/eval-table.sh [MODEL_DIR:SECRETS ...]   (after cargo build --release)
# ROUNDING picks eval's --rounding (default nearest, as hide; docs/security.md).
set -euo pipefail
bin=target/release/plainsight
data=../shared/data
methods=("--model default-1:1" "--method lsb:2:1" "--method lsb:3:1" "--method lsb:4:1"
         "--model default-3:3" "--method lsb:1:3" "--method lsb:2:3")
for extra in "$@"; do methods+=("--model $extra"); done
printf '| method | secrets | data | size | pairs | container PSNR mean / worst | container SSIM mean / worst | revealed PSNR mean / worst | revealed SSIM mean / worst |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for m in "${methods[@]}"; do
  flag=${m%% *}; rest=${m#* }; secrets=${rest##*:}; name=${rest%:*}
  for set in bsds500/test sr-bench/set14; do
    for size in "--crop 256" "--full"; do
      json=$($bin eval --data "$data/$set" --secrets "$secrets" $flag "$name" $size --rounding "${ROUNDING:-nearest}" --json 2>/dev/null)
      python3 - "$json" "$set" "$size" "$secrets" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); r = j["report"]
f = lambda k, d: f'{r[k]["mean"]:.{d}f} / {r[k]["worst"]:.{d}f}'
size = "256 crops" if "crop" in sys.argv[3] else "full size"
print(f'| {j["model"]} | {sys.argv[4]} | {sys.argv[2]} | {size} | {r["pairs"]} | {f("container_psnr", 2)} | {f("container_ssim", 4)} | {f("revealed_psnr", 2)} | {f("revealed_ssim", 4)} |')
PY
    done
  done
done
