#!/usr/bin/env bash
# One GPU lease (about 9 minutes of an H100): a smoke test of burn's plain cuda
# backend, training throughput of burn against PyTorch on the same architecture, then
# four fine-tunes of the shipped models side by side until a fixed deadline. Everything
# it makes lands in $OUT (at most 8 files come back: session.log, logs.tar, one tar per
# run).
#
# Prepared here (the GPU machine has no Rust toolchain):
#   CARGO_TARGET_DIR=target-cuda cargo build --release -p plainsight --features cuda
#   mkdir -p device-bin/data && strip -o device-bin/plainsight target-cuda/release/plainsight
#   xz -T2 -6 device-bin/plainsight
#   mkdir device-bin/data/train device-bin/data/val
#   cp $(ls ../shared/data/bsds500/train/*.jpg | head -150) device-bin/data/train/
#   cp $(ls ../shared/data/bsds500/val/*.jpg | head -16) device-bin/data/val/
# (150 of the 200 training photos: with the 21 MB binary and the tracked files, all 200
# would pass the 64 MiB the device tool carries.)
# Run there (device tool, carry device-bin): bash bench/gpu-session.sh
# Dry run without a GPU: DEVICE=cpu DEADLINE=120 OUT=/tmp/out bash bench/gpu-session.sh
set -u
OUT=${OUT:-/tmp/out}
DEVICE=${DEVICE:-cuda}
# Seconds after start by which the training runs must have stopped and been packed.
DEADLINE=${DEADLINE:-480}
T0=$(date +%s)
elapsed() { echo $(($(date +%s) - T0)); }
mkdir -p "$OUT" /tmp/runs
exec > >(tee "$OUT/session.log") 2>&1
BIN=/tmp/plainsight
python3 -c "import lzma, shutil; shutil.copyfileobj(lzma.open('device-bin/plainsight.xz'), open('$BIN', 'wb'))"
chmod +x "$BIN"
DATA=device-bin/data/train
VAL=device-bin/data/val
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
nproc
date -u

echo "== 0. does burn's plain CUDA backend finish a step? =="
start=$(date +%s)
timeout 90 "$BIN" train --device "$DEVICE" --data "$DATA" \
  --out /tmp/runs/smoke --crop 16 --batch 2 --steps 3 --channels 8 --depth 2 --no-code \
  --validate-every 1000 --checkpoint-every 1000 2>&1 | tail -2
steps=$(($(wc -l < /tmp/runs/smoke/train_log.csv 2>/dev/null || echo 1) - 1))
echo "smoke: $(($(date +%s) - start)) s, $steps step(s) logged"
cat /tmp/runs/smoke/train_log.csv 2>/dev/null

rate=0
if [ "$steps" -ge 3 ]; then
  echo "== 1. throughput: burn cuda, default architecture, 256x256 crops, batch 16 =="
  RAYON_NUM_THREADS=4 timeout 75 "$BIN" train --device "$DEVICE" --data "$DATA" \
    --out /tmp/runs/tp-unshuffle --crop 256 --batch 16 --steps 100000 --time-limit 40 \
    --validate-every 1000000 --checkpoint-every 1000000 --no-code 2>&1 | tail -2
  # Steady state: from the first row 5 s after the first step to the last (kernels are
  # compiled during the first steps). Column 6 of train_log.csv is the elapsed time.
  line=$(awk -F, 'NR == 2 { t1 = $6 } NR > 1 && $6 >= t1 + 5 && !s0 { s0 = $1; t0 = $6 }
    NR > 1 { s = $1; t = $6 }
    END { if (t > t0) printf "burn unshuffle: %.1f images/s, %.1f ms per step (steps %d-%d)\n", (s - s0) * 16 / (t - t0), (t - t0) * 1000 / (s - s0), s0, s }' \
    /tmp/runs/tp-unshuffle/train_log.csv)
  echo "$line"
  head -3 /tmp/runs/tp-unshuffle/train_log.csv
  rate=$(awk '{ printf "%.0f", $3 }' <<< "$line")
  rate=${rate:-0}
fi
echo "== 2. throughput: PyTorch, same architectures, same GPU ($(elapsed) s) =="
PYTHONUNBUFFERED=1 timeout 80 python3 bench/torch_train_throughput.py "$DATA" 256 16 12

# Not worth the lease if burn trains slower than this machine's CPUs would.
if [ "$steps" -lt 3 ] || [ "$rate" -lt "${MIN_RATE:-4}" ]; then
  echo "burn cuda: $steps smoke steps, $rate images/s: no training runs"
  (cd /tmp/runs && tar cf "$OUT/logs.tar" --exclude="*.mpk" .)
  exit 1
fi

seconds=$((DEADLINE - $(elapsed) - 45))
echo "== 3. fine-tunes side by side, ${seconds} s each ($(elapsed) s) =="
common=(--device "$DEVICE" --data "$DATA" --val "$VAL" --crop 128 --batch 16 --steps 1000000
  --time-limit "$seconds" --validate-every 500 --checkpoint-every 500 --val-count 16 --clip-grad 1)
pids=()
run() {
  local name=$1
  shift
  RAYON_NUM_THREADS=3 "$BIN" train --threads 3 "${common[@]}" --out "/tmp/runs/$name" "$@" \
    > "/tmp/runs/$name.log" 2>&1 &
  pids+=($!)
}
run d1-b04 --init default-1 --beta 0.4 --lr 1e-4 --seed 201
run d1-b03 --init default-1 --beta 0.3 --lr 1e-4 --seed 202
run d3-lr3 --init default-3 --log-loss --beta 0.35 --lr 3e-5 --seed 203
run d3-lr10 --init default-3 --log-loss --beta 0.35 --lr 1e-4 --seed 204
sleep 30
nvidia-smi
# Only the training runs: a bare `wait` would also wait for the tee above, forever.
wait "${pids[@]}"
echo "training done at $(elapsed) s"

echo "== 4. pack =="
for name in d1-b04 d1-b03 d3-lr3 d3-lr10; do
  cp "/tmp/runs/$name.log" "/tmp/runs/$name/stderr.log" 2>/dev/null
  tail -2 "/tmp/runs/$name/val_log.csv" 2>/dev/null
  (cd /tmp/runs && tar cf "$OUT/$name.tar" --exclude=checkpoint "$name")
done
(cd /tmp/runs && tar cf "$OUT/logs.tar" --exclude="*.mpk" .)
ls -la "$OUT"
echo "finished at $(elapsed) s"
