//! Conjugate-gradient refinement of one block's normal equations, the solver hybrid-als sweeps use
//! (Takács, Pilászy & Tikk 2011; the `implicit` library's default): a few CG steps warm-started from
//! the current vector, with matrix-free products `A v` that cost `O(k² + |history|·k)` instead of
//! forming and factorising `A` (`O(|history|·k² + k³)`).
//!
//! Every CG step minimises the block's quadratic along a conjugate direction, so starting from the
//! current vector the objective never increases. The exact Cholesky solve (`steps::solve_row`)
//! remains the one used by the final user step, fold-in and influences.

use ndarray::Array2;

use super::linalg::dot;

/// How a sweep solves each block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Solve {
    /// Form the normal matrix and solve it exactly (Cholesky).
    Exact,
    /// `steps` conjugate-gradient steps from the current vector.
    Cg { steps: usize },
}

impl Solve {
    /// `cg_steps == 0` means exact solves.
    pub fn with_cg_steps(cg_steps: usize) -> Solve {
        if cg_steps == 0 {
            Solve::Exact
        } else {
            Solve::Cg { steps: cg_steps }
        }
    }
}

/// `out += scale · Σ_t weight_t (o_t·v) o_t` over the listed rows of `other` (weights `None`: ones).
/// The gathered products run in `f32` (the factors' precision, twice the SIMD width of `f64`) and
/// are added to `out` once.
pub(crate) fn add_gathered_products(
    other: &Array2<f32>,
    rows: &[u32],
    weights: Option<&[f64]>,
    scale: f64,
    v: &[f64],
    out: &mut [f64],
) {
    let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
    let mut acc = vec![0.0f32; v.len()];
    match weights {
        None => gather(other, rows, &v32, &mut acc, |_, d| d),
        Some(w) => gather(other, rows, &v32, &mut acc, |t, d| d * w[t] as f32),
    }
    for (o, &a) in out.iter_mut().zip(&acc) {
        *o += scale * f64::from(a);
    }
}

/// `acc += Σ_t coef(t, o_t·v) o_t` over the listed rows of `other`, in `f32`. On x86-64 CPUs with
/// AVX2 and FMA (checked at run time) the same code is compiled for those instructions.
#[inline]
pub(crate) fn gather(
    other: &Array2<f32>,
    rows: &[u32],
    v: &[f32],
    acc: &mut [f32],
    coef: impl Fn(usize, f32) -> f32,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports the features the function is compiled for.
            unsafe { gather_avx2(other, rows, v, acc, coef) };
            return;
        }
    }
    gather_portable(other, rows, v, acc, coef);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gather_avx2(
    other: &Array2<f32>,
    rows: &[u32],
    v: &[f32],
    acc: &mut [f32],
    coef: impl Fn(usize, f32) -> f32,
) {
    use std::arch::x86_64::*;
    let k = v.len();
    let lanes = k / 8 * 8;
    for (t, &j) in rows.iter().enumerate() {
        let o = other.row(j as usize);
        let o = o.as_slice().expect("standard layout");
        assert!(o.len() == k && acc.len() == k);
        let (op, vp, ap) = (o.as_ptr(), v.as_ptr(), acc.as_mut_ptr());
        // Two independent chains of fused multiply-adds hide their latency.
        let (mut s, mut s2) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        let mut c = 0;
        while c + 16 <= lanes {
            s = _mm256_fmadd_ps(_mm256_loadu_ps(op.add(c)), _mm256_loadu_ps(vp.add(c)), s);
            s2 = _mm256_fmadd_ps(
                _mm256_loadu_ps(op.add(c + 8)),
                _mm256_loadu_ps(vp.add(c + 8)),
                s2,
            );
            c += 16;
        }
        if c < lanes {
            s = _mm256_fmadd_ps(_mm256_loadu_ps(op.add(c)), _mm256_loadu_ps(vp.add(c)), s);
        }
        let s = _mm256_add_ps(s, s2);
        let hi = _mm256_extractf128_ps(s, 1);
        let q = _mm_add_ps(_mm256_castps256_ps128(s), hi);
        let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
        let q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
        let mut d = _mm_cvtss_f32(q);
        for c in lanes..k {
            d += o[c] * v[c];
        }
        let cf = coef(t, d);
        let cv = _mm256_set1_ps(cf);
        let mut c = 0;
        while c < lanes {
            let a = _mm256_loadu_ps(ap.add(c));
            _mm256_storeu_ps(
                ap.add(c),
                _mm256_fmadd_ps(cv, _mm256_loadu_ps(op.add(c)), a),
            );
            c += 8;
        }
        for c in lanes..k {
            acc[c] += cf * o[c];
        }
    }
}

#[inline(always)]
fn gather_portable(
    other: &Array2<f32>,
    rows: &[u32],
    v: &[f32],
    acc: &mut [f32],
    coef: impl Fn(usize, f32) -> f32,
) {
    for (t, &j) in rows.iter().enumerate() {
        let o = other.row(j as usize);
        let o = o.as_slice().expect("standard layout");
        let c = coef(t, dot_f32(o, v));
        for (a, &x) in acc.iter_mut().zip(o) {
            *a += c * x;
        }
    }
}

/// `f32` dot product with eight running sums combined in a fixed order.
#[inline(always)]
fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (ca, cb) = (a[..n].chunks_exact(8), b[..n].chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut s = [0.0f32; 8];
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            s[l] += x[l] * y[l];
        }
    }
    let mut total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (x, y) in ra.iter().zip(rb) {
        total += x * y;
    }
    total
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
    let r: Vec<f64> = b.iter().zip(&ax).map(|(b, a)| b - a).collect();
    refine_from(apply, r, x, steps)
}

/// CG from `x` with its residual `r = b − A x` already computed. Stops early once the residual is
/// negligible. Returns false when a step breaks down (A not positive definite, or NaN/inf).
pub(crate) fn refine_from(
    apply: &mut dyn FnMut(&[f64], &mut [f64]),
    mut r: Vec<f64>,
    x: &mut [f64],
    steps: usize,
) -> bool {
    let n = r.len();
    let mut ap = vec![0.0; n];
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let scale = x.iter().map(|v| v * v).sum::<f64>().max(rr);
    for _ in 0..steps {
        if rr <= 1e-30 * scale.max(f64::MIN_POSITIVE) {
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
        let rr_new = dot(&r, &r);
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
