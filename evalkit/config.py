"""Frameworks, places and paths: the one place where evalkit's configuration is read and checked.

A *framework* is the set of behaviours a place tracks (a YAML file); a *place* is a folder
``data/<place>/`` holding ``place.yml``, ``raw/`` and the store.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evalkit.exceptions import Problem, ValidationError

__all__ = [
    "FRAMEWORKS_DIR",
    "DEFAULT_SECTORS",
    "FRAMEWORK_KEYS",
    "PLACE_FILE",
    "PLACE_KEYS",
    "PROGRAMME_FILE",
    "PROGRAMME_KEYS",
    "Behaviour",
    "Framework",
    "Organisation",
    "Round",
    "Place",
    "Programme",
    "load_framework",
    "load_place",
    "load_programme",
    "store_path",
    "raw_dir",
]

FRAMEWORKS_DIR = Path(__file__).parent / "frameworks"
PLACE_FILE = "place.yml"
PROGRAMME_FILE = "programme.yml"
STORE_FILE = "store.duckdb"
DEFAULT_K_MIN = 5
DEFAULT_COUNTRY = "GB"  # where phone numbers written without +44 or 0044 belong

#: The four sectors of the demo and of most places, in the order reports show them.
DEFAULT_SECTORS = {
    "public": "Public sector",
    "voluntary": "Voluntary and community",
    "private": "Private sector",
    "lived_experience": "Lived experience",
}


@dataclass(frozen=True)
class Behaviour:
    id: str
    label: str
    group: str
    description: str
    prompt: str


@dataclass(frozen=True)
class Framework:
    """A validated framework: behaviours in groups, on a rating scale.

    Examples
    --------
    >>> fw = load_framework("system-behaviours")
    >>> len(fw.behaviours), fw.scale_min, fw.scale_max
    (9, 1, 10)
    >>> fw.group_of("power_shared")
    'power'
    """

    id: str
    name: str
    version: str
    scale_min: int
    scale_max: int
    strongly_present: float
    largely_absent: float
    groups: dict[str, str]  # group id -> label, in framework order
    behaviours: tuple[Behaviour, ...]
    source: str = ""
    low_label: str = ""
    high_label: str = ""

    @property
    def behaviour_ids(self) -> list[str]:
        return [b.id for b in self.behaviours]

    @property
    def labels(self) -> dict[str, str]:
        """Behaviour id -> short label."""
        return {b.id: b.label for b in self.behaviours}

    def group_of(self, behaviour_id: str) -> str:
        return next(b.group for b in self.behaviours if b.id == behaviour_id)

    def behaviours_frame(self):
        """The behaviours as a tidy frame (id, label, group, group_label, order)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "behaviour": b.id,
                    "label": b.label,
                    "group": b.group,
                    "group_label": self.groups[b.group],
                    "order": i,
                }
                for i, b in enumerate(self.behaviours)
            ]
        )


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    sector: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Round:
    number: int
    label: str
    date: dt.date | None = None


@dataclass(frozen=True)
class Place:
    """A validated place: folder, framework, rounds, organisations, roles and privacy threshold."""

    dir: Path
    id: str
    name: str
    framework: Framework
    rounds: tuple[Round, ...]
    organisations: tuple[Organisation, ...]
    sectors: dict[str, str]  # sector id -> label, in report order
    roles: dict[str, str]  # role id -> label
    k_min: int = DEFAULT_K_MIN
    invited: dict = field(default_factory=dict)
    allow_fraction_ratings: bool = False  # read a rating written "7/10" as 7
    redact: tuple[str, ...] = field(default=(), repr=False)  # people's names masked in quotes
    country: str = DEFAULT_COUNTRY  # region of phone numbers written without a country code
    formats: tuple[str, ...] | None = None  # what each report is written as (None: not set)
    paper: str | None = None  # the PDF's paper size, a4 or letter (None: not set)
    notebooks: Path | None = None  # a folder of the place's own report notebooks

    @property
    def round_numbers(self) -> list[int]:
        return [r.number for r in self.rounds]

    def round(self, number: int) -> Round:
        for r in self.rounds:
            if r.number == number:
                return r
        raise KeyError(number)

    def organisation_lookup(self) -> dict[str, Organisation]:
        """Every accepted spelling (id, name, alias; any case and spacing) -> organisation."""
        lookup: dict[str, Organisation] = {}
        for org in self.organisations:
            for key in (org.id, org.name, *org.aliases):
                lookup[_normalise(key)] = org
        return lookup

    def find_organisation(self, text: str) -> Organisation | None:
        """The organisation an id, name or alias refers to, ignoring case and extra spaces."""
        return self.organisation_lookup().get(_normalise(text))

    @property
    def store(self) -> Path:
        return store_path(self.dir)


