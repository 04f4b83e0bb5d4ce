"""Frameworks and places: the shipped ones load, broken ones fail with every problem named."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.config import FRAMEWORKS_DIR, load_framework, load_place
from evalkit.exceptions import ValidationError


def test_shipped_framework_has_nine_behaviours_in_three_groups():
    fw = load_framework("system-behaviours")
    assert list(fw.groups.values()) == ["Perspective", "Participation", "Power"]
    counts = fw.behaviours_frame().groupby("group").size()
    assert counts.to_dict() == {"perspective": 3, "participation": 3, "power": 3}
    assert all(b.id.isidentifier() and b.id == b.id.lower() for b in fw.behaviours)
    assert all(b.description.endswith(".") and b.prompt.endswith("?") for b in fw.behaviours)
    assert (fw.scale_min, fw.scale_max) == (1, 10)
    assert fw.largely_absent < fw.strongly_present


def _framework(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((FRAMEWORKS_DIR / "system-behaviours.yml").read_text())
    for key, value in changes.items():
        data[key] = value
    path = tmp_path / "custom.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_custom_framework_loads_from_a_path(tmp_path):
    path = _framework(tmp_path, id="custom", name="Our behaviours")
    assert load_framework(path).name == "Our behaviours"


def test_zero_to_ten_scale_is_allowed(tmp_path):
    path = _framework(
        tmp_path, scale={"min": 0, "max": 10, "strongly_present": 8, "largely_absent": 3}
    )
    assert load_framework(path).scale_min == 0


def test_broken_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("id: x\nname: [unclosed\nscale: {}\n")
    with pytest.raises(ValidationError) as caught:
        load_framework(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path)
    assert problem.row in (2, 3, 4)
    assert "not valid YAML" in str(caught.value)


def test_every_framework_problem_is_reported_at_once(tmp_path):
    data = yaml.safe_load((FRAMEWORKS_DIR / "system-behaviours.yml").read_text())
    data["scale"]["strongly_present"] = 2  # below largely_absent
    data["behaviours"][0]["group"] = "nonsense"
    data["behaviours"][1]["id"] = "Shared Vision"
    del data["behaviours"][2]["prompt"]
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValidationError) as caught:
        load_framework(path)
    columns = {p.column for p in caught.value.problems}
    assert {
        "scale.strongly_present",
        "behaviours[0].group",
        "behaviours[1].id",
        "behaviours[2].prompt",
    } <= columns
    group_problem = next(p for p in caught.value.problems if p.column == "behaviours[0].group")
    assert group_problem.value == "nonsense" and "perspective" in group_problem.hint


PLACE = {
    "name": "Testham",
    "framework": "system-behaviours",
    "rounds": [{"number": 1, "label": "Round 1", "date": "2025-01-10"}, {"number": 2}],
    "roles": ["frontline", "manager"],
    "organisations": [
        {"id": "council", "name": "Testham Council", "sector": "public", "aliases": ["TC"]},
        {"id": "foodbank", "name": "Testham Food Bank", "sector": "voluntary"},
    ],
}


def _place(tmp_path: Path, data: dict) -> Path:
    (tmp_path / "place.yml").write_text(yaml.safe_dump(data))
    return tmp_path


def test_place_loads_with_defaults(tmp_path):
    place = load_place(_place(tmp_path, PLACE))
    assert place.k_min == 5
    assert place.round_numbers == [1, 2]
    assert str(place.round(1).date) == "2025-01-10"
    assert place.find_organisation("tc").id == "council"
    assert place.find_organisation(" testham  COUNCIL").id == "council"
    assert place.find_organisation("Testham Counsel") is None


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"k_min": 0}, "k_min"),
        ({"framework": "no-such-framework"}, None),
        ({"rounds": [{"number": 1}, {"number": 1}]}, "rounds"),
        ({"rounds": [{"number": 1, "date": "last tuesday"}]}, "rounds[0].date"),
        (
            {"organisations": [{"id": "x", "name": "X", "sector": "retail"}]},
            "organisations[0].sector",
        ),
        (
            {
                "organisations": [
                    {"id": "x", "name": "X", "sector": "public"},
                    {"id": "y", "name": "x", "sector": "public"},
                ]
            },
            "organisations[1].aliases",
        ),
    ],
)
def test_bad_place_is_refused_with_the_setting_named(tmp_path, change, column):
    with pytest.raises(ValidationError) as caught:
        load_place(_place(tmp_path, {**PLACE, **change}))
    assert any(p.column == column for p in caught.value.problems), caught.value


def test_missing_place_file_says_so(tmp_path):
    with pytest.raises(ValidationError, match="file not found"):
        load_place(tmp_path)


# --- broken configurations, generated -------------------------------------------------------------

_VALID_PLACE = {
    "name": "Fuzzton",
    "framework": "framework.yml",
    "k_min": 5,
    "rounds": [{"number": 1, "label": "Round 1", "date": "2024-03-15"}, {"number": 2}],
    "sectors": {"public": "Public sector", "voluntary": "Voluntary and community"},
    "roles": {"manager": "Manager", "frontline": "Frontline worker"},
    "organisations": [
        {"id": "council", "name": "Fuzzton Council", "sector": "public", "aliases": ["FC"]},
        {"id": "shelter", "name": "Fuzz Shelter", "sector": "voluntary"},
    ],
    "invited": {"all": 40, "sector": {"public": 20}},
}


def _paths(value, prefix=()):
    """Every path into nested dicts and lists, the root excluded."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in items:
        yield (*prefix, key)
        if isinstance(inner, dict | list) and inner:
            yield from _paths(inner, (*prefix, key))


