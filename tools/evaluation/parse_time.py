"""Per-component parse time of the parse variants (parser, senter, lazy) and the shipped parse over cleaned emails.

    python -m tools.evaluation.parse_time [--set bench|dev|test] [--rounds 5]


Each component runs over the whole set with its own `.pipe` (what `nlp.pipe` does batch by batch), so
its time can be read apart. The pipelines take turns for `--rounds` rounds on the same texts and the
fastest round of each component is kept (a 2-core machine is noisy; the minimum is the repeatable part).
The variants are spaCy's pipeline as shipped; `shipped` is the one the service runs with the classifier
(`load_pipeline`: the attribute table; `use_torch_gemm`: thinc's products in torch, where BLIS has only its
generic kernel).
"""

from __future__ import annotations

import argparse
import time

from spacy.language import Language

from tonecheck.cleanup import clean
from tonecheck.detect.rules.loader import load_rules
from tonecheck.settings import Settings
from tools.benchmark.corpus import load_emails
from tools.evaluation.parse_variants import LAZY, PARSES, load_variant, rule_detector
from tools.training.data import read_split

SETS = ("bench", "dev", "test")


def texts_of(which: str) -> list[str]:
    """Cleaned analysis texts: the benchmark's emails, or the rows of models/data/{dev,test}.jsonl."""
    if which == "bench":
        raw = [e.text for size in load_emails().values() for e in size]
    else:
        raw = [r.text for r in read_split(which)]
    return [clean(t, None).analysis for t in raw]


def component_ms(nlp: Language, texts: list[str], batch_size: int = 64) -> dict[str, float]:
    """Milliseconds per component over `texts`, tokenizer included."""
    out: dict[str, float] = {}
    began = time.perf_counter()
    docs = [nlp.make_doc(t) for t in texts]
    out["tokenizer"] = (time.perf_counter() - began) * 1000
    for name, proc in nlp.pipeline:
        began = time.perf_counter()
        docs = list(proc.pipe(docs, batch_size=batch_size)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
        out[name] = (time.perf_counter() - began) * 1000
    return out


def shipped_pipeline(settings: Settings) -> Language:
    """The parse the service runs when the classifier is loaded."""
    import torch

    from tonecheck.parse import load_pipeline
    from tonecheck.parse.gemm import use_fastest_gemm

    torch.set_num_threads(settings.torch_threads)
    nlp = load_pipeline(settings.spacy_model)
    use_fastest_gemm(nlp)
    return nlp


def main(argv: list[str] | None = None) -> None:
    """Time every variant on the chosen set and print ms per email by component."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--set", choices=SETS, default="bench", dest="which")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--watch", choices=("matcher", "words"), default="matcher", help="the lazy parse's test")
    args = ap.parse_args(argv)
    settings = Settings()
    pipelines = {p: load_variant(settings.spacy_model, p) for p in PARSES}
    pipelines["shipped"] = shipped_pipeline(settings)
    # The lazy parse runs the parser where the shipped rules ask for it: a detector must watch its pipeline.
    watcher = rule_detector(load_rules([settings.rules_dir]), pipelines["lazy"], args.watch)
    texts = texts_of(args.which)
    repeat = max(1, 400 // len(texts))  # the 9 benchmark emails are too few to time alone
    texts = texts * repeat
    words = sum(len(t.split()) for t in texts) / len(texts)
    best: dict[str, dict[str, float]] = {p: {} for p in pipelines}
    for nlp in pipelines.values():  # warm-up
        component_ms(nlp, texts[:50])
    for _ in range(args.rounds):
        for p, nlp in pipelines.items():
            for comp, ms in component_ms(nlp, texts).items():
                best[p][comp] = min(best[p].get(comp, float("inf")), ms)
    print(f"set {args.which}: {len(texts)} texts ({repeat}x), {words:.0f} words each on average; ms per email, "
          f"fastest of {args.rounds} rounds")
    lazy = pipelines["lazy"].get_pipe(LAZY)
    lazy.parsed = 0
    component_ms(pipelines["lazy"], texts)
    for p in pipelines:
        per = {c: ms / len(texts) for c, ms in best[p].items()}
        parts = ", ".join(f"{c} {ms:.2f}" for c, ms in per.items())
        print(f"  {p}: total {sum(per.values()):.2f} ({parts})")
    share = f"{lazy.parsed / len(texts):.0%}"
    print(f"  lazy ({args.watch}) ran the parser on {lazy.parsed} of {len(texts)} texts ({share})")
    del watcher


if __name__ == "__main__":
    main()
