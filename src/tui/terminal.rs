//! The real terminal: raw mode, the alternate screen and mouse capture on the way in, all undone
//! on the way out — also when the UI thread panics (a panic hook restores the terminal before the
//! message is printed). Worker panics are caught by the worker and leave the screen alone.

use std::io::{self, Stdout, Write};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

use super::action::action_for_event;
use super::app::App;
use super::jobs::JobUpdate;
use super::startup::TuiOptions;
use super::ui::{self, Theme};
use super::worker::on_worker_thread;

/// Event-loop poll interval while a job runs (progress shows within this) and while idle.
const BUSY_POLL: Duration = Duration::from_millis(20);
const IDLE_POLL: Duration = Duration::from_millis(250);

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen);
    let _ = io::stdout().flush();
}

/// Installs a panic hook that restores the terminal first (panics on worker threads are the
/// worker's to report and do not touch the screen).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if on_worker_thread() {
            return;
        }
        restore();
        previous(info);
    }));
}

/// How the explorer ended, for the caller to report once the terminal is restored.
#[derive(Debug, Default)]
pub struct Ending {
    /// Start-up failed: the message the screen showed.
    pub failed: Option<String>,
    /// Where the session was autosaved, or why it could not be.
    pub autosaved: Option<Result<String, String>>,
}

/// Runs the TUI until the user quits.
pub fn run(options: TuiOptions) -> io::Result<Ending> {
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
        restore();
        return Err(e);
    }
    let result = (|| {
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        let size = terminal.size()?;
        let (tx, rx) = channel();
        let mut app = App::new(options, Rect::new(0, 0, size.width, size.height), tx);
        app.start();
        event_loop(&mut terminal, &mut app, &rx, &Theme::from_env())?;
        Ok(Ending {
            failed: match &app.phase {
                super::app::Phase::Failed(message) => Some(message.clone()),
                _ => None,
            },
            autosaved: app.autosaved.take(),
        })
    })();
    restore();
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    events: &Receiver<JobUpdate>,
    theme: &Theme,
) -> io::Result<()> {
    loop {
        while let Ok(e) = events.try_recv() {
            app.on_job_event(e);
        }
        terminal.draw(|f| ui::draw(f, app, theme))?;
        if app.quit {
            return Ok(());
        }
        let wait = if app.busy() { BUSY_POLL } else { IDLE_POLL };
        if event::poll(wait)? {
            // Take every queued input before drawing again, so a burst of keys costs one frame.
            loop {
                let e = event::read()?;
                if let Some(a) = action_for_event(&e, app.typing()) {
                    app.update(a);
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
    }
}
