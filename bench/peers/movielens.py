"""MovieLens folders in their GroupLens layouts and whyrec's split files, read the way whyrec reads them.

Dense item indices follow the order of the movie file (so "ties broken by item index" means the same
as in whyrec), genres are those whyrec uses for ILD (ML-100K: the 19 flags of u.item, `unknown`
included; movies.csv / movies.dat: the pipe-separated names, `(no genres listed)` meaning none), and
the catalog is every item with at least one rating of any value (PROTOCOL.md, ranking task, 2).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

POSITIVE_THRESHOLD = 4.0


class DataError(Exception):
    """Bad or missing input, with a message naming the file and what was wrong."""


@dataclass
class Dataset:
    name: str
    path: Path
    item_ids: list[int]
    item_index: dict[int, int]
    user_index: dict[int, int]
    genres: list[list[int]]
    genre_names: list[str]
    catalog: np.ndarray
    low: sp.csr_matrix = None  # users x items, 1.0 at every rating below POSITIVE_THRESHOLD
    skipped: list[str] = field(default_factory=list)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_users(self) -> int:
        return len(self.user_index)

    def genre_matrix(self) -> np.ndarray:
        """Items x genres, 1.0 where the item has the genre."""
        g = np.zeros((self.n_items, max(1, len(self.genre_names))), dtype=np.float64)
        for i, gs in enumerate(self.genres):
            g[i, gs] = 1.0
        return g


def resolve(dataset: str, data_dir: Path) -> Path:
    """`ml-100k` etc. inside `data_dir`, or a path to a folder."""
    p = Path(dataset)
    if p.is_dir() and ("/" in dataset or p.is_absolute()):
        return p
    candidate = data_dir / dataset
    if not candidate.is_dir():
        raise DataError(f"dataset folder {candidate} not found (--dataset {dataset}, --data-dir {data_dir})")
    return candidate


def load(path: Path, lenient: bool = False) -> Dataset:
    """Reads the movie and rating files of a folder in one of the GroupLens layouts."""
    skipped: list[str] = []
    if (path / "u.data").exists():
        items, genre_names = _u_item(path / "u.item")
        ratings_file = path / "u.data"
        ratings = _delimited(ratings_file, "\t", header=False, lenient=lenient, skipped=skipped)
    elif (path / "ratings.csv").exists():
        items, genre_names = _genre_strings(_movies_csv(path / "movies.csv"))
        ratings_file = path / "ratings.csv"
        ratings = _delimited(ratings_file, ",", header=True, lenient=lenient, skipped=skipped)
    elif (path / "movies.dat").exists():
        if not (path / "ratings.dat").exists():
            raise DataError(f"{path}: ratings.dat missing (only the movie and user files are there)")
        items, genre_names = _genre_strings(_movies_dat(path / "movies.dat"))
        ratings_file = path / "ratings.dat"
        ratings = _delimited(ratings_file, "::", header=False, lenient=lenient, skipped=skipped)
    else:
        raise DataError(f"{path}: no u.data, ratings.csv or ratings.dat: not a MovieLens folder")
    item_ids = [i for i, _ in items]
    item_index = {m: k for k, m in enumerate(item_ids)}
    if len(item_index) != len(item_ids):
        raise DataError(f"{path}: duplicate movie ids in the movie file")
    rated = np.zeros(len(item_ids), dtype=bool)
    users = set()
    low_pairs = []
    for line, (u, m, r) in ratings:
        k = item_index.get(m)
        if k is None:
            msg = f"{ratings_file}: line {line}: rating for an unknown movie: id {m} is not in the movie file"
            if not lenient:
                raise DataError(msg)
            skipped.append(msg)
            continue
        rated[k] = True
        users.add(u)
        if r < POSITIVE_THRESHOLD:
            low_pairs.append((u, k))
    user_index = {u: k for k, u in enumerate(sorted(users))}
    low = sp.csr_matrix(
        (
            np.ones(len(low_pairs), dtype=np.float32),
            (
                np.array([user_index[u] for u, _ in low_pairs], dtype=np.int64),
                np.array([k for _, k in low_pairs], dtype=np.int64),
            ),
        ),
        shape=(len(user_index), len(item_ids)),
    )
    low.sum_duplicates()
    low.data[:] = 1.0
    low.sort_indices()
    if skipped:
        print(f"{path.name}: skipped {len(skipped)} bad line(s), first: {skipped[0]}", file=sys.stderr)
    return Dataset(
        name=path.name,
        path=path,
        item_ids=item_ids,
        item_index=item_index,
        user_index=user_index,
        genres=[g for _, g in items],
        genre_names=genre_names,
        catalog=np.flatnonzero(rated),
        low=low,
        skipped=skipped,
    )


def _u_item(path: Path):
    genre_file = path.parent / "u.genre"
    names = []
    if genre_file.exists():
        for line in genre_file.read_text(encoding="latin-1").splitlines():
            if line.strip():
                name, _idx = line.rsplit("|", 1)
                names.append(name)
    items = []
    for n, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
        if not line.strip():
            continue
        f = line.split("|")
        if not names:
            names = [f"genre{k}" for k in range(len(f) - 5)]
        if len(f) != 5 + len(names):
            raise DataError(f"{path}: line {n}: expected {5 + len(names)} fields, found {len(f)}")
        flags = [k for k, v in enumerate(f[5:]) if v.strip() == "1"]
        items.append((int(f[0]), flags))
    return items, names


def _movies_csv(path: Path):
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or [c.strip() for c in rows[0]] != ["movieId", "title", "genres"]:
        raise DataError(f"{path}: expected the header movieId,title,genres")
    return [(int(r[0]), r[2]) for r in rows[1:] if r]


def _movies_dat(path: Path):
    out = []
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.strip():
            f = line.split("::")
            out.append((int(f[0]), f[2]))
    return out


def _genre_strings(rows):
    def names(s: str):
        return [g.strip() for g in s.split("|") if g.strip() and g.strip() != "(no genres listed)"]

    vocab = sorted({g for _, s in rows for g in names(s)})
    pos = {g: k for k, g in enumerate(vocab)}
    return [(m, sorted({pos[g] for g in names(s)})) for m, s in rows], vocab


def _delimited(path: Path, sep: str, header: bool, lenient: bool, skipped: list[str]):
    """(line number, (user id, movie id, rating)) for every well-formed line."""
    out = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if header and n == 1:
                continue
            line = line.strip()
            if not line:
                continue
            f = line.split(sep)
            try:
                if len(f) < 3:
                    raise ValueError(f"expected at least 3 fields, found {len(f)}")
                out.append((n, (int(f[0]), int(f[1]), float(f[2]))))
            except ValueError as e:
                msg = f"{path}: line {n}: {e}"
                if not lenient:
                    raise DataError(msg + " (use --lenient to skip bad lines)") from None
                skipped.append(msg)
    return out


def read_positives(path: Path, ds: Dataset, threshold: float = POSITIVE_THRESHOLD) -> sp.csr_matrix:
    """A split file (`user,item,rating[,...]`, the dataset's own ids) as a users x items CSR matrix of
    1.0 at every rating >= `threshold` (lower ratings are not positives and are dropped)."""
    if not path.exists():
        raise DataError(f"{path}: split file not found")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = [c.strip() for c in next(reader, [])]
        try:
            cu, ci, cr = header.index("user"), header.index("item"), header.index("rating")
        except ValueError:
            raise DataError(f"{path}: expected a header with columns user,item,rating, found {header}") from None
        rows, cols, seen = [], [], set()
        for n, rec in enumerate(reader, 2):
            if not rec:
                continue
            if len(rec) != len(header):
                raise DataError(f"{path}: line {n}: expected {len(header)} fields, found {len(rec)}")
            uid, mid, rating = int(rec[cu]), int(rec[ci]), float(rec[cr])
            if uid not in ds.user_index:
                raise DataError(f"{path}: line {n}: unknown user id {uid}")
            if mid not in ds.item_index:
                raise DataError(f"{path}: line {n}: unknown movie id {mid}")
            if (uid, mid) in seen:
                raise DataError(f"{path}: line {n}: duplicate (user {uid}, item {mid})")
            seen.add((uid, mid))
            if rating >= threshold:
                rows.append(ds.user_index[uid])
                cols.append(ds.item_index[mid])
    m = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
        shape=(ds.n_users, ds.n_items),
    )
    m.sort_indices()
    return m


def read_twins(path: Path, ds: Dataset) -> list[np.ndarray]:
    """`twins.csv` as whyrec's `split --export` writes it (`item,group`: every movie with a twin and
    the smallest id of its group) as a list of groups of item indices, each of two or more items."""
    if not path.exists():
        raise DataError(f"{path}: not found; export the split with a whyrec that writes twins.csv, or use --candidates positives")
    groups: dict[int, list[int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        if [c.strip() for c in next(reader, [])] != ["item", "group"]:
            raise DataError(f"{path}: expected the header item,group")
        for n, rec in enumerate(reader, 2):
            if not rec:
                continue
            if len(rec) != 2:
                raise DataError(f"{path}: line {n}: expected 2 fields, found {len(rec)}")
            try:
                mid, gid = int(rec[0]), int(rec[1])
            except ValueError:
                raise DataError(f"{path}: line {n}: expected two movie ids, found {rec}") from None
            if mid not in ds.item_index:
                raise DataError(f"{path}: line {n}: unknown movie id {mid}")
            groups.setdefault(gid, []).append(ds.item_index[mid])
    out = [np.array(sorted(g), dtype=np.int64) for g in groups.values()]
    for g in out:
        if len(g) < 2:
            raise DataError(f"{path}: a twin group of one movie (item index {g[0]})")
    return out


AGE_EDGES = [18, 25, 35, 45, 50, 56]  # whyrec's buckets (ML-1M's codes): <18, 18-24, ..., 56+


def read_user_features(ds: Dataset) -> np.ndarray:
    """Users x (gender, age bucket, occupation) one-hot flags, from `u.user` (ML-100K, exact ages
    mapped onto ML-1M's buckets as whyrec does) or `users.dat` (ML-1M codes). Users absent from the
    file get no flags."""
    if (ds.path / "u.user").exists():  # id|age|gender|occupation|zip
        rows = [(int(f[0]), f[2], int(f[1]), f[3]) for f in _user_lines(ds.path / "u.user", "|")]
    elif (ds.path / "users.dat").exists():  # id::gender::age code::occupation::zip
        rows = [(int(f[0]), f[1], int(f[2]), f[3]) for f in _user_lines(ds.path / "users.dat", "::")]
    else:
        raise DataError(f"{ds.path}: no u.user or users.dat: this dataset has no demographics")
    rows = [(u, g, int(np.searchsorted(AGE_EDGES, age, side="right")), o) for u, g, age, o in rows]
    genders = sorted({g for _, g, _, _ in rows})
    occupations = sorted({o for _, _, _, o in rows})
    width = len(genders) + len(AGE_EDGES) + 1 + len(occupations)
    out = np.zeros((ds.n_users, width), dtype=np.float32)
    for uid, g, a, o in rows:
        k = ds.user_index.get(uid)
        if k is None:
            continue
        out[k, genders.index(g)] = 1.0
        out[k, len(genders) + a] = 1.0
        out[k, len(genders) + len(AGE_EDGES) + 1 + occupations.index(o)] = 1.0
    return out


def _user_lines(path: Path, sep: str) -> list[list[str]]:
    """The 5 fields of every non-empty line of a user file."""
    out = []
    for n, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
        if line.strip():
            f = line.split(sep)
            if len(f) != 5:
                raise DataError(f"{path}: line {n}: expected 5 fields, found {len(f)}")
            out.append(f)
    return out
