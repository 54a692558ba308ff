#!/usr/bin/env bash
# Training throughput on this CPU in one run (docs/performance.md, "Training on the CPU"):
# plainsight's direct trainer on 2 threads, two of its runs side by side on 1 thread
# each, plainsight's burn trainer on 2 threads, then the same network trained by PyTorch
# on 2 threads. Same batch (16), crop (64) and loss.
#
# Usage: bench/cpu-train-throughput.sh [PLAINSIGHT_BINARY] [PHOTO_DIR] [SECONDS]
set -euo pipefail
bin=${1:-target/release/plainsight}
photos=${2:-../shared/data/bsds500/train}
seconds=${3:-40}
val=$(dirname "$photos")/val
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

train() { # threads out seed engine
    RAYON_NUM_THREADS=$1 "$bin" --threads "$1" --quiet train --engine "$4" --data "$photos" --val "$val" \
        --secrets 1 --steps 1000000 --batch 16 --crop 64 --no-code --seed "$3" \
        --time-limit "$seconds" --validate-every 1000000 --val-count 2 --out "$work/$2" >/dev/null
}

rate() { # images/s between the first and the last logged step
    awk -F, 'NR == 2 { s = $1; t = $6 } NR > 2 { e = $1; u = $6 }
             END { printf "%.1f", (e - s) * 16 / (u - t) }' "$work/$1/train_log.csv"
}

train 2 two 1 direct
train 1 a 1 direct & train 1 b 2 direct; wait
train 2 burn 1 burn
echo "| plainsight, direct trainer, 2 threads | $(rate two) images/s |"
echo "| plainsight, direct trainer, two runs side by side, 1 thread each | $(rate a) + $(rate b) images/s |"
echo "| plainsight, burn trainer, 2 threads | $(rate burn) images/s |"
PLAINSIGHT_TORCH_DEVICE=cpu python3 - "$photos" "$seconds" <<'PY'
import sys
sys.path.insert(0, "bench")
import torch
import torch_train_throughput as t
from torch_peer import Unshuffle
torch.set_num_threads(2)
photos = t.load_photos(sys.argv[1], 64)
rate, per_step = t.throughput(Unshuffle(), photos, 64, 16, float(sys.argv[2]), torch.device("cpu"))
print(f"| PyTorch {torch.__version__}, 2 threads | {rate:.1f} images/s |")
PY
