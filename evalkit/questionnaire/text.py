"""The questionnaire as plain Markdown: for Microsoft Forms' import from a document, for paper,
and for partners to review. Each question ends with its evalkit id in brackets."""

from __future__ import annotations

from evalkit.config import Place
from evalkit.questionnaire.items import PER_PARTNER_TEXT, questions

__all__ = ["text"]


def text(place: Place, round_number: int) -> bytes:
    lines = [f"# {place.name}: {place.round(round_number).label}", ""]
    lines += [
        f"A survey of how partners in {place.name} see the way they work together. It takes "
        "about ten minutes. Only groups of at least "
        f"{place.k_min} people are ever reported.",
        "",
    ]
    number = 0
    for new_section, item, rows in questions(place, round_number):
        if new_section:
            lines += [f"## {new_section}", ""]
        if rows:
            number += 1
            lines += [f"{number}. {PER_PARTNER_TEXT[item.per_partner]} ({item.per_partner})", ""]
            labels = [label for _, label in item.choices]
            lines += ["| Organisation | " + " | ".join(labels) + " |"]
            lines += ["| --- |" + " --- |" * len(labels)]
            lines += [f"| {o.name} |" + " |" * len(labels) for o in place.organisations]
            lines.append("")
            continue
        number += 1
        many = " (choose all that apply)" if item.kind == "select_multiple" else ""
        lines.append(f"{number}. {item.text}{many} ({item.id})")
        if item.hint:
            lines.append(f"   _{item.hint}_")
        lines += [f"   - {label}" for _, label in item.choices]
        if item.kind == "text":
            lines.append("   ______________________________")
        lines.append("")
    return "\n".join(lines).encode("utf-8")
