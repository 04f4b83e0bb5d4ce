"""What a run leaves for people to read: ``summary.json``, self-contained HTML, the index page."""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from . import __version__

__all__ = [
    "indicator_records",
    "round_summary",
    "write_json",
    "export_html",
    "write_index",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"


def indicator_records(levels: pd.DataFrame) -> list[dict]:
    """Turn :func:`evalkit.indicators.level` rows into summary records.

    A suppressed record names its behaviour and group and nothing else: not even its size.

    Examples
    --------
    >>> rows = pd.DataFrame({"behaviour": ["a", "a"], "group_by": "sector", "group": ["x", "y"],
    ...     "n": [12, 3], "mean": [6.5, float("nan")], "ci_low": [5.9, float("nan")],
    ...     "ci_high": [7.1, float("nan")], "suppressed": [False, True]})
    >>> indicator_records(rows)[1]
    {'behaviour': 'a', 'group_by': 'sector', 'group': 'y', 'suppressed': True}
    """
    records = []
    for row in levels.itertuples(index=False):
        record = {"behaviour": row.behaviour, "group_by": row.group_by, "group": row.group}
        if row.suppressed:
            record["suppressed"] = True
        else:
            record.update(
                n=int(row.n),
                mean=_round(row.mean),
                ci_low=_round(row.ci_low),
                ci_high=_round(row.ci_high),
                suppressed=False,
            )
        records.append(record)
    return records


def _round(value: float, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def round_summary(
    place, round_number: int, levels: pd.DataFrame, *, data_sha256: str, respondents: int
) -> dict:
    """The machine-readable findings of one round report."""
    this_round = levels[levels["round"] == round_number]
    return {
        "place": place.id,
        "place_name": place.name,
        "round": round_number,
        "round_label": place.round(round_number).label,
        "evalkit_version": __version__,
        "data_sha256": data_sha256,
        "k_min": place.k_min,
        "respondents": respondents,
        "indicators": indicator_records(this_round),
    }


def write_json(path: str | Path, payload) -> Path:
    """Write JSON under a temporary name, then rename, so a reader never sees half a file."""
    return _write_atomic(Path(path), json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def _write_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_html(
    notebook_path: str | Path,
    html_path: str | Path,
    *,
    provenance: str = "",
    show_code: bool = False,
) -> Path:
    """Export an executed notebook to one self-contained HTML file (nothing fetched when opened).

    Code cells are hidden unless ``show_code``; charts keep their alt text; ``provenance`` is
    stamped in the footer.
    """
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(notebook_path, as_version=4)
    exporter = HTMLExporter(
        template_name="evalkit_report", extra_template_basedirs=[str(TEMPLATES_DIR)]
    )
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    title = notebook.metadata.get("title") or Path(notebook_path).stem.replace("_", " ")
    body, _ = exporter.from_notebook_node(
        notebook, resources={"metadata": {"name": title}, "evalkit_provenance": provenance}
    )
    return _write_atomic(Path(html_path), body)


def provenance_stamp(summary: dict) -> str:
    """One line saying what a report was built from."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{summary['place_name']} · {summary['round_label']} · data {summary['data_sha256'][:12]}"
        f" · evalkit {summary['evalkit_version']} · run {now}"
    )


def write_index(outputs_dir: str | Path) -> Path:
    """Write ``outputs/index.html`` linking every report found under ``outputs_dir``."""
    outputs_dir = Path(outputs_dir)
    sections = []
    for place_dir in sorted(p for p in outputs_dir.iterdir() if p.is_dir()):
        rows = []
        for summary_path in sorted(place_dir.glob("round-[0-9][0-9]/summary.json")):
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            link = summary_path.parent.relative_to(outputs_dir) / "round_report.html"
            rows.append(
                f'<tr><td><a href="{html.escape(link.as_posix())}">'
                f"{html.escape(summary['round_label'])}</a></td>"
                f"<td>{summary['respondents']}</td></tr>"
            )
            place_name = summary["place_name"]
        if rows:
            sections.append(
                f"<section><h2>{html.escape(place_name)}</h2><table><thead><tr><th>Round report"
                f"</th><th>People who answered</th></tr></thead><tbody>{''.join(rows)}"
                f"</tbody></table></section>"
            )
    body = "".join(sections) or "<p>No reports yet: run <code>evalkit run</code>.</p>"
    page = _INDEX_PAGE.format(body=body, version=html.escape(__version__))
    return _write_atomic(outputs_dir / "index.html", page)


_INDEX_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evalkit reports</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
th, td {{ text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #DDD; }}
a {{ color: #0060A0; }}
footer {{ color: #666; font-size: 0.85rem; margin-top: 2rem; }}
</style>
</head>
<body>
<h1>Reports</h1>
<p>One report per round of the survey. Open a round to see how present each behaviour is, for whom,
and what moved since the round before.</p>
{body}
<footer>Made by evalkit {version}.</footer>
</body>
</html>
"""
