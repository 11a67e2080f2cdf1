"""`tonecheck audit`: check a year of sent mail in bulk, one row per email, with a summary.

Mail is read lazily (mbox, .eml folder, CSV, JSONL, Parquet), grouped into batches of about `--batch-words`
words, checked by forked workers that share the loaded engine (as `check --jobs` does, `cli/batches.py`) or
by Ray Data actors (`--engine ray`, `cli/audit_ray.py`), and written in chunks of `--chunk-size` rows. Rows
already in the output (by id) are skipped, so running the same command again resumes an interrupted audit.
This module imports only the standard library at load time: `tonecheck --help` stays fast.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tonecheck.cli import INPUT_FORMATS, Exit, sensitivity_arg

if TYPE_CHECKING:
    from tonecheck.cli.audit_check import Levels
    from tonecheck.cli.audit_io import Mail, Row
    from tonecheck.engine import Engine
    from tonecheck.settings import Settings

INTERRUPTED = 130
BATCH_WORDS = 4000  # per engine call: enough for nlp.pipe and the encoder to batch, small enough to share out
CHUNK_ROWS = 1000  # rows per write: an interrupt loses at most this many checked emails
SHOWN_RULES = 15
SHOWN_WORST = 10

def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of 1 or more")
    return int(value)


def _share(value: str) -> float:
    """`--worst`: a share of the checked emails, as 0.01 or 1%."""
    try:
        share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        share = -1.0
    if not 0 < share <= 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a share between 0 and 1 (or 0% and 100%)")
    return share



EPILOG = """\
Output rows: id, date, verdict, categories, rule_ids, scores (highest per category), max_score, findings,
sentences, error; the text only with --include-text. A .jsonl output is appended to; a .parquet output is a
folder of part files. Rows already in the output are skipped: run the same command again to resume.
exit codes: 0 done, 2 usage or input error, 130 interrupted (what was written stays). See docs/audit.md."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `tonecheck audit`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("input", metavar="INPUT", help="an mbox file, a folder of .eml files, or a CSV, JSONL or "
                        "Parquet file (or folder of Parquet files)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="where the rows go: FILE.jsonl (JSON lines) or FILE.parquet (a folder of part files)")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default=None,
                        help="how to read INPUT (default: from its name or, for a file starting 'From ', mbox)")
    table = parser.add_argument_group("columns (CSV, JSONL, Parquet)")
    table.add_argument("--id-column", default=None, metavar="NAME",
                       help="the email's id (default: id, else the row number)")
    table.add_argument("--text-column", default="text", metavar="NAME",
                       help="the body as sent (default: text); HTML in it is recognised unless a content type says")
    table.add_argument("--date-column", default=None, metavar="NAME", help="the date sent (default: date, if present)")
    table.add_argument("--html-column", default=None, metavar="NAME",
                       help="an HTML body, rendered to text; used when the text column is empty or absent")
    table.add_argument("--content-type-column", default=None, metavar="NAME",
                       help="text/plain or text/html for the text column, per row")
    parser.add_argument("--prefer", choices=("plain", "html"), default="plain",
                        help="which body to check when a message (or row) has both (default: plain)")
    parser.add_argument("--include-text", action="store_true", help="also write each email's text (off by default)")
    parser.add_argument("--summary", metavar="FILE", default=None, help="also write the summary as JSON to FILE")
    parser.add_argument("--worst", type=_share, default=0.01, metavar="SHARE",
                        help="the worst-scoring share listed in the summary, as 0.01 or 1%% (default: 1%%)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local worker processes (default), or Ray Data actors (pip install 'tonecheck[ray]')")
    parser.add_argument("--jobs", type=_positive, default=None, metavar="N",
                        help="worker processes, or Ray actors (default: every core here, or the Ray cluster's CPUs)")
    parser.add_argument("--ray-address", default=None, metavar="ADDRESS",
                        help="a Ray cluster to run on: auto, or ray://HEAD:10001 (default: start Ray here)")
    parser.add_argument("--batch-words", type=_positive, default=BATCH_WORDS, metavar="N",
                        help=f"about this many words per engine call (default: {BATCH_WORDS})")
    parser.add_argument("--chunk-size", type=_positive, default=CHUNK_ROWS, metavar="ROWS",
                        help=f"rows per write; an interrupt loses at most one chunk (default: {CHUNK_ROWS})")
    parser.add_argument("--sensitivity", type=sensitivity_arg, default=None, metavar="LEVEL",
                        help="strict, default or relaxed, for all categories or as heated=relaxed,blame=strict")
    parser.add_argument("--rules-only", action="store_true", help="skip the classifier (faster, less accurate)")


# ------------------------------------------------------------------------------------------ checking


# What forked workers use: set just before the fork, so the loaded engine is shared, not pickled.
_WORKER: tuple[Engine, bool, Levels] | None = None


