"""Moves of panel respondents between levels of a behaviour, from each round to the next.

Each rating is read as one of three levels (largely absent, in between, strongly present, by
the framework's thresholds). For the people who rated a behaviour in two successive rounds,
:func:`transition_matrix` counts who moved from which level to which, with small cells
suppressed, and :func:`transition_balance` asks whether the moves lean one way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.config import Framework
from evalkit.indicators.multiple_testing import benjamini_hochberg
from evalkit.privacy import balance_discloses, hidden_cells

__all__ = [
    "LEVELS",
    "LEVEL_LABELS",
    "rating_level",
    "transition_matrix",
    "transition_balance",
]

#: The three levels, lowest first.
LEVELS = ("largely_absent", "in_between", "strongly_present")
#: How reports name them.
LEVEL_LABELS = {
    "largely_absent": "Largely absent",
    "in_between": "In between",
    "strongly_present": "Strongly present",
}
_RANK = {level: i for i, level in enumerate(LEVELS)}
_PAIR = ["round_from", "round_to", "behaviour"]
_BALANCE_COUNTS = ["n_up", "n_down", "n_same", "share_up", "share_down"]
_BALANCE_TESTS = ["p_value", "p_adjusted", "bowker_statistic", "bowker_df", "bowker_p"]


def rating_level(ratings: pd.Series, framework: Framework) -> pd.Series:
    """The level of each rating: at or below ``largely_absent``, at or above ``strongly_present``.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> rating_level(pd.Series([2.0, 3, 5, 8, None]), load_framework("system-behaviours")).tolist()
    ['largely_absent', 'largely_absent', 'in_between', 'strongly_present', nan]
    """
    level = np.select(
        [ratings <= framework.largely_absent, ratings >= framework.strongly_present],
        [LEVELS[0], LEVELS[2]],
        default=LEVELS[1],
    )
    return pd.Series(level, index=ratings.index, dtype="str").where(ratings.notna())


def transition_matrix(
    ratings: pd.DataFrame,
    framework: Framework,
    *,
    k_min: int = 5,
    behaviour: str | list[str] | None = None,
) -> pd.DataFrame:
    """Counts and shares of moves between levels, from each round to the next, per behaviour.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings: ``round, respondent, behaviour, rating`` (NaN = no answer), and optionally
        ``place``.
    framework : Framework
        Gives the thresholds and the order of the behaviours.
    k_min : int
        Smallest count shown (see Notes).
    behaviour : str or list of str, optional
        Only these behaviours; by default every framework behaviour in the data.

    Returns
    -------
    DataFrame
        Nine rows per pair of successive rounds and behaviour, one per move:
        ``[place,] round_from, round_to, behaviour, level_from, level_to, n, n_from, share,
        suppressed``. ``n`` counts the respondents rated at ``level_from`` in ``round_from`` and
        at ``level_to`` in ``round_to``; ``n_from`` is the row total (everyone at
        ``level_from`` in ``round_from`` who was rated in both rounds) and ``share`` is
        ``n / n_from``. Suppressed cells have ``n`` and ``share`` missing; ``n_from`` is missing
        when the whole row is hidden. ``attrs["k_min"]`` records the threshold.

    Notes
    -----
    Only respondents rated in both rounds count; "successive" means the next round present in
    the data. Cells are suppressed by :func:`evalkit.privacy.hidden_cells`:

    1. the row totals are groups beside the panel: a row under ``k_min`` is hidden entirely,
       total included, with the next smallest rows until the hidden rows are at least two and
       hold at least ``k_min`` people together;
    2. in the other rows, every cell with ``n < k_min`` is suppressed (a zero included), then
       the row's smallest shown cells until its suppressed cells are at least two and hold at
       least ``k_min`` people together.

    Since a shown row gives its total, its suppressed cells share the total minus the cells
    shown, at least ``k_min`` people who could be spread over them in more than one way: no
    suppressed count can be found by subtraction, and no small number of movers is pinned to
    the suppressed cells (a row of 8 with 6 shown would say that exactly 2 moved).

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> before = [2.0] * 6 + [5.0] * 10 + [9.0] * 6
    >>> after = [2.0] * 5 + [5.0] + [2.0] + [5.0] * 5 + [9.0] * 4 + [9.0] * 6
    >>> df = pd.DataFrame({"round": [1] * 22 + [2] * 22, "respondent": list(range(22)) * 2,
    ...                    "behaviour": "trusting_relationships", "rating": before + after})
    >>> table = transition_matrix(df, load_framework("system-behaviours"))
    >>> table[table["level_from"] == "in_between"][["level_to", "n", "share"]].to_dict("records")
    [{'level_to': 'largely_absent', 'n': nan, 'share': nan}, \
{'level_to': 'in_between', 'n': 5.0, 'share': 0.5}, \
{'level_to': 'strongly_present', 'n': nan, 'share': nan}]
    """
    counts = _protect(_cell_counts(_moves(ratings, framework, behaviour)), k_min)
    counts["share"] = (counts["n"] / counts["n_from"]).where(~counts["suppressed"])
    counts["n"] = counts["n"].astype(float).mask(counts["suppressed"])
    keys = [c for c in counts.columns if c not in ("n", "n_from", "share", "suppressed")]
    table = counts[[*keys, "n", "n_from", "share", "suppressed"]]
    table.attrs["k_min"] = k_min
    return table


def transition_balance(
    ratings: pd.DataFrame,
    framework: Framework,
    *,
    behaviour: str | list[str] | None = None,
    k_min: int = 5,
) -> pd.DataFrame:
    """Whether panel respondents' moves between levels lean up or down, per behaviour and step.

    Parameters
    ----------
    ratings, framework, k_min, behaviour
        As for :func:`transition_matrix`.

    Returns
    -------
    DataFrame
        One row per pair of successive rounds and behaviour: ``[place,] round_from, round_to,
        behaviour, n_panel, n_up, n_down, n_same, share_up, share_down, p_value, p_adjusted,
        lopsided, direction, bowker_statistic, bowker_df, bowker_p, counts_hidden,
        suppressed``. ``n_up`` counts respondents who moved to a higher level, ``n_down`` to a
        lower one; ``p_value`` is the two-sided sign test of ``n_up`` against ``n_down``,
        ``p_adjusted`` its Benjamini-Hochberg adjustment over the behaviours of the same step,
        ``lopsided`` is ``p_adjusted < 0.05`` and ``direction`` is "up", "down" or "even" (the
        larger of the two). ``bowker_*`` is Bowker's test that the 3 x 3 table of moves is
        symmetric. ``suppressed``: fewer than ``k_min`` panel respondents, and every statistic is
        missing. ``counts_hidden``: the counts, shares, p-values and Bowker's test are missing
        because, beside the suppressed cells of :func:`transition_matrix`, they would let a
        reader work out a small number of people (see Notes).

    Notes
    -----
    The sign test asks whether, among those who changed level, up and down are equally likely:
    ``scipy.stats.binomtest(n_up, n_up + n_down, 0.5)``. Bowker's test (Bowker 1948) compares
    each pair of opposite moves, X^2 = sum_{i<j} (n_ij - n_ji)^2 / (n_ij + n_ji) on
    k(k - 1)/2 = 3 degrees of freedom (statsmodels ``SquareTable.symmetry``; a pair with no
    moves adds 0); it sees uneven moves that the sign test nets out (e.g. many move up one level
    while a few fall two), and its chi-squared approximation needs a fair number of movers.

    ``n_up``, ``n_down`` and ``n_same`` are sums of cells of the matrix, so beside its shown
    cells and row totals they could pin down a suppressed cell, or the suppressed cells of one
    direction (say, that exactly 2 of them moved down). Whether they would is checked by
    :func:`evalkit.privacy.balance_discloses`; if so, the counts and shares are hidden, and so
    are the p-values and Bowker's statistic, from which the counts could be worked back; only
    ``lopsided`` and ``direction`` are shown.

    References
    ----------
    Bowker, A. H. (1948). A test for symmetry in contingency tables. JASA 43, 572-574.
    Benjamini, Y. and Hochberg, Y. (1995). J. Royal Statistical Society B 57, 289-300.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> before = [2.0] * 12 + [5.0] * 16
    >>> after = [2.0] * 5 + [5.0] * 7 + [2.0] * 5 + [5.0] * 5 + [9.0] * 6
    >>> df = pd.DataFrame({"round": [1] * 28 + [2] * 28, "respondent": list(range(28)) * 2,
    ...                    "behaviour": "trusting_relationships", "rating": before + after})
    >>> row = transition_balance(df, load_framework("system-behaviours")).iloc[0]
    >>> int(row["n_up"]), int(row["n_down"]), round(float(row["p_value"]), 3), row["direction"]
    (13, 5, 0.096, 'up')
    """
    from statsmodels.stats.contingency_tables import SquareTable

    counts = _cell_counts(_moves(ratings, framework, behaviour))
    protected = _protect(counts.copy(), k_min)
    keys = [c for c in counts.columns if c not in ("level_from", "level_to", "n", "n_from")]
    rows = []
    for key, cells in protected.groupby(keys, sort=False):
        table = cells["n"].to_numpy().reshape(3, 3)
        n_up, n_down = int(np.triu(table, 1).sum()), int(np.tril(table, -1).sum())
        n_panel = int(table.sum())
        bowker = SquareTable(table, shift_zeros=False).symmetry()
        moved = n_up + n_down
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "n_panel": n_panel,
                "n_up": n_up,
                "n_down": n_down,
                "n_same": n_panel - moved,
                "share_up": n_up / n_panel,
                "share_down": n_down / n_panel,
                "p_value": stats.binomtest(n_up, moved, 0.5).pvalue if moved else np.nan,
                "direction": "up" if n_up > n_down else "down" if n_down > n_up else "even",
                "bowker_statistic": float(bowker.statistic),
                "bowker_df": float(bowker.df),
                "bowker_p": float(bowker.pvalue),
                "counts_hidden": n_panel >= k_min
                and balance_discloses(
                    table,
                    cells["suppressed"].to_numpy().reshape(3, 3),
                    cells["n_from"].notna().to_numpy()[::3],
                    k_min,
                ),
                "suppressed": n_panel < k_min,
            }
        )
    columns = [*keys, "n_panel", *_BALANCE_COUNTS, *_BALANCE_TESTS, "lopsided", "direction"]
    columns += ["counts_hidden", "suppressed"]
    if not rows:
        return pd.DataFrame(columns=columns)
    balance = pd.DataFrame(rows)
    balance["p_value"] = balance["p_value"].mask(balance["suppressed"])
    step = [k for k in keys if k != "behaviour"]
    balance["p_adjusted"] = balance.groupby(step)["p_value"].transform(benjamini_hochberg)
    hide = balance["suppressed"]
    lopsided = balance["p_adjusted"] < 0.05
    balance["lopsided"] = lopsided.astype("boolean").mask(balance["p_adjusted"].isna())
    balance["n_panel"] = balance["n_panel"].astype(float).mask(hide)
    for column in [*_BALANCE_COUNTS, *_BALANCE_TESTS]:
        balance[column] = balance[column].astype(float).mask(hide | balance["counts_hidden"])
    balance["direction"] = balance["direction"].mask(hide)
    return balance[columns]


def _moves(ratings: pd.DataFrame, framework: Framework, behaviour) -> pd.DataFrame:
    """One row per respondent rated in two successive rounds: their level in each."""
    wanted = framework.behaviour_ids if behaviour is None else behaviour
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = sorted(set(wanted) - set(framework.behaviour_ids))
    if unknown:
        raise ValueError(f"not behaviours of framework {framework.id!r}: {unknown}")
    pk = ["place"] if "place" in ratings.columns else []
    rounds = ratings[[*pk, "round"]].drop_duplicates().sort_values([*pk, "round"])
    following = rounds.groupby(pk)["round"].shift(-1) if pk else rounds["round"].shift(-1)
    steps = rounds.assign(round_to=following).dropna(subset=["round_to"])
    steps = steps.rename(columns={"round": "round_from"}).astype({"round_to": int})
    data = ratings[ratings["behaviour"].isin(wanted)].dropna(subset=["rating"])
    data = data.assign(level=rating_level(data["rating"], framework))
    data = data[[*pk, "round", "respondent", "behaviour", "level"]]
    earlier = data.rename(columns={"round": "round_from", "level": "level_from"}).merge(steps)
    later = data.rename(columns={"round": "round_to", "level": "level_to"})
    moves = earlier.merge(later, on=[*pk, "round_to", "respondent", "behaviour"])
    order = {b: i for i, b in enumerate(framework.behaviour_ids)}
    moves = moves.assign(_order=moves["behaviour"].map(order))
    return moves.sort_values([*pk, "round_from", "_order"], kind="stable").drop(columns="_order")


def _cell_counts(moves: pd.DataFrame) -> pd.DataFrame:
    """All nine cells per step and behaviour, in level order, with ``n`` and ``n_from``."""
    keys = [c for c in ("place", *_PAIR) if c in moves.columns]
    steps = moves[keys].drop_duplicates()
    cells = pd.MultiIndex.from_product([LEVELS, LEVELS], names=["level_from", "level_to"])
    grid = steps.merge(cells.to_frame(index=False), how="cross")
    n = moves.groupby([*keys, "level_from", "level_to"]).size().rename("n").reset_index()
    counts = grid.merge(n, how="left").fillna({"n": 0}).astype({"n": int})
    counts["n_from"] = counts.groupby([*keys, "level_from"])["n"].transform("sum")
    return counts


def _protect(counts: pd.DataFrame, k_min: int) -> pd.DataFrame:
    """Add ``suppressed`` (:func:`evalkit.privacy.hidden_cells`); blank hidden row totals."""
    keys = [c for c in counts.columns if c not in ("level_from", "level_to", "n", "n_from")]
    cells, totals = hidden_cells(
        counts, k_min=k_min, within=keys, row="level_from", column="level_to"
    )
    counts["suppressed"] = cells.to_numpy()
    counts["n_from"] = counts["n_from"].astype(float).mask(totals.to_numpy())
    return counts
