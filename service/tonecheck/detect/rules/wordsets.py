"""Word sets as lexeme flags: spaCy's Matcher tests a flag in C, but a `{"IN": [...]}` set in Python.

spaCy steps every token pattern through every token. Where a token's test is `LOWER` or `ORTH` in a word
set, it calls a Python predicate per token and set; on a typical email that was most of the token
matcher's time (one-off timing on the benchmark's emails, 5 Dec: 3.3 -> 1.7 ms per email for the
token patterns with 44 sets as flags). A set depends only on the word, so it can be a bit on the lexeme,
which the Matcher reads in C. spaCy has 45 free bits (19-63); the sets tested at a pattern's first
token, which run at every token, get them first, and any other set stays a Python `IN` test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from spacy.attrs import LOWER
from spacy.vocab import Vocab

from tonecheck.detect.rules.anchors import in_words, required

_FIRST_FREE, _BITS = 19, 64  # 1-18 are spaCy's own flags (IS_ALPHA ... IS_CURRENCY)
_ATTRS = ("LOWER", "ORTH", "TEXT")
# A set at a token every earlier token of which is optional is tested at every token of the doc.
_FIRST_WEIGHT = 10


class InSet:
    """A lexeme flag getter: whether a word's form (lower-cased for LOWER) is in the set."""

    def __init__(self, lower: bool, words: frozenset[str], lowercase: Callable[[str], str]) -> None:
        self.lower, self.words, self._lowercase = lower, words, lowercase

    def __call__(self, orth: str) -> bool:
        """The flag for a new word, as spaCy sets it when the word first enters the vocab."""
        return (self._lowercase(orth) if self.lower else orth) in self.words


def _word_set(token: dict[str, Any], key: str) -> frozenset[str] | None:
    """The token's word set under `key` when it is the key's only test (a flag then replaces it whole)."""
    value = token.get(key)
    words = in_words(value)
    return frozenset(words) if words is not None and list(value) == ["IN"] else None


def _sets(pattern: list[dict[str, Any]]) -> Iterable[tuple[bool, frozenset[str], int]]:
    """(lower?, words, weight) for each flaggable set in a token pattern."""
    leading = True
    for token in pattern:
        for key in token:
            if isinstance(key, str) and key.upper() in _ATTRS:
                words = _word_set(token, key)
                if words is not None:
                    yield key.upper() == "LOWER", words, _FIRST_WEIGHT if leading else 1
        leading = leading and not required(token.get("OP")) and token.get("OP") != "!"


class WordFlags:
    """The flag bit of each word set that has one, on one vocab; bits are shared by detectors on that vocab."""

    def __init__(self, vocab: Vocab, patterns: Iterable[list[dict[str, Any]]]) -> None:
        self._bits: dict[tuple[bool, frozenset[str]], int] = {}
        owned = {(g.lower, g.words): bit for bit, g in vocab.lex_attr_getters.items() if isinstance(g, InSet)}
        weights: Counter[tuple[bool, frozenset[str]]] = Counter()
        for pattern in patterns:
            for lower, words, weight in _sets(pattern):
                weights[(lower, words)] += weight
        free = [b for b in range(_FIRST_FREE, _BITS) if b not in vocab.lex_attr_getters]
        lowercase = vocab.lex_attr_getters.get(LOWER, str.lower)
        new: dict[int, InSet] = {}
        for key, _ in weights.most_common():
            if key in owned:
                self._bits[key] = owned[key]
            elif free:
                bit = free.pop(0)
                self._bits[key] = bit
                new[bit] = InSet(key[0], key[1], lowercase)
        if new:
            for lex in vocab:  # words already in the vocab; new ones get the flag from their getter
                for bit, getter in new.items():
                    lex.set_flag(bit, getter(lex.orth_))
            vocab.lex_attr_getters.update(new)

    def __len__(self) -> int:
        return len(self._bits)

    def flagged(self, pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`pattern` with each flagged word set replaced by its flag (add it with validation off)."""
        out = []
        for token in pattern:
            token = dict(token)
            for key in list(token):
                if not (isinstance(key, str) and key.upper() in _ATTRS):
                    continue
                words = _word_set(token, key)
                bit = self._bits.get((key.upper() == "LOWER", words)) if words is not None else None
                if bit is not None:
                    del token[key]
                    token[bit] = True  # type: ignore[index]  # spaCy reads an int key as an attribute id
            out.append(token)
        return out
