//! What an analyst checks first, against the raw files rather than whyrec's own loader: for every
//! ML-100K user, the served top-10 (`whyrec recommend --all --json`) holds no movie the user rated
//! (any stars, read from `u.data`), no twin of one (same title in `u.item`), and no title twice; the
//! same holds for built profiles (Build-a-user) and for `models/recommendations.parquet` (checked in
//! `tests/cli/run_all.rs` with [`common`]'s helpers). Bad arguments are refused.

use crate::common;

use std::collections::{HashMap, HashSet};

use common::{check_served_list as check_list, raw_ml100k};
use whyrec::explain::{Explainer, Profile};

#[test]
fn every_ml100k_users_served_top10_holds_no_rated_movie_no_twin_no_title_twice() {
    let cwd = tempfile::tempdir().unwrap();
    let data = common::shared_dataset("ml-100k");
    let args = [
        "--dataset",
        "ml-100k",
        "--data-dir",
        data.parent().unwrap().to_str().unwrap(),
        "recommend",
        "--all",
        "--json",
    ];
    let o = common::run_whyrec(&args, cwd.path());
    assert!(o.status.success(), "{}", common::output_text(&o));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let (rated, titles) = raw_ml100k();
    let mut lists: HashMap<u32, Vec<u32>> = HashMap::new();
    for r in &rows {
        let user = r["user_id"].as_u64().unwrap() as u32;
        lists
            .entry(user)
            .or_default()
            .push(r["movie_id"].as_u64().unwrap() as u32);
        let stars = r["predicted_stars"].as_f64().unwrap();
        assert!((1.0..=5.0).contains(&stars), "{r}");
    }
    assert_eq!(lists.len(), 943, "every user has a list");
    for (user, list) in &lists {
        assert_eq!(list.len(), 10, "user {user}");
        check_list(&format!("user {user}"), list, &rated[user], &titles);
    }
}

#[test]
fn built_profiles_never_get_a_liked_movie_its_twin_or_a_title_twice() {
    let d = common::load_ml100k();
    let (_, model) = common::hybrid_on_all(&d);
    let e = Explainer::from_dataset(model.clone(), &d).unwrap();
    let (_, titles) = raw_ml100k();
    // Every twin pair's first member liked, alone and together with a few favourites.
    let groups = e.candidates().twins().groups().to_vec();
    assert_eq!(groups.len(), 18, "ML-100K has 18 titles under two ids");
    for g in &groups {
        for extra in [vec![], vec![49, 99, 180]] {
            let mut likes = vec![g[0]];
            likes.extend(extra.iter().map(|&i| i as u32));
            let liked: HashSet<u32> = likes.iter().map(|&i| d.item_id(i)).collect();
            let top = e
                .recommend_profile(&Profile::new(None, likes, Vec::new()))
                .unwrap();
            let ids: Vec<u32> = top.items.iter().map(|r| d.item_id(r.item)).collect();
            check_list("built profile", &ids, &liked, &titles);
        }
    }
    // A profile that liked both ids of a twin pair: explanations name the title once.
    let mut both_named = 0;
    for g in &groups {
        let profile = Profile::new(None, g.clone(), Vec::new());
        let title = &d.items.titles[g[0] as usize];
        for r in &e.recommend_profile(&profile).unwrap().items {
            let x = e.explain_influence_profile(&profile, r.item, 3).unwrap();
            let named = x.sentence.matches(title.as_str()).count();
            assert!(
                named <= 1,
                "{title:?} named {named} times: {:?}",
                x.sentence
            );
            if g.iter().all(|i| x.because.contains(i)) {
                both_named += 1;
                assert!(x.sentence.contains("(both of its ids)"), "{:?}", x.sentence);
            }
        }
    }
    assert!(
        both_named > 0,
        "some explanation credits both ids of a pair"
    );
    // Build-a-user's search shows a film once: every twin pair's title finds one row.
    let engine = whyrec::tui::adapter::Engine::new(d.clone(), model).unwrap();
    let mut build = whyrec::tui::tabs::build::Build::new(&engine);
    for g in &groups {
        let title = d.items.titles[g[0] as usize].clone();
        build.query = title.clone();
        build.search(&engine);
        let key = whyrec::data::twins::normalized_title(&title);
        let found: Vec<&str> = build
            .results
            .iter()
            .map(|&i| d.items.titles[i as usize].as_str())
            .filter(|t| whyrec::data::twins::normalized_title(t) == key)
            .collect();
        assert_eq!(found.len(), 1, "search for {title:?}: {found:?}");
    }
}

