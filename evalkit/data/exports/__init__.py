"""Survey tools' exports as they come: Qualtrics, SurveyMonkey, Microsoft Forms, Google Forms and
KoboToolbox, CSV or XLSX. One module per tool recognises its layout and header rows and gives the
responses with their spreadsheet row numbers; :mod:`~evalkit.data.exports.questions` says what
each question is, for ``evalkit inspect`` and ``evalkit mapping suggest``."""

from evalkit.data.exports.layout import TOOLS, Column, Export, is_personal
from evalkit.data.exports.questions import Question, describe, questions
from evalkit.data.exports.read import UNKNOWN_LAYOUT, read_export

__all__ = [
    "TOOLS",
    "UNKNOWN_LAYOUT",
    "Column",
    "Export",
    "Question",
    "describe",
    "is_personal",
    "questions",
    "read_export",
]
