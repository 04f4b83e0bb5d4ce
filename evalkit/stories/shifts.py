"""Where the stories turned: the change in each behaviour's mix of tones between rounds (with
Fisher's exact test), and where ratings and stories moved in opposite directions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.stories.counts import VALENCES

__all__ = ["RATING_THRESHOLD", "SHIFT_THRESHOLD", "numbers_and_words", "valence_shift"]


#: A share of stories that moves by at least this much (15 percentage points) has "turned".
SHIFT_THRESHOLD = 0.15


#: The smallest rating change, in scale points, that :func:`numbers_and_words` calls a move.
RATING_THRESHOLD = 0.3


_TOLERANCE = 1e-9  # shares are ratios of small counts: 0.25 - 0.10 must count as 0.15


def _by_round(counts: pd.DataFrame) -> pd.DataFrame:
    """One row per shown behaviour-round: ``n_behaviour`` and the count of each valence."""
    shown = counts[~counts["suppressed"].astype(bool)]
    wide = shown.pivot_table(
        index=["behaviour", "round"], columns="valence", values="n", aggfunc="sum", sort=False
    )
    wide = wide.reindex(columns=list(VALENCES), fill_value=0).fillna(0)
    wide["n_behaviour"] = wide.sum(axis=1)
    return wide.reset_index()


def _fisher_p(hits_before, n_before, hits_after, n_after) -> float:
    table = [[hits_before, n_before - hits_before], [hits_after, n_after - hits_after]]
    return float(stats.fisher_exact(np.asarray(table, dtype=int)).pvalue)


def valence_shift(counts: pd.DataFrame, *, threshold: float = SHIFT_THRESHOLD) -> pd.DataFrame:
    """How each behaviour's share of negative and positive stories moved between rounds.

    Parameters
    ----------
    counts : DataFrame
        The result of :func:`story_counts`.
    threshold : float
        A share that moves by at least this much (default 15 percentage points) has turned.

    Returns
    -------
    DataFrame
        One row per behaviour and comparison of two rounds: ``behaviour, span, previous_round,
        round, n_before, n_after, negative_before, negative_after, change_negative,
        positive_before, positive_after, change_positive, p_negative, p_positive, turned``.
        ``span`` is ``"step"`` for each shown round against the latest earlier shown round, and
        ``"overall"`` for the last shown round against the first. ``*_before`` and ``*_after`` are
        shares of that behaviour's stories; ``change_*`` the difference (after - before).
        ``turned`` is ``"negative"`` when the negative share rose by at least ``threshold`` and
        more than the positive share did, ``"positive"`` the other way round, else ``""``.

    Notes
    -----
    Suppressed behaviour-rounds (see :func:`story_counts`) are skipped, and ``previous_round``
    says which round a row compares with. ``p_negative`` and ``p_positive`` are two-sided
    Fisher exact tests of the 2 x 2 table (that valence or not, before or after). They are for
    hedging the words, not a gate: with ten stories a round a real shift rarely reaches
    p < 0.05, and stories are material for discussion, not a measurement.

    Examples
    --------
    >>> counts = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "behaviour": "trust",
    ...                        "valence": ["negative", "mixed", "positive"] * 2,
    ...                        "n": [1.0, 1, 8, 6, 1, 3], "suppressed": False})
    >>> row = valence_shift(counts).query("span == 'step'").iloc[0]
    >>> float(row["change_negative"]), row["turned"]
    (0.5, 'negative')
    """
    columns = [
        "behaviour",
        "span",
        "previous_round",
        "round",
        "n_before",
        "n_after",
        "negative_before",
        "negative_after",
        "change_negative",
        "positive_before",
        "positive_after",
        "change_positive",
        "p_negative",
        "p_positive",
        "turned",
    ]
    wide = _by_round(counts).sort_values(["round"], kind="stable")
    rows = []
    for behaviour in pd.unique(counts["behaviour"]):
        shown = wide[wide["behaviour"] == behaviour].to_dict("records")
        pairs = [("step", a, b) for a, b in zip(shown, shown[1:], strict=False)]
        if len(shown) >= 2:
            pairs.append(("overall", shown[0], shown[-1]))
        for span, before, after in pairs:
            row = {
                "behaviour": behaviour,
                "span": span,
                "previous_round": int(before["round"]),
                "round": int(after["round"]),
                "n_before": int(before["n_behaviour"]),
                "n_after": int(after["n_behaviour"]),
            }
            for valence in ("negative", "positive"):
                was = before[valence] / before["n_behaviour"]
                now = after[valence] / after["n_behaviour"]
                row[f"{valence}_before"], row[f"{valence}_after"] = was, now
                row[f"change_{valence}"] = now - was
                row[f"p_{valence}"] = _fisher_p(
                    before[valence], before["n_behaviour"], after[valence], after["n_behaviour"]
                )
            rows.append(row)
    table = pd.DataFrame(rows, columns=columns)
    table["turned"] = _turned(table["change_negative"], table["change_positive"], threshold)
    return table.astype({"previous_round": int, "round": int, "n_before": int, "n_after": int})


def _turned(change_negative: pd.Series, change_positive: pd.Series, threshold: float) -> list:
    negative = (change_negative >= threshold - _TOLERANCE) & (change_negative > change_positive)
    positive = (change_positive >= threshold - _TOLERANCE) & (change_positive > change_negative)
    return np.select([negative, positive], ["negative", "positive"], default="").tolist()


def numbers_and_words(
    levels: pd.DataFrame,
    counts: pd.DataFrame,
    *,
    threshold: float = SHIFT_THRESHOLD,
    rating_threshold: float = RATING_THRESHOLD,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each behaviour's rating change beside the change in its stories, flagging disagreement.

    Parameters
    ----------
    levels : DataFrame
        :func:`evalkit.indicators.level` output; only ``group_by == "all"`` rows that are not
        suppressed are read (``round, behaviour, mean, ci_low, ci_high``).
    counts : DataFrame
        :func:`story_counts` output.
    threshold : float
        Share of stories that must move (default 15 points) for the stories to have turned.
    rating_threshold : float
        Smallest rating change (scale points) that counts as a move.
    confidence : float
        Coverage of the intervals in ``levels``.

    Returns
    -------
    DataFrame
        The rows of :func:`valence_shift` (one per behaviour and comparison of two rounds, with
        ``span``), joined with ``mean_before, mean_after, rating_change, rating_noise,
        rating_moved`` (``"up"``, ``"down"`` or ``""``) and ``disagree``. Rating columns are
        missing where either round's level is missing or suppressed.

    Notes
    -----
    The rating "moved" when ``|rating_change| >= max(rating_threshold, rating_noise)``, where
    ``rating_noise = z sqrt(se_before^2 + se_after^2)`` and each ``se = (ci_high - ci_low) /
    (2 z)`` is read back from the level's interval (z = 1.96 for 95%). This treats the two rounds
    as independent samples, which overstates the noise for a panel: a move flagged here is
    clear. ``disagree`` is True when the rating moved up while the stories turned negative, or
    down while they turned positive (see :func:`valence_shift`), with at least ``k_min``
    respondents writing about the behaviour in both rounds (suppressed rounds are skipped).

    Examples
    --------
    >>> levels = pd.DataFrame({"round": [1, 2], "behaviour": "trust", "group_by": "all",
    ...                        "mean": [5.0, 6.0], "ci_low": [4.8, 5.8], "ci_high": [5.2, 6.2],
    ...                        "suppressed": False})
    >>> counts = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "behaviour": "trust",
    ...                        "valence": ["negative", "mixed", "positive"] * 2,
    ...                        "n": [1.0, 1, 8, 6, 1, 3], "suppressed": False})
    >>> row = numbers_and_words(levels, counts).query("span == 'step'").iloc[0]
    >>> row["rating_moved"], row["turned"], bool(row["disagree"])
    ('up', 'negative', True)
    """
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    shift = valence_shift(counts, threshold=threshold)
    shown = levels
    if "group_by" in shown:
        shown = shown[shown["group_by"] == "all"]
    if "suppressed" in shown:
        shown = shown[~shown["suppressed"].astype(bool)]
    shown = shown.dropna(subset=["mean"])
    level = shown.assign(
        se=(shown["ci_high"] - shown["ci_low"]) / (2 * z), round=shown["round"].astype(int)
    )[["round", "behaviour", "mean", "se"]]
    table = shift.merge(
        level.rename(columns={"round": "previous_round", "mean": "mean_before", "se": "se_b"}),
        on=["previous_round", "behaviour"],
        how="left",
    ).merge(
        level.rename(columns={"mean": "mean_after", "se": "se_a"}),
        on=["round", "behaviour"],
        how="left",
    )
    table["rating_change"] = table["mean_after"] - table["mean_before"]
    table["rating_noise"] = z * np.sqrt(table["se_b"] ** 2 + table["se_a"] ** 2)
    bar = np.maximum(table["rating_noise"], rating_threshold) - _TOLERANCE
    table["rating_moved"] = np.select(
        [table["rating_change"] >= bar, table["rating_change"] <= -bar], ["up", "down"], default=""
    )
    table["disagree"] = ((table["rating_moved"] == "up") & (table["turned"] == "negative")) | (
        (table["rating_moved"] == "down") & (table["turned"] == "positive")
    )
    return table.drop(columns=["se_b", "se_a"])
