"""Comparing places: the same behaviour's trajectory side by side across a programme's places.

A programme is several place folders that share a framework. Everything here is a function over
tidy frames with a ``place`` column (the place id, its folder's name); each place keeps its own
privacy threshold, and nothing past :func:`read_ratings` names a respondent, even by hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from evalkit import __version__, indicators
from evalkit.config import Place, load_place
from evalkit.data import store
from evalkit.exceptions import RunError
from evalkit.limits import MIN_TREND_ROUNDS as MIN_ROUNDS
from evalkit.reports.summary import table_records
from evalkit.words.numbers import join_names

__all__ = [
    "TREND_STATISTICS",
    "compare_trajectories",
    "load_programme",
    "programme_levels",
    "programme_places",
    "programme_summary",
    "programme_trends",
    "read_ratings",
    "shape_agreement",
    "write_summary",
]


#: The columns of :func:`compare_trajectories` that are missing for a hidden series.
TREND_STATISTICS = [
    "shape",
    "nonlinear",
    "p_value",
    "p_adjusted",
    "turning_round",
    "turning_low",
    "turning_high",
    "slope_before",
    "slope_after",
    "level_shift",
    "n_times",
    "sentence",
]


def _load_places(place_dirs: Iterable[str | Path]) -> list[Place]:
    if isinstance(place_dirs, str | Path):
        place_dirs = [place_dirs]
    places = [load_place(d) for d in place_dirs]
    if not places:
        raise RunError(
            "Give the folders of the places to compare (a programme needs at least one)."
        )
    ids = [p.id for p in places]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise RunError(f"Each place can be compared once; given twice: {', '.join(twice)}.")
    frameworks = {p.framework.id for p in places}
    if len(frameworks) > 1:
        raise RunError(
            f"Places can be compared only when they use the same framework, not "
            f"{', '.join(sorted(frameworks))}."
        )
    return places


def programme_places(place_dirs: Iterable[str | Path], *, k_min: int = 0) -> pd.DataFrame:
    """The places of a programme, checked: one row each, in the order given.

    Parameters
    ----------
    place_dirs : sequence of path
        Place folders (``place.yml`` and an ingested store each), sharing one framework.
    k_min : int
        Smallest group shown; a place whose own threshold is higher keeps its own.

    Returns
    -------
    DataFrame
        ``place`` (id), ``name``, ``dir``, ``k_min`` (the threshold applied there), ``rounds``
        (list of the rounds ingested) and ``data_sha256`` (fingerprint of those rounds' files).

    Raises
    ------
    RunError
        No folders, a place given twice, different frameworks, or a place with fewer than
        ``MIN_ROUNDS`` rounds ingested.

    Examples
    --------
    >>> programme_places([])
    Traceback (most recent call last):
    ...
    evalkit.exceptions.RunError: Give the folders of the places to compare (a programme needs \
at least one).
    """
    rows = []
    for place in _load_places(place_dirs):
        rounds = store.ingested_rounds(place.dir)
        if len(rounds) < MIN_ROUNDS:
            raise RunError(
                f"{place.name} has {len(rounds)} round(s) ingested; comparing trajectories "
                f"needs at least {MIN_ROUNDS}."
            )
        rows.append(
            {
                "place": place.id,
                "name": place.name,
                "dir": str(place.dir),
                "k_min": max(int(k_min), place.k_min),
                "rounds": rounds,
                "data_sha256": store.data_hash(place.dir, rounds),
            }
        )
    return pd.DataFrame(rows)


def read_ratings(place_dirs: Iterable[str | Path]) -> pd.DataFrame:
    """Every answer of every place's ingested rounds, in one tidy frame.

    Returns
    -------
    DataFrame
        ``place, round, respondent, organisation, sector, role, behaviour, rating``, one row
        per answer (blanks dropped); ``respondent`` is the keyed hash of the store.
    """
    frames = [
        store.read_ratings(place.dir).dropna(subset=["rating"]).assign(place=place.id)
        for place in _load_places(place_dirs)
    ]
    ratings = pd.concat(frames, ignore_index=True)
    return ratings[["place", *ratings.columns.drop("place")]]


def _threshold_of(k_min: int | Mapping[str, int], places: Iterable[str]) -> dict[str, int]:
    if isinstance(k_min, Mapping | pd.Series):
        missing = [p for p in places if p not in k_min]
        if missing:
            raise RunError(f"No privacy threshold given for {', '.join(map(str, missing))}.")
        return {p: int(k_min[p]) for p in places}
    return {p: int(k_min) for p in places}


def _in_order(values: pd.Series) -> list:
    return list(dict.fromkeys(values.tolist()))


def programme_levels(
    ratings: pd.DataFrame,
    framework,
    *,
    k_min: int | Mapping[str, int] = 5,
    group_by: str | tuple[str, ...] = "all",
) -> pd.DataFrame:
    """:func:`evalkit.indicators.level` per place, each with its own privacy threshold.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings with a ``place`` column, as :func:`read_ratings` returns.
    framework : Framework
        The framework the places share.
    k_min : int or mapping of place to int
        Smallest group shown, for every place or per place.
    group_by : str or tuple of str
        As for :func:`~evalkit.indicators.level`.

    Returns
    -------
    DataFrame
        The columns of :func:`~evalkit.indicators.level` (``place, round, behaviour, group_by,
        group, n, mean, ..., suppressed``), places in the order they first appear.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> df = pd.DataFrame({"place": ["a"] * 5 + ["b"] * 3, "round": 1, "behaviour": "trust",
    ...                    "rating": [4.0, 6, 5, 7, 8, 9, 9, 9]})
    >>> table = programme_levels(df, load_framework("system-behaviours"), k_min={"a": 5, "b": 5})
    >>> table[["place", "mean", "suppressed"]].to_dict("records")
    [{'place': 'a', 'mean': 6.0, 'suppressed': False}, {'place': 'b', 'mean': nan, \
'suppressed': True}]
    """
    places = _in_order(ratings["place"])
    thresholds = _threshold_of(k_min, places)
    tables = [
        indicators.level(
            ratings[ratings["place"] == place],
            framework,
            group_by=group_by,
            k_min=thresholds[place],
        )
        for place in places
    ]
    return pd.concat(tables, ignore_index=True)


def load_programme(
    place_dirs: Iterable[str | Path], *, k_min: int = 0, group_by: str | tuple[str, ...] = "all"
) -> pd.DataFrame:
    """Every place's level records for every round, each place suppressed at its own threshold.

    The threshold applied in a place is the larger of ``k_min`` and the place's own ``k_min``;
    see :func:`programme_levels` for the columns.
    """
    places = programme_places(place_dirs, k_min=k_min)
    return programme_levels(
        read_ratings(places["dir"]),
        load_place(places["dir"].iloc[0]).framework,
        k_min=dict(zip(places["place"], places["k_min"], strict=True)),
        group_by=group_by,
    )


def programme_trends(places: pd.DataFrame) -> pd.DataFrame:
    """Each place's trajectories for everyone, as its own trajectory report has them.

    Parameters
    ----------
    places : DataFrame
        :func:`programme_places`: each place's folder and the threshold applied there.

    Returns
    -------
    DataFrame
        The everyone rows of :func:`~evalkit.reports.assessments.place_trends` for each place,
        through its latest round, with a ``place`` column first: the same verdicts, p-values
        and turning rounds as the place's trajectory report, read from the same computation.
    """
    from evalkit.reports.assessments import place_trends

    tables = []
    for row in places.itertuples():
        trends = place_trends(row.dir, max(row.rounds), k_min=int(row.k_min))
        tables.append(trends[trends["group_by"] == "all"].assign(place=row.place))
    table = pd.concat(tables, ignore_index=True)
    return table[["place", *[c for c in table.columns if c != "place"]]]


def compare_trajectories(
    trends: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The shape of every behaviour's trajectory in every place, side by side.

    Parameters
    ----------
    trends : DataFrame
        One row per place and behaviour, with ``place, behaviour, suppressed, shape,
        nonlinear, breakpoint, breakpoint_low, breakpoint_high`` and the other statistics of
        :func:`~evalkit.reports.assessments.place_trends` (:func:`programme_trends`).
    labels : mapping of behaviour to str, optional
        Short labels, and the order of behaviours (default: ids, as found).

    Returns
    -------
    DataFrame
        One row per place and behaviour: ``place, behaviour, label, suppressed``, then
        :data:`TREND_STATISTICS` and ``breakpoints``. ``turning_round`` (with its 95% interval
        ``turning_low`` to ``turning_high``) is the first breakpoint when the series turned
        (``nonlinear``), else missing. A hidden row (a round with fewer answers than the place's
        threshold) has no statistics and ``nonlinear`` NA, not False.

    Examples
    --------
    >>> trends = pd.DataFrame({"place": ["a", "b", "b"], "behaviour": ["trust", "trust", "vision"],
    ...     "suppressed": [False, False, True], "shape": ["step", "flat", None],
    ...     "nonlinear": [True, False, None], "breakpoint": [5.0, None, None],
    ...     "breakpoint_low": [4.0, None, None], "breakpoint_high": [5.0, None, None]})
    >>> compare_trajectories(trends)[["place", "behaviour", "shape", "nonlinear", "turning_round"]]
      place behaviour shape  nonlinear  turning_round
    0     a     trust  step       True            5.0
    1     b     trust  flat      False            NaN
    2     b    vision   NaN       <NA>            NaN
    """
    labels = dict(labels or {})
    places = _in_order(trends["place"])
    found = _in_order(trends["behaviour"])
    order = [b for b in labels if b in set(found)] + [b for b in found if b not in labels]
    table = trends.copy()
    table["suppressed"] = table["suppressed"].astype(bool)
    table["label"] = table["behaviour"].map(lambda b: labels.get(b, b))
    turned = table["nonlinear"].astype("boolean").fillna(False).astype(bool)
    for name, column in {
        "turning_round": "breakpoint",
        "turning_low": "breakpoint_low",
        "turning_high": "breakpoint_high",
    }.items():
        table[name] = pd.to_numeric(table[column], errors="coerce").where(turned)
    columns = ["place", "behaviour", "label", "suppressed", *TREND_STATISTICS, "breakpoints"]
    table = table.reindex(columns=columns)
    table["nonlinear"] = table["nonlinear"].astype("boolean").mask(table["suppressed"])
    table["shape"] = table["shape"].mask(table["suppressed"])
    rank = {"place": places, "behaviour": order}
    return table.sort_values(
        ["place", "behaviour"],
        key=lambda column: column.map({v: i for i, v in enumerate(rank[column.name])}),
        kind="stable",
    ).reset_index(drop=True)


def shape_agreement(trends: pd.DataFrame) -> pd.DataFrame:
    """Per behaviour, whether the places it was assessed in found the same shape.

    Returns
    -------
    DataFrame
        ``behaviour, n_places`` (places where it was assessed), ``shapes`` (the distinct shapes,
        in place order) and ``same`` (one shape in every such place, and at least two places).

    Examples
    --------
    >>> trends = pd.DataFrame({"place": ["a", "b", "a", "b"],
    ...     "behaviour": ["trust", "trust", "vision", "vision"],
    ...     "shape": ["step", "flat", "flat", "flat"], "suppressed": False})
    >>> shape_agreement(trends).to_dict("records")
    [{'behaviour': 'trust', 'n_places': 2, 'shapes': ['step', 'flat'], 'same': False}, \
{'behaviour': 'vision', 'n_places': 2, 'shapes': ['flat'], 'same': True}]
    """
    assessed = trends[~trends["suppressed"].astype(bool) & trends["shape"].notna()]
    rows = []
    for behaviour in _in_order(trends["behaviour"]):
        shapes = assessed.loc[assessed["behaviour"] == behaviour, "shape"]
        distinct = _in_order(shapes)
        rows.append(
            {
                "behaviour": behaviour,
                "n_places": len(shapes),
                "shapes": distinct,
                "same": len(shapes) >= 2 and len(distinct) == 1,
            }
        )
    return pd.DataFrame(rows, columns=["behaviour", "n_places", "shapes", "same"])


def write_summary(path: str | Path, places: pd.DataFrame, trends: pd.DataFrame) -> Path:
    """Write :func:`programme_summary` to ``summary.json`` at ``path`` (atomically)."""
    from evalkit._io import write_json

    return write_json(path, programme_summary(places, trends))


def programme_summary(places: pd.DataFrame, trends: pd.DataFrame) -> dict:
    """What the programme view found, JSON-ready: the places, and each place's shapes.

    Parameters
    ----------
    places : DataFrame
        :func:`programme_places`.
    trends : DataFrame
        :func:`compare_trajectories`.

    Returns
    -------
    dict
        ``kind`` ("programme"), ``place_name``, ``round_label``, ``places`` (id, name, k_min,
        rounds, data_sha256 each), ``evalkit_version``, ``data_sha256`` (over the places'),
        ``k_min`` (the largest threshold applied) and ``trajectories``: per place and
        behaviour, ``shape``, ``nonlinear``, ``p_adjusted``, ``turning_round`` with
        ``turning_low`` and ``turning_high``, and ``sentence``; a hidden series names its keys
        and ``suppressed: true`` only. No respondent appears.
    """
    listed = [
        {
            "place": row["place"],
            "name": row["name"],
            "k_min": int(row["k_min"]),
            "rounds": [int(r) for r in row["rounds"]],
            "data_sha256": row["data_sha256"],
        }
        for row in places.to_dict("records")
    ]
    fingerprint = "".join(f"{p['place']}:{p['data_sha256']}\n" for p in listed)
    first = min(min(p["rounds"]) for p in listed)
    last = max(max(p["rounds"]) for p in listed)
    return {
        "kind": "programme",
        "place_name": f"Programme: {join_names([p['name'] for p in listed])}",
        "round_label": f"Places compared, rounds {first} to {last}",
        "places": listed,
        "evalkit_version": __version__,
        "data_sha256": hashlib.sha256(fingerprint.encode()).hexdigest(),
        "k_min": max(p["k_min"] for p in listed),
        "trajectories": table_records(
            trends,
            ["place", "behaviour"],
            [
                "shape",
                "nonlinear",
                "p_adjusted",
                "turning_round",
                "turning_low",
                "turning_high",
                "sentence",
            ],
        ),
    }
