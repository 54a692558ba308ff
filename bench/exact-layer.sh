#!/bin/bash
# The exact layer's frontier (docs/results.md, "The exact layer"): model x share x data,
# then share 1 under attacks. Run from the repository root after cargo build --release.
# MODELS (default "keyed-1 keyed-3 jpeg-1 robust"), SHARES (default "0 0.25 0.5 1") and
# ATTACKED (the models under attack, default "jpeg-1 robust") narrow it. Columns: data,
# model, share, pairs, container PSNR mean/worst, revealed PSNR mean/worst, revealed SSIM.
B=${PLAINSIGHT:-target/release/plainsight}
row() { # label, model, then eval's other arguments
  local label=$1 model=$2 secrets=1; shift 2
  case $model in *-3) secrets=3;; esac
  $B eval --secrets $secrets --model $model "$@" --json 2>/dev/null | python3 -c "import json,sys; r=json.load(sys.stdin)['report']; c=r['container_psnr']; v=r['revealed_psnr']; print('$label', r['pairs'], '%.2f/%.2f' % (c['mean'], c['worst']), '%.2f/%.2f' % (v['mean'], v['worst']), '%.4f' % r['revealed_ssim']['mean'], flush=True)"
}
for data in ../shared/data/bsds500/test ../shared/data/sr-bench/set14; do
for m in ${MODELS:-keyed-1 keyed-3 jpeg-1 robust}; do
for s in ${SHARES:-0 0.25 0.5 1}; do
  row "$(basename $data) $m $s" $m --data $data --exact-layer $s
done; done; done
for m in ${ATTACKED:-jpeg-1 robust}; do for a in jpeg:90 jpeg:75 noise:2; do
  row "bsds-attack $m $a" $m --data ../shared/data/bsds500/test --exact-layer 1 --attack $a
done; done
