"""Unwrap hard-wrapped paragraphs: a line break inside a paragraph is a space, not a sentence boundary."""

from __future__ import annotations

import re

from tonecheck.cleanup.plain import SIGN_OFF

# A line that opens a list item keeps its line break: each item is a unit of its own.
_LIST_ITEM = re.compile(r"^\s*([-*•·‣▪◦+–]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,3}\))\s+")
# "Hi Dana," / "Dear Mr. Okafor," / "Good morning team!": a line that only greets. After the greeting
# word come at most six words, each a name (Capitalised, an initial, an honorific, a particle such as "van"), a
# generic addressee ("team", "all", "Sir or Madam") or a masked placeholder ("xxxx"); so "Hey, that's
# not fair" and "Hi Dana, thanks for this." are sentences, not greetings.
_ADDRESSEE = (
    r"(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-][\w'’-]*"  # Dana, O'Brien, Jean-Luc (not "I" or a shouted "SAID")
    r"|[A-Z]\."  # an initial
    r"|(?i:mrs?|ms|mx|dr|prof|sr|jr)\.?"
    r"|(?i:van|von|der|den|de|la|le|da|di|du|del|bin|al|ter)"
    r"|(?i:there|all|team|everyone|everybody|folks|again|both|guys|friends|colleagues|valued|customer|"
    r"customers|member|members|family|sir|madam|sir/madam|or|and|to|you|the|dear|my|our)"
    r"|x{2,})"  # a template placeholder, masked
)
GREETING = re.compile(
    r"^\s*(?i:hi|hello|hey|hiya|dear|greetings|good (?:morning|afternoon|evening|day)|morning|afternoon|evening)"
    r"\b(?:[\s,]+" + _ADDRESSEE + r"){0,6}[\s,]*[,:!—–-]?\s*$"
)
# Wrapped plain text has lines of similar length; a line much shorter than the paragraph's longest
# ended on purpose (an address, a list without markers, a one-line chat turn).
_WRAPPED_SHARE = 0.6
_MIN_WRAP_WIDTH = 30


def soft_breaks(text: str) -> list[int]:
    """Positions of line breaks (`\\n`) that only wrap a paragraph and should read as a space.

    `text` is the masked analysis text: quotes and signatures already read as blanks.
    """
    lines = text.split("\n")
    out: list[int] = []
    pos = 0
    para: list[tuple[int, str]] = []  # (offset of the line's "\n", line) for the current paragraph
    for line in lines:
        if line.strip():
            para.append((pos + len(line), line))
        else:
            out += _paragraph_soft(para)
            para = []
        pos += len(line) + 1
    out += _paragraph_soft(para)
    return [p for p in out if p < len(text)]


def _paragraph_soft(para: list[tuple[int, str]]) -> list[int]:
    """The soft breaks of one paragraph (consecutive non-blank lines)."""
    if len(para) < 2:
        return []
    width = max(len(line.rstrip()) for _, line in para)
    out = []
    for (nl, line), (_, nxt) in zip(para, para[1:], strict=False):
        stripped = line.rstrip()
        if _LIST_ITEM.match(nxt) or GREETING.match(line) or SIGN_OFF.match(line) or SIGN_OFF.match(nxt):
            continue
        if stripped.endswith(":"):
            continue  # it introduces what follows, often a list without markers
        wrapped = width >= _MIN_WRAP_WIDTH and len(stripped) >= _WRAPPED_SHARE * width
        # A line cut mid-sentence ("We think that" / "the parcel...") continues whatever its length.
        continues = stripped[-1:] not in ".!?" and nxt.lstrip()[:1].islower()
        if wrapped or continues:
            out.append(nl)
    return out


def unwrap(analysis: str) -> str:
    """The same-length text with soft line breaks turned into spaces (`\\r\\n` into two)."""
    chars = list(analysis)
    for i in soft_breaks(analysis):
        chars[i] = " "
        if i and chars[i - 1] == "\r":
            chars[i - 1] = " "
    return "".join(chars)
