//! Twins: one film listed under two (or more) movie ids. MovieLens 100K has 18 such pairs
//! ("Chasing Amy (1997)" is both 246 and 268), ml-latest-small five; a list that showed both, or
//! recommended one to a user who rated the other, would look careless to anyone who knows the data.
//!
//! Two items are twins when their normalized titles are equal and they carry the same release year
//! (an item without a year, or titled `unknown`, has no twin). The normalized title is the title in
//! lower case with runs of white space collapsed to one space and the ends trimmed; MovieLens titles
//! end with the year in brackets, so the year is part of the title as well.
//!
//! What this module decides is only *which items are the same film*. How served and evaluated lists
//! use it (a rated twin excludes the other; one title never shows twice) is the candidate rule of
//! `engine::rank`. The model keeps the twins as separate items: each id has its own ratings in the
//! data, and merging them would change what the model learned from the files it was given.

use std::collections::HashMap;

use serde::Serialize;

use super::dataset::Dataset;

/// Groups of items that are the same film.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Twins {
    /// For every item, the lowest item index of its group (itself when it has no twin).
    group: Vec<u32>,
    /// Every group of two or more items, each ascending, groups in ascending order of their first.
    groups: Vec<Vec<u32>>,
    /// Index into `groups` for every item that has a twin.
    group_of: HashMap<u32, usize>,
}

/// One group of twins as the EDA report and the Dataset tab list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwinGroup {
    pub title: String,
    pub movie_ids: Vec<u32>,
}

/// Lower case, white space collapsed, ends trimmed.
pub fn normalized_title(title: &str) -> String {
    title
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Twins {
    /// No item has a twin (generated data, fixtures).
    pub fn none(n_items: usize) -> Twins {
        Twins {
            group: (0..n_items as u32).collect(),
            groups: Vec::new(),
            group_of: HashMap::new(),
        }
    }

    /// The twins of a dataset by normalized title and year.
    pub fn detect(dataset: &Dataset) -> Twins {
        let keys: Vec<Option<(String, u16)>> = (0..dataset.n_items())
            .map(|i| {
                let title = normalized_title(&dataset.items.titles[i]);
                let year = dataset.items.years[i]?;
                (!title.is_empty() && title != "unknown").then_some((title, year))
            })
            .collect();
        Twins::from_keys(&keys)
    }

    /// Items with equal `Some` keys are twins.
    pub fn from_keys<K: Eq + std::hash::Hash>(keys: &[Option<K>]) -> Twins {
        let mut first: HashMap<&K, Vec<u32>> = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            if let Some(k) = key {
                first.entry(k).or_default().push(i as u32);
            }
        }
        let mut groups: Vec<Vec<u32>> = first.into_values().filter(|g| g.len() > 1).collect();
        groups.sort_unstable();
        let mut twins = Twins::none(keys.len());
        for (g, members) in groups.iter().enumerate() {
            for &i in members {
                twins.group[i as usize] = members[0];
                twins.group_of.insert(i, g);
            }
        }
        twins.groups = groups;
        twins
    }

    pub fn n_items(&self) -> usize {
        self.group.len()
    }

    /// The lowest item index of `item`'s group (`item` itself without twins or out of range).
    pub fn representative(&self, item: u32) -> u32 {
        self.group.get(item as usize).copied().unwrap_or(item)
    }

    /// Every item of `item`'s group, `item` included (just `[item]` without twins).
    pub fn group_of(&self, item: u32) -> &[u32] {
        match self.group_of.get(&item) {
            Some(&g) => &self.groups[g],
            None => self
                .group
                .get(item as usize)
                .map_or(&[], std::slice::from_ref),
        }
    }

    /// True when `item` has at least one twin.
    pub fn has_twin(&self, item: u32) -> bool {
        self.group_of.contains_key(&item)
    }

    /// Groups of two or more items.
    pub fn groups(&self) -> &[Vec<u32>] {
        &self.groups
    }

    /// The groups with the dataset's ids and titles, for reports.
    pub fn describe(&self, dataset: &Dataset) -> Vec<TwinGroup> {
        self.groups
            .iter()
            .map(|g| TwinGroup {
                title: dataset.items.titles[g[0] as usize].clone(),
                movie_ids: g.iter().map(|&i| dataset.item_id(i)).collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_group_and_none_keys_stay_alone() {
        let keys = vec![
            Some(("a", 1)),
            None,
            Some(("b", 1)),
            Some(("a", 1)),
            None,
            Some(("a", 2)),
            Some(("b", 1)),
            Some(("b", 1)),
        ];
        let t = Twins::from_keys(&keys);
        assert_eq!(t.groups(), &[vec![0, 3], vec![2, 6, 7]]);
        assert_eq!(t.representative(7), 2);
        assert_eq!(t.representative(1), 1);
        assert_eq!(t.group_of(6), &[2, 6, 7]);
        assert_eq!(t.group_of(4), &[4]);
        assert!(t.has_twin(3) && !t.has_twin(5));
    }

    #[test]
    fn titles_normalize_case_and_spaces() {
        assert_eq!(
            normalized_title("  Chasing   Amy (1997) "),
            "chasing amy (1997)"
        );
        assert_eq!(normalized_title("ICE Storm, The"), "ice storm, the");
    }
}
