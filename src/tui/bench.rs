//! The TUI benchmark (`whyrec bench-tui`): start-up with a cached model, key press → next frame
//! (drawn into ratatui's `TestBackend`, the same drawing code as the terminal), the instant
//! what-if alone (the engine call a toggle makes, p99 in the table), the time until
//! the incremental retrain's progress is on screen, the Trust and Fairness tabs' jobs, the knob's
//! `+`/`-` and the switch to those tabs once their results are cached. Prints a Markdown table.

use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

use super::action::Action;
use super::app::{App, Phase};
use super::jobs::JobUpdate;
use super::startup::TuiOptions;
use super::tabs::explore::Retrain;
use super::ui::layout::Pane;
use super::ui::{self, Theme};

/// Terminal size the frames are drawn at unless asked otherwise.
pub const WIDTH: u16 = 160;
pub const HEIGHT: u16 = 48;

struct Rig {
    app: App,
    events: Receiver<JobUpdate>,
    terminal: Terminal<TestBackend>,
    theme: Theme,
}

impl Rig {
    fn new(options: &TuiOptions, (width, height): (u16, u16)) -> Rig {
        let (tx, events) = channel();
        let app = App::new(options.clone(), Rect::new(0, 0, width, height), tx);
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        Rig {
            app,
            events,
            terminal,
            theme: Theme { color: true },
        }
    }

    fn frame(&mut self) {
        let (app, theme) = (&self.app, &self.theme);
        let _ = self.terminal.draw(|f| ui::draw(f, app, theme));
    }

    /// Drains events until `done` holds (or `limit` passes); draws after each batch.
    fn pump(&mut self, limit: Duration, done: impl Fn(&App) -> bool) -> bool {
        let end = Instant::now() + limit;
        while !done(&self.app) {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            if let Ok(e) = self.events.recv_timeout(left.min(Duration::from_millis(5))) {
                self.app.on_job_event(e);
                while let Ok(e) = self.events.try_recv() {
                    self.app.on_job_event(e);
                }
                self.frame();
            }
        }
        true
    }

    /// One key press and the frame after it.
    fn press(&mut self, action: Action) -> Duration {
        let t = Instant::now();
        self.app.update(action);
        self.frame();
        t.elapsed()
    }
}

fn ready(app: &App) -> bool {
    !matches!(app.phase, Phase::Starting(_))
}

/// No job running or queued.
fn idle(app: &App) -> bool {
    !app.jobs.busy()
}

fn retrain_state(app: &App) -> Option<&Retrain> {
    app.explore.as_ref()?.view.as_ref().map(|v| &v.retrain)
}

/// Median, p95, p99 and max in milliseconds (nearest rank).
fn stats(mut v: Vec<Duration>) -> (f64, f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p = |q: f64| ms(v[((v.len() - 1) as f64 * q).round() as usize]);
    (
        p(0.5),
        p(0.95),
        p(0.99),
        ms(*v.last().unwrap_or(&Duration::ZERO)),
    )
}

type Pair = (Vec<Duration>, Vec<Duration>);

/// The Trust and Fairness tabs: their jobs once, then the knob and the cached tabs per key.
fn audit_tabs(rig: &mut Rig, presses: usize) -> Result<(Pair, Pair, Pair), String> {
    let mut audits: Pair = Default::default();
    let t = Instant::now();
    rig.press(Action::GoTab(1));
    if !rig.pump(Duration::from_secs(3600), |a| {
        a.trust.results.done().is_some()
    }) {
        return Err("the trust metrics did not finish".into());
    }
    audits.0.push(t.elapsed());
    let t = Instant::now();
    rig.press(Action::GoTab(2));
    if !rig.pump(Duration::from_secs(3600), |a| {
        a.fairness.audit.done().is_some()
    }) {
        return Err("the fairness audit did not finish".into());
    }
    audits.1.push(t.elapsed());
    let mut knob: Pair = Default::default();
    let mut cached: Pair = Default::default();
    for (tab, out) in [(1, &mut knob.0), (0, &mut knob.1)] {
        rig.press(Action::GoTab(tab));
        for n in 0..presses {
            let up = n % 16 < 8;
            out.push(rig.press(if up { Action::KnobUp } else { Action::KnobDown }));
        }
    }
    for n in 0..presses {
        rig.press(Action::GoTab(0));
        let (tab, out) = if n % 2 == 0 {
            (1, &mut cached.0)
        } else {
            (2, &mut cached.1)
        };
        out.push(rig.press(Action::GoTab(tab)));
    }
    Ok((audits, knob, cached))
}

/// The instant what-if alone, as the toggle asks it of the engine: the shown user refolded
/// without one like (each like in turn), the new top-10 with its moves and sentence.
fn instant_what_ifs(app: &App, n: usize) -> Vec<Duration> {
    let (Some(engine), Some(view)) = (
        app.engine.as_ref(),
        app.explore.as_ref().and_then(|x| x.view.as_ref()),
    ) else {
        return Vec::new();
    };
    let likes = &view.profile.likes;
    if likes.is_empty() {
        return Vec::new();
    }
    (0..n)
        .map(|k| {
            let t = Instant::now();
            let w = engine.what_if(&view.profile, &view.base, &[likes[k % likes.len()]]);
            let took = t.elapsed();
            std::hint::black_box(w);
            took
        })
        .collect()
}

