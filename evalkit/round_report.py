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

_REPORT_GROUPINGS = ("all", "sector", "role")


@dataclass(frozen=True)
class RoundReport:
    """The findings of one round, every table already privacy-checked against ``k_min``."""

    place: Place
    round: int
    previous_round: int | None
    k_min: int
    ratings: pd.DataFrame  # this round and the previous one, tidy; never shown directly
    levels: pd.DataFrame  # level() rows for all, sector and role, both rounds
    distribution: pd.DataFrame  # this round
    respondents: pd.DataFrame  # respondent_counts() for all, sector and role, this round
    missing: pd.DataFrame  # this round
    data_sha256: str

    @property
    def framework(self):
        return self.place.framework

    def levels_for(self, group_by: str = "all", round_number: int | None = None) -> pd.DataFrame:
        number = self.round if round_number is None else round_number
        rows = self.levels[(self.levels["group_by"] == group_by) & (self.levels["round"] == number)]
        return rows.reset_index(drop=True)

    @property
    def n_respondents(self) -> int:
        rows = self.respondents[self.respondents["group_by"] == "all"]
        return int(rows["respondents"].fillna(0).sum())

    def summary(self) -> dict:
        return round_summary(
            self.place,
            self.round,
            self.levels,
            data_sha256=self.data_sha256,
            respondents=self.n_respondents,
        )


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
    rounds = [r for r in (previous, round_number) if r is not None]
    ratings = store.read_ratings(place.dir, rounds=rounds)
    this_round = ratings[ratings["round"] == round_number]
    levels = indicators.level(ratings, place.framework, group_by=_REPORT_GROUPINGS, k_min=k)
    respondents = pd.concat(
        [indicators.respondent_counts(this_round, group_by=g, k_min=k) for g in _REPORT_GROUPINGS],
        ignore_index=True,
    )
    return RoundReport(
        place=place,
        round=round_number,
        previous_round=previous,
        k_min=k,
        ratings=ratings,
        levels=levels,
        distribution=indicators.rating_distribution(this_round, k_min=k),
        respondents=respondents,
        missing=indicators.missing_share(this_round),
        data_sha256=store.data_hash(place.dir, [r for r in ingested if r <= round_number]),
    )
