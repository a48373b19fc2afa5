//! Small dense kernels for the k×k normal equations of ALS (k ≤ a few hundred): Gramians in `f64`,
//! Cholesky factorisation with a jitter retry, and conjugate gradient as the last resort. Kept apart
//! from the model so that every solve of the engine goes through the same code (which is what makes
//! fold-in, influences and training agree to the bit).

use ndarray::Array2;

/// A symmetric positive-definite matrix made ready for solves.
#[derive(Debug, Clone)]
pub(crate) enum Spd {
    /// Lower Cholesky factor, row-major `n×n` (upper triangle unused).
    Cholesky { l: Vec<f64>, n: usize },
    /// The matrix itself, solved by conjugate gradient (Cholesky failed even with jitter).
    Iterative { a: Vec<f64>, n: usize },
}

/// The matrix is not positive definite even after jitter, or holds NaN/inf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotPositiveDefinite;

impl Spd {
    /// Factorises the row-major symmetric matrix `a` (`n×n`; only its lower triangle is read). Tries plain Cholesky, then Cholesky with
    /// a diagonal jitter of 1e-10, 1e-8, 1e-6 times the mean diagonal, then conjugate gradient.
    pub(crate) fn factor(a: Vec<f64>, n: usize) -> Result<Spd, NotPositiveDefinite> {
        assert_eq!(a.len(), n * n);
        if a.iter().any(|v| !v.is_finite()) {
            return Err(NotPositiveDefinite);
        }
        let mut l = a.clone();
        if cholesky_in_place(&mut l, n) {
            return Ok(Spd::Cholesky { l, n });
        }
        let mean_diag = (0..n).map(|i| a[i * n + i].abs()).sum::<f64>() / n.max(1) as f64;
        for rel in [1e-10, 1e-8, 1e-6] {
            l.copy_from_slice(&a);
            for i in 0..n {
                l[i * n + i] += rel * mean_diag.max(f64::MIN_POSITIVE);
            }
            if cholesky_in_place(&mut l, n) {
                return Ok(Spd::Cholesky { l, n });
            }
        }
        let mut a = a;
        symmetrize_from_lower(&mut a, n);
        Ok(Spd::Iterative { a, n })
    }

    /// Solves `A x = b` in place of `b`.
    pub(crate) fn solve(&self, b: &mut [f64]) -> Result<(), NotPositiveDefinite> {
        match self {
            Spd::Cholesky { l, n } => {
                cholesky_solve(l, *n, b);
                Ok(())
            }
            Spd::Iterative { a, n } => {
                let x = conjugate_gradient(a, *n, b)?;
                b.copy_from_slice(&x);
                Ok(())
            }
        }
    }
}

/// In-place lower Cholesky `A = L Lᵀ` of a row-major matrix (only the lower triangle is read and
/// written); false when a pivot is not clearly positive (relative to the original diagonal) or not
/// finite. Right-looking: after each column, the trailing lower triangle is updated row by row
/// with contiguous multiply-subtracts (no short dot products), AVX2 at run time where available.
pub(crate) fn cholesky_in_place(a: &mut [f64], n: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports the feature the function is compiled for.
            return unsafe { cholesky_avx2(a, n) };
        }
    }
    cholesky_portable(a, n)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn cholesky_avx2(a: &mut [f64], n: usize) -> bool {
    cholesky_portable(a, n)
}

#[inline(always)]
fn cholesky_portable(a: &mut [f64], n: usize) -> bool {
    let original: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    let mut column = vec![0.0f64; n];
    for j in 0..n {
        let d = a[j * n + j];
        if !(d.is_finite() && d > 1e-13 * original[j].abs().max(f64::MIN_POSITIVE)) {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        let inv = 1.0 / d;
        let below = &mut column[..n - j - 1];
        for (t, c) in below.iter_mut().enumerate() {
            let v = &mut a[(j + 1 + t) * n + j];
            *v *= inv;
            *c = *v;
        }
        for (t, &lij) in below.iter().enumerate() {
            let i = j + 1 + t;
            let row = &mut a[i * n + j + 1..=i * n + i];
            for (r, &c) in row.iter_mut().zip(&below[..=t]) {
                *r -= lij * c;
            }
        }
    }
    true
}

/// Solves `L Lᵀ x = b` in place, `L` from [`cholesky_in_place`] (both sweeps read rows of `L`).
pub(crate) fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let s = dot(&l[i * n..i * n + i], &b[..i]);
        b[i] = (b[i] - s) / l[i * n + i];
    }
    for i in (0..n).rev() {
        b[i] /= l[i * n + i];
        let xi = b[i];
        for (bk, &lik) in b[..i].iter_mut().zip(&l[i * n..i * n + i]) {
            *bk -= lik * xi;
        }
    }
}