/// Runs the benchmark on `options`' dataset with `presses` key presses of each kind.
pub fn run(options: &TuiOptions, presses: usize, size: (u16, u16)) -> Result<String, String> {
    // As in the explorer: background threads yield the cores to the interface thread.
    super::worker::background_pool_yields();
    // Warm-up run: trains and caches the model if needed, and fills the OS file cache.
    let mut rig = Rig::new(options, size);
    rig.app.start();
    rig.pump(Duration::from_secs(3600), ready);
    if let Phase::Failed(e) = &rig.app.phase {
        return Err(e.clone());
    }
    // Its background work (the Dataset tab's statistics) ends before the measured run starts, so
    // that nothing of the warm-up competes with it for the cores.
    rig.pump(Duration::from_secs(3600), idle);
    drop(rig);

    let mut rig = Rig::new(options, size);
    let t = Instant::now();
    rig.app.start();
    rig.pump(Duration::from_secs(600), ready);
    rig.frame();
    let startup = t.elapsed();
    if rig.app.phase != Phase::Ready {
        return Err("start-up did not finish".into());
    }
    let mut rows = vec![format!(
        "| start-up with cached model → first frame | 1 | {0:.1} | {0:.1} | {0:.1} | {0:.1} |",
        startup.as_secs_f64() * 1e3
    )];

    // The Dataset tab's statistics start with the ready screen; keys are timed once they are done
    // (a steady explorer: what a key costs, not what a background job shares the cores with).
    let t = Instant::now();
    rig.pump(Duration::from_secs(3600), idle);
    rows.push(format!(
        "| ready → Dataset tab statistics (worker; keys below timed after it) | 1 | {0:.1} | {0:.1} | {0:.1} | {0:.1} |",
        t.elapsed().as_secs_f64() * 1e3
    ));
    let presses = presses.max(1);
    let mut users = Vec::new();
    for _ in 0..presses {
        users.push(rig.press(Action::Down));
    }
    rig.press(Action::Right); // history pane
    let mut toggles = Vec::new();
    let mut progress = Vec::new();
    let mut retrains = Vec::new();
    for n in 0..presses {
        if n % 2 == 0 {
            rig.press(Action::Down);
        }
        let t = Instant::now();
        rig.app.update(Action::Toggle);
        rig.frame();
        toggles.push(t.elapsed());
        if n < 5
            && rig
                .app
                .explore
                .as_ref()
                .is_some_and(|x| x.awaited_job().is_some())
        {
            let seen = rig.pump(Duration::from_secs(60), |a| {
                matches!(
                    retrain_state(a),
                    Some(Retrain::Running { started: true, .. })
                )
            });
            if seen {
                progress.push(t.elapsed());
            }
            if rig.pump(Duration::from_secs(600), |a| {
                !matches!(retrain_state(a), Some(Retrain::Running { .. }))
            }) {
                retrains.push(t.elapsed());
            }
        }
    }
    // The instant what-if on a quiet explorer: the last toggles' retrains finish first.
    rig.pump(Duration::from_secs(600), idle);
    let instant = instant_what_ifs(&rig.app, presses.max(100));
    if let Some(x) = rig.app.explore.as_mut() {
        x.focus = Pane::Recs;
    }
    let mut recs = Vec::new();
    for n in 0..presses {
        recs.push(rig.press(if n % 20 < 10 {
            Action::Down
        } else {
            Action::Up
        }));
    }
    let mut minimal = Vec::new();
    for n in 0..presses.min(20) {
        rig.press(if n % 2 == 0 { Action::Down } else { Action::Up });
        let t = Instant::now();
        rig.press(Action::MinimalSet);
        let searching = |a: &App| {
            a.explore
                .as_ref()
                .and_then(|x| x.view.as_ref())
                .is_some_and(|v| v.minimal_job.is_some())
        };
        if rig.pump(Duration::from_secs(60), |a| !searching(a)) {
            minimal.push(t.elapsed());
        }
        rig.press(Action::Back);
    }
    let mut tabs = Vec::new();
    for n in 0..presses {
        tabs.push(rig.press(Action::GoTab([0, 3, 5, 0][n % 4])));
    }
    let (audits, knob, cached) = audit_tabs(&mut rig, presses)?;
    for (what, v) in [
        ("key → frame: next user (top-10 + explanation)", users),
        ("key → frame: toggle a like (instant refold)", toggles),
        (
            "instant what-if: refold without a like → new top-10 (engine call)",
            instant,
        ),
        ("key → frame: next recommendation", recs),
        ("key → frame: switch tab", tabs),
        ("m → minimal counterfactual set on screen (worker)", minimal),
        ("toggle → retrain progress on screen", progress),
        ("toggle → retrain result on screen", retrains),
        ("open Trust → metrics on screen (worker)", audits.0),
        ("open Fairness → audit on screen (worker)", audits.1),
        (
            "key → frame: knob +/- (Trust tab, re-ranks the Explore list)",
            knob.0,
        ),
        ("key → frame: knob +/- (Explore tab)", knob.1),
        ("key → frame: switch to Trust (results cached)", cached.0),
        ("key → frame: switch to Fairness (results cached)", cached.1),
    ] {
        if v.is_empty() {
            continue;
        }
        let n = v.len();
        let (median, p95, p99, max) = stats(v);
        rows.push(format!(
            "| {what} | {n} | {median:.2} | {p95:.2} | {p99:.2} | {max:.2} |"
        ));
    }
    let d = &rig.app.engine.as_ref().map(|e| &e.dataset);
    let shape = d.map_or(String::new(), |d| {
        format!(
            "{}: {} users, {} movies, {} ratings",
            d.name,
            d.n_users(),
            d.n_items(),
            d.ratings.len()
        )
    });
    let log = rig.app.startup_log.join("; ");
    Ok(format!(
        "TUI benchmark on {shape}; frames {}×{} into TestBackend\nstart-up log: {log}\n\n\
         | what | n | median ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n{}\n",
        size.0,
        size.1,
        rows.join("\n")
    ))
}
