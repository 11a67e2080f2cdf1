"""The rule detector: exact spans, direction and negation, and dependency rules on hand-built parses."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from tonecheck.cleanup import Cleaned, clean
from tonecheck.detect.rules.detector import SEVERITY_SCORE, RuleDetector
from tonecheck.detect.rules.loader import load_rules
from tonecheck.engine import Engine
from tonecheck.findings import Category, Finding, Severity, Source, TextRange
from tonecheck.parse import Parsed, parse_many
from tonecheck.settings import Settings

# --- the real pipeline: exact spans -----------------------------------------------------------------

SPANS = [
    pytest.param(
        "As I said in my last email, you failed to attach the form.",
        [
            ("told_you_so.as_i_said", "As I said in my last email"),
            ("blame.you_failed_to", "you failed to attach the form"),
        ],
        id="issue-curl-example",
    ),
    pytest.param(
        "Per my last email, the form goes to billing.",
        [("told_you_so.per_my_last", "Per my last email")],
        id="per-my-last",
    ),
    pytest.param(
        "I already told you the price includes shipping.",
        [("told_you_so.already_told_you", "I already told you the price includes shipping")],
        id="already-told-you-subtree",
    ),
    pytest.param(
        "You should have called us before the warranty ran out.",
        [("blame.should_have", "You should have called us before the warranty ran out")],
        id="should-have",
    ),
    pytest.param("The delay is your fault.", [("blame.your_fault", "your fault")], id="your-fault"),
    pytest.param(
        "Your staff ignored the safety notice.",
        [("blame.you_failed_to", "Your staff ignored the safety notice")],
        id="your-staff-ignored",
    ),
    pytest.param(
        "That's not on us; the carrier handles deliveries.",
        [("defensive.not_our_fault", "That's not on us")],
        id="not-on-us",
    ),
    pytest.param(
        "With all due respect, I know our product better than anyone.",
        [("defensive.with_respect", "With all due respect")],
        id="with-all-due-respect",
    ),
    pytest.param(
        "Please READ THE EMAIL before replying.", [("heated.shouting", "READ THE EMAIL")], id="shouting"
    ),
    pytest.param("We already refunded you!!!", [("heated.piled_punctuation", "!!!")], id="bangs-kept-whole"),
    pytest.param("You want a discount?!", [("heated.piled_punctuation", "?!")], id="interrobang-kept-whole"),
    pytest.param(
        "Did you even read it?!?", [("heated.piled_punctuation", "?!?")], id="mixed-marks-kept-whole"
    ),
    pytest.param("Don't bother writing back.", [("heated.dismissal", "Don't bother")], id="dont-bother"),
    pytest.param(
        "Hi Dana,\nAs I said before, the office is closed.\nYou didn't enter the promo code.",
        [
            ("told_you_so.as_i_said_before", "As I said before"),
            ("blame.you_didnt", "You didn't enter the promo code"),
        ],
        id="one-finding-per-phrase-across-lines",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SPANS)
def test_detector_spans_are_exact(rules_engine: Engine, text: str, expected: list[tuple[str, str]]) -> None:
    report = rules_engine.check(text)
    assert [(f.rule_id, text[f.start : f.end]) for f in report.findings] == expected


def test_detector_issue_example_offsets(rules_engine: Engine) -> None:
    findings = rules_engine.check("As I said in my last email, you failed to attach the form.").findings
    assert [(f.category, f.start, f.end) for f in findings] == [
        (Category.TOLD_YOU_SO, 0, 26),
        (Category.BLAME, 28, 57),
    ]


CALM = [
    pytest.param("it's not your fault", id="not-your-fault"),
    pytest.param("It's not your fault.", id="not-your-fault-sentence"),
    pytest.param("None of this was your fault.", id="none-of-this"),
    pytest.param("This was not your fault at all, and I've refunded the fee.", id="not-your-fault-at-all"),
    pytest.param("I should have caught this", id="i-should-have"),
    pytest.param("I should have caught this earlier; I'm sorry.", id="i-should-have-sentence"),
    pytest.param("We should have told you about the delay.", id="we-should-have"),
    pytest.param("You should have gotten a tracking link by now.", id="should-have-gotten"),
    pytest.param("You should have received a confirmation code.", id="should-have-received"),
    pytest.param("You should have heard from the courier by now.", id="should-have-heard"),
    pytest.param("You should have seen an email from us this morning.", id="should-have-seen"),
    pytest.param("You should have a confirmation in your inbox.", id="should-have-noun"),
    pytest.param("We failed to ship your order on time, and I'm sorry.", id="we-failed"),
    pytest.param("If you forgot your password, you can reset it here.", id="if-you-forgot"),
    pytest.param("This was our mistake, and I'm sorry.", id="our-mistake"),
    pytest.param("The problem is not on your end; we're fixing it.", id="not-on-your-end"),
    pytest.param("As we discussed, I've sent the coupon code.", id="as-we-discussed"),
    pytest.param("Following up on my previous email: did the form arrive?", id="following-up"),
    pytest.param("I told our courier to call before delivery.", id="told-the-courier"),
    pytest.param("Once again, thanks for your patience!", id="once-again-thanks"),
    pytest.param("Please reply ASAP so we can book the engineer.", id="single-acronym"),
    pytest.param("I'm so sorry!", id="one-kind-bang"),
    pytest.param("Whatever works best for you is fine.", id="whatever-works"),
]


@pytest.mark.parametrize("text", CALM)
def test_detector_direction_and_negation_pass(rules_engine: Engine, text: str) -> None:
    report = rules_engine.check(text)
    assert [(f.rule_id, text[f.start : f.end]) for f in report.findings] == []


def test_detector_only_judged_sentences(rules_engine: Engine) -> None:
    text = "The refund is on its way.\n\n> You failed to attach the form!!!\n> Per my last email, WHATEVER.\n"
    assert rules_engine.check(text).findings == ()


def test_detector_finding_fields(rules_engine: Engine) -> None:
    text = "Thanks for writing. The delay is your fault."
    [f] = rules_engine.check(text).findings
    spec = rules_engine.rules.rules["blame.your_fault"]
    assert f.source is Source.RULE
    assert f.severity is spec.severity and f.score == SEVERITY_SCORE[spec.severity]
    assert f.message == spec.message and list(f.suggestions) == spec.suggestions
    assert "blame.your_fault" in f.explanation
    assert f.sentence == TextRange(20, len(text))


def test_detector_one_finding_per_rule_per_sentence(rules_engine: Engine) -> None:
    text = "That was your mistake and your error."
    hits = [f for f in rules_engine.check(text).findings if f.rule_id == "blame.your_fault"]
    assert [(text[f.start : f.end]) for f in hits] == ["your mistake"]


def test_detector_every_rule_keeps_overlapping_rules_of_a_category(rules_engine: Engine) -> None:
    [parsed] = parse_many(rules_engine.nlp, [clean("As I said before, the office is closed.")], 10)
    every = {f.rule_id for f in rules_engine.rules.every_rule(parsed)}
    assert {"told_you_so.as_i_said_before", "told_you_so.as_i_said"} <= every
    assert [f.rule_id for f in rules_engine.rules.detect_one(parsed)] == ["told_you_so.as_i_said_before"]


# --- dependency rules on hand-built parses (no parser loaded) ------------------------------------------

BLANK = spacy.blank("en")
DETECTOR = RuleDetector(load_rules([Settings().rules_dir]), BLANK)


def parsed_doc(rows: list[tuple[str, int, str, str, str]]) -> Parsed:
    """A `Parsed` from (word, head index, dep, tag, lemma) rows: spaCy's own way to fake a parse."""
    words, heads, deps, tags, lemmas = (list(col) for col in zip(*rows, strict=True))
    spaces = [i + 1 < len(words) and words[i + 1] not in {".", ",", "?", "!"} for i in range(len(words))]
    doc = Doc(BLANK.vocab, words=words, spaces=spaces, heads=heads, deps=deps, tags=tags, lemmas=lemmas)
    return Parsed(Cleaned(doc.text, doc.text, (), False), doc, tuple(doc.sents))


