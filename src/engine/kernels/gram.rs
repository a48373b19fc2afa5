//! Gramians `MᵀM` and weighted Gramians `Σ_r w_r x_r x_rᵀ` of factor rows, in `f64` (the
//! weighted one summed in `f32` blocks; see [`weighted_gram`]).

use ndarray::{s, Array2};
use rayon::prelude::*;

/// Rows per chunk of [`cross_gram`]: chunks run in parallel and are added in order, so the result
/// does not depend on the number of threads (and a matrix of at most this many rows is one
/// chunk, the plain product).
const CHUNK_ROWS: usize = 4096;

/// `MᵀM` in `f64`, row-major `k×k`.
pub(crate) fn gram(m: &Array2<f32>) -> Vec<f64> {
    cross_gram(m, m)
}

/// `AᵀB` in `f64`, row-major (`A`, `B` with the same number of rows), over row chunks in
/// parallel (see [`CHUNK_ROWS`]).
pub(crate) fn cross_gram(a: &Array2<f32>, b: &Array2<f32>) -> Vec<f64> {
    assert_eq!(a.nrows(), b.nrows(), "the same rows");
    let n = a.nrows();
    let product = |c: usize| {
        let rows = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
        let a64 = a.slice(s![rows.clone(), ..]).mapv(f64::from);
        let b64 = b.slice(s![rows, ..]).mapv(f64::from);
        a64.t().dot(&b64)
    };
    let chunks: Vec<Array2<f64>> = (0..n.div_ceil(CHUNK_ROWS).max(1))
        .into_par_iter()
        .map(product)
        .collect();
    let mut chunks = chunks.into_iter();
    let mut total = chunks.next().expect("at least one chunk");
    for c in chunks {
        total += &c;
    }
    total.iter().copied().collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn cross_gram_is_the_product_and_does_not_depend_on_the_threads() {
        let n = 3 * CHUNK_ROWS + 17;
        let a = Array2::from_shape_fn((n, 5), |(i, j)| {
            ((i * 13 + j * 7) % 101) as f32 / 50.0 - 1.0
        });
        let b = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 3 + j * 11) % 89) as f32 / 40.0 - 1.0);
        let in_pool = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| cross_gram(&a, &b))
        };
        let one = in_pool(1);
        assert_eq!(one, in_pool(3), "bit for bit at any thread count");
        let want = a.mapv(f64::from).t().dot(&b.mapv(f64::from));
        for (g, w) in one.iter().zip(want.iter()) {
            assert!((g - w).abs() <= 1e-9 * (1.0 + w.abs()), "{g} vs {w}");
        }
        // A matrix of one chunk is the plain product, bit for bit.
        let small = a.slice(ndarray::s![..100, ..]).to_owned();
        let plain = small.mapv(f64::from).t().dot(&small.mapv(f64::from));
        assert_eq!(gram(&small), plain.iter().copied().collect::<Vec<f64>>());
    }
}
