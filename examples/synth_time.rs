//! Times synthetic data generation (and optionally loading it back):
//! `cargo run --release --example synth_time -- [1m|25m|USERSxITEMSxRATINGS] OUT_DIR [SEED] [load]`.

use std::path::Path;
use std::time::Instant;

use whyrec::data::synth::{generate, SynthConfig};
use whyrec::data::{load_dir, LoadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let shape = args.first().map_or("1m", String::as_str);
    let out = Path::new(args.get(1).map_or("/tmp/whyrec-synth", String::as_str));
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let config = match shape {
        "1m" => SynthConfig::ml1m_shape(seed),
        "25m" => SynthConfig::ml25m_shape(seed),
        custom => {
            let n: Vec<usize> = custom
                .split('x')
                .map(str::parse)
                .collect::<Result<_, _>>()?;
            let [users, items, ratings] = n[..] else {
                return Err("expected 1m, 25m or USERSxITEMSxRATINGS".into());
            };
            SynthConfig::new(users, items, ratings, seed)
        }
    };
    let start = Instant::now();
    let summary = generate(&config, out)?;
    let threads = rayon::current_num_threads();
    eprintln!(
        "generated in {:.2} s with {threads} threads",
        start.elapsed().as_secs_f64()
    );
    println!("{}", serde_json::to_string_pretty(&summary)?);
    if args.get(3).is_some_and(|a| a == "load") {
        let start = Instant::now();
        let ds = load_dir(out, LoadOptions::default())?;
        let (users, items, ratings) = (ds.n_users(), ds.n_items(), ds.ratings.len());
        eprintln!(
            "loaded {users} users, {items} items, {ratings} ratings in {:.2} s",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
