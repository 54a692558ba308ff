#!/usr/bin/env bash
# Regenerates the golden files with the current embedded models (see README.md).
set -euo pipefail
cd "$(dirname "$0")"
bin=../../../../target/release/plainsight
python3 - <<'PY'
from PIL import Image, ImageOps
a = Image.open('../../assets/astronaut.png').convert('RGB')
c = Image.open('../../assets/coffee.png').convert('RGB')
k = Image.open('../../assets/chelsea.png').convert('RGB')
box = (64, 32, 192, 160)
a.crop(box).save('cover.tmp.png')
for model in ['default-1', 'default-3', 'robust']:
    c.crop(box).save(f'{model}.secret0.png')
k.crop(box).save('default-3.secret1.png')
ImageOps.mirror(a).crop(box).save('default-3.secret2.png')
PY
$bin hide --force --cover cover.tmp.png --secret default-1.secret0.png --out default-1.stego.png
$bin reveal --force --stego default-1.stego.png --out default-1.revealed0.png
$bin hide --force --cover cover.tmp.png --secret default-3.secret0.png --secret default-3.secret1.png \
    --secret default-3.secret2.png --out default-3.stego.png
$bin reveal --force --stego default-3.stego.png --model default-3 \
    --out default-3.revealed0.png --out default-3.revealed1.png --out default-3.revealed2.png
$bin hide --force --model robust --allow-lossy --cover cover.tmp.png --secret robust.secret0.png \
    --out robust.stego.jpg
$bin reveal --force --stego robust.stego.jpg --model robust --out robust.revealed0.png
rm cover.tmp.png
