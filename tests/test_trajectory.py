"""The demo's trajectory: the change engine must recover the truth the generator wrote."""

import json

import pytest

from evalkit import run as runner
from evalkit.reports.trajectory import build_trajectory

pytestmark = pytest.mark.slow

# With eight rounds, neighbouring non-linear families describe the same turn (a sharp S-curve is
# a step; a step followed by a slope is a shock with recovery): a found shape counts as recovered
# when it belongs to the truth's family and turns within one round of the true turning round.
COMPATIBLE = {
    "step": {"step", "s_curve", "shock_recovery"},
    "s_curve": {"s_curve", "step", "segmented", "shock_recovery"},
    "segmented": {"segmented", "u_shape", "shock_recovery", "s_curve"},
    "shock_recovery": {"shock_recovery", "step", "u_shape"},
}


@pytest.fixture(scope="module")
def trajectory(demo_place):
    return build_trajectory(demo_place)


def test_every_behaviour_recovers_its_true_shape_and_turning_round(demo_place, trajectory):
    truth = json.loads((demo_place / "truth.json").read_text())["behaviours"]
    found = trajectory.overall()
    for behaviour, true in truth.items():
        row = found.loc[behaviour]
        if true["shape"] in ("flat", "linear"):
            assert not row["nonlinear"], (behaviour, row["sentence"])
            assert row["shape"] == true["shape"], (behaviour, row["sentence"])
        else:
            assert row["nonlinear"], (behaviour, row["sentence"])
            assert row["shape"] in COMPATIBLE[true["shape"]], (behaviour, row["shape"])
            assert abs(row["breakpoint"] - true["turning_round"]) <= 1, (behaviour, row)
            assert row["breakpoint_low"] <= row["breakpoint"] <= row["breakpoint_high"]


def test_sectors_tip_in_the_true_order(demo_place, trajectory):
    truth = json.loads((demo_place / "truth.json").read_text())["behaviours"]
    timing = truth["trusting_relationships"]["by_sector"]
    ordered, sentence = trajectory.sectors_moved_first("trusting_relationships")
    found = dict(zip(ordered["group"], ordered["breakpoint"], strict=True))
    earliest = min(timing, key=lambda s: timing[s]["turning_round"])
    latest = max(timing, key=lambda s: timing[s]["turning_round"])
    assert found[earliest] < found[latest]
    assert sentence


def test_trajectory_notebook_runs_and_summarises(demo_place, tmp_path):
    job = runner.Job(
        "demo/trajectory",
        runner.notebook_path("trajectory"),
        tmp_path / "demo" / "trajectory",
        {"place": str(demo_place), "through_round": 8, "k_min": 5},
    )
    [result] = runner.run_jobs([job], workers=1, progress=False)
    assert result.ok, result.error
    summary = json.loads((job.out_dir / "summary.json").read_text())
    truth = json.loads((demo_place / "truth.json").read_text())["behaviours"]
    overall = {a["behaviour"]: a for a in summary["assessments"] if a["group_by"] == "all"}
    assert set(overall) == set(truth)
    for behaviour, true in truth.items():
        assert overall[behaviour]["nonlinear"] == (true["turning_round"] is not None)
    page = (job.out_dir / "trajectory.html").read_text()
    assert "RuntimeWarning" not in page and "Traceback" not in page
    assert "Who moved first" in page and 'alt="Chart"' not in page


def test_turning_points_list_the_events_around_them(demo_place, trajectory):
    truth = json.loads((demo_place / "truth.json").read_text())
    overall = trajectory.overall()
    step = overall.loc["learning_informs_adaptation"]
    assert "Shared learning programme launched" in [e["description"] for e in step["events_near"]]
    shock = overall.loc["power_shared"]
    assert "Funding cut to partnership budget" in [e["description"] for e in shock["events_near"]]
    for behaviour, row in overall.iterrows():
        if truth["behaviours"][behaviour]["turning_round"] is None:
            assert row["events_near"] == []
        for event in row["events_near"]:
            point = row["breakpoints"][0]
            assert point["low"] - 1 <= event["round"] <= point["high"] + 1
    summary = trajectory.summary()
    listed = {a["behaviour"]: a["events_near"] for a in summary["assessments"]}
    assert listed["learning_informs_adaptation"] == step["events_near"]


def test_the_network_tips_when_the_demo_says_it_does(demo_place, trajectory):
    trends = trajectory.network_trends.set_index("indicator")
    cross = trends.loc["cross_sector_share"]
    assert cross["nonlinear"] and 4.0 <= cross["breakpoints"][0]["time"] <= 5.5
    assert not trends.loc["density"]["nonlinear"]
    shares = trajectory.network.set_index("round")["cross_sector_share"]
    assert shares.loc[5:].min() > shares.loc[:4].max()  # the step the demo writes at round 5
    summary = {t["indicator"]: t for t in trajectory.summary()["network_trends"]}
    assert summary["cross_sector_share"]["nonlinear"] is True
