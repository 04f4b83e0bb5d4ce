"""Findings: the plain-language points of a ``summary.json``, and what changed between two cycles.

A finding is a dict ``{"key", "kind", "text", "value"}``. The key names what the finding is about
(``"change:trusting_relationships:all:all"``), never its numbers, so the same finding in two rounds
has the same key and :func:`diff_findings` can match them.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.config import DEFAULT_SECTORS, Place, load_framework
from evalkit.exceptions import EvalkitError

__all__ = [
    "NOTABLE_SHARE",
    "findings",
    "diff_findings",
    "diff_rounds",
    "format_diff",
]

#: A behaviour is a finding when at least this share of people rate it strongly present (at or
#: above the framework's ``strongly_present`` point), or largely absent (at or below
#: ``largely_absent``).
NOTABLE_SHARE = 0.25
_DEFAULT_FRAMEWORK = "system-behaviours"


def findings(summary: dict, *, place: Place | None = None) -> list[dict]:
    """The findings a workshop would care about in one round's or the trajectory's summary.

    Parameters
    ----------
    summary : dict
        A round report's ``summary.json`` (it has ``indicators``) or the trajectory's (it has
        ``assessments``).
    place : Place, optional
        Gives the behaviours' labels and the sectors' and roles' names; without it, those the
        summary records (``behaviour_labels``, ``group_labels``, ``scale``) are used, else the
        built-in System Behaviours framework's and evalkit's default sector names.

    Returns
    -------
    list of dict
        ``key, kind, text, value``. From a round: ``strongly_present`` and ``largely_absent``
        (everyone; value the share of people), ``change`` (only changes the report calls clear;
        value the panel's mean change in points, or None when the panel is too small to show),
        ``gap`` (significant gaps among the report's widest; value the gap in points) and
        ``split`` (value None). From a trajectory: ``shape`` (value the turning round, or None).
        Suppressed records give nothing.

    Examples
    --------
    >>> summary = {"indicators": [{"behaviour": "power_shared", "group_by": "all",
    ...     "group": "all", "share_strong": 0.05, "share_absent": 0.4, "suppressed": False}]}
    >>> findings(summary)
    [{'key': 'largely_absent:power_shared:all:all', 'kind': 'largely_absent', \
'text': 'Power shared: 40% of people see it as largely absent (3 or lower out of 10).', \
'value': 0.4}]
    """
    words = _Words(place, summary)
    if "assessments" in summary:
        return [_shape(record, words) for record in _shown(summary["assessments"])]
    if "indicators" not in summary:
        raise EvalkitError("This is not a summary.json written by 'evalkit run'.")
    found = []
    for record in _shown(summary["indicators"]):
        if record["group_by"] == "all":
            found += _presence(record, words)
    found += [_change(r, words) for r in _shown(summary.get("change", [])) if r.get("clear")]
    found += [_gap(r, words) for r in _shown(summary.get("voice_gaps", [])) if r["p_value"] < 0.05]
    found += [_split(r, words) for r in _shown(summary.get("agreement", [])) if r.get("split")]
    return found


class _Words:
    """Labels, names and cut-offs for the sentences: from the place, else from the summary itself
    (which records them), else evalkit's defaults."""

    def __init__(self, place: Place | None, summary: dict | None = None):
        summary = summary or {}
        framework = place.framework if place else load_framework(_DEFAULT_FRAMEWORK)
        scale = {
            "max": framework.scale_max,
            "strongly_present": framework.strongly_present,
            "largely_absent": framework.largely_absent,
        }
        self.labels = framework.labels
        self.groups = {"sector": place.sectors, "role": place.roles} if place else {}
        if place is None and "behaviour_labels" in summary:
            self.labels = summary["behaviour_labels"]
            scale.update(summary.get("scale", {}))
            self.groups = dict(summary.get("group_labels", {}))
        self.scale = scale
        self.groups.setdefault("sector", DEFAULT_SECTORS)

    def label(self, behaviour: str) -> str:
        return self.labels.get(behaviour) or _humanise(behaviour)

    def who(self, group_by: str, group: str) -> str:
        return self.groups.get(group_by, {}).get(group) or _humanise(group)

    def respondents(self, group_by: str, group: str) -> str:
        return f"{_lower_first(self.who(group_by, group))} respondents"

    def among(self, record: dict) -> str:
        """'' for everyone, else ' (public sector)'."""
        group_by, group = record["group_by"], record["group"]
        return "" if group_by == "all" else f" ({_lower_first(self.who(group_by, group))})"

    def cut_off(self, behaviour: str, point: float, side: str) -> str:
        if behaviour not in self.labels:  # another framework: its cut-offs are unknown
            return ""
        return f" ({point:g} or {side} out of {self.scale['max']:g})"


def _humanise(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _lower_first(text: str) -> str:
    """'Tipping point (S-curve)' -> 'tipping point (S-curve)'."""
    return text[:1].lower() + text[1:]


def _shown(records: list[dict]) -> list[dict]:
    return [r for r in records if not r.get("suppressed")]


def _key(kind: str, record: dict, group: str | None = None) -> str:
    return f"{kind}:{record['behaviour']}:{record['group_by']}:{group or record['group']}"


def _finding(kind: str, key: str, text: str, value) -> dict:
    return {"key": key, "kind": kind, "text": text, "value": value}


def _presence(record: dict, words: _Words) -> list[dict]:
    behaviour, scale = record["behaviour"], words.scale
    found = []
    for kind, share, point, side in (
        ("strongly_present", record["share_strong"], scale["strongly_present"], "higher"),
        ("largely_absent", record["share_absent"], scale["largely_absent"], "lower"),
    ):
        if share is not None and share >= NOTABLE_SHARE:
            text = (
                f"{words.label(behaviour)}: {share:.0%} of people see it as "
                f"{kind.replace('_', ' ')}{words.cut_off(behaviour, point, side)}."
            )
            found.append(_finding(kind, _key(kind, record), text, round(share, 2)))
    return found


def _change(record: dict, words: _Words) -> dict:
    group_by = record["group_by"]
    who = "" if group_by == "all" else f" among {words.respondents(group_by, record['group'])}"
    direction = "rose" if record["cliffs_delta"] > 0 else "fell"
    text = f"{words.label(record['behaviour'])} {direction} clearly{who} since the last round"
    panel = record.get("panel", {})
    change = None if panel.get("suppressed", True) else round(panel["mean_change"], 1)
    if change is not None:
        more = "higher" if change > 0 else "lower"
        text += f": people who answered both times rate it about {abs(change):.1f} points {more}"
    return _finding("change", _key("change", record), text + ".", change)


def _gap(record: dict, words: _Words) -> dict:
    a, b, gap = record["group_a"], record["group_b"], record["gap"]
    high, low = (a, b) if gap > 0 else (b, a)
    group_by = record["group_by"]
    text = (
        f"{words.label(record['behaviour'])}: {words.respondents(group_by, high)} rate it "
        f"about {abs(gap):.1f} points higher than {words.respondents(group_by, low)}."
    )
    return _finding("gap", _key("gap", record, f"{a}|{b}"), text, round(abs(gap), 1))


def _split(record: dict, words: _Words) -> dict:
    group_by = record["group_by"]
    who = "people" if group_by == "all" else words.respondents(group_by, record["group"])
    text = (
        f"{words.label(record['behaviour'])}: {who} are split, with answers bunched at both "
        "ends of the scale."
    )
    return _finding("split", _key("split", record), text, None)


def _shape(record: dict, words: _Words) -> dict:
    from evalkit.words.shapes import shape_label

    shape = _lower_first(shape_label(record["shape"]))
    turning = None
    if record["nonlinear"] and record["breakpoints"]:
        turning = int(round(record["breakpoints"][0]["time"]))
    text = f"{words.label(record['behaviour'])}{words.among(record)}: {shape}"
    text += f", turning around round {turning}." if turning is not None else "."
    return _finding("shape", _key("shape", record), text, turning)


def diff_findings(old: list[dict], new: list[dict]) -> dict:
    """Findings that appeared, disappeared or changed (same key, other text or value).

    Examples
    --------
    >>> old = [{"key": "a", "kind": "gap", "text": "A is 1.2", "value": 1.2},
    ...        {"key": "b", "kind": "split", "text": "B", "value": None}]
    >>> new = [{"key": "a", "kind": "gap", "text": "A is 1.5", "value": 1.5}]
    >>> diff = diff_findings(old, new)
    >>> diff["appeared"], [f["key"] for f in diff["disappeared"]], diff["changed"]
    ([], ['b'], [{'key': 'a', 'kind': 'gap', 'old_text': 'A is 1.2', 'new_text': 'A is 1.5', \
'old_value': 1.2, 'new_value': 1.5}])
    """
    before = {f["key"]: f for f in old}
    after = {f["key"]: f for f in new}
    changed = []
    for finding in new:
        was = before.get(finding["key"])
        if was and (was["text"], was["value"]) != (finding["text"], finding["value"]):
            changed.append(
                {
                    "key": finding["key"],
                    "kind": finding["kind"],
                    "old_text": was["text"],
                    "new_text": finding["text"],
                    "old_value": was["value"],
                    "new_value": finding["value"],
                }
            )
    return {
        "appeared": [f for f in new if f["key"] not in before],
        "disappeared": [f for f in old if f["key"] not in after],
        "changed": changed,
    }


def diff_rounds(
    place_outputs_dir: str | Path, from_round: int, to_round: int, *, place: Place | None = None
) -> dict:
    """Compare the findings of two rounds' ``summary.json`` in a place's outputs folder.

    Returns :func:`diff_findings` plus ``place``, ``from_round`` and ``to_round``. Raises
    :class:`EvalkitError` naming a missing summary and the command that makes it. A gap that
    drops out of the report's ten widest counts as disappeared.

    Examples
    --------
    >>> diff_rounds("no-such-folder", 1, 2)
    Traceback (most recent call last):
    ...
    evalkit.exceptions.EvalkitError: no-such-folder/round-01/summary.json does not exist, so \
round 1 has no report to compare yet. Make it with 'evalkit run PLACE --round 1'.
    """
    folder = Path(place_outputs_dir)
    old, new = (_read_summary(folder, n, place) for n in (from_round, to_round))
    return {
        "place": new.get("place_name", new.get("place")),
        "from_round": from_round,
        "to_round": to_round,
        **diff_findings(findings(old, place=place), findings(new, place=place)),
    }


def _read_summary(folder: Path, number: int, place: Place | None) -> dict:
    path = folder / f"round-{number:02d}" / "summary.json"
    if place and number not in place.round_numbers:
        listed = place.dir / "place.yml"
        raise EvalkitError(f"Round {number} is not in {listed} (rounds: {place.round_numbers}).")
    if not path.is_file():
        command = f"evalkit run {place.dir if place else 'PLACE'} --round {number}"
        if place and folder.parent.resolve() != Path("outputs").resolve():
            command += f" --out {folder.parent}"
        raise EvalkitError(
            f"{path} does not exist, so round {number} has no report to compare yet. "
            f"Make it with '{command}'."
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise EvalkitError(f"{path} is not valid JSON ({err}); rerun the report.") from err


def format_diff(diff: dict) -> str:
    """A diff as text to read: what is new, what is no longer the case, what changed.

    Examples
    --------
    >>> print(format_diff({"from_round": 3, "to_round": 4, "appeared": [], "disappeared": [],
    ...                    "changed": []}))
    Nothing changed in the findings between round 3 and round 4.
    >>> print(format_diff({"from_round": 3, "to_round": 4, "disappeared": [], "changed": [],
    ...     "appeared": [{"key": "k", "kind": "split", "text": "Trust: people are split.",
    ...                   "value": None}]}))
    Round 3 to round 4
    <BLANKLINE>
    New since round 3 (1)
      - Trust: people are split.
    """
    since = f"round {diff['from_round']}" if "from_round" in diff else "the earlier summary"
    until = f"round {diff['to_round']}" if "to_round" in diff else "the later one"
    if not (diff["appeared"] or diff["disappeared"] or diff["changed"]):
        return f"Nothing changed in the findings between {since} and {until}."
    title = f"{since} to {until}"
    lines = [f"{diff['place']}: {title}" if diff.get("place") else title[0].upper() + title[1:]]
    sections = [
        (f"New since {since}", [f["text"] for f in diff["appeared"]]),
        ("No longer the case", [f["text"] for f in diff["disappeared"]]),
        ("Changed", [f"{c['old_text']}\n    now: {c['new_text']}" for c in diff["changed"]]),
    ]
    for heading, items in sections:
        if items:
            lines += ["", f"{heading} ({len(items)})", *(f"  - {item}" for item in items)]
    return "\n".join(lines)
