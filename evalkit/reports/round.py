"""Everything the round report notebook shows, computed in one call so the notebook stays thin."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evalkit import indicators
from evalkit.config import Place, load_place
from evalkit.data import store
from evalkit.exceptions import RunError
from evalkit.reports.summary import round_summary

__all__ = [
    "RoundReport",
    "build_round_report",
    "REPORT_GROUPINGS",
    "place_networks",
]

REPORT_GROUPINGS = ("all", "sector", "role")


def place_networks(place, network: pd.DataFrame, k_min: int) -> dict:
    """Round -> the organisation network of each round in ``network`` (the place's
    :func:`evalkit.network.network_indicators`), read from its store."""
    from evalkit.network.graph import organisation_network

    rounds = sorted(network["round"]) if not network.empty else []
    if not rounds:
        return {}
    ties = store.read_ties(place.dir, rounds=rounds)
    return organisation_network(ties, place, rounds=rounds, k_min=k_min)


@dataclass(frozen=True)
class RoundReport:
    """The findings of one round, every table already privacy-checked against ``k_min``.

    Tables hold this round, and the previous round where a comparison needs it; ``ratings`` is
    kept for charts of distributions and is never shown row by row.
    """

    place: Place
    round: int
    previous_round: int | None
    k_min: int
    ratings: pd.DataFrame
    levels: pd.DataFrame  # indicators.level, all/sector/role, both rounds
    indexes: pd.DataFrame  # indicators.index_level: framework groups and overall
    distribution: pd.DataFrame  # indicators.rating_distribution, this round
    agreement: pd.DataFrame  # indicators.agreement, this round
    gaps: pd.DataFrame  # indicators.voice_gaps by sector and by role, this round
    change: pd.DataFrame  # indicators.change_since_last_round, all and by sector
    reliability: pd.DataFrame  # indicators.reliability, this round
    responses: pd.DataFrame  # indicators.response_counts, this round
    missingness: pd.DataFrame  # indicators.item_missingness, this round
    straight_lining: pd.DataFrame  # indicators.straight_lining, this round
    data_sha256: str
    # who works with whom, and what people wrote: every round so far (empty when not collected)
    network: pd.DataFrame = field(default_factory=pd.DataFrame)  # network_indicators, per round
    churn: pd.DataFrame = field(default_factory=pd.DataFrame)  # tie_churn, last round to this
    brokers: pd.DataFrame = field(default_factory=pd.DataFrame)  # network.brokers, this round
    story_counts: pd.DataFrame = field(default_factory=pd.DataFrame)  # stories.story_counts
    words: pd.DataFrame = field(default_factory=pd.DataFrame)  # stories.numbers_and_words
    quotes: pd.DataFrame = field(default_factory=pd.DataFrame)  # stories.select_quotes
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)  # place_trends, everyone
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # events and learning log so far

    @property
    def questions(self) -> list[dict]:
        """Three to seven questions for the workshop (see :mod:`evalkit.reports.questions`)."""
        from evalkit.reports.questions import workshop_questions

        return workshop_questions(self)

    def organisation_networks(self) -> dict:
        """Each round's organisation network so far (see :mod:`evalkit.network`)."""
        return place_networks(self.place, self.network, self.k_min)

    @property
    def framework(self):
        return self.place.framework

    def levels_for(self, group_by: str = "all", round_number: int | None = None) -> pd.DataFrame:
        """Level rows for one grouping and round (this round by default)."""
        number = self.round if round_number is None else round_number
        rows = self.levels[(self.levels["group_by"] == group_by) & (self.levels["round"] == number)]
        return rows.reset_index(drop=True)

    @property
    def n_respondents(self) -> int:
        everyone = self.responses[self.responses["group_by"] == "all"]["respondents"]
        return int(everyone.fillna(0).sum())

    def widest_gaps(self, n: int = 5) -> pd.DataFrame:
        """The widest gaps between sectors or roles this round, widest first."""
        ranked = indicators.widest_gaps(self.gaps, n=len(self.gaps))
        ranked = ranked.reindex(ranked["gap"].abs().sort_values(ascending=False).index)
        return ranked.head(n).reset_index(drop=True)

    def split_groups(self) -> pd.DataFrame:
        """Groups whose answers look split into two camps (both polarisation signals agree)."""
        return self.agreement[self.agreement["split"].fillna(False).astype(bool)]

    def summary(self) -> dict:
        return round_summary(self)

    def write_summary(self, path: str | Path) -> Path:
        """Write :meth:`summary` to ``summary.json`` at ``path`` (atomically)."""
        from evalkit._io import write_json

        return write_json(path, self.summary())

    def _repr_html_(self) -> str:
        """JupyterLab's view: who answered, and every behaviour now and last round."""
        from evalkit.reports.display import round_report_card

        return round_report_card(self).html()

    def _repr_pretty_(self, printer, cycle) -> None:
        """The same summary as plain text in IPython, instead of every table row by row."""
        from evalkit.reports.display import round_report_card

        printer.text(round_report_card(self).text())


