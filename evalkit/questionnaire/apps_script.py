"""The questionnaire as a Google Apps Script that builds the same Google Form. Titles end with
evalkit's question id in brackets, "(shared_vision)", which the response sheet keeps as its
header; a partner's depth and trust are grids with a row per organisation."""

from __future__ import annotations

import json

from evalkit.config import Place
from evalkit.questionnaire.items import PER_PARTNER_TEXT, questions

__all__ = ["apps_script"]


def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def apps_script(place: Place, round_number: int) -> bytes:
    title = f"{place.name}: {place.round(round_number).label}"
    lines = [
        "// Paste into a new Apps Script project (script.google.com) and run createForm().",
        "// Written by evalkit: keep the ids in brackets at the end of each title, so that the",
        "// responses sheet needs no mapping.",
        "function createForm() {",
        f"  var form = FormApp.create({_js(title)});",
        "  form.setCollectEmail(false);",
    ]
    for new_section, item, rows in questions(place, round_number):
        if new_section:
            lines.append(f"  form.addSectionHeaderItem().setTitle({_js(new_section)});")
        if rows:
            names = [o.name for o in place.organisations]
            text = PER_PARTNER_TEXT[item.per_partner]
            lines.append(
                f"  form.addGridItem().setTitle({_js(f'{text} ({item.per_partner})')})"
                f".setRows({_js(names)}).setColumns({_js([c for _, c in item.choices])});"
            )
            continue
        titled = _js(f"{item.text} ({item.id})")
        labels = _js([label for _, label in item.choices])
        make = {
            "text": "addParagraphTextItem()" if item.id == "reflection" else "addTextItem()",
            "select_one": "addListItem()" if len(item.choices) > 12 else "addMultipleChoiceItem()",
            "select_multiple": "addCheckboxItem()",
        }[item.kind]
        call = f"  form.{make}.setTitle({titled})"
        if item.hint:
            call += f".setHelpText({_js(item.hint)})"
        if item.choices:
            call += f".setChoiceValues({labels})"
        if item.required:
            call += ".setRequired(true)"
        lines.append(call + ";")
    lines += ["  Logger.log(form.getPublishedUrl());", "}", ""]
    return "\n".join(lines).encode("utf-8")
