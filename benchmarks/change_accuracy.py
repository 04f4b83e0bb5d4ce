"""How often the change engine finds the true shape, and how fast it is.

Simulated places each ask 150 respondents a round (a panel: about 15% leave after each round and
new people join) to rate nine behaviours on a 1 to 10 scale, for 8 rounds. A rating is
``clip(round(level + truth(round) + u_round + person + person_behaviour + noise), 1, 10)``: person
SD 1.2, person-by-behaviour SD 0.7, occasion SD 1.4 (about 2 in all), and round-level noise
``u_round`` of SD 0.1 per behaviour and round. Each behaviour's truth is drawn from flat, linear,
step, S-curve and backsliding, with a shift of 0.5 to 1.5 points:

- linear: rises by the shift over the 8 rounds;
- step: jumps by the shift at round 4 or 5 (its turning round, the first round at the new level);
- S-curve: the logistic shift / (1 + exp(-(t - m) / 0.5)), midpoint m of 4, 4.5 or 5 (the
  turning round); most of the change happens within about two rounds;
- backsliding: rises 0.15 a round until round 4 or 5 (the turning round), then falls by the shift
  by round 8.

Each place is assessed with ``assess_trends(..., by=["place", "behaviour"], family="place")``: the
between-round variance is pooled over the place's nine behaviours and p-values are adjusted across
them (Benjamini-Hochberg), as a place's trajectory report does. The accuracy run prints the
confusion matrix of true against found shape, the false-positive rate of ``nonlinear`` on flat and
linear truths, the detection rate per truth and shift, and how often the (first) breakpoint lands
within one round of the truth among detections; then 100 places x 9 behaviours are timed.
The last line printed is JSON.

Run: .venv/bin/python benchmarks/change_accuracy.py [--places 200] [--seed 20261127] [--no-oracle]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from evalkit.change import assess_trends
from evalkit.change.shapes import shape_family

TRUTHS = ("flat", "linear", "step", "s_curve", "backsliding", "kink", "shock")
SHIFTS = (0.5, 0.75, 1.0, 1.25, 1.5)
BEHAVIOURS = 9
ROUNDS = 8
RESPONDENTS = 150
STAY = 0.85
PERSON_SD, PERSON_BEHAVIOUR_SD, OCCASION_SD, ROUND_SD = 1.2, 0.7, 1.4, 0.1
S_CURVE_SCALE = 0.5
FOUND = ("flat", "linear", "step", "segmented", "u_shape", "s_curve", "shock_recovery")
#: The family of shapes that names each truth rightly (see ``evalkit.change.shapes.FAMILIES``).
TRUTH_FAMILY = {
    "flat": "flat",
    "linear": "linear",
    "step": "new_level",
    "s_curve": "new_level",
    "kink": "change_of_pace",
    "backsliding": "turn_in_direction",
    "shock": "shock",
}
#: The parts of each shape its sentence describes (a part that is not supported is "level").
SAID = {
    "step": ("jump",),
    "s_curve": ("jump",),
    "segmented": ("before", "after"),
    "u_shape": ("before", "after"),
    "shock_recovery": ("jump", "after"),
    "two_breakpoints": ("before", "middle", "after"),
}
_MOVED = 0.05  # the true curve must move this much (points) for a claimed direction to be right


def curve(truth: str, shift: float, turn: float, t: np.ndarray) -> np.ndarray:
    """The true change from round 1, at rounds t."""
    if truth == "flat":
        return 0 * t
    if truth == "linear":
        return shift * (t - 1) / (t[-1] - 1)
    if truth == "step":
        return shift * (t >= turn)
    if truth == "s_curve":
        return shift / (1 + np.exp(-(t - turn) / S_CURVE_SCALE))
    if truth == "backsliding":
        return 0.15 * (np.minimum(t, turn) - 1) - shift * np.maximum(t - turn, 0) / (t[-1] - turn)
    if truth == "kink":
        return shift * np.maximum(t - turn, 0) / (t[-1] - turn)
    if truth == "shock":
        return -shift * (t >= turn) + shift / 4 * np.maximum(t - turn, 0)
    raise ValueError(truth)


def simulate(places: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ratings (place, round, respondent, behaviour, rating) and the truth of every series."""
    rng = np.random.default_rng(seed)
    t = np.arange(1.0, ROUNDS + 1)
    frames, truths = [], []
    for place in range(places):
        kinds = rng.choice(len(TRUTHS), BEHAVIOURS)
        means = np.empty((BEHAVIOURS, ROUNDS))
        for b, kind in enumerate(kinds):
            truth = TRUTHS[kind]
            shift = 0.0 if truth == "flat" else float(rng.choice(SHIFTS))
            turn = float(rng.choice([4.0, 4.5, 5.0] if truth == "s_curve" else [4.0, 5.0]))
            turn = np.nan if truth in ("flat", "linear") else turn
            level = rng.uniform(4.0, 7.0)
            means[b] = level + curve(truth, shift, turn, t) + rng.normal(0, ROUND_SD, ROUNDS)
            truths.append((place, f"b{b}", truth, shift, turn))
        # the panel: who answers in each round
        person = rng.normal(0, PERSON_SD, RESPONDENTS)
        person_behaviour = rng.normal(0, PERSON_BEHAVIOUR_SD, (RESPONDENTS, BEHAVIOURS))
        active = np.arange(RESPONDENTS)
        for r in range(ROUNDS):
            if r:
                stay = active[rng.random(active.size) < STAY]
                new = np.arange(person.size, person.size + RESPONDENTS - stay.size)
                person = np.append(person, rng.normal(0, PERSON_SD, new.size))
                person_behaviour = np.vstack(
                    [person_behaviour, rng.normal(0, PERSON_BEHAVIOUR_SD, (new.size, BEHAVIOURS))]
                )
                active = np.concatenate([stay, new])
            latent = (
                means[:, r][None, :]
                + person[active][:, None]
                + person_behaviour[active]
                + rng.normal(0, OCCASION_SD, (active.size, BEHAVIOURS))
            )
            frames.append(
                pd.DataFrame(
                    {
                        "place": place,
                        "round": r + 1,
                        "respondent": np.repeat(active, BEHAVIOURS),
                        "behaviour": np.tile([f"b{b}" for b in range(BEHAVIOURS)], active.size),
                        "rating": np.clip(np.rint(latent), 1, 10).ravel(),
                    }
                )
            )
    truth = pd.DataFrame(truths, columns=["place", "behaviour", "truth", "shift", "turn"])
    return pd.concat(frames, ignore_index=True), truth


