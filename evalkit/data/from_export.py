"""Check a round given as a survey tool's export: read it (:mod:`evalkit.data.exports`), fit the
mapping (:mod:`evalkit.data.mapping`), and run the very checks of a round in evalkit's layout
(:mod:`evalkit.data.checks`), every problem named by the export's file, row, column and value."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.config import Place
from evalkit.data.checks import ratings as ratings_file
from evalkit.data.checks import reflections as reflections_file
from evalkit.data.checks import ties as ties_file
from evalkit.data.exports import read_export
from evalkit.data.mapping import apply_mapping, derive_mapping, fit_problems
from evalkit.data.mapping_file import load_mapping
from evalkit.data.problems import Problems
from evalkit.exceptions import Problem, ValidationError

__all__ = ["ExportSource", "check_export"]

_CHECKS = {
    "ratings": ratings_file.check,
    "ties": ties_file.check,
    "reflections": reflections_file.check,
}
DERIVED = "(derived: evalkit's own question ids)"


@dataclass(frozen=True, eq=False)
class ExportSource:
    """The export and the mapping that read it, both kept in ``raw/`` byte for byte."""

    path: Path
    content: bytes = field(repr=False)
    sha256: str
    suffix: str
    tool: str
    sheet: str | None
    mapping_name: str
    mapping_content: bytes = field(repr=False, default=b"")
    mapping_sha256: str = ""
    kept: int = 0
    dropped: dict = field(default_factory=dict)

    @property
    def reading(self) -> str:
        """The fingerprint of this reading: the export, the mapping and the sheet together."""
        return hashlib.sha256(
            f"{self.sha256}:{self.mapping_sha256}:{self.sheet or ''}".encode()
        ).hexdigest()


def check_export(place: Place, round_number: int, export_path, mapping_path=None, sheet=None):
    """Read and check an export by its mapping (derived when not given); write nothing.

    Returns
    -------
    (tables, source, problems, warnings)
        ``tables``: kind -> tidy rows (raw ids) of ratings, and of ties and reflections when the
        mapping reads them; ``source``: the :class:`ExportSource` (None if unreadable);
        ``problems`` and ``warnings``: lists of :class:`~evalkit.exceptions.Problem`.
    """
    path = Path(export_path)
    file = str(path)
    found = Problems(file)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        content = path.read_bytes()
    except OSError as err:
        found.add(None, f"could not be read ({err.strerror})", "Check the path and try again.")
        return {}, None, found.problems(), []
    export = read_export(content, found, sheet=sheet)
    if export is None:
        return {}, None, found.problems(), []
    sha = hashlib.sha256(content).hexdigest()
    if mapping_path is None:
        mapping, said = derive_mapping(export, place, file)
        problems += [p for level, p in said if level == "error"]
        warnings += [p for level, p in said if level == "warning"]
        name = DERIVED
        mapping_content = b"" if mapping is None else mapping.text.encode("utf-8")
    else:
        try:
            mapping = load_mapping(mapping_path)
        except ValidationError as err:
            return {}, None, err.problems, []
        name = Path(mapping_path).name
        mapping_content = Path(mapping_path).read_bytes()
    if mapping is None:
        return {}, None, problems, warnings
    if mapping.tool and mapping.tool != export.tool:
        warnings.append(
            Problem(
                mapping.source,
                mapping.line("tool"),
                "tool",
                mapping.tool,
                f"was written for a {mapping.tool} export, but {file} is a {export.tool} export",
                "Check that this is the right mapping for this export.",
            )
        )
    problems += fit_problems(mapping, export, place, file)
    if problems:
        return {}, None, problems, warnings
    mapped, label_problems = apply_mapping(export, mapping, place, file, export_sha=sha)
    problems += label_problems
    if mapping.respondent_id is None and mapping_path is not None:
        warnings.append(
            Problem(
                mapping.source,
                mapping.line("respondent_id"),
                "respondent_id",
                None,
                "names no respondent id, so each response is a new respondent",
                "Name the column holding each person's code so that respondents are followed "
                "from round to round.",
            )
        )
    tables = {}
    columns = {
        "respondent_id": mapping.respondent_id,
        "organisation": mapping.organisation.column,
        "role": mapping.role.column,
        **mapping.ratings,
        **{k: f.column for k, f in mapping.reflection.items()},
    }
    for kind, frame in mapped.frames.items():
        checked = Problems(file)
        if kind == "ratings" and frame.empty:
            checked.add(None, "has no responses to read", "Check that this is the right export.")
        table = _CHECKS[kind](checked, frame, place, round_number)
        problems += [mapped.locate(kind, p, columns) for p in checked.problems()]
        warnings += checked.warnings
        if table is not None:
            tables[kind] = table
    source = ExportSource(
        path,
        content,
        sha,
        export.suffix,
        export.tool,
        sheet,
        name,
        mapping_content,
        hashlib.sha256(mapping_content).hexdigest(),
        kept=len(mapped.frames["ratings"]),
        dropped={**export.dropped, **({"empty": mapped.empty} if mapped.empty else {})},
    )
    return tables, source, problems, warnings
