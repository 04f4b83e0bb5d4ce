"""The programme view: places compared against an independent computation and their truth."""

from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import ingest_all_rounds

from evalkit import words
from evalkit.change.shapes import shape_family
from evalkit.config import load_framework, load_place
from evalkit.data import store
from evalkit.data.ingest import ingest_round
from evalkit.demo.files import write_demo, write_programme
from evalkit.demo.simulator import PROGRAMME
from evalkit.exceptions import RunError
from evalkit.reports import programme
from evalkit.run.notebooks import notebook_path
from evalkit.words.shapes import SHAPE_WORDS

FRAMEWORK = load_framework("system-behaviours")
# Strict: the shape found must be in the truth's own family (a step and an S-curve are one family,
# a move to a new level; every other shape is its own), and turn within one round of the truth.


@pytest.fixture(scope="module")
def place_dirs(tmp_path_factory):
    """The demo programme with every round ingested (shared: treat as read-only)."""
    dirs = write_programme(tmp_path_factory.mktemp("programme"))
    for place_dir in dirs:
        ingest_all_rounds(place_dir)
    return dirs


@pytest.fixture(scope="module")
def ratings(place_dirs):
    return programme.read_ratings(place_dirs)


@pytest.fixture(scope="module")
def places(place_dirs):
    return programme.programme_places(place_dirs, k_min=5)


@pytest.fixture(scope="module")
def trends(places):
    return programme.compare_trajectories(
        programme.programme_trends(places), labels=FRAMEWORK.labels
    )


def _truth(place_dir) -> dict:
    return json.loads((place_dir / "truth.json").read_text(encoding="utf-8"))


# --- the demo programme --------------------------------------------------------------------------


def test_three_places_with_their_own_seed_and_story(place_dirs):
    assert [load_place(d).id for d in place_dirs] == ["northbridge", "kingsford", "millbrook"]
    truths = [_truth(d) for d in place_dirs]
    assert [(t["place"], t["seed"], t.get("variant", 0)) for t in truths] == list(PROGRAMME)
    assert len({t["seed"] for t in truths}) == 3
    shapes = [{b: v["shape"] for b, v in t["behaviours"].items()} for t in truths]
    for one, other in [(0, 1), (0, 2), (1, 2)]:
        differ = [b for b in shapes[one] if shapes[one][b] != shapes[other][b]]
        assert len(differ) >= 6, (one, other, differ)
    for folder in place_dirs:
        assert sorted(p.name for p in (folder / "incoming").iterdir()) == [
            f"round-{r:02d}" for r in range(1, 9)
        ]


# --- the places and their levels -----------------------------------------------------------------


def test_programme_places(place_dirs):
    table = programme.programme_places(place_dirs, k_min=3)
    assert table.columns.tolist() == ["place", "name", "dir", "k_min", "rounds", "data_sha256"]
    assert table["name"].tolist() == ["Northbridge", "Kingsford", "Millbrook"]
    assert table["k_min"].tolist() == [5, 5, 5]  # never below a place's own threshold
    assert programme.programme_places(place_dirs, k_min=12)["k_min"].tolist() == [12] * 3
    assert table["rounds"].map(list).tolist() == [list(range(1, 9))] * 3
    assert table["data_sha256"].tolist() == [store.data_hash(d, range(1, 9)) for d in place_dirs]


def test_programme_places_refuses_what_cannot_be_compared(place_dirs, tmp_path):
    with pytest.raises(RunError, match="at least one"):
        programme.programme_places([])
    with pytest.raises(RunError, match="twice: kingsford"):
        programme.programme_places([place_dirs[1], place_dirs[0], place_dirs[1]])
    short = write_demo(tmp_path / "shortfield", seed=3, name="Shortfield")
    for r in (1, 2):
        folder = short / "incoming" / f"round-{r:02d}"
        ingest_round(short, r, ratings=folder / "ratings.csv")
    with pytest.raises(RunError, match="Shortfield has 2 round"):
        programme.programme_places([place_dirs[0], short])


def test_read_ratings_keeps_every_answer_of_every_place(place_dirs, ratings):
    assert ratings.columns[0] == "place" and ratings["rating"].notna().all()
    for place_dir in place_dirs:
        own = store.read_ratings(place_dir).dropna(subset=["rating"])
        mine = ratings[ratings["place"] == place_dir.name].drop(columns="place")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), own.reset_index(drop=True))


