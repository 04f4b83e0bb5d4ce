"""``summary.json``: the machine-readable findings of a round report, a record per table row.

A suppressed row keeps its keys and ``suppressed: true`` and nothing else, not even its size, so
the index page, ``evalkit diff`` and anyone reading the file see only what the report shows.
"""

from __future__ import annotations

import pandas as pd

from evalkit import __version__
from evalkit._io import jsonable

__all__ = ["round_summary", "table_records"]


def _plain_value(value):
    return jsonable(value, digits=4)


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
        record = {key: _plain_value(row[key]) for key in keys}
        if bool(row[flag]):
            record["suppressed"] = True
        else:
            record.update({name: _plain_value(row[name]) for name in statistics}, suppressed=False)
        records.append(record)
    return records


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
    from evalkit.indicators import LEVEL_COLUMNS

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
    from evalkit.network.indicators import network_summary

    network = report.network
    if network.empty or not (network["round"] == report.round).any():
        return None
    return network_summary(network, report.round)
