"""Rating histograms: the sufficient statistic behind every level, agreement and bootstrap figure.

Ratings are whole numbers on a short scale, so a group's counts at each scale point carry all the
information a mean, a median, a spread, an agreement index or a bootstrap of the mean needs. One
``np.bincount`` over integer codes builds them for every group at once; everything after that works
on a (groups x scale points) array, however many respondents there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.privacy import GROUP_COLUMNS

__all__ = ["GROUP_COLUMNS", "Histograms", "rating_histograms", "counts_quantile"]

_DENSE_LIMIT = 50_000_000  # cells; above this, histograms are built one grouping at a time


@dataclass(frozen=True)
class Histograms:
    """Counts of answers at each scale point, one row per group.

    ``index`` holds the key columns (e.g. place, round, behaviour) plus ``group_by`` and ``group``;
    ``counts[i, j]`` is how many answers in group ``i`` equal ``values[j]``.
    """

    index: pd.DataFrame
    counts: np.ndarray
    values: np.ndarray

    @property
    def n(self) -> np.ndarray:
        return self.counts.sum(axis=1)


def rating_histograms(
    ratings: pd.DataFrame,
    *,
    scale: tuple[int, int],
    group_bys: tuple[str, ...] = ("all",),
    keys: tuple[str, ...] | None = None,
    value: str = "rating",
) -> Histograms:
    """Count the answers at each scale point for every key x group combination.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings; unanswered ratings (NaN) are left out.
    scale : (int, int)
        Lowest and highest scale point; every rating must be a whole number in this range.
    group_bys : tuple of {"all", "sector", "role", "organisation"}
        Groupings to build; their rows are stacked, labelled by ``group_by`` and ``group``.
    keys : tuple of str, optional
        Columns every group is split by; default ``place`` (when present), ``round`` and
        ``behaviour``.
    value : str
        The column holding the ratings.

    Returns
    -------
    Histograms
        Only groups with at least one answer are kept.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "sector": ["a", "a", "b"],
    ...                    "rating": [3.0, 4.0, 4.0]})
    >>> h = rating_histograms(df, scale=(1, 5), group_bys=("all", "sector"))
    >>> h.index[["group_by", "group"]].values.tolist()
    [['all', 'all'], ['sector', 'a'], ['sector', 'b']]
    >>> h.counts.tolist()
    [[0, 0, 1, 2, 0], [0, 0, 1, 1, 0], [0, 0, 0, 1, 0]]
    """
    lo, hi = scale
    if keys is None:
        keys = tuple(k for k in ("place", "round", "behaviour") if k in ratings.columns)
    n_points = hi - lo + 1
    point_code = _point_codes(ratings[value], lo, hi)  # n_points marks "no answer"
    key_codes = [_codes(ratings[k]) for k in keys]
    key_shape = tuple(len(u) for _, u in key_codes)
    n_keys = int(np.prod(key_shape))
    group_columns = [GROUP_COLUMNS[g] for g in group_bys if GROUP_COLUMNS[g]]
    group_codes = {c: _codes(ratings[c]) for c in dict.fromkeys(group_columns)}
    if keys:
        key_code = _combine([c for c, _ in key_codes], key_shape)
    else:
        key_code = np.zeros(len(ratings), dtype=np.int64)

    columns = list(group_codes)
    finest_size = n_keys * (n_points + 1) * int(np.prod([len(group_codes[c][1]) for c in columns]))
    # One pass over the ratings builds the finest table, and each grouping is a sum over its
    # axes; past a size limit, one pass per grouping keeps memory small instead.
    passes = [columns] if finest_size <= _DENSE_LIMIT else [[GROUP_COLUMNS[g]] for g in group_bys]
    tables = {}
    for axes in passes:
        axes = [c for c in axes if c]
        shape = (n_keys, *(len(group_codes[c][1]) for c in axes), n_points + 1)
        code = _combine([key_code, *(group_codes[c][0] for c in axes), point_code], shape)
        table = np.bincount(code, minlength=int(np.prod(shape))).reshape(shape)[..., :n_points]
        for group_by in group_bys:
            column = GROUP_COLUMNS[group_by]
            if group_by in tables or (column and column not in axes):
                continue
            others = tuple(1 + i for i, c in enumerate(axes) if c != column)
            tables[group_by] = table.sum(axis=others) if others else table

    index_parts, count_parts = [], []
    for group_by in group_bys:
        _, key_flat, group_labels, counts = _block(
            tables[group_by], group_by, GROUP_COLUMNS[group_by], group_codes
        )
        keep = counts.sum(axis=1) > 0
        frame = {}
        if keys:
            positions = np.unravel_index(key_flat[keep], key_shape)
            for key, (_, uniques), position in zip(keys, key_codes, positions, strict=True):
                frame[key] = uniques.take(position).to_numpy()
        frame["group_by"] = group_by
        frame["group"] = group_labels[keep]
        index_parts.append(pd.DataFrame(frame))
        count_parts.append(counts[keep])
    index = pd.concat(index_parts, ignore_index=True)
    index["group"] = index["group"].astype(str)
    return Histograms(
        index=index,
        counts=np.concatenate(count_parts).astype(np.int64),
        values=np.arange(lo, hi + 1, dtype=np.float64),
    )


def _point_codes(column: pd.Series, lo: int, hi: int) -> np.ndarray:
    """Scale point of each rating as 0..hi-lo, and hi-lo+1 for no answer; refuse anything else."""
    x = column.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(x)
    shifted = np.where(missing, 0.0, x - lo)
    code = shifted.astype(np.int16)
    bad = (code != shifted) | (shifted < 0) | (shifted > hi - lo)
    if bad.any():
        raise ValueError(f"rating {x[bad][0]!r} is not a whole number from {lo} to {hi}")
    code[missing] = hi - lo + 1
    return code


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Small integer codes for a key column, and the labels they stand for."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), pd.Index(column.cat.categories)
    if pd.api.types.is_integer_dtype(column.dtype) and len(column):
        values = column.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < 1_000_000:  # dense: unobserved codes come out as empty groups, dropped
            return (values - low).astype(np.int32), pd.Index(np.arange(low, high + 1))
    codes, uniques = pd.factorize(column, sort=True)
    return codes, pd.Index(uniques)


def _combine(codes: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Mixed-radix code of several code arrays, in the narrowest integer type that holds it."""
    dtype = np.int32 if np.prod(shape, dtype=np.float64) < 2**31 else np.int64
    combined = codes[0].astype(dtype)
    for code, size in zip(codes[1:], shape[1:], strict=True):
        combined *= size
        combined += code
    return combined


