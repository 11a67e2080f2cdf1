"""Run a pattern only on a doc that holds the words it needs: a word check before spaCy's matcher steps.

spaCy's Matcher starts every pattern at every token and tests its first token there: for a typical email,
~8,000 Python `IN` set tests, most of the rules' time (one-off cProfile, 5 Dec). Most patterns need a word
the email does not hold. Each pattern's required words (on a token without `OP`, or with `+`, `{n}` or
`{n,m}` for n >= 1; read on ORTH, TEXT, LOWER, NORM or LEMMA) are known at load, so a set lookup per group
of patterns decides whether its matcher runs. This is only a necessary condition of a match: the matches
are those of one matcher over every pattern (tests/test_rules_anchors.py).

On a long doc, a token pattern of bounded length also runs only near its needed words: each call of spaCy's
matcher walks every token of what it is given in Python (two Token objects a token), so 30 matchers over a
500-token email cost more than their patterns do. A match holds its needed word and is at most the pattern's
length, so it lies in the window that reaches that far either side of the word: the matches are the same.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from spacy.attrs import LEMMA, LOWER, NORM, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc

_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "NORM": NORM, "LEMMA": LEMMA}
_COUNT = re.compile(r"^\{(\d+)(,\d*)?\}$")
_RANGE = re.compile(r"^\{(\d*)(,(\d*))?\}$")
# Tokens a doc needs before token patterns run in windows: below it, whole-doc calls were as fast (one-off
# timing on the benchmark's emails, 5 Dec 2026: 100-token emails 0.40-0.61 ms either way; the 453- and
# 495-token ones 5.5 ms whole, 1.0-1.5 ms in windows).
WINDOW_TOKENS = 200

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


def longest(tokens: Sequence[dict[str, Any]]) -> int | None:
    """The most tokens a match of this token pattern can cover, or None if its length is unbounded."""
    total = 0
    for token in tokens:
        op = token.get("OP")
        if op in (None, "!", "?"):
            total += 1  # "!" may cover no token; counting one only widens the window
            continue
        found = _RANGE.match(op) if isinstance(op, str) else None
        if found is None or (found.group(2) is not None and not found.group(3)):
            return None  # "*", "+", "{n,}"
        total += int(found.group(3) if found.group(2) is not None else found.group(1))
    return total


def pattern_needs(tokens: Sequence[dict[str, Any]]) -> tuple[Need, ...]:
    """Every need of a token pattern (or of a dependency pattern's nodes), in a canonical order."""
    return tuple(sorted({n for token in tokens for n in token_needs(token)}, key=lambda n: (n[0], sorted(n[1]))))


class AnchoredMatchers:
    """Matchers grouped by what their patterns need; called like one matcher, runs only the groups a doc allows.

    With `windows` (token patterns only: a dependency pattern's tree may leave any window), a long doc's
    groups of bounded patterns run only on the stretches around their needed words.
    """

    def __init__(self, make: Callable[[], Any], windows: bool = False) -> None:
        self._make = make
        self._groups: dict[tuple[Need, ...], Any] = {}
        self._reach: dict[tuple[Need, ...], int | None] = {}  # the group's longest match; None: unbounded
        self._attrs: list[int] = []
        self._windows = windows

    def add(self, key: str, pattern: list[dict[str, Any]], nodes: Sequence[dict[str, Any]]) -> None:
        """Add `pattern` under `key`; `nodes` are its token patterns (a dependency pattern's RIGHT_ATTRS)."""
        needs = pattern_needs(nodes)
        matcher = self._groups[needs] if needs in self._groups else self._make()
        matcher.add(key, [pattern])  # a pattern spaCy refuses raises here, before a new matcher is kept
        self._groups[needs] = matcher
        reach = longest(nodes) if self._windows else None
        before = self._reach.get(needs, 0)
        self._reach[needs] = None if reach is None or before is None else max(before, reach)
        self._attrs = sorted({attr for group in self._groups for attr, _ in group})

    def __call__(self, doc: Doc) -> list[Any]:
        """The matches of every pattern whose needed words `doc` holds, group after group."""
        if not self._groups:
            return []
        if self._windows and len(doc) >= WINDOW_TOKENS and self._attrs:
            return self._in_windows(doc)
        values: dict[int, set[int]] = {}
        if self._attrs and len(doc):
            values = {attr: set(column) for attr, column in self._columns(doc).items()}
        out: list[Any] = []
        for needs, matcher in self._groups.items():
            if all(not allowed.isdisjoint(values.get(attr, ())) for attr, allowed in needs):
                out.extend(matcher(doc))
        return out

    def _columns(self, doc: Doc) -> dict[int, list[int]]:
        """Each needed attribute's value at every token of `doc`, read in one array call."""
        table = doc.to_array(self._attrs).reshape(len(doc), len(self._attrs))
        return {attr: table[:, i].tolist() for i, attr in enumerate(self._attrs)}

    def _in_windows(self, doc: Doc) -> list[Any]:
        """As `__call__`, each bounded group run on the windows around its rarest need's words."""
        where: dict[int, dict[int, list[int]]] = {}  # attribute -> value -> token positions
        for attr, column in self._columns(doc).items():
            positions: dict[int, list[int]] = defaultdict(list)
            for i, value in enumerate(column):
                positions[value].append(i)
            where[attr] = positions
        out: list[Any] = []
        for needs, matcher in self._groups.items():
            hits: list[list[int]] = []
            for attr, allowed in needs:
                positions = where[attr]
                present = [v for v in allowed if v in positions] if len(allowed) < len(positions) else \
                    [v for v in positions if v in allowed]
                hits.append([i for value in present for i in positions[value]])
                if not hits[-1]:
                    break
            else:
                reach = self._reach.get(needs)
                if reach is None or not hits:
                    out.extend(matcher(doc))
                    continue
                for start, end in _windows(sorted(min(hits, key=len)), reach, len(doc)):
                    out.extend((key, s + start, e + start) for key, s, e in matcher(doc[start:end]))
        return out


def _windows(hits: list[int], reach: int, length: int) -> list[tuple[int, int]]:
    """Disjoint stretches holding every match of at most `reach` tokens through one of `hits` (ascending)."""
    out: list[list[int]] = []
    for hit in hits:
        start, end = max(0, hit - reach + 1), min(length, hit + reach)
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(start, end) for start, end in out]
