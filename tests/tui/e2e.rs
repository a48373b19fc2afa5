//! End-to-end tests of the real binary. In tmux (a detached session of fixed size on a private
//! server): open the explorer on ML-100K from ../shared/datasets, select a user, toggle a like,
//! wait for the incremental retrain and check the screen text, open the Trust tab, wait for its
//! metrics and move the knob; and the start-up failure screen
//! without network (exit status not 0, no empty `data/` left). Without tmux those two are skipped with a message (`.ci/run` installs it).
//! Also: without a terminal the explorer refuses to start and says why.

use crate::common;
use crate::tui_support::tmux::{quoted, Tmux, BIN};

use std::path::Path;
use std::process::Command;

#[test]
fn explore_ml100k_toggle_a_like_and_see_the_retrain() {
    let shared = common::shared_dataset("ml-100k");
    let data_dir = shared.parent().unwrap().to_path_buf();
    let work = tempfile::tempdir().unwrap();
    // `exec` so the session ends when whyrec does.
    let command = format!(
        "exec {} --dataset ml-100k --data-dir {}",
        quoted(Path::new(BIN)),
        quoted(&data_dir)
    );
    let Some(tmux) = Tmux::start("explore", work.path(), &command, (140, 45)) else {
        return;
    };
    // First start trains on a gauge, then the Explore tab shows user 1.
    tmux.wait_for("Top-10 for user 1 ", 600);
    tmux.keys(&["/", "4", "2", "Enter"]);
    let screen = tmux.wait_for("Top-10 for user 42 ", 30);
    assert!(screen.contains("/42"), "{screen}");
    // Into the history pane, toggle the first like.
    tmux.keys(&["l", "Space"]);
    let screen = tmux.wait_for("If you hadn't liked", 30);
    assert!(
        screen.contains("♥ 1✗ ·"),
        "the History title counts the toggled like: {screen}"
    );
    assert!(
        screen.contains("✗ "),
        "the toggled like is marked: {screen}"
    );
    let screen = tmux.wait_for("the instant answer agreed", 600);
    assert!(screen.contains("after incremental retrain"), "{screen}");
    tmux.keys(&["e"]);
    tmux.wait_for("exported the session (1 what-if", 30);
    let md = std::fs::read_to_string(work.path().join("reports/session-1.md")).unwrap();
    assert!(md.contains("User 42 without"), "{md}");
    assert!(work
        .path()
        .join("models/ml-100k-hybrid-als.whyrec")
        .is_file());
    // Trust: computed on opening (a few seconds on ML-100K), then the knob re-ranks Explore.
    tmux.keys(&["2"]);
    let screen = tmux.wait_for("evaluated users", 600);
    assert!(screen.contains("stab. retrain"), "{screen}");
    tmux.keys(&["+", "+"]);
    let screen = tmux.wait_for("Knob t = 0.10", 30);
    assert!(screen.contains("P@10 vs coverage@10"), "{screen}");
    tmux.keys(&["1"]);
    tmux.wait_for("knob t=0.10", 30);
    tmux.keys(&["0"]);
    tmux.wait_for("Top-10 for user 42 — after incremental retrain ", 30);
    tmux.keys(&["?"]);
    tmux.wait_for("Keys (? or Esc closes)", 30);
    tmux.keys(&["Escape", "q"]);
    tmux.wait_gone(30);
}

/// No network and no data: a screen that says once how to use local data; after `q` the exit
/// status is not 0 and the start folder holds no `data/` (nor anything else).
#[test]
fn no_network_and_no_data_gives_a_screen_saying_how_to_use_local_data() {
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path().join("start");
    let home = work.path().join("home");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let status_file = work.path().join("status");
    // Port 9 on the loopback (discard) refuses the connection at once: no outside traffic. No
    // --data-dir and no WHYREC_DATA_DIR: the default ./data is where the download would go.
    let command = format!(
        "env -u WHYREC_DATA_DIR HOME={} WHYREC_BASE_URL=http://127.0.0.1:9 {} --dataset ml-100k; \
         echo $? > {}",
        quoted(&home),
        quoted(Path::new(BIN)),
        quoted(&status_file)
    );
    let Some(tmux) = Tmux::start("offline", &cwd, &command, (100, 30)) else {
        return;
    };
    let screen = tmux.wait_for("whyrec could not start", 120);
    assert!(
        screen.contains("--data-dir") && screen.contains("WHYREC_DATA_DIR"),
        "{screen}"
    );
    assert_eq!(
        screen.matches("WHYREC_DATA_DIR").count(),
        1,
        "the advice is given once: {screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_gone(30);
    let status = std::fs::read_to_string(&status_file).unwrap();
    assert_ne!(status.trim(), "0", "a start-up that failed exits non-zero");
    let left: Vec<_> = std::fs::read_dir(&cwd).unwrap().collect();
    assert!(
        left.is_empty(),
        "nothing left in the start folder: {left:?}"
    );
}

#[test]
fn without_a_terminal_the_explorer_explains_and_exits() {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["--dataset", "ml-100k"])
        .current_dir(work.path())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs an interactive terminal") && err.contains("whyrec pipeline"),
        "{err}"
    );
}
