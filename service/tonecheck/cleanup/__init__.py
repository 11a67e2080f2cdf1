"""Cleanup: find the writer's new words; everything else is masked and listed as ignored."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tonecheck.cleanup.html import render_html
from tonecheck.cleanup.placeholders import find_placeholders
from tonecheck.cleanup.plain import find_ignored
from tonecheck.cleanup.unwrap import unwrap
from tonecheck.findings import IgnoredKind, IgnoredRange


class ContentType(StrEnum):
    """The formats an email can arrive in."""

    PLAIN = "text/plain"
    HTML = "text/html"


# Placeholders and markup sit inside the writer's own sentences ("paid by {{ due_date }}"): they are
# masked so they never match, but a finding or sentence that spans them still stands.
_NOT_JUDGED = frozenset(
    {IgnoredKind.QUOTE, IgnoredKind.SIGNATURE, IgnoredKind.DISCLAIMER, IgnoredKind.SUPPRESSED}
)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The text offsets point into, the same text with ignored ranges masked, and those ranges.

    `analysis` also has a space every 100 characters of a longer whitespace-free run (see `_mask`).
    """

    text: str
    analysis: str
    ignored: tuple[IgnoredRange, ...]
    rendered: bool

    def is_ignored(self, start: int, end: int) -> bool:
        """True when `[start, end)` touches text that is not the writer's (quote, signature, disclaimer)."""
        return any(r.start < end and start < r.end for r in self.ignored if r.kind in _NOT_JUDGED)


# HTML a mail client wrote: a document or block element at the start, or block elements that are closed.
_HTML_START = re.compile(r"\A\s*<(!doctype\s+html|html|head|body|div|p|table|span|meta|blockquote)\b", re.I)
_HTML_BLOCK = re.compile(r"<(div|p|br|blockquote|table|span|td)\b[^<>]{0,500}>", re.I)
_HTML_CLOSE = re.compile(r"</(div|p|blockquote|table|span|td|html|body)\s*>", re.I)


def sniff(text: str) -> ContentType:
    """`text/html` when an undeclared body is plainly HTML (a pasted Gmail or Outlook body), else plain."""
    if _HTML_START.match(text):
        return ContentType.HTML
    head = text[:200_000]
    blocks = _HTML_BLOCK.finditer(head)
    if _HTML_CLOSE.search(head) and next(blocks, None) and next(blocks, None):
        return ContentType.HTML
    return ContentType.PLAIN


_MAX_RUN = 100
_LONG_RUN = re.compile(rf"\S{{{_MAX_RUN + 1},}}")


def _merge(ranges: list[IgnoredRange]) -> tuple[IgnoredRange, ...]:
    """Sorted ranges with those inside a bigger one dropped, so each character is listed once."""
    out: list[IgnoredRange] = []
    for r in sorted(ranges, key=lambda r: (r.start, -r.end)):
        if out and r.end <= out[-1].end:
            continue  # nested inside the previous range
        if out and r.start < out[-1].end:
            r = IgnoredRange(out[-1].end, r.end, r.kind)  # overlap: keep the earlier range whole
        out.append(r)
    return tuple(out)


def blank(text: str, ranges: Iterable[IgnoredRange], words: Iterable[IgnoredRange] = ()) -> str:
    """Same-length text where `ranges` read as spaces and `words` (value placeholders) as a neutral word.

    Line breaks are kept, so line-based detection and line numbers still see the lines as written.
    """
    chars = list(text)
    for r in words:
        for i in range(r.start, r.end):
            chars[i] = "x" if chars[i] not in "\r\n" else chars[i]
    for r in ranges:
        for i in range(r.start, r.end):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars)


def _mask(text: str, ranges: list[IgnoredRange], words: list[IgnoredRange]) -> str:
    """`blank`, and a space every `_MAX_RUN` characters of a longer whitespace-free run."""
    chars = list(blank(text, ranges, words))
    # spaCy's tokenizer peels affixes off a whitespace-free run one by one, which is quadratic: 100 KB of
    # "!!!", "%%%" or emoji took minutes. A space every _MAX_RUN characters bounds it; no word is that long.
    for m in _LONG_RUN.finditer(text):
        for i in range(m.start() + _MAX_RUN, m.end(), _MAX_RUN + 1):
            chars[i] = " "
    return "".join(chars)


def clean(
    raw: str, content_type: ContentType | None = ContentType.PLAIN, extra: list[IgnoredRange] | None = None
) -> Cleaned:
    """Render (for HTML), find quotes, signatures, disclaimers and placeholders, mask them, unwrap lines.

    `content_type=None` means the caller did not say: HTML is sniffed.
    """
    if content_type is None:
        content_type = sniff(raw)
    if content_type is ContentType.HTML:
        text, ranges = render_html(raw)
    else:
        text, ranges = raw, []
    ranges += find_ignored(text)
    ranges += extra or []
    placeholders = find_placeholders(text)
    merged = _merge(ranges + [p.range for p in placeholders])
    value_ranges = [p.range for p in placeholders if p.is_value]
    spaces = [r for r in merged if r.kind is not IgnoredKind.PLACEHOLDER]
    spaces += [p.range for p in placeholders if not p.is_value]
    analysis = unwrap(_mask(text, spaces, value_ranges))
    return Cleaned(text, analysis, merged, content_type is ContentType.HTML)
