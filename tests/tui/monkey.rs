//! Monkey test: 10,000 random keys, mouse clicks and wheel turns, and resizes (down to 1×1) fed to
//! the TUI on the synthetic fixture, with a frame drawn after each and worker events handled as
//! they come. Nothing may panic, and the app must still answer at the end.

use crate::tui_support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tui_support::Rig;
use whyrec::tui::action::{action_for_event, Action};
use whyrec::tui::Phase;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

fn random_event(rng: &mut ChaCha8Rng, width: u16, height: u16) -> Event {
    let keys = [
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Enter,
        KeyCode::Backspace,
        KeyCode::Esc,
        KeyCode::F(1),
    ];
    // Every command key (the knob's `+ - = _ 0` included), digits for the tabs, and letters to type.
    let chars = "jkhlgG rm/se+-=_?123456abcxyzFM0987 ";
    match rng.gen_range(0..100) {
        0..=44 => {
            let c = chars
                .chars()
                .nth(rng.gen_range(0..chars.chars().count()))
                .unwrap();
            Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
        }
        45..=74 => Event::Key(KeyEvent::new(
            keys[rng.gen_range(0..keys.len())],
            KeyModifiers::NONE,
        )),
        75..=94 => {
            let kind = match rng.gen_range(0..3) {
                0 => MouseEventKind::Down(MouseButton::Left),
                1 => MouseEventKind::ScrollUp,
                _ => MouseEventKind::ScrollDown,
            };
            Event::Mouse(MouseEvent {
                kind,
                column: rng.gen_range(0..width.max(1) + 5),
                row: rng.gen_range(0..height.max(1) + 5),
                modifiers: KeyModifiers::NONE,
            })
        }
        _ => {
            let big = rng.gen_bool(0.7);
            let (w, h) = if big {
                (rng.gen_range(80..200), rng.gen_range(24..70))
            } else {
                (rng.gen_range(1..90), rng.gen_range(1..30))
            };
            Event::Resize(w, h)
        }
    }
}

#[test]
fn ten_thousand_random_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut fed = 0;
    while fed < 10_000 {
        let (w, h) = (rig.app.size.width, rig.app.size.height);
        let event = random_event(&mut rng, w, h);
        if let Some(action) = action_for_event(&event, rig.app.typing()) {
            if action == Action::Quit || (action == Action::Back && !rig.app.typing()) {
                // Quitting would end the session; count it and go on.
                fed += 1;
                continue;
            }
            rig.app.update(action);
            assert!(!rig.app.quit);
        }
        rig.drain();
        let _ = rig.screen();
        fed += 1;
    }
    assert_eq!(rig.app.phase, Phase::Ready);
    rig.app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    rig.app.update(Action::GoTab(0));
    if rig.app.help {
        rig.app.update(Action::Help);
    }
    // Clear whatever filter the monkey typed: `/` then Esc.
    rig.app.update(Action::Search);
    rig.app.update(Action::Back);
    let screen = rig.screen();
    assert!(screen.contains("Top-10 for user"), "{screen}");
}
