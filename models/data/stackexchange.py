#!/usr/bin/env python3
"""Extract Stack Exchange comments (real community text, CC BY-SA) from fetched dump mirrors, for distillation.

Offline data-prep tool, never used at service runtime. Stdlib only and deterministic: it reads each dump's
Comments.xml at a fixed commit with `git show`. The comments keep their argument and heat: they are not
labelled calm. Training uses them only through the shipped model's probabilities (tools/training/teacher.py).

Usage: python models/data/stackexchange.py --mirrors /work/.mirror --out /work/public-data/distil/stackexchange.jsonl

Each comment: markdown links and emphasis become their text, a leading "@name" is dropped; comments that still hold a
URL, code, markup or an inline "@name", or that have fewer than 3 or more than 80 words, are dropped, and
repeats too (normalised text). A comment equal to, or sharing >= 80% of its word set with, a Stanford
politeness request (an evaluation gate), a dev or test row, a scored blind row or a labelling-guide sentence
is dropped; those are counted, never printed. The unread blind sets are not opened.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from check_extra import Guard, guarded_texts, norm  # noqa: E402

# (repository, commit, site): the History dump's later commit deleted its data files.
DUMPS = [
    ("ErumMehmood/PhD-TestData", "0e5ac60", "cs.meta.stackexchange.com"),
    ("VanAnDuong/Text-analysis-for-the-History-Stack-Exchange", "5fb45f8", "history.stackexchange.com"),
]
LINK_RE = re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)]*\)")
SITE_TAG_RE = re.compile(r"\[(?:meta-)?tag:([^\]]+)\]")
LEADING_MENTION_RE = re.compile(r"^@[\w.\-]+:?,?\s*")
EMPHASIS_RE = re.compile(r"(\*{1,2}|\b_)(\S(?:[^*_]*?\S)?)\1")
LEADING_PUNCT_RE = re.compile(r"^[-.,:;\s]+")
DROP_RE = re.compile(r"https?://|www\.|`|<[a-z/]|\[|\]|@\w|\$\$|\\\w")


def scored_blind_files() -> list[Path]:
    """The scored blind sets' files (never the unread ones), from the training code's own list."""
    sys.path[:0] = [str(REPO), str(REPO / "service")]
    from tools.training.data import BLIND_DIR, SCORED_BLIND

    return [BLIND_DIR / f"{name}.jsonl" for name in SCORED_BLIND]


def clean_comment(text: str) -> str | None:
    """The comment as plain prose, or None when it is code, markup, a link dump or out of the length range."""
    text = SITE_TAG_RE.sub(r"\1", LINK_RE.sub(r"\1", text))
    text = LEADING_MENTION_RE.sub("", " ".join(text.split()))
    # What was left of a removed mention ("@ab - True, ..."), and markdown emphasis, are not prose.
    text = LEADING_PUNCT_RE.sub("", EMPHASIS_RE.sub(r"\2", text))
    if DROP_RE.search(text):
        return None
    words = len(text.split())
    if words < 3 or words > 80 or sum(c.isalpha() for c in text) < 0.6 * len(text.replace(" ", "")):
        return None
    return text


def read_dump(mirrors: Path, repo: str, commit: str) -> list[dict[str, str]]:
    """Comments.xml rows (id, text, licence) of one dump, in file order."""
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    raw = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:Comments.xml"], check=True,
                         capture_output=True).stdout
    root = ET.fromstring(raw.decode("utf-8-sig"))
    return [{"id": r.get("Id", ""), "text": r.get("Text", ""), "licence": r.get("ContentLicense", "")}
            for r in root.iter("row")]


def main(argv: list[str] | None = None) -> int:
    """Extract, clean, dedupe and guard the comments; write one JSON object a line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    guard = Guard(guarded_texts(scored_blind_files()))
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    kept = []
    for repo, commit, site in DUMPS:
        for row in read_dump(args.mirrors, repo, commit):
            counts["read"] += 1
            text = clean_comment(row["text"])
            if text is None:
                counts["not prose or out of length"] += 1
                continue
            key = norm(text)
            if key in seen:
                counts["repeat"] += 1
                continue
            seen.add(key)
            if guard.copies(text):
                counts["close to a guarded text"] += 1
                continue
            kept.append({"id": f"se-{site.split('.')[0]}-{row['id']}", "text": text, "site": site,
                         "licence": row["licence"], "source": f"{repo}@{commit}"})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(k, ensure_ascii=False) + "\n" for k in kept), encoding="utf-8")
    print(f"{dict(counts)}; wrote {len(kept)} comments to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
