"""Reference implementations kept to check the change engine against R: Davies' test as in
``segmented::davies.test`` and Muggeo's iteration as in ``segmented::segmented``. The engine
itself uses neither; the tests compare it with both on published data."""

from evalkit.change.reference.davies import DaviesResult, davies_test
from evalkit.change.reference.muggeo import MuggeoResult, muggeo_iteration

__all__ = ["DaviesResult", "MuggeoResult", "davies_test", "muggeo_iteration"]
