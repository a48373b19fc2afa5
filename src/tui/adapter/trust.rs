//! The Trust and Fairness tabs' numbers, all from [`crate::metrics`]: the explored model's settings
//! refit on PROTOCOL.md's holdout-20 split (its seed), popularity beside it, through
//! [`model_trust`] (overall and per-user trust values, refold and retrain stability), the knob's
//! [`sweep_split`] curve, seed stability on request, and [`run_fairness_with`]. Each runs as one job on
//! a worker; the cancel flag is checked between the steps. The Fairness tab's audit reuses the
//! Trust tab's split and fitted models when that job has finished ([`TrustShare`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::Engine;
use crate::engine::{ModelSpec, Settings, Trained};
use crate::metrics::eval_data::EvalData;
use crate::metrics::fairness::{run_fairness_with, FairnessReport, FairnessRequest};
use crate::metrics::knob::{default_strengths, sweep_split, KnobCurve, KnobPath};
use crate::metrics::trust::{model_trust, ModelTrust, TrustConfig};

/// Positives (ratings ≥ 4) of a dataset up to which the Trust tab's job also measures stability
/// with the model retrained (one more full training); beyond (ML-10M and up), `s` measures it
/// with seed stability, so the tab's first numbers arrive sooner. ML-1M has 0.58M.
pub const RETRAIN_WITH_TAB_UP_TO: usize = 2_500_000;

/// The strength at which the fairness audit also audits the explored model through the knob (as
/// `whyrec fairness`).
pub const FAIRNESS_KNOB: f64 = crate::metrics::knob::RECOMMENDED_STRENGTH;

/// The Trust tab's numbers.
#[derive(Debug, Clone)]
pub struct TrustResults {
    /// The split they were measured on (seed stability reuses it).
    pub data: Arc<EvalData>,
    pub seed: u64,
    /// Popularity, then the explored model (its spec and settings).
    pub models: Vec<ModelTrust>,
    /// The knob's curve of the explored model on the split (P@10, coverage@10, … per strength).
    pub curve: KnobCurve,
    /// Seed stability, once computed (`s`).
    pub seed_stability: bool,
    /// Stability with the model retrained, once computed (with the tab up to
    /// [`RETRAIN_WITH_TAB_UP_TO`] train positives, with `s` beyond).
    pub retrain_stability: bool,
    pub seconds: f64,
    /// The models fitted on the split (popularity, the explored model) and the settings they
    /// were fitted with: the Fairness tab's audit reuses them instead of fitting them again.
    pub fitted: Vec<(ModelSpec, Arc<Trained>)>,
    pub settings: Settings,
}

/// What the Fairness tab's audit takes over from a finished Trust tab job: the split (one copy in
/// memory) and, when fitted with the same settings, the models.
#[derive(Debug, Clone)]
pub struct TrustShare {
    pub seed: u64,
    pub data: Arc<EvalData>,
    pub settings: Settings,
    pub fitted: Vec<(ModelSpec, Arc<Trained>)>,
}

/// Seed stability of each model of a [`TrustResults`] (same order).
#[derive(Debug, Clone)]
pub struct SeedStability {
    pub models: Vec<ModelTrust>,
    pub seconds: f64,
}

/// The Fairness tab's audit.
#[derive(Debug, Clone)]
pub struct FairnessRun {
    pub report: FairnessReport,
    pub seconds: f64,
}

fn check(cancel: &AtomicBool) -> Result<(), String> {
    if cancel.load(Ordering::SeqCst) {
        Err("cancelled".into())
    } else {
        Ok(())
    }
}

impl Engine {
    /// Popularity and the explored model, as the trust report names them.
    fn trust_models(&self) -> [ModelSpec; 2] {
        [ModelSpec::Popularity, self.spec()]
    }

    /// The settings that train the explored model again.
    fn trust_settings(&self) -> Settings {
        self.settings().clone()
    }