def store_path(place_dir: str | Path) -> Path:
    return Path(place_dir) / STORE_FILE


def raw_dir(place_dir: str | Path, round_number: int | None = None) -> Path:
    base = Path(place_dir) / "raw"
    return base if round_number is None else base / f"round-{round_number:02d}"


def _known_country(code) -> bool:
    """Whether ``code`` is a region phonenumbers knows (imported only for a place that says)."""
    from phonenumbers import SUPPORTED_REGIONS

    return isinstance(code, str) and code.upper() in SUPPORTED_REGIONS


def _normalise(text: str) -> str:
    return " ".join(str(text).casefold().split())


# --- loading and checking ------------------------------------------------------------------------

#: The settings ``place.yml`` may hold.
PLACE_KEYS = (
    "name",
    "framework",
    "k_min",
    "rounds",
    "sectors",
    "roles",
    "organisations",
    "invited",
    "allow_fraction_ratings",
    "redact",
    "country",
    "formats",
    "paper",
    "notebooks",
)
#: The settings a programme folder's optional ``programme.yml`` may hold.
PROGRAMME_KEYS = ("name", "formats", "paper", "notebooks")
#: What a report can be written as, besides its HTML page.
REPORT_FORMATS = ("html", "pdf", "docx")
#: The settings a framework file may hold.
FRAMEWORK_KEYS = ("id", "name", "version", "scale", "groups", "behaviours", "description")
_SCALE_KEYS = ("min", "max", "strongly_present", "largely_absent", "low_label", "high_label")


def _problem(path: Path, message: str, hint: str, row: int | None = None) -> ValidationError:
    return ValidationError([Problem(str(path), row, None, None, message, hint)])


