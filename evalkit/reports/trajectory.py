"""Everything the trajectory notebook shows: each behaviour's change over all rounds so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit import __version__, indicators
from evalkit.change import assess_trends, ceiling_check, near_bound
from evalkit.change.order import order_sentence, who_moved_first
from evalkit.config import Place, load_place
from evalkit.data import store
from evalkit.exceptions import RunError
from evalkit.indicators.transitions import transition_balance, transition_matrix
from evalkit.reports.summary import table_records

__all__ = [
    "Trajectory",
    "build_trajectory",
    "MIN_ROUNDS",
    "events_near",
]

MIN_ROUNDS = 3


@dataclass(frozen=True)
class Trajectory:
    """The change so far, every table privacy-checked against ``k_min``."""

    place: Place
    through_round: int
    k_min: int
    levels: pd.DataFrame  # indicators.level for every round, all and sector
    assessments: pd.DataFrame  # assess_trends per behaviour (group "all") and behaviour x sector
    events: pd.DataFrame
    transitions: pd.DataFrame
    balance: pd.DataFrame
    data_sha256: str
    network: pd.DataFrame = field(default_factory=pd.DataFrame)  # network_indicators per round
    network_trends: pd.DataFrame = field(default_factory=pd.DataFrame)  # assess_network
    story_counts: pd.DataFrame = field(default_factory=pd.DataFrame)  # stories.story_counts

    def organisation_networks(self) -> dict:
        """Each round's organisation network (see :mod:`evalkit.network`)."""
        from evalkit.network.graph import organisation_network

        rounds = sorted(self.network["round"]) if not self.network.empty else []
        ties = store.read_ties(self.place.dir, rounds=rounds)
        return organisation_network(ties, self.place, rounds=rounds) if rounds else {}

    def story_turns(self) -> list[str]:
        """Behaviours whose stories clearly turned, first round to last (Fisher, BH-adjusted)."""
        from evalkit.indicators.multiple_testing import benjamini_hochberg
        from evalkit.stories.shifts import valence_shift

        if self.story_counts.empty:
            return []
        shift = valence_shift(self.story_counts)
        overall = shift[(shift["span"] == "overall") & (shift["turned"] != "")]
        # with about ten stories a round, a 15-point move is often chance: only clear turns,
        # with p-values adjusted across the behaviours (Benjamini-Hochberg)
        p = overall[["p_negative", "p_positive"]].min(axis=1).to_numpy()
        clear = overall[benjamini_hochberg(p) < 0.05] if len(p) else overall
        return [
            f"Stories about {self.framework.labels[row.behaviour].lower()} turned {row.turned}: "
            f"{row.negative_before:.0%} of {row.n_before} were negative in round "
            f"{row.previous_round}, {row.negative_after:.0%} of {row.n_after} in round {row.round}."
            for row in clear.itertuples()
        ]

    @property
    def framework(self):
        return self.place.framework

    @property
    def rounds(self) -> list[int]:
        return sorted(self.levels["round"].unique().tolist())

    def series(self, behaviour: str, group_by: str = "all", group: str = "all") -> pd.DataFrame:
        rows = self.levels[
            (self.levels["behaviour"] == behaviour)
            & (self.levels["group_by"] == group_by)
            & (self.levels["group"] == group)
        ]
        return rows.sort_values("round").reset_index(drop=True)

    def assessment(self, behaviour: str, group_by: str = "all", group: str = "all"):
        """The :class:`~evalkit.change.assess.Assessment` of one series, or None."""
        rows = self.assessments
        match = np.flatnonzero(
            (rows["behaviour"] == behaviour)
            & (rows["group_by"] == group_by)
            & (rows["group"] == group)
        )
        return rows.attrs["assessments"][match[0]] if len(match) else None

    def fitted(self, behaviour: str, group_by: str = "all", group: str = "all") -> pd.DataFrame:
        """The chosen shape's curve on a fine grid of times, for drawing."""
        assessment = self.assessment(behaviour, group_by, group)
        times = np.linspace(min(self.rounds), max(self.rounds), 200)
        if assessment is None:
            return pd.DataFrame({"time": [], "fitted": []})
        return pd.DataFrame({"time": times, "fitted": assessment.predict(times)})

    def overall(self) -> pd.DataFrame:
        """One row per behaviour (everyone), in framework order."""
        rows = self.assessments[self.assessments["group_by"] == "all"].set_index("behaviour")
        return rows.reindex([b for b in self.framework.behaviour_ids if b in rows.index])

    def moved_first(self) -> tuple[pd.DataFrame, str]:
        ordered = who_moved_first(self.overall().reset_index(), by="behaviour")
        sentence = order_sentence(ordered, self.framework.labels, by="behaviour")
        return ordered, sentence

    def sectors_moved_first(self, behaviour: str) -> tuple[pd.DataFrame, str]:
        rows = self.assessments[
            (self.assessments["behaviour"] == behaviour)
            & (self.assessments["group_by"] == "sector")
        ]
        ordered = who_moved_first(rows, by="group")
        return ordered, order_sentence(ordered, self.place.sectors, by="group")

    def summary(self) -> dict:
        records = []
        for row in self.assessments.to_dict("records"):
            records.append(
                {
                    "behaviour": row["behaviour"],
                    "group_by": row["group_by"],
                    "group": row["group"],
                    "shape": row["shape"],
                    "nonlinear": bool(row["nonlinear"]),
                    "p_value": _number(row["p_value"]),
                    "p_adjusted": _number(row["p_adjusted"]),
                    "breakpoints": [
                        {k: _number(v) for k, v in b.items()} for b in row["breakpoints"]
                    ],
                    "bound_p": _number(row.get("bound_p")),
                    "events_near": row.get("events_near", []),
                    "sentence": row["sentence"],
                }
            )
        last = self.place.round(self.through_round)
        return {
            "place": self.place.id,
            "place_name": self.place.name,
            "round": self.through_round,
            "round_label": f"Trajectory to {last.label}",
            "rounds": self.rounds,
            "evalkit_version": __version__,
            "data_sha256": self.data_sha256,
            "k_min": self.k_min,
            "behaviour_labels": self.framework.labels,
            "assessments": records,
            "network_trends": [
                {
                    "indicator": row["indicator"],
                    "shape": row["shape"],
                    "nonlinear": bool(row["nonlinear"]),
                    "p_adjusted": _number(row["p_adjusted"]),
                    "breakpoints": [
                        {k: _number(v) for k, v in b.items()} for b in row["breakpoints"]
                    ],
                    "sentence": row["sentence"],
                }
                for row in self.network_trends.to_dict("records")
            ],
            "transitions": table_records(
                self.balance,
                ["behaviour", "round_from", "round_to"],
                ["n_up", "n_down", "p_adjusted", "lopsided"],
            ),
        }

    def _repr_html_(self) -> str:
        """JupyterLab's view: the whole picture and each behaviour's shape and turn."""
        from evalkit.reports.display import trajectory_card

        return trajectory_card(self).html()

    def _repr_pretty_(self, printer, cycle) -> None:
        """The same summary as plain text in IPython, instead of every table row by row."""
        from evalkit.reports.display import trajectory_card

        printer.text(trajectory_card(self).text())


