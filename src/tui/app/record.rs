//! The app's side of the session record: logging a what-if with what the screen shows, `e`
//! exports, quitting (with the "unexported" prompt and the autosave), and `y`, the `whyrec`
//! command that reproduces what is on screen.

use super::{App, Banner, Tab};
use crate::tui::adapter::{Engine, RETRAIN_SWEEPS};
use crate::tui::session::Tried;

/// What `y` says for a built user (it is not in the data files a command reads).
const BUILT_HAS_NO_COMMAND: &str = "a built user has no shell command: e keeps it (ratings, \
    demographics, top-10) in the session record";

/// A question the app asks before doing something that cannot be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// `q` with what-ifs not yet exported: export / quit / cancel.
    Quit,
}

impl Prompt {
    /// The prompt's text (one line).
    pub fn text(self, summary: &str) -> String {
        match self {
            Prompt::Quit => format!(
                "Unexported session ({summary}): e export and quit · q quit (autosaved to \
                 reports as session-autosave-N) · Esc cancel"
            ),
        }
    }
}

impl App {
    /// `q`: quits, or asks first when the session holds something not exported.
    pub(super) fn ask_quit(&mut self) {
        if self.session.unexported && !self.session.is_empty() {
            self.prompt = Some(Prompt::Quit);
        } else {
            self.finish();
        }
    }

    /// An action while a prompt is shown: only its answers count.
    pub(super) fn answer(&mut self, prompt: Prompt, action: crate::tui::action::Action) {
        use crate::tui::action::Action;
        match (prompt, action) {
            (Prompt::Quit, Action::Export) => {
                self.prompt = None;
                if self.export() {
                    self.finish();
                }
            }
            (Prompt::Quit, Action::Quit) => self.finish(),
            (Prompt::Quit, Action::Back) => self.prompt = None,
            _ => {}
        }
    }

    /// Autosaves the session and quits.
    pub(super) fn finish(&mut self) {
        self.prompt = None;
        self.autosaved = match self.session.autosave(&self.options.reports_dir) {
            Ok(path) => path.map(|p| Ok(p.display().to_string())),
            Err(e) => Some(Err(format!(
                "could not autosave the session to {}: {e}",
                self.options.reports_dir.display()
            ))),
        };
        self.quit = true;
    }

    /// `e`: writes the record; true when it was written.
    pub(super) fn export(&mut self) -> bool {
        let (banner, ok) = match self.session.export(&self.options.reports_dir) {
            Ok((json, md)) => (
                Banner {
                    text: format!(
                        "exported the session ({}) to {} and {}",
                        self.session.summary(),
                        json.display(),
                        md.display()
                    ),
                    error: false,
                },
                true,
            ),
            Err(e) => (
                Banner {
                    text: format!(
                        "could not export the session to {}: {e}",
                        self.options.reports_dir.display()
                    ),
                    error: true,
                },
                false,
            ),
        };
        self.banner = Some(banner);
        ok
    }

    /// Logs the Explore tab's current what-if with the knob, the command and the selected item's
    /// panels.
    pub(super) fn log_tried(&mut self, engine: &Engine) {
        let command = self.command_line();
        let Some(x) = self.explore.as_ref() else {
            return;
        };
        let Some(v) = x.view.as_ref() else { return };
        let (Some(user), Some(w)) = (v.profile.user, v.whatif.as_ref()) else {
            return;
        };
        let tried = Tried {
            knob: x.knob,
            command: command.unwrap_or_default(),
            selected: v
                .detail
                .as_ref()
                .map(|d| (d.item, &d.attribution, &d.influences)),
        };
        self.session.tried(engine, user, w, tried);
    }

