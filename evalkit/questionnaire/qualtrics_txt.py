"""The questionnaire in Qualtrics' Advanced Format TXT, for its survey import. Each question's
``[[ID:...]]`` is evalkit's id; a partner's depth and trust are matrices with a row per
organisation (exported as ``depth_1, depth_2...`` with the organisation in the question text)."""

from __future__ import annotations

from evalkit.config import Place
from evalkit.questionnaire.items import PER_PARTNER_TEXT, questions

__all__ = ["qualtrics_txt"]


def qualtrics_txt(place: Place, round_number: int) -> bytes:
    lines = ["[[AdvancedFormat]]", ""]
    names = {f"_{o.id}": o.name for o in place.organisations}
    for new_section, item, rows in questions(place, round_number):
        if new_section:
            lines += [f"[[Block:{new_section}]]", ""]
        if rows:
            text = PER_PARTNER_TEXT[item.per_partner]
            lines += ["[[Question:Matrix]]", f"[[ID:{item.per_partner}]]", text, "[[Choices]]"]
            lines += [names[r.id[len(item.per_partner) :]] for r in rows]
            lines += ["[[Answers]]", *[label for _, label in item.choices], ""]
            continue
        kind = {
            "text": "[[Question:TE:SingleLine]]"
            if item.id != "reflection"
            else "[[Question:TE:Essay]]",
            "select_one": "[[Question:MC:DropDown]]"
            if len(item.choices) > 12
            else "[[Question:MC:SingleAnswer:Vertical]]",
            "select_multiple": "[[Question:MC:MultipleAnswer:Vertical]]",
        }[item.kind]
        text = item.text + (f" ({item.hint})" if item.hint else "")
        lines += [kind, f"[[ID:{item.id}]]", text]
        if item.choices:
            lines += ["[[Choices]]", *[label for _, label in item.choices]]
        lines.append("")
    return "\n".join(lines).encode("utf-8")
