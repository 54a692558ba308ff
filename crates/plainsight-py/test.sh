#!/usr/bin/env bash
# Builds the wheel (release, the workspace's target directory, so nothing is built
# twice), installs it into a fresh virtual environment and runs its tests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "maturin>=1.5,<2" pytest numpy
CARGO_TARGET_DIR="$root/target" "$venv/bin/maturin" build --release -q \
    -m "$here/Cargo.toml" -o "$root/target/wheels"
"$venv/bin/pip" install -q --force-reinstall --no-deps "$root"/target/wheels/plainsight-*-abi3-*.whl
cd "$here/tests" && "$venv/bin/python" -m pytest -q
