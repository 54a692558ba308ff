#!/usr/bin/env bash
# One row of the real-channel table for a model: container PSNR, then revealed PSNR
# (mean) with no attack and under each attack users meet, on the first N pairs of DATA.
# Usage: bench/attack-row.sh MODEL DATA N [extra eval flags]
set -euo pipefail
model=$1 data=$2 n=$3; shift 3
bin=${PLAINSIGHT:-target/release/plainsight}
attacks=(none jpeg:90 jpeg:75 jpeg444:90 chat:0.75 resize:0.5:bicubic resize:0.75:bilinear noise:2)
row="$model"
for a in "${attacks[@]}"; do
    flag=(); [ "$a" != none ] && flag=(--attack "$a")
    json=$("$bin" eval --data "$data" --secrets 1 --model "$model" --limit "$n" "${flag[@]}" "$@" --json 2>/dev/null)
    read -r c r < <(python3 -c 'import json,sys; d=json.load(sys.stdin)["report"]; print(round(d["container_psnr"]["mean"],2), round(d["revealed_psnr"]["mean"],2))' <<<"$json")
    [ "$a" = none ] && row="$row | $c"
    row="$row | $r"
done
echo "| model | container | none | ${attacks[*]:1} |" | sed 's/ /  /g; s/  |  / | /g' >&2
echo "$row |"
