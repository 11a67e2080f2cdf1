"""Read a file as the engine should see it, keeping offsets in the coordinates of the file as written."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from pathlib import Path

from tonecheck.cleanup import ContentType, blank
from tonecheck.cleanup.markup import comment_ranges, looks_like_html, markup_ranges
from tonecheck.cleanup.plain import find_ignored
from tonecheck.cleanup.suppress import find_directives
from tonecheck.cli.files import Candidate
from tonecheck.engine import EmailInput
from tonecheck.errors import InputError
from tonecheck.findings import IgnoredKind, IgnoredRange
from tonecheck.offsets import LineIndex

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".mjml"})
TEMPLATE_SUFFIXES = frozenset({".j2", ".jinja", ".jinja2", ".hbs", ".handlebars", ".mustache", ".liquid"})
_UNENCODED = frozenset({"7bit", "8bit", "binary"})


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file ready to check: the engine's input and the file line its text starts on (an .eml body's)."""

    candidate: Candidate
    email: EmailInput
    first_line: int = 1
    exact: bool = True  # False for a quoted-printable/base64 .eml body: its lines only approximate the file's


def is_markup(path: Path, text: str) -> bool:
    """True when the file is HTML (by name, `welcome.html.j2`, or, for templates and Markdown, by content)."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return True
    if suffix in TEMPLATE_SUFFIXES:
        inner = Path(path.stem).suffix.lower()
        if inner in HTML_SUFFIXES:
            return True
        if inner in (".txt", ".text"):
            return False
        return looks_like_html(text)
    return suffix == ".md" and looks_like_html(text)


def prepare(text: str, name: str, markup: bool = False, comments: bool = False) -> EmailInput:
    """The engine input for `text`: markup masked where it stands, suppression comments read and masked."""
    directives = find_directives(text, name)
    ignored: list[IgnoredRange] = list(directives.comments)
    if markup:
        found = markup_ranges(text)  # tags and entities, plus quote/signature elements
        # Line-based quotes and signatures are found on the words a reader sees (`<p>Best regards,</p>`).
        tags = [r for r in found if r.kind is IgnoredKind.MARKUP]
        ignored += found + find_ignored(blank(text, tags))
    elif comments:
        ignored += comment_ranges(text)
    return EmailInput(text, ContentType.PLAIN, tuple(ignored), directives.suppressions)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")  # a BOM is not a column
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not valid UTF-8 (byte {exc.start}); save it as UTF-8 or exclude it") \
            from exc


def _read_eml(data: bytes, name: str) -> tuple[str, bool, int, bool]:
    """(body text, is HTML, file line the body starts on, whether lines are exact) of an .eml file."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise InputError(f"{name}: the message has no text/plain or text/html part to check")
    try:
        text = body.get_content()
    except (LookupError, ValueError) as exc:
        raise InputError(f"{name}: cannot decode the message body ({exc}); re-save it as UTF-8") from exc
    # Find where the body starts in the file. The parser hands back 8bit payloads decoded, and others
    # as ASCII with surrogate escapes, so search each decoding; every one keeps the file's line breaks.
    payload, at, first_line = body.get_payload(), -1, 1
    decodings = (data.decode("utf-8", "replace"), data.decode("ascii", "surrogateescape"),
                 data.decode("latin-1"))
    for raw in decodings:
        at = raw.find(payload) if isinstance(payload, str) and payload else -1
        if at >= 0:
            first_line = LineIndex(raw).line_of(at)
            break
    encoding = str(body.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    return text, body.get_content_type() == "text/html", first_line, at >= 0 and encoding in _UNENCODED


def read_source(candidate: Candidate, stdin: str | None = None) -> InputFile:
    """Read one candidate; unreadable or undecodable input is an `InputError` that says what to fix."""
    name = candidate.shown
    if candidate.file is None:
        return InputFile(candidate, prepare(stdin or "", name))
    try:
        data = candidate.file.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file: {exc.strerror}") from exc
    if candidate.file.suffix.lower() == ".eml":
        text, html, first_line, exact = _read_eml(data, name)
        return InputFile(candidate, prepare(text, name, markup=html), first_line, exact)
    text = _decode(data, name)
    markup = is_markup(candidate.file, text)
    return InputFile(candidate, prepare(text, name, markup, comments=candidate.file.suffix.lower() == ".md"))
