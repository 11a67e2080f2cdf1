"""Mask HTML markup in a template where it stands, so findings keep the file's own lines and columns.

The HTTP API renders HTML to text (`html.py`), which moves every offset. A CI check must point into
the file as written, so here tags, comments, attributes, entities and the contents of `<style>` and
`<script>` become ignored ranges instead; `clean()` blanks them with same-length spaces (newlines kept).
Quote and signature containers (`div.gmail_quote`, `blockquote type=cite`, ...) are found as in `html.py`.
"""

from __future__ import annotations

import re

from tonecheck.cleanup.html import ElementStack
from tonecheck.findings import IgnoredKind, IgnoredRange

# Elements whose contents are code, not words for the reader.
_RAW_TEXT = frozenset({"script", "style", "mj-style"})
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr mj-image".split())
_TAG_NAME = re.compile(r"/?([A-Za-z][A-Za-z0-9:._-]*)")
_ATTR = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_VALUE_QUOTE = re.compile(r"=\s*([\"'])")
# Template tags inside a tag (`<p {% if x > 1 %}class="y"{% endif %}>`) may hold `>` or quotes.
_TEMPLATE_OPEN = {"{{": "}}", "{%": "%}", "{#": "#}"}
# Tags that tell that a template is HTML even when its file name does not say so.
_HTML_HINT = re.compile(
    r"<(!doctype\s+html|html|body|p|div|table|td|br|span|a\s|h[1-6]|ul|ol|li|strong|em|mjml|mj-[a-z]+)\b",
    re.I,
)


def _attrs(tag: str) -> dict[str, str]:
    """Attributes of a start tag's text, lower-cased names, quotes removed."""
    body = _TAG_NAME.sub("", tag[1:].rstrip(">/"), count=1)
    return {m[1].lower(): (m[2] or "").strip("\"'") for m in _ATTR.finditer(body)}


def comment_ranges(text: str) -> list[IgnoredRange]:
    """`<!-- -->` comments: hidden in HTML and Markdown alike, and where suppression comments live."""
    return [IgnoredRange(m.start(), m.end(), IgnoredKind.MARKUP) for m in _COMMENT.finditer(text)]


def looks_like_html(text: str) -> bool:
    """True when the text has common HTML or MJML tags (for templates named `.j2`, `.hbs`, `.liquid`)."""
    return _HTML_HINT.search(text) is not None


class _Scanner:
    """One linear pass over the text: markup spans to blank, and quote/signature elements to ignore."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.last_gt = text.rfind(">")  # no tag starts after the last `>`
        self.missing: dict[str, int] = {}  # a closer (`}}`, `"`) known absent from this offset on
        self.spans: list[tuple[int, int]] = []
        self.elements = ElementStack()

    def find(self, closer: str, start: int) -> int:
        """`text.find(closer, start)`, remembering misses so unclosed `{{` or quotes cost one scan in all."""
        if start >= self.missing.get(closer, len(self.text) + 1):
            return -1
        at = self.text.find(closer, start)
        if at < 0:
            self.missing[closer] = min(start, self.missing.get(closer, start))
        return at

    def tag_end(self, i: int) -> int | None:
        """Index just past the `>` closing the tag at `text[i] == "<"`, or None when no `>` follows.

        Quoted attribute values and template tags are skipped (they may hold `>`); one left open
        runs to the end, as browsers read it. Each call consumes up to its `>`, so the scan is linear.
        """
        text, j = self.text, i + 1
        if i > self.last_gt:
            return None
        while j < len(text):
            ch = text[j]
            if ch == ">":
                return j + 1
            closer = _TEMPLATE_OPEN.get(text[j : j + 2])
            quote = _VALUE_QUOTE.match(text, j) if ch == "=" else None
            if closer is not None:
                end = self.find(closer, j + 2)
                j = end + 2 if end >= 0 else j + 2
            elif quote is not None:
                end = self.find(quote[1], quote.end())
                j = end + 1 if end >= 0 else quote.end()
            else:
                j += 1
        return None

    def tag(self, lt: int) -> int:
        """Handle the markup starting at `lt`; the index to go on from."""
        text, n = self.text, len(self.text)
        if text.startswith("<!--", lt):
            m = _COMMENT.match(text, lt)
            end = m.end() if m else n
        elif text.startswith(("<!", "<?"), lt):
            close = self.find(">", lt)
            end = n if close < 0 else close + 1
        else:
            name = _TAG_NAME.match(text, lt + 1)
            tag_end = self.tag_end(lt) if name else None
            if name is None or tag_end is None:
                return lt + 1  # "a < b", "<3": the writer's own `<`
            end, tag_name = tag_end, name[1].lower()
            if name[0].startswith("/"):
                self.elements.close(tag_name, end)
            elif tag_name in _RAW_TEXT:  # code up to the closing tag, never an element to track
                close = re.compile(rf"</{re.escape(tag_name)}\s*>", re.I).search(text, end)
                end = close.end() if close else n
            else:
                tag = text[lt:end]
                self.elements.open(tag_name, _attrs(tag), lt, void=tag_name in _VOID or tag.endswith("/>"))
        self.spans.append((lt, end))
        return end

    def run(self) -> list[IgnoredRange]:
        """Scan the whole text."""
        text, i, n = self.text, 0, len(self.text)
        ahead = {c: -1 for c in "<&{"}  # next offset of each, refreshed only once passed (linear)
        while i < n:
            for c, at in ahead.items():
                if at < i:
                    found = text.find(c, i)
                    ahead[c] = n if found < 0 else found
            lt, amp, brace = ahead["<"], ahead["&"], ahead["{"]
            nxt = min(lt, amp, brace)
            if nxt == n:
                break
            if nxt == brace:
                closer = _TEMPLATE_OPEN.get(text[brace : brace + 2])
                end = self.find(closer, brace + 2) if closer else -1
                i = end + 2 if end >= 0 else brace + 1  # `{% if a<b %}` holds no tag
            elif nxt == amp:
                m = _ENTITY.match(text, amp)
                if m:
                    self.spans.append((amp, m.end()))
                i = m.end() if m else amp + 1
            else:
                i = self.tag(lt)
        markup = [IgnoredRange(s, e, IgnoredKind.MARKUP) for s, e in _join(self.spans)]
        return markup + self.elements.finish(n)


def markup_ranges(text: str) -> list[IgnoredRange]:
    """HTML markup in `text` as `markup` ranges to blank, plus quote and signature elements to ignore."""
    return _Scanner(text).run()


def _join(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Touching spans as one (`</td><td>` is one range), so a page of markup is a short list."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out
