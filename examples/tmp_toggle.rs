use std::path::PathBuf;
use std::time::Instant;
use whyrec::data::{load_dir, LoadOptions};
use whyrec::engine::HybridModel;
use whyrec::tui::adapter::Engine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap());
    let model_path = PathBuf::from(std::env::args().nth(2).unwrap());
    let data = load_dir(&dir, LoadOptions::default())?;
    let (model, _) = HybridModel::load(&model_path)?;
    let engine = Engine::new(data, model)?;
    for u in [5u32, 77, 1234] {
        let profile = engine.profile_of(u);
        let base = engine.top(&profile);
        let item = base.recs[0].item;
        let likes = profile.likes.clone();
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..200 {
            let removed = [likes[k % likes.len()]];
            let t = Instant::now();
            let w = engine.what_if(&profile, &base, &removed);
            a.push(1000.0 * t.elapsed().as_secs_f64());
            let t = Instant::now();
            let p = engine.attribution_in(&engine.explainer, &profile, &removed, item);
            b.push(1000.0 * t.elapsed().as_secs_f64());
            let t = Instant::now();
            let i = engine.influences_in(&engine.explainer, &profile, &removed, item);
            c.push(1000.0 * t.elapsed().as_secs_f64());
            std::hint::black_box((w, p, i));
        }
        for (name, mut ms) in [("what-if", a), ("attribution", b), ("influences", c)] {
            ms.sort_by(f64::total_cmp);
            let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
            println!(
                "user {u} {name}: median {:.2} p95 {:.2} p99 {:.2}",
                at(0.5),
                at(0.95),
                at(0.99)
            );
        }
    }
    Ok(())
}
