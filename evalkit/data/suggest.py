"""Draft a mapping for an export: match question text against the framework's labels and
prompts, and answers against organisations, roles and their aliases; say how sure each match is
and what could not be placed (``evalkit mapping suggest``)."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from evalkit.config import Place
from evalkit.data.exports import Export, questions
from evalkit.data.exports.questions import answer_number
from evalkit.data.mapping import _find
from evalkit.data.mapping_file import mapping_yaml
from evalkit.data.vocabulary import MISSING_ANSWERS

__all__ = ["suggest_mapping"]

_STOP = {"how", "far", "do", "does", "is", "are", "the", "a", "an", "of", "to", "and", "in", "here"}
_STOP |= {"people", "this", "these", "each", "what", "which", "your", "you", "by", "at", "as"}


def _words(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", text.casefold().replace("_", " "))
    return {w[:6] for w in words if w not in _STOP}  # "trusting" and "trust" share a stem


def _similarity(a: str, b: str) -> float:
    wa, wb = _words(a), _words(b)
    overlap = len(wa & wb) / max(1, min(len(wa), len(wb))) if wa and wb else 0.0
    ratio = difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()
    return max(overlap, ratio)


def _match_share(values: pd.Series, place: Place, what: str) -> float:
    values = values[values != ""]
    if values.empty:
        return 0.0
    if what == "organisation":
        hits = values.map(lambda v: place.find_organisation(v) is not None)
    else:
        spellings = {s.casefold() for r, label in place.roles.items() for s in (r, label)}
        hits = values.str.casefold().isin(spellings)
    return float(hits.mean())


def suggest_mapping(export: Export, place: Place, export_name: str) -> tuple[str, list[str]]:
    """The mapping's YAML text (with a confidence on each line) and what could not be placed."""
    notes, unplaced = {}, []
    found = questions(export)
    single = [q for q in found if len(q.columns) == 1]
    settings: dict = {"tool": export.tool}
    respondent = _find(export, "respondent_id") or export.respondent_id_column
    settings["respondent_id"] = respondent
    notes[("respondent_id",)] = (
        "the tool's response id: respondents are not followed across rounds; name the column "
        "holding a participant code if there is one"
        if respondent == export.respondent_id_column
        else "evalkit's own id"
    )
    for what in ("organisation", "role"):
        scored = [(_match_share(export.responses[q.columns[0]], place, what), q) for q in single]
        scored = [(s, q) for s, q in scored if q.kind in ("choice", "other", "text")]
        best = max(scored, key=lambda sq: sq[0], default=(0.0, None))
        if best[1] is not None and best[0] > 0.3:
            settings[what] = {"column": best[1].columns[0]}
            notes[(what,)] = f"{best[0]:.0%} of answers are {what}s of place.yml"
            values = export.responses[best[1].columns[0]]
            unknown = sorted(
                {v for v in values[values != ""] if not _match_share(pd.Series([v]), place, what)}
            )
            if unknown and what == "role":
                settings[what]["choices"] = {v: None for v in unknown}
                notes[(what, "choices")] = "set the role id of each answer"
            elif unknown:
                unplaced += [
                    f"{what} answer '{v}' matches no {what} of place.yml: add it as an alias there"
                    for v in unknown[:20]
                ]
        else:
            unplaced.append(f"no column's answers match the {what}s of place.yml")
    fw = place.framework
    rating_columns = [(c, q) for q in found if q.kind == "rating" for c in q.columns]
    columns, used = {}, set()
    for b in fw.behaviours:
        scored = []
        for column, _question in rating_columns:
            item = export.column(column)
            said = " ".join(s for s in (item.item, item.id.rsplit("/", 1)[-1], item.text) if s)
            score = max(
                _similarity(said, b.prompt),
                _similarity(said, b.label),
                _similarity(item.item or item.id.rsplit("/", 1)[-1], b.id),
            )
            scored.append((score, column))
        scored = [s for s in scored if s[1] not in used]
        if scored and max(scored)[0] >= 0.5:
            score, column = max(scored)
            columns[b.id] = column
            used.add(column)
            notes[("ratings", "columns", b.id)] = (
                f"{'sure' if score > 0.8 else 'likely'} ({score:.2f})"
            )
        else:
            unplaced.append(f"no rating question matches '{b.label}'")
    labels = {}
    if columns:
        values = pd.concat([export.responses[c] for c in columns.values()])
        values = values[(values != "") & ~values.str.fullmatch(r"-?\d+")]
        for label in sorted(values.unique()):
            number = answer_number(pd.Series([label])).iloc[0]
            plain = " ".join(label.casefold().replace("\u2019", "'").split()).rstrip(".")
            if plain in MISSING_ANSWERS or plain in {"dk", "na"} or number < 0:
                labels[label] = None
            elif number == number:
                labels[label] = int(number) if float(number).is_integer() else float(number)
            else:
                labels[label] = None
                unplaced.append(f"scale label '{label}': set its point on the scale")
    settings["ratings"] = {"columns": columns, "scale": labels}
    unplaced.append(
        "ties and reflections are not drafted: add 'ties:' and 'reflection:' by hand if the "
        "export has them (see the README)"
    )
    header = (
        f"A draft mapping for {export_name} ({export.tool}), written by evalkit mapping suggest.\n"
        "Check every line (the comments say how sure each match is), edit it, save it beside\n"
        "place.yml and give it to ingest with --mapping. Columns not named here are never read."
    )
    if unplaced:
        header += "\nCould not place:\n" + "\n".join(f"  - {u}" for u in unplaced)
    return mapping_yaml(settings, header=header, notes=notes), unplaced