def _check_in_worker(mails: list[Mail]) -> list[Row]:
    from tonecheck.cli.audit_check import check_batch

    assert _WORKER is not None
    engine, include_text, levels = _WORKER
    return check_batch(engine, mails, include_text, levels)


def _worker_init(threads: int) -> None:
    """A forked worker: its share of the cores for torch, as `check --jobs` gives; Ctrl-C is the parent's to handle."""
    from tonecheck.cli.batches import worker_init

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool stops its workers with SIGTERM
    worker_init(threads)


def run_local(
    engine: Engine, batches: Iterable[list[Mail]], jobs: int, include_text: bool, levels: Levels = ()
) -> Iterator[list[Row]]:
    """Rows batch by batch, in input order: in this process, or in `jobs` forked workers.

    At most two batches per worker are in flight, so a mailbox of any size is read only as fast as it is checked.
    """
    global _WORKER
    from tonecheck.cli.audit_check import check_batch
    from tonecheck.cli.batches import cores

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in batches:
            yield check_batch(engine, batch, include_text, levels)
        return
    _WORKER = (engine, include_text, levels)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs, initializer=_worker_init, initargs=(max(1, cores() // jobs),)) as pool:
            pending: deque[Any] = deque()
            for batch in batches:
                pending.append(pool.apply_async(_check_in_worker, (batch,)))
                while len(pending) >= 2 * jobs:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _WORKER = None


# ------------------------------------------------------------------------------------------- command


class _Pending:
    """The input minus what is already in the output (by id) and minus repeated ids, counted."""

    def __init__(self, mails: Iterable[Mail], done: set[str], skipped: Callable[[], None]) -> None:
        self.mails, self.done, self.skipped = mails, done, skipped
        self.seen: set[str] = set()
        self.already = self.duplicates = 0

    def __iter__(self) -> Iterator[Mail]:
        for mail in self.mails:
            if mail.id in self.done:
                self.already += 1
                self.skipped()
            elif mail.id in self.seen:
                self.duplicates += 1
                self.skipped()
            else:
                self.seen.add(mail.id)
                yield mail


def _progress(total: int | None, stream: TextIO) -> Any:
    """A progress bar on `stream` only when a person is watching."""
    from tqdm import tqdm

    return tqdm(total=total, file=stream, unit="email", disable=not stream.isatty(), dynamic_ncols=True)


def run_audit(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO, engine: Engine | None = None
) -> int:
    """The whole `audit` command; returns the exit code. `engine` is an already loaded engine (tests share one)."""
    from tonecheck.cli.audit_io import Mapping, detect_format, open_output, read_input, summarize, word_batches

    started = time.monotonic()
    path = Path(args.input)
    output = open_output(Path(args.output), args.include_text)
    fmt = args.input_format or detect_format(path)
    mapping = Mapping(args.id_column, args.text_column, args.date_column, args.html_column,
                      args.content_type_column, args.prefer)
    source = read_input(path, fmt, mapping)
    done, rows_before = output.done()
    levels: Levels = tuple(sorted((args.sensitivity or {}).items()))
    written = 0
    run: dict[str, Any] = {"engine": args.engine, "input": str(path), "input_format": fmt, "output": args.output}
    with _progress(source.total, stderr) as bar:
        pending = _Pending(source.mails, done, lambda: bar.update(1))
        batches = word_batches(pending, args.batch_words)
        first = next(batches, None)  # nothing left to check (a finished audit run again): load no models
        batches = itertools.chain([first] if first else [], batches)
        results: Iterator[list[Row]] = iter(())
        jobs, versions = 0, None
        if first and args.engine == "ray":
            results, jobs, versions = _ray_results(args, settings, batches, levels)
        elif first:
            from tonecheck.cli.batches import cores
            from tonecheck.engine import build_engine

            engine = engine or build_engine(settings)
            jobs, versions = args.jobs or cores(), engine.versions
            results = run_local(engine, batches, jobs, args.include_text, levels)
        check_started = time.monotonic()
        buffer: list[Row] = []
        try:
            for rows in results:
                buffer += rows
                bar.update(len(rows))
                if len(buffer) >= args.chunk_size:
                    chunk, buffer = buffer, []  # taken first: an interrupt mid-write must not write it twice
                    output.write(chunk)
                    written += len(chunk)
            chunk, buffer = buffer, []
            output.write(chunk)
            written += len(chunk)
        except KeyboardInterrupt:
            chunk, buffer = buffer, []
            output.write(chunk)  # whole rows; a second interrupt here leaves a torn line that resume drops
            print(f"\ntonecheck audit: interrupted; what was checked is in {args.output}. "
                  "Run the same command again to resume.", file=stderr)
            return INTERRUPTED
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()  # stops the workers (or Ray) now, not when the generator is collected
    seconds = time.monotonic() - check_started
    run.update(jobs=jobs, checked_now=written, already_done=pending.already, duplicate_ids=pending.duplicates,
               seconds=round(time.monotonic() - started, 2), check_seconds=round(seconds, 2),
               emails_per_second=round(written / seconds, 2) if written and seconds > 0 else None,
               finished=datetime.now(UTC).isoformat(timespec="seconds"))
    summary = summarize(output.rows(("id", "verdict", "categories", "rule_ids", "max_score", "error")),
                        rows_before + written, args.worst)
    summary["run"] = run
    if versions is not None:
        summary["versions"] = {"service": versions.service, "rules": versions.rules, "model": versions.model}
    if args.summary:
        try:
            Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            from tonecheck.errors import InputError

            raise InputError(f"{args.summary}: cannot write the summary: {exc.strerror}") from exc
    stdout.write(render_summary(summary))
    stdout.flush()
    return Exit.CLEAN


def _ray_results(
    args: argparse.Namespace, settings: Settings, batches: Iterable[list[Mail]], levels: Levels
) -> tuple[Iterator[list[Row]], int | None, Any]:
    from tonecheck.errors import InputError

    try:
        from tonecheck.cli.audit_ray import run_ray
    except ImportError as exc:
        raise InputError(f"--engine ray needs Ray: pip install 'tonecheck[ray]' ({exc})") from exc
    results = run_ray(batches, jobs=args.jobs, address=args.ray_address, include_text=args.include_text,
                      levels=levels, settings_update={"use_classifier": settings.use_classifier})
    return results, args.jobs, None


def _emails(n: int) -> str:
    return f"{n} email" if n == 1 else f"{n} emails"


def _pct(part: dict[str, Any]) -> str:
    return f"{100 * part['rate']:.1f}%"


def render_summary(summary: dict[str, Any]) -> str:
    """The summary as a few lines for a terminal."""
    run = summary.get("run", {})
    speed = (f" in {run['check_seconds']} s ({run['emails_per_second']} emails/s; {run['seconds']} s with start-up)"
             if run.get("emails_per_second") else "")
    lines = [
        f"tonecheck audit: {_emails(summary['emails'])} in {run.get('output')} ({summary['checked']} checked, "
        f"{summary['errors']} not checkable); this run checked {run.get('checked_now', 0)}{speed}, "
        f"{run.get('already_done', 0)} were already done",
        "verdicts:   " + "  ".join(f"{v} {_pct(c)}" for v, c in summary["verdicts"].items()),
        "categories: " + "  ".join(f"{k} {_pct(c)}" for k, c in summary["categories"].items()),
    ]
    rules = list(summary["rules"].items())
    if rules:
        lines.append("rules (share of checked emails):")
        lines += [f"  {_pct(c):>6}  {c['count']:>7}  {rule}" for rule, c in rules[:SHOWN_RULES]]
        if len(rules) > SHOWN_RULES:
            lines.append(f"  ... {len(rules) - SHOWN_RULES} more rules in --summary FILE")
    worst = summary["worst"]
    if worst["count"]:
        lines.append(f"worst {100 * worst['share']:g}% by max score: {_emails(worst['count'])}, max score >= "
                     f"{worst['min_max_score']}")
        lines += [f"  {w['max_score']:.4f}  {w['verdict']:<6}  {w['id']}" for w in worst["emails"][:SHOWN_WORST]]
        if worst["count"] > SHOWN_WORST:
            lines.append(f"  ... {worst['count'] - SHOWN_WORST} more ids in --summary FILE")
    return "\n".join(lines) + "\n"


def audit_command(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO, engine: Engine | None = None
) -> int:
    """`run_audit` with every error turned into a message and exit 2."""
    from tonecheck.errors import TonecheckError

    try:
        return run_audit(args, settings, stdout, stderr, engine)
    except KeyboardInterrupt:
        print("\ntonecheck audit: interrupted before anything was written", file=stderr)
        return INTERRUPTED
    except TonecheckError as exc:
        print(f"tonecheck: {exc}", file=stderr)
    except Exception:
        traceback.print_exc(file=stderr)
        print("tonecheck: internal error (see the traceback above); please report it", file=stderr)
    return Exit.ERROR


def audit_main(args: argparse.Namespace) -> int:
    """`tonecheck audit` from the console script: settings from the environment, then `audit_command`."""
    from tonecheck.settings import get_settings

    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8")
    try:
        settings = get_settings()
    except Exception as exc:  # pydantic's ValidationError names the bad TONECHECK_* variable
        print(f"tonecheck: bad settings: {exc}", file=sys.stderr)
        return Exit.ERROR
    if args.rules_only:
        settings = settings.model_copy(update={"use_classifier": False})
    signal.signal(signal.SIGTERM, _interrupt)  # a stopped job or pod writes what it has, as Ctrl-C does
    return audit_command(args, settings, sys.stdout, sys.stderr)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