def _number(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


def build_trajectory(
    place_dir: str | Path, through_round: int | None = None, *, k_min: int = 0, seed: int = 0
) -> Trajectory:
    """Assess every behaviour's trajectory (and each sector's) over the rounds so far."""
    place = load_place(place_dir)
    ingested = store.ingested_rounds(place.dir)
    through_round = max(ingested) if through_round is None else through_round
    rounds = [r for r in ingested if r <= through_round]
    if len(rounds) < MIN_ROUNDS:
        raise RunError(
            f"{place.name} has {len(rounds)} round(s) up to round {through_round}; "
            f"a trajectory needs at least {MIN_ROUNDS}."
        )
    k = max(int(k_min), place.k_min)
    framework = place.framework
    ratings = store.read_ratings(place.dir, rounds=rounds).dropna(subset=["rating"])
    levels = indicators.level(ratings, framework, group_by=("all", "sector"), k_min=k)
    # A sector's series is assessed only when it can be shown in every round.
    shown = levels[levels["group_by"] == "sector"].groupby(["behaviour", "group"])["suppressed"]
    safe = shown.agg(lambda s: not s.any() and len(s) == len(rounds))
    safe = {key for key, ok in safe.items() if ok}
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
    sectors = sectors[
        [(b, g) in safe for b, g in zip(sectors["behaviour"], sectors["group"], strict=True)]
    ]
    # the label is one-to-one with behaviour and group; last in `by`, it names each sentence
    assessments = assess_trends(
        pd.concat([everyone, sectors], ignore_index=True),
        time="round",
        value="rating",
        unit="respondent",
        by=["behaviour", "group_by", "group", "label"],
        family="group_by",
        seed=seed,
    )
    assessments = _check_bounds(assessments, ratings, levels, framework)
    events = store.read_events(place.dir, rounds=rounds)
    assessments["events_near"] = [
        events_near(events, row["breakpoints"]) if row["nonlinear"] else []
        for _, row in assessments.iterrows()
    ]
    return Trajectory(
        place=place,
        through_round=through_round,
        k_min=k,
        levels=levels,
        assessments=assessments,
        events=events,
        transitions=transition_matrix(ratings, framework, k_min=k),
        balance=transition_balance(ratings, framework, k_min=k),
        data_sha256=store.data_hash(place.dir, rounds),
        **_network_and_stories(place, rounds, k, seed),
    )


def _network_and_stories(place: Place, rounds: list[int], k: int, seed: int) -> dict:
    from evalkit.change import MIN_BREAKPOINT_POINTS
    from evalkit.network.graph import organisation_network
    from evalkit.network.indicators import network_indicators
    from evalkit.network.trends import assess_network
    from evalkit.stories.counts import story_counts

    parts = {}
    ties = store.read_ties(place.dir, rounds=rounds)
    if not ties.empty:
        network = network_indicators(ties, place, rounds=rounds)
        parts["network"] = network
        if network["round"].nunique() >= MIN_BREAKPOINT_POINTS:
            # the E-I index is 2 x the cross-sector share - 1: one of the two is enough
            parts["network_trends"] = assess_network(
                network,
                ["density", "cross_sector_share", "depth_collaborating"],
                seed=seed,
                networks=organisation_network(ties, place, rounds=rounds),
            )
    reflections = store.read_reflections(place.dir, rounds=rounds)
    if not reflections.empty:
        parts["story_counts"] = story_counts(reflections, place.framework, k)
    return parts


def _check_bounds(assessments: pd.DataFrame, ratings, levels, framework) -> pd.DataFrame:
    """Check non-linear shapes near the top or bottom of the scale against an ordinal model.

    A bend that an ordered probit model puts down to the scale's bound (see
    :func:`evalkit.change.ceiling_check`) is not called a turning point: ``nonlinear`` becomes
    False and the sentence says why. ``bound_p`` holds the check's p-value (NaN when not run).
    """
    from evalkit.words.numbers import format_p

    table = assessments.copy()
    table["bound_p"] = np.nan
    found = table.attrs.get("assessments", [])
    for i, row in table[table["nonlinear"]].iterrows():
        where = (levels["behaviour"] == row["behaviour"]) & (levels["group_by"] == row["group_by"])
        where &= levels["group"] == row["group"]
        if not near_bound(levels.loc[where, "mean"], framework.scale_min, framework.scale_max):
            continue
        rows = ratings[ratings["behaviour"] == row["behaviour"]]
        if row["group_by"] == "sector":
            rows = rows[rows["sector"] == row["group"]]
        check = ceiling_check(rows, found[i].predict, time="round", value="rating")
        table.loc[i, "bound_p"] = check.p_value
        if check.explained_by_bound:
            table.loc[i, "nonlinear"] = False
            table.loc[i, "sentence"] = (
                f"{row['label']} bends near the end of the scale, but an ordinal model of the "
                f"ratings finds a steady change there ({format_p(check.p_value)} for a bend): the "
                "scale running out, not a turning point."
            )
    return table


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
