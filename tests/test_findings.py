"""Findings from summary.json, the diff between two rounds, and ``evalkit diff``."""

import json
import re

import pytest

from evalkit._io import write_json
from evalkit.cli import main
from evalkit.config import load_place
from evalkit.exceptions import EvalkitError
from evalkit.reports.findings import diff_findings, diff_rounds, findings, format_diff
from evalkit.reports.round import build_round_report
from evalkit.reports.summary import round_summary

KEY = re.compile(r"^(strongly_present|largely_absent|change|gap|split|shape):\w+:\w+:[\w|]+$")


def _level(behaviour, strong, absent):
    return {
        "behaviour": behaviour,
        "group_by": "all",
        "group": "all",
        "share_strong": strong,
        "share_absent": absent,
        "suppressed": False,
    }


def _change(behaviour, group_by, group, delta, panel_change):
    panel = {"suppressed": True}
    if panel_change is not None:
        panel = {"mean_change": panel_change, "suppressed": False}
    return {
        "behaviour": behaviour,
        "group_by": group_by,
        "group": group,
        "cliffs_delta": delta,
        "clear": True,
        "suppressed": False,
        "panel": panel,
    }


def _gap(behaviour, a, b, gap, p):
    return {
        "behaviour": behaviour,
        "group_by": "sector",
        "group_a": a,
        "group_b": b,
        "gap": gap,
        "p_value": p,
        "suppressed": False,
    }


def _split(behaviour, split):
    return {"behaviour": behaviour, "group_by": "all", "group": "all", "split": split}


# A hand-worked pair of rounds. Round 3: power shared largely absent for 40%; trust rose (panel
# +0.52); a clear gap on power shared and one that could be chance; split views on shared vision.
# Round 4: power shared absent for 30% (changed); trust rose again by about the same (+0.48 shows
# as 0.5, as before: unchanged); the same gap; no split (disappeared); devolved decisions fell
# among the public sector with too small a panel to show (appeared, value None).
ROUND_3 = {
    "round": 3,
    "indicators": [
        _level("power_shared", 0.05, 0.40),
        _level("trusting_relationships", 0.10, 0.20),
        {"behaviour": "shared_vision", "group_by": "all", "group": "all", "suppressed": True},
    ],
    "change": [
        _change("trusting_relationships", "all", "all", 0.18, 0.52),
        {**_change("shared_vision", "all", "all", 0.3, 0.6), "clear": False},
    ],
    "voice_gaps": [
        _gap("power_shared", "lived_experience", "public", -1.84, 0.0),
        _gap("shared_vision", "private", "public", 0.9, 0.2),
    ],
    "agreement": [_split("shared_vision", True), _split("power_shared", False)],
}
ROUND_4 = {
    "round": 4,
    "indicators": [
        _level("power_shared", 0.06, 0.30),
        _level("trusting_relationships", 0.12, 0.15),
    ],
    "change": [
        _change("trusting_relationships", "all", "all", 0.2, 0.48),
        _change("devolved_decisions", "sector", "public", -0.3, None),
    ],
    "voice_gaps": [_gap("power_shared", "lived_experience", "public", -1.84, 0.0)],
    "agreement": [_split("shared_vision", False)],
}


def test_hand_worked_round_findings():
    assert findings(ROUND_3) == [
        {
            "key": "largely_absent:power_shared:all:all",
            "kind": "largely_absent",
            "text": "Power shared: 40% of people see it as largely absent (3 or lower out of 10).",
            "value": 0.4,
        },
        {
            "key": "change:trusting_relationships:all:all",
            "kind": "change",
            "text": "Trusting relationships rose clearly since the last round: people who "
            "answered both times rate it about 0.5 points higher.",
            "value": 0.5,
        },
        {
            "key": "gap:power_shared:sector:lived_experience|public",
            "kind": "gap",
            "text": "Power shared: public sector respondents rate it about 1.8 points higher "
            "than lived experience respondents.",
            "value": 1.8,
        },
        {
            "key": "split:shared_vision:all:all",
            "kind": "split",
            "text": "Shared vision: people are split, with answers bunched at both ends of the "
            "scale.",
            "value": None,
        },
    ]


