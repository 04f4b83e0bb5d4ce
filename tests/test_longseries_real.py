"""Real long series with published change points: the detector runs on all, and beats binary
segmentation with a BIC-type penalty and "no change at all" on F1 and covering."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.change import detect_changepoints
from evalkit.change.longseries.changepoints import noise_variance
from evalkit.change.longseries.scores import covering, f1_score

DATA = Path(__file__).parent / "data" / "longseries"
FREQ = {"month": "MS", "quarter": "QS"}


def real_series() -> dict:
    """Name -> (series indexed by its times, the positions marked as last before a change)."""
    marks = yaml.safe_load((DATA / "annotations.yml").read_text(encoding="utf-8"))
    out = {}
    for name, spec in marks.items():
        table = pd.read_csv(DATA / f"{name}.csv", dtype={"time": str})
        if spec["frequency"] == "year":
            index = pd.Index(table["time"].astype(int))
            changes = [int(c) for c in spec["changes"]]
        else:
            index = pd.DatetimeIndex(table["time"], freq=FREQ[spec["frequency"]])
            changes = [pd.Timestamp(c) for c in spec["changes"]]
        series = pd.Series(table["value"].to_numpy(dtype=float), index=index, name=name)
        out[name] = (series, [int(index.get_loc(c)) for c in changes])
    return out


def binary_segmentation(values: np.ndarray) -> list[int]:
    """The usual baseline: binary segmentation of the mean, penalty 2 sigma^2 log n (BIC)."""
    import ruptures

    beta = 2 * noise_variance(values) * math.log(len(values))
    search = ruptures.Binseg(model="l2", min_size=2, jump=1).fit(values)
    return [e - 1 for e in search.predict(pen=beta)[:-1]]


def scores() -> pd.DataFrame:
    rows = []
    for name, (series, marked) in real_series().items():
        n = len(series)
        found = {
            "evalkit": detect_changepoints(series)["index"].tolist(),
            "binseg_bic": binary_segmentation(series.to_numpy()),
            "no_change": [],
        }
        for detector, points in found.items():
            rows.append(
                {
                    "series": name,
                    "detector": detector,
                    "found": len(points),
                    "marked": len(marked),
                    "f1": f1_score(points, marked, n, margin=5),
                    "covering": covering(points, marked, n),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return scores()


def test_the_published_changes_are_where_the_references_say(table):
    data = real_series()
    nile, [at] = data["nile"]
    assert nile.index[at] == 1898 and len(data) == 8
    assert sum(1 for _, marked in data.values() if not marked) == 3


def test_evalkit_beats_binary_segmentation_and_no_change_on_both_scores(table):
    mean = table.groupby("detector")[["f1", "covering"]].mean()
    for score in ("f1", "covering"):
        assert mean.loc["evalkit", score] > mean.loc["binseg_bic", score], mean
        assert mean.loc["evalkit", score] > mean.loc["no_change", score], mean


def test_no_change_is_found_in_the_series_without_one_but_co2s_curving_trend(table):
    mine = table[table["detector"] == "evalkit"].set_index("series")
    assert mine.loc["lake_huron", "found"] == 0 and mine.loc["nottem", "found"] == 0
    assert mine.loc["co2", "found"] <= 2  # a mean-change detector finds dozens of steps
    base = table[table["detector"] == "binseg_bic"].set_index("series")
    assert base.loc["co2", "found"] > 20
