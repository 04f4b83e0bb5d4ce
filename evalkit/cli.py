"""The ``evalkit`` command: our errors become a clear message and exit code 2, not a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evalkit.exceptions import EvalkitError

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    from evalkit.demo.files import write_demo, write_programme
    from evalkit.demo.simulator import DEFAULT_SEED

    if args.programme:
        if args.seed is not None:
            raise EvalkitError("--seed is for one place; the programme's places have fixed seeds.")
        places = write_programme(args.out)
        names = ", ".join(p.name for p in places)
        print(f"Wrote a demo programme of {len(places)} places ({names}) to {args.out}.")
        return 0
    out = write_demo(args.out, seed=DEFAULT_SEED if args.seed is None else args.seed)
    print(f"Wrote a demo place to {out}. Next: ingest its rounds (see 'make demo').")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from evalkit.data.ingest import ingest_round

    _one_source(args)
    result = ingest_round(
        args.place_dir,
        args.round,
        ratings=args.ratings,
        ties=args.ties,
        reflections=args.reflections,
        events=args.events,
        sheet=args.sheet,
        replace=args.replace,
        export=args.export,
        mapping=args.mapping,
        new_key=args.new_key,
    )
    print(result)
    return 0


def _validate(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from evalkit.config import load_place
    from evalkit.data.ingest import store_conflicts
    from evalkit.data.validate import check_round
    from evalkit.exceptions import ValidationError

    try:
        place = load_place(args.place_dir)
    except ValidationError as err:  # place.yml itself: report it like any other file
        problems, warnings, report = err.problems, [], str(err)
    else:
        _one_source(args)
        files = {kind: getattr(args, kind) for kind in ("ratings", "ties", "reflections", "events")}
        check = check_round(
            place, args.round, sheet=args.sheet, export=args.export, mapping=args.mapping, **files
        )
        conflicts = store_conflicts(place, check) if check.ok else []
        check = dataclasses.replace(check, warnings=(*check.warnings, *conflicts))
        problems, warnings, report = check.problems, check.warnings, str(check)
    if args.json:
        records = [{**p.to_dict(), "level": "error"} for p in problems]
        records += [{**w.to_dict(), "level": "warning"} for w in warnings]
        print(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        print(report)
    return 2 if problems else 0


def _run(args: argparse.Namespace) -> int:
    from evalkit.run.runner import run

    if args.help_notebook:
        from evalkit.run.notebooks import notebook_path
        from evalkit.run.params import describe_parameters

        path = notebook_path(args.help_notebook, args.notebooks)
        print(describe_parameters(path))
        return 0
    if args.dir is None:
        raise EvalkitError(
            "give a place folder or a programme folder, e.g. 'evalkit run data/demo'."
        )
    rounds = None if args.all or args.round is None else [args.round]
    from evalkit.config import formats_from_text

    scheduler = args.scheduler or os.environ.get("EVALKIT_SCHEDULER") or None
    security = None
    if scheduler is not None:
        from evalkit.run.cluster import security_from_files

        security = security_from_files(args.tls_ca_file, args.tls_cert, args.tls_key)
    results = run(
        args.dir,
        rounds=rounds,
        outputs_dir=args.out,
        workers=args.workers,
        show_code=args.show_code,
        force=args.force,
        progress=not args.quiet,
        scheduler=scheduler,
        security=security,
        formats=formats_from_text(args.formats) if args.formats else None,
        notebooks=args.notebooks or os.environ.get("EVALKIT_NOTEBOOKS") or None,
    )
    failed = [r for r in results if not r.ok]
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "up to date", "failed")}
    print(
        f"{counts['ok']} notebooks executed, {counts['up to date']} up to date, "
        f"{counts['failed']} failed; open {Path(args.out) / 'index.html'}"
    )
    if failed:
        width = max(len(r.job.name) for r in failed)
        print(f"\n{'Failed':<{width}}  Why, and where the partial report is", file=sys.stderr)
        for result in failed:
            print(
                f"{result.job.name:<{width}}  {result.error}\n{'':<{width}}  "
                f"{result.job.out_dir}.failed/{result.job.notebook.stem}.html",
                file=sys.stderr,
            )
        return 1
    return 0


_KINDS = {
    "round": "one report per round",
    "trajectory": "one report per place, over its rounds",
    "programme": "one report for the programme",
}


def _notebooks(args: argparse.Namespace) -> int:
    from evalkit.run.notebooks import copy_notebooks, notebook_kind

    copies = copy_notebooks(args.dir, force=args.force)
    print(f"Copied {len(copies)} notebooks to {args.dir}:")
    for path in copies:
        kind = notebook_kind(path)
        what = _KINDS.get(kind, "not a report: evalkit run leaves it alone")
        print(f"  {path.name:<22} {what}")
    print(
        f"Edit them, or add your own beside them, and run them with "
        f"'evalkit run PLACE --notebooks {args.dir}' (or 'notebooks: {args.dir}' in place.yml, "
        "relative to the place folder)."
    )
    return 0


def _log(args: argparse.Namespace) -> int:
    import datetime as dt

    from evalkit.data.learning_log import log_event

    try:
        date = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError as err:
        raise EvalkitError(f"--date {args.date!r} is not a date: write YYYY-MM-DD.") from err
    log_event(args.place_dir, args.round, args.text, kind=args.kind, date=date)
    print(
        f"Logged a {args.kind} for round {args.round}: it appears on the time axes of the next "
        "reports ('evalkit run' re-executes those that show it)."
    )
    return 0


def _trend(args: argparse.Namespace) -> int:
    import json

    from evalkit.change.from_file import assess_file

    table = assess_file(
        args.file, time=args.time, value=args.value, unit=args.unit, by=args.by, sheet=args.sheet
    )
    if args.json:
        print(json.dumps(table, indent=2, ensure_ascii=False))
    else:
        for record in table:
            where = ", ".join(f"{column}={record[column]}" for column in args.by)
            interval = "".join(
                f" turning at {_when(b['time'])} (95% interval {_when(b['low'])} to "
                f"{_when(b['high'])})"
                for b in record["breakpoints"]
            )
            print(
                f"{where + ': ' if where else ''}{record['shape'] or 'too early to tell'}"
                f"{' (non-linear)' if record['nonlinear'] else ''}{interval}"
            )
            print(f"    {record['sentence']}")
    return 0


def _when(value) -> str:
    """A turning time as printed: a number as it is (``5``, ``4.25``), a date as its day."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)[:10]