def assess(ratings: pd.DataFrame, seed: int, tau2: float | None = None) -> pd.DataFrame:
    return assess_trends(
        ratings,
        time="round",
        value="rating",
        unit="respondent",
        by=["place", "behaviour"],
        family="place",
        tau2=tau2,
        seed=seed,
    )


def directions_right(assessment, truth: str, shift: float, turn: float) -> bool:
    """Whether every part the sentence says moved (up or down) moved that way in the truth.

    A part covers a stretch of time (a jump: from the round before it to its round); the true
    curve must move the same way by more than 0.05 points over that stretch, or over it widened
    by one round on each side (a turn placed a round late is a timing error, scored by
    ``breakpoint_within_1``, not a wrong direction). Parts the sentence calls level claim
    nothing and are not scored.
    """
    grid = np.linspace(1.0, ROUNDS, 20 * (ROUNDS - 1) + 1)
    values = curve(truth, shift, turn, grid)

    def change(start, end):
        return float(np.interp(end, grid, values) - np.interp(start, grid, values))

    for part in assessment.parts:
        if part.name not in SAID.get(assessment.shape, ()) or part.direction == "level":
            continue
        sign = 1.0 if part.direction == "up" else -1.0
        moves = (
            change(part.start, part.end),
            change(max(part.start - 1, 1.0), min(part.end + 1, ROUNDS)),
        )
        if not any(sign * m > _MOVED for m in moves):
            return False
    return True


def words(table: pd.DataFrame) -> dict:
    """Among detected non-linear truths: the named shape's family and the sentence's directions."""
    hits = table[~table["truth"].isin(["flat", "linear"]) & table["nonlinear"]]
    family = hits["shape"].map(shape_family) == hits["truth"].map(TRUTH_FAMILY)
    right = [
        directions_right(row.assessment, row.truth, row.shift, row.turn)
        for row in hits.itertuples()
    ]
    return {
        "family": family,
        "direction": pd.Series(right, index=hits.index, dtype=bool),
        "hits": hits,
    }


def _round_means(ratings: pd.DataFrame, truth: pd.DataFrame):
    """Round means (series x rounds), the truth joined to them, the rounds, and the residual
    variance of a round mean about its straight line, pooled from the flat and linear series."""
    means = ratings.groupby(["place", "behaviour", "round"])["rating"].mean().unstack("round")
    t = means.columns.to_numpy(dtype=float)
    line = np.c_[np.ones_like(t), t]
    table = truth.set_index(["place", "behaviour"]).join(means)
    resid = means.loc[table.index[table["truth"].isin(["flat", "linear"])]].to_numpy()
    fitted = resid @ np.linalg.pinv(line).T @ line.T  # each series' straight line
    sigma2 = float(((resid - fitted) ** 2).sum() / (resid.shape[0] * (len(t) - 2)))
    return means, table, t, sigma2


