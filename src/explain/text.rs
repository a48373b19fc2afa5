//! The sentences of the explain layer, built from titles: "Because you liked X, Y and Z.",
//! "If you hadn't liked X, the model would recommend Y (instead of Z)." Plain English, no markup.

/// `X`, `X and Y`, `X, Y and Z`. A title given more than once — a film listed under two ids
/// (twins, `data::twins`) whose both ids are meant — is named once, marked `X (both of its ids)`.
pub fn join_titles(titles: &[String]) -> String {
    let mut names: Vec<String> = Vec::with_capacity(titles.len());
    for (n, t) in titles.iter().enumerate() {
        if titles[..n].contains(t) {
            continue;
        }
        if titles[n + 1..].contains(t) {
            names.push(format!("{t} (both of its ids)"));
        } else {
            names.push(t.clone());
        }
    }
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "Because you liked X, Y and Z." (or the reason there is no such like).
pub fn because(liked: &[String], item: &str, has_likes: bool) -> String {
    if !has_likes {
        format!("You have no likes yet: {item} comes from your demographic profile alone.")
    } else if liked.is_empty() {
        format!("None of your likes raises the score of {item}: it comes from its own appeal.")
    } else {
        format!("Because you liked {}.", join_titles(liked))
    }
}

/// The condition of a what-if: "If you hadn't liked X", "If you had also liked K",
/// "If you hadn't liked X and had liked K".
pub fn condition(removed: &[String], added: &[String]) -> String {
    match (removed.is_empty(), added.is_empty()) {
        (false, true) => format!("If you hadn't liked {}", join_titles(removed)),
        (true, false) => format!("If you had also liked {}", join_titles(added)),
        _ => format!(
            "If you hadn't liked {} and had liked {}",
            join_titles(removed),
            join_titles(added)
        ),
    }
}

/// `1st`, `2nd`, `3rd`, `11th`, `22nd`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ordinals() {
        let t = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_titles(&t(&["A"])), "A");
        assert_eq!(join_titles(&t(&["A", "B", "C"])), "A, B and C");
        assert_eq!(
            join_titles(&t(&["Chasing Amy (1997)", "B", "Chasing Amy (1997)"])),
            "Chasing Amy (1997) (both of its ids) and B"
        );
        assert_eq!(
            because(&t(&["A", "B"]), "Z", true),
            "Because you liked A and B."
        );
        assert_eq!(condition(&t(&["A"]), &[]), "If you hadn't liked A");
        assert_eq!(
            condition(&t(&["A"]), &t(&["K"])),
            "If you hadn't liked A and had liked K"
        );
        assert_eq!(
            [1, 2, 3, 4, 11, 12, 13, 21, 22, 111].map(ordinal),
            ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th"]
        );
    }
}
