"""The ``evalkit`` command: our errors become a clear message and exit code 2, not a traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exceptions import EvalkitError

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from .demo import DEFAULT_SEED, write_demo

    out = write_demo(args.out, seed=DEFAULT_SEED if args.seed is None else args.seed)
    print(f"Wrote a demo place to {out}. Next: ingest its rounds (see 'make demo').")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest_round

    result = ingest_round(
        args.place_dir,
        args.round,
        ratings=args.ratings,
        ties=args.ties,
        reflections=args.reflections,
        events=args.events,
        replace=args.replace,
    )
    print(result)
    return 0


def _run(args: argparse.Namespace) -> int:
    from .runner import run_place

    rounds = None if args.all or args.round is None else [args.round]
    results = run_place(
        args.place_dir,
        rounds=rounds,
        outputs_dir=args.out,
        workers=args.workers,
        show_code=args.show_code,
        progress=not args.quiet,
    )
    failed = [r for r in results if not r.ok]
    print(
        f"{len(results) - len(failed)} of {len(results)} reports written to {args.out}/; "
        f"open {Path(args.out) / 'index.html'}"
    )
    if failed:
        print("Failed:", file=sys.stderr)
        for result in failed:
            print(
                f"  {result.job.name}: {result.error} (partial output in "
                f"{result.job.out_dir}.failed/)",
                file=sys.stderr,
            )
        return 1
    return 0


def _trend(args: argparse.Namespace) -> int:
    import json

    from .trend_file import assess_file

    table = assess_file(args.file, time=args.time, value=args.value, unit=args.unit, by=args.by)
    if args.json:
        print(json.dumps(table, indent=2, ensure_ascii=False))
    else:
        for record in table:
            where = ", ".join(f"{column}={record[column]}" for column in args.by)
            interval = "".join(
                f" turning at {b['time']:g} (95% interval {b['low']:g} to {b['high']:g})"
                for b in record["breakpoints"]
            )
            print(
                f"{where + ': ' if where else ''}{record['shape']}"
                f"{' (non-linear)' if record['nonlinear'] else ''}{interval}"
            )
            print(f"    {record['sentence']}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalkit", description="Developmental evaluation of place-based systems change."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="write a fictional place with eight rounds of data")
    demo.add_argument("--out", default="data/demo", help="folder to write (default: data/demo)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: 2)")
    demo.set_defaults(handler=_demo)

    ingest = commands.add_parser(
        "ingest", help="validate one round's files and add them to the store"
    )
    ingest.add_argument("place_dir", help="the place folder (holding place.yml)")
    ingest.add_argument("--round", type=int, required=True, help="round number, as in place.yml")
    ingest.add_argument("--ratings", required=True, help="the ratings CSV")
    ingest.add_argument("--ties", help="who-worked-with-whom CSV")
    ingest.add_argument("--reflections", help="reflections CSV")
    ingest.add_argument("--events", help="events CSV")
    ingest.add_argument(
        "--replace",
        action="store_true",
        help="replace files already ingested for this round (earlier ones are kept in raw/)",
    )
    ingest.set_defaults(handler=_ingest)

    run = commands.add_parser("run", help="execute the report notebooks and write outputs/")
    run.add_argument("place_dir", help="the place folder")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--round", type=int, help="only this round")
    which.add_argument("--all", action="store_true", help="every ingested round (the default)")
    run.add_argument("--out", default="outputs", help="outputs folder (default: outputs)")
    run.add_argument(
        "--workers", type=int, default=None, help="parallel notebooks (default: cores)"
    )
    run.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=_run)
    trend = commands.add_parser(
        "trend", help="assess the shape of change in each series of a CSV file"
    )
    trend.add_argument("file", help="CSV file with one row per observation")
    trend.add_argument("--time", required=True, help="time column: rounds, years, dates or any x")
    trend.add_argument("--value", required=True, help="value column")
    trend.add_argument("--unit", help="respondent id column, for panels (optional)")
    trend.add_argument(
        "--by", nargs="*", default=[], metavar="COL", help="columns that split the file into series"
    )
    trend.add_argument("--json", action="store_true", help="print JSON instead of a table")
    trend.set_defaults(handler=_trend)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except EvalkitError as err:
        print(f"evalkit {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted; earlier outputs are untouched.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
