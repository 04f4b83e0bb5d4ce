"""The round report executed by papermill in a real kernel, checked against the raw CSVs."""

import csv
import json
import re
import shutil
import statistics

import nbformat
import pytest
import yaml

from evalkit import run as runner

pytestmark = pytest.mark.slow
ROUNDS = (1, 2)


@pytest.fixture(scope="module")
def executed(demo_place, tmp_path_factory):
    outputs = tmp_path_factory.mktemp("outputs")
    results = runner.run(
        demo_place, rounds=list(ROUNDS), outputs_dir=outputs, workers=2, progress=False
    )
    assert [r.ok for r in results] == [True, True], [r.error for r in results]
    return outputs


def _raw_means(place_dir, round_number, k_min):
    """Means per (behaviour, group_by, group) straight from the raw CSV and place.yml."""
    place = yaml.safe_load((place_dir / "place.yml").read_text())
    sector_of = {}
    for org in place["organisations"]:
        for key in [org["id"], org["name"], *org.get("aliases", [])]:
            sector_of[" ".join(key.lower().split())] = org["sector"]
    path = place_dir / "incoming" / f"round-{round_number:02d}" / "ratings.csv"
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    behaviours = [c for c in rows[0] if c not in ("respondent_id", "organisation", "role")]
    values = {}
    for row in rows:
        sector = sector_of[" ".join(row["organisation"].lower().split())]
        for behaviour in behaviours:
            if row[behaviour].strip():
                for key in [("all", "all"), ("sector", sector), ("role", row["role"])]:
                    values.setdefault((behaviour, *key), []).append(float(row[behaviour]))
    return {key: (len(v), statistics.fmean(v)) for key, v in values.items()}


def _hidden(expected, k_min):
    """The groups a report must hide: those under k_min and, beside them, the smallest others
    of the same behaviour and grouping until at least two are hidden, holding at least k_min
    answers and more answers than groups (so that none can be worked out from the total)."""
    sets = {}
    for (behaviour, group_by, group), (n, _) in expected.items():
        sets.setdefault((behaviour, group_by), []).append((n, group))
    hidden = set()
    for (behaviour, group_by), groups in sets.items():
        groups.sort()
        chosen = [g for g in groups if g[0] < k_min]
        rest = groups[len(chosen) :]
        while chosen and rest:
            total = sum(n for n, _ in chosen)
            if len(chosen) >= 2 and total >= k_min and total > len(chosen):
                break
            chosen.append(rest.pop(0))
        hidden |= {(behaviour, group_by, group) for _, group in chosen}
    return hidden


@pytest.mark.parametrize("round_number", ROUNDS)
def test_summary_matches_means_from_the_raw_csv(demo_place, executed, round_number):
    summary = json.loads(
        (executed / "demo" / f"round-{round_number:02d}" / "summary.json").read_text()
    )
    assert summary["place"] == "demo" and summary["round"] == round_number
    assert re.fullmatch(r"[0-9a-f]{64}", summary["data_sha256"])
    expected = _raw_means(demo_place, round_number, k_min=5)
    records = {(r["behaviour"], r["group_by"], r["group"]): r for r in summary["indicators"]}
    assert set(records) == set(expected)
    suppressed = 0
    hidden = _hidden(expected, k_min=5)
    assert any(expected[key][0] >= 5 for key in hidden), "a group hidden to protect another"
    for key, (n, mean) in expected.items():
        record = records[key]
        if key in hidden:
            suppressed += 1
            assert record == {
                "behaviour": key[0],
                "group_by": key[1],
                "group": key[2],
                "suppressed": True,
            }
        else:
            assert record["n"] == n
            assert record["mean"] == pytest.approx(mean, abs=1e-4)
            assert record["ci_low"] < record["mean"] < record["ci_high"]
    assert suppressed > 0, "the demo should have a group small enough to suppress"


def test_html_report_is_self_contained_and_readable(executed):
    page = (executed / "demo" / "round-02" / "round_report.html").read_text()
    assert "Northbridge" in page and "Worth discussing" in page
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", page)
    assert "No description has been provided" not in page
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) >= 4
    assert all('alt="' in img and 'alt="Chart"' not in img for img in images)
    assert "place_dir" not in page and "build_round_report" not in page  # code is hidden
    assert "data " in page and "evalkit " in page  # provenance footer


def test_executed_notebook_keeps_its_outputs_and_parameters(executed, demo_place):
    notebook = nbformat.read(executed / "demo" / "round-01" / "round_report.ipynb", as_version=4)
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "round = 1" in injected[0].source
    assert not any(
        o.get("output_type") == "error" for c in notebook.cells for o in c.get("outputs", [])
    )


def test_index_links_every_round(executed):
    index = (executed / "index.html").read_text()
    for number in ROUNDS:
        assert f'href="demo/round-{number:02d}/round_report.html"' in index


def test_failed_run_keeps_the_earlier_report(executed, demo_place, tmp_path):
    good = executed / "demo" / "round-01"
    before = _contents(good)
    broken = nbformat.read(runner.notebook_path("round_report"), as_version=4)
    broken.cells.insert(2, nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure')"))
    notebook = tmp_path / "round_report.ipynb"
    nbformat.write(broken, notebook)
    job = runner.Job(
        "demo/round-01", notebook, good, {"place": str(demo_place), "round": 1, "k_min": 5}
    )
    [result] = runner.run_jobs([job], workers=1, progress=False)
    assert not result.ok and "deliberate failure" in result.error
    assert _contents(good) == before
    failed = good.with_name("round-01.failed")
    assert "deliberate failure" in (failed / "round_report.html").read_text()
    shutil.rmtree(failed)


def _contents(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _raw_rows(place_dir, round_number):
    path = place_dir / "incoming" / f"round-{round_number:02d}" / "ratings.csv"
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return {row["respondent_id"]: row for row in csv.DictReader(handle)}


def test_change_and_indexes_match_the_raw_csvs(demo_place, executed):
    summary = json.loads((executed / "demo" / "round-02" / "summary.json").read_text())
    before, after = _raw_rows(demo_place, 1), _raw_rows(demo_place, 2)
    behaviours = [
        c for c in next(iter(after.values())) if c not in ("respondent_id", "organisation", "role")
    ]
    change = {r["behaviour"]: r for r in summary["change"] if r["group_by"] == "all"}
    for behaviour in behaviours:
        # panel members: the same raw id answered in both rounds (ids are hashed in the store)
        pairs = [
            (float(before[i][behaviour]), float(after[i][behaviour]))
            for i in before.keys() & after.keys()
            if before[i][behaviour].strip() and after[i][behaviour].strip()
        ]
        panel = change[behaviour]["panel"]
        assert panel["n_panel"] == len(pairs)
        assert panel["mean_change"] == pytest.approx(
            statistics.fmean(b - a for a, b in pairs), abs=1e-4
        )
    # the overall index: each person's mean over all nine, complete cases only
    complete = [row for row in after.values() if all(row[b].strip() for b in behaviours)]
    overall = next(
        r for r in summary["indexes"] if r["index"] == "overall" and r["group_by"] == "all"
    )
    assert overall["n"] == len(complete)
    assert overall["mean"] == pytest.approx(
        statistics.fmean(statistics.fmean(float(r[b]) for b in behaviours) for r in complete),
        abs=1e-4,
    )
