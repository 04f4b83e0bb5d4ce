"""Time every level, agreement and suppression indicator at programme scale against a plain groupby.

A programme of 100 places x 12 rounds x 2,000 respondents x 9 behaviours (21.6 million ratings) is
generated, then, in this one run:
  (a) the plain baseline: ``groupby(["place", "round", "behaviour"])["rating"].mean()``;
  (b) evalkit's level (behaviours, framework groups, overall index), agreement and polarisation
      indicators, by all, sector and role, with bootstrap intervals and k_min suppression.
Each is timed twice and the faster run kept. The last line printed is JSON.

Run: .venv/bin/python benchmarks/indicators.py [--places 100]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd

from evalkit import indicators
from evalkit.config import load_framework
from evalkit.indicators.bootstrap import bootstrap_mean_interval

SECTORS = ["public", "voluntary", "private", "lived_experience"]
ROLES = ["senior_leader", "manager", "frontline", "expert_by_experience", "elected_member"]


def programme(places: int, rounds: int, respondents: int, framework, seed: int = 0):
    """Tidy ratings for a whole programme, with categorical keys as a store would hand them over."""
    rng = np.random.default_rng(seed)
    behaviours = framework.behaviour_ids
    n_people = places * rounds * respondents
    person_sector = rng.choice(len(SECTORS), n_people, p=[0.35, 0.35, 0.15, 0.15])
    person_role = rng.choice(len(ROLES), n_people, p=[0.12, 0.28, 0.45, 0.13, 0.02])
    person_level = (
        rng.normal(5.5, 1.0, n_people)
        + rng.normal(0, 0.6, (places, 1)).repeat(rounds * respondents, axis=0).ravel()
    )
    noise = rng.normal(0, 1.3, (n_people, len(behaviours)))
    rating = np.clip(np.rint(person_level[:, None] + noise), 1, 10).ravel()
    rating[rng.random(rating.size) < 0.03] = np.nan
    k = len(behaviours)
    person = np.arange(n_people)
    return pd.DataFrame(
        {
            "place": pd.Categorical.from_codes(
                np.repeat(person // (rounds * respondents), k),
                [f"place-{i:03d}" for i in range(places)],
            ),
            "round": np.repeat((person // respondents) % rounds + 1, k).astype(np.int16),
            "respondent": np.repeat(person % respondents, k).astype(np.int32),
            "sector": pd.Categorical.from_codes(np.repeat(person_sector, k), SECTORS),
            "role": pd.Categorical.from_codes(np.repeat(person_role, k), ROLES),
            "behaviour": pd.Categorical.from_codes(np.tile(np.arange(k), n_people), behaviours),
            "rating": rating,
        }
    )


def timed(function, repeat: int = 2) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def evalkit_indicators(ratings, framework):
    groupings = ("all", "sector", "role")
    histograms = indicators.rating_histograms(
        ratings, scale=(framework.scale_min, framework.scale_max), group_bys=groupings
    )
    return {
        "level": indicators.level(ratings, framework, k_min=5, histograms=histograms),
        "agreement": indicators.agreement(ratings, framework, k_min=5, histograms=histograms),
        "index_level": indicators.index_level(ratings, framework, group_by=groupings, k_min=5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--respondents", type=int, default=2000)
    args = parser.parse_args()
    framework = load_framework("system-behaviours")
    ratings = programme(args.places, args.rounds, args.respondents, framework)
    print(
        f"{len(ratings):,} ratings in {args.places} places x {args.rounds} rounds x "
        f"{args.respondents:,} respondents x {len(framework.behaviours)} behaviours"
    )

    plain, _ = timed(
        lambda: ratings.groupby(["place", "round", "behaviour"], observed=True)["rating"].mean()
    )
    full, tables = timed(lambda: evalkit_indicators(ratings, framework))
    rows = {name: len(table) for name, table in tables.items()}
    suppressed = int(sum(table["suppressed"].sum() for table in tables.values()))

    # What classic Monte Carlo resampling would cost: 2,000 resamples for a sample of groups.
    histograms = indicators.rating_histograms(
        ratings, scale=(1, 10), group_bys=("all", "sector", "role")
    )
    sample = histograms.counts[:: max(1, len(histograms.counts) // 500)]
    monte_carlo, _ = timed(
        lambda: bootstrap_mean_interval(sample, histograms.values, n_resamples=2000, seed=1),
        repeat=1,
    )
    monte_carlo_all = monte_carlo * len(histograms.counts) / len(sample)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(f"(a) plain groupby mean:                    {plain:8.2f} s")
    print(
        f"(b) evalkit level + agreement + suppression: {full:8.2f} s   rows: {rows}, "
        f"suppressed: {suppressed}"
    )
    print(f"    ratio b/a:                              {full / plain:8.2f}   (target <= 3)")
    print(
        f"    Monte Carlo bootstrap, 2,000 resamples, {len(sample)} groups: {monte_carlo:.2f} s;"
        f" all {len(histograms.counts):,} groups would take about {monte_carlo_all:.0f} s"
    )
    print(f"    peak memory:                            {peak:8.2f} GiB (target < 4)")
    print(
        json.dumps(
            {
                "ratings": len(ratings),
                "plain_seconds": round(plain, 3),
                "evalkit_seconds": round(full, 3),
                "ratio": round(full / plain, 3),
                "peak_rss_gib": round(peak, 3),
                "groups": len(histograms.counts),
                "monte_carlo_seconds_estimate": round(monte_carlo_all, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
