#!/usr/bin/env bash
# Exports holdout-20 splits with the whyrec binary, runs `whyrec eval` on each, then the peers on the
# same files, and prints the combined table (means over the seeds). Not part of CI.
#
#   bench/peers/run.sh                 ML-100K, seeds 1-5, output under reports/peers/
#   SEEDS=1 bench/peers/run.sh         one seed
#
# Environment: WHYREC (binary; default $CARGO_TARGET_DIR/release/whyrec or target/release/whyrec),
# DATASET (ml-100k), DATA_DIR (../shared/datasets), SEEDS (1-5), OUT (reports/peers), THREADS (2),
# WHYREC_MODELS (popularity,hybrid-als,als), CANDIDATES (served or positives; default served), KNOB (hybrid-als is also
# evaluated through the accuracy–coverage knob at this strength; default 0.5, empty: no knob row), PYTHON (bench/peers/.venv/bin/python). Extra arguments
# go to peers.py (e.g. --models popularity,implicit-als, --lenient for ml-latest-small).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

DATASET="${DATASET:-ml-100k}"
DATA_DIR="${DATA_DIR:-../shared/datasets}"
SEEDS="${SEEDS:-1-5}"
OUT="${OUT:-reports/peers}"
THREADS="${THREADS:-2}"
WHYREC_MODELS="${WHYREC_MODELS:-popularity,hybrid-als,als}"
CANDIDATES="${CANDIDATES:-served}"
KNOB="${KNOB-0.5}"
knob=()
[[ -n "$KNOB" && ",$WHYREC_MODELS," == *",hybrid-als,"* ]] && knob=(--knob "$KNOB")
PYTHON="${PYTHON:-$here/.venv/bin/python}"
if [[ -z "${WHYREC:-}" ]]; then
  WHYREC="${CARGO_TARGET_DIR:-$root/target}/release/whyrec"
fi
[[ -x "$WHYREC" ]] || { echo "whyrec binary not found at $WHYREC (cargo build --release, or set WHYREC)" >&2; exit 1; }
[[ -x "$PYTHON" ]] || { echo "no Python at $PYTHON: set up the venv as bench/peers/README.md says (or set PYTHON)" >&2; exit 1; }

lenient=()
for a in "$@"; do [[ "$a" == "--lenient" ]] && lenient=(--lenient); done

if [[ "$SEEDS" == *-* ]]; then seeds=$(seq "${SEEDS%-*}" "${SEEDS#*-}"); else seeds="${SEEDS//,/ }"; fi
common=(--dataset "$DATASET" --data-dir "$DATA_DIR" "${lenient[@]}")
for s in $seeds; do
  dir="$OUT/seed-$s"
  "$WHYREC" "${common[@]}" split --kind holdout-20 --seed "$s" --export "$dir" >&2
  RAYON_NUM_THREADS="$THREADS" "$WHYREC" "${common[@]}" --reports-dir "$dir" \
    eval --train "$dir/train.csv" --test "$dir/test.csv" --seed "$s" --models "$WHYREC_MODELS" \
    --candidates "$CANDIDATES" --all-users "${knob[@]}" >"$dir/whyrec-table.md"
done

"$PYTHON" "$here/peers.py" --dataset "$DATASET" --data-dir "$DATA_DIR" --splits-root "$OUT" --seeds "$SEEDS" \
  --threads "$THREADS" --candidates "$CANDIDATES" --json "$OUT/peers.json" "$@"
