"""What each question of an export is: a rating (with its scale), a choice, a multi-select, a
ranking, free text or other; what ``evalkit inspect`` shows and ``mapping suggest`` starts from."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

from evalkit.data.checks.cells import plain_label
from evalkit.data.exports.layout import Export
from evalkit.data.vocabulary import MISSING_ANSWERS

__all__ = ["Question", "questions", "describe", "answer_number"]

# "7", "7 - Mostly present", "0 None", "10: Fully", "Fully present (10)", "-99".
_NUMBERED = re.compile(
    r"^\s*(?P<lead>-?\d+(?:\.\d+)?)(?:\s*[-:=.)\u2013\u2014]?\s+.*|\s*[-:=.)\u2013\u2014]\s*.*)?$"
    r"|^.*\((?P<trail>-?\d+)\)\s*$"
)
_CODES = {"99", "999", "9999", "98", "97", "88", "77"}  # "no answer" codes beside a short scale
_MAX_CHOICES = 40


@dataclass(frozen=True)
class Question:
    """One question: its columns (a grid's rows), kind, scale and no-answer codes seen."""

    id: str
    text: str
    kind: str  # rating, choice, multi, ranking, text or other
    columns: list[str]
    scale: dict | None
    missing_codes: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def answer_number(values: pd.Series) -> pd.Series:
    """The number an answer is or starts with ("7 - Mostly" -> 7, "Fully (10)" -> 10), else NaN.

    Examples
    --------
    >>> answer_number(pd.Series(["7", "0 None", "10 - Fully", "Fully (10)", "Yes"])).tolist()
    [7.0, 0.0, 10.0, 10.0, nan]
    """
    found = values.astype(str).str.extract(_NUMBERED)
    return pd.to_numeric(found["lead"].fillna(found["trail"]), errors="coerce")


def _is_missing(values: pd.Series, numbers: pd.Series) -> pd.Series:
    labelled = plain_label(values).isin(MISSING_ANSWERS) | values.str.casefold().isin({"dk", "na"})
    aside = values.str.extract(r"\(([^()]*)\)\s*$")[0].fillna("")  # "Unfamiliar (N/A)"
    labelled |= plain_label(aside).isin(MISSING_ANSWERS)
    short_scale = numbers[(numbers >= 0) & ~values.isin(_CODES)].max() <= 11
    coded = numbers.lt(0) | (values.isin(_CODES) & bool(short_scale))
    return labelled | coded


def _kind(frame: pd.DataFrame, said: str = "") -> tuple[str, dict | None, list[str]]:
    values = frame.stack()
    values = values[values != ""]
    if said:
        return said, None, []
    if values.empty:
        return "other", None, []
    numbers = answer_number(values)
    missing = _is_missing(values, numbers)
    codes = sorted(values[missing].unique().tolist())
    answers, numbers = values[~missing], numbers[~missing]
    distinct = answers.unique()
    if _is_ranking(frame, missing.unstack(fill_value=False)):
        return "ranking", None, codes
    if len(frame.columns) > 1 and _is_options(frame):
        return "multi", None, codes
    numbered = numbers.notna().all() and len(answers)
    on_scale = numbered and (numbers % 1 == 0).all() and numbers.min() >= 0 and numbers.max() <= 11
    # One column of codes could be a choice: a rating shows three points, or labels its numbers.
    labelled = not answers.str.fullmatch(r"-?\d+").all()
    if on_scale and (len(frame.columns) > 1 or numbers.nunique() >= 3 or labelled):
        return "rating", {"min": _num(numbers.min()), "max": _num(numbers.max())}, codes
    if len(frame.columns) > 1 and len(distinct) <= 11:  # a grid of labels: Likert-like
        return "rating", None, codes
    if _is_text(answers):
        return "text", None, codes
    if len(frame.columns) == 1 and _is_joined(answers):
        return "multi", None, codes
    if len(distinct) <= _MAX_CHOICES or len(distinct) <= len(answers) / 2:
        return "choice", None, codes
    return "text", None, codes


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _is_ranking(frame: pd.DataFrame, missing: pd.DataFrame) -> bool:
    k = len(frame.columns)
    if k < 3:
        return False
    numbers = frame.apply(lambda c: pd.to_numeric(c, errors="coerce"))
    full = numbers.dropna()
    if full.empty or len(full) < len(frame) / 2:
        return False
    ranks = full.apply(lambda row: sorted(row.tolist()) == list(range(1, k + 1)), axis=1)
    return bool(ranks.mean() >= 0.8)


def _is_options(frame: pd.DataFrame) -> bool:
    """One column per option: each holds one label (or 0/1, TRUE/FALSE) when chosen."""
    flags = {"0", "1", "true", "false"}
    for name in frame.columns:
        seen = set(frame[name][frame[name] != ""].str.casefold())
        if len(seen) > 1 and not seen <= flags:
            return False
    return True


def _is_text(answers: pd.Series) -> bool:
    words = answers.str.split().str.len()
    long = answers.str.len().max() > 80
    varied = answers.nunique() > 0.6 * len(answers) and len(answers) >= 5 and words.median() >= 4
    return bool(long or varied)


def _is_joined(answers: pd.Series) -> bool:
    """Several choices in one cell: pieces joined by ';', ',' or spaces that recur across rows."""
    for pattern in (r"\s*;\s*", r"\s*,\s*", r"\s+"):
        pieces = answers.str.split(pattern, regex=True)
        several = pieces.str.len() > 1
        vocabulary = pieces.explode()
        recurring = several.mean() >= 0.3 and several.sum() >= 2  # one joined cell is no pattern
        if recurring and vocabulary.nunique() < 0.8 * answers.nunique() + 1:
            if pattern != r"\s+" or vocabulary.str.fullmatch(r"[\w.-]+").all():
                return True
    return False


def questions(export: Export) -> list[Question]:
    """The export's questions in column order, a grid's rows or a multi-select's options as one.

    Kinds are told from the responses kept; from the dropped ones (previews, tests) when the
    export holds nothing else, as a pilot's export often does.
    """
    answers = export.responses
    if answers.empty and export.dropped_responses is not None:
        answers = export.dropped_responses
    grouped: dict[str, list] = {}
    for column in export.columns:
        if not column.meta:
            grouped.setdefault(column.question, []).append(column)
    found = []
    for question, columns in grouped.items():
        ids = [c.id for c in columns]
        said = {c.kind for c in columns}
        kind, scale, codes = _kind(answers[ids], said.pop() if len(said) == 1 else "")
        text = columns[0].text
        if len(columns) > 1 and columns[0].item and text.endswith(columns[0].item):
            text = text[: -len(columns[0].item)].rstrip(" -[")
        found.append(Question(question, text, kind, ids, scale, codes))
    return found


def describe(export: Export) -> dict:
    """What ``evalkit inspect --json`` prints: tool, header rows, responses kept and dropped,
    the respondent id column and every question."""
    dropped = {"preview": 0, "test": 0, "spam": 0, **export.dropped}
    return {
        "tool": export.tool,
        "header_rows": export.header_rows,
        "responses": len(export.responses),
        "dropped": dropped,
        "respondent_id_column": export.respondent_id_column,
        "questions": [q.to_dict() for q in questions(export)],
    }
