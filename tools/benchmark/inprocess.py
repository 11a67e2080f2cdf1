"""In-process timings: tonecheck's engine and the naive stack, interleaved on the same emails and sentences."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tonecheck.cleanup import clean
from tonecheck.engine import Engine
from tonecheck.parse import parse_many
from tools.benchmark.corpus import SIZES, BenchEmail

Clock = Callable[[], float]


@dataclass
class Samples:
    """Latencies in ms by size class, for one system."""

    by_size: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SIZES})

    def add(self, size: str, ms: float) -> None:
        """Record one email's latency."""
        self.by_size[size].append(ms)


class NaiveStack:
    """The reference: the full spaCy pipeline (NER included) and stock fp32 MiniLM via transformers.

    It is what a first version would do: `nlp(text)` with every component the package enables, then one
    transformers call over the email's sentences padded to the longest, torch's default settings.
    """

    def __init__(self, spacy_model: str) -> None:
        import spacy
        import torch
        from transformers import AutoModel, AutoTokenizer

        from tonecheck.detect.classifier.encoder import encoder_dir, mean_pool

        self._torch = torch
        self._pool = mean_pool
        self.nlp = spacy.load(spacy_model)
        self.tokenizer = AutoTokenizer.from_pretrained(encoder_dir(), local_files_only=True)
        self.model = AutoModel.from_pretrained(encoder_dir(), local_files_only=True).eval()

    def check(self, text: str, sentences: list[str]) -> None:
        """Parse `text` and embed `sentences` (the ones tonecheck judges in it), one email at a time."""
        self.nlp(text)
        if not sentences:
            return
        with self._torch.inference_mode():
            enc = self.tokenizer(sentences, padding=True, truncation=True, max_length=128, return_tensors="pt")
            self._pool(self.model(**enc).last_hidden_state, enc["attention_mask"])


def judged_sentences(engine: Engine, text: str) -> list[str]:
    """The sentences tonecheck's classifier embeds for `text`, as ClassifierDetector passes them."""
    parsed = parse_many(engine.nlp, [clean(text)], engine.max_sentences)[0]
    return [s.text.strip() for s in parsed.sentences]


def _ms(fn: Callable[[], object], clock: Clock) -> float:
    began = clock()
    fn()
    return (clock() - began) * 1000


def interleaved(
    systems: dict[str, tuple[Callable[[BenchEmail], object], Callable[[], None]]],
    emails: dict[str, list[BenchEmail]],
    rounds: int,
    deadline: float,
    warmup: int = 2,
    clock: Clock = time.perf_counter,
) -> tuple[dict[str, Samples], int]:
    """Each round runs every system over every email, one system after another, so a change in the
    machine's load hits all systems alike. `systems` maps a name to (check one email, set up threads).

    Returns the samples and the rounds completed (fewer than `rounds` when `deadline` passed).
    """
    every = [e for size in SIZES for e in emails[size]]
    for _ in range(warmup):
        for check, setup in systems.values():
            setup()
            for email in every:
                check(email)
    samples = {name: Samples() for name in systems}
    done = 0
    for _ in range(rounds):
        if time.monotonic() > deadline:
            break
        for name, (check, setup) in systems.items():
            setup()
            for email in every:
                samples[name].add(email.size, _ms(lambda c=check, e=email: c(e), clock))
        done += 1
    return samples, done


def one_at_a_time(check: Callable[[str], object], paths: list[Path], clock: Clock = time.perf_counter) -> float:
    """Seconds to read and check the files in turn, one at a time: a batch without batching."""
    began = clock()
    for path in paths:
        check(path.read_text(encoding="utf-8"))
    return clock() - began


def stages(engine: Engine, text: str, rounds: int, clock: Clock = time.perf_counter) -> dict[str, list[float]]:
    """Where one email's time goes: cleanup, parse, rules, classifier (ms per run, `rounds` runs)."""
    out: dict[str, list[float]] = {"cleanup": [], "parse": [], "rules": [], "classifier": []}
    for _ in range(rounds):
        began = clock()
        cleaned = [clean(text)]
        t1 = clock()
        parsed = parse_many(engine.nlp, cleaned, engine.max_sentences)
        t2 = clock()
        engine.rules.detect(parsed)
        t3 = clock()
        if engine.classifier is not None:
            engine.classifier.detect(parsed)
        t4 = clock()
        for key, a, b in (("cleanup", began, t1), ("parse", t1, t2), ("rules", t2, t3), ("classifier", t3, t4)):
            out[key].append((b - a) * 1000)
    return out


def worst_case(engine: Engine, text: str, runs: int, clock: Clock = time.perf_counter) -> list[float]:
    """Latencies (ms) of the largest email the API accepts."""
    return [_ms(lambda: engine.check(text), clock) for _ in range(runs)]


def edited(text: str) -> str:
    """`text` with one word added to its longest line: what the task pane re-checks after an Apply."""
    lines = text.split("\n")
    i = max(range(len(lines)), key=lambda k: len(lines[k]))
    return "\n".join([*lines[:i], lines[i].replace(" ", " really ", 1), *lines[i + 1:]])


def rechecks(engine: Engine, cached: Engine, text: str, rounds: int,
             clock: Clock = time.perf_counter) -> tuple[list[float], list[float]]:
    """ms to check an edited draft without the score cache, and with it after the original was checked."""
    plain, warm = [], []
    for r in range(rounds):
        draft = text + f"\n\nRef {r}"  # a fresh draft each round, so only its own units are in the cache
        after = edited(draft)
        plain.append(_ms(lambda after=after: engine.check(after), clock))
        cached.check(draft)
        warm.append(_ms(lambda after=after: cached.check(after), clock))
    return plain, warm