def _block(table: np.ndarray, group_by: str, column: str | None, group_codes: dict):
    """Flatten a (keys[, groups], points) table into rows with their key and group labels."""
    n_keys, n_points = table.shape[0], table.shape[-1]
    if column is None:
        return group_by, np.arange(n_keys), np.full(n_keys, "all", dtype=object), table
    labels = group_codes[column][1].to_numpy(dtype=object)
    n_groups = len(labels)
    key_flat = np.repeat(np.arange(n_keys), n_groups)
    group_labels = np.tile(labels, n_keys)
    return group_by, key_flat, group_labels, table.reshape(n_keys * n_groups, n_points)


def counts_quantile(counts: np.ndarray, values: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each row's data, as ``np.quantile`` (linear) gives it on the raw answers.

    Examples
    --------
    >>> counts_quantile(np.array([[1, 0, 2, 1]]), np.array([1.0, 2, 3, 4]), 0.5).tolist()
    [3.0]
    """
    n = counts.sum(axis=1)
    cumulative = np.cumsum(counts, axis=1)
    position = (n - 1) * q
    below = np.floor(position)

    def value_at(i):  # the i-th smallest answer (0-based) of each row
        return values[np.minimum((cumulative <= i[:, None]).sum(axis=1), len(values) - 1)]

    with np.errstate(invalid="ignore"):
        low = value_at(below)
        high = value_at(np.minimum(below + 1, np.maximum(n - 1, 0)))
        result = low + (position - below) * (high - low)
    return np.where(n > 0, result, np.nan)
