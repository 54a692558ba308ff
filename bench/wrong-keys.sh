#!/usr/bin/env bash
# Reveals keyed containers with many wrong keys (single-character changes and random
# keys) and with no key, and prints revealed PSNR/SSIM against the true secret.
# Usage: bash bench/wrong-keys.sh [MODEL] [SECRETS] [PAIRS]  (after cargo build --release)
set -euo pipefail
model=${1:-default-1}; secrets=${2:-1}; pairs=${3:-20}
bin=${PLAINSIGHT:-target/release/plainsight}
data=../shared/data/bsds500/test
right="plainsight test key 1"
wrong=("plainsight test key 2" "Plainsight test key 1" "plainsight test kex 1" "plainsight test key 1 "
       "plainsight test key" "plainsight test key 11")
for i in $(seq 1 14); do wrong+=("$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"); done
row() {
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.loads(sys.argv[2])["report"]
p, s = r["revealed_psnr"], r["revealed_ssim"]
print(f'| {sys.argv[1]} | {p["mean"]:.2f} | {p["best"]:.2f} | {s["mean"]:.4f} | {s["best"]:.4f} |')
PY
}
echo "model $model, $secrets secret(s), $pairs pairs of $data (256 crops), hidden with key '$right'"
echo "| reveal key | revealed PSNR mean | highest | SSIM mean | highest |"
echo "|---|---|---|---|---|"
common=(eval --data "$data" --secrets "$secrets" --model "$model" --limit "$pairs" --json --key "$right")
row "the right key" "$($bin "${common[@]}" 2>/dev/null)"
row "no key" "$($bin "${common[@]}" --reveal-key= 2>/dev/null)"
for key in "${wrong[@]}"; do
  row "'$key'" "$($bin "${common[@]}" --reveal-key="$key" 2>/dev/null)"
done
