"""``outputs/index.html``: the page partners open first.

Per place: what changed since the last cycle, each behaviour's average over the rounds as a small
line with the shape the trajectory found, and links to every report. Built from the
``summary.json`` files alone, so it is rewritten in a blink after every run.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from evalkit import __version__
from evalkit.reports.findings import diff_findings, findings

__all__ = ["sparkline", "write_index"]

_MAX_CHANGES = 8
_KIND_ORDER = ("shape", "change", "strongly_present", "largely_absent", "split", "gap")
_SHAPE_WORDS = {
    "flat": "flat",
    "linear": "a steady line",
    "step": "a step change",
    "segmented": "a change of pace",
    "u_shape": "down then up (or up then down)",
    "s_curve": "a tipping point (S-curve)",
    "shock_recovery": "a shock, then recovery",
    "two_breaks": "two turns",
}


def sparkline(values: list[float | None], *, low: float, high: float, label: str) -> str:
    """A small inline SVG line of ``values`` (None leaves a gap), scaled to ``low``-``high``.

    Examples
    --------
    >>> svg = sparkline([4.0, 5.0, None, 6.5], low=1, high=10, label="Trust: 4.0 to 6.5")
    >>> svg.startswith('<svg role="img" aria-label="Trust: 4.0 to 6.5"'), svg.count("<polyline")
    (True, 2)
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
    lines = "".join(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#0072B2" stroke-width="2"/>'
        for points in runs
    )
    return (
        f'<svg role="img" aria-label="{html.escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{html.escape(label)}</title>{lines}</svg>'
    )


def write_index(outputs_dir: str | Path) -> Path:
    """Write ``outputs/index.html`` for the places (and programme view) under ``outputs_dir``."""
    from evalkit._io import write_text_atomic

    outputs_dir = Path(outputs_dir)
    sections = []
    programme = outputs_dir / "programme" / "programme.html"
    if programme.exists():
        sections.append(
            '<section><h2>All places</h2><p><a href="programme/programme.html">The programme '
            "view</a>: each behaviour's trajectory in every place, side by side, with the shapes "
            "and turning rounds found.</p></section>"
        )
    for place_dir in sorted(p for p in outputs_dir.iterdir() if p.is_dir()):
        section = _place_section(outputs_dir, place_dir)
        if section:
            sections.append(section)
    body = "".join(sections) or "<p>No reports yet: run <code>evalkit run</code>.</p>"
    page = _PAGE.format(body=body, version=html.escape(__version__))
    return write_text_atomic(outputs_dir / "index.html", page)


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _place_section(outputs_dir: Path, place_dir: Path) -> str:
    rounds = [
        (path.parent, summary)
        for path in sorted(place_dir.glob("round-[0-9][0-9]/summary.json"))
        if (summary := _read(path)) is not None
    ]
    if not rounds:
        return ""
    latest_dir, latest = rounds[-1]
    name = html.escape(latest["place_name"])
    parts = [f"<section><h2>{name}</h2>"]
    trajectory = _read(place_dir / "trajectory" / "summary.json")
    against, changes = _changes(rounds, trajectory, place_dir)
    if against:
        items = "".join(f"<li>{html.escape(text)}</li>" for text in changes[:_MAX_CHANGES])
        more = len(changes) - _MAX_CHANGES
        items += f"<li>… and {more} more: see the reports.</li>" if more > 0 else ""
        items = items or "<li>No finding appeared, changed or went away.</li>"
        parts.append(
            f"<h3>What changed since the last cycle</h3><p>{html.escape(against)}:</p>"
            f"<ul>{items}</ul>"
        )
    parts.append(_behaviour_table(outputs_dir, place_dir, rounds, trajectory))
    links = "".join(
        f'<tr><td><a href="{_href(folder / "round_report.html", outputs_dir)}">'
        f"{html.escape(summary['round_label'])}</a></td><td>{summary['respondents']}</td></tr>"
        for folder, summary in rounds
    )
    parts.append(
        "<h3>Round reports</h3><table><thead><tr><th>Round report</th><th>People who answered"
        f"</th></tr></thead><tbody>{links}</tbody></table></section>"
    )
    return "".join(parts)


def _href(path: Path, outputs_dir: Path) -> str:
    return html.escape(path.relative_to(outputs_dir).as_posix())


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


def _behaviour_table(outputs_dir: Path, place_dir: Path, rounds, trajectory: dict | None) -> str:
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
    if trajectory is not None:
        for a in trajectory.get("assessments", []):
            if a.get("group_by") == "all":
                turning = a["breakpoints"][0]["time"] if a.get("breakpoints") else None
                words = _SHAPE_WORDS.get(a["shape"], a["shape"].replace("_", " "))
                if turning is not None and a.get("nonlinear"):
                    words += f", turning around round {turning:.0f}"
                shapes[a["behaviour"]] = words
    rows = []
    for behaviour, by_round in means.items():
        label = labels.get(behaviour, behaviour.replace("_", " ").capitalize())
        values = [by_round.get(n) for n in numbers]
        shown = [(n, v) for n, v in zip(numbers, values, strict=True) if v is not None]
        (first, start), (last, end) = shown[0], shown[-1]
        text = f"{label}: average {start:.1f} in round {first}, {end:.1f} in round {last}"
        line = sparkline(values, low=low, high=high, label=text)
        rows.append(
            f"<tr><td>{html.escape(label)}</td><td>{line}</td><td>{end:.1f}</td>"
            f"<td>{html.escape(shapes.get(behaviour, ''))}</td></tr>"
        )
    link = ""
    page = place_dir / "trajectory" / "trajectory.html"
    if page.exists():
        link = (
            f'<p><a href="{_href(page, outputs_dir)}">Trajectory: how '
            "each behaviour has changed so far</a>, with when it turned and how sure we are.</p>"
        )
    return (
        f"<h3>Each behaviour over the rounds</h3>{link}<table><thead><tr><th>Behaviour</th>"
        f"<th>Average rating, round {numbers[0]} to {numbers[-1]} (every line on one scale, "
        f"{low:.1f} to {high:.1f})</th><th>Latest</th>"
        f"<th>Shape of change</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evalkit reports</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
th, td {{ text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #DDD;
          vertical-align: middle; }}
section {{ margin-bottom: 2.5rem; }}
h3 {{ margin-bottom: 0.3rem; }}
a {{ color: #0060A0; }}
svg {{ display: block; }}
footer {{ color: #666; font-size: 0.85rem; margin-top: 2rem; }}
</style>
</head>
<body>
<h1>Reports</h1>
<p>One report per round of the survey, and a trajectory over all rounds so far. Open a round to see
how present each behaviour is, for whom, and what moved since the round before.</p>
{body}
<footer>Made by evalkit {version}. Averages are on the framework's scale; groups smaller than the
place's threshold are never shown.</footer>
</body>
</html>
"""