def _mutate(document, path, replacement, delete: bool):
    import copy

    document = copy.deepcopy(document)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return document


_ANY = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 40),
        st.floats(allow_nan=True),
        st.text(max_size=8),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def _broken(draw):
    framework = yaml.safe_load((FRAMEWORKS_DIR / "system-behaviours.yml").read_text())
    documents = {"place.yml": _VALID_PLACE, "framework.yml": framework}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(documents)))
        path = draw(st.sampled_from(list(_paths(documents[name]))))
        documents[name] = _mutate(documents[name], path, draw(_ANY), draw(st.booleans()))
    texts = {name: yaml.safe_dump(doc, allow_unicode=True) for name, doc in documents.items()}
    if draw(st.integers(0, 9)) == 0:  # now and then, text that is not YAML at all
        texts[draw(st.sampled_from(sorted(texts)))] = draw(st.text(max_size=40))
    return texts


@settings(max_examples=150, deadline=None)
@given(texts=_broken())
def test_any_broken_configuration_is_reported_never_a_traceback(texts):
    """Generated broken place.yml and framework files, through the command line as people use it:
    the command ends with its own message (exit 2) or accepts the files (exit 0)."""
    import contextlib
    import io
    import tempfile

    from evalkit.cli import main

    with tempfile.TemporaryDirectory() as folder:
        place = Path(folder) / "fuzzton"
        place.mkdir()
        for name, text in texts.items():
            (place / name).write_text(text, encoding="utf-8")
        ratings = Path(folder) / "ratings.csv"
        ratings.write_text("respondent_id,organisation,role\nr1,council,manager\n")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(place), "--round", "1", "--ratings", str(ratings)])
        assert code in (0, 2), err.getvalue()
        if code == 2 and "place.yml" in out.getvalue() + err.getvalue():
            assert "Traceback" not in out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("change", "column", "line", "message"),
    [
        (
            {"organisations": ["Fuzzton Council"]},
            "organisations[0]",
            "- Fuzzton Council",
            "mapping",
        ),
        ({"sectors": "public"}, "sectors", "sectors: public", "a mapping of ids to labels"),
        ({"invited": {"sector": {"privat": 4}}}, "invited.sector.privat", "privat: 4", "not one"),
        ({"invited": {"all": -3}}, "invited.all", "all: -3", "above 0"),
        ({"k-min": 3}, "k-min", "k-min: 3", "is not a setting evalkit knows"),
    ],
)
def test_malformed_place_settings_name_the_key_and_its_line(
    tmp_path, change, column, line, message
):
    place = tmp_path / "fuzzton"
    place.mkdir()
    (place / "framework.yml").write_text((FRAMEWORKS_DIR / "system-behaviours.yml").read_text())
    (place / "place.yml").write_text(yaml.safe_dump({**_VALID_PLACE, **change}, sort_keys=False))
    with pytest.raises(ValidationError) as caught:
        load_place(place)
    [problem] = [p for p in caught.value.problems if p.column == column]
    assert message in problem.message and problem.hint
    lines = (place / "place.yml").read_text().splitlines()
    assert line in lines[problem.row - 1]  # before: no line, and for the first two a traceback


def test_place_reads_names_to_redact_and_the_country_of_phone_numbers(tmp_path):
    place = load_place(_place(tmp_path, PLACE))
    assert (place.redact, place.country) == ((), "GB")
    place = load_place(
        _place(tmp_path, {**PLACE, "redact": [" Jo Bloggs ", "Bloggs"], "country": "ie"})
    )
    assert (place.redact, place.country) == (("Jo Bloggs", "Bloggs"), "IE")
    assert "Bloggs" not in repr(place)  # people's names stay out of anything that prints a place


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"redact": "Jo Bloggs"}, "redact"),
        ({"redact": ["Jo Bloggs", ""]}, "redact"),
        ({"redact": [{"name": "Jo"}]}, "redact"),
        ({"country": "UK"}, "country"),
        ({"country": 44}, "country"),
    ],
)
def test_bad_redact_or_country_is_refused_with_the_setting_named(tmp_path, change, column):
    with pytest.raises(ValidationError) as caught:
        load_place(_place(tmp_path, {**PLACE, **change}))
    assert [p.column for p in caught.value.problems] == [column], caught.value
