"""evalkit: developmental evaluation of place-based systems change.

Validated rounds of survey data in an embedded store, indicators with honest uncertainty, and
parameterised notebooks that turn them into reports people read. The names here are the ones most
people need; the packages hold the rest, in the order data flows: :mod:`evalkit.data` (raw files
to the store), :mod:`evalkit.indicators`, :mod:`evalkit.change`, :mod:`evalkit.network` and
:mod:`evalkit.stories` (analysis), :mod:`evalkit.reports` and :mod:`evalkit.words` (what the
reports show and say), :mod:`evalkit.run` (a cycle's notebooks: ``evalkit.run.run``),
:mod:`evalkit.plots`.

Examples
--------
>>> import evalkit
>>> evalkit.load_framework("system-behaviours").name
'System Behaviours'
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evalkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from evalkit.config import Framework, Place, load_framework, load_place  # noqa: E402
from evalkit.exceptions import (  # noqa: E402
    EvalkitError,
    Problem,
    RunError,
    StoreError,
    ValidationError,
)

# The heavier names are imported when first used, so that `import evalkit` stays quick.
_LAZY = {
    "check_round": "evalkit.data.validate",
    "ingest_round": "evalkit.data.ingest",
    "assess_trend": "evalkit.change.assess",
    "assess_trends": "evalkit.change.assess",
    "place_trends": "evalkit.reports.assessments",
    "build_round_report": "evalkit.reports.round",
    "build_trajectory": "evalkit.reports.trajectory",
}

__all__ = [
    "__version__",
    "EvalkitError",
    "Framework",
    "Place",
    "Problem",
    "RunError",
    "StoreError",
    "ValidationError",
    "assess_trend",
    "assess_trends",
    "build_round_report",
    "build_trajectory",
    "check_round",
    "ingest_round",
    "load_framework",
    "load_place",
    "place_trends",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})
