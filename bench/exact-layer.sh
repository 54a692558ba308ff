#!/bin/bash
# The exact layer's frontier (docs/results.md, "The exact layer"): model x share x data,
# then share 1 under attacks. Run from the repository root after cargo build --release.
# MODELS (default "jpeg-1 robust keyed-1") and SHARES (default "0 0.25 0.5 1") narrow it.
B=${PLAINSIGHT:-target/release/plainsight}
row() { # label, then eval's arguments
  local label=$1; shift
  $B eval --secrets 1 "$@" --json 2>/dev/null | python3 -c "import json,sys; r=json.load(sys.stdin)['report']; c=r['container_psnr']; v=r['revealed_psnr']; print('$label', r['pairs'], '%.2f/%.2f' % (c['mean'], c['worst']), '%.2f/%.2f' % (v['mean'], v['worst']), '%.4f' % r['revealed_ssim']['mean'], flush=True)"
}
for data in ../shared/data/bsds500/test ../shared/data/sr-bench/set14; do
for m in ${MODELS:-jpeg-1 robust keyed-1}; do
for s in ${SHARES:-0 0.25 0.5 1}; do
  row "$(basename $data) $m $s" --data $data --model $m --exact-layer $s
done; done; done
for m in ${MODELS:-jpeg-1 robust keyed-1}; do for a in jpeg:90 jpeg:75 noise:2; do
  row "bsds-attack $m $a" --data ../shared/data/bsds500/test --model $m --exact-layer 1 --attack $a
done; done