def _diff(args: argparse.Namespace) -> int:
    import json

    from evalkit.config import PLACE_FILE, load_place
    from evalkit.reports.findings import diff_rounds, format_diff

    folder, place = Path(args.dir), None
    if (folder / PLACE_FILE).is_file():  # a place folder: its outputs are under --out
        place = load_place(folder)
        folder = Path(args.out) / place.id
    diff = diff_rounds(folder, args.from_round, args.to_round, place=place)
    print(json.dumps(diff, indent=2, ensure_ascii=False) if args.json else format_diff(diff))
    return 0


def _one_source(args: argparse.Namespace) -> None:
    if args.export is None and args.ratings is None:
        raise EvalkitError("give the round's --ratings file, or a survey tool's --export.")
    if args.export is not None and (args.ratings or args.ties or args.reflections):
        raise EvalkitError(
            "--export holds the round's ratings, ties and reflections: give it without "
            "--ratings, --ties and --reflections (--events may go with it)."
        )
    if args.mapping is not None and args.export is None:
        raise EvalkitError("--mapping reads an --export: give the export too.")


def _init(args: argparse.Namespace) -> int:
    from evalkit.place_template import init_place

    path = init_place(args.place_dir, name=args.name, framework=args.framework)
    print(f"Wrote {path}: edit its organisations, roles and rounds, then run 'evalkit survey'.")
    return 0


