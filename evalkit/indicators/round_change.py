"""Change since the previous round: panel members' own change, and everyone's distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.config import Framework
from evalkit.indicators.multiple_testing import benjamini_hochberg
from evalkit.privacy import hidden_groups, ordered, place_keys, suppress, with_group

__all__ = ["change_since_last_round"]

RCI_THRESHOLD = 1.96  # Jacobson and Truax (1991): beyond this, change exceeds measurement error
_PANEL = ["n_panel", "mean_change", "ci_low", "ci_high", "r_xx"]
_SHARES = ["share_improved", "share_declined", "share_stable"]
_EVERYONE = ["n_before", "n_after", "cliffs_delta", "mannwhitney_p", "p_adjusted", "clear"]


def change_since_last_round(
    ratings: pd.DataFrame,
    framework: Framework,
    *,
    k_min: int = 5,
    group_by: str = "all",
    reliability: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How each behaviour moved since the previous round in the data, per group.

    Parameters
    ----------
    ratings : DataFrame
        Two rounds (or more: each is compared with the one before it in the data) of tidy
        ratings, as for :func:`~evalkit.indicators.level`.
    framework : Framework
        The behaviours compared (others are ignored), in its order.
    k_min : int
        Smallest group shown (see Returns for the two flags).
    group_by : {"all", "sector", "role", "organisation"}
        Respondent grouping.
    reliability : float, optional
        Test-retest reliability r_xx for the reliable change index; by default estimated from the
        data (see Notes).
    confidence : float
        Coverage of the paired interval.

    Returns
    -------
    DataFrame
        ``[place,] round, previous_round, behaviour, group_by, group``, then the panel part
        ``n_panel, mean_change, ci_low, ci_high, r_xx, share_improved, share_declined,
        share_stable, suppressed_panel``, then everyone's part ``n_before, n_after, cliffs_delta,
        mannwhitney_p, p_adjusted, clear, suppressed``. ``suppressed`` is True when either round
        has fewer than ``k_min`` answers in the group (or the group is hidden in that round to
        protect such a sibling, as in :func:`~evalkit.indicators.level`), and blanks everyone's
        part; ``suppressed_panel`` is True when that holds or ``n_panel < k_min`` (with the same
        protection of siblings), and blanks the panel part. ``clear`` is ``p_adjusted < 0.05``.

    Notes
    -----
    Panel members are respondents who answered the behaviour in both rounds in the same group.
    Their change d = x2 - x1 gives ``mean_change`` with the paired t interval mean(d) +/-
    t(1 - alpha/2, n - 1) sd(d) / sqrt(n). The reliable change index is
    RCI = d / sqrt(2 SE^2), SE = s1 sqrt(1 - r_xx): improved if RCI > 1.96, declined if < -1.96.
    By default r_xx is the Pearson correlation of x1 and x2 and s1 the SD of x1, both over every
    panel member of the behaviour (all groups together: a property of the measure, and a group's
    own panel is often too small to estimate it).

    For everyone, Cliff's delta = (#{after > before} - #{after < before}) / (m n) is computed
    from the two rating histograms, sum_ij a_i b_j sign(v_j - v_i), so it costs O(K^2) for K
    rating values; the Mann-Whitney test is two-sided (scipy's default method, tie-corrected).
    Benjamini-Hochberg adjusts the p-values across behaviours within each round and group. The
    test treats the rounds as independent samples of people; panel overlap and round-to-round
    noise make it a screen for what to discuss, not proof of a shift.

    References
    ----------
    Jacobson, N. S. and Truax, P. (1991). J. Consulting and Clinical Psychology 59, 12-19.
    Cliff, N. (1993). Dominance statistics. Psychological Bulletin 114, 494-509.
    Benjamini, Y. and Hochberg, Y. (1995). J. Royal Statistical Society B 57, 289-300.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> df = pd.DataFrame({"round": [1] * 6 + [2] * 6, "respondent": list("abcdef") * 2,
    ...                    "behaviour": "shared_vision",
    ...                    "rating": [3.0, 4, 4, 5, 6, 6, 5, 6, 5, 7, 8, 6]})
    >>> table = change_since_last_round(df, load_framework("system-behaviours"))
    >>> table[["n_panel", "mean_change", "cliffs_delta"]].round(3).to_dict("records")
    [{'n_panel': 6.0, 'mean_change': 1.5, 'cliffs_delta': 0.611}]
    """
    data = with_group(ratings[ratings["behaviour"].isin(framework.behaviour_ids)], group_by)
    data = data.dropna(subset=["rating"])
    pk = place_keys(ratings)
    keys = [*pk, "round", "previous_round", "behaviour", "group_by", "group"]
    # each answer once as "after" (of its round) and once as "before" (of the next round present)
    rounds = ratings[[*pk, "round"]].drop_duplicates().sort_values([*pk, "round"])
    previous = rounds.groupby(pk)["round"].shift() if pk else rounds["round"].shift()
    steps = rounds.assign(previous_round=previous).dropna().astype({"previous_round": int})
    after = data.merge(steps, on=[*pk, "round"])
    before = data.rename(columns={"round": "previous_round"})
    before = before.merge(steps, on=[*pk, "previous_round"])
    table = _everyone(before, after, keys, k_min)
    table = table.merge(_panel(before, after, keys, reliability, confidence), how="left")
    table["n_panel"] = table["n_panel"].fillna(0)
    within = keys[:-1]
    hide_panel = hidden_groups(
        table, k_min=k_min, within=within, n="n_panel", also=table["suppressed"]
    )
    table = suppress(table, hide_panel, _PANEL + _SHARES, flag="suppressed_panel")
    table = suppress(table, table["suppressed"], _EVERYONE)
    table = ordered(table, [*pk, "round", "group"], "behaviour", framework.behaviour_ids)
    return table[[*keys, *_PANEL, *_SHARES, "suppressed_panel", *_EVERYONE, "suppressed"]]