/// Conjugate gradient from zero for a symmetric positive (semi)definite matrix; fails when the
/// iteration breaks down or the relative residual stays above 1e-10 after 10·n steps.
pub(crate) fn conjugate_gradient(
    a: &[f64],
    n: usize,
    b: &[f64],
) -> Result<Vec<f64>, NotPositiveDefinite> {
    let mut x = vec![0.0; n];
    let mut r = b.to_vec();
    let mut p = r.clone();
    let b_norm = dot(b, b).sqrt();
    if b_norm == 0.0 {
        return Ok(x);
    }
    let mut rr = dot(&r, &r);
    let mut ap = vec![0.0; n];
    for _ in 0..10 * n.max(1) {
        for (i, v) in ap.iter_mut().enumerate() {
            *v = dot(&a[i * n..(i + 1) * n], &p);
        }
        let pap = dot(&p, &ap);
        if !(pap.is_finite() && pap > 0.0) {
            return Err(NotPositiveDefinite);
        }
        let step = rr / pap;
        for i in 0..n {
            x[i] += step * p[i];
            r[i] -= step * ap[i];
        }
        let rr_new = dot(&r, &r);
        if rr_new.sqrt() <= 1e-12 * b_norm {
            return Ok(x);
        }
        let beta = rr_new / rr;
        rr = rr_new;
        for i in 0..n {
            p[i] = r[i] + beta * p[i];
        }
    }
    if dot(&r, &r).sqrt() <= 1e-10 * b_norm && x.iter().all(|v| v.is_finite()) {
        Ok(x)
    } else {
        Err(NotPositiveDefinite)
    }
}

