#!/usr/bin/env bash
# Data-layer benchmark: load ML-100K, synthetic ML-1M shape, synthetic ML-25M shape (with peak
# memory from /usr/bin/time -v). Prints a table; not part of CI.
# Usage: bench/data.sh [SHARED_DATASETS_DIR] [SCRATCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared/datasets}"
scratch="${2:-${TMPDIR:-/tmp}/whyrec-bench}"
mkdir -p "$scratch"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/whyrec"

timed() { # name, then the command; prints wall seconds and peak RSS
  local name=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  printf '| %s | %s | %s |\n' "$name" "$wall" "$rss"
  rm -f "$log"
}

[ -d "$scratch/ml1m-shape" ] || "$bin" synth --users 6040 --items 3706 --ratings 1000209 --seed 1 --out "$scratch/ml1m-shape" >/dev/null
echo "| step | wall (m:ss) | peak RSS MiB |"
echo "|---|---|---|"
timed "load ML-100K (process total)" "$bin" bench --load-only --dataset ml-100k --data-dir "$shared"
timed "load synthetic ML-1M shape (process total)" "$bin" bench --load-only --dataset "$scratch/ml1m-shape"
if [ "${SKIP_25M:-0}" != 1 ]; then
  rm -rf "$scratch/ml25m-shape"
  timed "generate synthetic ML-25M shape" "$bin" synth --users 162541 --items 59047 --ratings 25000095 --seed 1 --out "$scratch/ml25m-shape"
  timed "load synthetic ML-25M shape (process total)" "$bin" bench --load-only --dataset "$scratch/ml25m-shape"
fi
echo
echo "In-process load times (median of 3, excluding process start):"
"$bin" bench --dataset ml-100k --data-dir "$shared" | tail -1
"$bin" bench --dataset "$scratch/ml1m-shape" | tail -1
