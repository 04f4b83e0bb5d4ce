"""How well change points found match those people marked: F1 with a margin, and covering.

The two scores of the Turing change-point benchmark (van den Burg and Williams 2020): the F1
score of the change points, a found point counting when it lies within ``margin`` points of a
marked one (each marked point matched at most once), and the covering of the marked segments by
the found ones (Arbelaez et al. 2011). By that benchmark's convention the start of the series
counts as a change point in both lists, so that finding no change on a series with none scores 1.
"""

from __future__ import annotations

__all__ = ["covering", "f1_score"]


def _starts(points, n: int) -> list[int]:
    """Change points given as the index of the last point before each change -> segment starts
    (0 included)."""
    return sorted({0, *(int(p) + 1 for p in points if 0 <= int(p) + 1 < n)})


def f1_score(found, marked, n: int, *, margin: int = 5) -> float:
    """F1 of found change points against marked ones, within ``margin`` points.

    Both are indexes of the last point before each change; the series' start counts in both.

    Examples
    --------
    >>> f1_score([49], [50], 100), f1_score([], [50], 100), f1_score([], [], 100)
    (1.0, 0.6666666666666666, 1.0)
    >>> round(f1_score([20, 49, 80], [50], 100), 4)  # precision 2/4, recall 2/2
    0.6667
    """
    found, marked = _starts(found, n), _starts(marked, n)
    used, hits = set(), 0
    for m in marked:
        near = [f for f in found if abs(f - m) <= margin and f not in used]
        if near:
            used.add(min(near, key=lambda f: abs(f - m)))
            hits += 1
    precision, recall = hits / len(found), hits / len(marked)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def covering(found, marked, n: int) -> float:
    """Covering of the marked segmentation by the found one (Arbelaez et al. 2011).

    C = (1 / n) sum over marked segments A of |A| max over found segments B of |A & B| / |A | B|.

    Examples
    --------
    >>> covering([49], [49], 100), covering([], [49], 100)
    (1.0, 0.5)
    >>> round(covering([59], [49], 100), 4)  # (50 x 50/60 + 50 x 40/50) / 100
    0.8167
    """

    def segments(points):
        bounds = [*_starts(points, n), n]
        return [range(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def overlap(a: range, b: range) -> float:
        inter = max(0, min(a.stop, b.stop) - max(a.start, b.start))
        return inter / (len(a) + len(b) - inter)

    ours = segments(found)
    return sum(len(a) * max(overlap(a, b) for b in ours) for a in segments(marked)) / n