def _read_yaml(path: Path) -> tuple[dict, _Lines]:
    """The file's settings, and where each key is (``"rounds[2].date"`` -> line 14)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _problem(path, "file not found", "Check the path and try again.") from None
    except IsADirectoryError:
        raise _problem(path, "is a folder, not a file", "Give the path of the YAML file.") from None
    except UnicodeDecodeError as err:
        raise _problem(
            path,
            f"is not UTF-8 text (byte {err.start + 1} is 0x{err.object[err.start]:02X})",
            "Save the file as UTF-8 from your editor.",
        ) from None
    except OSError as err:
        raise _problem(path, f"could not be read ({err.strerror})", "Check the path.") from None
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = getattr(err, "problem", None) or str(err)
        raise _problem(
            path,
            f"is not valid YAML ({reason})",
            "Fix the indentation or punctuation on that line (a YAML checker helps).",
            None if mark is None else mark.line + 1,
        ) from None
    if not isinstance(data, dict):
        raise _problem(
            path,
            "does not hold a mapping of settings",
            "Start the file with 'key: value' lines, as in the shipped examples.",
        )
    return data, _Lines(text)


#: libyaml's loader where PyYAML was built with it (many times faster), else PyYAML's own.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Lines:
    """Where each key of a YAML text is, worked out only when a problem needs a line."""

    def __init__(self, text: str):
        self.text = text
        self._lines: dict[str, int] | None = None

    def get(self, key: str) -> int | None:
        if self._lines is None:
            self._lines = _key_lines(yaml.compose(self.text, Loader=_LOADER))
        return self._lines.get(key)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


def _key_lines(node, prefix: str = "", lines: dict | None = None) -> dict[str, int]:
    """The line (1-based) where each key or list item of a YAML document starts."""
    lines = {} if lines is None else lines
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            lines.setdefault(path, key.start_mark.line + 1)
            _key_lines(value, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = f"{prefix}[{i}]"
            lines.setdefault(path, item.start_mark.line + 1)
            _key_lines(item, path, lines)
    return lines


class _Checker:
    """Collects problems with one YAML file so all of them are reported at once."""

    def __init__(self, path: Path, lines: _Lines):
        self.path = str(path)
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, key: str) -> int | None:
        """The line of ``key``, or of the nearest enclosing key the file has."""
        while (line := self.lines.get(key)) is None:
            parent = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", key)
            if parent == key:
                return None
            key = parent
        return line

    def add(self, key: str, value, message: str, hint: str) -> None:
        shown = None if value is None or isinstance(value, dict | list) else str(value)
        self.problems.append(Problem(self.path, self.line(key), key, shown, message, hint))

    def require(self, mapping, key: str, kind: type | tuple, where: str = "") -> object:
        name = f"{where}{key}"
        if not isinstance(mapping, dict):
            return None  # the enclosing entry is reported by entries()
        if key not in mapping or mapping[key] is None:
            self.add(name, None, "is missing", f"Add '{key}:' to the file.")
            return None
        return self.kind(mapping[key], name, kind)

    def kind(self, value, name: str, kind: type | tuple) -> object:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
            expected = " or ".join(_KIND_WORDS.get(k, k.__name__) for k in kinds)
            self.add(name, value, f"should be {expected}", f"Give '{name}' {expected}.")
            return None
        return value

    def entries(self, items, name: str) -> list[tuple[int, dict]]:
        """The items of a list that are mappings, each other item reported."""
        found = []
        for i, item in enumerate(items or []):
            if isinstance(item, dict):
                found.append((i, item))
            else:
                self.add(
                    f"{name}[{i}]",
                    item,
                    "should be a mapping of settings",
                    "Write the entry as 'key: value' pairs, as the other entries are.",
                )
        return found

    def known(self, mapping: dict, keys, where: str = "") -> None:
        """Report settings the file does not know (a misspelt key would be silently ignored)."""
        for key in mapping:
            if str(key) in keys:
                continue
            close = difflib.get_close_matches(str(key), keys, n=1)
            hint = f"Did you mean '{close[0]}'? " if close else ""
            self.add(
                f"{where}{key}",
                None,
                "is not a setting evalkit knows",
                f"{hint}The settings are: {', '.join(keys)}.",
            )

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)


_KIND_WORDS = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "a mapping (key: value lines)",
    list: "a list (lines starting with '- ')",
}


def load_framework(name_or_path: str | Path) -> Framework:
    """Load and check a framework, by built-in name (``"system-behaviours"``) or YAML path.

    Every problem is reported at once, each with the file, the key and its line. A framework
    file read before, unchanged since (same size and modification time), is not read again.

    Examples
    --------
    >>> load_framework("system-behaviours").groups["participation"]
    'Participation'
    """
    path = _framework_path(name_or_path)
    try:
        stat = path.stat()
    except OSError:
        return _load_framework(path)  # reports the missing file
    return _cached_framework(path.resolve(), stat.st_size, stat.st_mtime_ns)


def _framework_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if not path.suffix:
        builtin = FRAMEWORKS_DIR / f"{name_or_path}.yml"
        if builtin.exists() or not path.exists():
            path = builtin
    return path


@functools.lru_cache(maxsize=32)
def _cached_framework(path: Path, size: int, modified: int) -> Framework:
    return _load_framework(path)


def _load_framework(path: Path) -> Framework:
    data, lines = _read_yaml(path)
    check = _Checker(path, lines)
    check.known(data, FRAMEWORK_KEYS)
    fid = check.require(data, "id", str)
    name = check.require(data, "name", str)
    version = data.get("version", "1")
    scale = check.require(data, "scale", dict) or {}
    check.known(scale, _SCALE_KEYS, "scale.")
    lo = check.require(scale, "min", int, "scale.") if scale else None
    hi = check.require(scale, "max", int, "scale.") if scale else None
    strong = check.require(scale, "strongly_present", (int, float), "scale.") if scale else None
    absent = check.require(scale, "largely_absent", (int, float), "scale.") if scale else None
    for label in ("low_label", "high_label"):
        if scale.get(label) is not None:
            check.kind(scale[label], f"scale.{label}", str)
    if lo is not None and lo not in (0, 1):
        check.add("scale.min", lo, "must be 0 or 1", "Use a 1 to 10 or 0 to 10 scale.")
    if lo is not None and hi is not None and hi <= lo:
        check.add("scale.max", hi, "must be above scale.min", "Set max above min, e.g. 10.")
    if None not in (lo, hi, strong, absent) and not lo <= absent < strong <= hi:
        check.add(
            "scale.strongly_present",
            strong,
            f"thresholds must satisfy min <= largely_absent ({absent}) < strongly_present <= max",
            "Set largely_absent below strongly_present, both inside the scale.",
        )
    groups: dict[str, str] = {}
    for i, g in check.entries(check.require(data, "groups", list), "groups"):
        gid = check.require(g, "id", str, f"groups[{i}].")
        label = check.require(g, "label", str, f"groups[{i}].")
        if gid and label:
            groups[gid] = label
    behaviours_raw = check.require(data, "behaviours", list) or []
    behaviours: list[Behaviour] = []
    seen: set[str] = set()
    for i, b in check.entries(behaviours_raw, "behaviours"):
        where = f"behaviours[{i}]."
        values = {k: check.require(b, k, str, where) for k in Behaviour.__dataclass_fields__}
        bid, group = values["id"], values["group"]
        if bid is not None and not bid.isidentifier() or bid and bid != bid.lower():
            check.add(f"{where}id", bid, "must be snake_case", "Use lower-case words joined by _.")
        if bid in seen:
            check.add(f"{where}id", bid, "is used twice", "Give every behaviour its own id.")
        seen.add(bid)
        if group is not None and group not in groups:
            check.add(
                f"{where}group",
                group,
                "is not one of the framework's groups",
                f"Use one of: {', '.join(groups) or '(define groups first)'}.",
            )
        if None not in values.values():
            behaviours.append(Behaviour(**values))
    if not behaviours_raw and "behaviours" in data:
        check.add("behaviours", None, "is empty", "List at least one behaviour.")
    check.raise_if_any()
    return Framework(
        id=fid,
        name=name,
        version=str(version),
        scale_min=lo,
        scale_max=hi,
        strongly_present=strong,
        largely_absent=absent,
        groups=groups,
        behaviours=tuple(behaviours),
        source=str(path),
        low_label=str(scale.get("low_label") or ""),
        high_label=str(scale.get("high_label") or ""),
    )


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _labels(check: _Checker, raw, name: str) -> dict[str, str]:
    """Sectors or roles: a mapping of id to label, or a list of ids (labels made from them)."""
    if isinstance(raw, list):
        ids = [check.kind(v, f"{name}[{i}]", str) for i, v in enumerate(raw)]
        return {v: v.replace("_", " ").capitalize() for v in ids if v}
    if not isinstance(raw, dict):
        check.add(
            name,
            raw,
            "should be a mapping of ids to labels, or a list of ids",
            f"Write e.g. '{name}: {{public: Public sector}}' or a list of ids.",
        )
        return {}
    labels = {}
    for key, label in raw.items():
        if check.kind(label, f"{name}.{key}", (str, int, float)) is not None:
            labels[str(key)] = str(label)
    return labels


def _invited(check: _Checker, raw, sectors: dict, roles: dict) -> dict:
    """``invited``: people invited, for everyone (``all``), by sector or role, for every round
    or under a round's number."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.add("invited", raw, "should be a mapping", "Write e.g. 'invited: {all: 250}'.")
        return {}
    groups = {"sector": sectors, "role": roles}

    def counts(value, name: str, by: str) -> bool:
        if by == "all":
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
            if not ok:
                check.add(name, value, "should be a number of people above 0", "Write e.g. 250.")
            return ok
        if not isinstance(value, dict):
            check.add(name, value, f"should be a mapping of {by}s to numbers", "See the README.")
            return False
        fine = True
        for group, n in value.items():
            if str(group) not in groups[by]:
                check.add(
                    f"{name}.{group}",
                    group,
                    f"is not one of the place's {by}s",
                    f"Use one of: {', '.join(groups[by])}.",
                )
                fine = False
            fine &= counts(n, f"{name}.{group}", "all")
        return fine

    for key, value in raw.items():
        if key in ("all", "sector", "role"):
            counts(value, f"invited.{key}", key)
        elif isinstance(key, int) and not isinstance(key, bool) and isinstance(value, dict):
            for by, inner in value.items():
                if by in ("all", "sector", "role"):
                    counts(inner, f"invited.{key}.{by}", by)
                else:
                    check.add(
                        f"invited.{key}.{by}", by, "is not all, sector or role", "See the README."
                    )
        else:
            check.add(
                f"invited.{key}",
                key,
                "is not all, sector, role or a round number with a mapping",
                "Write e.g. 'invited: {all: 250, sector: {public: 100}}'.",
            )
    return (
        raw if not any(p.column and p.column.startswith("invited") for p in check.problems) else {}
    )


