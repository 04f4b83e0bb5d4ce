"""How well evalkit's long-series detector finds the change points of real annotated series.

Eight published series (``tests/data/longseries/``: five with changes the literature dates, three
with none) are scored with the F1 of the change points (a margin of 5 points) and the covering of
the marked segments, for ``evalkit.change.detect_changepoints`` with its defaults, for binary
segmentation of the mean with a BIC-type penalty (2 sigma^2 log n), and for "no change at all".
The last line printed is JSON.

Run: .venv/bin/python benchmarks/changepoints_real.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_longseries_real import scores  # noqa: E402  (the tests' own loading and scoring)


def main() -> None:
    start = time.perf_counter()
    table = scores()
    seconds = time.perf_counter() - start
    wide = table.pivot(index="series", columns="detector", values=["found", "f1", "covering"])
    print(f"{table['series'].nunique()} real series, scored in {seconds:.1f} s\n")
    print(wide.round(3).to_string(), "\n")
    mean = table.groupby("detector")[["f1", "covering"]].mean()
    print("Mean over the series")
    print(mean.round(3).to_string())
    print(
        json.dumps(
            {
                "series": int(table["series"].nunique()),
                **{
                    f"{score}_{detector}": round(float(mean.loc[detector, score]), 4)
                    for detector in ("evalkit", "binseg_bic", "no_change")
                    for score in ("f1", "covering")
                },
                "changes_found_evalkit": int(table.query("detector == 'evalkit'")["found"].sum()),
                "changes_found_binseg_bic": int(
                    table.query("detector == 'binseg_bic'")["found"].sum()
                ),
                "changes_marked": int(table.query("detector == 'evalkit'")["marked"].sum()),
                "seconds": round(seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
