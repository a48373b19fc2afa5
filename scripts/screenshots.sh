#!/usr/bin/env bash
# Screenshots of every TUI tab from the real program: the release binary runs in a detached tmux
# session of fixed size on a local MovieLens copy, keys are sent as a user would, each screen is
# captured with its colours (tmux capture-pane -e), turned into HTML (scripts/ansi2html.py) and
# photographed by headless Chromium into screenshots/<tab>.png.
#
#   scripts/screenshots.sh [DATASET] [DATA_DIR]      (default: ml-100k ../shared/datasets)
#
# Needs tmux, python3 and chromium (apt-get install -y tmux chromium fonts-dejavu-core).
# Writes only screenshots/*.png; the model cache and session files go to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dataset=${1:-ml-100k}
data_dir=$(cd "${2:-../shared/datasets}" && pwd)
for tool in tmux python3 chromium; do
  command -v "$tool" >/dev/null || { echo "screenshots.sh needs $tool" >&2; exit 1; }
done
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/release/whyrec"
work=$(mktemp -d)
socket="whyrec-shots-$$"
cols=140
rows=45
cleanup() { tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

tmux -L "$socket" -f /dev/null new-session -d -s shots -x "$cols" -y "$rows" -c "$work" \
  "TERM=xterm-256color exec '$bin' --dataset '$dataset' --data-dir '$data_dir'"

keys() { for k in "$@"; do tmux -L "$socket" send-keys -t shots "$k"; sleep 0.15; done; }
wait_for() { # text, seconds
  local end=$((SECONDS + $2))
  until tmux -L "$socket" capture-pane -p -t shots | grep -qF -- "$1"; do
    (( SECONDS < end )) || { echo "timed out waiting for: $1" >&2; tmux -L "$socket" capture-pane -p -t shots >&2; exit 1; }
    sleep 0.3
  done
}
shoot() { # name
  local ansi="$work/$1.ansi" page="$work/$1.html"
  sleep 0.5
  tmux -L "$socket" capture-pane -e -p -t shots > "$ansi"
  python3 scripts/ansi2html.py "$ansi" "$page" "whyrec $1"
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$work/chrome" --window-size=1210,795 \
    --screenshot="$root/screenshots/$1.png" "file://$page" >/dev/null 2>&1
  echo "screenshots/$1.png"
}

mkdir -p screenshots
wait_for "Top-10 for user 1 " 900
keys / 4 2 Enter
wait_for "Top-10 for user 42 " 30
keys l j j Space
wait_for "If you hadn't liked" 30
wait_for "instant answer agreed" 600
keys l j
shoot explore
keys 2
wait_for "evaluated users" 1800
keys + + + + + +
wait_for "Knob t = 0.30" 10
shoot trust
keys 0 3
wait_for "Best–worst gaps" 1800
keys l
wait_for "age groups" 10
shoot fairness
keys 4
wait_for "Ratings of" 120
shoot dataset
keys 5
wait_for "Overlaps:" 1800
shoot compare
keys 6 / s t a r Space w a r s Enter Space
keys / BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace f a r g o Enter Space
keys / BSpace BSpace BSpace BSpace BSpace a l i e n Enter Space
keys l l
wait_for "Recommendations for built user" 30
shoot build
keys 1 ?
wait_for "? or Esc closes)" 10
shoot help
keys Escape
# The smallest supported terminal: the compact Explore layout with the what-if on.
tmux -L "$socket" resize-window -t shots -x 80 -y 24
sleep 0.5
keys h h
wait_for "If you hadn't liked" 30
shoot explore-80x24
tmux -L "$socket" resize-window -t shots -x "$cols" -y "$rows"
sleep 0.5
# The guided tour's second step, then the quit prompt (the session holds unexported what-ifs).
keys t
wait_for "Tour 1/" 30
keys Right
wait_for "Tour 2/" 30
shoot tour
keys t q
wait_for "Unexported session" 10
shoot quit-prompt
keys q
