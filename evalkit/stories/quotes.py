"""Quotes for the reports: only with consent, masked (:func:`evalkit.privacy.mask_text`),
attributed to a sector or role only where :func:`evalkit.privacy.quote_groups` allows, never to
an organisation, and picked to show the prevailing mood and its counterpoint.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from evalkit.exceptions import EvalkitError
from evalkit.privacy import mask_text, quote_groups
from evalkit.stories.counts import VALENCES, tags_of, valences

__all__ = ["MAX_QUOTE_CHARS", "select_quotes"]


#: Longest quote :func:`select_quotes` picks, in characters after masking.
MAX_QUOTE_CHARS = 300


_PARTNER = "A partner"


def _consented(values: pd.Series) -> np.ndarray:
    """True only for a yes: boolean True or the word yes (any case, stray spaces)."""

    def yes(value) -> bool:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        return isinstance(value, str) and value.strip().casefold() == "yes"

    return np.array([yes(v) for v in values], dtype=bool)


def select_quotes(
    reflections: pd.DataFrame,
    place,
    behaviours: Iterable[str] | None = None,
    k_min: int | None = None,
    per_behaviour: int = 2,
    seed: int = 0,
    *,
    ratings: pd.DataFrame | None = None,
    attribute: str = "sector",
    max_chars: int | None = MAX_QUOTE_CHARS,
    also: Iterable[str] = (),
) -> pd.DataFrame:
    """A few consented quotes per behaviour, masked and attributed only to large enough groups.

    Parameters
    ----------
    reflections : DataFrame
        ``round, respondent, behaviours, valence, consent, text`` and the ``attribute`` column
        (:func:`evalkit.data.store.read_reflections`), for the rounds to quote from.
    place : Place
        Gives the names to mask, the group labels and the place's ``k_min``.
    behaviours : iterable of str, optional
        The behaviours to quote, in the order wanted (e.g. those whose stories turned, from
        :func:`valence_shift`); by default every behaviour of the framework.
    k_min : int, optional
        Smallest group a quote is attributed to; it can raise the place's threshold, never lower
        it.
    per_behaviour : int
        Most quotes per behaviour.
    seed : int
        The same seed and data give the same quotes.
    ratings : DataFrame, optional
        The same rounds' ratings (``round, respondent`` and ``attribute``), so that group sizes
        count everyone who took part, not only those who wrote.
    attribute : {"sector", "role"}
        The group a quote is attributed to. Never the organisation.
    max_chars : int, optional
        Longest quote, after masking; longer reflections are not quoted. None for no limit.
    also : iterable of str
        Other names to mask (see :func:`mask_text`).

    Returns
    -------
    DataFrame
        ``round, behaviour, valence, group, text``: ``group`` is the label of the writer's sector
        (or role), or ``"A partner"`` when that group is hidden that round (see Notes). No
        respondent ids and no organisations.

    Notes
    -----
    Only reflections whose consent answer is yes are quoted: True, or the text "yes" in any case
    with stray spaces; anything else (no, blank, unknown) counts as no. A group is named only
    when :func:`evalkit.privacy.quote_groups` shows it: at least ``k_min`` distinct respondents
    of it appear that round in ``reflections`` (whatever their consent) or ``ratings``, and it is
    not hidden beside a smaller group, so a reader can narrow the writer down to no fewer than
    ``k_min`` people, and "A partner" never points to one small group. Texts are masked with
    :func:`mask_text` (the place's organisation names and ``redact`` list, and ``also``), and
    the same masked text is
    quoted once per behaviour. Each behaviour's candidates are put in a random order fixed by
    ``seed`` (independent of the input's row order), reflections tagged with fewer behaviours
    first (they are most clearly about the behaviour), and picked in turn from each valence, the
    most common valence first, so the quotes show the prevailing mood and its counterpoint. A
    reflection is quoted for one behaviour only.

    Examples
    --------
    >>> from pathlib import Path
    >>> from evalkit.config import Organisation, Place, load_framework
    >>> place = Place(Path("."), "x", "X", load_framework("system-behaviours"), (),
    ...               (Organisation("od", "Open Door", "voluntary"),),
    ...               sectors={"public": "Public sector"}, roles={}, k_min=5)
    >>> df = pd.DataFrame({"round": 1, "respondent": list("abcdef"), "sector": "public",
    ...                    "behaviours": "power_shared", "valence": "negative",
    ...                    "consent": ["yes", "no", "", "Yes ", "yes", "yes"],
    ...                    "text": ["Decided at open door. Ring 07700 900123."] * 6})
    >>> quotes = select_quotes(df, place, ["power_shared"])
    >>> quotes[["group", "text"]].to_dict("records")
    [{'group': 'Public sector', 'text': 'Decided at [organisation]. Ring [phone].'}]
    """
    columns = ["round", "behaviour", "valence", "group", "text"]
    if attribute not in ("sector", "role"):
        raise EvalkitError(f"Quotes are attributed to a sector or a role, not {attribute!r}.")
    missing = {"round", "respondent", "behaviours", "valence", "consent", "text", attribute}
    missing -= set(reflections.columns)
    if missing:
        raise EvalkitError(
            f"The reflections lack the column(s) {', '.join(sorted(missing))} that quoting needs."
        )
    if reflections.empty:
        return pd.DataFrame(columns=columns)
    k = max(int(k_min if k_min is not None else place.k_min), int(place.k_min))
    framework = getattr(place, "framework", None)
    wanted = list(dict.fromkeys(behaviours if behaviours is not None else framework.behaviour_ids))
    labels = place.sectors if attribute == "sector" else place.roles
    people = [
        f[["round", "respondent", attribute]] for f in (reflections, ratings) if f is not None
    ]
    named = quote_groups(
        pd.concat(people, ignore_index=True).astype({"round": int}), attribute=attribute, k_min=k
    )

    texts = [mask_text(t, place, also=tuple(also)) for t in reflections["text"]]
    all_tags = [tags_of(v) for v in reflections["behaviours"]]
    candidates = pd.DataFrame(
        {
            "round": reflections["round"].astype(int).to_numpy(),
            "behaviour": [[t for t in tags if t in wanted] for tags in all_tags],
            "n_tags": [len(tags) for tags in all_tags],
            "valence": valences(reflections["valence"]).to_numpy(),
            "attribute": reflections[attribute].to_numpy(),
            "text": texts,
            "respondent": reflections["respondent"].astype(str).to_numpy(),
            "consent": _consented(reflections["consent"]),
        }
    )
    candidates["reflection"] = np.arange(len(candidates))
    candidates = candidates[candidates["consent"] & candidates["text"].str.strip().ne("")]
    if max_chars is not None:
        candidates = candidates[candidates["text"].str.len() <= max_chars]
    candidates = candidates.explode("behaviour").dropna(subset=["behaviour"])
    # an order fixed by the content alone, then shuffled by the seed
    candidates = candidates.sort_values(
        ["round", "text", "valence", "respondent", "behaviour", "attribute"], kind="stable"
    )
    candidates["key"] = np.random.default_rng(seed).random(len(candidates))
    candidates = candidates.sort_values(["n_tags", "key"], kind="stable")

    picked, used = [], set()
    for behaviour in wanted:
        pool = candidates[
            (candidates["behaviour"] == behaviour) & ~candidates["reflection"].isin(used)
        ]
        pool = pool.drop_duplicates(subset="text")
        queues = {v: rows.to_dict("records") for v, rows in pool.groupby("valence", sort=False)}
        order = sorted(queues, key=lambda v: (-len(queues[v]), VALENCES.index(v)))
        taken = 0
        while taken < per_behaviour and any(queues.values()):
            for valence in order:
                if queues[valence] and taken < per_behaviour:
                    row = queues[valence].pop(0)
                    used.add(row["reflection"])
                    picked.append({**row, "behaviour": behaviour})
                    taken += 1
    quotes = pd.DataFrame(picked, columns=[*columns, "attribute"])
    if quotes.empty:
        return pd.DataFrame(columns=columns)
    shown = [
        isinstance(a, str) and bool(named.get((r, a), False))
        for r, a in zip(quotes["round"], quotes["attribute"], strict=True)
    ]
    label = quotes["attribute"].map(lambda a: labels.get(a, str(a).replace("_", " ").capitalize()))
    quotes["group"] = label.where(np.asarray(shown, dtype=bool), _PARTNER)
    return quotes[columns].reset_index(drop=True)
