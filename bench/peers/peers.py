#!/usr/bin/env python3
"""EASE, LightFM (WARP) and implicit (ALS) on whyrec's exported splits, scored with PROTOCOL.md's ranking
metrics and printed beside whyrec's reports/metrics.json. Not part of CI; see README.md.

  peers.py --split DIR [--whyrec-metrics DIR/metrics.json]      one split (DIR/train.csv, DIR/test.csv)
  peers.py --splits-root ROOT --seeds 1-5                       ROOT/seed-S/ for each seed
  peers.py --split DIR --fit-times-json                         only fit times, as JSON on stdout
  peers.py --split DIR --tune                                   grid search on a validation split of train
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

# implicit asks for a single-threaded BLAS (its own threads do the work); set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

SETUP_HINT = (
    "set up the venv as bench/peers/README.md says and run this script with bench/peers/.venv/bin/python "
    "(for `whyrec bench --peers`: WHYREC_PEERS_PYTHON=bench/peers/.venv/bin/python)"
)

try:
    import numpy as np  # noqa: E402
    import scipy.sparse  # noqa: E402, F401
except ImportError as e:
    sys.exit(f"{Path(__file__).name}: {e}; {SETUP_HINT}")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics  # noqa: E402
import models  # noqa: E402
import movielens  # noqa: E402
import tune  # noqa: E402


def require(names: list[str]) -> None:
    """Fails early, with the set-up hint, when a peer's library is missing."""
    for lib, needed_by in [("lightfm", "lightfm"), ("implicit", "implicit")]:
        if any(n.startswith(needed_by) for n in names):
            try:
                __import__(lib)
            except ImportError as e:
                sys.exit(f"{Path(__file__).name}: {e}; {SETUP_HINT}")

TOLERANCE = 1e-4


def parse_seeds(text: str) -> list[int]:
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            seeds = list(range(int(a), int(b) + 1))
        else:
            seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        seeds = []
    if not seeds:
        raise SystemExit(f"--seeds {text!r}: expected a range like 1-5 or a list like 1,2,3")
    return seeds


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--split", type=Path, help="folder with train.csv and test.csv")
    where.add_argument("--splits-root", type=Path, help="folder with seed-S/ subfolders (with --seeds)")
    p.add_argument("--seeds", default="1", help="seeds of the splits under --splits-root, e.g. 1-5 or 1,3")
    p.add_argument("--seed", type=int, default=1, help="model seed with --split (default 1, as whyrec eval)")
    p.add_argument("--dataset", default="ml-100k", help="dataset name inside --data-dir, or a folder")
    p.add_argument("--data-dir", type=Path, default=Path("../shared/datasets"))
    p.add_argument("--dataset-dir", type=Path, help="the dataset's own folder (instead of --dataset and --data-dir)")
    p.add_argument("--lenient", action="store_true", help="skip malformed rating lines (ml-latest-small)")
    p.add_argument("--models", default=",".join(models.MODELS), help=f"comma-separated, from {', '.join(models.MODELS)}")
    p.add_argument("--threads", type=int, default=2, help="threads for LightFM and implicit (default 2)")
    p.add_argument(
        "--candidates",
        choices=["served", "positives"],
        default="served",
        help="candidate rule: served (PROTOCOL.md rule 4: no rated movie, no twin of one; default) or "
        "positives (only the train positives excluded, the rule of older numbers)",
    )
    p.add_argument(
        "--whyrec-metrics",
        help="whyrec's metrics.json for the same split(s); with --splits-root, a path may contain {seed} "
        "(default ROOT/seed-{seed}/metrics.json when present)",
    )
    p.add_argument("--json", type=Path, help="also write all numbers (per split and means) to this file")
    p.add_argument("--fit-times-json", action="store_true", help="print only LightFM and implicit fit times as JSON")
    p.add_argument("--repeat", type=int, default=1, help="with --fit-times-json: fits per model, the median is printed")
    p.add_argument("--tune", action="store_true", help="grid-search LightFM and implicit on a validation split of train")
    p.add_argument("--export-validation", type=Path, help="with --tune: also write the validation split as split files here")
    return p.parse_args(argv)


def load_split(ds, folder: Path):
    train = movielens.read_positives(folder / "train.csv", ds)
    test = movielens.read_positives(folder / "test.csv", ds)
    return train, test


