//! Every input becomes one [`Action`]: keys through [`action_for_key`] (which knows whether a text
//! field has the keyboard), mouse and resize events through [`action_for_event`]. The help overlay
//! is generated from [`KEYS`], so it lists every key the map knows.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// Something the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `q`: quit, asking first when the session holds what-ifs not yet exported.
    Quit,
    /// Ctrl-C: quit now (the session is still autosaved).
    ForceQuit,
    /// Esc: close the innermost thing (the help, a prompt, a zoom, a text field, the banner, a
    /// minimal set, a filter); never quits.
    Back,
    Help,
    NextTab,
    PrevTab,
    /// Tab by number, 0-based.
    GoTab(usize),
    Up,
    Down,
    /// Previous pane (previous attribute on the Fairness tab).
    Left,
    /// Next pane (next attribute on the Fairness tab).
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    /// Space: toggle "hadn't liked" (Explore) or like (Build-a-user).
    Toggle,
    /// `r`: undo every what-if (or every like in Build-a-user).
    Reset,
    /// `m`: minimal counterfactual set of the selected item.
    MinimalSet,
    /// `/`: start typing a filter or a search.
    Search,
    /// `s`: next sort order of the users pane.
    Sort,
    /// `e`: export the session to JSON and Markdown.
    Export,
    /// `a`: apply the minimal counterfactual set as the what-if.
    ApplyMinimal,
    /// `n`: type a note about the current user and item (kept in the session record).
    Note,
    /// `z`: zoom the focused pane to the whole screen (again: back).
    Zoom,
    /// `y`: show the `whyrec` command that reproduces the current what-if.
    ShowCommand,
    /// `t`: start or stop the guided tour.
    Tour,
    /// `o`: open the built user in Explore and Compare (Build-a-user).
    Open,
    /// `M`: explore the next model (hybrid-als → als → warp → bpr → hybrid-als).
    NextModel,
    /// `+` / `-`: the accuracy–coverage knob; `0` resets it.
    KnobUp,
    KnobDown,
    KnobReset,
    Enter,
    /// A character typed into the active text field.
    Type(char),
    Backspace,
    Click {
        column: u16,
        row: u16,
    },
    ScrollUp {
        column: u16,
        row: u16,
    },
    ScrollDown {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
}

/// The key list of the help overlay: (keys, what they do).
pub const KEYS: &[(&str, &str)] = &[
    ("?", "show or hide this help"),
    (
        "q / Ctrl-C",
        "quit (q asks first when what-ifs are not exported; both autosave the session)",
    ),
    (
        "Esc",
        "close the innermost thing: help, prompt, zoom, field, message, minimal set, filter; \
         cancel a computation (never quits)",
    ),
    ("Tab / Shift-Tab", "next / previous tab"),
    (
        "1 … 6",
        "tabs: Explore Trust Fairness Dataset Compare Build-a-user",
    ),
    (
        "↑ ↓ / k j",
        "move in the focused pane; scroll (Trust, Fairness)",
    ),
    ("← → / h l", "previous / next pane; attribute (Fairness)"),
    ("PgUp PgDn", "move a page"),
    ("Home End / g G", "first / last row"),
    ("mouse", "click a pane or row to select it; wheel scrolls"),
    (
        "/",
        "filter users (id, demographics); filter History by title (History focused); search \
         titles (Build)",
    ),
    (
        "Enter",
        "finish typing; like (Build); restart a cancelled computation",
    ),
    ("s", "sort users (Explore); seed stability (Trust)"),
    (
        "space",
        "toggle \"hadn't liked\" on a History or \"Because you liked\" row (Explore) / like a \
         movie, next value of a demographic (Build)",
    ),
    ("r", "reset every what-if (or every like in Build-a-user)"),
    (
        "M",
        "explore the next model: hybrid-als → als → warp → bpr (loaded or trained the first time; \
         every tab then shows it)",
    ),
    (
        "m",
        "minimal counterfactual set (Explore); next model (Fairness)",
    ),
    (
        "+ / - / 0",
        "accuracy–coverage knob ±0.05 / to 0 (Trust, Explore, Compare)",
    ),
    (
        "a",
        "apply the minimal set as the what-if: the item leaves the list (Explore)",
    ),
    (
        "z",
        "zoom the focused pane to the whole screen (z or Esc: back)",
    ),
    (
        "n",
        "add a note about the user and item to the session record",
    ),
    (
        "y",
        "show the whyrec command reproducing the current what-if or selected film (Explore)",
    ),
    (
        "e",
        "export the session record (what-ifs, retrains, minimal sets, built users, notes) to \
         reports/session-N.json and .md",
    ),
    ("t", "guided tour: → / ← step through it, t or Esc ends it"),
    ("o", "open the built user in Explore and Compare (Build)"),
];

