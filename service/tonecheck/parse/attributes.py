"""spaCy's attribute ruler as table lookups: the same POS, MORPH and LEMMA exceptions, a tenth of the time.

en_core_web_sm's `attribute_ruler` maps tags to parts of speech and morphology and fixes some lemmas
with 179 patterns (all but 8 of one token) run through a `Matcher`, which steps every pattern through
every token (about 3 ms of a typical email's 12 ms parse in a one-off timing on 4 Dec). Here each token
looks up only the patterns that name its tag or its lower-case form, and the matches are written in
the ruler's own order by spaCy's own setter. A pipeline whose ruler uses anything else keeps the ruler.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

# The token attributes a pattern may test, as columns of `Doc.to_array`; anything else keeps the ruler.
_COLUMNS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_ARRAY = [TAG, LOWER, DEP, IS_SPACE]

# (column, kind, what): kind "in" or "not_in" a set of string ids, or "regex" searched in the text.
Test = tuple[int, str, frozenset[int] | re.Pattern[str]]
SEEN_MAX = 50_000


def _test(key: str, value: Any, vocab: Vocab) -> Test | None:
    """One attribute test of a token pattern as (column, kind, what), or None if the table cannot read it."""
    column = _COLUMNS.get(key)
    if column is None:
        return None
    if key == "IS_SPACE":
        return (column, "in", frozenset({int(value)})) if isinstance(value, bool) else None
    kind, values = "in", value
    if isinstance(value, dict) and len(value) == 1:
        (op, values), = value.items()
        kind = {"IN": "in", "NOT_IN": "not_in", "REGEX": "regex"}.get(op, "")
    if kind == "regex" and isinstance(values, str):
        return column, kind, re.compile(values)  # spaCy's REGEX predicate: re.search on the text
    values = [values] if isinstance(values, str) and kind == "in" else values
    if kind not in ("in", "not_in") or not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    return column, kind, frozenset(vocab.strings.add(v) for v in values)


class AttributeTable:
    """The ruler's one-token patterns indexed by tag and lower-case form; the rest through a small Matcher."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.attrs, self.indices, self.strings = ruler.attrs, ruler.indices, ruler.vocab.strings
        self.by_tag: dict[int, list[int]] = {}
        self.by_lower: dict[int, list[int]] = {}
        self.always: list[int] = []
        self.tests: dict[int, list[list[Test]]] = {}  # pattern index -> its alternatives' tests
        self.longer = Matcher(ruler.vocab)  # patterns of several tokens, few: spaCy's matcher
        # (tag, lower, dep, is_space) -> the one-token patterns it matches: tokens repeat, the answer is
        # the same. String ids only, like spaCy's own string store; cleared when it grows past its bound.
        self._seen: dict[tuple[int, ...], list[int]] = {}
        for i in range(len(ruler.attrs)):
            _, patterns = ruler.matcher.get(str(i))
            if ruler.indices[i] not in (0, -1) and any(len(pattern) == 1 for pattern in patterns):
                raise ValueError(f"attribute ruler pattern {i} sets token {ruler.indices[i]} of one token")
            for pattern in patterns:
                if len(pattern) > 1:
                    self.longer.add(str(i), [pattern])
                    continue
                tests = [_test(key, value, ruler.vocab) for key, value in pattern[0].items()]
                if not tests or any(t is None for t in tests):
                    raise ValueError(f"attribute ruler pattern {i} is not a plain one-token test: {pattern}")
                self.tests.setdefault(i, []).append([t for t in tests if t is not None])
                self._index(i, [t for t in tests if t is not None])

    def _index(self, i: int, tests: list[Test]) -> None:
        """File pattern `i` under its lower-case form, else its tag, else with the ones every token tries."""
        for column, table in ((1, self.by_lower), (0, self.by_tag)):  # the more selective first
            test = next((t for t in tests if t[0] == column and t[1] == "in"), None)
            if test is not None:
                assert isinstance(test[2], frozenset)
                for value in test[2]:
                    if i not in table.setdefault(value, []):
                        table[value].append(i)
                return
        self.always.append(i)

    def _matches(self, row: Sequence[int]) -> list[int]:
        """Indexes of the one-token patterns that match a token with these column values, in order."""
        candidates = {*self.by_tag.get(row[0], ()), *self.by_lower.get(row[1], ()), *self.always}
        return sorted(i for i in candidates if any(all(self._holds(row, t) for t in alt) for alt in self.tests[i]))

    def _holds(self, row: Sequence[int], test: Test) -> bool:
        column, kind, what = test
        if isinstance(what, frozenset):
            return (row[column] in what) == (kind == "in")
        return what.search(self.strings[row[column]]) is not None

    def __call__(self, doc: Doc) -> Doc:
        """Set the ruler's attributes on `doc`: every match is found first, then written in pattern order."""
        if not len(doc):
            return doc
        if len(self._seen) > SEEN_MAX:
            self._seen.clear()
        found: list[tuple[int, int, int]] = []
        for start, row in enumerate(doc.to_array(_ARRAY).tolist()):
            key = tuple(row)
            matched = self._seen.get(key)
            if matched is None:
                matched = self._seen[key] = self._matches(row)
            found += [(i, start, start + 1) for i in matched]
        found += [(int(doc.vocab.strings[key]), start, end) for key, start, end in self.longer(doc)]
        # The ruler's order: by pattern, so a later pattern overwrites what an earlier one set.
        for i, start, end in sorted(set(found)):
            token = doc[start] if end == start + 1 else doc[start:end][self.indices[i]]
            set_token_attrs(token, self.attrs[i])
        return doc


@Language.factory("tonecheck_attribute_table")
def make_attribute_table(nlp: Language, name: str) -> AttributeTable:
    """The pipeline's `attribute_ruler` compiled into an `AttributeTable` (added just after it)."""
    return AttributeTable(nlp.get_pipe("attribute_ruler"))