    /// Whether the Trust tab's job measures retrain stability itself (up to
    /// `retrain_with_tab_up_to` positives, [`RETRAIN_WITH_TAB_UP_TO`] by default) rather than
    /// leave it to `s`.
    pub fn trust_retrains_with_tab(&self) -> bool {
        self.positives().by_user.nnz() <= self.retrain_with_tab_up_to
    }

    /// The seed of the split, the refits and the perturbation: the explored model's.
    pub fn trust_seed(&self) -> u64 {
        self.settings().seed
    }

    /// Trust values of popularity and the explored model on the holdout split (stability refold and
    /// retrain; seed stability is [`Engine::seed_stability`]) and the knob's curve.
    pub fn trust_metrics(
        &self,
        progress: &mut dyn FnMut(f32, String),
        cancel: &AtomicBool,
    ) -> Result<TrustResults, String> {
        let clock = Instant::now();
        let seed = self.trust_seed();
        progress(0.0, format!("holdout-20 split (seed {seed})"));
        let data = Arc::new(EvalData::holdout_for(&self.dataset, seed, self.population));
        let retrain = self.trust_retrains_with_tab();
        let config = TrustConfig {
            seed_stability: false,
            retrain,
            ..TrustConfig::default()
        };
        let mut models = Vec::new();
        let mut fitted_models = Vec::new();
        for (model, at) in self.trust_models().iter().zip([0.1, 0.2]) {
            check(cancel)?;
            progress(
                at,
                format!(
                    "{}: fit, metrics, stability ({})",
                    model.name(),
                    if retrain { "refold, retrain" } else { "refold" }
                ),
            );
            let (trust, fitted) = model_trust(*model, &self.trust_settings(), &data, seed, &config)
                .map_err(|e| e.to_string())?;
            models.push(trust);
            fitted_models.push((*model, Arc::new(fitted)));
        }
        check(cancel)?;
        let explored = fitted_models
            .iter()
            .find_map(|(_, f)| f.factor())
            .ok_or("no factor model to sweep the knob on")?;
        let strengths = default_strengths();
        progress(
            0.7,
            format!(
                "knob sweep: {} strengths of {}",
                strengths.len(),
                self.spec()
            ),
        );
        let path = KnobPath::default();
        let points = sweep_split(explored, &data, path, &strengths);
        let curve = KnobCurve::from_splits(
            &models[1].model,
            path,
            vec![data.split.clone()],
            vec![points],
        );
        progress(1.0, "done".into());
        Ok(TrustResults {
            data,
            seed,
            models,
            curve,
            seed_stability: false,
            retrain_stability: retrain,
            seconds: clock.elapsed().as_secs_f64(),
            fitted: fitted_models,
            settings: self.trust_settings(),
        })
    }

    /// Seed stability of the models of `results` (one more training each, seed + 1000), and
    /// stability with the model retrained when the tab's job left it out (one more).
    pub fn seed_stability(
        &self,
        results: &TrustResults,
        progress: &mut dyn FnMut(f32, String),
        cancel: &AtomicBool,
    ) -> Result<SeedStability, String> {
        let clock = Instant::now();
        let config = TrustConfig {
            refold: false,
            retrain: !results.retrain_stability,
            seed_stability: true,
            ..TrustConfig::default()
        };
        let mut models = Vec::new();
        for (model, at) in self.trust_models().iter().zip([0.0, 0.1]) {
            check(cancel)?;
            progress(
                at,
                if config.retrain {
                    format!(
                        "{}: trainings with seeds s and s + 1000, and on the reduced histories",
                        model.name()
                    )
                } else {
                    format!("{}: two trainings, seeds s and s + 1000", model.name())
                },
            );
            let (trust, _) = model_trust(
                *model,
                &self.trust_settings(),
                &results.data,
                results.seed,
                &config,
            )
            .map_err(|e| e.to_string())?;
            models.push(trust);
        }
        Ok(SeedStability {
            models,
            seconds: clock.elapsed().as_secs_f64(),
        })
    }

