//! The tabs of the explorer, in number-key order: what the tab bar lists and the layout splits.

/// The tabs, in number-key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Explore,
    Trust,
    Fairness,
    Dataset,
    Compare,
    Build,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Explore,
        Tab::Trust,
        Tab::Fairness,
        Tab::Dataset,
        Tab::Compare,
        Tab::Build,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Explore => "Explore",
            Tab::Trust => "Trust",
            Tab::Fairness => "Fairness",
            Tab::Dataset => "Dataset",
            Tab::Compare => "Compare",
            Tab::Build => "Build-a-user",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
}
