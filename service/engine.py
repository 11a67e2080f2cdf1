"""The engine runs cleanup, one parse, every detector, combine and verdict; `build_engine` wires it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from spacy.language import Language

from service import __version__
from service.cleanup import Cleaned, ContentType, clean
from service.combine import Policy, combine
from service.combine.verdict import Hold, decide, document_scores
from service.detect import Detector
from service.errors import TooLarge
from service.findings import Category, Finding, IgnoredRange, Source, Verdict
from service.parse import Parsed, parse_many
from service.settings import Settings


@dataclass(frozen=True, slots=True)
class EmailInput:
    """One email to check: its text, format, and any extra ranges the caller wants ignored."""

    text: str
    content_type: ContentType = ContentType.PLAIN
    ignored: tuple[IgnoredRange, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the engine found in one email; offsets are code points into `text`."""

    text: str
    rendered: bool
    verdict: Verdict
    findings: tuple[Finding, ...]
    ignored: tuple[IgnoredRange, ...]
    scores: dict[Category, float]
    hold: Hold | None
    sentences: int


@dataclass(frozen=True, slots=True)
class Versions:
    """Versions reported with every result, so a finding can be traced to what produced it."""

    service: str
    rules: str
    model: str | None


class Engine:
    """Checks emails; built once per process and shared by every request."""

    def __init__(
        self,
        nlp: Language,
        rules: Detector,
        classifier: Detector | None,
        policy: Policy,
        versions: Versions,
        hold_minutes: int = 30,
        max_sentences: int = 2_000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.nlp = nlp
        self.rules = rules
        self.classifier = classifier
        self.policy = policy
        self.versions = versions
        self.hold_minutes = hold_minutes
        self.max_sentences = max_sentences
        self.clock = clock

    def _parse(self, emails: Sequence[EmailInput]) -> list[Parsed]:
        cleaned: list[Cleaned] = [clean(e.text, e.content_type, list(e.ignored)) for e in emails]
        parsed = parse_many(self.nlp, cleaned, self.max_sentences + 1)
        for i, p in enumerate(parsed):
            if len(p.sentences) > self.max_sentences:
                which = f"email {i} has" if len(parsed) > 1 else "the email has"
                raise TooLarge(
                    f"{which} more than {self.max_sentences} sentences; split it or raise TONECHECK_MAX_SENTENCES"
                )
        return parsed

    def check_many(self, emails: Sequence[EmailInput]) -> list[Report]:
        """Check a batch: one `nlp.pipe` pass, one rules pass, one classifier batch."""
        parsed = self._parse(emails)
        rule_hits = self.rules.detect(parsed)
        model_hits = self.classifier.detect(parsed) if self.classifier else [[] for _ in parsed]
        now = self.clock()
        reports = []
        for p, rf, mf in zip(parsed, rule_hits, model_hits, strict=True):
            findings = combine(rf, mf, p.cleaned, self.policy)
            kept_model = [m for m in mf if not p.cleaned.is_ignored(m.start, m.end)]
            scores = document_scores(findings, kept_model)
            verdict, hold = decide(findings, scores, self.policy, self.hold_minutes, now)
            reports.append(
                Report(p.cleaned.text, p.cleaned.rendered, verdict, tuple(findings), p.cleaned.ignored,
                       scores, hold, len(p.sentences))
            )
        return reports

    def check(self, text: str, content_type: ContentType = ContentType.PLAIN) -> Report:
        """Check one email."""
        return self.check_many([EmailInput(text, content_type)])[0]


def build_engine(settings: Settings) -> Engine:
    """The one place that wires settings, rules and models into an engine."""
    from service.detect.rules.detector import RuleDetector
    from service.detect.rules.loader import load_rules
    from service.parse import load_pipeline

    nlp = load_pipeline(settings.spacy_model)
    rules = load_rules([settings.rules_dir])
    classifier = None
    policy = Policy()
    model_version = None
    if settings.use_classifier:
        from service.detect.classifier import load_classifier

        classifier, policy, model_version = load_classifier(settings.model_dir, settings.torch_threads)
    return Engine(
        nlp,
        RuleDetector(rules, nlp),
        classifier,
        policy,
        Versions(__version__, rules_version(rules), model_version),
        hold_minutes=settings.hold_minutes,
        max_sentences=settings.max_sentences,
    )


def rules_version(rules: list) -> str:
    """A short content hash of the loaded rules, so clients can tell rule sets apart."""
    import hashlib
    import json

    blob = json.dumps([spec.model_dump(mode="json", by_alias=True) for spec, _, _ in rules], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


__all__ = ["Engine", "EmailInput", "Report", "Versions", "build_engine", "Source"]