YOU_FAILED = [
    ("You", 1, "nsubj", "PRP", "you"),
    ("failed", 1, "ROOT", "VBD", "fail"),
    ("to", 3, "aux", "TO", "to"),
    ("attach", 1, "xcomp", "VB", "attach"),
    ("the", 5, "det", "DT", "the"),
    ("form", 3, "dobj", "NN", "form"),
    (".", 1, "punct", ".", "."),
]
WE_FAILED = [("We", 1, "nsubj", "PRP", "we"), *YOU_FAILED[1:]]
IF_YOU_FAILED = [
    ("If", 2, "mark", "IN", "if"),
    ("you", 2, "nsubj", "PRP", "you"),
    ("failed", 8, "advcl", "VBD", "fail"),
    ("to", 4, "aux", "TO", "to"),
    ("attach", 2, "xcomp", "VB", "attach"),
    ("the", 6, "det", "DT", "the"),
    ("form", 4, "dobj", "NN", "form"),
    (",", 8, "punct", ",", ","),
    ("resend", 8, "ROOT", "VB", "resend"),
    ("it", 8, "dobj", "PRP", "it"),
    (".", 8, "punct", ".", "."),
]
# The subject is several words away: only the tree connects "You" and "ignored".
YOU_AS_OWNER_IGNORED = [
    ("You", 6, "nsubj", "PRP", "you"),
    (",", 0, "punct", ",", ","),
    ("as", 0, "prep", "IN", "as"),
    ("the", 4, "det", "DT", "the"),
    ("owner", 2, "pobj", "NN", "owner"),
    (",", 0, "punct", ",", ","),
    ("ignored", 6, "ROOT", "VBD", "ignore"),
    ("the", 8, "det", "DT", "the"),
    ("notice", 6, "dobj", "NN", "notice"),
    (".", 6, "punct", ".", "."),
]
# The same words in the wrong roles: "you" is the object, the courier did the failing.
COURIER_FAILED_YOU = [
    ("The", 1, "det", "DT", "the"),
    ("courier", 2, "nsubj", "NN", "courier"),
    ("failed", 2, "ROOT", "VBD", "fail"),
    ("you", 2, "dobj", "PRP", "you"),
    (".", 2, "punct", ".", "."),
]
YOUR_STAFF_IGNORED = [
    ("Your", 1, "poss", "PRP$", "your"),
    ("staff", 2, "nsubj", "NN", "staff"),
    ("ignored", 2, "ROOT", "VBD", "ignore"),
    ("the", 4, "det", "DT", "the"),
    ("notice", 2, "dobj", "NN", "notice"),
    (".", 2, "punct", ".", "."),
]
OUR_STAFF_IGNORED = [("Our", 1, "poss", "PRP$", "our"), *YOUR_STAFF_IGNORED[1:]]
I_ALREADY_TOLD_YOU = [
    ("I", 2, "nsubj", "PRP", "I"),
    ("already", 2, "advmod", "RB", "already"),
    ("told", 2, "ROOT", "VBD", "tell"),
    ("you", 2, "dobj", "PRP", "you"),
    ("the", 5, "det", "DT", "the"),
    ("price", 6, "nsubj", "NN", "price"),
    ("includes", 2, "ccomp", "VBZ", "include"),
    ("shipping", 6, "dobj", "NN", "shipping"),
    (".", 2, "punct", ".", "."),
]
I_SHOULD_HAVE_TOLD_YOU = [
    ("I", 3, "nsubj", "PRP", "I"),
    ("should", 3, "aux", "MD", "should"),
    ("have", 3, "aux", "VB", "have"),
    ("told", 3, "ROOT", "VBN", "tell"),
    ("you", 3, "dobj", "PRP", "you"),
    ("already", 3, "advmod", "RB", "already"),
    (".", 3, "punct", ".", "."),
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(YOU_FAILED, [("blame.you_failed_to", "You failed to attach the form")], id="you-failed"),
        pytest.param(WE_FAILED, [], id="we-failed"),
        pytest.param(IF_YOU_FAILED, [], id="if-you-failed-vetoed"),
        pytest.param(
            YOU_AS_OWNER_IGNORED,
            [("blame.you_failed_to", "You, as the owner, ignored the notice")],
            id="subject-far-from-verb",
        ),
        pytest.param(COURIER_FAILED_YOU, [], id="you-as-object"),
        pytest.param(
            YOUR_STAFF_IGNORED, [("blame.you_failed_to", "Your staff ignored the notice")], id="your-staff"
        ),
        pytest.param(OUR_STAFF_IGNORED, [], id="our-staff"),
        pytest.param(
            I_ALREADY_TOLD_YOU,
            [("told_you_so.already_told_you", "I already told you the price includes shipping")],
            id="already-told-you",
        ),
        pytest.param(I_SHOULD_HAVE_TOLD_YOU, [], id="i-should-have-told-you-vetoed"),
    ],
)
def test_detector_dependency_rules_on_hand_built_parse(rows: list, expected: list[tuple[str, str]]) -> None:
    parsed = parsed_doc(rows)
    found = DETECTOR.detect_one(parsed)
    assert [(f.rule_id, parsed.cleaned.text[f.start : f.end]) for f in found] == expected