def test_hand_worked_diff_is_exact():
    diff = diff_findings(findings(ROUND_3), findings(ROUND_4))
    assert diff["appeared"] == [
        {
            "key": "change:devolved_decisions:sector:public",
            "kind": "change",
            "text": "Devolved decisions fell clearly among public sector respondents since the "
            "last round.",
            "value": None,
        }
    ]
    assert [f["key"] for f in diff["disappeared"]] == ["split:shared_vision:all:all"]
    assert diff["changed"] == [
        {
            "key": "largely_absent:power_shared:all:all",
            "kind": "largely_absent",
            "old_text": "Power shared: 40% of people see it as largely absent "
            "(3 or lower out of 10).",
            "new_text": "Power shared: 30% of people see it as largely absent "
            "(3 or lower out of 10).",
            "old_value": 0.4,
            "new_value": 0.3,
        }
    ]


def test_diff_of_a_round_with_itself_is_empty_and_says_so():
    diff = diff_findings(findings(ROUND_3), findings(ROUND_3))
    assert diff == {"appeared": [], "disappeared": [], "changed": []}
    text = format_diff({**diff, "from_round": 3, "to_round": 3})
    assert text.startswith("Nothing changed")


def test_format_diff_has_one_heading_per_part():
    diff = {"place": "Northbridge", "from_round": 3, "to_round": 4}
    diff |= diff_findings(findings(ROUND_3), findings(ROUND_4))
    assert format_diff(diff).splitlines() == [
        "Northbridge: round 3 to round 4",
        "",
        "New since round 3 (1)",
        "  - Devolved decisions fell clearly among public sector respondents since the last round.",
        "",
        "No longer the case (1)",
        "  - Shared vision: people are split, with answers bunched at both ends of the scale.",
        "",
        "Changed (1)",
        "  - Power shared: 40% of people see it as largely absent (3 or lower out of 10).",
        "    now: Power shared: 30% of people see it as largely absent (3 or lower out of 10).",
    ]


@pytest.mark.parametrize(
    "section, record",
    [
        ("indicators", {"behaviour": "power_shared", "group_by": "all", "group": "all"}),
        ("change", {"behaviour": "power_shared", "group_by": "all", "group": "all"}),
        (
            "voice_gaps",
            {"behaviour": "power_shared", "group_by": "sector", "group_a": "a", "group_b": "b"},
        ),
        ("agreement", {"behaviour": "power_shared", "group_by": "all", "group": "all"}),
    ],
)
def test_suppressed_records_give_no_findings(section, record):
    summary = {"indicators": [], section: [{**record, "suppressed": True}]}
    assert findings(summary) == []


def test_trajectory_findings_give_shape_and_turning_round():
    def assessment(behaviour, group_by, group, shape, nonlinear, times):
        breakpoints = [{"time": t, "low": t - 0.5, "high": t + 0.5} for t in times]
        return {
            "behaviour": behaviour,
            "group_by": group_by,
            "group": group,
            "shape": shape,
            "nonlinear": nonlinear,
            "breakpoints": breakpoints,
        }

    summary = {
        "assessments": [
            assessment("trusting_relationships", "all", "all", "s_curve", True, [4.24]),
            assessment("trusting_relationships", "sector", "public", "s_curve", True, [4.6]),
            assessment("shared_vision", "all", "all", "flat", False, []),
        ]
    }
    assert [(f["key"], f["text"], f["value"]) for f in findings(summary)] == [
        (
            "shape:trusting_relationships:all:all",
            "Trusting relationships: tipping point (S-curve), turning around round 4.",
            4,
        ),
        (
            "shape:trusting_relationships:sector:public",
            "Trusting relationships (public sector): tipping point (S-curve), turning around "
            "round 5.",
            5,
        ),
        ("shape:shared_vision:all:all", "Shared vision: flat.", None),
    ]


def test_something_else_is_not_a_summary():
    with pytest.raises(EvalkitError, match="not a summary.json"):
        findings({"place": "x"})


# Real summaries of the demo place: rounds 4 and 5, either side of the funding cut.


@pytest.fixture(scope="module")
def summaries(demo_place):
    return {n: round_summary(build_round_report(demo_place, n)) for n in (4, 5)}


