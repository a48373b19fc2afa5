"""The peers: popularity (the metric cross-check against whyrec), EASE (Steck 2019, closed form, in
numpy), LightFM with the WARP loss (without features, with genre item features, and hybrid: genres
plus user demographics) and implicit's ALS, each fitted on the train positives of a split and timed
around the fit only.

Settings come from a small grid searched on a validation split carved out of the seed-1 train set
(`peers.py --tune`), never from test data; see README.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

# Chosen on the validation split of the seed-1 train set (README.md, "Settings"): the best P@10 there.
LIGHTFM = {
    "no_components": 64,
    "loss": "warp",
    "learning_rate": 0.02,
    "epochs": 60,
    "max_sampled": 10,
    "item_alpha": 0.0,
    "user_alpha": 0.0,
}
LIGHTFM_GENRES = {**LIGHTFM, "learning_rate": 0.05, "epochs": 40}
# Genres on items and gender/age/occupation on users, each beside an identity feature (rows
# normalised); tuned like the others (README.md, "Settings"): learning rate 0.1, 40 epochs.
LIGHTFM_HYBRID = {**LIGHTFM, "learning_rate": 0.1, "epochs": 40}
# EASE's one setting, the l2 the reference numbers use.
EASE = {"l2": 300.0}
# implicit's confidence is alpha * r (whyrec's is 1 + alpha), and its lambda is not frequency-scaled.
IMPLICIT_ALS = {"factors": 64, "regularization": 50.0, "alpha": 10.0, "iterations": 15, "use_cg": True}

MODELS = ["popularity", "ease", "lightfm-warp", "lightfm-warp-genres", "lightfm-warp-hybrid", "implicit-als"]


@dataclass
class Fitted:
    name: str
    scores: Callable[[np.ndarray], np.ndarray]
    fit_seconds: float
    config: dict


def fit(
    name: str,
    train: sp.csr_matrix,
    genre_matrix: np.ndarray,
    seed: int,
    threads: int,
    user_matrix: np.ndarray | None = None,
    **overrides,
) -> Fitted:
    if name == "popularity":
        return fit_popularity(train)
    if name == "ease":
        return fit_ease(train, **overrides)
    if name == "lightfm-warp":
        return fit_lightfm(train, None, seed, threads, **overrides)
    if name == "lightfm-warp-genres":
        return fit_lightfm(train, genre_matrix, seed, threads, **overrides)
    if name == "lightfm-warp-hybrid":
        if user_matrix is None:
            raise ValueError("lightfm-warp-hybrid needs user demographics")
        return fit_lightfm(train, genre_matrix, seed, threads, user_matrix=user_matrix, **overrides)
    if name == "implicit-als":
        return fit_implicit_als(train, seed, threads, **overrides)
    raise ValueError(f"unknown model {name!r}: expected one of {', '.join(MODELS)}")


def fit_popularity(train: sp.csr_matrix) -> Fitted:
    start = time.perf_counter()
    counts = np.asarray(train.sum(axis=0), dtype=np.float32).ravel()
    took = time.perf_counter() - start
    return Fitted("popularity", lambda users: np.broadcast_to(counts, (len(users), len(counts))), took, {})


def fit_ease(train: sp.csr_matrix, **overrides) -> Fitted:
    """EASE: B = I - P / diag(P) with P = (X'X + l2 I)^-1, diag(B) = 0; scores = X_u B."""
    cfg = {**EASE, **overrides}
    start = time.perf_counter()
    x = sp.csr_matrix(train, dtype=np.float64)
    g = (x.T @ x).toarray()
    g[np.diag_indices_from(g)] += cfg["l2"]
    p = np.linalg.inv(g)
    b = -p / np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    took = time.perf_counter() - start
    b = b.astype(np.float32)
    x32 = sp.csr_matrix(train, dtype=np.float32)

    def scores(users: np.ndarray) -> np.ndarray:
        return np.asarray(x32[users] @ b)

    return Fitted("ease", scores, took, dict(cfg))


def item_features_with_genres(genre_matrix: np.ndarray) -> sp.csr_matrix:
    """LightFM's usual hybrid item features: an identity column per item plus its genres, each row
    normalised to sum 1 (what lightfm.data.Dataset builds with normalize=True)."""
    return identity_plus(genre_matrix)


def identity_plus(flags: np.ndarray) -> sp.csr_matrix:
    """An identity column per row plus `flags`, each row normalised to sum 1."""
    n = flags.shape[0]
    f = sp.hstack([sp.identity(n, format="csr"), sp.csr_matrix(flags)], format="csr").astype(np.float32)
    rows = np.asarray(f.sum(axis=1)).ravel()
    return sp.csr_matrix(sp.diags(1.0 / rows) @ f, dtype=np.float32)


def fit_lightfm(train: sp.csr_matrix, genre_matrix, seed: int, threads: int, user_matrix=None, **overrides) -> Fitted:
    from lightfm import LightFM

    base = LIGHTFM if genre_matrix is None else (LIGHTFM_GENRES if user_matrix is None else LIGHTFM_HYBRID)
    cfg = {**base, **overrides}
    model = LightFM(
        no_components=cfg["no_components"],
        loss=cfg["loss"],
        learning_rate=cfg["learning_rate"],
        max_sampled=cfg["max_sampled"],
        item_alpha=cfg["item_alpha"],
        user_alpha=cfg["user_alpha"],
        random_state=np.random.RandomState(seed),
    )
    interactions = train.tocoo().astype(np.float32)
    features = None if genre_matrix is None else item_features_with_genres(genre_matrix)
    user_features = None if user_matrix is None else identity_plus(user_matrix)
    start = time.perf_counter()
    model.fit(
        interactions, item_features=features, user_features=user_features, epochs=cfg["epochs"], num_threads=threads
    )
    took = time.perf_counter() - start
    item_bias, item_emb = model.get_item_representations(features)
    user_bias, user_emb = model.get_user_representations(user_features)

    def scores(users: np.ndarray) -> np.ndarray:
        return user_emb[users] @ item_emb.T + item_bias[None, :] + user_bias[users, None]

    name = "lightfm-warp" if genre_matrix is None else ("lightfm-warp-genres" if user_matrix is None else "lightfm-warp-hybrid")
    return Fitted(
        name,
        scores,
        took,
        {**cfg, "seed": seed, "threads": threads, "item_features": genre_matrix is not None, "user_features": user_matrix is not None},
    )


def fit_implicit_als(train: sp.csr_matrix, seed: int, threads: int, **overrides) -> Fitted:
    from implicit.cpu.als import AlternatingLeastSquares

    cfg = {**IMPLICIT_ALS, **overrides}
    model = AlternatingLeastSquares(
        factors=cfg["factors"],
        regularization=cfg["regularization"],
        alpha=cfg["alpha"],
        iterations=cfg["iterations"],
        use_cg=cfg["use_cg"],
        dtype=np.float32,
        calculate_training_loss=False,
        num_threads=threads,
        random_state=seed,
    )
    user_items = sp.csr_matrix(train, dtype=np.float32)  # implicit >= 0.5: users x items
    start = time.perf_counter()
    model.fit(user_items, show_progress=False)
    took = time.perf_counter() - start
    uf, itf = np.asarray(model.user_factors), np.asarray(model.item_factors)

    def scores(users: np.ndarray) -> np.ndarray:
        return uf[users] @ itf.T

    return Fitted("implicit-als", scores, took, {**cfg, "seed": seed, "threads": threads})