def test_detector_skips_sentences_that_are_not_judged() -> None:
    parsed = parsed_doc(YOU_FAILED)
    assert DETECTOR.detect_one(Parsed(parsed.cleaned, parsed.doc, ())) == []


def _f(rule_id: str, category: Category, severity: Severity, start: int, end: int) -> Finding:
    return Finding(category, rule_id, Source.RULE, severity, SEVERITY_SCORE[severity], start, end, "m")


@pytest.mark.parametrize(
    ("found", "kept"),
    [
        pytest.param(
            [_f("a.x", Category.BLAME, Severity.HIGH, 0, 10), _f("a.y", Category.BLAME, Severity.HIGH, 2, 8)],
            ["a.x"],
            id="nested-same-category",
        ),
        pytest.param(
            [
                _f("a.x", Category.BLAME, Severity.HIGH, 0, 10),
                _f("a.y", Category.DEFENSIVE, Severity.HIGH, 2, 8),
            ],
            ["a.x", "a.y"],
            id="nested-other-category-kept",
        ),
        pytest.param(
            [
                _f("a.x", Category.BLAME, Severity.MEDIUM, 0, 10),
                _f("a.y", Category.BLAME, Severity.HIGH, 2, 8),
            ],
            ["a.x", "a.y"],
            id="higher-severity-inside-kept",
        ),
        pytest.param(
            [
                _f("a.x", Category.BLAME, Severity.MEDIUM, 0, 10),
                _f("a.y", Category.BLAME, Severity.HIGH, 0, 10),
            ],
            ["a.y"],
            id="same-span-higher-severity-wins",
        ),
        pytest.param(
            [
                _f("a.x", Category.BLAME, Severity.HIGH, 0, 10),
                _f("a.y", Category.BLAME, Severity.HIGH, 5, 15),
            ],
            ["a.x", "a.y"],
            id="partial-overlap-kept",
        ),
    ],
)
def test_detector_drop_nested(found: list[Finding], kept: list[str]) -> None:
    from tonecheck.detect.rules.detector import _drop_nested

    assert sorted(f.rule_id for f in _drop_nested(found)) == kept


