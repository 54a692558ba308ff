#!/usr/bin/env bash
# Regenerates the golden files of the models named (default: all) with the current
# embedded models (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
bin=../../../../target/release/plainsight
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(default-1 default-3 keyed-1 keyed-3 robust)
python3 - <<'PY'
from PIL import Image, ImageOps
a = Image.open('../../assets/astronaut.png').convert('RGB')
c = Image.open('../../assets/coffee.png').convert('RGB')
k = Image.open('../../assets/chelsea.png').convert('RGB')
box = (64, 32, 192, 160)
a.crop(box).save('cover.tmp.png')
c.crop(box).save('secret0.tmp.png')
k.crop(box).save('secret1.tmp.png')
ImageOps.mirror(a).crop(box).save('secret2.tmp.png')
PY
for model in "${models[@]}"; do
    case $model in
        *-3) count=3 ;;
        *) count=1 ;;
    esac
    secrets=() outs=() ext=png lossy=()
    if [ "$model" = robust ]; then ext=jpg lossy=(--allow-lossy); fi
    for ((i = 0; i < count; i++)); do
        cp "secret$i.tmp.png" "$model.secret$i.png"
        secrets+=(--secret "$model.secret$i.png")
        outs+=(--out "$model.revealed$i.png")
    done
    $bin hide --force --model "$model" "${lossy[@]}" --cover cover.tmp.png "${secrets[@]}" \
        --out "$model.stego.$ext"
    $bin reveal --force --model "$model" --stego "$model.stego.$ext" "${outs[@]}"
done
rm ./*.tmp.png
