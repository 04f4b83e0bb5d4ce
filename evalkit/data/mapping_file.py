"""The mapping file: which columns of a survey tool's export hold what evalkit reads, and how
answers translate. One YAML file beside ``place.yml``; the reading of it is here, its use in
:mod:`evalkit.data.mapping`.

::

    tool: qualtrics                 # the layout it was written for
    respondent_id: ExternalReference  # null: each response is a new respondent
    organisation: {column: Q1, other: Q1_99_TEXT, choices: {"City Council": ncc}}
    role: {column: Q2, choices: {"Front line": frontline}}
    ratings:
      columns: {shared_vision: Q5_1, power_shared: Q5_2}
      scale: {"1 - Not at all": 1, "10 - Fully": 10, "Don't know": null}
    ties:
      partners: Q7                  # chosen organisations; or {ncc: Q7_1, ...}, one per option
      depth: "depth_{id}"           # per partner: a pattern, or {ncc: Q8_1, ...}
      trust: "trust_{id}"
    reflection: {text: Q9, behaviours: Q10, valence: Q11, consent: Q12}
    drop:
      - {column: Finished, equals: ["0"]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evalkit.exceptions import Problem, ValidationError

__all__ = ["Field", "Mapping", "load_mapping", "parse_mapping", "REFLECTION_FIELDS"]

REFLECTION_FIELDS = ("text", "behaviours", "valence", "consent")
_TOP = {"tool", "respondent_id", "organisation", "role", "ratings", "ties", "reflection", "drop"}


@dataclass(frozen=True)
class Field:
    """One thing read from one column, with answers translated by ``choices`` (answer -> value)."""

    column: str | None = None
    choices: dict = field(default_factory=dict)
    other: str | None = None  # organisation: the "Other, please say" text column


@dataclass(frozen=True)
class Mapping:
    """A mapping file, read; ``lines`` gives the line of each setting (``("ratings", "columns",
    "shared_vision")`` -> 12) so that problems can point at it."""

    source: str
    text: str
    tool: str | None = None
    respondent_id: str | None = None
    organisation: Field = field(default_factory=Field)
    role: Field = field(default_factory=Field)
    ratings: dict[str, str] = field(default_factory=dict)
    scale: dict | None = None
    partners: str | dict | None = None
    depth: str | dict | None = None
    trust: str | dict | None = None
    depth_choices: dict = field(default_factory=dict)
    reflection: dict[str, Field] = field(default_factory=dict)
    drop: tuple[dict, ...] = ()
    lines: dict = field(default_factory=dict, repr=False)

    def line(self, *path) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def named_columns(self) -> list[tuple[tuple, str]]:
        """Every column the mapping names, with the setting that names it."""
        named = [(("respondent_id",), self.respondent_id)]
        for name, f in (("organisation", self.organisation), ("role", self.role)):
            named += [((name, "column"), f.column), ((name, "other"), f.other)]
        named += [(("ratings", "columns", b), c) for b, c in self.ratings.items()]
        for name in ("partners", "depth", "trust"):
            value = getattr(self, name)
            if isinstance(value, dict):
                named += [(("ties", name, k), c) for k, c in value.items()]
            elif isinstance(value, str) and "{id}" not in value:
                named.append((("ties", name), value))
        named += [(("reflection", k), f.column) for k, f in self.reflection.items()]
        named += [(("drop", i, "column"), rule.get("column")) for i, rule in enumerate(self.drop)]
        return [(path, str(c)) for path, c in named if c is not None]


def _with_lines(node, path=(), lines=None):
    """A YAML node as Python values, recording the line (1-based) of every key."""
    lines = {} if lines is None else lines
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            key = "" if key is None else key
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _with_lines(value_node, (*path, key), lines)[0]
        return out, lines
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            items.append(_with_lines(item, (*path, i), lines)[0])
        return items, lines
    return yaml.safe_load(yaml.serialize(node)), lines


def _field(value, where: str, problems: list, source: str, lines: dict, path) -> Field:
    if value is None:
        return Field()
    if isinstance(value, str):
        return Field(value)
    if not isinstance(value, dict):
        problems.append(
            Problem(
                source,
                lines.get(path),
                where,
                str(value),
                "should be a column name or a mapping with 'column:'",
                f"Write '{where}: COLUMN' or '{where}: {{column: COLUMN, choices: {{...}}}}'.",
            )
        )
        return Field()
    choices = value.get("choices") or {}
    if not isinstance(choices, dict):
        problems.append(
            Problem(
                source,
                lines.get((*path, "choices")),
                f"{where}.choices",
                str(choices),
                "should map answers to values",
                "Write one 'answer: value' per line.",
            )
        )
        choices = {}
    column = value.get("column")
    other = value.get("other")
    return Field(
        None if column is None else str(column),
        {str(k): v for k, v in choices.items()},
        None if other is None else str(other),
    )


def parse_mapping(text: str, source: str) -> Mapping:
    """Read a mapping's YAML text; problems with its form raise a ValidationError.

    Examples
    --------
    >>> text = "respondent_id: ResponseId\\nratings:\\n  columns: {trust: Q5_1}\\n"
    >>> m = parse_mapping(text, "m.yml")
    >>> m.respondent_id, m.ratings, m.line("ratings", "columns", "trust")
    ('ResponseId', {'trust': 'Q5_1'}, 3)
    """
    problems: list[Problem] = []
    try:
        node = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ValidationError(
            [
                Problem(
                    source,
                    None if mark is None else mark.line + 1,
                    None,
                    None,
                    f"is not valid YAML ({getattr(err, 'problem', None) or err})",
                    "Fix the indentation or punctuation on that line.",
                )
            ]
        ) from None
    data, lines = _with_lines(node) if node is not None else ({}, {})
    if not isinstance(data, dict):
        raise _refused(
            source,
            "does not hold a mapping of settings",
            "Start from the file 'evalkit mapping suggest' writes.",
        )
    for key in data:
        if key not in _TOP:
            problems.append(
                Problem(
                    source,
                    lines.get((key,)),
                    str(key),
                    None,
                    "is not a setting of a mapping file",
                    f"Use only: {', '.join(sorted(_TOP))}.",
                )
            )
    ratings = data.get("ratings") or {}
    if not isinstance(ratings, dict):
        ratings = {}
    columns = ratings.get("columns") or {}
    scale = ratings.get("scale")
    if scale is not None and not isinstance(scale, dict):
        problems.append(
            Problem(
                source,
                lines.get(("ratings", "scale")),
                "ratings.scale",
                str(scale),
                "should map answers to scale points",
                "Write one 'answer: number' per "
                "line, or 'answer: null' for an answer meaning no answer.",
            )
        )
        scale = None
    ties = data.get("ties") or {}
    if not isinstance(ties, dict):
        ties = {}
    reflection = data.get("reflection") or {}
    reflection = reflection if isinstance(reflection, dict) else {}
    for key in reflection:
        if key not in REFLECTION_FIELDS:
            problems.append(
                Problem(
                    source,
                    lines.get(("reflection", key)),
                    f"reflection.{key}",
                    None,
                    "is not a part of a reflection",
                    f"Use: {', '.join(REFLECTION_FIELDS)}.",
                )
            )
    drop = data.get("drop") or []
    drop = [rule for rule in drop if isinstance(rule, dict)] if isinstance(drop, list) else []
    if problems:
        raise ValidationError(problems)
    return Mapping(
        source=source,
        text=text,
        tool=data.get("tool"),
        respondent_id=None if data.get("respondent_id") is None else str(data["respondent_id"]),
        organisation=_field(
            data.get("organisation"), "organisation", problems, source, lines, ("organisation",)
        ),
        role=_field(data.get("role"), "role", problems, source, lines, ("role",)),
        ratings={str(k): str(v) for k, v in columns.items() if v is not None},
        scale=None if scale is None else {str(k): v for k, v in scale.items()},
        partners=ties.get("partners"),
        depth=ties.get("depth"),
        trust=ties.get("trust"),
        depth_choices={str(k): v for k, v in (ties.get("depth_choices") or {}).items()},
        reflection={
            k: _field(v, f"reflection.{k}", problems, source, lines, ("reflection", k))
            for k, v in reflection.items()
            if k in REFLECTION_FIELDS
        },
        drop=tuple(drop),
        lines=lines,
    )


def _refused(source: str, message: str, hint: str) -> ValidationError:
    """The error for a mapping file that cannot be read at all (no row or setting to name)."""
    return ValidationError([Problem(source, None, None, None, message, hint)])


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file (see the module's description for its form)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise _refused(
            str(path),
            f"could not be read ({err.strerror})",
            "Check the path, or draft one with 'evalkit mapping suggest'.",
        ) from None
    except UnicodeDecodeError:
        raise _refused(
            str(path), "is not UTF-8 text", "Save it as UTF-8 from your editor."
        ) from None
    return parse_mapping(text, str(path))


def mapping_yaml(settings: dict, *, header: str = "", notes: dict | None = None) -> str:
    """A mapping's settings as YAML, with ``header`` comment lines on top and a comment at the
    end of the line of each setting in ``notes`` (path tuple -> text).

    Examples
    --------
    >>> print(mapping_yaml({"respondent_id": "ResponseId"}, notes={("respondent_id",): "sure"}))
    respondent_id: ResponseId  # sure
    <BLANKLINE>
    """
    notes = notes or {}
    out = [f"# {line}".rstrip() for line in header.splitlines()]

    def scalar(value) -> str:
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)[
            :-1
        ].removesuffix("\n...")

    def write(value, path, indent):
        pad = "  " * indent
        for key, item in value.items():
            here = (*path, key)
            note = f"  # {notes[here]}" if here in notes else ""
            if isinstance(item, dict) and item:
                out.append(f"{pad}{scalar(key)}:{note}")
                write(item, here, indent + 1)
            elif isinstance(item, list) and item:
                out.append(f"{pad}{scalar(key)}:{note}")
                out.extend(f"{pad}  - {scalar(element)}" for element in item)
            else:
                out.append(f"{pad}{scalar(key)}: {scalar(item)}{note}")

    write(settings, (), 0)
    return "\n".join(out) + "\n"
