"""Internal consistency of each framework group: Cronbach's alpha and item-rest correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.config import Framework
from evalkit.privacy import hidden_groups, ordered, place_keys, suppress, with_group

__all__ = ["reliability", "item_rest"]

LOW_ALPHA = 0.7  # a convention for "the items may not measure one thing", not a validated cut-off


def _complete_cases(ratings: pd.DataFrame, framework: Framework, group_by: str):
    """Yield, per framework group, the complete-case item matrix and the items asked per block.

    A block is round (x place) x respondent group. An item counts as asked in a round when anyone
    answered it then; complete cases answered every asked item of the framework group.
    """
    data = with_group(ratings[ratings["behaviour"].isin(framework.behaviour_ids)], group_by)
    keys = [*place_keys(ratings), "round", "group_by", "group"]
    wide = data.set_index([*keys, "respondent", "behaviour"])["rating"].unstack("behaviour")
    asked = wide.notna().groupby(level=[*place_keys(ratings), "round"]).transform("any")
    for framework_group in framework.groups:
        items = [b.id for b in framework.behaviours if b.group == framework_group]
        items = [item for item in items if item in wide.columns]
        if not items:
            continue
        complete = (wide[items].notna() | ~asked[items]).all(axis=1)
        block_asked = asked[items].groupby(level=keys).any()
        block_asked = block_asked[block_asked.any(axis=1)]
        yield framework_group, wide.loc[complete, items], block_asked, keys


def reliability(
    ratings: pd.DataFrame, framework: Framework, *, group_by: str = "all", k_min: int = 5
) -> pd.DataFrame:
    """Cronbach's alpha of each framework group's behaviours, per round and group.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings: ``round, respondent, behaviour, rating`` (NaN = no answer), the grouping
        column unless ``group_by="all"``, and optionally ``place``.
    framework : Framework
        Gives each behaviour's group; behaviours not in it are ignored.
    group_by : {"all", "sector", "role", "organisation"}
        Respondent grouping.
    k_min : int
        Fewer complete cases than this: ``suppressed=True`` and no statistics; sibling groups
        are hidden with a small one so that it cannot be worked out from the total
        (:func:`~evalkit.privacy.hidden_groups`).

    Returns
    -------
    DataFrame
        ``[place,] round, group_by, group, framework_group, n, n_items, alpha, low_alpha,
        suppressed``: ``n`` complete-case respondents, ``n_items`` behaviours of the group asked
        that round, ``low_alpha`` = alpha < 0.7 (NA when alpha is missing).

    Notes
    -----
    alpha = k / (k - 1) * (1 - sum_i var(x_i) / var(sum_i x_i)), variances with ddof = 1, over
    respondents who answered all k items (Cronbach 1951). Undefined (NaN) for k < 2 or when the
    total does not vary.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16, 297-334.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> items = ["interconnected_whole", "shared_vision", "people_resourceful"]
    >>> scores = [[2, 3, 4], [4, 4, 5], [3, 5, 6], [5, 6, 7]]
    >>> df = pd.DataFrame([{"round": 1, "respondent": f"r{i}", "behaviour": b, "rating": x}
    ...                    for i, row in enumerate(scores) for b, x in zip(items, row)])
    >>> table = reliability(df, load_framework("system-behaviours"), k_min=4)
    >>> table[["framework_group", "n", "n_items", "alpha"]].round(4).to_dict("records")
    [{'framework_group': 'perspective', 'n': 4.0, 'n_items': 3.0, 'alpha': 0.9512}]
    """
    parts = []
    for framework_group, items, asked, keys in _complete_cases(ratings, framework, group_by):
        by_block = items.groupby(level=keys)
        k = asked.sum(axis=1)
        item_var = by_block.var().sum(axis=1, min_count=1)
        total_var = items.sum(axis=1).groupby(level=keys).var()
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = k / (k - 1) * (1 - item_var / total_var)
        part = pd.DataFrame({"n": by_block.size(), "n_items": k, "alpha": alpha}).reindex(k.index)
        parts.append(part.assign(framework_group=framework_group).reset_index())
    columns = ["n", "n_items", "alpha", "low_alpha"]
    head = [*place_keys(ratings), "round", "group_by", "group"]
    if not parts:
        return pd.DataFrame(columns=[*head, "framework_group", *columns, "suppressed"])
    table = pd.concat(parts, ignore_index=True)
    table["n"] = table["n"].fillna(0)
    table["alpha"] = table["alpha"].replace([np.inf, -np.inf], np.nan).where(table["n_items"] > 1)
    table["low_alpha"] = (table["alpha"] < LOW_ALPHA).astype("boolean").mask(table["alpha"].isna())
    hidden = hidden_groups(table, k_min=k_min, within=[*head[:-1], "framework_group"])
    table = suppress(table, hidden, columns)
    table = ordered(table, head, "framework_group", list(framework.groups))
    return table[[*head, "framework_group", *columns, "suppressed"]]


def item_rest(
    ratings: pd.DataFrame, framework: Framework, *, group_by: str = "all", k_min: int = 5
) -> pd.DataFrame:
    """Correlation of each behaviour with the sum of the other behaviours of its framework group.

    Parameters are as for :func:`reliability`.

    Returns
    -------
    DataFrame
        ``[place,] round, group_by, group, behaviour, framework_group, n, item_rest,
        suppressed``: ``n`` complete cases of the framework group, ``item_rest`` Pearson's r.

    Notes
    -----
    r(x_j, sum_{i != j} x_i) over complete cases; a low value marks a behaviour that does not move
    with the others of its group. NaN when the group has a single item asked.

    Examples
    --------
    Four people rating the three Perspective behaviours; the first one's item-rest correlation
    is Pearson's r of its ratings with the sum of the other two:

    >>> from evalkit.config import load_framework
    >>> people = {"r1": (2, 3, 4), "r2": (4, 4, 5), "r3": (3, 5, 6), "r4": (5, 6, 7)}
    >>> perspective = ("interconnected_whole", "shared_vision", "people_resourceful")
    >>> rows = [(p, b, x) for p, xs in people.items() for b, x in zip(perspective, xs)]
    >>> df = pd.DataFrame(rows, columns=["respondent", "behaviour", "rating"]).assign(round=1)
    >>> r = item_rest(df, load_framework("system-behaviours"), k_min=4).set_index("behaviour")
    >>> first, rest = [2, 4, 3, 5], [7, 9, 11, 13]
    >>> bool(np.isclose(r.loc["interconnected_whole", "item_rest"], np.corrcoef(first, rest)[0, 1]))
    True
    """
    parts = []
    for framework_group, items, asked, keys in _complete_cases(ratings, framework, group_by):
        rest = items.rsub(items.sum(axis=1), axis=0)
        centred_item = items - items.groupby(level=keys).transform("mean")
        centred_rest = rest - rest.groupby(level=keys).transform("mean")

        def block_sum(frame: pd.DataFrame, keys=keys) -> pd.DataFrame:
            return frame.groupby(level=keys).sum()

        with np.errstate(divide="ignore", invalid="ignore"):
            r = block_sum(centred_item * centred_rest) / np.sqrt(
                block_sum(centred_item**2) * block_sum(centred_rest**2)
            )
        r = r.reindex(asked.index).where(asked & (asked.sum(axis=1) > 1).to_numpy()[:, None])
        n = items.groupby(level=keys).size().reindex(asked.index, fill_value=0)
        long = r.assign(n=n).melt(ignore_index=False, id_vars="n", value_name="item_rest")
        long = long[asked.melt(ignore_index=False)["value"].to_numpy()]
        parts.append(long.assign(framework_group=framework_group).reset_index())
    head = [*place_keys(ratings), "round", "group_by", "group"]
    columns = [*head, "behaviour", "framework_group", "n", "item_rest", "suppressed"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    within = [*head[:-1], "behaviour", "framework_group"]
    table = suppress(table, hidden_groups(table, k_min=k_min, within=within), ["n", "item_rest"])
    return ordered(table, head, "behaviour", framework.behaviour_ids)[columns]
