"""Real series with a published answer, reproduced by the library call and by `evalkit trend`.

Two with a documented turn (the Down's syndrome rate, segmented in maternal age; Anscombe's
curved set 2) and one that a published analysis finds linear (Anscombe's set 1). The values and
their provenance are in tests/data/reference/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evalkit.change import assess_trend

DATA = Path(__file__).parent / "data" / "reference"

# R 4.2.2, segmented 1.6-2: segmented(lm(lrate ~ age), ~age, psi = 30)
DOWN_PSI, DOWN_PSI_SE = 30.76, 0.845
DOWN_SLOPES = (-0.018623, 0.250940)
# R lm(y ~ x) on Anscombe's sets 1 and 2
ANSCOMBE_LINE = (3.0000909, 0.5000909)


def _cli(path: Path, time: str, value: str, *by: str) -> list[dict]:
    command = [sys.executable, "-m", "evalkit", "trend", str(path), "--time", time]
    command += ["--value", value, "--json"] + (["--by", *by] if by else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_down_syndrome_rate_is_flat_then_rising_at_the_published_breakpoint():
    data = pd.read_csv(DATA / "down.csv")
    result = assess_trend(data, time="age", value="lrate", aggregate=False, label="The rate")
    assert result.nonlinear and result.p_value <= 0.01
    assert result.shape == "segmented"  # a change of pace: no slope before, a rise after
    assert result.breakpoints[0]["time"] == pytest.approx(DOWN_PSI, abs=0.01)
    low, high = result.breakpoints[0]["low"], result.breakpoints[0]["high"]
    assert low <= DOWN_PSI <= high and high - low < 6 * DOWN_PSI_SE
    assert (result.slope_before, result.slope_after) == pytest.approx(DOWN_SLOPES, abs=1e-5)
    assert result.material == (False, True)  # the flat arm is not claimed to move
    assert result.sentence().startswith("The rate stayed flat until age = 30.8, then rose")
    [record] = _cli(DATA / "down.csv", "age", "lrate")
    assert record["shape"] == "segmented" and record["nonlinear"]
    assert record["breakpoints"][0]["time"] == pytest.approx(DOWN_PSI, abs=0.01)
    assert record["slope_after"] == pytest.approx(DOWN_SLOPES[1], abs=1e-5)


def test_anscombe_set_1_is_a_straight_line_and_set_2_is_not():
    data = pd.read_csv(DATA / "anscombe.csv")
    one = assess_trend(data[data["set"] == 1], time="x", value="y", aggregate=False)
    assert one.shape == "linear" and not one.nonlinear and one.p_value > 0.2
    assert one.model.params_["intercept"] == pytest.approx(ANSCOMBE_LINE[0], abs=1e-6)
    assert one.slope_before == pytest.approx(ANSCOMBE_LINE[1], abs=1e-6)
    two = assess_trend(data[data["set"] == 2], time="x", value="y", aggregate=False)
    assert two.nonlinear and two.p_value <= 0.01  # Anscombe's curve
    assert two.parts[0].direction == "up"  # it rises first, then levels off
    records = {str(r["set"]): r for r in _cli(DATA / "anscombe.csv", "x", "y", "set")}
    assert records["1"]["shape"] == "linear" and not records["1"]["nonlinear"]
    assert records["1"]["slope_before"] == pytest.approx(ANSCOMBE_LINE[1], abs=1e-6)
    assert records["2"]["nonlinear"] and records["2"]["shape"] == two.shape