    /// The fairness audit of popularity, the explored model and that model through the knob at
    /// [`FAIRNESS_KNOB`] on the holdout split: [`FairnessRequest::standard`], the audit
    /// `whyrec fairness` runs with the same model and seed (the rating side is the whole rating
    /// line-up's best, as there).
    pub fn fairness_audit(
        &self,
        progress: &mut dyn FnMut(f32, String),
        cancel: &AtomicBool,
    ) -> Result<FairnessRun, String> {
        self.fairness_audit_on(None, progress, cancel)
    }

    /// [`Engine::fairness_audit`] on the Trust tab's split when it has one of the same seed (the
    /// same data: holdout-20 of this dataset, seed and population), instead of a second copy, with
    /// the Trust tab's fitted models when they were fitted with this engine's settings (the same
    /// models the audit would fit: fitting is deterministic).
    pub fn fairness_audit_on(
        &self,
        trust: Option<TrustShare>,
        progress: &mut dyn FnMut(f32, String),
        cancel: &AtomicBool,
    ) -> Result<FairnessRun, String> {
        let clock = Instant::now();
        let seed = self.trust_seed();
        progress(0.0, format!("holdout-20 split (seed {seed})"));
        let (data, fitted) = match trust {
            Some(t) if t.seed == seed => {
                let same = t.settings == self.trust_settings();
                (t.data, if same { t.fitted } else { Vec::new() })
            }
            _ => (
                Arc::new(EvalData::holdout_for(&self.dataset, seed, self.population)),
                Vec::new(),
            ),
        };
        check(cancel)?;
        let request = FairnessRequest::standard(
            self.trust_models().to_vec(),
            self.trust_settings(),
            Some(FAIRNESS_KNOB),
        );
        let steps = request.models.len() as f32 + 1.0;
        let mut step = 0.0;
        let report = run_fairness_with(&self.dataset, &data, seed, &request, &fitted, |what| {
            progress(0.1 + 0.9 * step / steps, what.to_string());
            step += 1.0;
        })
        .map_err(|e| e.to_string())?;
        Ok(FairnessRun {
            report,
            seconds: clock.elapsed().as_secs_f64(),
        })
    }
}

impl TrustResults {
    /// The split and fitted models the Fairness tab's audit takes over.
    pub fn share(&self) -> TrustShare {
        TrustShare {
            seed: self.seed,
            data: Arc::clone(&self.data),
            settings: self.settings.clone(),
            fitted: self.fitted.clone(),
        }
    }

    /// Takes in the seed stability computed for these results.
    pub fn add_seed_stability(&mut self, s: SeedStability) {
        for (m, extra) in self.models.iter_mut().zip(s.models) {
            m.summary.seed_stability = extra.summary.seed_stability;
            if !self.retrain_stability {
                m.summary.stability_retrain = extra.summary.stability_retrain;
            }
            for (u, e) in m.users.iter_mut().zip(extra.users) {
                if u.user == e.user {
                    u.seed_stability = e.seed_stability;
                    if !self.retrain_stability {
                        u.stability_retrain = e.stability_retrain;
                    }
                }
            }
        }
        self.seed_stability = true;
        self.retrain_stability = true;
        self.seconds += s.seconds;
    }

    /// The model's trust values of dataset user `user` (`None`: not evaluated — no test positive
    /// in the split).
    pub fn user(&self, model: usize, user: u32) -> Option<&crate::metrics::trust::UserTrust> {
        let users = &self.models.get(model)?.users;
        users
            .binary_search_by_key(&user, |u| u.user)
            .ok()
            .map(|k| &users[k])
    }

    /// The curve's point nearest to `strength`.
    pub fn point_at(&self, strength: f64) -> Option<&crate::metrics::knob::KnobPoint> {
        self.curve.points.iter().min_by(|a, b| {
            (a.strength - strength)
                .abs()
                .total_cmp(&(b.strength - strength).abs())
        })
    }
}