def report_formats(check, value, name: str = "formats") -> tuple[str, ...]:
    """A list of report formats (html, pdf, docx), html always among them."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        check.add(name, value, "should be a list of formats", "Write e.g. 'formats: [html, pdf]'.")
        return ("html",)
    wanted = [str(f).strip().lower() for f in items]
    unknown = [f for f in wanted if f not in REPORT_FORMATS]
    for f in unknown:
        check.add(name, f, "is not a report format", f"Use any of: {', '.join(REPORT_FORMATS)}.")
    return tuple(f for f in REPORT_FORMATS if f == "html" or f in wanted)


def formats_from_text(text: str) -> tuple[str, ...]:
    """``--formats html,pdf,docx`` as a tuple of formats (html always included).

    >>> formats_from_text("pdf, docx")
    ('html', 'pdf', 'docx')
    """
    check = _Checker(Path("--formats"), _Lines(""))
    formats = report_formats(check, text, "--formats")
    check.raise_if_any()
    return formats


def load_place(place_dir: str | Path) -> Place:
    """Load and check ``place.yml`` in a place folder.

    The framework is named by a built-in id or a path relative to the place folder. Every
    problem is reported at once, each with the file, the key and its line.
    """
    place_dir = Path(place_dir)
    path = place_dir / PLACE_FILE
    data, lines = _read_yaml(path)
    check = _Checker(path, lines)
    check.known(data, PLACE_KEYS)
    name = check.require(data, "name", str)
    fw_name = check.require(data, "framework", str)
    framework = None
    if fw_name:
        fw_path = place_dir / fw_name
        try:
            framework = load_framework(fw_path if fw_path.suffix else fw_name)
        except ValidationError as err:
            check.problems.extend(err.problems)
    k_min = data.get("k_min", DEFAULT_K_MIN)
    if not isinstance(k_min, int) or isinstance(k_min, bool) or k_min < 1:
        check.add("k_min", k_min, "must be a whole number of at least 1", "Use e.g. 'k_min: 5'.")
    fractions = data.get("allow_fraction_ratings", False)
    if not isinstance(fractions, bool):
        check.add(
            "allow_fraction_ratings",
            fractions,
            "must be true or false",
            "Write 'allow_fraction_ratings: true' to read a rating written '7/10' as 7.",
        )
    redact = data.get("redact")
    redact = [] if redact is None else redact
    if not isinstance(redact, list) or not all(isinstance(n, str) and n.strip() for n in redact):
        check.add(
            "redact",
            redact,
            "must be a list of people's names",
            "Write e.g. 'redact: [Jo Bloggs, Bloggs]', one name (or form of a name) each.",
        )
    country = data.get("country", DEFAULT_COUNTRY)
    if country != DEFAULT_COUNTRY and not _known_country(country):
        check.add(
            "country",
            country,
            "is not a two-letter country code",
            "Use e.g. 'country: GB' (United Kingdom), 'IE' (Ireland) or 'US'.",
        )

    rounds: list[Round] = []
    for i, r in check.entries(check.require(data, "rounds", list), "rounds"):
        where = f"rounds[{i}]."
        number = check.require(r, "number", int, where)
        if number is None:
            continue
        if number < 1:
            check.add(f"{where}number", number, "must be 1 or more", "Number rounds 1, 2, 3, ...")
        label = r.get("label", f"Round {number}")
        if check.kind(label, f"{where}label", (str, int, float)) is None:
            label = f"Round {number}"
        try:
            date = _as_date(r.get("date"))
        except (TypeError, ValueError):
            check.add(f"{where}date", r.get("date"), "is not a date", "Write it as YYYY-MM-DD.")
            date = None
        rounds.append(Round(number, str(label), date))
    numbers = [r.number for r in rounds]
    if len(set(numbers)) != len(numbers):
        check.add("rounds", numbers, "has a round number twice", "Number each round once.")

    sectors = _labels(check, data.get("sectors", DEFAULT_SECTORS), "sectors")
    roles_raw = check.require(data, "roles", (dict, list))
    roles = _labels(check, roles_raw, "roles") if roles_raw is not None else {}

    organisations: list[Organisation] = []
    seen_keys: dict[str, str] = {}
    for i, o in check.entries(check.require(data, "organisations", list), "organisations"):
        where = f"organisations[{i}]."
        oid = check.require(o, "id", str, where)
        oname = check.require(o, "name", str, where)
        sector = check.require(o, "sector", str, where)
        if sector is not None and sector not in sectors:
            check.add(
                f"{where}sector",
                sector,
                "is not one of the place's sectors",
                f"Use one of: {', '.join(sectors)}.",
            )
        aliases_raw = o.get("aliases") or []
        if not isinstance(aliases_raw, list):
            check.add(
                f"{where}aliases",
                aliases_raw,
                "should be a list",
                "Write aliases as a list, e.g. 'aliases: [CVS, Voluntary Action]'.",
            )
            aliases_raw = []
        aliases = tuple(
            str(a)
            for j, a in enumerate(aliases_raw)
            if check.kind(a, f"{where}aliases[{j}]", (str, int)) is not None
        )
        if None in (oid, oname, sector):
            continue
        for key in (oid, oname, *aliases):
            norm = _normalise(key)
            if norm in seen_keys and seen_keys[norm] != oid:
                check.add(
                    f"{where}aliases",
                    key,
                    f"is already used by organisation '{seen_keys[norm]}'",
                    "Each id, name and alias must point to one organisation only.",
                )
            seen_keys[norm] = oid
        organisations.append(Organisation(oid, oname, sector, aliases))
    invited = _invited(check, data.get("invited"), sectors, roles)
    formats, paper, notebooks = _report_settings(check, data, place_dir, "place")
    check.raise_if_any()
    return Place(
        dir=place_dir,
        id=place_dir.name,
        name=name,
        framework=framework,
        rounds=tuple(sorted(rounds, key=lambda r: r.number)),
        organisations=tuple(organisations),
        sectors=sectors,
        roles=roles,
        k_min=k_min,
        invited=invited,
        allow_fraction_ratings=fractions is True,
        redact=tuple(n.strip() for n in redact) if isinstance(redact, list) else (),
        country=country.upper() if isinstance(country, str) else DEFAULT_COUNTRY,
        formats=formats,
        paper=paper,
        notebooks=notebooks,
    )


def _report_settings(check, data: dict, folder: Path, what: str) -> tuple:
    """``formats``, ``paper`` and ``notebooks`` of a place.yml or programme.yml (None if unset)."""
    formats = None
    if "formats" in data:
        formats = report_formats(check, data["formats"])
    paper = data.get("paper")
    if paper is not None and paper not in ("a4", "letter"):
        check.add("paper", paper, "should be a4 or letter", "Write 'paper: a4' or 'paper: letter'.")
        paper = None
    notebooks = data.get("notebooks")
    if notebooks is not None:
        if not isinstance(notebooks, str) or not (folder / notebooks).is_dir():
            check.add(
                "notebooks",
                notebooks,
                "is not a folder",
                f"Give the folder of the {what}'s own notebooks, relative to the {what} folder "
                "('evalkit notebooks copy DIR' makes one to start from).",
            )
            notebooks = None
        else:
            notebooks = (folder / notebooks).resolve()
    return formats, paper, notebooks


@dataclass(frozen=True)
class Programme:
    """A programme folder's settings from its optional ``programme.yml``: a name for the
    programme view, and the formats, paper and notebooks of every report in it that its place
    does not set itself."""

    dir: Path
    name: str = ""
    formats: tuple[str, ...] | None = None
    paper: str | None = None
    notebooks: Path | None = None


def load_programme(directory: str | Path) -> Programme:
    """Load and check a programme folder's ``programme.yml``; no file means no settings.

    >>> load_programme(".").formats is None
    True
    """
    directory = Path(directory)
    path = directory / PROGRAMME_FILE
    if not path.is_file():
        return Programme(directory)
    data, lines = _read_yaml(path)
    check = _Checker(path, lines)
    check.known(data, PROGRAMME_KEYS)
    name = data.get("name", "")
    check.kind(name, "name", str)
    formats, paper, notebooks = _report_settings(check, data, directory, "programme")
    check.raise_if_any()
    return Programme(directory, str(name or ""), formats, paper, notebooks)
