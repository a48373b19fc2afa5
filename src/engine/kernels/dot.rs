//! Every dot product of the engine. Each one has a fixed summation order (a fixed number of
//! running sums, combined in a fixed order), so its result depends only on its inputs and on the
//! CPU's instruction set, never on threads or scheduling. They differ in precision and lane count
//! on purpose: each is the one its callers' numbers were tuned and checked with, and merging two
//! would change reproducible results (model files, reports) by rounding.

use ndarray::{s, Array2, ArrayView2, Axis};

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
    dot32_portable(a, b)
}

/// `out[i] = dot32(p, row_i[..k])`, plus `row_i[k]` when `biased`, for every row of `rows` (a
/// model scoring every item): the same values as [`dot32`], on x86-64 CPUs with AVX (checked at
/// run time) with its four running sums in one register.
pub(crate) fn score_rows(p: &[f32], rows: &Array2<f32>, k: usize, biased: bool, out: &mut [f32]) {
    score_rows_many(&[p], rows, k, biased, &mut [out]);
}

/// [`score_rows`] for several vectors at once: `outs[j][i] = dot32(ps[j], row_i[..k])` (+ bias).
/// The rows are read once for all vectors — at catalog scale the item matrix does not fit in the
/// cache, so one pass instead of one per vector is most of the saving; every value is still
/// [`dot32`]'s bit for bit.
pub(crate) fn score_rows_many(
    ps: &[&[f32]],
    rows: &Array2<f32>,
    k: usize,
    biased: bool,
    outs: &mut [&mut [f32]],
) {
    assert_eq!(ps.len(), outs.len(), "one output per vector");
    let n = rows.nrows();
    let threads = if rayon::current_thread_index().is_none() && n * ps.len() >= SPLIT_AT {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(8))
    } else {
        1
    };
    if threads <= 1 {
        return score_block(ps, rows.view(), k, biased, outs);
    }
    // An interactive call (not from a pool worker) on a large catalog: the items split into
    // contiguous blocks, one per core. Every value is computed alone, so the result is the same.
    let bounds: Vec<usize> = (0..=threads).map(|t| n * t / threads).collect();
    let mut parts: Vec<Vec<&mut [f32]>> = (0..threads).map(|_| Vec::new()).collect();
    for out in outs.iter_mut() {
        let mut rest: &mut [f32] = out;
        for (t, part) in parts.iter_mut().enumerate() {
            let len = (bounds[t + 1] - bounds[t]).min(rest.len());
            let (head, tail) = rest.split_at_mut(len);
            part.push(head);
            rest = tail;
        }
    }
    std::thread::scope(|scope| {
        for (t, mut part) in parts.into_iter().enumerate() {
            let block = rows.slice(s![bounds[t]..bounds[t + 1], ..]);
            scope.spawn(move || score_block(ps, block, k, biased, &mut part));
        }
    });
}

/// Items × vectors from which an interactive scoring is split across cores (below it a thread
/// costs more than it saves).
const SPLIT_AT: usize = 1 << 15;

