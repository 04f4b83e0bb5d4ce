"""What a run leaves for people to read: ``summary.json``, self-contained HTML, the index page."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from . import __version__

__all__ = [
    "table_records",
    "round_summary",
    "write_json",
    "export_html",
    "write_index",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"


def table_records(
    table: pd.DataFrame, keys: list[str], statistics: list[str], *, flag: str = "suppressed"
) -> list[dict]:
    """Rows of an indicator table as JSON-ready records.

    A suppressed row names its keys and ``suppressed: true`` and nothing else: not even its size.

    Examples
    --------
    >>> rows = pd.DataFrame({"behaviour": ["a", "a"], "group": ["x", "y"], "n": [12, 3],
    ...     "mean": [6.5, float("nan")], "suppressed": [False, True]})
    >>> table_records(rows, ["behaviour", "group"], ["n", "mean"])
    [{'behaviour': 'a', 'group': 'x', 'n': 12, 'mean': 6.5, 'suppressed': False}, \
{'behaviour': 'a', 'group': 'y', 'suppressed': True}]
    """
    records = []
    for row in table.to_dict("records"):
        record = {key: _plain(row[key]) for key in keys}
        if bool(row[flag]):
            record["suppressed"] = True
        else:
            record.update({name: _plain(row[name]) for name in statistics}, suppressed=False)
        records.append(record)
    return records


def _plain(value):
    """A JSON-ready scalar: NaN and NA become None, floats keep four decimals."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else round(value, 4)
    return value


def _change_records(change: pd.DataFrame) -> list[dict]:
    """Change since last round: everyone's part and the panel part each carry their own flag."""
    keys = ["behaviour", "group_by", "group", "previous_round"]
    everyone = table_records(
        change,
        keys,
        ["n_before", "n_after", "cliffs_delta", "mannwhitney_p", "p_adjusted", "clear"],
    )
    panel = table_records(
        change,
        keys,
        [
            "n_panel",
            "mean_change",
            "ci_low",
            "ci_high",
            "share_improved",
            "share_declined",
            "share_stable",
        ],
        flag="suppressed_panel",
    )
    for record, panel_record in zip(everyone, panel, strict=True):
        record["panel"] = {k: v for k, v in panel_record.items() if k not in keys}
    return everyone


def round_summary(report) -> dict:
    """The machine-readable findings of one round report (see ``RoundReport``)."""
    from .indicators import LEVEL_COLUMNS

    this_round = report.levels[report.levels["round"] == report.round]
    indexes = report.indexes[report.indexes["round"] == report.round]
    group_keys = ["behaviour", "group_by", "group"]
    return {
        "place": report.place.id,
        "place_name": report.place.name,
        "round": report.round,
        "round_label": report.place.round(report.round).label,
        "previous_round": report.previous_round,
        "evalkit_version": __version__,
        "data_sha256": report.data_sha256,
        "k_min": report.k_min,
        "respondents": report.n_respondents,
        "behaviour_labels": report.framework.labels,
        "group_labels": {"sector": report.place.sectors, "role": report.place.roles},
        "scale": {
            "min": report.framework.scale_min,
            "max": report.framework.scale_max,
            "strongly_present": report.framework.strongly_present,
            "largely_absent": report.framework.largely_absent,
        },
        "indicators": table_records(this_round, group_keys, LEVEL_COLUMNS),
        "indexes": table_records(
            indexes.rename(columns={"behaviour": "index"}),
            ["index", "group_by", "group"],
            LEVEL_COLUMNS,
        ),
        "agreement": table_records(
            report.agreement, group_keys, ["sd", "iqr", "r_wg", "bc", "bimodal", "dip_p", "split"]
        ),
        "reliability": table_records(
            report.reliability,
            ["framework_group", "group_by", "group"],
            ["n", "n_items", "alpha", "low_alpha"],
        ),
        "voice_gaps": table_records(
            report.widest_gaps(10),
            ["behaviour", "group_by", "group_a", "group_b"],
            ["gap", "ci_low", "ci_high", "p_value"],
        ),
        "change": _change_records(report.change),
        "network": _network_record(report),
        "questions": [{"text": q["text"], "evidence": q["evidence"]} for q in report.questions],
        "data_quality": {
            "responses": table_records(
                report.responses, ["group_by", "group"], ["respondents", "invited", "response_rate"]
            ),
            "missing": table_records(
                report.missingness, ["behaviour"], ["n_missing", "share_missing"]
            ),
            "straight_lining": table_records(
                report.straight_lining, ["round"], ["n_straight", "share_straight"]
            ),
        },
    }


def _network_record(report) -> dict | None:
    """This round's organisation network (None when no ties were collected this round)."""
    from .network import network_summary

    network = report.network
    if network.empty or not (network["round"] == report.round).any():
        return None
    return network_summary(network, report.round)


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
    for cell in notebook.cells:  # warnings are for the analyst, not the partners reading this
        if "outputs" in cell:
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
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
    """Write ``outputs/index.html`` (see :mod:`evalkit.index_page`)."""
    from .index_page import write_index

    return write_index(outputs_dir)
