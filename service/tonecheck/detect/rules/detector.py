"""The rule detector: every rule file compiled into spaCy matchers that run once per `Doc`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.errors import MatchPatternError
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc, Span

from tonecheck.detect.rules.anchors import AnchoredMatchers
from tonecheck.detect.rules.builtins import BUILTINS
from tonecheck.detect.rules.schema import RuleSpec
from tonecheck.detect.rules.wordsets import WordFlags
from tonecheck.errors import RuleFileError
from tonecheck.findings import Finding, Severity, Source, TextRange
from tonecheck.parse import Parsed

# A rule finding's score before the classifier weighs in: the rule's prior confidence by severity.
SEVERITY_SCORE = {Severity.HIGH: 0.9, Severity.MEDIUM: 0.75, Severity.LOW: 0.6}
_RANK = {Severity.HIGH: 2, Severity.MEDIUM: 1, Severity.LOW: 0}


def _drop_nested(found: list[Finding]) -> list[Finding]:
    """One finding per phrase: drop one that lies inside another of the same category and no lower severity.

    Several rules may read the same words ("As I said before" is both "as I said" and "I said before");
    the writer should see that phrase flagged once.
    """
    kept: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end, -_RANK[f.severity], f.rule_id)):
        if not any(g.category is f.category and (g.source is Source.CLEAR) == (f.source is Source.CLEAR)
                   and g.start <= f.start and f.end <= g.end and _RANK[g.severity] >= _RANK[f.severity]
                   for g in kept):
            kept.append(f)
    return kept


class RuleDetector:
    """Runs the compiled rules over parsed emails."""

    name = "rules"

    def __init__(self, rules: list[tuple[RuleSpec, str, int]], nlp: Language) -> None:
        self.rules = {spec.id: spec for spec, _, _ in rules}
        # Word sets read as lexeme flags (wordsets.py), and each pattern run only on a doc holding the words
        # it needs (anchors.py). The flagged patterns skip spaCy's validation: the originals get it in _add.
        self._flags = WordFlags(nlp.vocab, [p for spec, _, _ in rules for p in spec.tokens])
        self._tokens = AnchoredMatchers(lambda: Matcher(nlp.vocab, validate=False), windows=True)
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._deps = AnchoredMatchers(lambda: DependencyMatcher(nlp.vocab, validate=True))
        # One veto matcher per rule, run only for a rule that matched: one matcher over every rule's
        # `unless` patterns cost about 2.5 ms of a typical email's 8 ms of rules (one-off timing, 4 Dec),
        # mostly for rules that had not matched.
        self._unless: dict[str, Matcher] = {}
        self._regex = {spec.id: [re.compile(p) for p in spec.regex] for spec, _, _ in rules if spec.regex}
        for spec, file, line in rules:
            try:
                self._add(spec, nlp)
            except (ValueError, KeyError, TypeError) as exc:
                detail = [ln.strip("- ") for ln in str(exc).splitlines() if "->" in ln or ln.startswith("[E")]
                raise RuleFileError(file, line, f"{spec.id}: bad pattern: {'; '.join(detail) or exc}") from exc

    def _add(self, spec: RuleSpec, nlp: Language) -> None:
        for pattern in spec.tokens:
            errors = validate_token_pattern(pattern)
            if errors:
                raise MatchPatternError(spec.id, {0: errors})
            self._tokens.add(spec.id, self._flags.flagged(pattern), pattern)
        if spec.phrases:
            self._phrases.add(spec.id, [nlp.make_doc(p) for p in spec.phrases])
        for pattern in spec.dependency:
            self._deps.add(spec.id, pattern, [node.get("RIGHT_ATTRS", {}) for node in pattern])
        if spec.unless:
            self._unless[spec.id] = Matcher(nlp.vocab, validate=True)
            self._unless[spec.id].add(spec.id, spec.unless)

    def surface_hits(self, doc: Doc) -> bool:
        """Whether a phrase or regex rule matches anywhere in `doc`: the patterns that need no parse."""
        return bool(self._phrases(doc)) or any(p.search(doc.text) for ps in self._regex.values() for p in ps)

    def _raw_matches(self, doc: Doc, sentences: tuple[Span, ...]) -> Iterator[tuple[str, int, int, list[int]]]:
        """(rule id, start token, end token, matched token ids) from every kind of pattern."""
        strings = doc.vocab.strings
        for key, start, end in self._tokens(doc):
            yield strings[key], start, end, list(range(start, end))
        for key, start, end in self._phrases(doc):
            yield strings[key], start, end, list(range(start, end))
        for key, token_ids in self._deps(doc):
            yield strings[key], min(token_ids), max(token_ids) + 1, list(token_ids)
        for rule_id, patterns in self._regex.items():
            for sent in sentences:
                for pattern in patterns:
                    for m in pattern.finditer(sent.text):
                        span = doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(),
                                             alignment_mode="expand")
                        if span is not None:
                            yield rule_id, span.start, span.end, list(range(span.start, span.end))
        for rule_id, spec in self.rules.items():
            if spec.builtin:
                for sent in sentences:
                    for start, end in BUILTINS[spec.builtin](sent):
                        yield rule_id, start, end, list(range(start, end))

    def _vetoes(self, doc: Doc, sent_of: list[int], rule_ids: set[str]) -> set[tuple[str, int]]:
        """(rule id, sentence start) pairs where an `unless` pattern of one of `rule_ids` matched.

        Each runs over the whole doc, as one matcher did: a veto may run past its sentence's end.
        """
        return {(rule_id, sent_of[start]) for rule_id in rule_ids if rule_id in self._unless
                for _, start, _ in self._unless[rule_id](doc)}

    def _finding(self, spec: RuleSpec, doc: Doc, start: int, end: int, ids: list[int]) -> Finding:
        sent = doc[start].sent
        if spec.extend == "subtree":
            # Grow to the phrase the match heads: "As I said" -> "As I said in my last email".
            head = min(ids, key=lambda i: sum(1 for _ in doc[i].ancestors))
            end = max(end, doc[head].right_edge.i + 1)
        end = min(end, sent.end)
        # Findings cover words, not the full stop after them; a match of punctuation only ("!!!") stays whole.
        if any(not (t.is_punct or t.is_space) for t in doc[start:end]):
            while end - 1 > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
                end -= 1
        span = doc[start:end]
        return Finding(
            category=spec.category,
            rule_id=spec.id,
            source=Source.CLEAR if spec.action == "clear" else Source.RULE,
            severity=spec.severity,
            score=SEVERITY_SCORE[spec.severity],
            start=span.start_char,
            end=span.end_char,
            message=spec.message,
            suggestions=tuple(spec.suggestions),
            explanation=f"Rule {spec.id} matched these words.",
            sentence=TextRange(sent.start_char, sent.end_char),
        )

    def detect_one(self, parsed: Parsed) -> list[Finding]:
        """Findings for one email: every rule's, a phrase flagged twice in one category kept once."""
        return sorted(_drop_nested(self.every_rule(parsed)), key=lambda f: (f.start, f.end, f.rule_id))

    def every_rule(self, parsed: Parsed) -> list[Finding]:
        """Each rule's finding per sentence (its earliest match), before overlaps are folded (rule tests)."""
        doc = parsed.doc
        judged = {s.start for s in parsed.sentences}
        # Token -> its sentence's first token, once: `Token.sent` walks the sentence on every call, which
        # made one 40,000-token sentence with many matches quadratic.
        sent_of = [0] * len(doc)
        for sent in doc.sents:
            sent_of[sent.start : sent.end] = [sent.start] * (sent.end - sent.start)
        raw = [(rule_id, sent_of[start], start, end, ids)
               for rule_id, start, end, ids in self._raw_matches(doc, parsed.sentences)
               if sent_of[start] in judged]
        vetoes = self._vetoes(doc, sent_of, {r[0] for r in raw})
        best: dict[tuple[str, int], tuple[int, int, list[int]]] = {}
        for rule_id, sent_start, start, end, ids in raw:
            if (rule_id, sent_start) in vetoes:
                continue
            key = (rule_id, sent_start)
            if key not in best or (start, -end) < (best[key][0], -best[key][1]):
                best[key] = (start, end, ids)
        found = [self._finding(self.rules[r], doc, s, e, ids) for (r, _), (s, e, ids) in best.items()]
        return sorted(found, key=lambda f: (f.start, f.end, f.rule_id))

    def detect(self, batch: list[Parsed]) -> list[list[Finding]]:
        """Findings for each parsed email in `batch`."""
        return [self.detect_one(p) for p in batch]