/// The action of a key. `typing` is true while a text field has the keyboard: printable keys then
/// go to it, and only Esc, Enter, Backspace, arrows and Ctrl-C keep their meaning.
pub fn action_for_key(key: KeyEvent, typing: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
        return Some(Action::ForceQuit);
    }
    let common = match key.code {
        KeyCode::Esc => Some(Action::Back),
        KeyCode::Enter => Some(Action::Enter),
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::Tab => Some(Action::NextTab),
        KeyCode::BackTab => Some(Action::PrevTab),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    if typing {
        return match key.code {
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) if !ctrl => Some(Action::Type(c)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        KeyCode::Home => Action::Home,
        KeyCode::End => Action::End,
        KeyCode::Char(c) if !ctrl => match c {
            'q' => Action::Quit,
            '?' => Action::Help,
            'k' => Action::Up,
            'j' => Action::Down,
            'h' => Action::Left,
            'l' => Action::Right,
            'g' => Action::Home,
            'G' => Action::End,
            ' ' => Action::Toggle,
            'r' => Action::Reset,
            'm' => Action::MinimalSet,
            '/' => Action::Search,
            's' => Action::Sort,
            'e' => Action::Export,
            'a' => Action::ApplyMinimal,
            'n' => Action::Note,
            'z' => Action::Zoom,
            'y' => Action::ShowCommand,
            't' => Action::Tour,
            'o' => Action::Open,
            'M' => Action::NextModel,
            '+' | '=' => Action::KnobUp,
            '-' | '_' => Action::KnobDown,
            '0' => Action::KnobReset,
            '1'..='9' => Action::GoTab(c as usize - '1' as usize),
            _ => return None,
        },
        _ => return None,
    })
}

/// The action of any terminal event.
pub fn action_for_event(event: &Event, typing: bool) -> Option<Action> {
    match event {
        Event::Key(key) => action_for_key(*key, typing),
        Event::Mouse(MouseEvent {
            kind, column, row, ..
        }) => {
            let (column, row) = (*column, *row);
            match kind {
                MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column, row }),
                MouseEventKind::ScrollUp => Some(Action::ScrollUp { column, row }),
                MouseEventKind::ScrollDown => Some(Action::ScrollDown { column, row }),
                _ => None,
            }
        }
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn letters_are_commands_unless_typing() {
        assert_eq!(
            action_for_key(key(KeyCode::Char('q')), false),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for_key(key(KeyCode::Char('q')), true),
            Some(Action::Type('q'))
        );
        assert_eq!(
            action_for_key(key(KeyCode::Char('3')), false),
            Some(Action::GoTab(2))
        );
        assert_eq!(action_for_key(key(KeyCode::Esc), true), Some(Action::Back));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for_key(ctrl_c, true), Some(Action::ForceQuit));
        assert_eq!(action_for_key(key(KeyCode::F(5)), false), None);
    }

    #[test]
    fn every_command_letter_is_in_the_help() {
        let help: String = KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(" ");
        for c in "q?kjhlgGrm/se+-0anzyto".chars() {
            assert!(action_for_key(key(KeyCode::Char(c)), false).is_some());
            assert!(help.contains(c), "{c} missing from help");
        }
        assert!(help.contains("space"));
    }
}
