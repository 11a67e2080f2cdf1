"""End to end with the real spaCy pipeline and the trained classifier: the issue's "Done means" cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tonecheck.cleanup import ContentType
from tonecheck.engine import EmailInput, Engine
from tonecheck.findings import Category, IgnoredKind, Verdict

pytestmark = pytest.mark.slow

EMAILS = Path(__file__).parent / "fixtures" / "emails"
CURL_EXAMPLE = "As I said in my last email, you failed to attach the form."


def test_engine_e2e_curl_example_is_review_with_exact_spans(engine: Engine) -> None:
    report = engine.check(CURL_EXAMPLE)
    assert report.verdict is Verdict.REVIEW
    assert report.hold is None
    spans = {(f.category, CURL_EXAMPLE[f.start : f.end]) for f in report.findings}
    assert (Category.TOLD_YOU_SO, "As I said in my last email") in spans
    assert (Category.BLAME, "you failed to attach the form") in spans
    assert engine.versions.model  # the classifier really ran


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        pytest.param("furious_quote_calm_reply.txt", ContentType.PLAIN, id="plain-on-wrote"),
        pytest.param("outlook_plain_reply.txt", ContentType.PLAIN, id="plain-outlook"),
        pytest.param("gmail_plain_reply_wrapped.txt", ContentType.PLAIN, id="plain-gmail-wrapped"),
        pytest.param("gmail_reply.html", ContentType.HTML, id="gmail-html"),
        pytest.param("apple_mail_reply.html", ContentType.HTML, id="apple-html"),
        pytest.param("outlook_web_reply.html", ContentType.HTML, id="outlook-web-html"),
        pytest.param("outlook_desktop_reply.html", ContentType.HTML, id="outlook-desktop-html"),
        pytest.param("yahoo_reply.html", ContentType.HTML, id="yahoo-html"),
        pytest.param("thunderbird_reply.html", ContentType.HTML, id="thunderbird-html"),
    ],
)
def test_engine_e2e_furious_quote_below_calm_reply_is_send(
    engine: Engine, name: str, content_type: ContentType
) -> None:
    report = engine.check((EMAILS / name).read_text(encoding="utf-8"), content_type)
    flagged = [(f.rule_id, report.text[f.start : f.end]) for f in report.findings]
    assert report.verdict is Verdict.SEND, flagged
    assert any(r.kind is IgnoredKind.QUOTE for r in report.ignored)


@pytest.mark.parametrize(
    "text",
    [
        "You should have gotten a tracking link by now.",
        "None of this was your fault.",
        "It's not your fault.",
        "I should have caught this earlier; I'm sorry.",
    ],
)
def test_engine_e2e_expectations_and_ownership_are_send(engine: Engine, text: str) -> None:
    report = engine.check(text)
    assert report.verdict is Verdict.SEND, [(f.rule_id, f.score) for f in report.findings]


@pytest.mark.parametrize(
    "text",
    [
        "Great, another ticket about the same bug. Fantastic. Don't bother writing back!!!",
        "Honestly, I've had it with these requests. Whatever.",
        "Are you SERIOUS?! I am NOT going to explain this AGAIN.",
    ],
)
def test_engine_e2e_heated_draft_is_hold_for_30_minutes(engine: Engine, text: str) -> None:
    report = engine.check(text)
    assert report.verdict is Verdict.HOLD
    assert report.hold is not None and report.hold.minutes == 30
    assert any(f.category is Category.HEATED for f in report.findings)


def test_engine_e2e_batch_matches_single_checks(engine: Engine) -> None:
    texts = [CURL_EXAMPLE, "None of this was your fault.", "Don't bother writing back!!!"]
    batch = engine.check_many([EmailInput(t) for t in texts])
    assert [r.verdict for r in batch] == [engine.check(t).verdict for t in texts]
    assert [r.verdict for r in batch] == [Verdict.REVIEW, Verdict.SEND, Verdict.HOLD]


def _with_policy(engine: Engine, **changes: object) -> Engine:
    """The same loaded engine with its policy changed."""
    import copy
    from dataclasses import replace

    clone = copy.copy(engine)
    clone.policy = replace(engine.policy, **changes)
    return clone


def test_engine_e2e_a_heated_sentence_under_the_hold_level_is_shown_low_and_never_held(engine: Engine) -> None:
    """Through the real pipeline and classifier, with the band placed around this sentence's real score."""
    from tonecheck.findings import Severity

    text = "Well, that was not the smoothest week for either of us."
    heat = next(m.score for m in engine.classifier.detect(engine._parse([EmailInput(text)]))[0]
                if m.category is Category.HEATED)
    assert 0.02 < heat < 0.98  # a real score with room either side, whatever the model makes of it

    def at(hold: float, review: float | None) -> Engine:
        return _with_policy(engine, thresholds={**engine.policy.thresholds, Category.HEATED: hold},
                            heat_threshold=hold, heat_pair=None, heat_review=review)

    report = at(heat + 0.01, heat - 0.01).check(text)
    heated = [f for f in report.findings if f.category is Category.HEATED]
    assert heated and all(f.severity is Severity.LOW and "not heated enough to hold" in f.message for f in heated)
    assert report.verdict is Verdict.REVIEW and report.hold is None
    # Above the hold level the same sentence holds; with the band off it is not shown at all.
    assert at(heat - 0.005, heat - 0.01).check(text).verdict is Verdict.HOLD
    assert not [f for f in at(heat + 0.01, None).check(text).findings if f.category is Category.HEATED]


def test_engine_e2e_the_reread_level_comes_from_settings(engine: Engine) -> None:
    from tonecheck.engine import build_engine
    from tonecheck.settings import Settings

    assert engine.policy.heat_review == Settings().heat_review == 0.9
    assert build_engine(Settings(heat_review=0.95)).policy.heat_review == 0.95
    assert build_engine(Settings(heat_review=1.0)).policy.heat_review is None
