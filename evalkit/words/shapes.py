"""The one vocabulary of shapes: what every table, chart, sentence and page calls each shape.

Each shape the change engine reports has a label for tables and chart titles, a phrase for the
middle of a sentence and a verb for what the series did; every report, the index page, the
programme view and the workshop questions take their words from here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SHAPE_WORDS", "ShapeWords", "shape_label", "shape_phrase", "shape_verb", "words_for"]


@dataclass(frozen=True)
class ShapeWords:
    """A shape in words: ``label`` in a table, ``phrase`` in a sentence, ``verb`` for what it
    did."""

    label: str
    phrase: str
    verb: str


_WORDS = {
    "flat": ShapeWords("Flat", "flat", "stayed level"),
    "linear": ShapeWords("Straight line", "a straight line", "moved steadily"),
    "step": ShapeWords("Step change", "a step change", "stepped"),
    "segmented": ShapeWords("Change of pace", "a change of pace", "changed pace"),
    "u_shape": ShapeWords("Turn in direction", "a turn in direction", "turned"),
    "s_curve": ShapeWords("Tipping point (S-curve)", "a tipping point (S-curve)", "tipped"),
    "shock_recovery": ShapeWords("Shock, then recovery", "a shock, then recovery", "took a shock"),
    "two_breakpoints": ShapeWords("Two turns", "two turns", "turned twice"),
}

#: Shape id -> its label in tables and chart titles.
SHAPE_WORDS = {shape: words.label for shape, words in _WORDS.items()}


def words_for(shape: str) -> ShapeWords:
    """The words of a shape; an unknown id is spelt out (``"new_shape"`` -> "New shape").

    >>> words_for("step").verb, words_for("mystery").label
    ('stepped', 'Mystery')
    """
    if shape in _WORDS:
        return _WORDS[shape]
    spelt = str(shape).replace("_", " ")
    return ShapeWords(spelt.capitalize(), spelt, "changed")


def shape_label(shape: str) -> str:
    """A shape's label in a table: ``shape_label("s_curve")`` is "Tipping point (S-curve)"."""
    return words_for(shape).label


def shape_phrase(shape: str) -> str:
    """A shape in the middle of a sentence: ``shape_phrase("step")`` is "a step change"."""
    return words_for(shape).phrase


def shape_verb(shape: str) -> str:
    """What a series of that shape did: ``shape_verb("s_curve")`` is "tipped"."""
    return words_for(shape).verb