def _survey(args: argparse.Namespace) -> int:
    from evalkit._io import write_bytes_atomic
    from evalkit.config import load_place
    from evalkit.questionnaire import FORMATS, write_questionnaire

    place = load_place(args.place_dir)
    if args.round not in place.round_numbers:
        raise EvalkitError(f"place.yml lists no round {args.round}: add it under rounds: first.")
    content = write_questionnaire(place, args.round, args.format)
    if args.out is None and FORMATS[args.format][1] == ".xlsx":
        raise EvalkitError("an XLSForm is a workbook: give --out FILE.xlsx.")
    if args.out is None:
        sys.stdout.write(content.decode("utf-8"))
        return 0
    write_bytes_atomic(Path(args.out), content)
    print(f"Wrote {args.out}: its question ids are evalkit's, so its export needs no mapping.")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    import json

    from evalkit.data.exports import describe, read_export
    from evalkit.data.problems import Problems
    from evalkit.exceptions import ValidationError

    found = Problems(args.export)
    try:
        content = Path(args.export).read_bytes()
    except OSError as err:
        raise EvalkitError(f"{args.export} could not be read ({err.strerror}).") from err
    export = read_export(content, found, sheet=args.sheet)
    if export is None:
        raise ValidationError(found.problems())
    seen = describe(export)
    if args.json:
        print(json.dumps(seen, indent=2, ensure_ascii=False))
        return 0
    dropped = ", ".join(f"{n} {why}" for why, n in seen["dropped"].items() if n) or "none"
    print(
        f"{args.export}: a {export.tool} export ({export.description}), "
        f"{export.header_rows} header row{'s' * (export.header_rows != 1)}"
    )
    print(f"Responses kept: {seen['responses']}; dropped: {dropped}")
    print(f"Respondent id column: {seen['respondent_id_column'] or '(none)'}")
    for q in seen["questions"]:
        scale = f" {q['scale']['min']} to {q['scale']['max']}" if q["scale"] else ""
        missing = f", no-answer codes {q['missing_codes']}" if q["missing_codes"] else ""
        columns = f" [{', '.join(q['columns'])}]" if len(q["columns"]) > 1 else ""
        print(f"  {q['id']}: {q['kind']}{scale}{missing}{columns}  {q['text'][:70]}")
    return 0


def _mapping(args: argparse.Namespace) -> int:
    from evalkit._io import write_bytes_atomic
    from evalkit.config import load_place
    from evalkit.data.exports import read_export
    from evalkit.data.problems import Problems
    from evalkit.data.suggest import suggest_mapping
    from evalkit.exceptions import ValidationError

    place = load_place(args.place)
    found = Problems(args.export)
    try:
        content = Path(args.export).read_bytes()
    except OSError as err:
        raise EvalkitError(f"{args.export} could not be read ({err.strerror}).") from err
    export = read_export(content, found, sheet=args.sheet)
    if export is None:
        raise ValidationError(found.problems())
    text, unplaced = suggest_mapping(export, place, Path(args.export).name)
    if args.out is None:
        sys.stdout.write(text)
    else:
        if Path(args.out).exists():
            raise EvalkitError(f"{args.out} already exists: give another --out, or delete it.")
        write_bytes_atomic(Path(args.out), text.encode("utf-8"))
        print(f"Wrote {args.out}; {len(unplaced)} thing(s) could not be placed (listed on top).")
    return 0