def _panel(before, after, keys, reliability, confidence) -> pd.DataFrame:
    match = [k for k in keys if k not in ("group_by", "group")] + ["respondent"]
    earlier = before[[*match, "group", "rating"]].rename(columns={"group": "was", "rating": "x1"})
    pairs = after.merge(earlier, on=match)
    pairs["change"] = pairs["rating"] - pairs["x1"]
    # test-retest r and the earlier SD over every panel member of the behaviour (all groups)
    measure = pairs.groupby(match[:-1])
    c1 = pairs["x1"] - measure["x1"].transform("mean")
    c2 = pairs["rating"] - measure["rating"].transform("mean")
    sums = pd.DataFrame({"c11": c1 * c1, "c22": c2 * c2, "c12": c1 * c2, "n": 1.0})
    sums = sums.groupby([pairs[k] for k in match[:-1]]).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        r_xx = (sums["c12"] / np.sqrt(sums["c11"] * sums["c22"])).clip(-1, 1)
    sums["r_xx"] = r_xx if reliability is None else float(reliability)
    # sqrt(2 SE^2) = sqrt(2) s1 sqrt(1 - r_xx); |RCI| > z  <=>  |change| > z sqrt(2 SE^2)
    sums["s_diff"] = np.sqrt(2 * sums["c11"] / (sums["n"] - 1) * (1 - sums["r_xx"]))
    pairs = pairs.join(sums[["r_xx", "s_diff"]], on=match[:-1])
    known, bound = pairs["s_diff"].notna(), RCI_THRESHOLD * pairs["s_diff"]
    pairs["share_improved"] = (pairs["change"] > bound).astype(float).where(known)
    pairs["share_declined"] = (pairs["change"] < -bound).astype(float).where(known)
    pairs["share_stable"] = (pairs["change"].abs() <= bound).astype(float).where(known)
    panel = (
        pairs[pairs["group"] == pairs["was"]]
        .groupby(keys)
        .agg(
            n_panel=("change", "count"),
            mean_change=("change", "mean"),
            sd=("change", "std"),
            r_xx=("r_xx", "first"),
            **{share: (share, "mean") for share in _SHARES},
        )
    )
    half_width = stats.t.ppf(0.5 + confidence / 2, panel["n_panel"] - 1) * panel["sd"]
    half_width /= np.sqrt(panel["n_panel"])
    panel["ci_low"] = panel["mean_change"] - half_width
    panel["ci_high"] = panel["mean_change"] + half_width
    return panel.drop(columns="sd").reset_index()


def _everyone(before, after, keys, k_min) -> pd.DataFrame:
    sides = pd.concat({"before": before, "after": after}, names=["side", None]).reset_index("side")
    counts = (
        sides.groupby([*keys, "side", "rating"]).size().unstack(["side", "rating"], fill_value=0)
    )
    values = np.sort(sides["rating"].unique())
    b = counts.reindex(columns=pd.MultiIndex.from_product([["before"], values]), fill_value=0)
    a = counts.reindex(columns=pd.MultiIndex.from_product([["after"], values]), fill_value=0)
    b, a = b.to_numpy(), a.to_numpy()
    table = counts.index.to_frame(index=False).assign(n_before=b.sum(axis=1), n_after=a.sum(axis=1))
    dominance = np.einsum("ri,ij,rj->r", b, np.sign(values[None, :] - values[:, None]), a)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["cliffs_delta"] = dominance / (table["n_before"] * table["n_after"])
    within = [k for k in keys if k != "group"]
    table["suppressed"] = hidden_groups(table, k_min=k_min, within=within, n="n_before") | (
        hidden_groups(table, k_min=k_min, within=within, n="n_after")
    )
    shown = (~table["suppressed"] & (table["n_before"] > 0) & (table["n_after"] > 0)).to_numpy()
    table["mannwhitney_p"] = np.nan
    if shown.any():
        test = stats.mannwhitneyu(
            _samples(a[shown], values), _samples(b[shown], values), axis=1, nan_policy="omit"
        )
        table.loc[shown, "mannwhitney_p"] = test.pvalue
    family = table.groupby([k for k in keys if k not in ("previous_round", "behaviour")])
    table["p_adjusted"] = family["mannwhitney_p"].transform(benjamini_hochberg)
    table["clear"] = (table["p_adjusted"] < 0.05).astype("boolean").mask(table["p_adjusted"].isna())
    return table


def _samples(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows of ratings rebuilt from their histograms, padded with NaN to a common length."""
    sizes = counts.sum(axis=1)
    out = np.full((len(counts), sizes.max()), np.nan)
    row = np.repeat(np.arange(len(counts)), sizes)
    column = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    out[row, column] = np.repeat(np.tile(values, len(counts)), counts.ravel())
    return out
