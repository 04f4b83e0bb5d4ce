"""From tidy rows to a series of time points: the mean, its standard error, and a numeric time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.exceptions import EvalkitError

__all__ = [
    "TimeAxis",
    "round_means",
    "sampling_covariance",
    "numeric_time",
    "time_axis",
    "to_time",
]

_DAYS_PER_YEAR = 365.25
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12
_YEARLY = 300  # days: rounds this far apart (median) are counted in years, closer in months


@dataclass(frozen=True)
class TimeAxis:
    """How a time column becomes numbers: as they are, or dates as time since the first one.

    ``kind`` is "numeric" or "datetime"; for dates, ``origin`` is the first date and ``unit``
    "month" (a mean month, 365.25 / 12 days) or "year" (365.25 days).

    Examples
    --------
    >>> axis = time_axis(pd.Series(pd.to_datetime(["2024-01-01", "2024-07-01", "2025-07-01"])))
    >>> axis.unit, axis.x(pd.Series(pd.to_datetime(["2024-07-01"]))).round(2).tolist()
    ('month', [5.98])
    >>> axis.time(12.0).date().isoformat()
    '2024-12-31'
    """

    kind: str = "numeric"
    origin: pd.Timestamp | None = None
    unit: str | None = None

    @property
    def days(self) -> float:
        return _DAYS_PER_MONTH if self.unit == "month" else _DAYS_PER_YEAR

    def x(self, column) -> np.ndarray:
        """Numbers for a column (or list) of times in the axis' own terms."""
        column = column if isinstance(column, pd.Series) else pd.Series(np.atleast_1d(column))
        if self.kind != "datetime":
            return numeric_time(column)[0]
        dates = pd.to_datetime(column, format="ISO8601") if column.dtype == object else column
        dates = pd.to_datetime(dates)
        return ((dates - self.origin).dt.total_seconds() / 86400.0 / self.days).to_numpy(float)

    def time(self, x: float):
        """A number back in the axis' own terms (a Timestamp for dates)."""
        if self.kind != "datetime":
            return float(x)
        return self.origin + pd.to_timedelta(float(x) * self.days, "D")


def time_axis(column: pd.Series) -> TimeAxis:
    """The axis for a time column: dates count months (or, a year or so apart, years) since the
    first; anything else stays as it is (see :func:`numeric_time`)."""
    _, kind = numeric_time(column)
    if kind != "datetime":
        return TimeAxis()
    dates = pd.to_datetime(column, format="ISO8601") if column.dtype == object else column
    dates = pd.Series(pd.to_datetime(dates)).dropna()
    distinct = np.sort(dates.unique())
    gaps = np.diff(distinct).astype("timedelta64[s]").astype(float) / 86400.0
    unit = "year" if len(gaps) and float(np.median(gaps)) >= _YEARLY else "month"
    return TimeAxis("datetime", pd.Timestamp(distinct[0]) if len(distinct) else None, unit)


def round_means(data: pd.DataFrame, *, time: str, value: str, unit: str | None = None):
    """Aggregate tidy rows to one row per time point.

    Parameters
    ----------
    data : DataFrame
        One row per observation; rows with a missing time or value are dropped.
    time : str
        Round numbers, years, dates (datetime or ISO strings) or any numeric x.
    value : str
        The numeric value (e.g. a rating).
    unit : str, optional
        Respondent (or panel unit) id; several rows of one unit at one time are averaged first.

    Returns
    -------
    DataFrame
        ``time`` (as given), ``x`` (numeric: the number itself, or time since the first date),
        ``n``, ``mean``, ``sd`` and ``se`` (sd / sqrt(n)), sorted by time; dates become months
        (or years, for rounds a year or so apart) since the first (:func:`time_axis`).
        ``attrs["time_kind"]`` is ``"datetime"`` or ``"numeric"``.

    Examples
    --------
    >>> df = pd.DataFrame({"round": [1, 1, 2, 2, 2], "rating": [4.0, 6, 5, 6, 7]})
    >>> round_means(df, time="round", value="rating")[["time", "n", "mean", "se"]].round(3)
       time  n  mean     se
    0     1  2   5.0  1.000
    1     2  3   6.0  0.577
    """
    rows, axis = _tidy(data, time, value, unit)
    table = _aggregate(_per_unit(rows, unit))
    table.attrs["time_kind"] = axis.kind
    return table


