"""Findings diff: the full engine with the dependency parser against a cheaper parse, email by email.

    python -m tools.evaluation.parse_diff [--candidate senter] [--sets examples,dev,test,writers] [--out FILE]

Both engines are `build_engine(Settings())` with the classifier; the candidate differs only in its spaCy
pipeline (`tools.evaluation.parse_variants.load_variant(..., CANDIDATE)`) and the rule matchers compiled
for it. For every email it
compares the verdict, the findings (rule id, category, start, end), each rule's own findings before
overlaps are folded (`every_rule`, what the rule-example tests read), the classifier's units and the
judged sentences. Labelled rows also say which side agrees with the label where the two differ.

Sets: every rule's `flag`/`pass` examples, models/data/dev.jsonl, models/data/test.jsonl and every row
of models/data/writers/. Nothing else is read (never models/blind-test/).
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tonecheck.cleanup import clean
from tonecheck.detect.classifier.units import units
from tonecheck.detect.rules.loader import load_rules
from tonecheck.engine import EmailInput, Engine, Tuning, build_engine, tune_rules
from tonecheck.findings import Verdict
from tonecheck.parse import parse_many
from tonecheck.settings import Settings
from tools import REPO_ROOT
from tools.evaluation.parse_variants import LAZY, PARSES, load_variant, rule_detector
from tools.training.data import read_split

DATA = REPO_ROOT / "models" / "data"
SETS = ("examples", "dev", "test", "writers")
BATCH = 32
ASPECTS = ("verdict", "findings", "rule_findings", "units", "sentences")


@dataclass(frozen=True, slots=True)
class Row:
    """One email of a set; `labels` is None where the set has none (rule examples)."""

    id: str
    text: str
    labels: frozenset[str] | None


def rows_of(name: str, settings: Settings) -> list[Row]:
    """The emails of one set, in file order."""
    if name == "examples":
        seen: dict[str, None] = {}
        for spec, _, _ in load_rules([settings.rules_dir]):
            for s in [*spec.examples.flag, *spec.examples.pass_]:
                seen.setdefault(s)
        return [Row(f"example-{i}", s, None) for i, s in enumerate(seen)]
    if name != "writers":
        return [Row(r.id, r.text, frozenset(r.labels)) for r in read_split(name)]
    out = []
    # Every writer's emails as written (`writer_rows` would add the problem spans and split off dev).
    for path in sorted((DATA / "writers").glob("w*/*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                d = json.loads(line)
                out.append(Row(d.get("id") or f"{path.parent.name}/{path.name}:{n + 1}", d["text"],
                               frozenset(d.get("labels", []))))
    return out


def candidate_engine(base: Engine, parse: str, settings: Settings) -> Engine:
    """`base` with another parse: its own pipeline and rule matchers, the same classifier and policy."""
    if parse == "parser":
        return base
    engine = copy.copy(base)
    engine.nlp = load_variant(settings.spacy_model, parse)
    engine.rules = rule_detector(tune_rules(load_rules([settings.rules_dir]), Tuning()), engine.nlp)
    return engine


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one engine made of one email, in comparable form."""

    verdict: Verdict
    categories: frozenset[str]
    findings: tuple[tuple[str, str, int, int], ...]
    rule_findings: tuple[tuple[str, str, int, int], ...]
    units: tuple[tuple[int, int], ...]
    sentences: tuple[tuple[int, int], ...]


def lazily_parsed(engine: Engine) -> int:
    """How many docs the engine's lazy parse has run the parser on so far (0 without one)."""
    return engine.nlp.get_pipe(LAZY).parsed if LAZY in engine.nlp.pipe_names else 0


