"""The questionnaire as an XLSForm (``survey``, ``choices`` and ``settings`` sheets), which
KoboToolbox, ODK and Enketo load."""

from __future__ import annotations

import io

import openpyxl

from evalkit.config import Place
from evalkit.questionnaire.items import items

__all__ = ["xlsform"]


def _relevance(relevant: str) -> str:
    question, _, choice = relevant.partition("=")
    if question == "partners":
        return f"selected(${{partners}}, '{choice}')"
    return f"${{{question}}} = '{choice}'"


def xlsform(place: Place, round_number: int) -> bytes:
    """The XLSForm workbook's bytes; choice lists are named after their question."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "hint", "required", "relevant"])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    lists: dict[tuple, str] = {}
    for item in items(place, round_number):
        kind = item.kind
        if item.choices:
            key = item.choices
            if key not in lists:
                lists[key] = item.per_partner or item.id
                for name, label in item.choices:
                    choices.append([lists[key], name, label])
            kind = f"{kind} {lists[key]}"
        relevant = _relevance(item.relevant) if item.relevant else ""
        survey.append(
            [kind, item.id, item.text, item.hint, "yes" if item.required else "", relevant]
        )
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(
        [
            f"{place.name}: {place.round(round_number).label}",
            f"evalkit_{place.id}_r{round_number}",
            f"{round_number}",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
