"""evalkit: developmental evaluation of place-based systems change.

Validated rounds of survey data in an embedded store, indicators with honest uncertainty, and
parameterised notebooks that turn them into reports people read.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evalkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from evalkit.config import Framework, Place, load_framework, load_place  # noqa: E402
from evalkit.exceptions import EvalkitError, Problem, RunError, StoreError, ValidationError  # noqa: E402

__all__ = [
    "__version__",
    "Framework",
    "Place",
    "load_framework",
    "load_place",
    "EvalkitError",
    "Problem",
    "RunError",
    "StoreError",
    "ValidationError",
]