def test_levels_match_a_plain_groupby(place_dirs, ratings):
    levels = programme.load_programme(place_dirs, k_min=5)
    assert set(levels["group_by"]) == {"all"} and not levels["suppressed"].any()
    plain = ratings.groupby(["place", "round", "behaviour"])["rating"].agg(["mean", "size"])
    found = levels.set_index(["place", "round", "behaviour"]).loc[plain.index]
    np.testing.assert_allclose(found["mean"], plain["mean"], rtol=1e-12)
    np.testing.assert_array_equal(found["n"], plain["size"])
    assert (found["ci_low"] < found["mean"]).all() and (found["mean"] < found["ci_high"]).all()
    assert levels["place"].drop_duplicates().tolist() == ["northbridge", "kingsford", "millbrook"]


def test_each_place_keeps_its_own_threshold(ratings, places):
    thresholds = {"northbridge": 5, "kingsford": 1_000, "millbrook": 5}
    levels = programme.programme_levels(ratings, FRAMEWORK, k_min=thresholds)
    hidden = levels[levels["place"] == "kingsford"]
    assert hidden["suppressed"].all() and hidden["mean"].isna().all() and hidden["n"].isna().all()
    assert not levels.loc[levels["place"] != "kingsford", "suppressed"].any()
    strict = places.assign(k_min=places["place"].map(thresholds))
    trends = programme.compare_trajectories(
        programme.programme_trends(strict), labels=FRAMEWORK.labels
    )
    mine = trends[trends["place"] == "kingsford"]
    assert len(mine) == 9 and mine["suppressed"].all()
    assert mine["shape"].isna().all() and mine["nonlinear"].isna().all()
    assert trends.loc[trends["place"] != "kingsford", "shape"].notna().all()
    with pytest.raises(RunError, match="millbrook"):
        programme.programme_levels(ratings, FRAMEWORK, k_min={"northbridge": 5, "kingsford": 5})


# --- the change engine, place by place -----------------------------------------------------------


def test_trends_recover_every_place_s_true_shapes(place_dirs, trends):
    assert len(trends) == 27 and not trends["suppressed"].any()
    assert trends["behaviour"].tolist()[:9] == FRAMEWORK.behaviour_ids
    found = trends.set_index(["place", "behaviour"])
    for place_dir in place_dirs:
        for behaviour, true in _truth(place_dir)["behaviours"].items():
            row = found.loc[(place_dir.name, behaviour)]
            where = (place_dir.name, behaviour, row["sentence"])
            if true["shape"] in ("flat", "linear"):
                assert not row["nonlinear"] and row["shape"] == true["shape"], where
                assert np.isnan(row["turning_round"]), where
            else:
                assert row["nonlinear"] and shape_family(row["shape"]) == shape_family(
                    true["shape"]
                ), where
                assert abs(row["turning_round"] - true["turning_round"]) <= 1, where
                assert row["turning_low"] <= row["turning_round"] <= row["turning_high"], where


def test_the_programme_reads_each_place_s_own_trajectory_verdicts(place_dirs, trends):
    from evalkit.reports.trajectory import build_trajectory

    columns = ["behaviour", "shape", "nonlinear", "p_value", "p_adjusted", "turning_round"]
    for place_dir in place_dirs:
        own = build_trajectory(place_dir).overall().reset_index()
        own["turning_round"] = own["breakpoint"].where(own["nonlinear"].astype(bool))
        mine = trends[trends["place"] == place_dir.name].reset_index(drop=True)
        mine = mine.astype({"nonlinear": bool})
        pd.testing.assert_frame_equal(
            mine[columns], own[columns].astype({"nonlinear": bool}), check_dtype=False
        )


def test_words_and_tables(trends):
    names = {"northbridge": "Northbridge", "kingsford": "Kingsford", "millbrook": "Millbrook"}
    table = words.comparison_table(trends, FRAMEWORK.labels, names)
    assert table.columns.tolist() == ["Behaviour", "Northbridge", "Kingsford", "Millbrook"]
    assert table["Behaviour"].tolist() == list(FRAMEWORK.labels.values())
    for row in trends.itertuples():
        cell = table.loc[table["Behaviour"] == row.label, names[row.place]].item()
        assert cell.startswith(SHAPE_WORDS[row.shape]), cell
        assert ("round" in cell) == bool(row.nonlinear), cell
    agreement = programme.shape_agreement(trends)
    assert agreement["n_places"].tolist() == [3] * 9
    overview = words.programme_overview(trends, FRAMEWORK.labels, names)
    assert overview.startswith("Across Northbridge, Kingsford and Millbrook, ")
    assert f"{int((~agreement['same']).sum())} of 9 behaviours" in overview
    assert words.hidden_note(trends, FRAMEWORK.labels, names).startswith("Every behaviour")


