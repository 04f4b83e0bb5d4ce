"""Stories: what people wrote, counted by behaviour and valence, set beside the ratings, and quoted.

Reflections are short texts a respondent tags with one or more behaviours and a valence
(positive, negative or mixed), with a consent answer. This module turns them into tidy tables:
how many stories of each valence each behaviour drew per round (:func:`story_counts`), how that
mix moved (:func:`valence_shift`), where the ratings and the stories disagree
(:func:`numbers_and_words`), and a few consented quotes with names and contact details masked
(:func:`select_quotes`, :func:`mask_text`). Every function is pure: frames in, new frames out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import EvalkitError
from .indicators import suppress

__all__ = [
    "VALENCES",
    "SHIFT_THRESHOLD",
    "RATING_THRESHOLD",
    "MAX_QUOTE_CHARS",
    "story_counts",
    "valence_shift",
    "numbers_and_words",
    "select_quotes",
    "mask_text",
]

#: The valences, in the order tables and charts show them (from the worst to the best news).
VALENCES = ("negative", "mixed", "positive")
#: A share of stories that moves by at least this much (15 percentage points) has "turned".
SHIFT_THRESHOLD = 0.15
#: The smallest rating change, in scale points, that :func:`numbers_and_words` calls a move.
RATING_THRESHOLD = 0.3
#: Longest quote :func:`select_quotes` picks, in characters after masking.
MAX_QUOTE_CHARS = 300

_TOLERANCE = 1e-9  # shares are ratios of small counts: 0.25 - 0.10 must count as 0.15
_PARTNER = "A partner"


# --- counting ------------------------------------------------------------------------------------


def _tags(value) -> list[str]:
    """A reflection's behaviour tags, from a ``;``-joined string or a list; each tag once."""
    if isinstance(value, str):
        items = value.split(";")
    elif isinstance(value, list | tuple | set | np.ndarray | pd.Series):
        items = [str(v) for v in value if isinstance(v, str)]
    else:  # missing
        items = []
    return list(dict.fromkeys(t.strip() for t in items if t.strip()))


def _valence(values: pd.Series) -> pd.Series:
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
            "behaviour": [[t for t in _tags(v) if t in keep] for v in reflections["behaviours"]],
            "valence": _valence(reflections["valence"]).to_numpy(),
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
        :func:`evalkit.store.read_reflections` returns them). ``behaviours`` is a ``;``-joined
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


# --- how the mix moved ---------------------------------------------------------------------------


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


# --- numbers and words side by side --------------------------------------------------------------


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


# --- quotes --------------------------------------------------------------------------------------


_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"(?<!\w)(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]']")
_PHONE = re.compile(
    r"(?<![\w+])"
    # a UK number: +44, +44 (0) or a leading 0, possibly in brackets as in (01632) 960 001 ...
    r"(?:(?:\+|00)\s?44[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)"
    # ... then 9 or 10 more digits, grouped by spaces, dashes, dots or brackets
    r"\d(?:[\s.\-()]{0,2}\d){8,9}"
    r"(?!\d)"
    # or any other international number
    r"|(?<![\w+])\+\d(?:[\s.\-()]{0,2}\d){7,13}(?!\d)"
)


def _names(place) -> tuple[str, ...]:
    if hasattr(place, "organisations"):
        return tuple(n for o in place.organisations for n in (o.name, *o.aliases))
    return tuple(place)


