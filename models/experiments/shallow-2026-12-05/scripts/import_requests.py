"""Turn the two writers' staging files into candidate C's extra training rows.

It wrote models/data/train_extra_requests.jsonl for C's training run; C did not ship, so the rows now sit in
models/data/extra/requests-2026-12-05.jsonl, outside what `make train` reads (REPORT.md).

Usage: python import_requests.py /work/staging-req-A /work/staging-req-B
Rows keep the writers' text and labels; ids are tq-NNNNNN in file order, scenario extra-request-<opener>.
Before writing, it counts (and never prints) rows that equal or share >= 80% of their words with a
Stanford politeness request (an evaluation gate), a scored blind set's row, a dev or test row or a
labelling-guide sentence (check_extra.py's test), and drops them.
The unread blind sets are not opened.
"""
import csv
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
OUT = REPO / "models" / "data" / "extra" / "requests-2026-12-05.jsonl"
LABELS = ["told_you_so", "blame", "defensive", "heated"]
sys.path[:0] = [str(REPO), str(REPO / "service")]
sys.path.insert(0, str(REPO / "models" / "data"))
from check_extra import guide_sentences  # noqa: E402
from tools.training.data import SCORED_BLIND  # noqa: E402


def norm(text: str) -> str:
    return " ".join(re.sub(r"[\d\W_]+", " ", text.lower()).split())


def overlap(a: set, b: set) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def guarded_texts() -> list[str]:
    """Texts a training row must not copy: the Stanford gate, scored blind sets, dev, test and the guide's tables."""
    out = list(guide_sentences(REPO.parent / "shared" / "labeling-guide.md"))
    for split in ("dev", "test"):
        path = REPO / "models" / "data" / f"{split}.jsonl"
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((REPO.parent / "shared" / "data" / "stanford_politeness").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            out += [row["Request"] for row in csv.DictReader(fh)]
    for name in SCORED_BLIND:
        path = REPO / "models" / "blind-test" / f"{name}.jsonl"
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def main(folders: list[str]) -> int:
    rows = []
    for folder in folders:
        for part in sorted(Path(folder).glob("part-*.jsonl")):
            rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    guard = [(norm(t), set(norm(t).split())) for t in guarded_texts()]
    guard_exact = {g for g, _ in guard}
    kept, dropped, seen = [], 0, set()
    for r in rows:
        n = norm(r["text"])
        ws = set(n.split())
        assert set(r["labels"]) <= set(LABELS) and r["hold"] == ("heated" in r["labels"]), "bad labels"
        if n in seen or n in guard_exact or any(overlap(ws, gws) >= 0.8 for _, gws in guard if len(gws) >= 4):
            dropped += 1
            continue
        seen.add(n)
        opener = re.sub(r"[^a-z0-9]+", "-", str(r.get("opener", "request")).lower()).strip("-") or "request"
        kept.append({"id": f"tq-{len(kept) + 1:06d}", "text": r["text"],
                     "labels": sorted(r["labels"], key=LABELS.index), "hold": r["hold"], "kind": r["kind"],
                     "scenario": f"extra-request-{opener}", "domain": r.get("domain", "")})
    OUT.write_text("".join(json.dumps(k, ensure_ascii=False) + "\n" for k in kept), encoding="utf-8")
    calm = sum(1 for k in kept if not k["labels"])
    print(f"read {len(rows)}, dropped {dropped} (repeats or close to a guarded text), wrote {len(kept)} "
          f"({calm} calm, {len(kept) - calm} flagged) to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