def test_summary_is_json_without_respondents(places, ratings, trends):
    summary = json.loads(json.dumps(programme.programme_summary(places, trends)))
    assert summary["kind"] == "programme"
    assert [p["place"] for p in summary["places"]] == ["northbridge", "kingsford", "millbrook"]
    assert len(summary["trajectories"]) == 27
    for record in summary["trajectories"]:
        row = trends.set_index(["place", "behaviour"]).loc[(record["place"], record["behaviour"])]
        assert record["shape"] == row["shape"]
        assert record["nonlinear"] == bool(row["nonlinear"])
        assert (record["turning_round"] is None) == np.isnan(row["turning_round"])
    text = json.dumps(summary)
    assert not any(r in text for r in ratings["respondent"].unique())
    strict = places.assign(k_min=places["place"].map({"kingsford": 10**4}).fillna(5))
    hidden = programme.compare_trajectories(programme.programme_trends(strict))
    records = programme.programme_summary(places, hidden)["trajectories"]
    assert {"place": "kingsford", "behaviour": "shared_vision", "suppressed": True} in records


def test_plot_places_draws_one_panel_per_behaviour_and_one_line_per_place(ratings, trends):
    from evalkit.plots.programme import PLACE_COLOURS, plot_places

    levels = programme.programme_levels(ratings, FRAMEWORK, k_min=5)
    names = {"northbridge": "Northbridge", "kingsford": "Kingsford", "millbrook": "Millbrook"}
    fig = plot_places(
        levels,
        FRAMEWORK.labels,
        order=FRAMEWORK.behaviour_ids[:5],
        place_names=names,
        turning=trends,
        title="A title",
    )
    shown = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title(loc="left").replace("\n", " ") for ax in shown]
    assert titles == list(FRAMEWORK.labels.values())[:5]
    assert len(fig.axes) == 6 and shown[0].get_ylabel() == "Average"
    assert shown[-1].get_xlabel() == "Round"
    legend = [t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts()]
    assert legend == [*names.values(), "Dotted line: where it turned"]
    colours = {line.get_color() for line in shown[0].get_lines() if line.get_linestyle() != ":"}
    assert colours <= set(PLACE_COLOURS) and len(colours) == 3


# --- the notebook --------------------------------------------------------------------------------


def test_notebook_parameters_and_no_outputs():
    notebook = nbformat.read(notebook_path("programme"), as_version=4)
    first = notebook.cells[0]
    assert first.cell_type == "code" and first.metadata["tags"] == ["parameters"]
    lines = first.source.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "places",
        "k_min",
        "summary_path",
        "figures_dir",
    ]
    assert all("  # " in line and "=" not in line.split("#", 1)[1] for line in lines)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


@pytest.mark.slow
def test_programme_notebook_runs_and_summarises(place_dirs, ratings, tmp_path):
    import papermill

    summary_path = tmp_path / "summary.json"
    executed = tmp_path / "programme.ipynb"
    papermill.execute_notebook(
        str(notebook_path("programme")),
        str(executed),
        parameters={
            "places": [str(d) for d in place_dirs],
            "k_min": 5,
            "summary_path": str(summary_path),
        },
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        kernel_manager_class="evalkit.run.kernel.IPCKernelManager",
    )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert [p["name"] for p in summary["places"]] == ["Northbridge", "Kingsford", "Millbrook"]
    shapes = {(t["place"], t["behaviour"]): t["shape"] for t in summary["trajectories"]}
    for place_dir in place_dirs:
        for behaviour, true in _truth(place_dir)["behaviours"].items():
            found = shapes[place_dir.name, behaviour]
            assert shape_family(found) == shape_family(true["shape"]), (behaviour, found)
    text = summary_path.read_text(encoding="utf-8") + executed.read_text(encoding="utf-8")
    assert not any(r in text for r in ratings["respondent"].unique())
    outputs = [o for c in nbformat.read(executed, as_version=4).cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    pages = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', pages)
    assert len(alts) == 1 and "one line per place" in alts[0]
    assert "<summary>Show the numbers</summary>" in pages
    markdown = "".join(o.data.get("text/markdown", "") for o in outputs if "data" in o)
    assert "Across Northbridge, Kingsford and Millbrook" in markdown
