"""PROTOCOL.md's ranking metrics at k = 10, computed exactly as whyrec's `src/metrics/ranking.rs` does.

For each user with at least one test positive, under the served rule (PROTOCOL.md rule 4, whyrec's
`src/engine/rank.rs`): candidates = catalog minus the user's train positives, minus every rating of the
user below the threshold (`seen_low`), minus the twins of all of those (a movie listed under two ids is
one film), and of twins that remain only the best-scoring one (ties: lower index). Under the
`positives` rule (`seen_low` and `twins` None): catalog minus the train positives only.
top-k = the k highest-scoring candidates, ties broken by lower item index (a NaN score ranks as -inf);
P@k = hits / k; R@k = hits / |test_u|; NDCG@k with binary relevance over an ideal of min(k, |test_u|)
hits; MAP@k = sum of P@r over hit ranks / min(k, |test_u|); AUC over pairs (test positive that is a
candidate, candidate that is not a test positive), ties 1/2, 0.5 without pairs; novelty = mean
-log2((pop(i) + 1) / (sum of pop over the catalog + |catalog|)) over the top list, pop = train
positives; ILD = mean 1 - Jaccard of genre sets over the pairs of the top list (two genre-less items
count 0); coverage = |union of top lists| / |catalog|. Every metric but coverage is a macro average.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

K = 10

# The names whyrec's reports/metrics.json uses, in its table's column order.
NAMES = ["p@10", "r@10", "ndcg@10", "map@10", "auc", "coverage@10", "novelty@10", "ild@10"]

Scores = Callable[[np.ndarray], np.ndarray]
"""Maps an array of user indices to a (len(users), n_items) array of scores."""


def evaluate(
    scores: Scores,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    catalog: np.ndarray,
    genre_matrix: np.ndarray,
    k: int = K,
    batch: int = 512,
    seen_low: sp.csr_matrix | None = None,
    twins: list[np.ndarray] | None = None,
) -> dict:
    n_items = train.shape[1]
    twins = twins or []
    group_of = np.full(n_items, -1, dtype=np.int64)
    for g, members in enumerate(twins):
        group_of[members] = g
    in_catalog = np.zeros(n_items, dtype=bool)
    in_catalog[catalog] = True
    pop = np.asarray(train.sum(axis=0)).ravel().astype(np.float64)
    total = pop[catalog].sum() + len(catalog)
    self_info = -np.log2((pop + 1.0) / max(total, 1.0))
    genre_sizes = genre_matrix.sum(axis=1)

    evaluated = np.flatnonzero(np.diff(test.indptr) > 0)
    per_user = {name: np.zeros(len(evaluated)) for name in NAMES if name != "coverage@10"}
    shown = np.zeros(n_items, dtype=bool)
    for start in range(0, len(evaluated), batch):
        users = evaluated[start : start + batch]
        block = np.asarray(scores(users), dtype=np.float32)
        for row, u in enumerate(users):
            pos = start + row
            s = block[row].copy()
            s[np.isnan(s)] = -np.inf
            cand = in_catalog.copy()
            seen = train.indices[train.indptr[u] : train.indptr[u + 1]]
            if seen_low is not None:
                seen = np.concatenate([seen, seen_low.indices[seen_low.indptr[u] : seen_low.indptr[u + 1]]])
            cand[seen] = False
            for g in np.unique(group_of[seen]):
                if g >= 0:
                    cand[twins[g]] = False
            for members in twins:
                left = members[cand[members]]
                if len(left) > 1:
                    best = left[np.argsort(-s[left], kind="stable")[0]]
                    cand[left] = False
                    cand[best] = True
            tests = np.unique(test.indices[test.indptr[u] : test.indptr[u + 1]])
            is_test = np.zeros(n_items, dtype=bool)
            is_test[tests] = True

            per_user["auc"][pos] = auc(s[cand & is_test], s[cand & ~is_test])

            items = np.flatnonzero(cand)  # ascending item index
            order = np.argsort(-s[items], kind="stable")  # stable: equal scores keep index order
            top = items[order[:k]]
            shown[top] = True

            hit = is_test[top]
            hits = int(hit.sum())
            ranks = np.flatnonzero(hit) + 1.0
            dcg = float(np.sum(1.0 / np.log2(ranks + 1.0)))
            ap = float(np.sum(np.arange(1, hits + 1) / ranks))
            n_test = len(tests)
            ideal = min(k, n_test)
            idcg = float(np.sum(1.0 / np.log2(np.arange(1, ideal + 1) + 1.0)))
            per_user["p@10"][pos] = hits / k
            per_user["r@10"][pos] = hits / n_test
            per_user["ndcg@10"][pos] = dcg / idcg if idcg > 0 else 0.0
            per_user["map@10"][pos] = ap / ideal if ideal > 0 else 0.0
            per_user["novelty@10"][pos] = float(self_info[top].mean()) if len(top) else 0.0
            per_user["ild@10"][pos] = ild(top, genre_matrix, genre_sizes)
    out = {"users": int(len(evaluated))}
    for name in NAMES:
        if name == "coverage@10":
            out[name] = float(shown[catalog].sum() / len(catalog)) if len(catalog) else 0.0
        else:
            out[name] = float(per_user[name].mean()) if len(evaluated) else 0.0
    return {name: out[name] for name in ["users", *NAMES]}


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Share of (positive, negative) pairs the positive wins, ties 1/2; 0.5 without pairs."""
    if len(positives) == 0 or len(negatives) == 0:
        return 0.5
    neg = np.sort(negatives)
    below = np.searchsorted(neg, positives, side="left")
    not_above = np.searchsorted(neg, positives, side="right")
    wins = below.sum() + 0.5 * (not_above - below).sum()
    return float(wins / (len(positives) * len(neg)))


def ild(top: np.ndarray, genre_matrix: np.ndarray, genre_sizes: np.ndarray) -> float:
    """Mean 1 - Jaccard over the pairs of `top`; 0 for a pair of genre-less items and for < 2 items."""
    if len(top) < 2:
        return 0.0
    g = genre_matrix[top]
    inter = g @ g.T
    size = genre_sizes[top]
    union = size[:, None] + size[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.where(union > 0, 1.0 - inter / union, 0.0)
    a, b = np.triu_indices(len(top), 1)
    return float(dist[a, b].mean())
