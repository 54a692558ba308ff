#!/usr/bin/env bash
# The results grid in the README and docs/results.md: several pairs of the bundled
# photos (none seen in training), each through `plainsight demo`, stacked with their numbers.
# Usage: bash bench/results-grid.sh [OUT.png]   (after cargo build --release; needs Pillow)
set -euo pipefail
out=${1:-docs/results-grid.png}
bin=target/release/plainsight
a=crates/plainsight/assets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pairs=("astronaut coffee" "chelsea rocket" "rocket camera" "coffee chelsea")
i=0
for pair in "${pairs[@]}"; do
  set -- $pair
  line=$($bin demo --cover "$a/$1.png" --secret "$a/$2.png" --out "$tmp/$i")
  printf '%s: %s\n' "$1 hides $2" "$(head -1 <<< "$line")" > "$tmp/$i/line.txt"
  i=$((i + 1))
done
python3 - "$tmp" "$out" ${#pairs[@]} <<'PY'
import sys
from PIL import Image, ImageDraw
tmp, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = []
for i in range(n):
    grid = Image.open(f"{tmp}/{i}/grid.png").convert("RGB")
    line = open(f"{tmp}/{i}/line.txt").read().strip()
    caption = Image.new("RGB", (grid.width, 22), "white")
    ImageDraw.Draw(caption).text((8, 5), line, fill=(30, 30, 30))
    rows += [caption, grid]
sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)), "white")
y = 0
for r in rows:
    sheet.paste(r, (0, y))
    y += r.height
sheet.save(out, optimize=True)
print(f"wrote {out} ({sheet.width}x{sheet.height})")
PY
