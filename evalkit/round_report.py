"""Everything the round report notebook shows, computed in one call so the notebook stays thin."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import indicators, store
from .config import Place, load_place
from .exceptions import RunError
from .report import round_summary

__all__ = ["RoundReport", "build_round_report"]

REPORT_GROUPINGS = ("all", "sector", "role")


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

    def _repr_html_(self) -> str:
        """JupyterLab's view: who answered, and every behaviour now and last round."""
        from ._repr import round_report_card

        return round_report_card(self).html()

    def _repr_pretty_(self, printer, cycle) -> None:
        """The same summary as plain text in IPython, instead of every table row by row."""
        from ._repr import round_report_card

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
    return RoundReport(
        place=place,
        round=round_number,
        previous_round=previous,
        k_min=k,
        ratings=ratings,
        levels=indicators.level(ratings, framework, group_by=groupings, k_min=k),
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
        data_sha256=store.data_hash(place.dir, [r for r in ingested if r <= round_number]),
    )
