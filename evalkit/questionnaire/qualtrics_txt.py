"""The questionnaire in Qualtrics' Advanced Format TXT, for its survey import. Each question's
``[[ID:...]]`` is evalkit's id; a partner's depth and trust are matrices with a row per
organisation (exported as ``depth_1, depth_2...`` with the organisation in the question text)."""

from __future__ import annotations

from evalkit.config import Place
from evalkit.questionnaire.items import items

__all__ = ["qualtrics_txt"]


def qualtrics_txt(place: Place, round_number: int) -> bytes:
    lines = ["[[AdvancedFormat]]", ""]
    section = None
    matrices_done = set()
    asked = items(place, round_number)
    for item in asked:
        if item.section != section:
            section = item.section
            lines += [f"[[Block:{section}]]", ""]
        if item.per_partner:
            if item.per_partner in matrices_done:
                continue
            matrices_done.add(item.per_partner)
            rows = [i for i in asked if i.per_partner == item.per_partner]
            text = (
                "How closely did you work with each organisation you chose?"
                if item.per_partner == "depth"
                else "How far do you trust each organisation you chose to keep its word? "
                "(1 = not at all, 5 = completely)"
            )
            lines += ["[[Question:Matrix]]", f"[[ID:{item.per_partner}]]", text, "[[Choices]]"]
            lines += [
                next(n for o, n in _orgs(place) if f"_{o}" == r.id[len(item.per_partner) :])
                for r in rows
            ]
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


def _orgs(place: Place):
    return [(o.id, o.name) for o in place.organisations]
