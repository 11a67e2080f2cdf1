"""Cleanup: find the writer's new words; everything else is masked and listed as ignored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.cleanup.html import render_html
from service.cleanup.placeholders import find_placeholders
from service.cleanup.plain import find_ignored
from service.findings import IgnoredKind, IgnoredRange


class ContentType(StrEnum):
    """The formats an email can arrive in."""

    PLAIN = "text/plain"
    HTML = "text/html"


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The text offsets point into, the same text with ignored ranges masked, and those ranges."""

    text: str
    analysis: str
    ignored: tuple[IgnoredRange, ...]
    rendered: bool

    def is_ignored(self, start: int, end: int) -> bool:
        """True when `[start, end)` touches an ignored range."""
        return any(r.start < end and start < r.end for r in self.ignored)


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


def _mask(text: str, blank: list[IgnoredRange], words: list[IgnoredRange]) -> str:
    """Same-length text where blanked ranges read as spaces and value placeholders as a neutral word."""
    chars = list(text)
    for r in words:
        for i in range(r.start, r.end):
            chars[i] = "x" if chars[i] not in "\r\n" else chars[i]
    for r in blank:
        for i in range(r.start, r.end):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars)


def clean(raw: str, content_type: ContentType = ContentType.PLAIN, extra: list[IgnoredRange] | None = None) -> Cleaned:
    """Render (for HTML), find quotes, signatures, disclaimers and placeholders, and mask them."""
    if content_type is ContentType.HTML:
        text, ranges = render_html(raw)
    else:
        text, ranges = raw, []
    ranges += find_ignored(text)
    ranges += extra or []
    placeholders = find_placeholders(text)
    merged = _merge(ranges + [p.range for p in placeholders])
    value_ranges = [p.range for p in placeholders if p.is_value]
    blank = [r for r in merged if r.kind is not IgnoredKind.PLACEHOLDER]
    blank += [p.range for p in placeholders if not p.is_value]
    return Cleaned(text, _mask(text, blank, value_ranges), merged, content_type is ContentType.HTML)