def _late_rule(rule_id: str, unless: str | None) -> str:
    """One `late` rule of the veto tests, as rule-file YAML; `unless` is its veto pattern or None."""
    rule = (f"  - id: {rule_id}\n    category: heated\n    severity: low\n    message: m\n    suggestions: [s]\n"
            "    examples: {flag: [Late again.], pass: [On time.]}\n    tokens: [[{LOWER: late}]]\n")
    return rule + (f"    unless: [{unless}]\n" if unless else "")


VETO_RULES = "rules:\n" + "".join([
    _late_rule("heated.late_sorry", "[{LOWER: sorry}]"),
    _late_rule("heated.late_plain", None),
    _late_rule("heated.late_across", '[{LOWER: late}, {ORTH: "."}, {LOWER: sorry}]'),
])


def _sentences(words: list[str], starts: list[int]) -> Parsed:
    doc = Doc(BLANK.vocab, words=words, sent_starts=[i in starts for i in range(len(words))])
    return Parsed(Cleaned(doc.text, doc.text, (), False), doc, tuple(doc.sents))


@pytest.mark.parametrize(
    ("words", "starts", "kept"),
    [
        # A veto counts in the sentence it starts in, for its own rule only.
        pytest.param(["Sorry", ",", "late", "."], [0], ["heated.late_across", "heated.late_plain"],
                     id="vetoes-its-own-rule-only"),
        pytest.param(["Late", "again", ".", "Sorry", "."], [0, 3],
                     ["heated.late_across", "heated.late_plain", "heated.late_sorry"], id="veto-in-another-sentence"),
        # ...even when its words run on past that sentence's end: each veto pattern reads the whole doc.
        pytest.param(["Late", ".", "Sorry", "."], [0, 2], ["heated.late_plain", "heated.late_sorry"],
                     id="veto-running-past-its-sentence"),
        pytest.param(["On", "time", "."], [0], [], id="no-match-no-veto"),
    ],
)
@pytest.mark.filterwarnings("ignore:.*W036")  # these rules have no dependency patterns
def test_detector_unless_vetoes_per_rule_and_sentence(
    tmp_path, words: list[str], starts: list[int], kept: list[str]
) -> None:
    (tmp_path / "late.yaml").write_text(VETO_RULES, encoding="utf-8")
    detector = RuleDetector(load_rules([tmp_path]), BLANK)
    assert sorted(f.rule_id for f in detector.every_rule(_sentences(words, starts))) == kept
