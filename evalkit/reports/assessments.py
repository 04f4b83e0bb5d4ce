"""Each place's trajectories, computed once for every report that shows them.

The round report's workshop questions, the trajectory report, the index page and the programme
view all speak of the same series: each behaviour's average over the rounds, for everyone and for
each sector large enough to show in every round. :func:`place_trends` assesses them all together
(the p-values adjusted within everyone's series and within the sectors', the between-round
variance pooled the same way), checks bends near the scale's ends against an ordinal model, and
keeps the result in the place's cache, keyed by the data, the place's settings, evalkit and the
threshold. Every report reads that one table, so no two of them can disagree about a series.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit import __version__, indicators
from evalkit._io import jsonable, write_json
from evalkit.change.assess import TREND_COLUMNS
from evalkit.config import Place, load_place
from evalkit.data import store
from evalkit.fingerprint import code_sha256, place_sha256, sha256_json
from evalkit.privacy import shown_in_every_round

__all__ = ["CACHE_DIR", "TREND_TABLE_COLUMNS", "Trend", "place_trends", "trends_key"]

#: The folder, inside the place folder, where computed trends are kept.
CACHE_DIR = ".cache"
#: Columns of :func:`place_trends`, in order.
TREND_TABLE_COLUMNS = [
    *("behaviour", "group_by", "group", "label", "suppressed"),
    *(c for c in TREND_COLUMNS if c != "models"),
    *("n_adjusted", "slope_p_value", "bound_p", "events_near", "points", "curve"),
]
_CURVE_POINTS = 120
_FORMAT = 1  # bump when the cached table's meaning changes


@dataclasses.dataclass(frozen=True)
class Trend:
    """One row of :func:`place_trends` as an object that shows itself in JupyterLab.

    ``points`` holds the series' time points (``time, mean, n, fitted``); ``curve`` the chosen
    shape on a fine grid of times (``time, fitted``), for drawing.
    """

    behaviour: str
    group_by: str
    group: str
    label: str
    shape: str | None
    nonlinear: bool
    p_value: float | None
    p_adjusted: float | None
    breakpoints: list
    text: str
    points: pd.DataFrame
    curve: pd.DataFrame
    time_name: str = "round"
    time_unit: str | None = "round"
    time_kind: str = "numeric"

    @classmethod
    def from_row(cls, row) -> Trend:
        """The trend of one row of :func:`place_trends`."""
        return cls(
            behaviour=row["behaviour"],
            group_by=row["group_by"],
            group=row["group"],
            label=row["label"],
            shape=row["shape"],
            nonlinear=bool(row["nonlinear"]),
            p_value=row["p_value"],
            p_adjusted=row["p_adjusted"],
            breakpoints=list(row["breakpoints"] or []),
            text=row["sentence"],
            points=pd.DataFrame(row["points"], columns=["time", "mean", "n", "fitted"]),
            curve=pd.DataFrame(row["curve"], columns=["time", "fitted"]),
        )

    @property
    def n_times(self) -> int:
        return len(self.points)

    @property
    def series(self) -> pd.DataFrame:
        return self.points

    def predict(self, times) -> np.ndarray:
        """The chosen shape's curve at the given times (interpolated on the stored grid)."""
        if self.curve.empty:
            return np.full(np.shape(times), np.nan)
        return np.interp(times, self.curve["time"], self.curve["fitted"])

    def sentence(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        from evalkit.reports.display import assessment_card

        return assessment_card(self).html()

    def _repr_pretty_(self, printer, cycle) -> None:
        from evalkit.reports.display import assessment_card

        printer.text(assessment_card(self).text())


def trends_key(place: Place, rounds: list[int], k_min: int, seed: int = 0) -> str:
    """The fingerprint of a place's trends: data, settings, evalkit, threshold and seed."""
    return sha256_json(
        {
            "format": _FORMAT,
            "data": store.data_hash(place.dir, rounds),
            "place": place_sha256(place, max(rounds)),
            "rounds": rounds,
            "evalkit": [__version__, code_sha256()],
            "k_min": k_min,
            "seed": seed,
        }
    )


def place_trends(
    place: Place | str | Path,
    through_round: int | None = None,
    *,
    k_min: int = 0,
    seed: int = 0,
    cache: bool = True,
) -> pd.DataFrame:
    """Every behaviour's trajectory up to a round, for everyone and for each sector shown.

    Parameters
    ----------
    place : Place or path
        The place (or its folder).
    through_round : int, optional
        The last round included (default: the latest ingested).
    k_min : int
        Raises the place's privacy threshold, never lowers it.
    seed : int
        Seed of the change engine's bootstraps.
    cache : bool
        Read and keep the result in ``<place>/.cache/``; False computes it afresh.

    Returns
    -------
    DataFrame
        :data:`TREND_TABLE_COLUMNS`, one row per behaviour for everyone (``group_by`` "all")
        and per behaviour and sector (``group_by`` "sector"), in framework and sector order. A
        series is assessed only when every one of its rounds has at least ``k_min`` answers;
        otherwise its row is ``suppressed`` with no statistics. ``bound_p`` is the p-value of
        the ordinal check of a bend near the scale's ends (NaN when not run); ``events_near``
        the events within a round of a turning point's interval; ``points`` and ``curve`` the
        series and its fitted shape, for drawing.

    Notes
    -----
    The everyone series and the sector series are two families for
    :func:`~evalkit.change.assess_trends`: p-values are adjusted, and the between-round variance
    pooled, within each. A non-linear series whose means come within
    :data:`evalkit.change.ceiling.NEAR` points of either end of the scale is checked against an
    ordered probit model (:func:`~evalkit.change.ceiling_check`); if the bend adds nothing on
    the latent scale, the series is not called non-linear and takes the shape its slope test
    supports (a straight line or flat), with a sentence that says the scale is running out.
    """
    place = place if isinstance(place, Place) else load_place(place)
    ingested = store.ingested_rounds(place.dir)
    through = max(ingested) if through_round is None else int(through_round)
    rounds = [r for r in ingested if r <= through]
    if not rounds:
        return pd.DataFrame(columns=TREND_TABLE_COLUMNS)
    k = max(int(k_min), place.k_min)
    key = trends_key(place, rounds, k, seed)
    path = place.dir / CACHE_DIR / f"trends-{key[:16]}.json"
    if cache:
        cached = _read_cache(path, key)
        if cached is not None:
            return cached
    table = _compute(place, rounds, k, seed)
    if cache:
        try:
            write_json(path, {"key": key, "rows": table.to_dict("records")})
            _forget_older(path)
        except OSError:  # a place folder this process may read but not write: compute, not keep
            pass
    return table


def _read_cache(path: Path, key: str) -> pd.DataFrame | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("key") != key:
        return None
    return pd.DataFrame(stored["rows"], columns=TREND_TABLE_COLUMNS)


def _forget_older(path: Path, keep: int = 32) -> None:
    """Keep the cache small: the most recent ``keep`` tables of the place."""
    tables = sorted(path.parent.glob("trends-*.json"), key=lambda p: p.stat().st_mtime)
    for old in tables[:-keep]:
        old.unlink(missing_ok=True)


def _compute(place: Place, rounds: list[int], k: int, seed: int) -> pd.DataFrame:
    from evalkit.change import assess_trends

    framework = place.framework
    ratings = store.read_ratings(place.dir, rounds=rounds).dropna(subset=["rating"])
    levels = indicators.level(ratings, framework, group_by=("all", "sector"), k_min=k)
    series = set(map(tuple, levels[["behaviour", "group_by", "group"]].drop_duplicates().values))
    allowed = shown_in_every_round(levels, rounds)
    labels = framework.labels
    everyone = ratings.assign(group_by="all", group="all", label=ratings["behaviour"].map(labels))
    sectors = ratings.assign(
        group_by="sector",
        group=ratings["sector"],
        label=[
            f"{labels[b]} ({place.sectors.get(g, g).lower()})"
            for b, g in zip(ratings["behaviour"], ratings["sector"], strict=True)
        ],
    )
    rows = pd.concat([everyone, sectors], ignore_index=True)
    keys = list(zip(rows["behaviour"], rows["group_by"], rows["group"], strict=True))
    rows = rows[[key in allowed for key in keys]]
    # the label is one-to-one with behaviour and group; last in `by`, it names each sentence
    assessed = assess_trends(
        rows,
        time="round",
        value="rating",
        unit="respondent",
        by=["behaviour", "group_by", "group", "label"],
        family="group_by",
        seed=seed,
    )
    events = store.read_events(place.dir, rounds=rounds)
    times = np.linspace(min(rounds), max(rounds), _CURVE_POINTS)
    records = []
    for _, row in assessed.iterrows():
        a = row["assessment"]
        record = {column: row[column] for column in TREND_TABLE_COLUMNS if column in row}
        record |= {"suppressed": False, "n_adjusted": a.n_adjusted}
        record |= {"slope_p_value": a.slope_p_value, "bound_p": np.nan}
        record |= _bound_check(a, row, ratings, levels, framework)
        turned = record["nonlinear"]
        record["events_near"] = events_near(events, record["breakpoints"]) if turned else []
        line = record.pop("line", None)
        curve = a.predict if line is None else (lambda t, b=line: b[0] + b[1] * np.asarray(t))
        fitted = curve(a.series["time"])
        record["points"] = [
            {"time": t, "mean": m, "n": int(n), "fitted": f}
            for t, m, n, f in zip(
                a.series["time"], a.series["mean"], a.series["n"], fitted, strict=True
            )  # fmt: skip
        ]
        record["curve"] = [
            {"time": t, "fitted": f} for t, f in zip(times, curve(times), strict=True)
        ]
        records.append(record)
    sector_names = {s: name.lower() for s, name in place.sectors.items()}
    for behaviour, group_by, group in sorted(series - allowed):
        label = labels[behaviour]
        if group_by == "sector":
            label = f"{label} ({sector_names.get(group, group)})"
        records.append(
            {"behaviour": behaviour, "group_by": group_by, "group": group, "label": label}
            | {"suppressed": True, "breakpoints": [], "events_near": [], "points": [], "curve": []}
        )
    table = pd.DataFrame(jsonable(records), columns=TREND_TABLE_COLUMNS)
    order = {b: i for i, b in enumerate(framework.behaviour_ids)}
    sector_order = {s: i for i, s in enumerate(place.sectors)}
    table = table.assign(
        _b=table["behaviour"].map(order),
        _g=table["group_by"].map({"all": 0, "sector": 1}),
        _s=table["group"].map(sector_order).fillna(len(sector_order)),
    ).sort_values(["_g", "_b", "_s", "group"], kind="stable")
    return table.drop(columns=["_b", "_g", "_s"]).reset_index(drop=True)


def _bound_check(a, row, ratings, levels, framework) -> dict:
    """A non-linear series near the scale's ends, checked against an ordinal model.

    When the bend is the scale running out, ``nonlinear`` becomes False and the shape the slope
    test supports (linear or flat), with a sentence saying why.
    """
    from evalkit.change import ceiling_check, near_bound
    from evalkit.words.numbers import format_p

    if not row["nonlinear"]:
        return {}
    where = (levels["behaviour"] == row["behaviour"]) & (levels["group_by"] == row["group_by"])
    where &= levels["group"] == row["group"]
    if not near_bound(levels.loc[where, "mean"], framework.scale_min, framework.scale_max):
        return {}
    rows = ratings[ratings["behaviour"] == row["behaviour"]]
    if row["group_by"] == "sector":
        rows = rows[rows["sector"] == row["group"]]
    check = ceiling_check(rows, a.predict, time="round", value="rating")
    if not check.explained_by_bound:
        return {"bound_p": check.p_value}
    steady = a.slope_p_value <= 0.05
    series = a.series
    weights = np.sqrt(series["n"].to_numpy(dtype=float))
    slope, intercept = (
        np.polyfit(series["x"], series["mean"], 1, w=weights)
        if steady
        else (0.0, float(np.average(series["mean"], weights=series["n"])))
    )
    return {
        "bound_p": check.p_value,
        "nonlinear": False,
        "shape": "linear" if steady else "flat",
        "slope_before": float(slope),
        "slope_after": float(slope),
        "level_shift": np.nan,
        "line": (float(intercept), float(slope)),
        "breakpoints": [],
        "breakpoint": np.nan,
        "breakpoint_low": np.nan,
        "breakpoint_high": np.nan,
        "sentence": (
            f"{row['label']} bends near the end of the scale, but an ordinal model of the "
            f"ratings finds a steady change there ({format_p(check.p_value)} for a bend): the "
            "scale running out, not a turning point."
        ),
    }


def events_near(events: pd.DataFrame, breakpoints: list[dict], margin: float = 1.0) -> list[dict]:
    """The events within ``margin`` rounds of a turning point's 95% interval, oldest first.

    Events sit at their round on the time axis (they happened before that round's survey).

    Examples
    --------
    >>> events = pd.DataFrame({"round": [2, 4, 7], "date": ["2024-05-01"] * 3,
    ...                        "kind": ["context", "intervention", "decision"],
    ...                        "description": ["New board", "Training", "Co-chairs"]})
    >>> [e["description"] for e in events_near(events, [{"time": 4.6, "low": 4.2, "high": 5.1}])]
    ['Training']
    """
    near = []
    for point in breakpoints:
        low, high = point["low"] - margin, point["high"] + margin
        rows = events[(events["round"] >= low) & (events["round"] <= high)]
        near += [
            {"round": int(e.round), "kind": e.kind, "description": e.description}
            for e in rows.itertuples()
        ]
    unique = {(e["round"], e["kind"], e["description"]): e for e in near}
    return sorted(unique.values(), key=lambda e: e["round"])
