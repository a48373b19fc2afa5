//! The session record as Markdown: the same content as the JSON, for reading and quoting.

use super::{LoggedRec, Session};

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn table(s: &mut String, rows: &[LoggedRec]) {
    s.push_str("| rank | movie id | title | score | before |\n|---|---|---|---|---|\n");
    for r in rows {
        let before = r
            .previous_rank
            .map_or("new".to_string(), |p| format!("#{p}"));
        s.push_str(&format!(
            "| {} | {} | {} | {:.4} | {} |\n",
            r.rank, r.movie_id, r.title, r.score, before
        ));
    }
}

impl Session {
    /// The record as Markdown.
    pub fn markdown(&self) -> String {
        let mut s = format!("# whyrec session on {}\n\n", self.dataset);
        s.push_str(&format!(
            "- whyrec {} · dataset `{}` · data fingerprint `{}`\n",
            self.whyrec_version, self.dataset_arg, self.data_fingerprint
        ));
        if let Some(t) = &self.settings {
            let opt = |v: Option<usize>| v.map_or("model default".to_string(), |v| v.to_string());
            s.push_str(&format!(
                "- settings: seed {}, factors {}, iterations {}, converge {}, features {}\n",
                t.seed,
                opt(t.factors),
                opt(t.iterations),
                t.converge,
                t.features
            ));
        }
        let written = match (&self.exported, &self.autosaved) {
            (_, Some(t)) => format!("autosaved on quitting {t}"),
            (Some(t), None) => format!("exported {t}"),
            (None, None) => "not written".to_string(),
        };
        s.push_str(&format!(
            "- started {} · {written}\n- {}\n",
            self.started,
            self.summary()
        ));
        for (n, e) in self.entries.iter().enumerate() {
            let removed: Vec<String> = e
                .removed
                .iter()
                .map(|m| format!("{} ({})", m.title, m.movie_id))
                .collect();
            // The tables are the model's own lists; the knob only re-ranked what the screen showed.
            let knob = if e.knob > 0.0 {
                format!(
                    "; the screen's knob was at t={:.2}, the tables are without it",
                    e.knob
                )
            } else {
                String::new()
            };
            s.push_str(&format!(
                "\n## {}. User {} without {} ({}{})\n\nTried {} (last {}). Reproduce: `{}`\n\n**Instant answer** (user refolded, model unchanged): {}\n\n",
                n + 1,
                e.user_id,
                removed.join(", "),
                e.model,
                knob,
                e.first_tried,
                e.last_tried,
                e.command,
                e.instant.sentence
            ));
            table(&mut s, &e.instant.top);
            match &e.retrain {
                Some(t) => {
                    s.push_str(&format!(
                        "\n**Incremental retrain** ({}): {}/10 places agree with the instant answer, {}/10 films shared, Kendall τ-b {:.3}. {}\n\n",
                        plural(t.sweeps, "sweep", "sweeps"),
                        t.same_places,
                        t.overlap,
                        t.kendall_tau,
                        t.sentence
                    ));
                    table(&mut s, &t.top);
                    for d in &t.differences {
                        s.push_str(&format!(
                            "- #{}: instant {} (led by {:+.4}), retrain {} (led by {:+.4})\n",
                            d.rank,
                            d.instant.title,
                            d.instant_gap,
                            d.retrained.title,
                            d.retrain_gap
                        ));
                    }
                }
                None => s.push_str("\nIncremental retrain: not finished when exported.\n"),
            }
            if let Some(d) = &e.selected {
                s.push_str(&format!(
                    "\nSelected: {} ({}), score {:.4}.\n\nWhy (exact parts): {}\n\nBecause you liked (measured drop / exact share): {}\n\n{}\n",
                    d.movie.title,
                    d.movie.movie_id,
                    d.score,
                    d.why
                        .iter()
                        .map(|(k, v)| format!("{k} {v:+.4}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    d.because
                        .iter()
                        .map(|b| format!("{} {:+.4} / {:+.4}", b.movie.title, b.drop, b.share))
                        .collect::<Vec<_>>()
                        .join(", "),
                    d.because_sentence
                ));
            }
        }
        if !self.minimal_sets.is_empty() {
            s.push_str("\n## Minimal counterfactual sets\n\n");
            for m in &self.minimal_sets {
                let removed: Vec<String> = m
                    .removed
                    .iter()
                    .map(|r| format!("{} ({})", r.title, r.movie_id))
                    .collect();
                s.push_str(&format!(
                    "- user {} · {} ({}) · {}: remove {} — {}\n",
                    m.user_id,
                    m.movie.title,
                    m.movie.movie_id,
                    m.model,
                    if removed.is_empty() {
                        "(none found)".to_string()
                    } else {
                        removed.join(", ")
                    },
                    m.sentence
                ));
            }
        }
        for b in &self.built_users {
            let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            s.push_str(&format!(
                "\n## Built user {} ({})\n\ngender {}, age {}, occupation {}; {}: {}\n\n",
                b.number,
                b.model,
                or(&b.gender),
                or(&b.age),
                or(&b.occupation),
                plural(b.ratings.len(), "rating", "ratings"),
                b.ratings
                    .iter()
                    .map(|r| format!("{} ({}) ★{}", r.movie.title, r.movie.movie_id, r.stars))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            table(&mut s, &b.top);
        }
        if !self.notes.is_empty() {
            s.push_str("\n## Notes\n\n");
            for n in &self.notes {
                let about = match (&n.user_id, &n.movie) {
                    (Some(u), Some(m)) => format!("user {u}, {} ({})", m.title, m.movie_id),
                    (Some(u), None) => format!("user {u}"),
                    (None, Some(m)) => format!("{} ({})", m.title, m.movie_id),
                    (None, None) => "session".into(),
                };
                s.push_str(&format!("- {} · {about}: {}\n", n.at, n.text));
            }
        }
        s
    }
}
