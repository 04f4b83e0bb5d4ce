"""Stories counted: reflections per behaviour, round and valence (positive, mixed, negative).

A reflection tagged with several behaviours counts once for each. A behaviour-round written
about by fewer than ``k_min`` people is hidden whole: its counts and shares are missing.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from evalkit.exceptions import EvalkitError
from evalkit.indicators import suppress

__all__ = ["VALENCES", "story_counts"]


#: The valences, in the order tables and charts show them (from the worst to the best news).
VALENCES = ("negative", "mixed", "positive")


def tags_of(value) -> list[str]:
    """A reflection's behaviour tags, from a ``;``-joined string or a list; each tag once."""
    if isinstance(value, str):
        items = value.split(";")
    elif isinstance(value, list | tuple | set | np.ndarray | pd.Series):
        items = [str(v) for v in value if isinstance(v, str)]
    else:  # missing
        items = []
    return list(dict.fromkeys(t.strip() for t in items if t.strip()))


def valences(values: pd.Series) -> pd.Series:
    valence = values.astype("string").str.strip().str.casefold()
    unknown = sorted(set(valence.dropna()) - set(VALENCES))
    if valence.isna().any():
        unknown.append("(blank)")
    if unknown:
        raise EvalkitError(
            f"Reflections have valences evalkit does not know: {', '.join(unknown)}. "
            f"Use one of: {', '.join(VALENCES)}."
        )
    return valence.astype(object)


def _tagged(reflections: pd.DataFrame, behaviour_ids: Iterable[str]) -> pd.DataFrame:
    """One row per reflection x behaviour it is tagged with (only the framework's behaviours).

    ``reflection`` numbers the input rows, so a reflection tagged twice can be told apart.
    """
    keep = set(behaviour_ids)
    frame = pd.DataFrame(
        {
            "reflection": np.arange(len(reflections)),
            "round": reflections["round"].to_numpy(),
            "behaviour": [[t for t in tags_of(v) if t in keep] for v in reflections["behaviours"]],
            "valence": valences(reflections["valence"]).to_numpy(),
        }
    )
    if "respondent" in reflections:
        frame["respondent"] = reflections["respondent"].to_numpy()
    return frame.explode("behaviour").dropna(subset=["behaviour"]).reset_index(drop=True)


def story_counts(reflections: pd.DataFrame, framework, k_min: int = 5) -> pd.DataFrame:
    """How many stories of each valence each behaviour drew, per round.

    Parameters
    ----------
    reflections : DataFrame
        ``round, behaviours, valence`` and ``respondent`` (as
        :func:`evalkit.data.store.read_reflections` returns them). ``behaviours`` is a ``;``-joined
        string or a list of behaviour ids; tags not in the framework are ignored.
    framework : Framework
        The behaviours counted, in its order.
    k_min : int
        A behaviour written about by fewer than ``k_min`` respondents in a round is not broken
        down by valence that round (see Notes).

    Returns
    -------
    DataFrame
        One row per round (those in ``reflections``), behaviour and valence (in the order of
        :data:`VALENCES`): ``round, behaviour, valence, n, n_behaviour, share, suppressed``.
        ``n`` counts the reflections of that valence tagged with the behaviour, ``n_behaviour``
        all reflections tagged with it that round, ``share = n / n_behaviour``. Suppressed rows
        keep their keys and have no numbers. ``attrs["k_min"]`` records the threshold.

    Notes
    -----
    A reflection tagged with two behaviours counts once for each, so a round's counts do not
    add up to its number of reflections.

    Privacy: the counts describe everyone in the place who wrote about a behaviour and carry no
    sector, role or organisation, so a small valence cell ("one negative story") says nothing
    about who wrote it, and cells are not suppressed one by one. But when only a few people wrote
    about a behaviour, its valence mix would tell each of them (and anyone who knows who they
    are) what the others said; so a behaviour-round with fewer than ``k_min`` distinct
    respondents (or, without a ``respondent`` column, fewer than ``k_min`` reflections) shows no
    numbers at all, not even its total. Because reflections can carry several tags, a hidden
    total cannot be worked out from the others.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> fw = load_framework("system-behaviours")
    >>> df = pd.DataFrame({"round": 1, "respondent": list("abcdef"),
    ...                    "behaviours": ["power_shared"] * 5 + ["power_shared;shared_vision"],
    ...                    "valence": ["negative"] * 4 + ["positive", "mixed"]})
    >>> counts = story_counts(df, fw, k_min=5)
    >>> power = counts.query("behaviour == 'power_shared'")
    >>> power["valence"].tolist(), power["n"].tolist(), power["share"].round(2).tolist()
    (['negative', 'mixed', 'positive'], [4.0, 1.0, 1.0], [0.67, 0.17, 0.17])
    >>> bool(counts.query("behaviour == 'shared_vision'")["suppressed"].all())
    True
    """
    behaviours = list(framework.behaviour_ids)
    tagged = _tagged(reflections, behaviours)
    rounds = sorted(int(r) for r in pd.unique(reflections["round"].dropna()))
    grid = pd.MultiIndex.from_product(
        [rounds, behaviours, list(VALENCES)], names=["round", "behaviour", "valence"]
    )
    by_behaviour = tagged.groupby(["round", "behaviour"])
    n = tagged.groupby(["round", "behaviour", "valence"]).size().reindex(grid, fill_value=0)
    table = n.rename("n").reset_index()
    keys = pd.MultiIndex.from_frame(table[["round", "behaviour"]])
    table["n_behaviour"] = by_behaviour.size().reindex(keys, fill_value=0).to_numpy()
    writers = (
        by_behaviour["respondent"].nunique() if "respondent" in tagged else by_behaviour.size()
    )
    small = writers.reindex(keys, fill_value=0).to_numpy() < k_min
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = table["n"] / table["n_behaviour"]
    table = suppress(table, pd.Series(small, index=table.index), ["n", "n_behaviour", "share"])
    table.attrs["k_min"] = k_min
    return table
