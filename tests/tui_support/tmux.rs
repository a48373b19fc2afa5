//! A tmux rig for the end-to-end tests of the real binary: a detached session of fixed size on a
//! private server (killed on drop), keys sent one at a time, the screen polled.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The release binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_whyrec");

/// One detached tmux session on its own server.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a detached `width`×`height` session in folder `cwd`; `None` (with a
    /// message) without tmux.
    pub fn start(
        name: &str,
        cwd: &Path,
        command: &str,
        (width, height): (u16, u16),
    ) -> Option<Tmux> {
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
            ])
            .args(["-x", &width.to_string(), "-y", &height.to_string(), "-c"])
            .arg(cwd)
            .arg(command)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Some(Tmux { socket })
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "e2e"]).stdout)
            .into_owned()
    }

    /// One key per send-keys, 300 ms apart (an Escape right before an arrow would read as Alt).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(self.tmux(&["send-keys", "-t", "e2e", k]).status.success());
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Polls until `ok(screen)`; panics with `what` and the screen after `secs` seconds.
    pub fn wait_until(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(self.alive(), "whyrec ended while waiting for {what}");
            assert!(
                Instant::now() < end,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Polls until the screen contains `text`.
    pub fn wait_for(&self, text: &str, secs: u64) -> String {
        self.wait_until(&format!("{text:?}"), secs, |s| s.contains(text))
    }

    pub fn alive(&self) -> bool {
        self.tmux(&["has-session", "-t", "e2e"]).status.success()
    }

    /// Waits up to `secs` seconds for the session to end (the program quit).
    pub fn wait_gone(&self, secs: u64) {
        let end = Instant::now() + Duration::from_secs(secs);
        while self.alive() {
            assert!(Instant::now() < end, "did not quit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// `p` quoted for the shell.
pub fn quoted(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}
