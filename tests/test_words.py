"""The one vocabulary of shapes: every shape the engine reports has its words, used everywhere."""

import pytest

from evalkit.change import SHAPES
from evalkit.words.shapes import SHAPE_WORDS, shape_label, shape_phrase, shape_verb, words_for


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_of_the_engine_has_its_own_words(shape):
    words = words_for(shape)
    assert shape in SHAPE_WORDS and SHAPE_WORDS[shape] == shape_label(shape) == words.label
    assert words.verb != "changed"  # what an unknown shape gets
    assert shape_phrase(shape) == words.phrase and shape_verb(shape) == words.verb


def test_the_labels_and_phrases_are_all_different():
    assert len({shape_label(s) for s in SHAPES}) == len(SHAPES)
    assert len({shape_phrase(s) for s in SHAPES}) == len(SHAPES)


def test_a_workshop_question_about_two_turns_says_so():
    from types import SimpleNamespace

    import pandas as pd

    from evalkit.reports.questions import _turns

    trends = pd.DataFrame(
        [
            {
                "behaviour": "trusting_relationships",
                "shape": "two_breakpoints",
                "nonlinear": True,
                "breakpoints": [{"time": 7.0, "low": 6.5, "high": 7.5}],
                "sentence": "Trust rose, fell, then rose.",
            }
        ]
    )
    from evalkit.config import load_framework

    place = SimpleNamespace(framework=load_framework("system-behaviours"))
    report = SimpleNamespace(trends=trends, round=8, place=place, framework=place.framework)
    [question] = _turns(report)
    assert "turned twice around round 7" in question["text"]  # before: "turned" (no such key)
