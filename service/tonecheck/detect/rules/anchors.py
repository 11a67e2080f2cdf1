"""Run a pattern only on a doc that holds the words it needs: a word check before spaCy's matcher steps.

spaCy's Matcher starts every pattern at every token and tests its first token there: for a typical email,
~8,000 Python `IN` set tests, most of the rules' time (one-off cProfile, 5 Dec). Most patterns need a word
the email does not hold. Each pattern's required words (on a token without `OP`, or with `+`, `{n}` or
`{n,m}` for n >= 1; read on ORTH, TEXT, LOWER, NORM or LEMMA) are known at load, so a set lookup per group
of patterns decides whether its matcher runs. This is only a necessary condition of a match: the matches
are those of one matcher over every pattern (tests/test_rules_anchors.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from spacy.attrs import LEMMA, LOWER, NORM, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc

_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "NORM": NORM, "LEMMA": LEMMA}
_COUNT = re.compile(r"^\{(\d+)(,\d*)?\}$")

# (attribute id, the values one of which some token must have)
Need = tuple[int, frozenset[int]]


def required(op: Any) -> bool:
    """Whether a token with this `OP` must be present for the pattern to match."""
    if op is None or op == "+":
        return True
    found = _COUNT.match(op) if isinstance(op, str) else None
    return bool(found and int(found.group(1)) >= 1)


def in_words(value: Any) -> list[str] | None:
    """The words of an `{"IN": [...]}` test of words, else None."""
    if isinstance(value, dict) and isinstance(value.get("IN"), list) and all(isinstance(v, str) for v in value["IN"]):
        return value["IN"]
    return None


def token_needs(token: dict[str, Any]) -> list[Need]:
    """What one token pattern asks of some token in the doc, when it must be present; else nothing."""
    if not required(token.get("OP")):
        return []
    needs: list[Need] = []
    for key, value in token.items():
        attr = _ATTRS.get(key.upper()) if isinstance(key, str) else None
        if attr is None:
            continue
        words = [value] if isinstance(value, str) else in_words(value)
        if words is not None:
            needs.append((attr, frozenset(get_string_id(w) for w in words)))
    return needs


def pattern_needs(tokens: Sequence[dict[str, Any]]) -> tuple[Need, ...]:
    """Every need of a token pattern (or of a dependency pattern's nodes), in a canonical order."""
    return tuple(sorted({n for token in tokens for n in token_needs(token)}, key=lambda n: (n[0], sorted(n[1]))))


class AnchoredMatchers:
    """Matchers grouped by what their patterns need; called like one matcher, runs only the groups a doc allows."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._groups: dict[tuple[Need, ...], Any] = {}
        self._attrs: list[int] = []

    def add(self, key: str, pattern: list[dict[str, Any]], nodes: Sequence[dict[str, Any]]) -> None:
        """Add `pattern` under `key`; `nodes` are its token patterns (a dependency pattern's RIGHT_ATTRS)."""
        needs = pattern_needs(nodes)
        matcher = self._groups[needs] if needs in self._groups else self._make()
        matcher.add(key, [pattern])  # a pattern spaCy refuses raises here, before a new matcher is kept
        self._groups[needs] = matcher
        self._attrs = sorted({attr for group in self._groups for attr, _ in group})

    def __call__(self, doc: Doc) -> list[Any]:
        """The matches of every pattern whose needed words `doc` holds, group after group."""
        if not self._groups:
            return []
        values: dict[int, set[int]] = {}
        if self._attrs and len(doc):
            table = doc.to_array(self._attrs).reshape(len(doc), len(self._attrs))
            values = {attr: set(table[:, i].tolist()) for i, attr in enumerate(self._attrs)}
        out: list[Any] = []
        for needs, matcher in self._groups.items():
            if all(not allowed.isdisjoint(values.get(attr, ())) for attr, allowed in needs):
                out.extend(matcher(doc))
        return out
