#!/usr/bin/env bash
# Checks that a change left whyrec's behaviour alone: runs `whyrec run-all` on ML-100K (seed 1,
# every model) with a baseline binary and with this tree's, and compares every report and
# artifact byte for byte (timings.json, wall-clock times, excepted).
#
#   scripts/same-reports.sh BASELINE           BASELINE: a whyrec binary, or a git revision
#                                              (built in a temporary worktree, own target folder)
#
# Needs ../shared/datasets (or WHYREC_DATA_DIR) with ml-100k. Exit status 0: identical.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${WHYREC_DATA_DIR:-$here/../shared/datasets}
target=${CARGO_TARGET_DIR:-$here/target}
work=$(mktemp -d)
trap 'rm -rf "$work"; git -C "$here" worktree remove --force "$work/tree" 2>/dev/null || true' EXIT

baseline=${1:?usage: scripts/same-reports.sh BASELINE-BINARY-OR-REVISION}
if [[ ! -x $baseline ]]; then
    git -C "$here" worktree add -q "$work/tree" "$baseline"
    (cd "$work/tree" && CARGO_TARGET_DIR="$target/baseline" cargo build --release --quiet --bin whyrec)
    baseline="$target/baseline/release/whyrec"
fi
(cd "$here" && cargo build --release --quiet --bin whyrec)
current="$target/release/whyrec"

for side in baseline current; do
    bin=${!side}
    mkdir -p "$work/$side"
    (cd "$work/$side" && "$bin" run-all --data-dir "$data" --dataset ml-100k --seed 1 \
        --reports-dir reports --models-dir models >stdout.txt 2>stderr.txt)
done

status=0
while IFS= read -r file; do
    [[ $file == reports/timings.json ]] && continue
    if cmp -s "$work/baseline/$file" "$work/current/$file"; then
        echo "same      $file"
    else
        echo "DIFFERENT $file"
        status=1
    fi
done < <(cd "$work/baseline" && find reports models -type f | sort)
missing=$(comm -13 <(cd "$work/baseline" && find reports models -type f | sort) \
                   <(cd "$work/current" && find reports models -type f | sort))
[[ -n $missing ]] && { echo "only in the current run: $missing"; status=1; }
exit $status
