"""Time as it happened, short series and honest words: what a trajectory says and when."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.change import assess_trend, assess_trends
from evalkit.data.ingest import ingest_round
from evalkit.demo.files import write_demo
from evalkit.reports.assessments import place_trends

# Annual rounds for three years, then quarterly: months since the first round.
MONTHS = np.array([0, 12, 24, 36, 39, 42, 45, 48])
SLOPE = 0.04  # points a month, the same all along


def _uneven_place(tmp_path, *, n_rounds=8, seed=4):
    """A demo place whose rounds are dated unevenly and whose every behaviour rises in a straight
    line in time (0.04 points a month): its ratings are re-drawn around that line."""
    place_dir = write_demo(tmp_path / "uneven", seed=1, n_rounds=8)
    config = yaml.safe_load((place_dir / "place.yml").read_text(encoding="utf-8"))
    start = pd.Timestamp("2021-01-15")
    for r, months in zip(config["rounds"], MONTHS, strict=True):
        r["date"] = (start + pd.DateOffset(months=int(months))).date().isoformat()
    config["rounds"] = config["rounds"][:n_rounds]
    (place_dir / "place.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    rng = np.random.default_rng(seed)
    for number in range(1, n_rounds + 1):
        folder = place_dir / "incoming" / f"round-{number:02d}"
        ratings = pd.read_csv(folder / "ratings.csv", dtype=str)
        for behaviour in ratings.columns[3:]:  # one column per behaviour
            latent = 5.0 + SLOPE * MONTHS[number - 1] + rng.normal(0, 1.6, len(ratings))
            redrawn = np.clip(np.rint(latent), 1, 10).astype(int).astype(str)
            ratings[behaviour] = np.where(ratings[behaviour].isna(), "", redrawn)
        ratings.to_csv(folder / "ratings.csv", index=False)
        ingest_round(place_dir, number, ratings=folder / "ratings.csv")
    return place_dir


@pytest.fixture(scope="module")
def uneven(tmp_path_factory):
    return _uneven_place(tmp_path_factory.mktemp("time"))


def test_uneven_dates_a_straight_line_in_time_is_linear_per_month(uneven):
    trends = place_trends(uneven, cache=False)
    everyone = trends[trends["group_by"] == "all"]
    assert (everyone["time_unit"] == "month").all()
    assert not everyone["nonlinear"].astype(bool).any(), everyone["sentence"].tolist()
    assert (everyone["shape"] == "linear").all(), everyone["sentence"].tolist()
    slopes = everyone["slope_before"].to_numpy(dtype=float)
    assert np.abs(slopes - SLOPE).max() < 0.01, slopes  # truth 0.04 a month
    assert all("points a month" in s for s in everyone["sentence"])
    # the same ratings on round numbers: the line's pace seems to slow after round 4
    from evalkit.data import store

    ratings = store.read_ratings(uneven).dropna(subset=["rating"])
    by_round = assess_trends(
        ratings, time="round", value="rating", unit="respondent", by="behaviour", seed=0
    )
    assert by_round["nonlinear"].mean() >= 0.5, by_round["sentence"].tolist()


def test_evalkit_trend_agrees_with_the_place_on_dated_rounds(uneven, tmp_path):
    from evalkit.data import store

    place = yaml.safe_load((uneven / "place.yml").read_text(encoding="utf-8"))
    dates = {r["number"]: r["date"] for r in place["rounds"]}
    ratings = store.read_ratings(uneven).dropna(subset=["rating"])
    ratings = ratings.assign(date=ratings["round"].map(dates))
    path = tmp_path / "ratings.csv"
    ratings[["date", "behaviour", "respondent", "rating"]].to_csv(path, index=False)
    command = [sys.executable, "-m", "evalkit", "trend", str(path), "--time", "date"]
    command += ["--value", "rating", "--unit", "respondent", "--by", "behaviour", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    from_cli = {r["behaviour"]: r for r in json.loads(done.stdout)}
    trends = place_trends(uneven)
    for row in trends[trends["group_by"] == "all"].itertuples():
        cli = from_cli[row.behaviour]
        assert cli["shape"] == row.shape == "linear" and cli["time_unit"] == "month"
        assert cli["slope_before"] == pytest.approx(row.slope_before, abs=0.003)


def test_rounds_spaced_by_date_are_drawn_by_date(uneven):
    import matplotlib.dates as mdates

    from evalkit.plots import plot_trajectory
    from evalkit.reports.trajectory import build_trajectory

    trajectory = build_trajectory(uneven)
    assert sorted(trajectory.dates) == list(range(1, 9))
    ax = plot_trajectory(
        trajectory.series("trusting_relationships"),
        fitted=trajectory.fitted("trusting_relationships"),
        dates=trajectory.dates,
    )
    ticks = mdates.num2date(ax.get_xticks())
    gaps = np.diff([t.toordinal() for t in ticks])
    assert gaps[0] > 3 * gaps[-1]  # a year apart, then a quarter: spaced by date, not by round
    assert ax.get_xticklabels()[0].get_text() == "1\nJan\n2021"


def test_flat_then_climbing_is_never_said_to_drop():
    rng = np.random.default_rng(11)
    said = []
    for seed in range(12):
        rounds = np.repeat(np.arange(1, 9), 150)
        climb = np.maximum(rounds - 4, 0) * 0.3  # flat for four rounds, then climbing
        latent = 5 + climb + rng.normal(0, 0.1, 8)[rounds - 1] + rng.normal(0, 1.8, rounds.size)
        data = pd.DataFrame({"round": rounds, "rating": np.clip(np.rint(latent), 1, 10)})
        result = assess_trend(data, time="round", value="rating", label="Trust", seed=seed)
        said.append(result.sentence())
        moved = [p.direction for p in result.parts if p.direction != "level"]
        assert "down" not in moved, result.sentence()
        assert not any(w in result.sentence() for w in ("dropped", "fell", "drop")), said[-1]
    assert all("rose" in s or " up " in s for s in said), said  # and each says it went up


def test_a_three_round_trajectory_claims_no_shape_and_says_what_it_can(tmp_path):
    from evalkit import run as runner

    place_dir = _uneven_place(tmp_path, n_rounds=3)
    job = runner.Job(
        "short/trajectory",
        runner.notebook_path("trajectory"),
        tmp_path / "out" / "trajectory",
        {"place": str(place_dir), "through_round": 3, "k_min": 5},
    )
    [result] = runner.run_jobs([job], workers=1, progress=False)
    assert result.ok, result.error
    summary = json.loads((job.out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["rounds"] == [1, 2, 3] and summary["rounds_needed"] == 3
    assert summary["shapes_told"] is False
    everyone = [a for a in summary["assessments"] if a["group_by"] == "all"]
    assert len(everyone) == 9
    for a in everyone:
        assert a["shape"] is None and not a["nonlinear"] and a["rounds_needed"] == 3
        first, last = a["changes"]
        assert first["low"] <= first["change"] <= first["high"]
        assert (first["from"], first["to"], last["from"]) == (1, 3, 2)
        assert "3 more rounds are needed" in a["sentence"]
        assert "from January 2021 to January 2023 (95% interval" in a["sentence"]
    page = (job.out_dir / "trajectory.html").read_text(encoding="utf-8")
    assert "Too early to tell" in page and "no shape can be told yet" in page
    assert "Traceback" not in page
