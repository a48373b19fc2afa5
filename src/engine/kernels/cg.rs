//! The engine's one conjugate-gradient iteration, used two ways: [`refine`] takes a few steps
//! warm-started from the current vector with a matrix-free product (the hybrid-als sweeps:
//! Takács, Pilászy & Tikk 2011, the `implicit` library's default), and [`conjugate_gradient`]
//! solves a dense system from zero to a tight residual (the fallback of [`super::Spd`] when
//! Cholesky fails even with jitter). Every step minimises the quadratic along a conjugate
//! direction, so from any start the objective never increases.

use super::dot::dot;

/// Conjugate gradient from zero for a dense symmetric positive (semi)definite matrix; fails when
/// the iteration breaks down or the relative residual stays above 1e-10 after 10·n steps.
pub(crate) fn conjugate_gradient(
    a: &[f64],
    n: usize,
    b: &[f64],
) -> Result<Vec<f64>, super::NotPositiveDefinite> {
    let mut x = vec![0.0; n];
    let b_norm = dot(b, b).sqrt();
    if b_norm == 0.0 {
        return Ok(x);
    }
    let mut apply = |v: &[f64], out: &mut [f64]| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(&a[i * n..(i + 1) * n], v);
        }
    };
    let stop = (1e-12 * b_norm).powi(2);
    if !iterate(&mut apply, &mut b.to_vec(), &mut x, 10 * n.max(1), stop) {
        return Err(super::NotPositiveDefinite);
    }
    let mut ax = vec![0.0; n];
    apply(&x, &mut ax);
    let r: Vec<f64> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
    if dot(&r, &r).sqrt() <= 1e-10 * b_norm {
        Ok(x)
    } else {
        Err(super::NotPositiveDefinite)
    }
}

/// `out = G v` for a row-major `k×k` matrix.
/// Written as `Σ_j v_j G[j, :]` (G symmetric), so it vectorises without horizontal sums; AVX2 at
/// run time where the CPU has it.
pub(crate) fn symmetric_product(g: &[f64], v: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports the feature the function is compiled for.
            unsafe { symmetric_product_avx2(g, v, out) };
            return;
        }
    }
    symmetric_product_portable(g, v, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn symmetric_product_avx2(g: &[f64], v: &[f64], out: &mut [f64]) {
    symmetric_product_portable(g, v, out);
}

#[inline(always)]
fn symmetric_product_portable(g: &[f64], v: &[f64], out: &mut [f64]) {
    let k = v.len();
    out.iter_mut().for_each(|o| *o = 0.0);
    for (j, &vj) in v.iter().enumerate() {
        for (o, &x) in out.iter_mut().zip(&g[j * k..(j + 1) * k]) {
            *o += vj * x;
        }
    }
}

/// Refines `x` towards the solution of `A x = b` by at most `steps` CG steps, where `apply(v, out)`
/// writes `A v` (A symmetric positive definite). Returns false on breakdown (see [`refine_from`]).
pub(crate) fn refine(
    apply: &mut dyn FnMut(&[f64], &mut [f64]),
    b: &[f64],
    x: &mut [f64],
    steps: usize,
) -> bool {
    let mut ax = vec![0.0; b.len()];
    apply(x, &mut ax);
    let mut r: Vec<f64> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
    refine_from(apply, &mut r, x, steps)
}

/// CG from `x` with its residual `r = b − A x` already computed; on return `r` holds the residual
/// of the new `x` (as the iteration updates it). Stops early once the residual is negligible.
/// Returns false when a step breaks down (A not positive definite, or NaN/inf).
pub(crate) fn refine_from(
    apply: &mut dyn FnMut(&[f64], &mut [f64]),
    r: &mut [f64],
    x: &mut [f64],
    steps: usize,
) -> bool {
    let rr = dot(r, r);
    let scale = x.iter().map(|v| v * v).sum::<f64>().max(rr);
    iterate(apply, r, x, steps, 1e-30 * scale.max(f64::MIN_POSITIVE))
}

/// At most `steps` CG steps from `x` with residual `r`, stopping once `‖r‖² ≤ stop`; false when a
/// step breaks down or `x` is not finite at the end.
fn iterate(
    apply: &mut dyn FnMut(&[f64], &mut [f64]),
    r: &mut [f64],
    x: &mut [f64],
    steps: usize,
    stop: f64,
) -> bool {
    let n = r.len();
    let mut ap = vec![0.0; n];
    let mut p = r.to_vec();
    let mut rr = dot(r, r);
    for _ in 0..steps {
        if rr <= stop {
            break;
        }
        apply(&p, &mut ap);
        let pap = dot(&p, &ap);
        if !(pap.is_finite() && pap > 0.0) {
            return false;
        }
        let alpha = rr / pap;
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        let rr_new = dot(r, r);
        let beta = rr_new / rr;
        rr = rr_new;
        for i in 0..n {
            p[i] = r[i] + beta * p[i];
        }
    }
    x.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refine_converges_and_never_raises_the_quadratic() {
        let n = 6;
        let m: Vec<f64> = (0..n * n).map(|i| ((i * 37 % 11) as f64) - 5.0).collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|t| m[t * n + i] * m[t * n + j]).sum::<f64>();
            }
            a[i * n + i] += 0.5;
        }
        let b: Vec<f64> = (0..n).map(|i| i as f64 - 2.0).collect();
        let quad = |x: &[f64]| {
            let mut ax = vec![0.0; n];
            symmetric_product(&a, x, &mut ax);
            0.5 * dot(x, &ax) - dot(&b, x)
        };
        let mut x = vec![0.3; n];
        let mut last = quad(&x);
        for _ in 0..n {
            assert!(refine(
                &mut |v, out| symmetric_product(&a, v, out),
                &b,
                &mut x,
                1
            ));
            let now = quad(&x);
            assert!(now <= last + 1e-12, "{last} -> {now}");
            last = now;
        }
        let mut y = vec![0.0; n];
        assert!(refine(
            &mut |v, out| symmetric_product(&a, v, out),
            &b,
            &mut y,
            4 * n
        ));
        let mut ay = vec![0.0; n];
        symmetric_product(&a, &y, &mut ay);
        let err = ay
            .iter()
            .zip(&b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-8, "residual {err}");
    }
}
