"""``outputs/index.html``: the page partners open first.

Per place: what changed since the last cycle, each behaviour's average over the rounds as a small
line with the shape the trajectory found, links to every report, and the reports still to come.
Built from the ``summary.json`` files alone, so it is rewritten in a blink after every run, from
the Jinja2 template ``templates/pages/index.html.j2`` (autoescaped: no text is written as HTML).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evalkit import __version__
from evalkit.reports.findings import diff_findings, findings
from evalkit.reports.html.pages import page_template
from evalkit.words.shapes import shape_phrase

__all__ = ["sparkline", "write_index"]

_MAX_CHANGES = 8
_BUILT_IN = re.compile(r"round-\d+|trajectory")  # the built-in reports, in a place's outputs
_KIND_ORDER = ("shape", "change", "strongly_present", "largely_absent", "split", "gap")


def sparkline(values: list[float | None], *, low: float, high: float, label: str) -> dict:
    """The points of a small line of ``values`` (None leaves a gap), scaled to ``low``-``high``,
    for the template's ``sparkline`` macro: ``label``, ``width``, ``height`` and ``runs``.

    Examples
    --------
    >>> line = sparkline([4.0, 5.0, None, 6.5], low=1, high=10, label="Trust: 4.0 to 6.5")
    >>> line["runs"]
    [['3.0,17.7', '41.0,15.2'], ['117.0,11.6']]
    """
    width, height, pad = 120, 28, 3
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    runs, run = [], []
    for i, value in enumerate(values):
        if value is None:
            runs, run = runs + [run] if run else runs, []
            continue
        y = pad + (height - 2 * pad) * (high - value) / (high - low)
        run.append(f"{pad + i * step:.1f},{y:.1f}")
    runs += [run] if run else []
    return {"label": label, "width": width, "height": height, "runs": runs}


def write_index(outputs_dir: str | Path, *, waiting=(), title: str = "") -> Path:
    """Write ``outputs/index.html`` for the places (and programme view) under ``outputs_dir``.

    ``waiting`` lists the reports not run yet (:class:`~evalkit.run.plan.Waiting`), which the page
    says will come; ``title`` is the page's (default: "Reports: " and the places' names). Reports
    made by notebooks of a place's own are listed with their places, by their titles.
    """
    from evalkit._io import write_text_atomic

    outputs_dir = Path(outputs_dir)
    notes: dict[str, list[str]] = {}
    for item in waiting:
        notes.setdefault(item.place, []).append(item.reason)
    programme = outputs_dir / "programme" / "programme.html"
    places = [
        section
        for place_dir in sorted(p for p in outputs_dir.iterdir() if p.is_dir())
        if (section := _place(outputs_dir, place_dir, notes.get(place_dir.name, [])))
    ]
    names = [place["name"] for place in places]
    page = page_template("index.html.j2").render(
        title=title or "Reports" + (f": {_joined(names)}" if names else ""),
        programme=programme.relative_to(outputs_dir).as_posix() if programme.exists() else "",
        programme_own=_own_reports(outputs_dir, outputs_dir.glob("programme-*/build.json")),
        programme_waiting=notes.get("", []),
        places=places,
        version=__version__,
    )
    return write_text_atomic(outputs_dir / "index.html", page)


def _joined(names: list[str]) -> str:
    """Names as a sentence lists them.

    >>> _joined(["Ashby"]), _joined(["Ashby", "Bury", "Crewe"])
    ('Ashby', 'Ashby, Bury and Crewe')
    """
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _own_reports(outputs_dir: Path, builds) -> list[dict]:
    """The reports of notebooks of one's own whose ``build.json`` files are ``builds``: a link
    and the page's title for each one built, by title."""
    from evalkit.reports.html.export import page_title

    found = []
    for build_file in builds:
        build = _read(build_file)
        if build is None or build.get("status") != "ok":
            continue
        page = build_file.parent / Path(build.get("notebook", "")).with_suffix(".html").name
        if not page.is_file():
            continue
        with page.open(encoding="utf-8", errors="replace") as head:
            title = page_title(head.read(65_536)) or page.stem.replace("_", " ")
        found.append({"href": page.relative_to(outputs_dir).as_posix(), "title": title})
    return sorted(found, key=lambda r: r["href"])


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _place(outputs_dir: Path, place_dir: Path, waiting: list[str]) -> dict | None:
    rounds = [
        (path.parent, summary)
        for path in sorted(place_dir.glob("round-[0-9][0-9]/summary.json"))
        if (summary := _read(path)) is not None
    ]
    if not rounds:
        return None
    latest = rounds[-1][1]
    trajectory = _read(place_dir / "trajectory" / "summary.json")
    against, changes = _changes(rounds, trajectory, place_dir)
    page = place_dir / "trajectory" / "trajectory.html"
    own = [
        build
        for build in [*place_dir.glob("*/build.json"), *place_dir.glob("*/round-*/build.json")]
        if not _BUILT_IN.fullmatch(build.parent.relative_to(place_dir).parts[0])
    ]
    return {
        "own": _own_reports(outputs_dir, own),
        "name": latest["place_name"],
        "against": against,
        "changes": changes[:_MAX_CHANGES],
        "more": len(changes) - _MAX_CHANGES,
        "trajectory": page.relative_to(outputs_dir).as_posix() if page.exists() else "",
        "waiting": waiting,
        **_behaviours(rounds, trajectory),
        "rounds": [
            {
                "href": (folder / "round_report.html").relative_to(outputs_dir).as_posix(),
                "label": summary["round_label"],
                "respondents": summary["respondents"],
            }
            for folder, summary in rounds
        ],
    }


