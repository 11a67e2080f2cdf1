"""Checks that are easier to say in code than as a pattern; rules name them with `builtin:`."""

from __future__ import annotations

from spacy.tokens import Span, Token

# Capitalised words that notices and subject lines use calmly ("URGENT: the SLA changes").
_NOTICE_WORDS = frozenset(
    "PLEASE NOTE IMPORTANT URGENT REMINDER ACTION REQUIRED NOTICE UPDATE UPDATED NEW FREE SALE OFF FINAL LAST"
    " CHANCE WARNING ATTENTION FYI ASAP RE FW FWD OK TBD ETA EOD EOW COB PS NB CONFIDENTIAL DRAFT SUBJECT"
    " DONE TODO AM PM UTC GMT EST PST CET".split()
)
# Short capitalised tokens are usually acronyms (SLA, VAT, API) unless they are one of these words.
_SHORT_WORDS = frozenset(
    "YOU NOT ALL NOW DID WAS THE AND ANY CAN WHY HOW WHO YES ONE TWO ARE HAS HAD GET GOT OUR BUT FOR"
    " THIS THAT WHAT STOP EVER NEVER READ SAID TOLD".split()
)
_MIN_SHOUTED = 2
# A heading line: at most this many tokens, none of them closing a sentence.
_HEADING_MAX = 6
_CLOSING = frozenset({".", "!", "?", "!!", "?!", "!?"})
_HEADING_PUNCT = frozenset({"-", "–", "—", "&", "/", ":", ","})
# Straight and curly quotation marks and backticks as spaCy tokenises them.
_QUOTES = frozenset({'"', "\u201c", "\u201d", "``", "\'\'", "`"})


def shouted(token_text: str) -> bool:
    """True for a word written in capitals for emphasis rather than as an acronym or a notice label."""
    if len(token_text) < 2 or not token_text.isalpha() or not token_text.isupper():
        return False
    if token_text in _NOTICE_WORDS:
        return False
    return len(token_text) > 3 or token_text in _SHORT_WORDS


def _quoted(sent: Span) -> list[bool]:
    """Per token: inside a pair of quotation marks or backticks (a label, a button, code), not the writer's voice."""
    inside, out = False, []
    for t in sent:
        if t.text in _QUOTES:
            inside = not inside
        out.append(inside and t.text not in _QUOTES)
    # An unpaired mark quotes nothing we can trust.
    return [False] * len(out) if inside else out


def _title_word(t: Token) -> bool:
    """A capitalised word that can name a thing in a title; "I", "YOU", "NOT", "STOP" are the writer's voice."""
    return t.is_alpha and t.is_upper and t.text != "I" and t.text not in _SHORT_WORDS


def _label(sent: Span) -> list[bool]:
    """Per token: part of a capitalised label that opens the sentence and ends in a colon ("PRODUCT RECALL: ...")."""
    out = [False] * len(sent)
    for i, t in enumerate(sent):
        if t.text == ":" and i > 0:
            out[:i] = [True] * i
            break
        if not _title_word(t):
            break
    return out


def _heading(sent: Span) -> bool:
    """A short line all in capitals with no closing mark and no word of the writer's voice: a notice's title."""
    words = [t for t in sent if not t.is_space]
    if not words or len(words) > _HEADING_MAX or words[-1].text in _CLOSING:
        return False
    return all(_title_word(t) or t.is_digit or t.text in _HEADING_PUNCT for t in words)


def shouting(sent: Span) -> list[tuple[int, int]]:
    """Several words in capitals in one sentence: a span from the first to the last of them."""
    # "ACCESS HOURS CHANGING" on a line of its own heads a notice; "STOP EMAILING US" keeps its voice words.
    if _heading(sent):
        return []
    # Words in quotation marks are a label or a button; a capitalised heading before a colon is a notice's title.
    skip = [q or h for q, h in zip(_quoted(sent), _label(sent), strict=True)]
    tokens = [t for t, s in zip(sent, skip, strict=True) if not s and shouted(t.text)]
    hits = [t.i for t in tokens]
    # One word twice is a name or an acronym ("an SSSI ... as an SSSI"); shouting needs two different words.
    if len({t.text for t in tokens}) < _MIN_SHOUTED:
        return []
    # Two capitalised proper nouns are usually a name ("GLAM WIKI"); shouting has a common word in it.
    if len(hits) == _MIN_SHOUTED and all(t.pos_ == "PROPN" for t in tokens):
        return []
    return [(hits[0], hits[-1] + 1)]


BUILTINS = {"shouting": shouting}
