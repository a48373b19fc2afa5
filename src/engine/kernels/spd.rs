//! Symmetric positive-definite solves of the k×k normal equations: Cholesky with a jitter retry,
//! conjugate gradient ([`super::cg`]) as the last resort. Every exact solve of the engine goes
//! through here, which is what makes fold-in, influences and training agree to the bit.

use super::cg::conjugate_gradient;
use super::dot::dot;

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
    use crate::engine::kernels::cg::conjugate_gradient;

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
