//! The little dense and sparse linear algebra the truncated SVD needs, on ndarray without LAPACK:
//! sparse × dense products, Gram–Schmidt orthonormalisation and a Jacobi eigen-solver for small
//! symmetric matrices.

use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;

use crate::data::Csr;

/// `a · x` for a sparse `a` (rows × cols) and a dense `x` (cols × l). Rows are computed in parallel,
/// each in a fixed order, so the result does not depend on the thread count.
pub fn sparse_dot(a: &Csr, x: &Array2<f64>) -> Array2<f64> {
    assert_eq!(a.n_cols, x.nrows());
    let mut out = Array2::<f64>::zeros((a.n_rows, x.ncols()));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(r, mut row)| {
            for (&c, &v) in a.row(r).iter().zip(a.row_values(r)) {
                row.scaled_add(f64::from(v), &x.row(c as usize));
            }
        });
    out
}

/// Orthonormal columns spanning those of `y` (modified Gram–Schmidt, applied twice for accuracy).
/// A column that is (numerically) dependent on the previous ones comes out zero.
pub fn orthonormal_columns(y: &Array2<f64>) -> Array2<f64> {
    let mut t = y.t().as_standard_layout().into_owned();
    let norms: Vec<f64> = t.rows().into_iter().map(|r| r.dot(&r).sqrt()).collect();
    for _ in 0..2 {
        for (j, &norm) in norms.iter().enumerate() {
            let (done, mut rest) = t.view_mut().split_at(Axis(0), j);
            let mut row = rest.row_mut(0);
            for p in 0..j {
                let d = row.dot(&done.row(p));
                row.scaled_add(-d, &done.row(p));
            }
            let n = row.dot(&row).sqrt();
            if n > 1e-10 * norm && n > 0.0 {
                row.mapv_inplace(|v| v / n);
            } else {
                row.fill(0.0);
            }
        }
    }
    t.t().as_standard_layout().into_owned()
}

/// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: eigenvalues in
/// descending order and the matching unit eigenvectors as columns.
pub fn symmetric_eigen(a: &Array2<f64>) -> (Array1<f64>, Array2<f64>) {
    let n = a.nrows();
    assert_eq!(n, a.ncols());
    let mut a = a.clone();
    let mut v = Array2::<f64>::eye(n);
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|p| (0..n).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| a[[p, q]] * a[[p, q]])
            .sum();
        if off <= 1e-26 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[[k, p]], a[[k, q]]);
                    a[[k, p]] = c * akp - s * akq;
                    a[[k, q]] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[[p, k]], a[[q, k]]);
                    a[[p, k]] = c * apk - s * aqk;
                    a[[q, k]] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| a[[y, y]].total_cmp(&a[[x, x]]).then(x.cmp(&y)));
    let values = Array1::from_iter(order.iter().map(|&i| a[[i, i]]));
    let vectors = v.select(Axis(1), &order);
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn eigen_reconstructs() {
        let a = array![
            [4.0, 1.0, -2.0, 0.5],
            [1.0, 3.0, 0.0, 1.0],
            [-2.0, 0.0, 5.0, 2.0],
            [0.5, 1.0, 2.0, 1.0]
        ];
        let (w, v) = symmetric_eigen(&a);
        assert!(w.windows(2).into_iter().all(|p| p[0] >= p[1]));
        let back = v.dot(&Array2::from_diag(&w)).dot(&v.t());
        assert!((&back - &a).iter().all(|x| x.abs() < 1e-10));
        assert!((v.t().dot(&v) - Array2::<f64>::eye(4))
            .iter()
            .all(|x| x.abs() < 1e-10));
    }

    #[test]
    fn orthonormal_and_sparse_product() {
        let y = array![
            [1.0, 2.0, 2.0],
            [0.0, 1.0, 1.0],
            [1.0, 0.0, 0.0],
            [2.0, 1.0, 1.0]
        ];
        let q = orthonormal_columns(&y);
        let g = q.t().dot(&q);
        assert!(
            (g[[0, 0]] - 1.0).abs() < 1e-12 && (g[[1, 1]] - 1.0).abs() < 1e-12 && g[[2, 2]] == 0.0
        );
        assert!(g[[0, 1]].abs() < 1e-12);
        let a = Csr::from_triplets(2, 4, &[0, 0, 1], &[1, 3, 2], &[2.0, -1.0, 3.0]);
        let p = sparse_dot(&a, &y);
        assert_eq!(p, array![[-2.0, 1.0, 1.0], [3.0, 0.0, 0.0]]);
    }
}
