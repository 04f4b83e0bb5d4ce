"""The round's questionnaire, written from the framework and ``place.yml`` in each survey tool's
format, with evalkit's own question ids, so that an export of it needs no mapping."""

from evalkit.questionnaire.apps_script import apps_script
from evalkit.questionnaire.items import Item, items
from evalkit.questionnaire.qualtrics_txt import qualtrics_txt
from evalkit.questionnaire.text import text
from evalkit.questionnaire.xlsform import xlsform

__all__ = ["FORMATS", "Item", "items", "write_questionnaire"]

#: format -> (writer, file suffix)
FORMATS = {
    "xlsform": (xlsform, ".xlsx"),
    "qualtrics": (qualtrics_txt, ".txt"),
    "google-apps-script": (apps_script, ".gs"),
    "text": (text, ".md"),
}


def write_questionnaire(place, round_number: int, fmt: str) -> bytes:
    """The questionnaire's bytes in one of :data:`FORMATS`."""
    return FORMATS[fmt][0](place, round_number)
