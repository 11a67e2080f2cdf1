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
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
OUT = REPO / "models" / "data" / "extra" / "requests-2026-12-05.jsonl"
LABELS = ["told_you_so", "blame", "defensive", "heated"]
sys.path[:0] = [str(REPO), str(REPO / "service")]
sys.path.insert(0, str(REPO / "models" / "data"))
from check_extra import Guard, guarded_texts, norm  # noqa: E402
from tools.training.data import BLIND_DIR, SCORED_BLIND  # noqa: E402


def main(folders: list[str]) -> int:
    rows = []
    for folder in folders:
        for part in sorted(Path(folder).glob("part-*.jsonl")):
            rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line.strip()]
    guard = Guard(guarded_texts(BLIND_DIR / f"{name}.jsonl" for name in SCORED_BLIND))
    kept, dropped, seen = [], 0, set()
    for r in rows:
        n = norm(r["text"])
        assert set(r["labels"]) <= set(LABELS) and r["hold"] == ("heated" in r["labels"]), "bad labels"
        if n in seen or guard.copies(r["text"]):
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
