//! End-to-end tests of the real binary. In tmux (a detached session of fixed size on a private
//! server): open the explorer on ML-100K from ../shared/datasets, select a user, toggle a like,
//! wait for the incremental retrain and check the screen text, open the Trust tab, wait for its
//! metrics and move the knob; and the start-up failure screen
//! without network. Without tmux those two are skipped with a message (`.ci/run` installs it).
//! Also: without a terminal the explorer refuses to start and says why.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_whyrec");

struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a detached 140×45 session, in folder `cwd`; `None` without tmux.
    fn start(name: &str, cwd: &Path, command: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("SKIPPED: tmux is not installed (.ci/run installs it)");
            return None;
        }
        let socket = format!("whyrec-e2e-{}-{name}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "140",
                "-y",
                "45",
            ])
            .arg("-c")
            .arg(cwd)
            .arg(command)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Some(Tmux { socket })
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let status = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "e2e", k])
                .status()
                .expect("send-keys");
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Polls the screen until it contains `text`; panics with the screen after `secs` seconds.
    fn wait_for(&self, text: &str, secs: u64) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {text:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "e2e"])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn quoted(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

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
    let Some(tmux) = Tmux::start("explore", work.path(), &command) else {
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
    let end = Instant::now() + Duration::from_secs(30);
    while tmux.alive() {
        assert!(Instant::now() < end, "q did not quit:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn no_network_and_no_data_gives_a_screen_saying_how_to_use_local_data() {
    let work = tempfile::tempdir().unwrap();
    let empty = work.path().join("empty-data");
    std::fs::create_dir_all(&empty).unwrap();
    // Port 9 on the loopback (discard) refuses the connection at once: no outside traffic.
    let command = format!(
        "WHYREC_BASE_URL=http://127.0.0.1:9 exec {} --dataset ml-100k --data-dir {}",
        quoted(Path::new(BIN)),
        quoted(&empty)
    );
    let Some(tmux) = Tmux::start("offline", work.path(), &command) else {
        return;
    };
    let screen = tmux.wait_for("whyrec could not start", 120);
    assert!(
        screen.contains("--data-dir") && screen.contains("WHYREC_DATA_DIR"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    let end = Instant::now() + Duration::from_secs(30);
    while tmux.alive() {
        assert!(Instant::now() < end, "q did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "nothing partial left"
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