/// [`score_rows_many`] of one block of rows on the calling thread.
fn score_block(
    ps: &[&[f32]],
    rows: ArrayView2<'_, f32>,
    k: usize,
    biased: bool,
    outs: &mut [&mut [f32]],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx") {
            // Each vector widened once (exact), not once per row.
            let wide: Vec<Vec<f64>> = ps
                .iter()
                .map(|p| p[..p.len().min(k)].iter().map(|&x| f64::from(x)).collect())
                .collect();
            // SAFETY: the CPU supports the feature the function is compiled for.
            unsafe { score_rows_many_avx(&wide, rows, k, biased, outs) };
            return;
        }
    }
    for (i, q) in rows.axis_iter(Axis(0)).enumerate() {
        let q = q.as_slice().expect("standard layout");
        for (p, out) in ps.iter().zip(outs.iter_mut()) {
            if let Some(o) = out.get_mut(i) {
                let s = dot32_portable(p, &q[..k]);
                *o = if biased { s + f64::from(q[k]) } else { s } as f32;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn score_rows_many_avx(
    wide: &[Vec<f64>],
    rows: ArrayView2<'_, f32>,
    k: usize,
    biased: bool,
    outs: &mut [&mut [f32]],
) {
    for (i, q) in rows.axis_iter(Axis(0)).enumerate() {
        let q = q.as_slice().expect("standard layout");
        for (p, out) in wide.iter().zip(outs.iter_mut()) {
            if let Some(o) = out.get_mut(i) {
                let s = dot32_wide_avx(p, &q[..k]);
                *o = if biased { s + f64::from(q[k]) } else { s } as f32;
            }
        }
    }
}

/// [`dot32`] with its four running sums in one AVX register and `a` already widened to `f64`: the
/// same products (widening is exact; one rounding each) added in the same order, with no fused
/// multiply-add, so the result is [`dot32_portable`]'s bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
unsafe fn dot32_wide_avx(a: &[f64], b: &[f32]) -> f64 {
    use std::arch::x86_64::*;
    let n = a.len().min(b.len());
    let full = n / 4 * 4;
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc = _mm256_setzero_pd();
    let mut c = 0;
    while c < full {
        let x = _mm256_loadu_pd(pa.add(c));
        let y = _mm256_cvtps_pd(_mm_loadu_ps(pb.add(c)));
        acc = _mm256_add_pd(acc, _mm256_mul_pd(x, y));
        c += 4;
    }
    let mut lanes = [0.0f64; 4];
    _mm256_storeu_pd(lanes.as_mut_ptr(), acc);
    let mut s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for i in full..n {
        s += a[i] * f64::from(b[i]);
    }
    s
}

/// [`dot32`] on any CPU.
#[inline]
pub(crate) fn dot32_portable(a: &[f32], b: &[f32]) -> f64 {
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

/// `a · b` in `f32` with four running sums combined in a fixed order. Always inlined: it is the
/// inner loop of the WARP negative search (inlining never changes the result).
#[inline(always)]
pub(crate) fn dot_f32x4(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (ca, cb) = (a[..n].chunks_exact(4), b[..n].chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [0.0f32; 4];
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&x, &y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `f32` dot product with eight running sums combined in a fixed order.
#[inline(always)]
pub(crate) fn dot_f32x8(a: &[f32], b: &[f32]) -> f32 {
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

/// `f32` dot product with eight running sums added up lane by lane after the tail (so that it
/// vectorises; the order is fixed): the rating MF models' kernel.
pub(crate) fn dot_f32x8_serial(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `f64` dot product with one running sum, in index order (Anderson mixing's small systems).
pub(crate) fn dot_serial(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

#[cfg(test)]
mod score_tests {
    use super::*;

    /// A catalog large enough to be split across cores gives the values of one thread.
    #[test]
    fn split_scoring_gives_dot32_bit_for_bit() {
        let (n, k) = (SPLIT_AT / 2 + 7, 13);
        let rows = Array2::from_shape_fn((n, k + 1), |(r, c)| {
            ((r * 31 + c * 7) % 101) as f32 / 17.0 - 3.0
        });
        let p: Vec<f32> = (0..k).map(|c| (c as f32 * 0.37).sin()).collect();
        let p2: Vec<f32> = (0..k).map(|c| (c as f32 * 1.3).cos()).collect();
        let (mut a, mut b) = (vec![0f32; n], vec![0f32; n]);
        score_rows_many(&[&p, &p2], &rows, k, true, &mut [&mut a, &mut b]);
        for (r, q) in rows.axis_iter(Axis(0)).enumerate() {
            let q = q.as_slice().unwrap();
            for (v, out) in [(&p, &a), (&p2, &b)] {
                let want = (dot32(v, &q[..k]) + f64::from(q[k])) as f32;
                assert_eq!(out[r].to_bits(), want.to_bits(), "row {r}");
            }
        }
    }

    #[test]
    fn score_rows_gives_dot32_bit_for_bit() {
        let mut x = 0.37f32;
        let mut next = || {
            x = (x * 3.7 + 0.11).fract();
            x * 2.0 - 1.0
        };
        for k in [1usize, 3, 4, 7, 8, 13, 64, 65] {
            for biased in [false, true] {
                let cols = k + usize::from(biased);
                let rows = Array2::from_shape_fn((37, cols), |_| next() * 1e3);
                let p: Vec<f32> = (0..k).map(|_| next()).collect();
                let mut out = vec![0f32; 37];
                score_rows(&p, &rows, k, biased, &mut out);
                // Several vectors in one pass: each output the same as alone.
                let p2: Vec<f32> = (0..k).map(|_| next() * 7.0).collect();
                let (mut a, mut b) = (vec![0f32; 37], vec![0f32; 37]);
                score_rows_many(&[&p2, &p], &rows, k, biased, &mut [&mut a, &mut b]);
                assert_eq!(b, out);
                let mut alone = vec![0f32; 37];
                score_rows(&p2, &rows, k, biased, &mut alone);
                assert_eq!(a, alone);
                for (r, &o) in out.iter().enumerate() {
                    let q = rows.row(r);
                    let q = q.as_slice().unwrap();
                    let s = dot32(&p, &q[..k]);
                    let want = if biased { s + f64::from(q[k]) } else { s } as f32;
                    assert_eq!(o.to_bits(), want.to_bits(), "k {k} row {r}");
                }
            }
        }
    }
}
