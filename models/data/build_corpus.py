#!/usr/bin/env python3
"""Build the tonecheck labelled corpus (train/dev/test JSONL) from hand-written sources.

Stdlib only, deterministic: running it twice gives byte-identical output.

Source format (models/data/src/*.txt, read in filename order):

    # comment                                  ignored, as are blank lines
    == <scenario-id> <domain>                  starts a scenario
    >> <scenario-id>                           adds more rows to a scenario defined earlier
    <L> | <sentence>                           a single-sentence row
    @ <greeting>                               starts an email (e.g. "@ Hi Dana,")
    * <L> | <sentence>                         one sentence of the current email

<L> is "-" for calm, or any of the letters T (told_you_so), B (blame), D (defensive),
H (heated), e.g. "TB" or "DH". An email's labels are the union of its sentences' labels.
Every sentence is used in exactly one row. Whole scenarios go to one split.

Usage: python build_corpus.py            # build, check, write, print counts
       python build_corpus.py --check    # build and check only, write nothing
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
CATS = ["told_you_so", "blame", "defensive", "heated"]
CODE = {"T": "told_you_so", "B": "blame", "D": "defensive", "H": "heated"}
SPLITS = [("train", "tr", 0.70), ("dev", "dv", 0.15), ("test", "te", 0.15)]
MIN_WORDS, MAX_WORDS = 5, 45          # per sentence row
MIN_EMAIL_SENT_WORDS = 3              # a sentence inside an email may be shorter ("Thanks so much!")
MIN_EMAIL_SENTS, MAX_EMAIL_SENTS = 2, 7
SHORT_SENTENCE = 6                    # normalised words below which an email line counts as a courtesy line
MAX_SHORT_REPEATS = 3                 # how often one courtesy line may recur across the corpus
NEAR_DUP_JACCARD = 0.8                # word-set overlap between two sentences that fails the build


class SourceError(Exception):
    pass


def parse_labels(code: str, where: str) -> list[str]:
    code = code.strip()
    if code == "-":
        return []
    if not code or any(c not in CODE for c in code) or len(set(code)) != len(code):
        raise SourceError(f"{where}: bad label code {code!r}")
    got = {CODE[c] for c in code}
    return [c for c in CATS if c in got]


def parse_sources() -> list[dict]:
    scenarios: list[dict] = []
    seen: set[str] = set()
    for path in sorted(SRC.glob("*.txt")):
        sc = None
        email = None
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{n}"
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("=="):
                parts = line[2:].split()
                if len(parts) != 2:
                    raise SourceError(f"{where}: scenario header needs '== <id> <domain>'")
                sid, domain = parts
                if sid in seen:
                    raise SourceError(f"{where}: scenario {sid} defined twice")
                seen.add(sid)
                sc = {"id": sid, "domain": domain, "sentences": [], "emails": [], "file": path.name}
                scenarios.append(sc)
                email = None
                continue
            if line.startswith(">>"):
                parts = line[2:].split()
                found = [x for x in scenarios if parts and x["id"] == parts[0]]
                if len(parts) != 1 or not found:
                    raise SourceError(f"{where}: '>> <id>' must name a scenario defined earlier")
                sc = found[0]
                email = None
                continue
            if sc is None:
                raise SourceError(f"{where}: content before the first scenario header")
            if line.startswith("@"):
                greeting = line[1:].strip()
                if not greeting:
                    raise SourceError(f"{where}: empty greeting")
                email = {"greeting": greeting, "parts": [], "where": where}
                sc["emails"].append(email)
                continue
            in_email = line.startswith("*")
            body = line[1:].strip() if in_email else line
            if "|" not in body:
                raise SourceError(f"{where}: expected '<labels> | <text>'")
            code, text = body.split("|", 1)
            text = " ".join(text.split())
            labels = parse_labels(code, where)
            if not text:
                raise SourceError(f"{where}: empty text")
            nw = len(text.split())
            if in_email:
                if email is None:
                    raise SourceError(f"{where}: email sentence outside an email")
                if not (MIN_EMAIL_SENT_WORDS <= nw <= MAX_WORDS):
                    raise SourceError(f"{where}: email sentence has {nw} words")
                email["parts"].append((labels, text, where))
            else:
                email = None
                if not (MIN_WORDS <= nw <= MAX_WORDS):
                    raise SourceError(f"{where}: sentence has {nw} words (want {MIN_WORDS}-{MAX_WORDS})")
                sc["sentences"].append((labels, text, where))
    for sc in scenarios:
        for em in sc["emails"]:
            k = len(em["parts"])
            if not (MIN_EMAIL_SENTS <= k <= MAX_EMAIL_SENTS):
                raise SourceError(f"{em['where']}: email has {k} sentences")
    return scenarios


def email_text(greeting: str, sentences: list[str]) -> str:
    if len(sentences) > 4:
        cut = (len(sentences) + 1) // 2
        body = " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])
    else:
        body = " ".join(sentences)
    return f"{greeting}\n\n{body}"


def scenario_rows(sc: dict) -> list[dict]:
    rows = []
    for labels, text, _ in sc["sentences"]:
        rows.append({"text": text, "labels": labels, "kind": "sentence",
                     "parts": [text]})
    for em in sc["emails"]:
        got = set()
        for labels, _, _ in em["parts"]:
            got.update(labels)
        labels = [c for c in CATS if c in got]
        texts = [t for _, t, _ in em["parts"]]
        rows.append({"text": email_text(em["greeting"], texts), "labels": labels,
                     "kind": "email", "parts": texts})
    for r in rows:
        r["scenario"] = sc["id"]
        r["domain"] = sc["domain"]
    return rows


# ---------------------------------------------------------------- normalisation
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d.,:/]*|[^\sA-Za-z\d]")
_GREETING = re.compile(r"^[^\n]*\n\n")


def normalise(text: str) -> str:
    """Lowercase, drop the greeting line, names (capitalised words not starting a sentence),
    digits and punctuation; collapse whitespace."""
    text = _GREETING.sub("", text) if "\n\n" in text else text
    out = []
    start = True
    for tok in _TOKEN.findall(text):
        if tok[0].isalpha():
            if tok[0].isupper() and not start:
                start = False
                continue            # a name, product, or shouted word: stripped
            out.append(tok.lower().replace("’", "'"))
            start = False
        elif tok[0].isdigit():
            start = False
        else:
            if tok in ".!?:;":
                start = True
    return " ".join(out)


def content_words(norm: str) -> frozenset:
    return frozenset(norm.split())


# ---------------------------------------------------------------- split
def stable_hash(s: str) -> int:
    return int.from_bytes(hashlib.sha256(s.encode("utf-8")).digest()[:8], "big")


def stats(rows: list[dict]) -> list[int]:
    v = [len(rows), sum(1 for r in rows if not r["labels"]),
         sum(1 for r in rows if r["kind"] == "email")]
    v += [sum(1 for r in rows if c in r["labels"]) for c in CATS]
    return v


def assign_splits(per_scn: dict[str, list[dict]]) -> dict[str, str]:
    """Greedy, in stable-hash order: each scenario goes to the split that keeps the row count,
    the calm/email counts and every label count closest to 70/15/15."""
    order = sorted(per_scn, key=lambda s: (stable_hash(s), s))
    total = [0] * 7
    for s in order:
        total = [a + b for a, b in zip(total, stats(per_scn[s]))]
    got = {name: [0] * 7 for name, _, _ in SPLITS}
    out = {}
    for s in order:
        v = stats(per_scn[s])
        best = None
        for name, _, frac in SPLITS:
            cost = 0.0
            for other, _, ofrac in SPLITS:
                cur = got[other] if other != name else [a + b for a, b in zip(got[other], v)]
                for k in range(7):
                    if total[k]:
                        w = 3.0 if k == 0 else 1.0
                        cost += w * ((cur[k] - ofrac * total[k]) / total[k]) ** 2
            if best is None or cost < best[0]:
                best = (cost, name)
        out[s] = best[1]
        got[best[1]] = [a + b for a, b in zip(got[best[1]], v)]
    return out


# ---------------------------------------------------------------- checks
def check(rows_by_split: dict[str, list[dict]], scenarios: list[dict]) -> list[str]:
    errors = []
    # 1. no text repeats anywhere
    seen_text: dict[str, str] = {}
    for split, rows in rows_by_split.items():
        for r in rows:
            if r["text"] in seen_text:
                errors.append(f"repeated text ({seen_text[r['text']]} / {split}): {r['text'][:80]!r}")
            seen_text[r["text"]] = split
    # 2. a normalised row text may not appear twice (across splits: leakage; within: near-dup)
    seen_norm: dict[str, tuple[str, str]] = {}
    for split, rows in rows_by_split.items():
        for r in rows:
            n = normalise(r["text"])
            if n in seen_norm:
                osplit, otext = seen_norm[n]
                kind = "across splits" if osplit != split else "within " + split
                errors.append(f"normalised text repeats {kind}: {otext[:70]!r} ~ {r['text'][:70]!r}")
            else:
                seen_norm[n] = (split, r["text"])
    # 3. every sentence (rows and email parts) is used once, even after normalisation
    #    (short courtesy lines inside emails, "Thanks so much!", may recur a few times)
    seen_sent: dict[str, list[str]] = {}
    sents = []
    for sc in scenarios:
        items = list(sc["sentences"]) + [p for em in sc["emails"] for p in em["parts"]]
        for labels, text, where in items:
            n = normalise(text)
            prev = seen_sent.setdefault(n, [])
            prev.append(where)
            limit = MAX_SHORT_REPEATS if len(n.split()) < SHORT_SENTENCE else 1
            if len(prev) > limit:
                errors.append(f"sentence reused/near-identical: {where} ~ {prev[0]}: {text[:70]!r}")
            sents.append((content_words(n), where, text))
    # 4. near-duplicate sentences by word-set overlap (only for sentences with enough words)
    index: dict[str, list[int]] = {}
    for i, (ws, _, _) in enumerate(sents):
        for w in ws:
            index.setdefault(w, []).append(i)
    for i, (ws, where, text) in enumerate(sents):
        if len(ws) < 6:
            continue
        cands = set()
        for w in sorted(ws, key=lambda w: len(index[w]))[:3]:
            cands.update(j for j in index[w] if j > i)
        for j in sorted(cands):
            wj = sents[j][0]
            if len(wj) < 6:
                continue
            jac = len(ws & wj) / len(ws | wj)
            if jac >= NEAR_DUP_JACCARD:
                errors.append(f"near-duplicate sentences ({jac:.2f}): {where} ~ {sents[j][1]}")
    # 5. row invariants
    for split, rows in rows_by_split.items():
        for r in rows:
            if r["hold"] != ("heated" in r["labels"]):
                errors.append(f"{r['id']}: hold does not match heated")
            if r["labels"] != [c for c in CATS if c in r["labels"]]:
                errors.append(f"{r['id']}: labels not in canonical order")
    # 6. no scenario in two splits
    where_scn: dict[str, set] = {}
    for split, rows in rows_by_split.items():
        for r in rows:
            where_scn.setdefault(r["scenario"], set()).add(split)
    for s, sp in where_scn.items():
        if len(sp) > 1:
            errors.append(f"scenario {s} in several splits: {sorted(sp)}")
    return errors


# ---------------------------------------------------------------- main
def build():
    scenarios = parse_sources()
    per_scn = {sc["id"]: scenario_rows(sc) for sc in scenarios}
    assignment = assign_splits(per_scn)
    rows_by_split: dict[str, list[dict]] = {}
    for name, prefix, _ in SPLITS:
        rows = [r for s in per_scn if assignment[s] == name for r in per_scn[s]]
        rows.sort(key=lambda r: hashlib.sha256((r["scenario"] + "\x00" + r["text"]).encode()).hexdigest())
        out = []
        for i, r in enumerate(rows, 1):
            out.append({"id": f"{prefix}-{i:06d}", "text": r["text"], "labels": r["labels"],
                        "hold": "heated" in r["labels"], "kind": r["kind"],
                        "scenario": r["scenario"], "domain": r["domain"]})
        rows_by_split[name] = out
    return scenarios, assignment, rows_by_split


def report(scenarios, assignment, rows_by_split) -> str:
    lines = []
    allrows = [r for rows in rows_by_split.values() for r in rows]
    hdr = f"{'split':6s} {'rows':>5s} {'share':>6s} {'scen':>5s} {'calm':>5s} " + \
          " ".join(f"{c:>11s}" for c in CATS) + f" {'multi':>5s} {'hold':>5s} {'sent':>5s} {'email':>5s}"
    lines.append(hdr)
    for name, rows in list(rows_by_split.items()) + [("total", allrows)]:
        nsc = len({r["scenario"] for r in rows})
        lines.append(
            f"{name:6s} {len(rows):5d} {len(rows) / len(allrows):6.1%} {nsc:5d} "
            f"{sum(1 for r in rows if not r['labels']):5d} "
            + " ".join(f"{sum(1 for r in rows if c in r['labels']):11d}" for c in CATS)
            + f" {sum(1 for r in rows if len(r['labels']) > 1):5d}"
            + f" {sum(1 for r in rows if r['hold']):5d}"
            + f" {sum(1 for r in rows if r['kind'] == 'sentence'):5d}"
            + f" {sum(1 for r in rows if r['kind'] == 'email'):5d}")
    lines.append("")
    calm = sum(1 for r in allrows if not r["labels"])
    flagged = len(allrows) - calm
    multi = sum(1 for r in allrows if len(r["labels"]) > 1)
    lines.append(f"calm share {calm / len(allrows):.1%}; multi-label share of flagged rows "
                 f"{multi / max(flagged, 1):.1%}; domains {len({r['domain'] for r in allrows})}; "
                 f"scenarios {len(scenarios)}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    try:
        scenarios, assignment, rows_by_split = build()
    except SourceError as e:
        print(f"source error: {e}", file=sys.stderr)
        return 2
    errors = check(rows_by_split, scenarios)
    if errors:
        for e in errors:
            print("CHECK FAILED:", e, file=sys.stderr)
        print(f"{len(errors)} check failure(s); nothing written", file=sys.stderr)
        return 1
    if "--check" not in argv:
        for name, rows in rows_by_split.items():
            with open(HERE / f"{name}.jsonl", "w", encoding="utf-8", newline="\n") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(report(scenarios, assignment, rows_by_split))
    if "--splits" in argv:
        for s in sorted(assignment):
            print(f"{assignment[s]:5s} {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
