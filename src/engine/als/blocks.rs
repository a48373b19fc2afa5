//! How a hybrid-als sweep solves each block's normal equations: exactly (Cholesky, `steps.rs`)
//! or by a few conjugate-gradient steps ([`crate::engine::kernels::refine`]) warm-started from
//! the current vector, with matrix-free products `A v` that cost `O(k² + |history|·k)` instead of
//! forming and factorising `A` (`O(|history|·k² + k³)`). The exact solve remains the one used by
//! the final user step, fold-in and influences.

use ndarray::Array2;

use crate::engine::kernels::dot_f32x8;

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
        if let Some(&next) = rows.get(t + PREFETCH_AHEAD) {
            prefetch_row(other, next);
        }
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

/// How many rows ahead the gathering loops ask the CPU to fetch (the rows are scattered over a
/// factor matrix larger than the caches; fetching ahead overlaps the misses).
pub(crate) const PREFETCH_AHEAD: usize = 4;

/// Asks the CPU to bring row `j` of `m` into the cache (a hint: no effect on any result; nothing
/// on other architectures).
#[inline(always)]
pub(crate) fn prefetch_row(m: &Array2<f32>, j: u32) {
    #[cfg(target_arch = "x86_64")]
    prefetch_row_x86(m, j);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (m, j);
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn prefetch_row_x86(m: &Array2<f32>, j: u32) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    if let Some(row) = m.row(j as usize).as_slice() {
        let bytes = std::mem::size_of_val(row);
        let p = row.as_ptr().cast::<i8>();
        let mut offset = 0;
        while offset < bytes {
            // SAFETY: prefetching is a hint; the address lies within the row.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(offset)) };
            offset += 64;
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
        let c = coef(t, dot_f32x8(o, v));
        for (a, &x) in acc.iter_mut().zip(o) {
            *a += c * x;
        }
    }
}
