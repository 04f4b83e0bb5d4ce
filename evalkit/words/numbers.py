"""Numbers as a reader should see them: one decimal, intervals, p-values with words beside them."""

from __future__ import annotations

__all__ = ["format_p", "interval_text", "join_names", "one_decimal"]


def one_decimal(value: float) -> str:
    return f"{value:.1f}"


def format_p(p: float) -> str:
    """A p-value as a reader should see it.

    Examples
    --------
    >>> format_p(0.0312), format_p(0.00001), format_p(None)
    ('p = 0.031', 'p < 0.001', 'not tested')
    """
    if p is None or p != p:  # no test, e.g. fewer than 6 rounds for a turning point
        return "not tested"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def interval_text(low: float, high: float) -> str:
    return f"{low:.1f} to {high:.1f}"


def join_names(words: list[str]) -> str:
    """Names in a sentence: "a", "a and b", "a, b and c".

    >>> join_names(["Ashby"]), join_names(["Ashby", "Bexley", "Crewe"])
    ('Ashby', 'Ashby, Bexley and Crewe')
    """
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