/// Dot product with four running sums (so that it vectorises), combined in a fixed order: the
/// result depends only on the inputs (and the CPU's instruction set), never on threads. On x86-64
/// with AVX2 and FMA (checked at run time) the four sums are one fused multiply-add register.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    #[cfg(target_arch = "x86_64")]
    {
        if n >= 8 && std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports the features the function is compiled for.
            return unsafe { dot_avx2(&a[..n], &b[..n]) };
        }
    }
    let (ca, cb) = (a[..n].chunks_exact(4), b[..n].chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [0.0f64; 4];
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(a: &[f64], b: &[f64]) -> f64 {
    use std::arch::x86_64::*;
    let n = a.len().min(b.len());
    let lanes = n / 8 * 8;
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let (mut s0, mut s1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
    let mut i = 0;
    while i < lanes {
        s0 = _mm256_fmadd_pd(_mm256_loadu_pd(pa.add(i)), _mm256_loadu_pd(pb.add(i)), s0);
        s1 = _mm256_fmadd_pd(
            _mm256_loadu_pd(pa.add(i + 4)),
            _mm256_loadu_pd(pb.add(i + 4)),
            s1,
        );
        i += 8;
    }
    let s = _mm256_add_pd(s0, s1);
    let q = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    let mut total = _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
    for j in lanes..n {
        total += a[j] * b[j];
    }
    total
}

/// `f32 · f32` accumulated in `f64` with four running sums combined in a fixed order: the one
/// scoring kernel of the engine.
#[inline]
pub(crate) fn dot32(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (ca, cb) = (a[..n].chunks_exact(4), b[..n].chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [0.0f64; 4];
    let w = |x: f32, y: f32| f64::from(x) * f64::from(y);
    for (x, y) in ca.zip(cb) {
        acc[0] += w(x[0], y[0]);
        acc[1] += w(x[1], y[1]);
        acc[2] += w(x[2], y[2]);
        acc[3] += w(x[3], y[3]);
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&x, &y) in ra.iter().zip(rb) {
        s += w(x, y);
    }
    s
}

/// `MᵀM` in `f64`, row-major `k×k`.
pub(crate) fn gram(m: &Array2<f32>) -> Vec<f64> {
    let m64 = m.mapv(f64::from);
    let g = m64.t().dot(&m64);
    g.iter().copied().collect()
}

/// `Σ_r w_r x_r x_rᵀ` over the listed rows of `m` (row-major `k×k`, `f64`; only the lower
/// triangle, diagonal included, is meant — the upper one holds scratch values); `weights` parallel to `rows`
/// (`None`: all ones). Products of the `f32` factors are summed in `f32` over blocks of
/// [`GRAM_BLOCK`] rows (4 rows per pass over the triangle) and the blocks in `f64`, so the error
/// stays at the factors' own precision while the inner loops run at `f32` SIMD width. On x86-64
/// with AVX2 and FMA (checked at run time) the same code is compiled for those instructions.
pub(crate) fn weighted_gram(m: &Array2<f32>, rows: &[u32], weights: Option<&[f64]>) -> Vec<f64> {
    let k = m.ncols();
    let mut out = vec![0.0f64; k * k];
    add_weighted_gram(m, rows, weights, 1.0, &mut out);
    out
}

/// `out += scale · Σ_r w_r x_r x_rᵀ` in the lower triangle (see [`weighted_gram`]; the upper
/// triangle of `out` receives scratch values).
pub(crate) fn add_weighted_gram(
    m: &Array2<f32>,
    rows: &[u32],
    weights: Option<&[f64]>,
    scale: f64,
    out: &mut [f64],
) {
    if rows.is_empty() {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports the features the function is compiled for.
            unsafe { weighted_gram_avx2(m, rows, weights, scale, out) };
            return;
        }
    }
    weighted_gram_into(m, rows, weights, scale, out);
}

/// Rows summed in `f32` before a block is added to the `f64` result.
pub(crate) const GRAM_BLOCK: usize = 64;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn weighted_gram_avx2(
    m: &Array2<f32>,
    rows: &[u32],
    weights: Option<&[f64]>,
    scale: f64,
    out: &mut [f64],
) {
    use std::arch::x86_64::*;
    let k = m.ncols();
    if k % 8 != 0 {
        weighted_gram_into(m, rows, weights, scale, out);
        return;
    }
    let sv = _mm256_set1_pd(scale);
    let mut block = vec![0.0f32; k * k];
    let bp = block.as_mut_ptr();
    let row = |t: usize| {
        let r = m.row(rows[t] as usize);
        r.to_slice().expect("standard layout").as_ptr()
    };
    let weight = |t: usize| weights.map_or(1.0, |w| w[t]) as f32;
    let mut t = 0;
    while t < rows.len() {
        let end = (t + GRAM_BLOCK).min(rows.len());
        block.iter_mut().for_each(|v| *v = 0.0);
        while t < end {
            // Up to four rows per pass; missing ones weigh 0 (and read row t again).
            let n = (end - t).min(4);
            let ps = [
                row(t),
                row(t + (n > 1) as usize),
                row(t + 2 * (n > 2) as usize),
                row(t + 3 * (n > 3) as usize),
            ];
            let ws = [
                weight(t),
                if n > 1 { weight(t + 1) } else { 0.0 },
                if n > 2 { weight(t + 2) } else { 0.0 },
                if n > 3 { weight(t + 3) } else { 0.0 },
            ];
            for i in 0..k {
                let a = _mm256_set1_ps(ws[0] * *ps[0].add(i));
                let b = _mm256_set1_ps(ws[1] * *ps[1].add(i));
                let c = _mm256_set1_ps(ws[2] * *ps[2].add(i));
                let d = _mm256_set1_ps(ws[3] * *ps[3].add(i));
                // Columns 0..=i, rounded up to whole registers (the upper triangle is scratch).
                let mut j = 0;
                while j <= i {
                    let acc = bp.add(i * k + j);
                    let mut v = _mm256_loadu_ps(acc);
                    v = _mm256_fmadd_ps(a, _mm256_loadu_ps(ps[0].add(j)), v);
                    v = _mm256_fmadd_ps(b, _mm256_loadu_ps(ps[1].add(j)), v);
                    v = _mm256_fmadd_ps(c, _mm256_loadu_ps(ps[2].add(j)), v);
                    v = _mm256_fmadd_ps(d, _mm256_loadu_ps(ps[3].add(j)), v);
                    _mm256_storeu_ps(acc, v);
                    j += 8;
                }
            }
            t += n;
        }
        // Whole registers of each row up to the diagonal (the upper triangle is scratch).
        let op = out.as_mut_ptr();
        for i in 0..k {
            let mut j = 0;
            while j <= i {
                let src = _mm256_loadu_ps(bp.add(i * k + j));
                let lo = _mm256_cvtps_pd(_mm256_castps256_ps128(src));
                let hi = _mm256_cvtps_pd(_mm256_extractf128_ps(src, 1));
                let dst = op.add(i * k + j);
                _mm256_storeu_pd(dst, _mm256_fmadd_pd(sv, lo, _mm256_loadu_pd(dst)));
                _mm256_storeu_pd(
                    dst.add(4),
                    _mm256_fmadd_pd(sv, hi, _mm256_loadu_pd(dst.add(4))),
                );
                j += 8;
            }
        }
    }
}

#[inline(always)]
fn weighted_gram_into(
    m: &Array2<f32>,
    rows: &[u32],
    weights: Option<&[f64]>,
    scale: f64,
    out: &mut [f64],
) {
    let k = m.ncols();
    let mut block = vec![0.0f32; k * k];
    let row = |t: usize| {
        let r = m.row(rows[t] as usize);
        r.to_slice().expect("standard layout")
    };
    let weight = |t: usize| weights.map_or(1.0, |w| w[t]) as f32;
    let mut t = 0;
    while t < rows.len() {
        let end = (t + GRAM_BLOCK).min(rows.len());
        block.iter_mut().for_each(|v| *v = 0.0);
        while t + 4 <= end {
            let (a, b, c, d) = (row(t), row(t + 1), row(t + 2), row(t + 3));
            let (wa, wb, wc, wd) = (weight(t), weight(t + 1), weight(t + 2), weight(t + 3));
            for i in 0..k {
                let (ai, bi, ci, di) = (wa * a[i], wb * b[i], wc * c[i], wd * d[i]);
                let acc = &mut block[i * k..i * k + i + 1];
                let (a, b, c, d) = (&a[..=i], &b[..=i], &c[..=i], &d[..=i]);
                for j in 0..=i {
                    acc[j] += ai * a[j] + bi * b[j] + ci * c[j] + di * d[j];
                }
            }
            t += 4;
        }
        while t < end {
            let a = row(t);
            let wa = weight(t);
            for i in 0..k {
                let ai = wa * a[i];
                let acc = &mut block[i * k..i * k + i + 1];
                for (v, &x) in acc.iter_mut().zip(&a[..=i]) {
                    *v += ai * x;
                }
            }
            t += 1;
        }
        for i in 0..k {
            for j in 0..=i {
                out[i * k + j] += scale * f64::from(block[i * k + j]);
            }
        }
    }
}

/// Copies the lower triangle of a row-major matrix onto the upper one.
fn symmetrize_from_lower(a: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..i {
            a[j * n + i] = a[i * n + j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        };
        let b: Vec<f64> = (0..n * n).map(|_| next()).collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|k| b[k * n + i] * b[k * n + j]).sum::<f64>();
            }
            a[i * n + i] += 0.1;
        }
        a
    }

    fn residual(a: &[f64], n: usize, x: &[f64], b: &[f64]) -> f64 {
        (0..n)
            .map(|i| (dot(&a[i * n..(i + 1) * n], x) - b[i]).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn cholesky_and_cg_solve() {
        for n in [1, 2, 7, 64] {
            let a = spd(n, n as u64);
            let b: Vec<f64> = (0..n).map(|i| i as f64 - 3.0).collect();
            let mut x = b.clone();
            Spd::factor(a.clone(), n).unwrap().solve(&mut x).unwrap();
            assert!(residual(&a, n, &x, &b) < 1e-8, "cholesky n={n}");
            let y = conjugate_gradient(&a, n, &b).unwrap();
            assert!(residual(&a, n, &y, &b) < 1e-8, "cg n={n}");
        }
    }

    #[test]
    fn weighted_gram_matches_the_definition_in_the_lower_triangle() {
        for k in [3, 8, 64] {
            let m =
                Array2::from_shape_fn((23, k), |(r, c)| ((r * 7 + c * 3) % 11) as f32 / 7.0 - 0.6);
            for rows in [
                vec![],
                vec![4],
                vec![0, 2, 2, 5, 9],
                (0..23).rev().collect::<Vec<u32>>(),
            ] {
                let w: Vec<f64> = rows.iter().map(|&r| 1.0 + r as f64 / 3.0).collect();
                for weights in [None, Some(&w[..])] {
                    let got = weighted_gram(&m, &rows, weights);
                    for i in 0..k {
                        for j in 0..=i {
                            let want: f64 = rows
                                .iter()
                                .enumerate()
                                .map(|(t, &r)| {
                                    weights.map_or(1.0, |w| w[t])
                                        * f64::from(m[[r as usize, i]])
                                        * f64::from(m[[r as usize, j]])
                                })
                                .sum();
                            let g = got[i * k + j];
                            assert!(
                                (g - want).abs() <= 1e-5 * (1.0 + want.abs()),
                                "k={k} {i},{j}: {g} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn singular_gets_jitter_and_nan_is_rejected() {
        let a = vec![1.0, 1.0, 1.0, 1.0];
        let mut x = vec![1.0, 1.0];
        Spd::factor(a, 2).unwrap().solve(&mut x).unwrap();
        assert!(x.iter().all(|v| v.is_finite()));
        assert!(Spd::factor(vec![f64::NAN, 0.0, 0.0, 1.0], 2).is_err());
        let mut y = vec![1.0, 0.0];
        assert!(Spd::factor(vec![-1.0, 0.0, 0.0, -1.0], 2)
            .unwrap()
            .solve(&mut y)
            .is_err());
    }
}
