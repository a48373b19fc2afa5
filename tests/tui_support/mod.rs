//! A generated fixture for the TUI tests (synthetic data in the ML-1M layout, never MovieLens) and a
//! rig that drives an [`App`] with real worker lanes and draws it into ratatui's `TestBackend`.
#![allow(dead_code)]

pub mod tmux;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use whyrec::data::synth::{generate, SynthConfig};
use whyrec::data::{load_dir, LoadOptions};
use whyrec::engine::{AlsConfig, HybridAls};
use whyrec::tui::action::Action;
use whyrec::tui::adapter::Engine;
use whyrec::tui::jobs::JobUpdate;
use whyrec::tui::ui::{draw, Theme};
use whyrec::tui::{App, TuiOptions};

/// Small settings so the fixture trains in well under a second.
pub fn config() -> AlsConfig {
    AlsConfig {
        factors: 8,
        iterations: 6,
        ..AlsConfig::default()
    }
}

/// Writes the synthetic fixture (120 users, 150 movies, 6,000 ratings, seed 7) into
/// `<dir>/synth-fixture` and returns that folder.
pub fn write_fixture(dir: &Path) -> PathBuf {
    let out = dir.join("synth-fixture");
    generate(&SynthConfig::new(120, 150, 6_000, 7), &out).expect("synthetic fixture");
    out
}

/// The fixture's engine, trained in memory.
pub fn engine(dir: &Path) -> Engine {
    let data = load_dir(&write_fixture(dir), LoadOptions::default()).expect("fixture loads");
    let positives = whyrec::data::Positives::from_dataset(&data, 4.0);
    let items = whyrec::data::interactions::item_genre_features(&data);
    let users = whyrec::data::interactions::user_demographic_features(&data);
    let model = HybridAls::fit(
        &positives,
        Some(&items),
        users.as_ref(),
        &config(),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("fixture trains");
    Engine::new(data, model).expect("engine")
}

pub fn options(dir: &Path, dataset: &str) -> TuiOptions {
    TuiOptions {
        dataset: dataset.to_string(),
        data_dir: Some(dir.join("data")),
        lenient: false,
        models_dir: dir.join("models"),
        reports_dir: dir.join("reports"),
        model: whyrec::engine::ModelSpec::HybridAls,
        tour: false,
        settings: whyrec::engine::Settings::of_als(&config()),
        population: Default::default(),
        model_file: None,
    }
}

/// An app, its worker events and a test terminal of the app's size.
pub struct Rig {
    pub app: App,
    pub events: Receiver<JobUpdate>,
    pub terminal: Terminal<TestBackend>,
    pub theme: Theme,
}

impl Rig {
    /// An app in the start-up phase (call `app.start()` or `app.ready(..)`).
    pub fn new(options: TuiOptions, width: u16, height: u16) -> Rig {
        let (tx, events) = channel();
        Rig {
            app: App::new(options, Rect::new(0, 0, width, height), tx),
            events,
            terminal: Terminal::new(TestBackend::new(width, height)).expect("backend"),
            theme: Theme { color: false },
        }
    }

    /// A ready app on the real ML-100K (hybrid-als with its defaults, trained in memory).
    pub fn ml100k(dir: &Path, width: u16, height: u16) -> Rig {
        let data = crate::common::load_ml100k();
        let (_, model) = crate::common::hybrid_on_all(&data);
        let mut rig = Rig::new(options(dir, "ml-100k"), width, height);
        rig.app.ready(Engine::new(data, model).expect("engine"));
        rig
    }

    /// A ready app on the fixture.
    pub fn ready(dir: &Path, width: u16, height: u16) -> Rig {
        let mut rig = Rig::new(options(dir, "synth-fixture"), width, height);
        rig.app.ready(engine(dir));
        rig
    }

    pub fn press(&mut self, action: Action) {
        self.app.update(action);
    }

    pub fn press_all(&mut self, actions: &[Action]) {
        for &a in actions {
            self.app.update(a);
        }
    }

    /// Hands every waiting worker event to the app.
    pub fn drain(&mut self) {
        while let Ok(e) = self.events.try_recv() {
            self.app.on_job_event(e);
        }
    }

    /// Feeds worker events until `done` holds; panics after a generous minute.
    pub fn wait_for(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let end = Instant::now() + Duration::from_secs(60);
        while !done(&self.app) {
            assert!(Instant::now() < end, "timed out waiting for {what}");
            if let Ok(e) = self.events.recv_timeout(Duration::from_millis(20)) {
                self.app.on_job_event(e);
            }
        }
    }

    /// Draws a frame and returns its text, one line per row, trailing spaces trimmed.
    pub fn screen(&mut self) -> String {
        let size = self.app.size;
        if self.terminal.backend().buffer().area != size {
            self.terminal.backend_mut().resize(size.width, size.height);
        }
        let (app, theme) = (&self.app, &self.theme);
        self.terminal.draw(|f| draw(f, app, theme)).expect("draw");
        let buffer = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            for x in 0..buffer.area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Compares `text` with `tests/snapshots/<name>.txt`; `UPDATE_SNAPSHOTS=1` rewrites the file.
pub fn assert_snapshot(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/snapshots/{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != text {
        panic!(
            "screen differs from {} (UPDATE_SNAPSHOTS=1 accepts the new one)\n--- expected\n{expected}\n--- got\n{text}",
            path.display()
        );
    }
}