    /// The `whyrec` command printing what the shown tab shows: the Explore what-if (or the
    /// selected item's explanation when there is none).
    pub fn command_line(&self) -> Option<String> {
        let engine = self.engine.as_deref()?;
        let v = self.explore.as_ref()?.view.as_ref()?;
        let user = engine.dataset.user_id(v.profile.user?);
        let mut base = String::from("whyrec");
        if let Some(dir) = &self.options.data_dir {
            base.push_str(&format!(
                " --data-dir {}",
                shell_word(&dir.display().to_string())
            ));
        }
        base.push_str(&format!(" --dataset {}", shell_word(&self.options.dataset)));
        let s = &self.options.settings;
        let mut model = format!(" --model {}", engine.spec().name());
        if s.seed != 1 {
            model.push_str(&format!(" --seed {}", s.seed));
        }
        if let Some(f) = s.factors {
            model.push_str(&format!(" --factors {f}"));
        }
        if let Some(i) = s.iterations {
            model.push_str(&format!(" --iterations {i}"));
        }
        if s.converge {
            model.push_str(" --converge");
        }
        if !s.features {
            model.push_str(" --no-features");
        }
        if v.removed.is_empty() {
            let item = v.selected_item().map_or(String::new(), |i| {
                format!(" --item {}", engine.dataset.item_id(i))
            });
            return Some(format!("{base} explain --user {user}{item}{model}"));
        }
        let ids: Vec<String> = v
            .removed
            .iter()
            .map(|&i| engine.dataset.item_id(i).to_string())
            .collect();
        let sweeps = engine.model().incremental_sweeps(RETRAIN_SWEEPS);
        Some(format!(
            "{base} whatif --user {user} --without {} --retrain incremental --sweeps {sweeps}{model}",
            ids.join(",")
        ))
    }

    /// `y`: shows the command in the banner (select it with the mouse to copy it).
    pub(super) fn show_command(&mut self) {
        let built = self
            .explore
            .as_ref()
            .and_then(|x| x.view.as_ref())
            .is_some_and(|v| v.built.is_some());
        let knob = if self.knob > 0 {
            " (the command prints the model's own lists: the knob is the explorer's only)"
        } else {
            ""
        };
        let text = match (self.tab, self.command_line()) {
            (Tab::Explore, Some(c)) => format!("same in the shell: {c}{knob}"),
            (Tab::Build, _) => BUILT_HAS_NO_COMMAND.to_string(),
            (Tab::Explore, None) if built => BUILT_HAS_NO_COMMAND.to_string(),
            _ => "y shows the shell command of the Explore tab's what-if or selected film"
                .to_string(),
        };
        self.banner = Some(Banner { text, error: false });
    }
}

/// `s` quoted for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

impl App {
    /// `o` in Build-a-user: the built user in Explore (and so in Compare).
    pub(super) fn open_built(&mut self) {
        let (Some(engine), Some(b)) = (self.engine.clone(), self.build.as_ref()) else {
            return;
        };
        let profile = b.profile(&engine);
        let seen: Vec<(u32, f32)> = b
            .rated
            .iter()
            .copied()
            .filter(|r| !profile.likes.contains(&r.0))
            .collect();
        let built = (b.number, b.version);
        let effects = match self.explore.as_mut() {
            Some(x) => x.open_built(&engine, profile, seen, built),
            None => return,
        };
        self.apply(effects);
        self.go_tab(Tab::Explore.index());
        self.banner = Some(Banner {
            text: format!(
                "built user {} in Explore (and Compare, tab 5); pick a user in the users pane to \
                 go back to the dataset's",
                built.0
            ),
            error: false,
        });
    }

    /// Keeps the session's copy of the built user current (called after each action).
    pub(super) fn sync_built(&mut self) {
        let (Some(engine), Some(b)) = (self.engine.clone(), self.build.as_ref()) else {
            return;
        };
        if b.version == self.built_logged || b.is_empty() {
            return;
        }
        self.built_logged = b.version;
        let movie = |i: u32| crate::tui::session::log::movie(&engine, i);
        let user = crate::tui::session::BuiltUser {
            number: b.number,
            model: engine.spec().name().to_string(),
            gender: b.value(0).map(str::to_string),
            age: b.value(1).map(str::to_string),
            occupation: b.value(2).map(str::to_string),
            ratings: b
                .rated
                .iter()
                .map(|&(i, stars)| crate::tui::session::LoggedRating {
                    movie: movie(i),
                    stars,
                })
                .collect(),
            top: b
                .recs
                .as_ref()
                .map(|l| crate::tui::session::log::logged(&engine, l))
                .unwrap_or_default(),
            updated: crate::tui::session::now(),
        };
        self.session.built(user);
    }
}
