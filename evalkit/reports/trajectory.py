"""Everything the trajectory notebook shows: each behaviour's change over all rounds so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evalkit import __version__, indicators
from evalkit._io import jsonable, write_json
from evalkit.change.order import order_sentence, who_moved_first
from evalkit.config import Place, load_place
from evalkit.data import store
from evalkit.exceptions import RunError
from evalkit.indicators.transitions import transition_balance, transition_matrix
from evalkit.limits import MIN_TREND_ROUNDS
from evalkit.reports.assessments import Trend, place_trends, round_dates
from evalkit.reports.summary import table_records

__all__ = ["MIN_ROUNDS", "Trajectory", "build_trajectory"]

MIN_ROUNDS = MIN_TREND_ROUNDS


@dataclass(frozen=True)
class Trajectory:
    """The change so far, every table privacy-checked against ``k_min``."""

    place: Place
    through_round: int
    k_min: int
    levels: pd.DataFrame  # indicators.level for every round, all and sector
    assessments: pd.DataFrame  # reports.assessments.place_trends: everyone and each sector
    events: pd.DataFrame
    transitions: pd.DataFrame
    balance: pd.DataFrame
    data_sha256: str
    network: pd.DataFrame = field(default_factory=pd.DataFrame)  # network_indicators per round
    network_trends: pd.DataFrame = field(default_factory=pd.DataFrame)  # assess_network
    story_counts: pd.DataFrame = field(default_factory=pd.DataFrame)  # stories.story_counts

    def organisation_networks(self) -> dict:
        """Each round's organisation network (see :mod:`evalkit.network`)."""
        from evalkit.reports.round import place_networks

        return place_networks(self.place, self.network, self.k_min)

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

    @property
    def dates(self) -> dict:
        """Round number -> date when every round has a date in ``place.yml`` (else {}): the
        change engine then works in time as it happened and the charts space rounds by date."""
        return round_dates(self.place, self.rounds)

    @property
    def rounds_needed(self) -> int:
        """More rounds needed before a shape can be told (0 when there are enough)."""
        from evalkit.change import MIN_BREAKPOINT_POINTS

        return max(MIN_BREAKPOINT_POINTS - len(self.rounds), 0)

    def series(self, behaviour: str, group_by: str = "all", group: str = "all") -> pd.DataFrame:
        rows = self.levels[
            (self.levels["behaviour"] == behaviour)
            & (self.levels["group_by"] == group_by)
            & (self.levels["group"] == group)
        ]
        return rows.sort_values("round").reset_index(drop=True)

    def _row(self, behaviour: str, group_by: str, group: str) -> pd.Series | None:
        rows = self.assessments
        match = rows[
            (rows["behaviour"] == behaviour)
            & (rows["group_by"] == group_by)
            & (rows["group"] == group)
            & ~rows["suppressed"].astype(bool)
        ]
        return match.iloc[0] if len(match) else None

    def assessment(self, behaviour: str, group_by: str = "all", group: str = "all") -> Trend | None:
        """The :class:`~evalkit.reports.assessments.Trend` of one series, or None if not shown."""
        row = self._row(behaviour, group_by, group)
        return None if row is None else Trend.from_row(row)

    def fitted(self, behaviour: str, group_by: str = "all", group: str = "all") -> pd.DataFrame:
        """The chosen shape's curve on a fine grid of times (``time`` in rounds, with ``date``
        when the rounds have dates), for drawing."""
        row = self._row(behaviour, group_by, group)
        curve = row["curve"] if row is not None else []
        dated = bool(curve) and "date" in curve[0]
        return pd.DataFrame(curve, columns=["time", "fitted", *(["date"] if dated else [])])

    def overall(self) -> pd.DataFrame:
        """One row per behaviour shown for everyone, in framework order."""
        rows = self.assessments
        rows = rows[(rows["group_by"] == "all") & ~rows["suppressed"].astype(bool)]
        rows = rows.set_index("behaviour")
        return rows.reindex([b for b in self.framework.behaviour_ids if b in rows.index])

    @property
    def sector_trends(self) -> pd.DataFrame:
        """The sectors' series that are shown (each sector large enough in every round)."""
        rows = self.assessments
        return rows[(rows["group_by"] == "sector") & ~rows["suppressed"].astype(bool)]

    def moved_first(self) -> tuple[pd.DataFrame, str]:
        ordered = who_moved_first(self.overall().reset_index(), by="behaviour")
        sentence = order_sentence(ordered, self.framework.labels, by="behaviour")
        return ordered, sentence

    def sectors_moved_first(self, behaviour: str) -> tuple[pd.DataFrame, str]:
        rows = self.sector_trends
        ordered = who_moved_first(rows[rows["behaviour"] == behaviour], by="group")
        return ordered, order_sentence(ordered, self.place.sectors, by="group")

    def most_moved(self, n: int = 2) -> list[str]:
        """The ``n`` behaviours whose panel members moved most between levels on balance
        (upward moves minus downward ones, either way), over the flows that may be shown."""
        balance = self.balance[~self.balance["suppressed"].astype(bool)]
        moves = balance.groupby("behaviour")[["n_up", "n_down"]].sum()
        net = (moves["n_up"] - moves["n_down"]).abs()
        return net.sort_values(ascending=False, kind="stable").index[:n].tolist()

    def write_summary(self, path: str | Path) -> Path:
        """Write :meth:`summary` to ``summary.json`` at ``path`` (atomically)."""
        return write_json(path, self.summary())

    def summary(self) -> dict:
        shown = self.assessments[~self.assessments["suppressed"].astype(bool)]
        keys = ["behaviour", "group_by", "group", "shape", "nonlinear", "p_value", "p_adjusted"]
        keys += ["direction", "rounds_needed", "time_unit", "changes"]
        records = [
            jsonable({key: row[key] for key in [*keys, "breakpoints", "bound_p", "events_near"]})
            | {"nonlinear": bool(row["nonlinear"]), "sentence": row["sentence"]}
            for row in shown.to_dict("records")
        ]
        last = self.place.round(self.through_round)
        return {
            "place": self.place.id,
            "place_name": self.place.name,
            "round": self.through_round,
            "round_label": f"Trajectory to {last.label}",
            "rounds": self.rounds,
            "round_dates": {str(r): d.isoformat() for r, d in self.dates.items()},
            "rounds_needed": self.rounds_needed,
            "shapes_told": self.rounds_needed == 0,
            "evalkit_version": __version__,
            "data_sha256": self.data_sha256,
            "k_min": self.k_min,
            "behaviour_labels": self.framework.labels,
            "assessments": records,
            "network_trends": [
                jsonable(
                    {
                        "indicator": row["indicator"],
                        "shape": row["shape"],
                        "nonlinear": bool(row["nonlinear"]),
                        "p_adjusted": row["p_adjusted"],
                        "breakpoints": row["breakpoints"],
                        "sentence": row["sentence"],
                    }
                )
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
    assessments = place_trends(place, through_round, k_min=k, seed=seed)
    events = store.read_events(place.dir, rounds=rounds)
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
    from evalkit.limits import MIN_BREAKPOINT_POINTS
    from evalkit.network.graph import organisation_network
    from evalkit.network.indicators import network_indicators
    from evalkit.network.trends import assess_network
    from evalkit.stories.counts import story_counts

    parts = {}
    ties = store.read_ties(place.dir, rounds=rounds)
    if not ties.empty:
        network = network_indicators(ties, place, rounds=rounds, k_min=k)
        parts["network"] = network
        if network["round"].nunique() >= MIN_BREAKPOINT_POINTS:
            # the E-I index is 2 x the cross-sector share - 1: one of the two is enough
            parts["network_trends"] = assess_network(
                network,
                ["density", "cross_sector_share", "depth_collaborating"],
                seed=seed,
                networks=organisation_network(ties, place, rounds=rounds, k_min=k),
            )
    reflections = store.read_reflections(place.dir, rounds=rounds)
    if not reflections.empty:
        parts["story_counts"] = story_counts(reflections, place.framework, k)
    return parts