@pytest.fixture(scope="module")
def outputs(demo_place, summaries, tmp_path_factory):
    """An outputs folder holding the two rounds' summary.json, as 'evalkit run' writes them."""
    folder = tmp_path_factory.mktemp("outputs")
    for number, summary in summaries.items():
        write_json(folder / summary["place"] / f"round-{number:02d}" / "summary.json", summary)
    return folder


def test_real_findings_name_behaviours_by_label_with_unique_stable_keys(demo_place, summaries):
    place = load_place(demo_place)
    labels = place.framework.labels
    for summary in summaries.values():
        found = findings(summary, place=place)
        assert found and found == findings(summary, place=place)
        keys = [f["key"] for f in found]
        assert len(set(keys)) == len(keys)
        for finding in found:
            assert KEY.match(finding["key"]), finding["key"]
            behaviour = finding["key"].split(":")[1]
            assert labels[behaviour] in finding["text"]
            assert behaviour not in finding["text"]  # ids never reach the words
    before, after = (findings(summaries[n], place=place) for n in (4, 5))
    diff = diff_findings(before, after)
    old, new = {f["key"] for f in before}, {f["key"] for f in after}
    assert old & new  # the same finding in both rounds has the same key
    assert {f["key"] for f in diff["appeared"]} == new - old
    assert {f["key"] for f in diff["disappeared"]} == old - new
    assert {c["key"] for c in diff["changed"]} <= old & new


def test_real_findings_count_what_the_report_marks(summaries):
    summary = summaries[5]
    kinds = [f["kind"] for f in findings(summary)]
    clear = [c for c in summary["change"] if not c["suppressed"] and c["clear"]]
    wide = [g for g in summary["voice_gaps"] if g["p_value"] < 0.05]
    split = [a for a in summary["agreement"] if not a["suppressed"] and a["split"]]
    assert kinds.count("change") == len(clear) > 0
    assert kinds.count("gap") == len(wide) > 0
    assert kinds.count("split") == len(split)


def test_real_changes_at_the_funding_cut_match_the_demo_truth(demo_place, summaries):
    truth = json.loads((demo_place / "truth.json").read_text())["behaviours"]
    everyone = [f for f in findings(summaries[5]) if f["key"].endswith(":all:all")]
    moved = {f["key"].split(":")[1]: f for f in everyone if f["kind"] == "change"}
    for behaviour, known in truth.items():
        latent = known["latent"].values()
        step = sum(series[4] - series[3] for series in latent) / len(latent)
        if abs(step) >= 1:  # rounds 4 to 5: the funding cut and the shared learning programme
            assert (moved[behaviour]["value"] > 0) == (step > 0), behaviour
        if known["shape"] == "flat":
            assert behaviour not in moved


def test_diff_command_on_an_outputs_folder_and_on_a_place_folder(
    demo_place, outputs, summaries, capsys
):
    place = load_place(demo_place)
    place_outputs = outputs / place.id
    assert main(["diff", str(place_outputs), "--from", "4", "--to", "5"]) == 0
    printed = capsys.readouterr().out
    assert "New since round 4" in printed
    assert printed.strip() == format_diff(diff_rounds(place_outputs, 4, 5))
    args = ["diff", str(demo_place), "--from", "4", "--to", "5", "--out", str(outputs), "--json"]
    assert main(args) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff == diff_rounds(place_outputs, 4, 5, place=place)
    assert diff["from_round"] == 4 and diff["to_round"] == 5 and diff["place"] == place.name


def test_diff_command_names_a_missing_round_and_how_to_make_it(demo_place, outputs, capsys):
    place = load_place(demo_place)
    assert main(["diff", str(outputs / place.id), "--from", "4", "--to", "6"]) == 2
    error = capsys.readouterr().err
    assert "round-06/summary.json does not exist" in error
    assert "'evalkit run PLACE --round 6'" in error and "Traceback" not in error
    args = ["diff", str(demo_place), "--from", "3", "--to", "5", "--out", str(outputs)]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert f"'evalkit run {place.dir} --round 3 --out {outputs}'" in error
    assert main(["diff", str(demo_place), "--from", "4", "--to", "9", "--out", str(outputs)]) == 2
    assert "Round 9 is not in" in capsys.readouterr().err
