"""What the classifier judges: sentences, with fragments merged into a neighbour and greetings left out."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spacy.tokens import Span

from tonecheck.cleanup.unwrap import GREETING
from tonecheck.parse import Parsed

# A fragment ("Congrats!", "month.", "Kind regards", "^MK") carries too little for the model: scored
# alone, short friendly bits came out heated near 1.0. It is judged together with its neighbour.
MIN_WORDS = 3
_MAX_UNIT_WORDS = 60  # a run of fragments (an address block) is cut into units of this size
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")


@dataclass(frozen=True, slots=True)
class Unit:
    """A stretch of one email the classifier scores as a whole; offsets are code points."""

    start: int
    end: int
    text: str


def words(sent: Span) -> int:
    """Tokens that are neither space nor punctuation."""
    return sum(1 for t in sent if not (t.is_space or t.is_punct))


def _content_end(sent: Span) -> int:
    """End offset of the sentence's last non-space token (a sentence's span takes the blank lines after it)."""
    for token in reversed(sent):
        if not token.is_space:
            return token.idx + len(token.text)
    return sent.start_char


def is_fragment(sent: Span) -> bool:
    """Fewer than three words, or no verb at all."""
    return words(sent) < MIN_WORDS or not any(t.pos_ in ("VERB", "AUX") for t in sent)


def units(parsed: Parsed) -> list[Unit]:
    """Judged sentences grouped so that no fragment stands alone; a lone short fragment is left to the rules."""
    return group_units(parsed.doc.text, parsed.sentences, is_fragment)


def group_units(text: str, sentences: Sequence[Span], fragment: Callable[[Span], bool]) -> list[Unit]:
    """`units` over any sentences of `text`, with `fragment` telling which of them cannot stand alone."""
    groups: list[tuple[list[Span], int, bool]] = []  # (sentences, words, all of them fragments)
    for sent in sentences:
        if GREETING.match(sent.text):
            continue  # "Hi Dana," is never a tone problem
        frag, count = fragment(sent), words(sent)
        if groups:
            last, total, all_frags = groups[-1]
            same_paragraph = not _PARAGRAPH_BREAK.search(text, _content_end(last[-1]), sent.start_char)
            if same_paragraph and total + count <= _MAX_UNIT_WORDS and (frag or all_frags):
                groups[-1] = (last + [sent], total + count, all_frags and frag)
                continue
        groups.append(([sent], count, frag))
    out = []
    for group, count, all_frags in groups:
        if all_frags and count < MIN_WORDS:
            continue
        start, end = group[0].start_char, _content_end(group[-1])
        out.append(Unit(start, end, text[start:end].strip()))
    return out
