#!/usr/bin/env bash
# Prints the robustness table of docs/results.md: every embedded model under every attack
# (real JPEG, Gaussian noise, Lanczos resize round trip) on bsds500/test 256x256 crops.
# Usage: [LIMIT=N] [ATTACKS="none jpeg:90 ..."] [ROUNDING=pairs] bash bench/attack-table.sh [MODEL ...]
# (after cargo build --release; ROUNDING picks eval's --rounding, default nearest)
set -euo pipefail
bin=${PLAINSIGHT:-target/release/plainsight}
data=${DATA:-../shared/data/bsds500/test}
printf '| model | attack | pairs | container PSNR mean | revealed PSNR mean / worst | revealed SSIM mean / worst |\n'
printf '|---|---|---|---|---|---|\n'
models=("$@"); [ ${#models[@]} -eq 0 ] && models=(default-1 default-3 robust)
for model in "${models[@]}"; do
  for model_name in $model; do
    secrets=1; case $model_name in default-3|keyed-3) secrets=3 ;; esac
    for attack in ${ATTACKS:-none jpeg:90 jpeg:75 jpeg444:90 jpeg444:75 chat:0.75 resize:0.5:bicubic resize:0.75:bilinear resize:0.75:lanczos noise:2}; do
      flag=(); [ "$attack" != none ] && flag=(--attack "$attack")
      limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")
      json=$($bin eval --data "$data" --secrets "$secrets" --model "$model_name" "${flag[@]}" "${limit[@]}" --rounding "${ROUNDING:-nearest}" --json 2>/dev/null)
      python3 - "$json" "$attack" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); r = j["report"]
f = lambda k, d: f'{r[k]["mean"]:.{d}f} / {r[k]["worst"]:.{d}f}'
print(f'| {j["model"]} | {sys.argv[2]} | {r["pairs"]} | {r["container_psnr"]["mean"]:.2f} | {f("revealed_psnr", 2)} | {f("revealed_ssim", 4)} |')
PY
    done
  done
done
