"""outputs/index.html, built from summary.json files written by hand."""

import json
from html.parser import HTMLParser

from evalkit.reports.html.index import sparkline, write_index


def _round(number, means, *, strong=0.1, data="a"):
    indicators = [
        {
            "behaviour": b,
            "group_by": "all",
            "group": "all",
            "suppressed": False,
            "n": 40,
            "mean": m,
            "share_strong": strong,
            "share_absent": 0.1,
        }
        for b, m in means.items()
    ]
    indicators.append(
        {"behaviour": "trust", "group_by": "sector", "group": "private", "suppressed": True}
    )
    return {
        "place": "north",
        "place_name": "Northbridge",
        "round": number,
        "round_label": f"Round {number}",
        "respondents": 40 + number,
        "data_sha256": data,
        "behaviour_labels": {"trust": "Trusting relationships", "power": "Power shared"},
        "scale": {"min": 1, "max": 10},
        "indicators": indicators,
        "change": [],
        "voice_gaps": [],
        "agreement": [],
    }


def _write(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.svgs, self.items, self.tags, self._li = [], [], [], set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "a":
            self.links.append(attrs["href"])
        if tag == "svg":
            self.svgs.append(attrs["aria-label"])
        if tag == "li":
            self._li = ""

    def handle_data(self, data):
        if self._li is not None:
            self._li += data

    def handle_endtag(self, tag):
        if tag == "li":
            self.items.append(self._li)
            self._li = None


def test_index_links_reports_draws_lines_and_lists_what_changed(tmp_path):
    place = tmp_path / "north"
    _write(place / "round-01" / "summary.json", _round(1, {"trust": 4.0, "power": 5.0}))
    _write(place / "round-02" / "summary.json", _round(2, {"trust": 4.5, "power": 5.0}, strong=0.3))
    trajectory = {
        "place": "north",
        "round": 2,
        "assessments": [
            {
                "behaviour": "trust",
                "group_by": "all",
                "group": "all",
                "shape": "step",
                "nonlinear": True,
                "breakpoints": [{"time": 2.0, "low": 1.5, "high": 2.5}],
            },
        ],
    }
    _write(place / "trajectory" / "summary.json", trajectory)
    (place / "trajectory" / "trajectory.html").write_text("<html></html>")

    page = _Page()
    page.feed(write_index(tmp_path).read_text())

    assert page.links == [
        "north/trajectory/trajectory.html",
        "north/round-01/round_report.html",
        "north/round-02/round_report.html",
    ]
    assert page.svgs == [
        "Trusting relationships: average 4.0 in round 1, 4.5 in round 2",
        "Power shared: average 5.0 in round 1, 5.0 in round 2",
    ]
    # share strongly present rose from 10% to 30%: a new finding for both behaviours
    assert sorted(page.items) == [
        "New: Power shared: 30% of people see it as strongly present (8 or higher out of 10).",
        "New: Trusting relationships: 30% of people see it as strongly present "
        "(8 or higher out of 10).",
    ]
    assert "script" not in page.tags


def test_a_rerun_on_corrected_data_is_compared_with_its_earlier_run(tmp_path):
    folder = tmp_path / "north" / "round-01"
    _write(folder / "summary.json", _round(1, {"trust": 4.0}, strong=0.1, data="new"))
    _write(folder / "previous_summary.json", _round(1, {"trust": 4.0}, strong=0.3, data="old"))
    text = write_index(tmp_path).read_text()
    assert "Round 1, rerun on changed data, against its earlier run" in text
    assert "No longer: Trusting relationships: 30% of people" in text


def test_sparkline_leaves_gaps_and_stays_inside_its_box():
    line = sparkline([1.0, None, 10.0, 5.5], low=1, high=10, label="x")
    assert len(line["runs"]) == 2
    ys = [float(p.split(",")[1]) for p in line["runs"][1]]
    assert ys == [3.0, 14.0]  # 10 at the top padding, 5.5 halfway down the 28-pixel box


def test_every_text_on_the_page_is_escaped(tmp_path):
    summary = _round(1, {"trust": 5.0, "power": 4.0})
    summary["place_name"] = 'North<script>alert("x")</script>bridge'
    summary["behaviour_labels"]["trust"] = "Trust & <b>respect</b>"
    _write(tmp_path / "north" / "round-01" / "summary.json", summary)
    text = write_index(tmp_path).read_text()
    assert "<script>" not in text and "<b>" not in text
    assert "North&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;bridge" in text
    assert "Trust &amp; &lt;b&gt;respect&lt;/b&gt;" in text
    page = _Page()
    page.feed(text)
    assert not {"script", "b"} & page.tags


def test_shapes_are_named_from_the_one_vocabulary(tmp_path):
    from evalkit.words.shapes import shape_phrase

    _write(tmp_path / "north" / "round-01" / "summary.json", _round(1, {"trust": 5.0}))
    trajectory = {
        "assessments": [
            {
                "behaviour": "trust",
                "group_by": "all",
                "group": "all",
                "shape": "two_breakpoints",
                "nonlinear": True,
                "breakpoints": [{"time": 3.0, "low": 2.5, "high": 3.5}],
            }
        ]
    }
    _write(tmp_path / "north" / "trajectory" / "summary.json", trajectory)
    text = write_index(tmp_path).read_text()
    # before, the index's own dictionary had "two_breaks", so this shape was spelt "two breakpoints"
    assert f"{shape_phrase('two_breakpoints')}, turning around round 3" in text