def _changes(rounds, trajectory: dict | None, place_dir: Path) -> tuple[str, list[str]]:
    """What the latest findings are compared with, and sentences for what changed."""
    latest_dir, latest = rounds[-1]
    before = _read(latest_dir / "previous_summary.json")  # the same round, re-run on new data
    against = f"{latest['round_label']}, rerun on changed data, against its earlier run"
    if before is None and len(rounds) > 1:
        before = rounds[-2][1]  # a new round: against the round before it
        against = f"{latest['round_label']} against {before['round_label']}"
    texts = []
    earlier = _read(place_dir / "trajectory" / "previous_summary.json")
    if trajectory is not None and earlier is not None:
        diff = diff_findings(findings(earlier), findings(trajectory))
        texts += [f"Newly found: {f['text']}" for f in diff["appeared"]]
        texts += [f"Shape now: {c['new_text']}" for c in diff["changed"]]
    if before is None:
        return "", texts
    diff = diff_findings(findings(before), findings(latest))
    rank = {kind: i for i, kind in enumerate(_KIND_ORDER)}
    for name, prefix, text in (("appeared", "New", "text"), ("changed", "Now", "new_text")):
        for f in sorted(diff[name], key=lambda f: rank.get(f["kind"], len(rank))):
            was = f" (was: {f['old_text']})" if name == "changed" else ""
            texts.append(f"{prefix}: {f[text]}{was}")
    texts += [f"No longer: {f['text']}" for f in diff["disappeared"]]
    return against, texts


def _behaviours(rounds, trajectory: dict | None) -> dict:
    """Each behaviour's line over the rounds, its latest average and the shape found."""
    latest = rounds[-1][1]
    labels = latest.get("behaviour_labels", {})
    scale = latest.get("scale", {"min": 1, "max": 10})
    means: dict[str, dict[int, float]] = {}
    for _, summary in rounds:
        for record in summary["indicators"]:
            if record["group_by"] == "all" and not record.get("suppressed"):
                means.setdefault(record["behaviour"], {})[summary["round"]] = record["mean"]
    numbers = [summary["round"] for _, summary in rounds]
    every = [v for by_round in means.values() for v in by_round.values()]
    low = max(scale["min"], min(every, default=scale["min"]) - 0.25)
    high = min(scale["max"], max(every, default=scale["max"]) + 0.25)
    shapes = {}
    for a in (trajectory or {}).get("assessments", []):
        if a.get("group_by") == "all":
            words = shape_phrase(a["shape"])
            if a.get("nonlinear") and a.get("breakpoints"):
                words += f", turning around round {a['breakpoints'][0]['time']:.0f}"
            shapes[a["behaviour"]] = words
    rows = []
    for behaviour, by_round in means.items():
        label = labels.get(behaviour, behaviour.replace("_", " ").capitalize())
        values = [by_round.get(n) for n in numbers]
        shown = [(n, v) for n, v in zip(numbers, values, strict=True) if v is not None]
        (first, start), (last, end) = shown[0], shown[-1]
        text = f"{label}: average {start:.1f} in round {first}, {end:.1f} in round {last}"
        rows.append(
            {
                "label": label,
                "line": sparkline(values, low=low, high=high, label=text),
                "latest": end,
                "shape": shapes.get(behaviour, ""),
            }
        )
    return {"first": numbers[0], "last": numbers[-1], "low": low, "high": high, "behaviours": rows}
