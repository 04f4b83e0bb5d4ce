"""Moves of panel respondents between levels of a behaviour, from each round to the next.

Each rating is read as one of three levels (largely absent, in between, strongly present, by
the framework's thresholds). For the people who rated a behaviour in two successive rounds,
:func:`transition_matrix` counts who moved from which level to which, with small cells
suppressed, and :func:`transition_balance` asks whether the moves lean one way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from evalkit.config import Framework
from evalkit.indicators.multiple_testing import benjamini_hochberg

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
    the data. Cells are suppressed in three steps:

    1. a row whose total is under ``k_min`` is hidden entirely, total included;
    2. in the other rows, every cell with ``n < k_min`` is suppressed (a zero included);
    3. if a row then has exactly one suppressed cell, or suppressed cells that add to zero, its
       smallest shown cell is suppressed too.

    Since the row total is shown, step 3 leaves at least two suppressed cells sharing a positive
    remainder, so no suppressed count can be found by subtracting the shown cells from the total.
    The row totals are level counts, like the shares at each level that round reports show;
    only the moves are protected.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> before = [2.0] * 6 + [5.0] * 8 + [9.0] * 6
    >>> after = [2.0] * 5 + [5.0] + [5.0] * 6 + [9.0] * 2 + [9.0] * 6
    >>> df = pd.DataFrame({"round": [1] * 20 + [2] * 20, "respondent": list(range(20)) * 2,
    ...                    "behaviour": "trusting_relationships", "rating": before + after})
    >>> table = transition_matrix(df, load_framework("system-behaviours"))
    >>> table[table["level_from"] == "in_between"][["level_to", "n", "share"]].to_dict("records")
    [{'level_to': 'largely_absent', 'n': nan, 'share': nan}, \
{'level_to': 'in_between', 'n': 6.0, 'share': 0.75}, \
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
        missing. ``counts_hidden``: the counts and shares are missing because, beside the
        suppressed cells of :func:`transition_matrix`, they would let a reader work one out.

    Notes
    -----
    The sign test asks whether, among those who changed level, up and down are equally likely:
    ``scipy.stats.binomtest(n_up, n_up + n_down, 0.5)``. Bowker's test (Bowker 1948) compares
    each pair of opposite moves, X^2 = sum_{i<j} (n_ij - n_ji)^2 / (n_ij + n_ji) on
    k(k - 1)/2 = 3 degrees of freedom (statsmodels ``SquareTable.symmetry``; a pair with no
    moves adds 0); it sees uneven moves that the sign test nets out (e.g. many move up one level
    while a few fall two), and its chi-squared approximation needs a fair number of movers.

    ``n_up`` and ``n_down`` are sums of cells of the matrix, so with the matrix's shown cells,
    row totals and the panel size they can pin down a suppressed cell. Whether they do is
    checked by linear programming: for each suppressed cell its smallest and largest possible
    value given everything published and the rule itself (a hidden row holds fewer than
    ``k_min`` people), as statistical offices' audit tools do; if publishing the
    counts would fix a small cell (1 to ``k_min - 1`` people) that the matrix alone leaves open,
    the counts are hidden and only the tests are shown. (A zero describes nobody, and a cell of
    ``k_min`` or more suppressed only to protect another may be shown anyway.)

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
                and _counts_reveal_a_cell(cells, n_up, n_down, k_min),
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
    for column in ["n_panel", *_BALANCE_TESTS]:
        balance[column] = balance[column].astype(float).mask(hide)
    for column in _BALANCE_COUNTS:
        balance[column] = balance[column].astype(float).mask(hide | balance["counts_hidden"])
    balance["direction"] = balance["direction"].mask(hide)
    lopsided = balance["p_adjusted"] < 0.05
    balance["lopsided"] = lopsided.astype("boolean").mask(balance["p_adjusted"].isna())
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
    """Add ``suppressed`` by the three steps of :func:`transition_matrix`; blank hidden totals."""
    n = counts["n"].to_numpy().reshape(-1, 3)
    hidden = n < k_min
    total = n.sum(axis=1)
    hidden[total < k_min] = True
    for row in np.flatnonzero((total >= k_min) & hidden.any(axis=1)):
        if hidden[row].sum() == 1 or n[row][hidden[row]].sum() == 0:
            shown = np.flatnonzero(~hidden[row])
            hidden[row, shown[np.argmin(n[row][shown])]] = True
    counts["suppressed"] = hidden.ravel()
    counts["n_from"] = counts["n_from"].astype(float).mask(counts["n_from"] < k_min)
    return counts


def _counts_reveal_a_cell(cells: pd.DataFrame, n_up: int, n_down: int, k_min: int) -> bool:
    """Would publishing n_up and n_down fix a small suppressed cell the matrix leaves open?"""
    n = cells["n"].to_numpy().reshape(3, 3)
    hidden = cells["suppressed"].to_numpy().reshape(3, 3)
    small = hidden & (n > 0) & (n < k_min)
    if not small.any():
        return False
    row_shown = cells["n_from"].notna().to_numpy().reshape(3, 3)[:, 0]
    rows = np.broadcast_to(np.eye(3, dtype=bool)[:, :, None], (3, 3, 3))  # rows[i]: row i's cells
    # what a reader knows: the panel size and the shown row totals (equalities), and that a
    # hidden row holds fewer than k_min people (the rule is public)
    known = [(np.ones((3, 3), bool), n.sum())] + [
        (rows[i], n[i].sum()) for i in range(3) if row_shown[i]
    ]
    below = [(rows[i], k_min - 1) for i in range(3) if not row_shown[i]]
    upward = np.triu(np.ones((3, 3), bool), 1)
    with_counts = _fixed_cells(n, hidden, known + [(upward, n_up), (upward.T, n_down)], below)
    if not (with_counts & small).any():
        return False
    return bool((with_counts & small & ~_fixed_cells(n, hidden, known, below)).any())


def _fixed_cells(n, hidden, equal, at_most) -> np.ndarray:
    """3 x 3: which hidden cells have one possible value, given sums over masks of cells.

    ``equal`` and ``at_most`` are lists of (mask, total): the cells under the mask add up to
    (at most) the total. Each hidden cell's least and greatest value come from two linear
    programmes over the hidden cells (non-negative), with the shown cells subtracted.
    """
    unknown = np.flatnonzero(hidden)

    def system(constraints):
        if not constraints:
            return None, None
        masks = np.array([mask.ravel()[unknown] for mask, _ in constraints], dtype=float)
        totals = [total - n[mask & ~hidden].sum() for mask, total in constraints]
        return masks, totals

    a_eq, b_eq = system(equal)
    a_ub, b_ub = system(at_most)
    fixed = np.zeros(9, bool)
    for k in range(len(unknown)):
        cost = np.zeros(len(unknown))
        cost[k] = 1.0
        low, high = (
            optimize.linprog(sign * cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq)
            for sign in (1, -1)
        )
        fixed[unknown[k]] = -high.fun - low.fun < 0.5
    return fixed.reshape(3, 3)
