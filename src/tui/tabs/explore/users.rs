//! The users pane's model: one row per dataset user (id, gender, age, occupation, number of likes),
//! a filter typed after `/` (by id or demographic text; an exact id selects that user) and a sort
//! order cycled with `s`.

use crate::data::dataset::AGE_BUCKETS;
use crate::tui::adapter::Engine;
use crate::tui::cursor::Cursor;

/// One user as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    /// Dense index.
    pub user: u32,
    /// Dataset id.
    pub id: u32,
    pub gender: String,
    pub age: String,
    pub occupation: String,
    pub likes: usize,
    age_order: u16,
    /// Lower-case "gender age occupation" for the filter.
    text: String,
}

/// Sort orders, in the order `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    Likes,
    Gender,
    Age,
    Occupation,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Likes => "likes ↓",
            SortKey::Gender => "gender",
            SortKey::Age => "age",
            SortKey::Occupation => "occupation",
        }
    }

    fn next(self) -> SortKey {
        match self {
            SortKey::Id => SortKey::Likes,
            SortKey::Likes => SortKey::Gender,
            SortKey::Gender => SortKey::Age,
            SortKey::Age => SortKey::Occupation,
            SortKey::Occupation => SortKey::Id,
        }
    }
}

/// Rows, the filtered and sorted view of them, and the cursor in that view.
#[derive(Debug, Clone, Default)]
pub struct UsersPane {
    rows: Vec<UserRow>,
    /// Indices into `rows` that pass the filter, in sort order.
    pub view: Vec<usize>,
    pub filter: String,
    pub typing: bool,
    pub sort: Option<SortKey>,
    pub cursor: Cursor,
}

impl UsersPane {
    pub fn new(engine: &Engine) -> UsersPane {
        let d = &engine.dataset;
        let demo = d.users.demographics.as_ref();
        let rows = (0..d.n_users())
            .map(|u| {
                let (gender, age, age_order, occupation) = match demo {
                    Some(m) => {
                        let bucket = usize::from(m.age_bucket[u]);
                        let age = match m.exact_age[u] {
                            Some(a) => a.to_string(),
                            None => AGE_BUCKETS[bucket].1.to_string(),
                        };
                        let order = m.exact_age[u].map_or(bucket as u16, u16::from);
                        let occupation = m.occupations[usize::from(m.occupation[u])].clone();
                        (m.gender[u].label().to_string(), age, order, occupation)
                    }
                    None => ("-".into(), "-".into(), 0, "-".into()),
                };
                let text = format!("{gender} {age} {occupation}").to_lowercase();
                UserRow {
                    user: u as u32,
                    id: d.user_id(u as u32),
                    gender,
                    age,
                    occupation,
                    likes: engine.positives().by_user.row_len(u),
                    age_order,
                    text,
                }
            })
            .collect();
        let mut pane = UsersPane {
            rows,
            sort: Some(SortKey::Id),
            ..UsersPane::default()
        };
        pane.apply();
        pane
    }

    pub fn row(&self, view_index: usize) -> Option<&UserRow> {
        self.view.get(view_index).map(|&r| &self.rows[r])
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The dense index of the selected user.
    pub fn selected_user(&self) -> Option<u32> {
        self.row(self.cursor.selected).map(|r| r.user)
    }

    /// True when dense user `user` passes the filter.
    pub fn contains(&self, user: u32) -> bool {
        self.view.iter().any(|&r| self.rows[r].user == user)
    }

    /// Selects dense user `user` when shown.
    pub fn select(&mut self, user: u32, height: usize) {
        if let Some(i) = self.view.iter().position(|&r| self.rows[r].user == user) {
            self.cursor.select(i, self.view.len(), height);
        }
    }

    /// Cycles the sort order and shows the new order from its top: the first row is selected
    /// (what-ifs are kept per user, so the one left keeps its own).
    pub fn next_sort(&mut self, height: usize) {
        self.sort = Some(self.sort.unwrap_or(SortKey::Id).next());
        self.apply();
        self.cursor = Cursor::default();
        self.cursor.select(0, self.view.len(), height);
    }

    /// Re-filters and re-sorts, keeping the selected user when it is still shown.
    pub fn refresh(&mut self, height: usize) {
        let keep = self.selected_user();
        self.apply();
        // A filter that is exactly a user id selects that user.
        let exact = self
            .filter
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|id| self.view.iter().position(|&r| self.rows[r].id == id));
        let index = exact
            .or_else(|| keep.and_then(|u| self.view.iter().position(|&r| self.rows[r].user == u)))
            .unwrap_or(0);
        self.cursor = Cursor::default();
        self.cursor.select(index, self.view.len(), height);
    }

    fn apply(&mut self) {
        let tokens: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.view = (0..self.rows.len())
            .filter(|&r| tokens.iter().all(|t| matches(&self.rows[r], t)))
            .collect();
        let rows = &self.rows;
        match self.sort.unwrap_or(SortKey::Id) {
            SortKey::Id => self.view.sort_by_key(|&r| rows[r].id),
            SortKey::Likes => self.view.sort_by(|&a, &b| {
                rows[b]
                    .likes
                    .cmp(&rows[a].likes)
                    .then(rows[a].id.cmp(&rows[b].id))
            }),
            SortKey::Gender => self.view.sort_by(|&a, &b| {
                rows[a]
                    .gender
                    .cmp(&rows[b].gender)
                    .then(rows[a].id.cmp(&rows[b].id))
            }),
            SortKey::Age => self.view.sort_by_key(|&r| (rows[r].age_order, rows[r].id)),
            SortKey::Occupation => self.view.sort_by(|&a, &b| {
                rows[a]
                    .occupation
                    .cmp(&rows[b].occupation)
                    .then(rows[a].id.cmp(&rows[b].id))
            }),
        }
    }
}

/// A filter token matches a user when it is a prefix of the id (digits), the gender (one letter),
/// or part of the age or occupation text.
fn matches(row: &UserRow, token: &str) -> bool {
    if token.bytes().all(|b| b.is_ascii_digit()) && row.id.to_string().starts_with(token) {
        return true;
    }
    if token.len() == 1 && token.bytes().all(|b| b.is_ascii_alphabetic()) {
        return row.gender.eq_ignore_ascii_case(token);
    }
    row.text.contains(token)
}