def _name_regex(name: str) -> str:
    words = [re.escape(w) for w in unicodedata.normalize("NFC", name).split()]
    spelled = r"\s+".join(words)
    spelled = re.sub(r"['’]", "['’]", spelled)  # straight or curly apostrophe
    return spelled.replace(r"\&", r"(?:&|and)")


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    names = tuple(n for n in dict.fromkeys(str(n).strip() for n in names) if n)
    if not names:
        return None
    # longest first, so "Northbridge City Council" wins over "Northbridge Council" at one position
    spelled = sorted((_name_regex(n) for n in names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(spelled) + r")(?!\w)", re.IGNORECASE)


def mask_text(text: str, place, *, also: Iterable[str] = ()) -> str:
    """A reflection's text with contact details and names masked.

    Parameters
    ----------
    text : str
        The text (a missing value gives ``""``).
    place : Place or iterable of str
        The place whose organisation names and aliases are masked, or the names themselves.
    also : iterable of str
        Other names to mask, e.g. people's names (``place.yml`` has no field for them).

    Returns
    -------
    str
        The text with e-mail addresses as ``[email]``, web links as ``[link]``, phone numbers
        (UK mobiles and landlines, with or without +44, spaces, dashes or brackets; other
        numbers starting with +) as ``[phone]``, organisation names and aliases as
        ``[organisation]`` and the ``also`` names as ``[name]``.

    Notes
    -----
    Names are matched whole, in any case, with any spacing, a straight or curly apostrophe and
    ``&`` or "and": "open door" is masked in "the open door team" but "ICB" is not in
    "ICBs" or "iicb". An alias that is also an everyday phrase ("Second Step") is masked
    wherever it occurs: that costs some words but never leaves a name in place. The place's own
    name is not masked. Masking catches names and contact details, not every detail that could
    point to someone; a person still reads each quote before a report goes out.

    Examples
    --------
    >>> mask_text("Ask jo@example.org or ring 07700 900 123 at Open Door.", ["Open Door"])
    'Ask [email] or ring [phone] at [organisation].'
    >>> mask_text("The OPEN DOOR team, not the opendoorway.", ["Open Door"])
    'The [organisation] team, not the opendoorway.'
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub("[email]", text)
    text = _LINK.sub("[link]", text)
    text = _PHONE.sub("[phone]", text)
    for names, token in ((_names(place), "[organisation]"), (tuple(also), "[name]")):
        pattern = _names_pattern(names)
        if pattern is not None:
            text = pattern.sub(token, text)
    return text


def _consented(values: pd.Series) -> np.ndarray:
    """True only for a yes: boolean True or the word yes (any case, stray spaces)."""

    def yes(value) -> bool:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        return isinstance(value, str) and value.strip().casefold() == "yes"

    return np.array([yes(v) for v in values], dtype=bool)


def _group_sizes(frames: list[pd.DataFrame], attribute: str) -> pd.Series:
    """Distinct respondents per (round, group) over the given frames together."""
    people = pd.concat(
        [f[["round", "respondent", attribute]] for f in frames if f is not None], ignore_index=True
    )
    people = people.astype({"round": int}).dropna(subset=[attribute]).drop_duplicates()
    return people.groupby(["round", attribute])["respondent"].nunique()


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
        (:func:`evalkit.store.read_reflections`), for the rounds to quote from.
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
        (or role), or ``"A partner"`` when fewer than ``k_min`` respondents of that group took
        part in that round. No respondent ids and no organisations.

    Notes
    -----
    Only reflections whose consent answer is yes are quoted: True, or the text "yes" in any case
    with stray spaces; anything else (no, blank, unknown) counts as no. A group is named only
    when at least ``k_min`` distinct respondents of it appear that round in ``reflections``
    (whatever their consent) or ``ratings``, so a reader can narrow the writer down to no fewer
    than ``k_min`` people. Texts are masked with :func:`mask_text`, and the same masked text is
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
    sizes = _group_sizes([reflections, ratings], attribute)

    texts = [mask_text(t, place, also=tuple(also)) for t in reflections["text"]]
    all_tags = [_tags(v) for v in reflections["behaviours"]]
    candidates = pd.DataFrame(
        {
            "round": reflections["round"].astype(int).to_numpy(),
            "behaviour": [[t for t in tags if t in wanted] for tags in all_tags],
            "n_tags": [len(tags) for tags in all_tags],
            "valence": _valence(reflections["valence"]).to_numpy(),
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
    size = [
        sizes.get((r, a), 0) if isinstance(a, str) else 0
        for r, a in zip(quotes["round"], quotes["attribute"], strict=True)
    ]
    named = quotes["attribute"].map(lambda a: labels.get(a, str(a).replace("_", " ").capitalize()))
    quotes["group"] = named.where(np.asarray(size) >= k, _PARTNER)
    return quotes[columns].reset_index(drop=True)
