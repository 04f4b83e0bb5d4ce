"""Benjamini-Hochberg adjustment, shared by every indicator that tests many things at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["benjamini_hochberg"]


def benjamini_hochberg(p):
    """False-discovery-rate adjusted p-values (Benjamini and Hochberg 1995); NaN stays NaN.

    Takes and returns a Series (index kept) or an array.

    Examples
    --------
    >>> benjamini_hochberg(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    values = np.asarray(p, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    tested = ~np.isnan(values)
    if tested.any():
        adjusted[tested] = stats.false_discovery_control(values[tested], method="bh")
    return pd.Series(adjusted, index=p.index, name=p.name) if isinstance(p, pd.Series) else adjusted
