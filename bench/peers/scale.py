#!/usr/bin/env python3
"""implicit's ALS on a split whyrec exported, for `whyrec bench --scale`: fits the train positives
(rating >= 4) of DIR/train.csv, saves the model with implicit's own `model.save` (rows indexed by
the dataset's user and movie ids, the layout `whyrec import --from implicit` reads) and prints
{"fit_s": ..., "peak_rss_mib": ...} as JSON on stdout. whyrec scores the saved factors on its own
user sample with its own metric code, so both sides are measured the same way.

  scale.py --split DIR --out model.npz [--factors 64] [--iterations 10] [--threads 2] [--seed 1]
           [--rows LARGEST_USER_ID+1] [--cols LARGEST_MOVIE_ID+1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

# implicit asks for a single-threaded BLAS (its own threads do the work); set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

try:
    import numpy as np
    import scipy.sparse as sp
    from implicit.cpu.als import AlternatingLeastSquares
except ImportError as e:
    sys.exit(f"{Path(__file__).name}: {e}; set up bench/peers/.venv as bench/peers/README.md says")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import models  # noqa: E402  (IMPLICIT_ALS: the settings the ML-100K comparison uses)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--split", type=Path, required=True, help="folder with train.csv (user,item,rating,timestamp)")
    p.add_argument("--out", type=Path, required=True, help="where model.save writes the .npz")
    p.add_argument("--factors", type=int, default=models.IMPLICIT_ALS["factors"])
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rows", type=int, default=0, help="user rows (largest user id + 1; default: from train.csv)")
    p.add_argument("--cols", type=int, default=0, help="movie rows (largest movie id + 1; default: from train.csv)")
    a = p.parse_args()

    raw = (a.split / "train.csv").read_bytes()
    body = raw[raw.index(b"\n") + 1 :].rstrip(b"\n")
    del raw
    # np.loadtxt takes minutes on 20M lines; the file is plain numbers, 4 per line.
    cols = np.fromstring(body.replace(b"\n", b",").decode("ascii"), sep=",").reshape(-1, 4)
    del body
    liked = cols[:, 2] >= 4.0
    users = cols[liked, 0].astype(np.int64)
    items = cols[liked, 1].astype(np.int64)
    del cols
    shape = (max(a.rows, int(users.max()) + 1), max(a.cols, int(items.max()) + 1))
    user_items = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, items)), shape=shape)
    user_items.sum_duplicates()
    user_items.data[:] = 1.0

    model = AlternatingLeastSquares(
        factors=a.factors,
        regularization=models.IMPLICIT_ALS["regularization"],
        alpha=models.IMPLICIT_ALS["alpha"],
        iterations=a.iterations,
        use_cg=models.IMPLICIT_ALS["use_cg"],
        dtype=np.float32,
        calculate_training_loss=False,
        num_threads=a.threads,
        random_state=a.seed,
    )
    start = time.perf_counter()
    model.fit(user_items, show_progress=False)
    took = time.perf_counter() - start
    model.save(str(a.out))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({
        "fit_s": took,
        "peak_rss_mib": peak,
        "positives": int(user_items.nnz),
        "factors": a.factors,
        "iterations": a.iterations,
        "regularization": models.IMPLICIT_ALS["regularization"],
        "alpha": models.IMPLICIT_ALS["alpha"],
        "threads": a.threads,
    }))


if __name__ == "__main__":
    main()