def fit_times(ds, args) -> dict:
    train, _ = load_split(ds, args.split)
    genres = ds.genre_matrix()
    times = {}
    for name in ["lightfm-warp", "implicit-als"]:
        runs = [models.fit(name, train, genres, args.seed, args.threads).fit_seconds for _ in range(max(1, args.repeat))]
        times[name] = statistics.median(runs)
    import implicit
    import lightfm

    return {
        "lightfm_warp_fit_s": times["lightfm-warp"],
        "implicit_als_fit_s": times["implicit-als"],
        "threads": args.threads,
        "repeat": max(1, args.repeat),
        "split": str(args.split),
        "train_positives": int(train.nnz),
        "lightfm_version": lightfm.__version__,
        "implicit_version": implicit.__version__,
        "lightfm": models.LIGHTFM,
        "implicit_als": models.IMPLICIT_ALS,
    }


def whyrec_results(path: Path, n_splits: int, rule: str = "served") -> dict:
    """{model: [metrics dict per split]} and {model: [fit seconds per split]} from whyrec's metrics.json."""
    try:
        report = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise SystemExit(f"{path}: cannot read whyrec's metrics: {e}")
    if report.get("task") != "ranking":
        raise SystemExit(f"{path}: not a ranking report (task = {report.get('task')!r}); run `whyrec eval --task ranking`")
    theirs = report.get("candidates", "positives")
    if theirs != rule:
        raise SystemExit(f"{path}: whyrec evaluated with --candidates {theirs}, the peers with --candidates {rule}")
    fits = whyrec_fit_seconds(path.with_name("timings.json"))
    out = {}
    for m in report["models"]:
        per = m["per_split"]
        if len(per) != n_splits:
            raise SystemExit(f"{path}: {m['name']} has {len(per)} split(s), expected {n_splits}")
        secs = fits.get(m["name"], [])
        if len(secs) != n_splits:
            secs = [float("nan")] * n_splits
        out[m["name"]] = ([s["metrics"] for s in per], secs)
    return out


def whyrec_fit_seconds(path: Path) -> dict:
    """{model: [fit seconds per split]} from the timings.json whyrec writes beside metrics.json (the
    newest entry for metrics.json); empty when the file is missing (fit times then show as nan)."""
    try:
        entries = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    entries = [e for e in entries if isinstance(e, dict) and e.get("report") == "metrics.json"]
    out = {}
    for fit in entries[-1]["fits"] if entries else []:
        out.setdefault(fit["model"], []).append(fit["fit_seconds"])
    return out


def mean_metrics(all_metrics: list[dict]) -> dict:
    return {k: float(np.mean([m[k] for m in all_metrics])) for k in ["users", *metrics.NAMES]}


