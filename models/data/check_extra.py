#!/usr/bin/env python3
"""Check the extra rows (train_extra.jsonl; extra/requests-2026-12-05.jsonl, not trained on) for leakage and repeats.

Fails (exit 1) if any extra row's normalised text equals, or shares >= 80% of its word
set with, any row in dev.jsonl / test.jsonl or any sentence in the labeling guide's tables,
or if any normalised text repeats within or across the extra files. Also validates the row format.
Normalising: lowercase, strip digits and punctuation, collapse whitespace.
Overlap is |A & B| / min(|A|, |B|), the strictest reading of "shares 80% of its word set".
Stdlib only.  Usage: python3 check_extra.py
"""
import csv
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
# file -> (id prefix, allowed kinds): the team's openers are sentences; the writers' requests are 1-3 sentences.
# Training reads train_extra*.jsonl only; the requests sit in extra/ because their candidate did not ship.
EXTRA = {
    HERE / "train_extra.jsonl": ("tx", {"sentence"}),
    HERE / "extra" / "requests-2026-12-05.jsonl": ("tq", {"sentence", "reply"}),
}
HELDOUT = [HERE / "dev.jsonl", HERE / "test.jsonl"]
GUIDE = HERE.parents[2] / "shared" / "labeling-guide.md"
if not GUIDE.exists():
    GUIDE = Path("/work/shared/labeling-guide.md")
LABELS = ["told_you_so", "blame", "defensive", "heated"]
KEYS = ["id", "text", "labels", "hold", "kind", "scenario", "domain"]
THRESHOLD = 0.8


def norm(text):
    text = re.sub(r"[\d\W_]+", " ", text.lower())
    return " ".join(text.split())


def overlap(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def guide_sentences(path):
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if [c.lower() for c in cells] in (["flag", "calm"], ["flag (hold)", "calm"]):
            continue
        out.extend(c for c in cells if c)
    return out


def guarded_texts(blind_files: Iterable[Path]) -> list[str]:
    """Texts new training text must not copy: the guide's tables, dev, test, the Stanford gate and `blind_files`.

    The caller names the blind files (the scored ones), so an unread blind set is never opened here.
    """
    out = list(guide_sentences(GUIDE))
    for path in [*HELDOUT, *blind_files]:
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((GUIDE.parent / "data" / "stanford_politeness").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            out += [row["Request"] for row in csv.DictReader(fh)]
    return out


class Guard:
    """Tells whether a text copies a guarded one: equal once normalised, or sharing THRESHOLD of its words."""

    def __init__(self, texts: Iterable[str]) -> None:
        keys = [norm(t) for t in texts]
        self.exact = set(keys)
        # Under four words, sharing most of them says nothing about copying.
        self.word_sets = [set(k.split()) for k in keys if len(k.split()) >= 4]

    def copies(self, text: str) -> bool:
        """True when `text` equals or mostly repeats a guarded text (the guarded text is never returned)."""
        key = norm(text)
        words = set(key.split())
        return key in self.exact or any(overlap(words, g) >= THRESHOLD for g in self.word_sets)


def main():
    errors = []
    refs = []  # (source, text)
    for p in HELDOUT:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                refs.append((f"{p.name}:{r['id']}", r["text"]))
    gs = guide_sentences(GUIDE)
    if len(gs) < 20:
        errors.append(f"only {len(gs)} sentences parsed from the guide tables")
    refs += [("guide", s) for s in gs]
    ref_norm = [(src, norm(t), set(norm(t).split())) for src, t in refs]

    seen = {}
    rows = []
    for path, (prefix, kinds) in EXTRA.items():
        if path.exists():
            part = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
            rows += [(i, prefix, kinds, r) for i, r in enumerate(part, 1)]
    for i, prefix, kinds, r in rows:
        rid = r.get("id", f"line {i}")
        if list(r) != KEYS:
            errors.append(f"{rid}: keys {list(r)} != {KEYS}")
        if r.get("id") != f"{prefix}-{i:06d}":
            errors.append(f"{rid}: expected id {prefix}-{i:06d}")
        labs = r.get("labels", [])
        if not set(labs) <= set(LABELS) or labs != sorted(set(labs), key=LABELS.index):
            errors.append(f"{rid}: bad labels {labs}")
        if r.get("hold") is not ("heated" in labs):
            errors.append(f"{rid}: hold must be true exactly when heated")
        if r.get("kind") not in kinds or not str(r.get("scenario", "")).startswith("extra-"):
            errors.append(f"{rid}: kind/scenario invalid")
        n = norm(r["text"])
        ws = set(n.split())
        if n in seen:
            errors.append(f"{rid}: repeats {seen[n]}: {r['text']!r}")
        seen.setdefault(n, rid)
        for src, rn, rws in ref_norm:
            if n == rn:
                errors.append(f"{rid}: equals {src}: {r['text']!r}")
            elif overlap(ws, rws) >= THRESHOLD:
                errors.append(f"{rid}: {overlap(ws, rws):.0%} word overlap with {src}: {r['text']!r}")
    for e in errors:
        print("FAIL", e)
    print(f"{len(rows)} extra rows checked against {len(refs)} dev/test/guide texts: "
          f"{'FAILED, ' + str(len(errors)) + ' problem(s)' if errors else 'OK'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
