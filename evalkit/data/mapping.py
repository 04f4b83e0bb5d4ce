"""Turn an export's responses into evalkit's own tables (ratings, ties, reflections) by a mapping,
keeping where every cell came from, so that the checks of :mod:`evalkit.data.checks` can name
the export's row, column and value.

:func:`derive_mapping` reads an export of a questionnaire evalkit wrote (its question ids are
evalkit's own); :func:`fit_problems` says where a mapping does not fit an export;
:func:`apply_mapping` builds the tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from evalkit.config import Place
from evalkit.data.checks.cells import plain_label
from evalkit.data.exports import Export
from evalkit.data.mapping_file import REFLECTION_FIELDS, Mapping, mapping_yaml, parse_mapping
from evalkit.data.vocabulary import COLUMNS, MISSING_ANSWERS
from evalkit.exceptions import Problem

__all__ = ["Mapped", "derive_mapping", "fit_problems", "apply_mapping", "QUESTION_IDS"]

#: evalkit's own question ids (besides one per behaviour, and depth_<org> / trust_<org>).
QUESTION_IDS = {
    "respondent_id": "respondent_id",
    "organisation": "organisation",
    "organisation_other": "organisation_other",
    "role": "role",
    "sector": "sector",
    "partners": "partners",
    "reflection": "reflection",
    "behaviours": "reflection_behaviours",
    "valence": "reflection_valence",
    "consent": "reflection_consent",
}
OTHER_ANSWERS = {"other", "other, please say", "other (please specify)", "other (please say)"}
_CHOSEN_NOT = {"", "0", "false", "no"}


@dataclass(frozen=True, eq=False)
class Mapped:
    """An export's responses as evalkit's files: per kind, the named cells (``frames``, as the
    checks read them), the export column of each cell (``sources``), the cells as written
    (``originals``) and the spreadsheet row of each frame row (``rows``)."""

    frames: dict[str, pd.DataFrame]
    sources: dict[str, pd.DataFrame]
    originals: dict[str, pd.DataFrame]
    rows: dict[str, pd.Series]
    empty: int  # responses that answered none of the mapped questions (left out)

    def locate(self, kind: str, problem: Problem, columns: dict[str, str]) -> Problem:
        """The problem as the export shows it: its row, its column and the value written."""
        row, column, value = problem.row, problem.column, problem.value
        if row is not None and row in self.rows[kind].index:
            source = self.sources[kind]
            if column in source.columns:
                written = self.originals[kind].at[row, column]
                value = value if value and value in str(written) else written
                column = source.at[row, column] or columns.get(column, column)
            row = int(self.rows[kind][row])
        elif column is not None:
            column = columns.get(column, column)
        return Problem(problem.file, row, column, value, problem.message, problem.hint)


def _find(export: Export, name: str) -> str | None:
    """The column that holds evalkit's question ``name``: by id (or the last part of a Kobo
    path), or by a header ending "(name)"."""
    wanted = name.casefold()
    for column in export.columns:
        if column.id.casefold() == wanted or column.id.rsplit("/", 1)[-1].casefold() == wanted:
            return column.id
    for column in export.columns:
        for said in (column.id, column.text):
            if re.search(rf"\({re.escape(name)}\)\s*$", said, re.IGNORECASE):
                return column.id
    return None


def _option_columns(export: Export, name: str, place: Place) -> dict | None:
    """A multi-select written one column per option (SurveyMonkey, Kobo's ``partners/ncc``)."""
    found = {}
    for column in export.columns:
        question = column.question.rsplit("/", 1)[-1]
        named = question.casefold() == name or re.search(rf"\({name}\)\s*$", question)
        if named and column.item:
            org = place.find_organisation(column.item)
            if org is not None:
                found[org.id] = column.id
    return found or None


def derive_mapping(export: Export, place: Place, file: str) -> tuple[Mapping | None, list]:
    """The mapping of an export of an evalkit-written questionnaire (no mapping file needed).

    Returns the mapping (None if the export is not of such a questionnaire) and problems or
    warnings: ``[(level, Problem)]``.
    """
    found: list = []
    ids = {key: _find(export, name) for key, name in QUESTION_IDS.items()}
    ratings = {b: _find(export, b) for b in place.framework.behaviour_ids}
    missing = [b for b, c in ratings.items() if c is None]
    if ids["organisation"] is None or len(missing) == len(ratings):
        what = "organisation" if ids["organisation"] is None else "any behaviour"
        found.append(
            (
                "error",
                Problem(
                    file,
                    None,
                    None,
                    None,
                    f"has no column for {what} under evalkit's own question ids, so it is not "
                    "an export of a questionnaire evalkit wrote",
                    "Draft a mapping with 'evalkit mapping suggest EXPORT --place PLACE_DIR "
                    "--out mapping.yml', check it, and give it with --mapping.",
                ),
            )
        )
        return None, found
    for behaviour in missing:
        found.append(
            (
                "warning",
                Problem(
                    file,
                    None,
                    behaviour,
                    None,
                    "has no column (a behaviour of the framework)",
                    "The behaviour is not rated this round; if it was asked, give a mapping.",
                ),
            )
        )
    respondent = ids["respondent_id"]
    if respondent is None:
        respondent = export.respondent_id_column
        found.append(
            (
                "warning",
                Problem(
                    file,
                    None,
                    respondent,
                    None,
                    "has no respondent_id question, so each response is a new respondent",
                    "Ask for the participant code of the invitation (the survey evalkit writes "
                    "does) so that respondents are followed from round to round.",
                ),
            )
        )
    settings: dict = {"tool": export.tool, "respondent_id": respondent}
    settings["organisation"] = {"column": ids["organisation"]}
    if ids["organisation_other"]:
        settings["organisation"]["other"] = ids["organisation_other"]
    if ids["role"]:
        settings["role"] = {"column": ids["role"]}
    settings["ratings"] = {"columns": {b: c for b, c in ratings.items() if c}}
    partners = ids["partners"] or _option_columns(export, "partners", place)
    if partners:
        settings["ties"] = {"partners": partners}
        for part in ("depth", "trust"):
            columns = {o.id: _find(export, f"{part}_{o.id}") for o in place.organisations}
            columns = {o: c for o, c in columns.items() if c}
            columns = columns or _option_columns(export, part, place)  # a grid, row per partner
            if columns:
                settings["ties"][part] = columns
    if ids["reflection"]:
        settings["reflection"] = {
            k: ids["reflection" if k == "text" else k]
            for k in REFLECTION_FIELDS
            if ids.get("reflection" if k == "text" else k)
        }
    header = (
        f"Read by evalkit from a {export.tool} export of the questionnaire evalkit wrote:\n"
        "its question ids are evalkit's own, so no mapping file was given."
    )
    return parse_mapping(mapping_yaml(settings, header=header), file), found


def fit_problems(mapping: Mapping, export: Export, place: Place, export_file: str) -> list:
    """Where a mapping does not fit the export or the place: columns the export lacks, one
    column read as two behaviours, behaviours and organisations the place does not have."""
    problems = []
    columns = set(export.ids)
    by_fold = {c.casefold(): c for c in columns}

    def add(path, value, message, hint):
        where = ".".join(str(p) for p in path)
        problems.append(Problem(mapping.source, mapping.line(*path), where, value, message, hint))

    for path, column in mapping.named_columns():
        if column not in columns:
            close = by_fold.get(column.casefold())
            hint = (
                f"The export has '{close}': write it so."
                if close
                else (f"Use one of the export's columns (see 'evalkit inspect {export_file}').")
            )
            add(path, column, f"names a column that {export_file} does not have", hint)
    readers: dict[str, str] = {}
    for behaviour, column in mapping.ratings.items():
        if behaviour not in place.framework.behaviour_ids:
            add(
                ("ratings", "columns", behaviour),
                behaviour,
                f"is not a behaviour of {place.framework.name}",
                f"Use one of: {', '.join(place.framework.behaviour_ids)}.",
            )
        if column in readers:
            add(
                ("ratings", "columns", behaviour),
                column,
                f"is already read as '{readers[column]}': one column cannot hold two behaviours",
                "Give each behaviour its own column, or remove one of the two lines.",
            )
        readers.setdefault(column, behaviour)
    if mapping.organisation.column is None:
        add(
            ("organisation",),
            None,
            "is missing",
            "Name the column holding the respondent's "
            "organisation: 'organisation: {column: COLUMN}'.",
        )
    if not mapping.ratings:
        add(
            ("ratings",),
            None,
            "names no rating columns",
            "List each behaviour's column under 'ratings: columns:'.",
        )
    org_ids = {o.id for o in place.organisations}
    for label, org in mapping.organisation.choices.items():
        if org is not None and place.find_organisation(str(org)) is None:
            add(
                ("organisation", "choices", label),
                str(org),
                "is not an organisation of place.yml",
                f"Use an organisation id of place.yml (e.g. {sorted(org_ids)[0]}).",
            )
    for label, role in mapping.role.choices.items():
        if role is not None and role not in place.roles:
            add(
                ("role", "choices", label),
                str(role),
                "is not a role of place.yml",
                f"Use one of: {', '.join(place.roles)}.",
            )
    for label, point in (mapping.scale or {}).items():
        fw = place.framework
        bad = point is not None and (
            not isinstance(point, int | float)
            or isinstance(point, bool)
            or not fw.scale_min <= point <= fw.scale_max
        )
        if bad:
            add(
                ("ratings", "scale", label),
                str(point),
                f"is not a point of the scale ({fw.scale_min} to {fw.scale_max})",
                "Give a whole number on the scale, or null for an answer that means no answer.",
            )
    for name in ("depth", "trust"):
        value = getattr(mapping, name)
        if isinstance(value, str) and "{id}" in value:
            continue
        if isinstance(value, dict):
            for org in value:
                if place.find_organisation(str(org)) is None:
                    add(
                        ("ties", name, org),
                        str(org),
                        "is not an organisation of place.yml",
                        "Key each column by an organisation id of place.yml.",
                    )
    return problems


def _normal(value: str) -> str:
    return " ".join(str(value).casefold().split())


def _translate(values: pd.Series, choices: dict) -> pd.Series:
    """Answers replaced by their value in ``choices`` (matched ignoring case and spacing)."""
    if not choices:
        return values
    table = {_normal(k): ("" if v is None else str(v)) for k, v in choices.items()}
    return values.map(lambda v: table.get(_normal(v), v))


def _split(cell: str, known: set[str]) -> list[str]:
    """A multi-select cell as its choices: joined by ';', ',' or spaces, choices whose own text
    holds the separator kept whole when they are ``known`` (normalised spellings)."""
    if not cell:
        return []
    if _normal(cell) in known:
        return [cell]
    separator = ";" if ";" in cell else "," if "," in cell else None
    pieces = cell.split(separator) if separator else cell.split()
    join = separator or " "
    out, current = [], ""
    for piece in pieces:
        current = f"{current}{join}{piece}" if current else piece
        if _normal(current) in known:
            out.append(current.strip())
            current = ""
    if current:  # unknown text: split plainly, so each unknown choice is named
        out += [p.strip() for p in current.split(join) if p.strip()]
    return out


def _cells(export: Export, column: str | None, index) -> pd.Series:
    if column is None or column not in export.responses:
        return pd.Series("", index=index, dtype=str)
    return export.responses.loc[index, column]


def _dropped(export: Export, mapping: Mapping) -> pd.Series:
    drop = pd.Series(False, index=export.responses.index)
    for rule in mapping.drop:
        values = _cells(export, rule.get("column"), export.responses.index)
        equals = rule.get("equals", [])
        equals = equals if isinstance(equals, list) else [equals]
        drop |= values.map(_normal).isin({_normal(e) for e in equals})
        if rule.get("blank"):
            drop |= values == ""
    return drop


def _scale(values: pd.Series, mapping: Mapping, column: str, found, export_file: str):
    """Rating answers through ``ratings.scale``; with a scale given, an answer it does not place
    (not a number, not a no-answer) is a problem, once per label."""
    if mapping.scale is None:
        return values
    table = {
        _normal(k): ("" if v is None else str(int(v) if float(v).is_integer() else v))
        for k, v in mapping.scale.items()
    }
    normal = values.map(_normal)
    placed = normal.isin(table) | (values == "") | values.str.fullmatch(r"-?\d+(\.\d+)?")
    placed |= plain_label(values).isin(MISSING_ANSWERS)
    for label, rows in values[~placed].groupby(values[~placed]).groups.items():
        rows = sorted(rows)
        more = f" (and {len(rows) - 1} more rows)" if len(rows) > 1 else ""
        found.append(
            Problem(
                export_file,
                int(rows[0]),
                column,
                label,
                f"is an answer that the mapping's scale does not place{more}",
                f"Add '\"{label}\": N' (its point on the scale, or null if it means no answer) "
                f"under 'ratings: scale:' in {mapping.source}.",
            )
        )
    return values.map(lambda v: table.get(_normal(v), v)).where(placed, "")


def apply_mapping(
    export: Export, mapping: Mapping, place: Place, export_file: str, *, export_sha: str
) -> tuple[Mapped, list[Problem]]:
    """Build evalkit's ratings, ties and reflections cells from the export by the mapping.

    Returns the :class:`Mapped` tables and the problems found on the way (scale labels left
    unmapped). Only the columns the mapping names are read: a tool's metadata about the person
    (IP address, location, e-mail, names) never reaches the tables unless named as the
    respondent id, which the store then holds only as a keyed hash.
    """
    problems: list[Problem] = []
    keep = export.responses.index[~_dropped(export, mapping)]
    answered_columns = [c for _, c in mapping.named_columns() if c in export.responses]
    answered_columns = [c for c in answered_columns if c != mapping.respondent_id]
    answered = (export.responses.loc[keep, answered_columns] != "").any(axis=1)
    empty = int((~answered).sum())
    index = keep[answered.to_numpy()]

    if mapping.respondent_id is None:
        ids = pd.Series([f"{export_sha[:12]}:{r}" for r in index], index=index, dtype=str)
    else:
        ids = _cells(export, mapping.respondent_id, index)
    org_field, role_field = mapping.organisation, mapping.role
    organisation = _cells(export, org_field.column, index)
    org_source = pd.Series(org_field.column or "", index=index, dtype=str)
    if org_field.other:
        other = _cells(export, org_field.other, index)
        use_other = organisation.map(_normal).isin(OTHER_ANSWERS) & (other != "")
        organisation = organisation.where(~use_other, other)
        org_source = org_source.where(~use_other, org_field.other)
    org_written = organisation
    organisation = _translate(organisation, org_field.choices)
    role_written = _cells(export, role_field.column, index)
    role = _translate(role_written, role_field.choices)

    def person(frame, sources, originals):
        frame.update({"respondent_id": ids, "organisation": organisation, "role": role})
        sources.update(
            {
                "respondent_id": pd.Series(mapping.respondent_id or "", index=index, dtype=str),
                "organisation": org_source,
                "role": pd.Series(role_field.column or "", index=index, dtype=str),
            }
        )
        originals.update({"respondent_id": ids, "organisation": org_written, "role": role_written})

    frames, sources, originals, rows = {}, {}, {}, {}
    frame, source, original = {}, {}, {}
    person(frame, source, original)
    for behaviour, column in mapping.ratings.items():
        if behaviour not in place.framework.behaviour_ids:
            continue
        written = _cells(export, column, index)
        frame[behaviour] = _scale(written, mapping, column, problems, export_file)
        source[behaviour] = pd.Series(column, index=index, dtype=str)
        original[behaviour] = written
    frames["ratings"] = pd.DataFrame(frame, index=index)
    sources["ratings"] = pd.DataFrame(source, index=index)
    originals["ratings"] = pd.DataFrame(original, index=index)
    rows["ratings"] = pd.Series(index, index=index)

    ties = _ties(export, mapping, place, index, ids, organisation, org_written, org_source)
    if ties is not None:
        frames["ties"], sources["ties"], originals["ties"], rows["ties"] = ties

    text_field = mapping.reflection.get("text")
    if text_field is not None and text_field.column:
        text = _cells(export, text_field.column, index)
        wrote = index[(text != "").to_numpy()]
        frame, source, original = {}, {}, {}
        person(frame, source, original)
        fw = place.framework
        tag_names = {**{b.label: b.id for b in fw.behaviours}, **{b: b for b in fw.behaviour_ids}}
        for part in REFLECTION_FIELDS:
            f = mapping.reflection.get(part)
            written = _cells(export, None if f is None else f.column, index)
            value = _translate(written, f.choices if f else {})
            if part == "behaviours":
                known = {_normal(k) for k in {**tag_names, **(f.choices if f else {})}}
                value = value.map(
                    lambda cell, known=known: ";".join(
                        str(tag_names.get(_label(t, tag_names), t)) for t in _split(cell, known)
                    )
                )
            frame[part] = value
            source[part] = pd.Series("" if f is None else f.column or "", index=index, dtype=str)
            original[part] = written
        frames["reflections"] = pd.DataFrame(frame, index=index).loc[wrote]
        sources["reflections"] = pd.DataFrame(source, index=index).loc[wrote]
        originals["reflections"] = pd.DataFrame(original, index=index).loc[wrote]
        rows["reflections"] = pd.Series(wrote, index=wrote)
    for kind, table in frames.items():
        columns = [c for c in COLUMNS[kind] if c in table] + [
            c for c in table if c not in COLUMNS[kind]
        ]
        frames[kind] = table[columns]
    return Mapped(frames, sources, originals, rows, empty), problems


def _label(tag: str, names: dict) -> str:
    folded = {_normal(k): k for k in names}
    return folded.get(_normal(tag), tag)


def _column_for(setting, org_id: str | None) -> str | None:
    if setting is None or org_id is None:
        return None
    if isinstance(setting, str):
        return setting.replace("{id}", org_id) if "{id}" in setting else None
    return setting.get(org_id)


def _ties(export, mapping, place, index, ids, organisation, org_written, org_source):
    if mapping.partners is None:
        return None
    known = {_normal(s) for o in place.organisations for s in (o.id, o.name, *o.aliases)} | {
        _normal(k) for k in mapping.organisation.choices
    }
    chosen: list[tuple] = []  # (spreadsheet row, partner as written, its column)
    if isinstance(mapping.partners, dict):
        for org_id, column in mapping.partners.items():
            cells = _cells(export, column, index)
            for row in index[~cells.map(_normal).isin(_CHOSEN_NOT).to_numpy()]:
                chosen.append((row, str(org_id), column))
    else:
        cells = _cells(export, mapping.partners, index)
        for row, cell in cells.items():
            chosen += [(row, p, mapping.partners) for p in _split(cell, known)]
    records, source, original = [], [], []
    for row, partner, column in chosen:
        label = _translate(pd.Series([partner]), mapping.organisation.choices).iloc[0]
        org = place.find_organisation(label)
        org_id = org.id if org else None
        depth_column = _column_for(mapping.depth, org_id)
        trust_column = _column_for(mapping.trust, org_id)
        depth = export.responses.at[row, depth_column] if depth_column in export.responses else ""
        trust = export.responses.at[row, trust_column] if trust_column in export.responses else ""
        depth_value = _translate(pd.Series([depth]), mapping.depth_choices).iloc[0]
        records.append([ids[row], organisation[row], label, depth_value, trust])
        source.append(
            [
                mapping.respondent_id or "",
                org_source[row],
                column,
                depth_column or "",
                trust_column or "",
            ]
        )
        original.append([ids[row], org_written[row], partner, depth, trust])
    names = list(COLUMNS["ties"])
    frame = pd.DataFrame(records, columns=names, dtype=str)
    return (
        frame,
        pd.DataFrame(source, columns=names, dtype=str),
        pd.DataFrame(original, columns=names, dtype=str),
        pd.Series([r for r, _, _ in chosen], dtype=int),
    )