def table(rows: list[tuple[str, dict, float]], title: str) -> str:
    out = [title, "", "| model | P@10 | R@10 | NDCG@10 | MAP@10 | AUC | cov@10 | novelty@10 | ILD@10 | fit s |"]
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for name, m, fit_s in rows:
        vals = [f"{m[k]:.4f}" if k != "novelty@10" else f"{m[k]:.3f}" for k in metrics.NAMES]
        out.append(f"| {name} | " + " | ".join(vals) + f" | {fit_s:.2f} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        folder = args.dataset_dir or movielens.resolve(args.dataset, args.data_dir)
        if not folder.is_dir():
            raise movielens.DataError(f"dataset folder {folder} not found")
        ds = movielens.load(folder, lenient=args.lenient)
        if args.fit_times_json or args.tune:
            require(["lightfm", "implicit"])
        if args.fit_times_json:
            if args.split is None:
                raise SystemExit("--fit-times-json needs --split DIR")
            print(json.dumps(fit_times(ds, args), indent=2))
            return 0
        if args.tune:
            if args.split is None:
                raise SystemExit("--tune needs --split DIR")
            train, _ = load_split(ds, args.split)
            names = [n.strip() for n in args.models.split(",") if n.strip()] if args.models != ",".join(models.MODELS) else None
            twins = movielens.read_twins(args.split / "twins.csv", ds) if args.candidates == "served" else None
            print(tune.run(ds, train, args.threads, args.export_validation, names, twins))
            return 0
        if args.split is not None:
            splits = [(args.seed, args.split)]
        else:
            splits = [(s, args.splits_root / f"seed-{s}") for s in parse_seeds(args.seeds)]
        names = [n.strip() for n in args.models.split(",") if n.strip()]
        for n in names:
            if n not in models.MODELS:
                raise SystemExit(f"unknown model {n!r}: expected one of {', '.join(models.MODELS)}")

        require(names)
        genres = ds.genre_matrix()
        users = movielens.read_user_features(ds) if "lightfm-warp-hybrid" in names else None
        peers = {n: ([], []) for n in names}
        for seed, folder in splits:
            train, test = load_split(ds, folder)
            served = args.candidates == "served"
            twins = movielens.read_twins(folder / "twins.csv", ds) if served else None
            seen_low = ds.low if served else None
            for n in names:
                print(f"fitting {n} on {folder} (seed {seed})", file=sys.stderr)
                f = models.fit(n, train, genres, seed, args.threads, user_matrix=users)
                m = metrics.evaluate(f.scores, train, test, ds.catalog, genres, seen_low=seen_low, twins=twins)
                peers[n][0].append(m)
                peers[n][1].append(f.fit_seconds)

        whyrec = load_whyrec(args, splits, args.candidates)
    except movielens.DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    rows = [(n, mean_metrics(ms), float(np.mean(ts))) for n, (ms, ts) in peers.items()]
    rows += [(f"whyrec {n}", mean_metrics(ms), float(np.mean(ts))) for n, (ms, ts) in whyrec.items()]
    seeds = ",".join(str(s) for s, _ in splits)
    title = (
        f"{ds.name} — holdout-20 split files, seed(s) {seeds} (mean over {len(splits)}), "
        f"{len(ds.catalog)} items in the catalog, {args.threads} threads for the peers, "
        f"protocol: {args.candidates}"
    )
    print(table(rows, title))
    status = 0
    if "popularity" in peers and "popularity" in whyrec:
        status = cross_check(peers["popularity"][0], whyrec["popularity"][0])
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "dataset": ds.name,
                    "splits": [str(f) for _, f in splits],
                    "seeds": [s for s, _ in splits],
                    "threads": args.threads,
                    "candidates": args.candidates,
                    "config": {
                        "ease": models.EASE,
                        "lightfm": models.LIGHTFM,
                        "lightfm_genres": models.LIGHTFM_GENRES,
                        "lightfm_hybrid": models.LIGHTFM_HYBRID,
                        "implicit_als": models.IMPLICIT_ALS,
                    },
                    "peers": {n: {"per_split": ms, "fit_seconds": ts} for n, (ms, ts) in peers.items()},
                    "whyrec": {n: {"per_split": ms, "fit_seconds": ts} for n, (ms, ts) in whyrec.items()},
                    "means": {name: {**m, "fit_seconds": t} for name, m, t in rows},
                },
                indent=2,
            )
        )
        print(f"wrote {args.json}", file=sys.stderr)
    return status


def load_whyrec(args, splits, rule: str) -> dict:
    """whyrec's results for the same splits: one metrics.json per split, or one with every split."""
    if args.whyrec_metrics and "{seed}" not in args.whyrec_metrics:
        return whyrec_results(Path(args.whyrec_metrics), len(splits), rule)
    template = args.whyrec_metrics or (str(args.splits_root / "seed-{seed}" / "metrics.json") if args.splits_root else None)
    if template is None:
        return {}
    paths = [Path(template.format(seed=s)) for s, _ in splits]
    if not all(p.exists() for p in paths):
        if args.whyrec_metrics:
            missing = next(p for p in paths if not p.exists())
            raise SystemExit(f"{missing}: whyrec metrics not found")
        return {}
    merged: dict = {}
    for p in paths:
        for n, (ms, ts) in whyrec_results(p, 1, rule).items():
            merged.setdefault(n, ([], []))
            merged[n][0].extend(ms)
            merged[n][1].extend(ts)
    return merged


def cross_check(ours: list[dict], theirs: list[dict]) -> int:
    """Popularity is deterministic: both implementations must give the same numbers on the same files."""
    worst, where = 0.0, ""
    for k, (a, b) in enumerate(zip(ours, theirs)):
        if a["users"] != b["users"]:
            print(f"popularity cross-check: split {k + 1}: {a['users']} users evaluated here, {b['users']} in whyrec")
            return 2
        for name in metrics.NAMES:
            d = abs(a[name] - b[name])
            if d > worst:
                worst, where = d, f"{name} on split {k + 1}"
    verdict = "OK" if worst <= TOLERANCE else "MISMATCH"
    print(
        f"popularity cross-check against whyrec: max |difference| = {worst:.2e}"
        f"{' (' + where + ')' if where else ''} over {len(ours)} split(s): {verdict} (tolerance {TOLERANCE:g})"
    )
    return 0 if verdict == "OK" else 2


if __name__ == "__main__":
    sys.exit(main())
