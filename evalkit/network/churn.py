"""Tie churn between two rounds: ties new, lost, deepened, weakened and unchanged."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from evalkit.network.graph import organisation_frame, rounds_of, tie_edges, tie_reports

__all__ = ["CHURN_COLUMNS", "tie_churn"]


#: Columns of :func:`tie_churn`, in order.
CHURN_COLUMNS = [
    "round_from",
    "round_to",
    "new",
    "lost",
    "deepened",
    "weakened",
    "unchanged",
    "depth_hidden",
    "n_ties_from",
    "n_ties_to",
]


def tie_churn(
    ties: pd.DataFrame,
    organisations,
    *,
    rounds: Iterable[int] | None = None,
    k_min: int = 5,
) -> pd.DataFrame:
    """Ties new, lost, deepened, weakened and unchanged between consecutive rounds.

    Parameters
    ----------
    ties, organisations, rounds, k_min
        As for :func:`organisation_network`; consecutive means next in ``rounds`` (default:
        the rounds in ``ties``).

    Returns
    -------
    DataFrame
        :data:`CHURN_COLUMNS`, one row per pair of consecutive rounds: ``new`` (tied in
        ``round_to`` only), ``lost`` (in ``round_from`` only), and of the ties in both,
        ``deepened``, ``weakened`` or ``unchanged`` by their deepest reported depth on the
        continuum networking < coordinating < cooperating < collaborating, or
        ``depth_hidden`` when its depth is not shown in one of the rounds (too few people from
        the organisations reporting it: :func:`evalkit.privacy.protect_ties`); ``n_ties_from``
        and ``n_ties_to`` are the undirected ties of each round.

    Notes
    -----
    ``n_ties_to = n_ties_from + new - lost`` and ``deepened + weakened + unchanged +
    depth_hidden`` counts the ties present in both rounds. A tie "lost" may only mean that
    nobody from either organisation answered the second time.

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": list("abc"), "sector": ["public", "public", "private"]})
    >>> ties = pd.DataFrame({"round": [1, 1, 2, 2], "organisation": ["a", "a", "a", "b"],
    ...                      "partner": ["b", "c", "b", "c"],
    ...                      "depth": ["networking", "cooperating", "collaborating", "networking"]})
    >>> tie_churn(ties, orgs, k_min=0)[["new", "lost", "deepened", "weakened", "unchanged"]]
       new  lost  deepened  weakened  unchanged
    0    1     1         1         0          0
    """
    orgs = organisation_frame(organisations)
    reports = tie_reports(ties, orgs, k_min)
    edges = tie_edges(reports, directed=False).set_index(["source", "target"])
    order = rounds_of(reports, rounds)
    rows = []
    for before, after in zip(order[:-1], order[1:], strict=True):
        old = edges.loc[edges["round"] == before, "depth_level"]
        now = edges.loc[edges["round"] == after, "depth_level"]
        both = old.index.intersection(now.index)
        change = now.loc[both].to_numpy() - old.loc[both].to_numpy()
        rows.append(
            {
                "round_from": before,
                "round_to": after,
                "new": len(now.index.difference(old.index)),
                "lost": len(old.index.difference(now.index)),
                "deepened": int((change > 0).sum()),
                "weakened": int((change < 0).sum()),
                "unchanged": int((change == 0).sum()),
                "depth_hidden": int(np.isnan(change).sum()),
                "n_ties_from": len(old),
                "n_ties_to": len(now),
            }
        )
    return pd.DataFrame(rows, columns=CHURN_COLUMNS)
