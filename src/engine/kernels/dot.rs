//! Every dot product of the engine. Each one has a fixed summation order (a fixed number of
//! running sums, combined in a fixed order), so its result depends only on its inputs and on the
//! CPU's instruction set, never on threads or scheduling. They differ in precision and lane count
//! on purpose: each is the one its callers' numbers were tuned and checked with, and merging two
//! would change reproducible results (model files, reports) by rounding.

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
