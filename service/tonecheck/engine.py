"""The engine runs cleanup, one parse, every detector, combine and verdict; `build_engine` wires it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from spacy.language import Language
from spacy.tokens import Doc

from tonecheck import __version__
from tonecheck.cleanup import Cleaned, ContentType, clean
from tonecheck.cleanup.suppress import Suppression
from tonecheck.combine import Policy, combine
from tonecheck.combine.clear import apply_clears
from tonecheck.combine.verdict import Hold, decide, document_scores
from tonecheck.cores import Cores, available
from tonecheck.detect import Detector
from tonecheck.detect.classifier.manifest import Manifest
from tonecheck.detect.rules.schema import RuleSpec
from tonecheck.errors import RuleFileError, TooLarge
from tonecheck.findings import Category, Finding, IgnoredRange, Sensitivity, Source, Verdict
from tonecheck.parse import Parsed, parse_many
from tonecheck.settings import Settings


@dataclass(frozen=True, slots=True)
class EmailInput:
    """One email to check: its text, format, extra ranges to ignore, and inline suppressions (CI)."""

    text: str
    content_type: ContentType | None = None  # None: not declared, so HTML is sniffed
    ignored: tuple[IgnoredRange, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    sensitivity: tuple[tuple[Category, Sensitivity], ...] = ()  # per category; unnamed ones stay default


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
    suppressed: tuple[tuple[Finding, Suppression], ...] = ()  # kept out of the verdict, still reported


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
        max_tokens: int = 25_000,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        disabled: frozenset[Category] = frozenset(),
        cores: Cores | None = None,
    ) -> None:
        self.nlp = nlp
        self.rules = rules
        self.classifier = classifier
        self.policy = policy
        self.versions = versions
        self.hold_minutes = hold_minutes
        self.max_sentences = max_sentences
        self.max_tokens = max_tokens
        self.clock = clock
        self.disabled = disabled
        self.cores = cores  # this process counts as busy while a check runs: no other lends its core away

    def with_classifier(self, classifier: Detector | None) -> Engine:
        """This engine with another classifier: same pipeline, rules, policy, limits and settings."""
        clone = copy.copy(self)
        clone.classifier = classifier
        return clone

    def _too_large(self, cleaned: list[Cleaned], token_budget: int | None) -> list[Doc]:
        """Refuse what is over a limit before the parse, which is the slow part; return the tokenized docs."""
        docs = [self.nlp.make_doc(c.analysis) for c in cleaned]  # the tokenizer alone: milliseconds
        for i, (c, doc) in enumerate(zip(cleaned, docs, strict=True)):
            which = f"email {i} has" if len(cleaned) > 1 else "the email has"
            if len(doc) > self.max_tokens:
                raise TooLarge(f"{which} more than {self.max_tokens} words and symbols; split it or raise "
                               "TONECHECK_MAX_TOKENS")
            # Over the sentence cap by its lines alone (50,000 one-word lines took 12 s just to be refused).
            if c.analysis.count("\n") >= self.max_sentences and _worded_lines(doc) > self.max_sentences:
                raise TooLarge(f"{which} more than {self.max_sentences} sentences; split it or raise "
                               "TONECHECK_MAX_SENTENCES")
        total = sum(len(d) for d in docs)
        if token_budget is not None and total > token_budget:
            raise TooLarge(f"the emails have {total} words and symbols together, over the limit of "
                           f"{token_budget} per request; send fewer at a time or raise TONECHECK_MAX_TOKENS")
        return docs

    def _tokenized(self, emails: Sequence[EmailInput], token_budget: int | None) -> tuple[list[Cleaned], list[Doc]]:
        """Each email cleaned and tokenized, refused here if over a limit."""
        cleaned: list[Cleaned] = [clean(e.text, e.content_type, list(e.ignored)) for e in emails]
        return cleaned, self._too_large(cleaned, token_budget)

    def _parse_docs(self, cleaned: list[Cleaned], docs: list[Doc]) -> list[Parsed]:
        parsed = parse_many(self.nlp, cleaned, self.max_sentences + 1, docs)
        for i, p in enumerate(parsed):
            if len(p.sentences) > self.max_sentences:
                which = f"email {i} has" if len(parsed) > 1 else "the email has"
                raise TooLarge(
                    f"{which} more than {self.max_sentences} sentences; split it or raise TONECHECK_MAX_SENTENCES"
                )
        return parsed

    def _parse(self, emails: Sequence[EmailInput], token_budget: int | None = None) -> list[Parsed]:
        return self._parse_docs(*self._tokenized(emails, token_budget))

    def check_many(self, emails: Sequence[EmailInput], token_budget: int | None = None) -> list[Report]:
        """Check a batch: one `nlp.pipe` pass, one rules pass, one classifier batch.

        `token_budget` caps the tokens of all `emails` together (the API's per-request limit).
        """
        with self.cores.working() if self.cores else nullcontext():
            cleaned, docs = self._tokenized(emails, token_budget)
            # The classifier may start on the spare core now, on units guessed before the parse.
            start = getattr(self.classifier, "started", None)
            with start(docs) if start else nullcontext(self.classifier) as classifier:
                parsed = self._parse_docs(cleaned, docs)
                rule_hits = self.rules.detect(parsed)
                model_hits = classifier.detect(parsed) if classifier else [[] for _ in parsed]
        now = self.clock()
        return [
            judge(p, rf, mf, self.policy.at(dict(e.sensitivity)), self.hold_minutes, now, e.suppressions,
                  self.disabled)
            for e, p, rf, mf in zip(emails, parsed, rule_hits, model_hits, strict=True)
        ]

    def check(self, text: str, content_type: ContentType | None = None) -> Report:
        """Check one email."""
        return self.check_many([EmailInput(text, content_type)])[0]


def judge(
    parsed: Parsed,
    rule_hits: list[Finding],
    model_hits: list[Finding],
    policy: Policy,
    hold_minutes: int,
    now: datetime,
    suppressions: Sequence[Suppression] = (),
    disabled: frozenset[Category] = frozenset(),
) -> Report:
    """One email's report from its detectors' findings: combine, suppress, score and decide.

    Training calls this on stored detector output, so thresholds are chosen on the service's own decisions.
    """
    rf, mf = apply_clears(rule_hits, [m for m in model_hits if m.category not in disabled])
    text = parsed.cleaned.text
    findings = combine(rf, mf, parsed.cleaned, policy)
    suppressed = [(f, s) for f in findings if (s := _suppressing(f, suppressions, text))]
    findings = [f for f in findings if not any(f is g for g, _ in suppressed)]
    kept_model = [m for m in mf if not parsed.cleaned.is_ignored(m.start, m.end)
                  and not _suppressing(m, suppressions, text)]
    scores = document_scores(findings, kept_model)
    verdict, hold = decide(findings, scores, policy, hold_minutes, now)
    return Report(text, parsed.cleaned.rendered, verdict, tuple(findings), parsed.cleaned.ignored,
                  scores, hold, len(parsed.sentences), tuple(suppressed))


def policy_from(manifest: Manifest, heat_pair: float | None = None, heat_review: float | None = None) -> Policy:
    """The thresholds the trained model's manifest names (chosen on dev when it was trained)."""
    return Policy(
        heat_pair=heat_pair,
        heat_review=heat_review,
        thresholds={Category(k): v for k, v in manifest.thresholds.items()},
        calm_veto=manifest.calm_veto,
        heat_threshold=manifest.heat_threshold,
        levels={Sensitivity(level): {Category(k): v for k, v in values.items()}
                for level, values in manifest.sensitivity.items()},
    )


def _worded_lines(doc: Doc) -> int:
    """Lines with a word in them: each is at least one judged sentence, as every line break starts one."""
    count, worded = 0, False
    for token in doc:
        if token.i and not token.is_space and "\n" in doc[token.i - 1].text_with_ws:
            count, worded = count + worded, False
        worded |= not (token.is_space or token.is_punct)
    return count + worded


def _suppressing(f: Finding, suppressions: Sequence[Suppression], text: str) -> Suppression | None:
    """The inline suppression that covers `f` (judged from its first word), if any."""
    if not suppressions:
        return None
    span = text[f.start : f.end]
    first_word = f.start + len(span) - len(span.lstrip())
    return next((s for s in suppressions if s.covers(f.rule_id, f.category.value, first_word)), None)


@dataclass(frozen=True, slots=True)
class Tuning:
    """A project's adjustments from its config file: rules off or added, thresholds, hold time."""

    disabled: frozenset[str] = frozenset()  # rule ids or category names
    extra_rules: tuple[tuple[RuleSpec, str, int], ...] = ()  # (rule, file, line) as load_rules gives them
    thresholds: tuple[tuple[Category, float], ...] = ()
    hold_minutes: int | None = None
    sensitivity: tuple[tuple[Category, Sensitivity], ...] = ()


def tune_rules(rules: list[tuple[RuleSpec, str, int]], tuning: Tuning) -> list[tuple[RuleSpec, str, int]]:
    """The built-in rules plus a project's own, without the disabled ones; ids must stay unique."""
    seen = {spec.id: file for spec, file, _ in rules}
    for spec, file, line in tuning.extra_rules:
        if spec.id in seen:
            raise RuleFileError(file, line, f"rule id '{spec.id}' is also in {seen[spec.id]}: rename it")
        seen[spec.id] = file
    every = [*rules, *tuning.extra_rules]
    return [r for r in every if r[0].id not in tuning.disabled and r[0].category.value not in tuning.disabled]


def build_engine(settings: Settings, tuning: Tuning | None = None, shared: Engine | None = None) -> Engine:
    """The one place that wires settings, rules and models into an engine.

    `tuning` applies a project's config; `shared` (an untuned engine) lends its loaded pipeline and
    classifier, so a CI run over folders with different config files loads the models once.
    """
    from tonecheck.detect.rules.detector import RuleDetector
    from tonecheck.detect.rules.loader import load_rules
    from tonecheck.parse import load_pipeline

    tuning = tuning or Tuning()
    if shared is not None:
        nlp, classifier, policy = shared.nlp, shared.classifier, shared.policy
        model_version, cores = shared.versions.model, shared.cores
    else:
        # A spare core only with one torch thread per check: torch's own threads would take both already.
        cores = Cores(available()) if settings.spare_core and settings.torch_threads == 1 else None
        nlp = load_pipeline(settings.spacy_model)
        classifier = None
        policy = Policy()
        model_version = None
        if settings.use_classifier:
            from tonecheck.detect.classifier import load_classifier

            classifier, manifest = load_classifier(
                settings.model_dir, settings.torch_threads, settings.encoder_precision, settings.score_cache_units,
                cores if cores is not None and cores.count > 1 else None,
            )
            pair = settings.heat_pair if settings.heat_pair < 1 else None
            review = settings.heat_review if settings.heat_review < 1 else None
            policy, model_version = policy_from(manifest, pair, review), manifest.version
            from tonecheck.parse.gemm import use_fastest_gemm

            use_fastest_gemm(nlp)  # torch is loaded now: the parse's matrix products may run there too
    rules = tune_rules(load_rules([settings.rules_dir]), tuning)
    policy = policy.at(dict(tuning.sensitivity))
    if tuning.thresholds:
        policy = replace(policy, thresholds={**policy.thresholds, **dict(tuning.thresholds)})
    return Engine(
        nlp,
        RuleDetector(rules, nlp),
        classifier,
        policy,
        Versions(__version__, rules_version(rules), model_version),
        hold_minutes=tuning.hold_minutes or settings.hold_minutes,
        max_sentences=settings.max_sentences,
        max_tokens=settings.max_tokens,
        disabled=frozenset(c for c in Category if c.value in tuning.disabled),
        cores=cores,
    )


def rules_version(rules: list) -> str:
    """A short content hash of the loaded rules, so clients can tell rule sets apart."""
    import hashlib
    import json

    blob = json.dumps([spec.model_dump(mode="json", by_alias=True) for spec, _, _ in rules], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


__all__ = ["Engine", "EmailInput", "Report", "Tuning", "Versions", "build_engine", "tune_rules", "Source"]