def sampling_covariance(rows: pd.DataFrame, table: pd.DataFrame, unit: str | None) -> np.ndarray:
    """Sampling covariance of the time points' means, k x k.

    Without a unit it is diagonal, se_t^2 = s_t^2 / n_t. With a unit (a panel) the means of two
    times share the people who answered both, so it is the cluster-robust covariance
    V_st = c_s c_t sum_i e_is e_it / (n_s n_t), e_it = y_it - mean_t summed over the units i present
    at both times, c_t = sqrt(n_t / (n_t - 1)) so that the diagonal is exactly s_t^2 / n_t (Liang
    and Zeger 1986). Where n_t = 1 the pooled within-time variance stands in for s_t^2, and a
    variance below 1% of the median is raised to it, so that no mean counts as known exactly.
    """
    n = table["n"].to_numpy(dtype=float)
    var = table["sd"].to_numpy(dtype=float) ** 2
    several = n > 1
    pooled = np.sum((n[several] - 1) * var[several]) / max(np.sum(n[several] - 1), 1)
    var = np.where(several, var, pooled)
    floor = 0.01 * np.median(var[var > 0]) if np.any(var > 0) else 1e-12
    target = np.maximum(var, floor) / n
    if unit is None:
        return np.diag(target)
    units = _per_unit(rows, unit)
    times = np.searchsorted(table["x"].to_numpy(), units["x"].to_numpy())
    ids = pd.factorize(units[unit])[0]
    resid = units["value"].to_numpy() - table["mean"].to_numpy()[times]
    a = np.zeros((ids.max() + 1, len(n)))
    a[ids, times] = resid / n[times]
    cov = a.T @ a
    # rescale to the diagonal s_t^2 / n_t (this is c_s c_t, plus the floor and the stand-in)
    scale = np.sqrt(target / np.maximum(np.diag(cov), 1e-300))
    scale = np.where(np.diag(cov) > 0, scale, 1.0)
    cov = cov * scale[:, None] * scale[None, :]
    cov[np.diag_indices_from(cov)] = target
    # keep it positive definite when the units are few
    eigval, eigvec = np.linalg.eigh(cov)
    eigval = np.maximum(eigval, 1e-6 * target.mean())
    return (eigvec * eigval) @ eigvec.T


def _per_unit(rows: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """One row per unit and time (a unit's several values at one time averaged)."""
    if unit is None or not rows.duplicated(["x", unit]).any():
        return rows
    return rows.groupby(["x", unit], sort=False, as_index=False).agg(
        time=("time", "first"), value=("value", "mean")
    )


def _aggregate(rows: pd.DataFrame) -> pd.DataFrame:
    x, first, codes = np.unique(rows["x"].to_numpy(), return_index=True, return_inverse=True)
    values = rows["value"].to_numpy(dtype=float)
    n = np.bincount(codes, minlength=len(x))
    mean = np.bincount(codes, values, len(x)) / n
    squares = np.bincount(codes, (values - mean[codes]) ** 2, len(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(n > 1, np.sqrt(squares / (n - 1)), np.nan)
    return pd.DataFrame(
        {
            "time": rows["time"].to_numpy()[first],
            "x": x,
            "n": n,
            "mean": mean,
            "sd": sd,
            "se": sd / np.sqrt(n),
        }
    )


def _tidy(data: pd.DataFrame, time: str, value: str, unit: str | None):
    """time, x, value (and unit) for the rows with both a time and a value; the time's axis."""
    if not isinstance(data, pd.DataFrame):
        raise EvalkitError("Give the data as a pandas DataFrame.")
    missing = [c for c in (time, value, unit) if c is not None and c not in data.columns]
    if missing:
        raise EvalkitError(
            f"Column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} not found; "
            f"the data has {', '.join(map(str, data.columns))}."
        )
    values = pd.to_numeric(data[value], errors="coerce")
    bad = values.isna() & data[value].notna()
    if bad.any():
        example = data.loc[bad, value].iloc[0]
        raise EvalkitError(f"Column {value!r} must hold numbers; found {example!r}.")
    numeric_time(data[time])  # refuses what is neither numbers nor dates
    usable = data[time][values.notna().to_numpy()]
    axis = time_axis(usable if len(usable) else data[time])
    x = axis.x(data[time].reset_index(drop=True))
    rows = pd.DataFrame({"time": data[time].to_numpy(), "x": x, "value": values.to_numpy()})
    if unit is not None:
        rows[unit] = data[unit].to_numpy()
    rows = rows.dropna(subset=["x", "value"])
    if rows.empty:
        raise EvalkitError(f"No rows with both a {time!r} and a {value!r}.")
    return rows, axis


def numeric_time(column: pd.Series) -> tuple[np.ndarray, str]:
    """Numbers as they are; dates as decimal years (days since 1970 / 365.25 + 1970)."""
    if pd.api.types.is_bool_dtype(column):
        raise EvalkitError("The time column must hold numbers or dates, not true/false.")
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float), "numeric"
    if not pd.api.types.is_datetime64_any_dtype(column):
        numbers = pd.to_numeric(column, errors="coerce")
        if numbers.notna().sum() == column.notna().sum():
            return numbers.to_numpy(dtype=float), "numeric"
        try:
            column = pd.to_datetime(column, format="ISO8601")
        except (ValueError, TypeError) as error:
            raise EvalkitError(
                "The time column must hold round numbers, years, dates (YYYY-MM-DD) or numbers."
            ) from error
    days = (column - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
    return (1970.0 + days / _DAYS_PER_YEAR).to_numpy(dtype=float), "datetime"


def to_time(x: float, kind: str):
    """A numeric time back in the column's own terms (a Timestamp for dates)."""
    if kind == "datetime":
        return pd.Timestamp("1970-01-01") + pd.to_timedelta((x - 1970.0) * _DAYS_PER_YEAR, "D")
    return float(x)