def outcomes(engine: Engine, texts: list[str], parsed_count: list[int]) -> Iterator[Outcome]:
    """The engine's outcome for each text, checked in batches as the API does."""
    for i in range(0, len(texts), BATCH):
        batch = texts[i : i + BATCH]
        before = lazily_parsed(engine)
        reports = engine.check_many([EmailInput(t) for t in batch])
        parsed_count[0] += lazily_parsed(engine) - before
        parsed = parse_many(engine.nlp, [clean(t, None) for t in batch], engine.max_sentences + 1)
        for report, p in zip(reports, parsed, strict=True):
            yield Outcome(
                verdict=report.verdict,
                categories=frozenset(f.category.value for f in report.findings),
                findings=tuple(sorted((f.rule_id or f.source.value, f.category.value, f.start, f.end)
                                      for f in report.findings)),
                rule_findings=tuple(sorted((f.rule_id, f.category.value, f.start, f.end)
                                           for f in engine.rules.every_rule(p))),
                units=tuple((u.start, u.end) for u in units(p)),
                sentences=tuple((s.start_char, s.end_char) for s in p.sentences),
            )


@dataclass
class SetDiff:
    """Counts of emails that differ in each aspect, and the label agreement where verdicts or categories differ."""

    name: str
    emails: int = 0
    differ: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASPECTS, 0))
    label_wins: dict[str, int] = field(default_factory=lambda: {"parser": 0, "candidate": 0, "neither": 0})
    examples: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    lazily_parsed: int = 0  # emails the candidate's lazy parse ran the parser on


def compare(name: str, rows: list[Row], engines: dict[str, Engine], keep: int) -> SetDiff:
    """Run both engines over `rows` and count the emails whose outcome differs."""
    texts = [r.text for r in rows]
    results: dict[str, list[Outcome]] = {}
    diff = SetDiff(name, len(rows))
    for side, engine in engines.items():
        began = time.perf_counter()
        count = [0]
        results[side] = list(outcomes(engine, texts, count))
        diff.seconds[side] = round(time.perf_counter() - began, 1)
        if side == "candidate":
            diff.lazily_parsed = count[0]
    for row, a, b in zip(rows, results["parser"], results["candidate"], strict=True):
        changed = [k for k in ASPECTS if getattr(a, k) != getattr(b, k)]
        for k in changed:
            diff.differ[k] += 1
        if row.labels is not None and (a.categories != b.categories or a.verdict != b.verdict):
            right = {s: o.categories == row.labels for s, o in (("parser", a), ("candidate", b))}
            diff.label_wins["neither" if right["parser"] == right["candidate"] else
                            "parser" if right["parser"] else "candidate"] += 1
        if changed and len(diff.examples) < keep:
            entry: dict = {"id": row.id, "labels": sorted(row.labels) if row.labels is not None else None,
                           "differ": changed}
            for side, o in (("parser", a), ("candidate", b)):
                entry[side] = {"verdict": o.verdict.value, "findings": o.findings}
                if "rule_findings" in changed:
                    entry[side]["rule_findings"] = [(r, row.text[s:e]) for r, _, s, e in o.rule_findings]
                if "units" in changed or "sentences" in changed:
                    entry[side]["units"] = [row.text[s:e] for s, e in o.units]
            diff.examples.append(entry)
    return diff


def main(argv: list[str] | None = None) -> int:
    """Compare the engines set by set; print one line of counts per set."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidate", choices=[p for p in PARSES if p != "parser"], default="lazy")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    ap.add_argument("--examples", type=int, default=20, help="differing emails kept per set in --out")
    ap.add_argument("--out", type=Path, help="write the counts and the differing emails here as JSON")
    args = ap.parse_args(argv)
    settings = Settings()
    base = build_engine(settings)
    engines = {"parser": base, "candidate": candidate_engine(base, args.candidate, settings)}
    report = []
    for name in args.sets.split(","):
        if name not in SETS:
            ap.error(f"unknown set {name!r}")
        diff = compare(name, rows_of(name, settings), engines, args.examples)
        report.append(diff)
        counts = ", ".join(f"{k} {v}" for k, v in diff.differ.items())
        wins = "" if name == "examples" else f"; label agrees where they differ: {diff.label_wins}"
        lazy = f"; parser run on {diff.lazily_parsed}" if args.candidate == "lazy" else ""
        print(f"{name}: {diff.emails} emails{lazy}; differ in {counts}{wins}; seconds {diff.seconds}", flush=True)
    if args.out:
        args.out.write_text(json.dumps({"candidate": args.candidate, "sets": [d.__dict__ for d in report]},
                                       indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
