#!/usr/bin/env python3
"""Checks metrics.py against a plain, loop-by-loop reading of PROTOCOL.md on a personalised scorer
whose scores are rounded to 2 decimals (so ties occur and the tie rules matter). The popularity
cross-check in peers.py compares with whyrec itself; this one covers per-user scores.

  check_metrics.py --split DIR [--dataset-dir ../shared/datasets/ml-100k] [--users 200]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics  # noqa: E402
import models  # noqa: E402
import movielens  # noqa: E402


def naive(scores, train, test, catalog, genres, k=10) -> dict:
    cat = sorted(catalog.tolist())
    pop = np.asarray(train.sum(axis=0)).ravel()
    total = sum(pop[i] for i in cat) + len(cat)
    per = {n: [] for n in metrics.NAMES if n != "coverage@10"}
    shown = set()
    for u in range(train.shape[0]):
        tests = set(test.indices[test.indptr[u] : test.indptr[u + 1]].tolist())
        if not tests:
            continue
        trained = set(train.indices[train.indptr[u] : train.indptr[u + 1]].tolist())
        s = scores(np.array([u]))[0]
        cands = [i for i in cat if i not in trained]
        top = sorted(cands, key=lambda i: (-float(s[i]), i))[:k]
        shown |= set(top)
        hits, dcg, ap = 0, 0.0, 0.0
        for r, i in enumerate(top, 1):
            if i in tests:
                hits += 1
                dcg += 1 / math.log2(r + 1)
                ap += hits / r
        ideal = min(k, len(tests))
        pos = [s[i] for i in cands if i in tests]
        neg = [s[i] for i in cands if i not in tests]
        wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
        pairs = [(a, b) for x, a in enumerate(top) for b in top[x + 1 :]]
        dist = [
            0.0 if not genres[a] and not genres[b] else 1 - len(genres[a] & genres[b]) / len(genres[a] | genres[b])
            for a, b in pairs
        ]
        per["p@10"].append(hits / k)
        per["r@10"].append(hits / len(tests))
        per["ndcg@10"].append(dcg / sum(1 / math.log2(r + 1) for r in range(1, ideal + 1)))
        per["map@10"].append(ap / ideal)
        per["auc"].append(wins / (len(pos) * len(neg)) if pos and neg else 0.5)
        per["novelty@10"].append(float(np.mean([-math.log2((pop[i] + 1) / total) for i in top])))
        per["ild@10"].append(float(np.mean(dist)) if dist else 0.0)
    out = {n: float(np.mean(v)) for n, v in per.items()}
    out["coverage@10"] = len(shown) / len(cat)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", type=Path, required=True)
    p.add_argument("--dataset-dir", type=Path, default=Path("../shared/datasets/ml-100k"))
    p.add_argument("--users", type=int, default=200, help="check the first N evaluated users (the loops are slow)")
    args = p.parse_args()
    ds = movielens.load(args.dataset_dir)
    train = movielens.read_positives(args.split / "train.csv", ds)
    test = movielens.read_positives(args.split / "test.csv", ds)
    keep = np.flatnonzero(np.diff(test.indptr) > 0)[: args.users]
    mask = sp.diags(np.isin(np.arange(test.shape[0]), keep).astype(np.float32))
    test = sp.csr_matrix(mask @ test)
    test.eliminate_zeros()
    fitted = models.fit("implicit-als", train, ds.genre_matrix(), 1, 2)

    # One score matrix for both sides: a BLAS product of one row and of a block of rows may differ
    # in the last bit, and after rounding that moves ties.
    table = np.round(fitted.scores(np.arange(train.shape[0])), 2).astype(np.float32)

    def rounded(users):
        return table[users]

    fast = metrics.evaluate(rounded, train, test, ds.catalog, ds.genre_matrix())
    slow = naive(rounded, train, test, ds.catalog, [set(g) for g in ds.genres])
    worst = max(abs(fast[n] - slow[n]) for n in metrics.NAMES)
    for n in metrics.NAMES:
        print(f"{n:12} metrics.py {fast[n]:.12f}   loops {slow[n]:.12f}")
    print(f"{fast['users']} users, max |difference| {worst:.2e}: {'OK' if worst < 1e-12 else 'MISMATCH'}")
    return 0 if worst < 1e-12 else 2


if __name__ == "__main__":
    sys.exit(main())