def known_shape_power(ratings: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Power of a test told each series' exact shape, turning round and noise level.

    For each non-linear series, the round means are regressed on 1, t and the true curve, and
    the curve's coefficient is tested (two-sided 5%) with the residual variance of the round
    means known: pooled from the flat and linear series' straight-line fits. No test that must
    find the shape and its timing from the data can beat it; it bounds the detection rates.
    """
    means, table, t, sigma2 = _round_means(ratings, truth)
    line = np.c_[np.ones_like(t), t]
    null = table["truth"].isin(["flat", "linear"])
    power = []
    for row in table[~null].itertuples():
        c = curve(row.truth, 1.0, row.turn, t)
        c = c - line @ np.linalg.lstsq(line, c, rcond=None)[0]  # the part a line cannot fit
        y = table.loc[(row.Index), list(means.columns)].to_numpy(dtype=float)
        z = (c @ y) / np.sqrt(sigma2 * (c @ c))
        power.append((row.truth, row.shift, abs(z) > 1.96))
    return pd.DataFrame(power, columns=["truth", "shift", "detected"])


def arm_power(ratings: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """How often the arm a shape's name needs is clear, for a test told the true turning round.

    A turn in direction needs its rise (0.15 a round for backslides, over the rounds up to the
    turn) and a shock its recovery (a quarter of the drop a round, from the turn on): each is
    tested by the slope of the round means over those rounds alone (two-sided 5%), with the
    residual variance of the round means known (as in :func:`known_shape_power`). The engine
    checks the same arm on the same rounds, so these rates bound how often it can name the
    family of those truths.
    """
    means, table, t, sigma2 = _round_means(ratings, truth)
    out = []
    for row in table[table["truth"].isin(["backsliding", "shock"])].itertuples():
        arm = t <= row.turn if row.truth == "backsliding" else t >= row.turn
        x = t[arm] - t[arm].mean()
        y = table.loc[row.Index, list(means.columns)].to_numpy(dtype=float)[arm]
        z = (x @ y) / np.sqrt(sigma2 * (x @ x))
        out.append((row.truth, row.shift, abs(z) > 1.96))
    return pd.DataFrame(out, columns=["truth", "shift", "clear"])


def rates(table: pd.DataFrame) -> dict:
    """False positives, detection and breakpoint accuracy of one run."""
    null = table["truth"].isin(["flat", "linear"])
    big = ~null & (table["shift"] >= 1.0)
    hits = table[~null & table["nonlinear"] & table["breakpoint"].notna()]
    said = words(table) if "assessment" in table else None
    return {
        "family": float(said["family"].mean()) if said else float("nan"),
        "direction": float(said["direction"].mean()) if said else float("nan"),
        "fp": float(table.loc[null, "nonlinear"].mean()),
        "fp_raw": float((table.loc[null, "p_value"] <= 0.05).mean()),
        "detect_1pt": float(table.loc[big, "nonlinear"].mean()),
        "detect_1pt_raw": float((table.loc[big, "p_value"] <= 0.05).mean()),
        "within_1": float(((hits["breakpoint"] - hits["turn"]).abs() <= 1.0).mean()),
        "n_null": int(null.sum()),
        "n_big": int(big.sum()),
        "n_hits": len(hits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=200, help="places in the accuracy run")
    parser.add_argument("--seed", type=int, default=20261127, help="seed of the simulation")
    parser.add_argument("--no-oracle", action="store_true", help="skip the known-tau^2 run")
    args = parser.parse_args()

    ratings, truth = simulate(args.places, args.seed)
    start = time.perf_counter()
    found = assess(ratings, args.seed + 1)
    accuracy_seconds = time.perf_counter() - start
    table = truth.merge(found, on=["place", "behaviour"])
    null = table["truth"].isin(["flat", "linear"])
    result = rates(table)
    print(
        f"{len(table)} series ({args.places} places x {BEHAVIOURS} behaviours), {ROUNDS} rounds x "
        f"{RESPONDENTS} respondents, seed {args.seed}; assessed in {accuracy_seconds:.1f} s\n"
    )
    print("Confusion matrix (rows: truth, columns: shape found)")
    confusion = pd.crosstab(table["truth"], table["shape"])
    columns = [f for f in FOUND if f in confusion.columns]
    print(confusion.reindex(index=list(TRUTHS), columns=columns).fillna(0).astype(int), "\n")

    print(
        f"False-positive rate of nonlinear on flat and linear truths: {result['fp']:.3f} "
        f"(unadjusted p <= 0.05: {result['fp_raw']:.3f}; n = {result['n_null']})"
    )
    for name in ("flat", "linear"):
        part = table["truth"] == name
        print(f"  {name}: {table.loc[part, 'nonlinear'].mean():.3f}")

    print("\nDetection rate of nonlinear, by truth and shift (unadjusted p <= 0.05 in brackets)")
    cells = {}
    for (name, shift), part in table[~null].groupby(["truth", "shift"]):
        raw = (part["p_value"] <= 0.05).mean()
        cells[(name, shift)] = f"{part['nonlinear'].mean():.2f} ({raw:.2f})"
    turning = [t for t in TRUTHS if t not in ("flat", "linear")]
    detection = pd.Series(cells).unstack().reindex(turning)
    print(detection.to_string(), "\n")
    print(
        f"Detection rate, non-linear truths with a shift of 1.0 or more: {result['detect_1pt']:.3f}"
        f" (unadjusted {result['detect_1pt_raw']:.3f}; n = {result['n_big']})"
    )
    hits = table[~null & table["nonlinear"] & table["breakpoint"].notna()]
    print(
        f"Breakpoint within one round of the truth, among detections: {result['within_1']:.3f} "
        f"(n = {result['n_hits']})"
    )
    for name, part in hits.groupby("truth"):
        print(f"  {name}: {((part['breakpoint'] - part['turn']).abs() <= 1.0).mean():.3f}")

    said = words(table)
    scored = said["hits"].assign(family=said["family"], direction=said["direction"])
    print(
        f"\nAmong the {len(scored)} detected non-linear truths: the shape named is in the truth's "
        f"family in {result['family']:.3f} (shape_family_rate), the sentence gets the direction "
        f"of every part right in {result['direction']:.3f} (direction_rate). By truth and shift:"
    )
    by = scored.groupby(["truth", "shift"])[["family", "direction"]].mean().unstack("shift")
    print(by.round(2).to_string())
    confusion_hits = pd.crosstab(scored["truth"], scored["shape"])
    print("\nConfusion among detections (rows: truth, columns: shape named)")
    print(
        confusion_hits.reindex(columns=[f for f in FOUND if f in confusion_hits])
        .fillna(0)
        .astype(int)
    )

    if not args.no_oracle:
        known = rates(truth.merge(assess(ratings, args.seed + 1, tau2=ROUND_SD**2)))
        print(
            f"\nCeiling: the same test told the true between-round variance ({ROUND_SD**2:g}): "
            f"false positives {known['fp']:.3f} (unadjusted {known['fp_raw']:.3f}), detection "
            f"at 1.0 or more {known['detect_1pt']:.3f} (unadjusted {known['detect_1pt_raw']:.3f})"
        )

    bound = known_shape_power(ratings, truth)
    bound_1pt = float(bound.loc[bound["shift"] >= 1.0, "detected"].mean())
    print(
        "\nBound: a test told the exact shape, turning round and noise level detects "
        + ", ".join(
            f"{name} {part['detected'].mean():.2f}"
            for name, part in bound[bound["shift"] >= 1.0].groupby("truth")
        )
        + f" of the shifts of 1.0 or more; {bound_1pt:.3f} in all. By shift:"
    )
    print(bound.groupby(["truth", "shift"])["detected"].mean().unstack().round(2).to_string())

    arms = arm_power(ratings, truth)
    arm_rate = arms.groupby("truth")["clear"].mean()
    print(
        "\nArms: told the true turning round, the rise before a backslide's turn is clear in "
        f"{arm_rate['backsliding']:.2f} of backslides and a shock's recovery in "
        f"{arm_rate['shock']:.2f} of shocks (all shifts); by shift:"
    )
    print(arms.groupby(["truth", "shift"])["clear"].mean().unstack().round(2).to_string())

    timed, _ = simulate(100, args.seed + 2)
    start = time.perf_counter()
    result_900 = assess(timed, args.seed + 3)
    seconds = time.perf_counter() - start
    print(
        f"\n900 assessments (100 places x 9 behaviours): {seconds:.1f} s ({len(result_900)} series)"
    )
    print(
        json.dumps(
            {
                "false_positive_rate": round(result["fp"], 4),
                "false_positive_rate_unadjusted": round(result["fp_raw"], 4),
                "detection_rate_1pt": round(result["detect_1pt"], 4),
                "detection_rate_1pt_unadjusted": round(result["detect_1pt_raw"], 4),
                "breakpoint_within_1": round(result["within_1"], 4),
                "shape_family_rate": round(result["family"], 4),
                "direction_rate": round(result["direction"], 4),
                "detection_to_bound": round(result["detect_1pt"] / bound_1pt, 4),
                "confusion": {
                    truth_name: {k: int(v) for k, v in row.items() if v}
                    for truth_name, row in confusion.reindex(index=list(TRUTHS)).iterrows()
                },
                "seconds_900": round(seconds, 2),
                "known_shape_bound_1pt": round(bound_1pt, 4),
                "backsliding_rise_bound": round(float(arm_rate["backsliding"]), 4),
                "shock_recovery_bound": round(float(arm_rate["shock"]), 4),
                "series": len(table),
                "seed": args.seed,
            }
        )
    )


if __name__ == "__main__":
    main()
