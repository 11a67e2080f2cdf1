"""The `tonecheck` command: `serve` runs the HTTP API, `check` checks files or stdin like a linter."""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
from enum import IntEnum
from pathlib import Path

from service.cleanup import ContentType
from service.engine import EmailInput, Report
from service.errors import TonecheckError
from service.findings import Verdict
from service.respond import text_report, to_response


class Exit(IntEnum):
    """Linter-style exit codes."""

    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


_RANK = {Verdict.SEND: 0, Verdict.REVIEW: 1, Verdict.HOLD: 2}
_FAIL_ON = {"review": 1, "hold": 2, "never": 99}


def read_input(path: str) -> EmailInput:
    """An email from a file (`.eml` parsed as MIME, `.html`/`.htm` as HTML) or `-` for stdin."""
    if path == "-":
        return EmailInput(sys.stdin.read())
    p = Path(path)
    data = p.read_bytes()
    if p.suffix.lower() == ".eml":
        msg = email.message_from_bytes(data, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is None:
            raise TonecheckError(f"{path}: no text/plain or text/html part")
        kind = ContentType.HTML if body.get_content_type() == "text/html" else ContentType.PLAIN
        return EmailInput(body.get_content(), kind)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TonecheckError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc
    kind = ContentType.HTML if p.suffix.lower() in (".html", ".htm") else ContentType.PLAIN
    return EmailInput(text, kind)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.settings import get_settings

    get_settings()  # fail fast on bad settings, before workers start
    uvicorn.run("service.api.main:app", host=args.host, port=args.port, workers=args.workers,
                log_level="info", timeout_graceful_shutdown=20)
    return Exit.CLEAN


def _check(args: argparse.Namespace) -> int:
    from service.engine import build_engine
    from service.settings import get_settings

    try:
        inputs = [(p, read_input(p)) for p in args.paths]
    except (OSError, TonecheckError) as exc:
        print(f"tonecheck: {exc}", file=sys.stderr)
        return Exit.ERROR
    try:
        eng = build_engine(get_settings())
        reports: list[Report] = eng.check_many([e for _, e in inputs])
    except TonecheckError as exc:
        print(f"tonecheck: {exc}", file=sys.stderr)
        return Exit.ERROR
    if args.format == "json":
        out = {"files": [{"path": p, **to_response(r, eng.versions).model_dump(mode="json")}
                         for (p, _), r in zip(inputs, reports, strict=True)]}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for (p, _), r in zip(inputs, reports, strict=True):
            sys.stdout.write(text_report(r, "<stdin>" if p == "-" else p))
    worst = max((_RANK[r.verdict] for r in reports), default=0)
    return Exit.FINDINGS if worst >= _FAIL_ON[args.fail_on] else Exit.CLEAN


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="tonecheck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)
    check = sub.add_parser("check", help="check files (or - for stdin)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--fail-on", choices=list(_FAIL_ON), default="review")
    check.set_defaults(run=_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `tonecheck` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
