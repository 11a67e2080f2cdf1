"""The encoder starts on the spare core while spaCy parses: the same reports bit for bit, guess right or wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tonecheck.cores import Cores
from tonecheck.detect.classifier import early as early_module
from tonecheck.detect.classifier.detector import ClassifierDetector
from tonecheck.detect.classifier.early import Pace, guess_units
from tonecheck.detect.classifier.packed import PackedEncoder
from tonecheck.detect.classifier.units import units
from tonecheck.engine import EmailInput, Engine
from tools import REPO_ROOT

GUESSED_RIGHT = [
    "Hi Dana,\n\nThanks for waiting. Your refund went out today and should arrive by Friday.\n\nBest regards,\nSam",
    "Thanks for the detailed report about the login errors. Our engineers found the cause yesterday.",
    "A quick update on the project. Sorry for the delay! First, the import. It is done.",
    "As I said in my last email, the form must be signed before we can refund you! Please sign it.",
    "Hello,\nWe looked again.\n\nThe order (#4411) shipped on Monday. It should be there soon.\nKind regards",
    'You wrote "it broke." We have replaced it, and the new unit ships tomorrow (by courier).',
]


def _emails() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "tools/benchmark/emails").glob("*.txt"))]
    with (REPO_ROOT / "models" / "data" / "dev.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return texts + [r["text"] for r in rows if r["kind"] != "sentence"][:60] + GUESSED_RIGHT


@pytest.mark.slow
@pytest.mark.parametrize("text", GUESSED_RIGHT)
def test_the_guess_names_the_units_the_parse_gives(engine: Engine, text: str) -> None:
    parsed = engine._parse([EmailInput(text)])[0]
    assert guess_units(engine.nlp.make_doc(parsed.cleaned.analysis)) == [u.text for u in units(parsed)]


@pytest.mark.slow
def test_a_verbless_sentence_is_a_known_miss_of_the_guess(engine: Engine) -> None:
    text = "What a week for the whole team. Our engineers found the cause yesterday."
    parsed = engine._parse([EmailInput(text)])[0]
    assert [u.text for u in units(parsed)] == [text]  # the parse joins the verbless sentence to the next
    assert guess_units(engine.nlp.make_doc(parsed.cleaned.analysis)) == text.replace(". ", ".\n").split("\n")


def _with_cores(engine: Engine, cores: Cores | None, cache=None) -> Engine:
    """`engine` whose classifier may (or may not) borrow a core from `cores`; its own pace, so counts start at 0."""
    encoder = engine.classifier.encoder
    assert isinstance(encoder, PackedEncoder)
    lent = PackedEncoder.__new__(PackedEncoder)
    lent.__dict__.update({**encoder.__dict__, "cores": cores})
    return engine.with_classifier(ClassifierDetector(lent, engine.classifier.head, cache, Pace()))


def _reports(engine: Engine, texts: list[str]) -> list[tuple]:
    out = []
    for text in texts:
        report = engine.check(text)
        out.append((report.verdict, [(f.rule_id, f.start, f.end, f.score) for f in report.findings], report.scores))
    return out


@pytest.mark.slow
def test_an_early_start_gives_the_same_reports_bit_for_bit(engine: Engine) -> None:
    texts = _emails()
    early = _with_cores(engine, Cores(2))
    alone = _with_cores(engine, None)
    assert _reports(early, texts) == _reports(alone, texts)
    assert early.classifier.pace.early_units > len(texts)  # the spare core did score units, most of them
    assert alone.classifier.pace.early_units == 0
    batch = [r.scores for r in early.check_many([EmailInput(t) for t in texts])]
    assert batch == [r[2] for r in _reports(alone, texts)]  # a batch starts early too


@pytest.mark.slow
def test_a_wrong_guess_costs_time_never_a_score(engine: Engine, monkeypatch) -> None:
    texts = _emails()[:12]
    alone = _reports(_with_cores(engine, None), texts)
    monkeypatch.setattr(early_module, "group_units", lambda text, sentences, fragment: _shifted(text))
    wrong = _with_cores(engine, Cores(2))
    assert _reports(wrong, texts) == alone
    assert wrong.classifier.pace.early_units == 0  # nothing guessed was judged


def _shifted(text: str) -> list:
    """Units that are never the parse's: each starts one character late."""
    from tonecheck.detect.classifier.units import Unit

    return [Unit(i, i + 40, text[i + 1:i + 40]) for i in range(0, max(len(text) - 40, 1), 40)]


@pytest.mark.slow
def test_cached_units_are_not_guessed_again(engine: Engine) -> None:
    from tonecheck.detect.classifier.cache import ScoreCache

    text = GUESSED_RIGHT[0]
    cached = _with_cores(engine, Cores(2), ScoreCache(100))
    first = cached.check(text).scores
    counted = cached.classifier.pace.early_units
    assert counted > 0
    assert cached.check(text).scores == first
    assert cached.classifier.pace.early_units == counted  # all cached: the spare core was not asked


@pytest.mark.slow
def test_a_failed_check_hands_the_spare_core_back(engine: Engine, monkeypatch) -> None:
    cores = Cores(2)
    early = _with_cores(engine, cores)

    def broken(batch):
        raise RuntimeError("rules failed")

    monkeypatch.setattr(early.rules, "detect", broken)
    with pytest.raises(RuntimeError):
        early.check(GUESSED_RIGHT[0])
    with cores.working(), cores.spare() as helper:
        assert helper is not None  # the token came back, and the helper thread is idle
        assert helper.submit(lambda: 6 * 7).result() == 42


def test_the_spare_core_takes_its_share_so_both_cores_finish_together() -> None:
    texts = ["a" * 10] * 10
    assert Pace(0.0).share(texts, 100) == 5  # no parse: half each
    assert Pace(1.0).share(texts, 100) == 10  # parse as long as the encoder: the spare core takes it all
    assert Pace(0.5).share(texts, 100) == 8  # (T + P) / 2 = 75 of 100 characters, rounded up to a unit
    pace = Pace(0.4)
    pace.learn(parse_seconds=0.01, checked_chars=100, encode_seconds=0.02, encoded_chars=100)
    assert pace.ratio == pytest.approx(0.4 + 0.25 * (0.5 - 0.4))
    pace.learn(0.0, 100, 0.02, 100)  # nothing measured: nothing learnt
    assert pace.ratio == pytest.approx(0.425)


def test_rows_come_back_in_the_callers_order() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def score(texts: list[str]) -> np.ndarray:
        return np.array([[float(len(t))] for t in texts])

    with ThreadPoolExecutor(1) as pool:
        start = early_module.EarlyStart(pool, score, ["bb", "cccc"], Pace(), 10)
        rows = start.scores(["a", "cccc", "bb", "ddd"])
    assert rows[:, 0].tolist() == [1.0, 4.0, 2.0, 3.0]


@pytest.mark.slow
def test_no_early_start_when_server_workers_share_the_cores(engine: Engine) -> None:
    cores = Cores(2)
    cores.workers = 2  # as `serve --workers 2` sets it before the fork
    shared = _with_cores(engine, cores)
    shared.check(GUESSED_RIGHT[0])
    assert shared.classifier.pace.early_units == 0
    alone = _with_cores(engine, Cores(2))
    alone.check(GUESSED_RIGHT[0])
    assert alone.classifier.pace.early_units > 0
