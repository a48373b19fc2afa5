"""A small grid search for the peers' settings on a validation split carved out of a train set (the
same holdout-20 rule, numpy seed 0), so the test positives never choose a setting. Prints one markdown
table per library, best P@10 first; models.py holds the chosen values.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import metrics
import models

IMPLICIT_GRID = {"regularization": [1.0, 10.0, 20.0, 30.0, 50.0, 70.0, 100.0], "alpha": [2.0, 5.0, 10.0, 20.0]}
LIGHTFM_GRID = {"learning_rate": [0.02, 0.05, 0.1], "epochs": [10, 20, 40, 60]}


def validation_split(train: sp.csr_matrix, seed: int = 0) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """holdout-20 of each user's train positives: round(0.2 n) (at least 1) for users with n >= 2."""
    rng = np.random.default_rng(seed)
    keep_r, keep_c, held_r, held_c = [], [], [], []
    for u in range(train.shape[0]):
        items = train.indices[train.indptr[u] : train.indptr[u + 1]]
        n = len(items)
        m = 0 if n < 2 else max(1, math.floor(0.2 * n + 0.5))
        held = set(rng.choice(items, size=m, replace=False).tolist()) if m else set()
        for i in items:
            (held_r if i in held else keep_r).append(u)
            (held_c if i in held else keep_c).append(i)

    def csr(r, c):
        return sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=train.shape)

    return csr(keep_r, keep_c), csr(held_r, held_c)


def export(ds, fit_train: sp.csr_matrix, valid: sp.csr_matrix, folder: Path) -> None:
    """Writes the validation split as whyrec split files, so `whyrec eval --train --test` can score
    whyrec's own models on exactly the same validation split."""
    folder.mkdir(parents=True, exist_ok=True)
    user_ids = sorted(ds.user_index, key=ds.user_index.get)
    for name, m in [("train.csv", fit_train), ("test.csv", valid)]:
        coo = m.tocoo()
        with (folder / name).open("w") as fh:
            fh.write("user,item,rating\n")
            for u, i in sorted(zip(coo.row.tolist(), coo.col.tolist())):
                fh.write(f"{user_ids[u]},{ds.item_ids[i]},4\n")


TUNABLE = ["implicit-als", "lightfm-warp", "lightfm-warp-genres", "lightfm-warp-hybrid"]


def run(
    ds,
    train: sp.csr_matrix,
    threads: int,
    export_dir: Path | None = None,
    names: list[str] | None = None,
    twins: list[np.ndarray] | None = None,
) -> str:
    """With `twins` (the split's twin groups) the validation split is scored under the served rule
    (the dataset's low ratings and twins excluded, as in the evaluation); without, under `positives`."""
    fit_train, valid = validation_split(train)
    if export_dir is not None:
        export(ds, fit_train, valid, export_dir)
    genres = ds.genre_matrix()
    out = [f"validation split of the given train set: {fit_train.nnz} fit / {valid.nnz} validation positives\n"]
    pop = models.fit("popularity", fit_train, genres, 1, threads)
    served = {"seen_low": ds.low, "twins": twins} if twins is not None else {}
    m = metrics.evaluate(pop.scores, fit_train, valid, ds.catalog, genres, **served)
    out.append(f"popularity on it: P@10 {m['p@10']:.4f}, NDCG@10 {m['ndcg@10']:.4f}, AUC {m['auc']:.4f}\n")
    users = None
    names = [n for n in (names or TUNABLE) if n in TUNABLE]
    if "lightfm-warp-hybrid" in names:
        import movielens

        users = movielens.read_user_features(ds)
    for name in names:
        grid = IMPLICIT_GRID if name == "implicit-als" else LIGHTFM_GRID
        keys = list(grid)
        results = []
        for values in itertools.product(*(grid[k] for k in keys)):
            overrides = dict(zip(keys, values))
            if "item_alpha" in overrides:
                overrides["user_alpha"] = overrides["item_alpha"]
            f = models.fit(name, fit_train, genres, 1, threads, user_matrix=users, **overrides)
            m = metrics.evaluate(f.scores, fit_train, valid, ds.catalog, genres, **served)
            results.append((overrides, m, f.fit_seconds))
        results.sort(key=lambda r: -r[1]["p@10"])
        out.append(f"### {name}\n\n| " + " | ".join(keys) + " | P@10 | NDCG@10 | AUC | fit s |")
        out.append("|" + "---|" * (len(keys) + 4))
        for overrides, m, t in results:
            vals = " | ".join(str(overrides[k]) for k in keys)
            out.append(f"| {vals} | {m['p@10']:.4f} | {m['ndcg@10']:.4f} | {m['auc']:.4f} | {t:.2f} |")
        out.append("")
    return "\n".join(out)
