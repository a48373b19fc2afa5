//! `whyrec bench --explanations`: the explanation-quality table of `../shared/PROTOCOL.md`
//! (removal POS@Kr,Ke, insertion INS@Kr,Ke, mean rank after removal, the retrain check) for
//! whyrec's explainer and the baselines on one holdout-20 split, printed and written to
//! `reports/explanation_quality.json`. The maths live in `explain::quality`.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use color_eyre::eyre::Result;

use super::data_cmds::write_report;
use crate::data::interactions::{
    item_genre_features, user_demographic_features, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::{split, Dataset};
use crate::engine::{AlsConfig, CandidateRule, Candidates, HybridAls};
use crate::explain::quality::{
    measure, ExplainerQuality, QualityReport, EXPLANATION_LENGTHS, LIST_LENGTHS, RETRAIN_LENGTHS,
};

/// SPINRec (AAAI 2026), matrix factorization on ML-1M: fixed-length POS@5 after removing its top
/// 2 / 3 / 4 explaining items.
const SPINREC_POS5: [(usize, f64); 3] = [(2, 0.975), (3, 0.940), (4, 0.911)];

pub fn explanation_table(
    d: &Dataset,
    seed: u64,
    retrain_cases: usize,
    reports_dir: &std::path::Path,
) -> Result<()> {
    let s = split::holdout(d, seed, DEFAULT_POSITIVE_THRESHOLD);
    let train = s.train_positives(d.n_users(), d.n_items(), DEFAULT_POSITIVE_THRESHOLD);
    let candidates = Candidates::for_split(d, &train, CandidateRule::Served);
    let cancel = AtomicBool::new(false);
    let start = Instant::now();
    let model = HybridAls::fit(
        &train,
        Some(&item_genre_features(d)),
        user_demographic_features(d).as_ref(),
        &AlsConfig::default(),
        &mut |_| {},
        &cancel,
    )?;
    eprintln!(
        "trained hybrid-als on holdout-20 seed {seed} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let report = measure(
        &model,
        &train,
        &candidates,
        seed,
        retrain_cases,
        &mut |line| eprintln!("{line}"),
        &cancel,
    )?;
    print_report(d, &report);
    let path = write_report(
        reports_dir,
        "explanation_quality.json",
        &serde_json::to_string_pretty(&report)?,
    )?;
    println!("\nwritten {}", path.display());
    Ok(())
}

fn print_report(d: &Dataset, r: &QualityReport) {
    println!(
        "\nExplanation quality on {} (holdout-20 seed {}, {} cases: users with >= 5 train likes, their served top-1; refold with the model fixed):",
        d.name, r.seed, r.cases
    );
    let kes: Vec<String> = EXPLANATION_LENGTHS
        .iter()
        .map(|k| format!("Ke={k}"))
        .collect();
    // One table: a row per explainer, a cell per Ke.
    let table = |what: &str, cell: &dyn Fn(&ExplainerQuality, usize) -> String| {
        println!("\n| {what} | {} |", kes.join(" | "));
        println!("|---|{}", "---|".repeat(kes.len()));
        for e in &r.explainers {
            let cells: Vec<String> = EXPLANATION_LENGTHS.iter().map(|&ke| cell(e, ke)).collect();
            println!("| {} | {} |", e.name, cells.join(" | "));
        }
    };
    for &kr in &LIST_LENGTHS {
        table(&format!("POS@{kr} (removal; lower is better)"), &|e, ke| {
            format!("{:.3}", e.pos_at(kr, ke))
        });
    }
    for &kr in &LIST_LENGTHS {
        table(
            &format!("INS@{kr} (insertion; higher is better)"),
            &|e, ke| format!("{:.3}", e.ins_at(kr, ke)),
        );
    }
    table("mean rank after removal (higher is better)", &|e, ke| {
        format!("{:.1}", e.mean_rank_after[&ke.to_string()])
    });
    if let Some(w) = r.explainers.iter().find(|e| e.name == "whyrec") {
        let cells: Vec<String> = SPINREC_POS5
            .iter()
            .map(|&(ke, theirs)| {
                format!(
                    "Ke={ke}: whyrec {:.3} vs SPINRec {theirs:.3}",
                    w.pos_at(5, ke)
                )
            })
            .collect();
        println!(
            "\nAnchor (SPINRec, AAAI 2026, MF on ML-1M, fixed-length POS@5): {}",
            cells.join("; ")
        );
    }
    let agree: Vec<String> = LIST_LENGTHS
        .iter()
        .map(|kr| {
            format!(
                "top-{kr} {:.1}%",
                100.0 * r.retrain_check.agree[&kr.to_string()]
            )
        })
        .collect();
    println!(
        "Retrain check ({} cases × Ke in {:?} = {} full retrains from scratch): the refold's verdict agrees with the retrain's in {}",
        r.retrain_check.cases,
        RETRAIN_LENGTHS,
        r.retrain_check.removals,
        agree.join(", ")
    );
}