def build_round_report(place_dir: str | Path, round_number: int, *, k_min: int = 0) -> RoundReport:
    """Compute the round report's tables for one round of a place.

    ``k_min`` can raise the place's privacy threshold but never lower it.
    """
    place = load_place(place_dir)
    if round_number not in place.round_numbers:
        raise RunError(
            f"Round {round_number} is not in {place.dir / 'place.yml'} "
            f"(rounds are {place.round_numbers})."
        )
    ingested = store.ingested_rounds(place.dir)
    if round_number not in ingested:
        raise RunError(f"Round {round_number} of {place.name} has no ratings in the store yet.")
    earlier = [r for r in ingested if r < round_number]
    previous = earlier[-1] if earlier else None
    k = max(int(k_min), place.k_min)
    framework = place.framework
    rounds = [r for r in (previous, round_number) if r is not None]
    ratings = store.read_ratings(place.dir, rounds=rounds)
    now = ratings[ratings["round"] == round_number]
    groupings = REPORT_GROUPINGS
    changes = [
        indicators.change_since_last_round(ratings, framework, group_by=g, k_min=k)
        for g in ("all", "sector")
    ]
    change = pd.concat(changes, ignore_index=True)
    levels = indicators.level(ratings, framework, group_by=groupings, k_min=k)
    so_far = [r for r in ingested if r <= round_number]
    return RoundReport(
        place=place,
        round=round_number,
        previous_round=previous,
        k_min=k,
        ratings=ratings,
        levels=levels,
        indexes=indicators.index_level(ratings, framework, group_by=groupings, k_min=k),
        distribution=indicators.rating_distribution(now, k_min=k),
        agreement=indicators.agreement(now, framework, group_by=groupings, k_min=k),
        gaps=pd.concat(
            [indicators.voice_gaps(now, group_by=g, k_min=k) for g in ("sector", "role")],
            ignore_index=True,
        ),
        change=change[change["round"] == round_number].reset_index(drop=True),
        reliability=indicators.reliability(now, framework, k_min=k),
        responses=indicators.response_counts(now, place, k_min=k),
        missingness=indicators.item_missingness(now, k_min=k),
        straight_lining=indicators.straight_lining(now, k_min=k),
        data_sha256=store.data_hash(place.dir, so_far),
        **_connections(place, so_far, previous, k),
        **_stories(place, so_far, levels, now, change, k),
        trends=_trends(place, so_far, k),
        events=store.read_events(place.dir, rounds=so_far),
    )


def _connections(place: Place, rounds: list[int], previous: int | None, k: int) -> dict:
    """Network indicators of every round so far, churn since last round and this round's brokers,
    each drawing on the depth and trust of organisations with at least ``k`` people answering."""
    from evalkit.network import brokers
    from evalkit.network.churn import tie_churn
    from evalkit.network.indicators import network_indicators

    ties = store.read_ties(place.dir, rounds=rounds)
    if ties.empty:
        return {}
    this = rounds[-1]
    churn = tie_churn(ties, place, rounds=[previous, this], k_min=k) if previous else pd.DataFrame()
    return {
        "network": network_indicators(ties, place, rounds=rounds, k_min=k),
        "churn": churn,
        "brokers": brokers(ties, place, this, n=5, k_min=k)
        if (ties["round"] == this).any()
        else pd.DataFrame(),
    }


def _stories(place: Place, rounds: list[int], levels, ratings_now, change, k: int) -> dict:
    """Story counts so far, numbers beside words, and this round's quotes on what moved."""
    from evalkit.stories.counts import story_counts
    from evalkit.stories.quotes import select_quotes
    from evalkit.stories.shifts import numbers_and_words, valence_shift

    reflections = store.read_reflections(place.dir, rounds=rounds)
    if reflections.empty:
        return {}
    this = rounds[-1]
    counts = story_counts(reflections, place.framework, k)
    words = numbers_and_words(levels[levels["group_by"] == "all"], counts)
    shift = valence_shift(counts)
    turned = shift[(shift["span"] == "step") & (shift["round"] == this) & (shift["turned"] != "")]
    clear = change[(change["group_by"] == "all") & change["clear"].fillna(False).astype(bool)]
    moved = sorted(set(turned["behaviour"]) | set(clear["behaviour"]))
    now = reflections[reflections["round"] == this]
    quotes = select_quotes(now, place, moved, k, ratings=ratings_now) if moved else pd.DataFrame()
    return {"story_counts": counts, "words": words, "quotes": quotes}


def _trends(place: Place, rounds: list[int], k: int) -> pd.DataFrame:
    """Each behaviour's shape over the rounds so far (everyone), once a turn can be told: the
    same table the trajectory report reads (:func:`~evalkit.reports.assessments.place_trends`)."""
    from evalkit.limits import MIN_BREAKPOINT_POINTS
    from evalkit.reports.assessments import place_trends

    if len(rounds) < MIN_BREAKPOINT_POINTS:
        return pd.DataFrame()
    trends = place_trends(place, max(rounds), k_min=k)
    everyone = trends[(trends["group_by"] == "all") & ~trends["suppressed"].astype(bool)]
    return everyone.reset_index(drop=True)
