"""Render an HTML email to plain text and mark the elements that hold quotes and signatures."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tonecheck.findings import IgnoredKind, IgnoredRange

_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6"
    " header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_SKIP = frozenset("script style head title template noscript svg".split())
_SPACE = re.compile(r"\s+")

# (attribute, pattern, kind, runs to the end of the document): markers mail clients put on history.
_MARKERS: list[tuple[str, re.Pattern[str], IgnoredKind, bool]] = [
    ("class", re.compile(r"\bgmail_quote\b"), IgnoredKind.QUOTE, False),
    ("class", re.compile(r"\bgmail_signature\b"), IgnoredKind.SIGNATURE, False),
    ("class", re.compile(r"\byahoo_quoted\b"), IgnoredKind.QUOTE, False),
    ("class", re.compile(r"\bmoz-cite-prefix\b"), IgnoredKind.QUOTE, True),
    ("class", re.compile(r"\bmoz-signature\b"), IgnoredKind.SIGNATURE, False),
    ("id", re.compile(r"^(x_)?(divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION)$"), IgnoredKind.QUOTE, True),
    ("id", re.compile(r"^(x_)?Signature$"), IgnoredKind.SIGNATURE, False),
    ("style", re.compile(r"border-top\s*:\s*solid\s+#E1E1E1", re.I), IgnoredKind.QUOTE, True),
]


def _marker(tag: str, attrs: dict[str, str]) -> tuple[IgnoredKind, bool] | None:
    """The ignored kind an element opens, if it is a quote or signature container."""
    if tag == "blockquote" and attrs.get("type", "").lower() == "cite":
        return IgnoredKind.QUOTE, False
    for name, pattern, kind, to_end in _MARKERS:
        if pattern.search(attrs.get(name, "")):
            return kind, to_end
    return None


class ElementStack:
    """Open elements, and the quote/signature ranges they close; shared by the renderer and the template scanner.

    An element marked as a quote or signature covers up to its end tag; one marked "to the end" (Outlook's
    reply header) covers the rest of the document. A stray end tag is ignored, as browsers do, and an end
    tag closes every element opened inside its element.
    """

    def __init__(self) -> None:
        self.stack: list[tuple[str, IgnoredKind | None, int]] = []
        self.open_count: dict[str, int] = {}  # tag -> open elements; a stray end tag is found in O(1)
        self.ranges: list[IgnoredRange] = []
        self.to_end: tuple[int, IgnoredKind] | None = None

    def open(self, tag: str, attrs: dict[str, str], at: int, void: bool) -> None:
        """A start tag at offset `at`; a `void` element (`<br>`, `<img/>`) has no end tag to wait for."""
        mark = _marker(tag, attrs)
        if mark and mark[1] and self.to_end is None:
            self.to_end = (at, mark[0])
        if not void:
            self.stack.append((tag, mark[0] if mark and not mark[1] else None, at))
            self.open_count[tag] = self.open_count.get(tag, 0) + 1

    def close(self, tag: str, at: int) -> list[str]:
        """An end tag at offset `at`: the tags it closes, innermost first (none for a stray end tag)."""
        closed: list[str] = []
        if not self.open_count.get(tag):
            return closed
        while self.stack:
            open_tag, kind, start = self.stack.pop()
            self.open_count[open_tag] -= 1
            closed.append(open_tag)
            if kind is not None:
                self.ranges.append(IgnoredRange(start, at, kind))
            if open_tag == tag:
                break
        return closed

    def finish(self, end: int) -> list[IgnoredRange]:
        """Every quote/signature range, with elements still open (and a to-the-end marker) running to `end`."""
        for _, kind, start in self.stack:
            if kind is not None:
                self.ranges.append(IgnoredRange(start, end, kind))
        if self.to_end is not None:
            self.ranges.append(IgnoredRange(self.to_end[0], end, self.to_end[1]))
        return self.ranges


class _Renderer(HTMLParser):
    """A forgiving single pass: malformed or deeply nested HTML never raises or recurses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.elements = ElementStack()
        self.skip_depth = 0
        self.pre_depth = 0
        self.last = "\n"

    def _emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)
            self.last = text[-1]

    def _newline(self) -> None:
        if self.last != "\n":
            self._emit("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += tag not in _VOID
            return
        if tag in _BLOCK:
            self._newline()
        if tag == "pre":
            self.pre_depth += 1
        self.elements.open(tag, {k: v or "" for k, v in attrs}, self.length, void=tag in _VOID)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        closed = self.elements.close(tag, self.length)
        if not closed:
            return  # a stray end tag: browsers ignore it, so do we
        self.pre_depth = max(0, self.pre_depth - closed.count("pre"))
        if tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre_depth:
            data = _SPACE.sub(" ", data)
            if self.last in "\n ":
                data = data.lstrip(" ")
        self._emit(data)

    def finish(self) -> tuple[str, list[IgnoredRange]]:
        self.close()
        ranges = self.elements.finish(self.length)
        return "".join(self.parts), [r for r in ranges if r.end > r.start]


def render_html(html: str) -> tuple[str, list[IgnoredRange]]:
    """Plain-text rendering of `html` and the quote/signature ranges in that rendering."""
    renderer = _Renderer()
    # No tag can start after the last `>`; HTMLParser rescans from every `<` there ("<a<a<a..." is
    # quadratic), so those read as the text they are anyway, escaped.
    last = html.rfind(">") + 1
    renderer.feed(html[:last] + html[last:].replace("<", "&lt;"))
    return renderer.finish()