def _round_files(command: argparse.ArgumentParser) -> None:
    """The options naming one round's files, shared by ingest and validate."""
    command.add_argument("--round", type=int, required=True, help="round number, as in place.yml")
    command.add_argument("--ratings", help="the ratings file (CSV or .xlsx), in evalkit's layout")
    command.add_argument(
        "--export",
        metavar="FILE",
        help="a survey tool's export (Qualtrics, SurveyMonkey, Microsoft Forms, Google Forms, "
        "KoboToolbox; CSV or .xlsx) instead of --ratings, --ties and --reflections",
    )
    command.add_argument(
        "--mapping",
        metavar="FILE",
        help="the mapping file that reads --export (not needed for a questionnaire evalkit wrote)",
    )
    command.add_argument("--ties", help="who-worked-with-whom file (CSV or .xlsx)")
    command.add_argument("--reflections", help="reflections file (CSV or .xlsx)")
    command.add_argument("--events", help="events file (CSV or .xlsx)")
    command.add_argument(
        "--sheet", metavar="NAME", help="the sheet to read in Excel workbooks with several sheets"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalkit", description="Developmental evaluation of place-based systems change."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="write a fictional place with eight rounds of data")
    demo.add_argument("--out", default="data/demo", help="folder to write (default: data/demo)")
    demo.add_argument("--seed", type=int, default=None, help="random seed (default: 2)")
    demo.add_argument(
        "--programme", action="store_true", help="write three places, one folder each, in --out"
    )
    demo.set_defaults(handler=_demo)

    ingest = commands.add_parser(
        "ingest", help="validate one round's files and add them to the store"
    )
    ingest.add_argument("place_dir", help="the place folder (holding place.yml)")
    _round_files(ingest)
    ingest.add_argument(
        "--replace",
        action="store_true",
        help="replace files already ingested for this round (earlier ones are kept in raw/)",
    )
    ingest.add_argument(
        "--new-key",
        action="store_true",
        help="only if the place's key is lost for good: make a new one (respondents from this "
        "round on will not be linked to those of earlier rounds)",
    )
    ingest.set_defaults(handler=_ingest)

    validate = commands.add_parser(
        "validate",
        help="check one round's files as ingest would, and write nothing",
        description="Run every check ingest runs and list every problem in one pass, each with "
        "its file, row (as a spreadsheet shows it), column, value and what to do. Exits 0 when "
        "the files can be ingested, 2 when not. Nothing is written.",
    )
    validate.add_argument("place_dir", help="the place folder (holding place.yml)")
    _round_files(validate)
    validate.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of problems and warnings (file, row, column, value, message, "
        "hint, level)",
    )
    validate.set_defaults(handler=_validate)

    run = commands.add_parser(
        "run",
        help="execute the report notebooks and write outputs/",
        description="Run a cycle: every round report, each place's trajectory and, for a "
        "programme folder, the programme view. Only notebooks whose notebook, data, parameters "
        "or evalkit version changed are re-executed.",
    )
    run.add_argument("dir", nargs="?", help="a place folder, or a programme folder of places")
    which = run.add_mutually_exclusive_group()
    which.add_argument("--round", type=int, help="only this round")
    which.add_argument("--all", action="store_true", help="every ingested round (the default)")
    run.add_argument("--out", default="outputs", help="outputs folder (default: outputs)")
    run.add_argument(
        "--workers", type=int, default=None, help="parallel notebooks (default: cores)"
    )
    run.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    run.add_argument(
        "--formats",
        metavar="LIST",
        help="what each report is written as, e.g. html,pdf,docx (default: each place's "
        "formats in place.yml, else html); PDFs need Chromium",
    )
    run.add_argument(
        "--notebooks",
        metavar="DIR",
        help="a folder of report notebooks of your own, run in place of the built-ins of the "
        "same name and beside the others (default: each place's notebooks: in place.yml, or "
        "$EVALKIT_NOTEBOOKS); 'evalkit notebooks copy DIR' makes one to start from",
    )
    run.add_argument("--force", action="store_true", help="re-execute even what is up to date")
    run.add_argument(
        "--help-notebook", metavar="NAME", help="list a notebook's parameters (e.g. round_report)"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    cluster = run.add_argument_group(
        "on a Dask cluster", "Run the notebooks on a dask.distributed cluster (see the README)."
    )
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a scheduler's address (tls://host:8786, or tcp:// on a trusted network), or "
        "local[:N] for a LocalCluster of N workers here (default: $EVALKIT_SCHEDULER)",
    )
    cluster.add_argument("--tls-ca-file", metavar="FILE", help="CA certificate, for tls://")
    cluster.add_argument("--tls-cert", metavar="FILE", help="this client's certificate")
    cluster.add_argument("--tls-key", metavar="FILE", help="this client's private key")
    run.set_defaults(handler=_run)

    notebooks = commands.add_parser(
        "notebooks", help="copy the built-in report notebooks to make reports of your own"
    )
    notebook_commands = notebooks.add_subparsers(dest="action", required=True, metavar="ACTION")
    copy = notebook_commands.add_parser(
        "copy",
        help="copy the built-in notebooks into a folder to start from",
        description="Copy evalkit's notebooks into DIR. A notebook there with the name of a "
        "built-in one runs in its place; any other notebook whose parameters cell declares "
        "place and round (one report per round), place and through_round (one per place) or "
        "places (one for the programme) runs beside them.",
    )
    copy.add_argument("dir", help="the folder to copy them into (made if missing)")
    copy.add_argument("--force", action="store_true", help="overwrite notebooks already there")
    copy.set_defaults(handler=_notebooks)
    log = commands.add_parser(
        "log", help="record a workshop decision (or another event) in the learning log"
    )
    log.add_argument("place_dir", help="the place folder")
    log.add_argument(
        "--round", type=int, required=True, help="the round it belongs to (drawn before its survey)"
    )
    log.add_argument("--kind", default="decision", choices=("decision", "intervention", "context"))
    log.add_argument("--date", help="when, as YYYY-MM-DD (default: today)")
    log.add_argument("text", help="what was decided or happened, in a few words")
    log.set_defaults(handler=_log)

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
    trend.add_argument(
        "--sheet", metavar="NAME", help="the sheet to read in a workbook with several sheets"
    )
    trend.add_argument("--json", action="store_true", help="print JSON instead of a table")
    trend.set_defaults(handler=_trend)

    diff = commands.add_parser(
        "diff", help="the findings that appeared, disappeared or changed between two rounds"
    )
    diff.add_argument(
        "dir", help="a place's outputs folder (holding round-NN/summary.json) or a place folder"
    )
    diff.add_argument(
        "--from", dest="from_round", metavar="N", type=int, required=True, help="earlier round"
    )
    diff.add_argument(
        "--to", dest="to_round", metavar="M", type=int, required=True, help="later round"
    )
    diff.add_argument(
        "--out", default="outputs", help="outputs folder, for a place folder (default: outputs)"
    )
    diff.add_argument("--json", action="store_true", help="print JSON instead of text")
    diff.set_defaults(handler=_diff)

    init = commands.add_parser("init", help="start a new place: a commented place.yml to edit")
    init.add_argument("place_dir", help="a new or empty folder for the place")
    init.add_argument("--name", help="the place's name (default: from the folder)")
    init.add_argument(
        "--framework", metavar="ID|PATH", help="built-in framework id or a framework file"
    )
    init.set_defaults(handler=_init)

    survey = commands.add_parser(
        "survey", help="write a round's questionnaire for a survey tool, with evalkit's ids"
    )
    survey.add_argument("place_dir", help="the place folder (holding place.yml)")
    survey.add_argument("--round", type=int, required=True, help="round number, as in place.yml")
    survey.add_argument(
        "--format", required=True, choices=("xlsform", "qualtrics", "google-apps-script", "text")
    )
    survey.add_argument("--out", metavar="FILE", help="file to write (default: print it)")
    survey.set_defaults(handler=_survey)

    inspect = commands.add_parser(
        "inspect", help="show what evalkit sees in a survey tool's export, before any mapping"
    )
    inspect.add_argument("export", help="the export (CSV or .xlsx)")
    inspect.add_argument("--sheet", metavar="NAME", help="the workbook's sheet")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=_inspect)

    mapping = commands.add_parser("mapping", help="draft the mapping file that reads an export")
    mapping_commands = mapping.add_subparsers(dest="mapping_command", required=True)
    suggest = mapping_commands.add_parser(
        "suggest", help="draft a mapping, with how sure each match is and what was not placed"
    )
    suggest.add_argument("export", help="the export (CSV or .xlsx)")
    suggest.add_argument("--place", required=True, help="the place folder (holding place.yml)")
    suggest.add_argument("--sheet", metavar="NAME", help="the workbook's sheet")
    suggest.add_argument("--out", metavar="FILE", help="file to write (default: print it)")
    suggest.set_defaults(handler=_mapping)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status = args.handler(args)
        sys.stdout.flush()  # a reader that stopped early (| head) is found here, not at exit
        return status
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except EvalkitError as err:
        print(f"evalkit {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted; earlier outputs are untouched.", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """The reader of our output has gone: send what is left nowhere, so that Python's own flush
    at exit raises nothing more (the recipe of Python's documentation on SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