#[test]
fn bad_k_and_ids_are_refused() {
    let cwd = tempfile::tempdir().unwrap();
    let data = common::shared_dataset("ml-100k");
    let dir = data.parent().unwrap().to_str().unwrap().to_string();
    assert_refused(
        &["--dataset", "ml-100k", "--data-dir", &dir, "recommend"],
        &[
            (&["--user", "1", "--k", "0"], "--k"),
            (&["--user", "+4"], "not an id"),
            (&["--user", "-1"], "not an id"),
        ],
        cwd.path(),
    );
}

/// Each `base + extra` command fails, and its output contains `want`.
fn assert_refused(base: &[&str], cases: &[(&[&str], &str)], cwd: &std::path::Path) {
    for (extra, want) in cases {
        let mut args = base.to_vec();
        args.extend(extra.iter().copied());
        let o = common::run_whyrec(&args, cwd);
        let out = common::output_text(&o);
        assert!(!o.status.success(), "{extra:?} accepted: {out}");
        assert!(out.contains(want), "{extra:?}: {out}");
    }
}

#[test]
fn eval_knob_row_never_shows_an_unliked_movie_and_bad_strengths_are_refused() {
    let cwd = tempfile::tempdir().unwrap();
    let data = common::shared_dataset("ml-100k");
    let dir = data.parent().unwrap().to_str().unwrap().to_string();
    let base = ["--dataset", "ml-100k", "--data-dir", &dir, "eval"];
    let mut args = base.to_vec();
    args.extend(["--models", "hybrid-als", "--knob", "0.5", "--json"]);
    let o = common::run_whyrec(&args, cwd.path());
    assert!(o.status.success(), "{}", common::output_text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["candidates"], "served");
    let models = report["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["hybrid-als", "hybrid-als knob t=0.5"]);
    let (plain, knob) = (&models[0]["metrics"], &models[1]["metrics"]);
    assert_eq!(models[1]["config"]["knob"]["strength"], 0.5);
    assert!(knob["coverage@10"].as_f64() > plain["coverage@10"].as_f64());
    assert_eq!(
        knob["unliked_slots"], 0.0,
        "the knob never serves a movie nobody liked"
    );
    assert!(knob["p@10"].as_f64().unwrap() > 0.2, "{knob}");
    assert_refused(
        &base,
        &[
            (&["--knob", "-1"], "not a knob strength"),
            (&["--knob", "NaN"], "not a knob strength"),
            (&["--knob", "9"], "not a knob strength"),
            (
                &["--models", "popularity", "--knob", "0.5"],
                "include it in --models",
            ),
        ],
        cwd.path(),
    );
}

#[test]
fn split_export_writes_the_twin_groups_other_systems_need_for_the_served_rule() {
    let cwd = tempfile::tempdir().unwrap();
    let data = common::shared_dataset("ml-100k");
    let dir = data.parent().unwrap().to_str().unwrap().to_string();
    let out = cwd.path().join("s1");
    let args = [
        "--dataset",
        "ml-100k",
        "--data-dir",
        &dir,
        "split",
        "--seed",
        "1",
        "--export",
        out.to_str().unwrap(),
    ];
    let o = common::run_whyrec(&args, cwd.path());
    assert!(o.status.success(), "{}", common::output_text(&o));
    let text = std::fs::read_to_string(out.join("twins.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("item,group"));
    let (_, titles) = raw_ml100k();
    let mut groups: HashMap<u32, Vec<u32>> = HashMap::new();
    for line in lines {
        let (item, group) = line.split_once(',').unwrap();
        let (item, group): (u32, u32) = (item.parse().unwrap(), group.parse().unwrap());
        groups.entry(group).or_default().push(item);
    }
    assert_eq!(groups.len(), 18, "ML-100K's 18 titles under two ids");
    for (group, items) in &groups {
        assert_eq!(items.len(), 2);
        assert_eq!(
            *group,
            *items.iter().min().unwrap(),
            "a group is named by its smallest id"
        );
        assert_eq!(titles[&items[0]], titles[&items[1]], "{items:?}");
    }
}
