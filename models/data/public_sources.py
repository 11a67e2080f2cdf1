#!/usr/bin/env python3
"""Extract calm public dialogue text (train) and held-out reply text (gate) from fetched git mirrors.

Offline data-prep tool, never used at service runtime. Stdlib only and deterministic: it reads
each mirror's HEAD commit with `git show` (no work tree needed), so two runs over the same
mirrors give byte-identical output. A source whose mirror or files are absent is skipped with a
message. Output goes outside the repository (the default and recommended place is
/work/public-data); the script refuses to write inside its own git work tree.

Usage: python models/data/public_sources.py --mirrors /work/.mirror --out /work/public-data

Writes:
  <out>/train/<source>.txt    calm training text, one utterance a line, 3-80 words, deduplicated,
                              at most 20,000 lines (random.Random(0) sample)
  <out>/gate/<source>.jsonl   {"id", "text"} evaluation-only rows from a corpus not used in train/
  <out>/SOURCES.md            repository, commit, files, licence, filters and counts per source

Filters applied to every row (documented in SOURCES.md): whitespace is collapsed; rows with
profanity or insult words, shouting (two or more all-caps words of 3+ letters, or one of 5+
letters, outside a short acronym list), "!!" / "?!" / "!?", URLs, markup or placeholder
brackets, or too few letters are dropped. Tokenised corpora (MultiWOZ via ConvLab-2, ParaDetox)
get a light detokenisation ("does n't" -> "doesn't", " ." -> "."). Rows are deduplicated on a
normalised key (lowercase, punctuation and digits removed); gate rows whose key occurs in any
train file are dropped as well.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

SEED = 0
TRAIN_CAP = 20_000
TRAIN_MIN_WORDS, TRAIN_MAX_WORDS = 3, 80
GATE_CS_MIN_WORDS, GATE_CS_MAX_WORDS, GATE_CS_N = 9, 80, 4_000
GATE_SHORT_MIN_WORDS, GATE_SHORT_MAX_WORDS, GATE_SHORT_N = 1, 8, 1_500

GOEMO_POSITIVE = frozenset({
    "admiration", "gratitude", "joy", "excitement", "approval", "caring",
    "optimism", "amusement", "love", "relief", "pride",
})

# Whole-word, case-insensitive. Kept short and obvious on purpose; see SOURCES.md.
PROFANITY = (
    r"fuck\w*|f\*+k\w*|shit\w*|bullshit|crap\w*|damn\w*|goddamn\w*|bitch\w*|bastard\w*|ass|asshole\w*|"
    r"arse\w*|dick\w*|cock\w*|cunt\w*|piss\w*|prick\w*|wank\w*|twat\w*|slut\w*|whore\w*|douche\w*|"
    r"wtf|stfu|lmao|lmfao|omfg|hell|homo|fag\w*|"
    r"idiot\w*|stupid\w*|moron\w*|dumb|dumber|dumbest|dumbass\w*|retard\w*|loser\w*|jerk\w*|scum\w*|trash\w*|garbage|"
    r"pathetic|disgusting|ridiculous|outrageous|hate\w*|shut\s+up|screw\s+(?:you|off|this|that)|"
    r"sucks?|sucked|sucking|nazi\w*|pig|pigs|racist\w*|liars?|fool|fools|foolish|freak\w*"
)
PROFANITY_RE = re.compile(rf"\b(?:{PROFANITY})\b", re.IGNORECASE)
ACRONYMS = frozenset({
    "AMC", "IMAX", "USA", "NYC", "LAX", "SFO", "JFK", "ATM", "DVD", "BBQ", "GPS", "SUV", "ETA",
    "FAQ", "PIN", "VIP", "CEO", "NBA", "NFL", "NHL", "MLB", "MLS", "ESPN", "UCLA", "UEFA", "FIFA",
    "WWE", "UFC", "PST", "EST", "CST", "MST", "GMT", "UTC", "APR", "SMS", "RSVP", "ASAP", "DIY",
    "XXL", "BART", "MUNI", "LGBT", "NCAA", "PGA", "NASCAR", "UAE", "UK", "EU", "TSA", "AAA",
    "AMEX", "SSN", "OMG", "LOL", "NASA", "FBI", "CIA", "BBC", "CNN", "HBO", "PBS", "MTV",
    "DMV", "IRS", "KFC", "IHOP", "REI", "IKEA", "BMW", "PDF", "URL", "RPG", "MMA", "TBD",
})
CAPS_WORD_RE = re.compile(r"\b[A-Z]{3,}\b")
BAD_PUNCT_RE = re.compile(r"!!|\?!|!\?")
GARBLE_RE = re.compile(r"https?:|www\.|[\[\]{}<>|\\@^~*_=]|#[A-Za-z]|/r/|/u/|(?:^|\s)/s\b|&\w+;")
REF_CODE_RE = re.compile(r"\b(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,10}\b")
LITERAL_ESCAPE_RE = re.compile(r"\\[rnt]")
# ParaDetox only: a detoxified jab at the reader still reads as blame or heat, so lines that address
# "you" or carry a plainly negative judgement are dropped from the neutral side.
PARADETOX_YOU_RE = re.compile(
    r"\b(?:you|your|yours|yourself|yourselves|you're|youre|you've|you'll|you'd|u|ur|ya|y'all)\b", re.IGNORECASE
)
PARADETOX_NEG_RE = re.compile(
    r"\b(?:crazy|bad|worse|worst|weird|sarcastic|shill|ugly|lazy|ignorant|insane|nonsense|disgrace\w*|useless|"
    r"evil|sick|annoying|shame\w*|terrible|awful|horrible|joke|deranged|nauseating|messed|begging)\b",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"\S+")
NORM_RE = re.compile(r"[\d\W_]+")


def log(msg: str) -> None:
    """Print a progress message to stderr."""
    print(msg, file=sys.stderr)


def norm_key(text: str) -> str:
    """Return the dedupe key: lowercase, digits/punctuation removed, spaces collapsed."""
    return " ".join(NORM_RE.sub(" ", text.lower()).split())


def n_words(text: str) -> int:
    """Count whitespace-separated words."""
    return len(WORD_RE.findall(text))


def squash(text: str) -> str:
    """Turn literal \\r / \\n / \\t escapes into spaces, collapse whitespace runs and strip the ends."""
    return " ".join(LITERAL_ESCAPE_RE.sub(" ", text).split())


def detok(text: str) -> str:
    """Undo PTB-style tokenisation spaces (contractions, punctuation, brackets, currency)."""
    text = re.sub(r" (n't|'s|'re|'ll|'d|'ve|'m)\b", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r" ([.,!?;:%)])", r"\1", text)
    text = re.sub(r"([($]) ", r"\1", text)
    return text


def reject_reason(text: str) -> str | None:
    """Return why a row is not usable calm text, or None if it passes."""
    letters = sum(c.isalpha() for c in text)
    if letters < 2 or letters < 0.5 * len(text.replace(" ", "")):
        return "too_few_letters"
    if sum(1 for c in text if ord(c) > 127 and not c.isalpha() and c not in "’‘“”–—…") > 0:
        return "garbled"
    if GARBLE_RE.search(text):
        return "garbled"
    if BAD_PUNCT_RE.search(text):
        return "bang_punct"
    bare = REF_CODE_RE.sub(" ", text) if re.search(r"\bref", text, re.IGNORECASE) else text  # booking codes
    caps = [w for w in CAPS_WORD_RE.findall(bare) if w not in ACRONYMS]
    if len(caps) >= 2 or any(len(w) >= 5 for w in caps):
        return "shouting"
    if PROFANITY_RE.search(text):
        return "profanity_insult"
    return None


class Mirror:
    """Read-only view of a fetched repository snapshot's HEAD commit via git plumbing."""

    def __init__(self, git_dir: Path, repo: str) -> None:
        """Open the git directory and resolve HEAD."""
        self.git_dir = git_dir
        self.repo = repo
        self.commit = self._git("rev-parse", "HEAD").decode().strip()
        self._sizes: dict[str, str] = {}
        for line in self._git("ls-tree", "-r", "-l", self.commit).decode("utf-8", "replace").splitlines():
            meta, path = line.split("\t", 1)
            self._sizes[path] = meta.split()[3]

    def _git(self, *args: str) -> bytes:
        """Run a git command against this mirror and return stdout."""
        return subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args], check=True, capture_output=True
        ).stdout

    def paths(self, pattern: str) -> list[str]:
        """Return tracked paths fully matching a regex, sorted."""
        rx = re.compile(pattern)
        return sorted(p for p in self._sizes if rx.fullmatch(p))

    def present(self, path: str) -> bool:
        """Say whether the blob is in the snapshot (files of 4 MiB+ are listed but absent)."""
        return self._sizes.get(path, "BAD").isdigit()

    def show(self, path: str) -> bytes:
        """Return a file's bytes at HEAD."""
        return self._git("show", f"{self.commit}:{path}")

    def text(self, path: str) -> str:
        """Return a file's UTF-8 text at HEAD."""
        return self.show(path).decode("utf-8")


def open_mirror(mirrors: Path, repo: str) -> Mirror | None:
    """Open <mirrors>/<owner+name>[/repo] as a Mirror, or return None if absent."""
    base = mirrors / repo.replace("/", "+")
    for cand in (base / "repo", base):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            try:
                return Mirror(cand, repo)
            except subprocess.CalledProcessError as exc:
                log(f"  {repo}: unreadable mirror ({exc.stderr.decode(errors='replace').strip()})")
                return None
    return None


@dataclass
class Extract:
    """Raw utterances pulled from one repository, with provenance."""

    repo: str
    commit: str
    licence: str
    used: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    tokenised: bool = False
    extra_reject: Callable[[str], str | None] | None = None


def split_present(m: Mirror, paths: list[str], ex: Extract) -> list[str]:
    """Record absent files in ex.missing and return the present ones."""
    ok = [p for p in paths if m.present(p)]
    ex.missing.extend(p for p in paths if not m.present(p))
    ex.used.extend(ok)
    return ok


# ---------------------------------------------------------------- source readers


def read_sgd(mirrors: Path) -> Extract | None:
    """SGD train split: utterances whose speaker is SYSTEM."""
    m = open_mirror(mirrors, "google-research-datasets/dstc8-schema-guided-dialogue")
    if m is None:
        return None
    ex = Extract(m.repo, m.commit, "CC BY-SA 4.0 (LICENSE.txt; README 'License' section)")
    for p in split_present(m, m.paths(r"train/dialogues_\d+\.json"), ex):
        for dlg in json.loads(m.text(p)):
            ex.texts.extend(t["utterance"] for t in dlg["turns"] if t.get("speaker") == "SYSTEM")
    return ex


def read_multiwoz(mirrors: Path) -> Extract | None:
    """MultiWOZ system turns: 2.2 JSON from budzianowski/multiwoz, else 2.1 zips from ConvLab-2."""
    m = open_mirror(mirrors, "budzianowski/multiwoz")
    if m is not None:
        paths = m.paths(r"data/MultiWOZ_2\.2/(train|dev|test)/dialogues_\d+\.json")
        if any(m.present(p) for p in paths):
            ex = Extract(m.repo, m.commit, "MIT (LICENSE)")
            for p in split_present(m, paths, ex):
                for dlg in json.loads(m.text(p)):
                    ex.texts.extend(t["utterance"] for t in dlg["turns"] if t.get("speaker") == "SYSTEM")
            return ex
        log("  budzianowski/multiwoz: every MultiWOZ data file is absent from the snapshot; trying ConvLab-2")
    m = open_mirror(mirrors, "thu-coai/ConvLab-2")
    if m is None:
        return None
    ex = Extract(
        m.repo, m.commit,
        "MultiWOZ 2.1 data: MIT upstream (budzianowski/multiwoz LICENSE); ConvLab-2 README lists its "
        "copy as CC BY 4.0; ConvLab-2 code Apache-2.0",
    )
    ex.tokenised = True
    for p in split_present(m, m.paths(r"data/multiwoz/(train|val|test)\.json\.zip"), ex):
        with zipfile.ZipFile(io.BytesIO(m.show(p))) as zf:
            for name in sorted(zf.namelist()):
                data = json.loads(zf.read(name))
                for dlg_id in sorted(data):
                    log_turns = data[dlg_id]["log"]
                    ex.texts.extend(t["text"] for i, t in enumerate(log_turns) if i % 2 == 1)
    return ex


def paradetox_reject(text: str) -> str | None:
    """Return why a ParaDetox neutral line is not calm enough (addresses the reader, or negative judgement)."""
    if PARADETOX_YOU_RE.search(text):
        return "addresses_reader"
    if PARADETOX_NEG_RE.search(text):
        return "negative_judgement"
    return None


def read_paradetox(mirrors: Path) -> Extract | None:
    """ParaDetox: the human-written neutral paraphrases (neutral1-3), never the toxic column."""
    m = open_mirror(mirrors, "s-nlp/paradetox")
    if m is None:
        return None
    ex = Extract(m.repo, m.commit, "CC0 1.0 Universal (LICENSE)", tokenised=True, extra_reject=paradetox_reject)
    for p in split_present(m, ["paradetox/paradetox.tsv"], ex):
        rows = csv.DictReader(io.StringIO(m.text(p)), delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in rows:
            toxic = norm_key(detok(row.get("toxic") or ""))
            for col in ("neutral1", "neutral2", "neutral3"):
                t = (row.get(col) or "").strip()
                if t and norm_key(detok(t)) != toxic:  # drop "paraphrases" identical to the toxic text
                    ex.texts.append(t)
    return ex


def read_goemotions(mirrors: Path) -> Extract | None:
    """GoEmotions (monologg copy of the Google release): rows whose labels are all positive."""
    m = open_mirror(mirrors, "monologg/GoEmotions-pytorch")
    if m is None:
        return None
    ex = Extract(
        m.repo, m.commit,
        "data: CC BY 4.0 (Google GoEmotions release, google-research/goemotions); repository: Apache-2.0 (LICENSE)",
    )
    if not m.present("data/original/labels.txt"):
        ex.missing.append("data/original/labels.txt")
        return ex
    labels = m.text("data/original/labels.txt").split()
    ex.used.append("data/original/labels.txt")
    for p in split_present(m, [f"data/original/{s}.tsv" for s in ("train", "dev", "test")], ex):
        for line in m.text(p).splitlines():
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            names = {labels[int(i)] for i in parts[1].split(",") if i.strip().isdigit()}
            if names and names <= GOEMO_POSITIVE:
                ex.texts.append(parts[0])
    return ex


TM_TSV_A = re.compile(r"<A>(.*?)(?=<[A-Z]+>|$)")


def read_taskmaster(mirrors: Path) -> Extract | None:
    """Taskmaster TM-1..TM-4: assistant turns from whichever data files the snapshot holds."""
    m = open_mirror(mirrors, "google-research-datasets/Taskmaster")
    if m is None:
        return None
    ex = Extract(m.repo, m.commit, "CC BY 4.0 (copyright notice in each TM-*/README.md)")
    json_paths = (
        m.paths(r"TM-1-2019/(woz|self)-dialogs\.json")
        + m.paths(r"TM-2-2020/data/[^/]+\.json")
        + m.paths(r"TM-3-2020/data/data_\d+\.json")
        + m.paths(r"TM-4-2024/data/data_\d+\.json")
    )
    ok = split_present(m, json_paths, ex)
    if not any(p.startswith("TM-1-2019/") for p in ok) and m.present("TM-1-2019/sample.json"):
        ok.append("TM-1-2019/sample.json")
        ex.used.append("TM-1-2019/sample.json")
    for p in ok:
        data = json.loads(m.text(p))
        for dlg in data if isinstance(data, list) else [data]:  # sample.json holds one dialog
            ex.texts.extend(
                u["text"] for u in dlg.get("utterances", []) if str(u.get("speaker", "")).lower() == "assistant"
            )
    if not any(p.startswith("TM-3-2020/data/") for p in ok):
        # TM-3 dialog JSON is absent: use the present seq2seq split files (context <A> turns and [A] targets).
        for p in split_present(m, m.paths(r"TM-3-2020/splits/(train|dev|test)/[a-z]+-[a-z]+\.tsv"), ex):
            for line in m.text(p).splitlines():
                cols = line.split("\t")
                if len(cols) < 2:
                    continue
                ex.texts.extend(TM_TSV_A.findall(cols[0]))
                if cols[1].startswith("[A]"):
                    ex.texts.append(cols[1][3:])
    return ex


# ---------------------------------------------------------------- processing


@dataclass
class Result:
    """Rows written for one output file, plus counts for SOURCES.md."""

    name: str
    kind: str
    extract: Extract
    side: str
    rows: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def clean_rows(ex: Extract, lo: int, hi: int, counts: Counter, seen: set[str]) -> Iterator[str]:
    """Normalise, filter, length-limit and dedupe an extract's texts, tallying drop reasons in counts."""
    for raw in ex.texts:
        counts["raw"] += 1
        text = squash(raw)
        if ex.tokenised:
            text = detok(text)
        n = n_words(text)
        if not lo <= n <= hi:
            counts["dropped_length"] += 1
            continue
        why = reject_reason(text) or (ex.extra_reject(text) if ex.extra_reject else None)
        if why:
            counts[f"dropped_{why}"] += 1
            continue
        key = norm_key(text)
        if not key or key in seen:
            counts["dropped_duplicate"] += 1
            continue
        seen.add(key)
        yield text


def sample(rows: list[str], k: int) -> list[str]:
    """Deterministically sample k rows (all rows, shuffled, if fewer)."""
    rng = random.Random(SEED)
    return rng.sample(rows, min(k, len(rows)))


TRAIN_SOURCES: list[tuple[str, Callable[[Path], Extract | None], str]] = [
    ("sgd", read_sgd, "SYSTEM turns, train/ split"),
    ("multiwoz", read_multiwoz, "SYSTEM turns (odd log positions)"),
    ("paradetox_neutral", read_paradetox,
     "neutral1-3 paraphrases only (toxic column only used to drop 'paraphrases' identical to it); extra filter: "
     "lines addressing the reader (you/your/u/ur...) or with a negative judgement word (crazy, bad, joke, ...; "
     "`PARADETOX_NEG_RE`) are dropped, since a detoxified jab at the reader still reads as blame or heat"),
    ("goemotions_positive", read_goemotions,
     "rows whose every label is in {" + ", ".join(sorted(GOEMO_POSITIVE)) + "} (no negative, ambiguous or neutral label)"),
]


def build(mirrors: Path, out: Path) -> list[Result]:
    """Read every source, write train/ and gate/ files, and return the results."""
    results: list[Result] = []
    train_keys: set[str] = set()
    (out / "train").mkdir(parents=True, exist_ok=True)
    (out / "gate").mkdir(parents=True, exist_ok=True)

    for name, reader, side in TRAIN_SOURCES:
        log(f"[train] {name}")
        ex = reader(mirrors)
        target = out / "train" / f"{name}.txt"
        if ex is None or not ex.used:
            log(f"  SKIPPED {name}: mirror absent or no usable files")
            target.unlink(missing_ok=True)
            results.append(Result(name, "skipped", ex or Extract("-", "-", "-"), side))
            continue
        res = Result(name, "train", ex, side)
        kept = list(clean_rows(ex, TRAIN_MIN_WORDS, TRAIN_MAX_WORDS, res.counts, set()))
        res.counts["after_filters"] = len(kept)
        res.rows = sample(kept, TRAIN_CAP)
        res.counts["written"] = len(res.rows)
        train_keys.update(norm_key(t) for t in res.rows)
        target.write_text("".join(t + "\n" for t in res.rows), encoding="utf-8")
        results.append(res)

    log("[gate] taskmaster")
    ex = read_taskmaster(mirrors)
    gate_specs = [
        ("taskmaster_cs_replies", GATE_CS_MIN_WORDS, GATE_CS_MAX_WORDS, GATE_CS_N,
         f"assistant turns of {GATE_CS_MIN_WORDS}-{GATE_CS_MAX_WORDS} words (customer-service replies)"),
        ("taskmaster_short_replies", GATE_SHORT_MIN_WORDS, GATE_SHORT_MAX_WORDS, GATE_SHORT_N,
         f"assistant turns of {GATE_SHORT_MIN_WORDS}-{GATE_SHORT_MAX_WORDS} words (short chat-length replies)"),
    ]
    for name, lo, hi, k, side in gate_specs:
        target = out / "gate" / f"{name}.jsonl"
        if ex is None or not ex.used:
            log(f"  SKIPPED {name}: mirror absent or no usable files")
            target.unlink(missing_ok=True)
            results.append(Result(name, "skipped", ex or Extract("-", "-", "-"), side))
            continue
        res = Result(name, "gate", ex, side)
        kept = []
        for t in clean_rows(ex, lo, hi, res.counts, set()):
            if norm_key(t) in train_keys:
                res.counts["dropped_in_train"] += 1
            else:
                kept.append(t)
        res.counts["after_filters"] = len(kept)
        res.rows = sample(kept, k)
        res.counts["written"] = len(res.rows)
        if len(res.rows) < k:
            log(f"  WARNING {name}: only {len(res.rows)} rows available (wanted {k})")
        prefix = "tm-cs" if "cs" in name else "tm-short"
        target.write_text(
            "".join(
                json.dumps({"id": f"{prefix}-{i:05d}", "text": t}, ensure_ascii=False) + "\n"
                for i, t in enumerate(res.rows, 1)
            ),
            encoding="utf-8",
        )
        results.append(res)
    return results


def sources_md(results: list[Result]) -> str:
    """Render SOURCES.md from the build results."""
    out = [
        "# Public calm-text sources for tonecheck",
        "",
        "Generated by `python models/data/public_sources.py --mirrors /work/.mirror --out /work/public-data`",
        "(deterministic; seed 0). Files are read with `git show <commit>:<path>` from fetched snapshots.",
        "",
        "- `train/*.txt`: calm TRAINING text, one utterance a line, "
        f"{TRAIN_MIN_WORDS}-{TRAIN_MAX_WORDS} words, deduplicated, capped at {TRAIN_CAP:,} lines.",
        "- `gate/*.jsonl`: EVALUATION ONLY (`{\"id\",\"text\"}`), from Taskmaster, a corpus not used in train/. "
        "The two gate files are disjoint by length; rows whose normalised text appears in any train file are dropped.",
        "",
        "## Filters (all files)",
        "",
        "1. Whitespace collapsed (literal `\\r` / `\\n` escapes in Taskmaster become spaces). MultiWOZ (ConvLab-2 copy) and ParaDetox are PTB-tokenised, so they get a light "
        "detokenisation (`does n't` -> `doesn't`, ` .` -> `.`, `( ` -> `(`).",
        "2. Dropped as not calm: profanity or insult words (whole-word list in `PROFANITY` in the script, e.g. "
        "f-words, idiot, stupid, hate, pathetic, ridiculous, shut up); shouting (two or more all-caps words of 3+ "
        "letters, or one of 5+ letters, outside a short acronym list such as AMC, IMAX, USA; booking codes such as "
        "`reference number is KSXKMXWC` are not counted); `!!`, `?!`, `!?`.",
        "3. Dropped as garbled: URLs, markup or placeholder characters (`[ ] { } < > | \\ @ ^ ~ * _ =`, which also "
        "removes GoEmotions `[NAME]` placeholders), hashtags, Reddit `/r/` `/u/` `/s`, HTML entities, non-letter non-ASCII "
        "symbols (emoji), and rows with under half letters.",
        "4. Deduplicated on a normalised key (lowercase, digits and punctuation removed); first occurrence kept.",
        "",
    ]
    for r in results:
        ex = r.extract
        out.append(f"## {r.name} ({r.kind})")
        out.append("")
        if r.kind == "skipped":
            out += ["Skipped: mirror absent or none of its data files present in the snapshot.", ""]
            continue
        fname = f"train/{r.name}.txt" if r.kind == "train" else f"gate/{r.name}.jsonl"
        out += [
            f"- output: `{fname}` ({r.counts['written']:,} rows)",
            f"- repository: https://github.com/{ex.repo}",
            f"- commit: `{ex.commit}`",
            f"- licence: {ex.licence}",
            f"- side / filter: {r.side}",
            f"- files used ({len(ex.used)}): " + ", ".join(f"`{p}`" for p in ex.used),
        ]
        if ex.missing:
            out.append(f"- files absent from the snapshot (4 MiB or larger), not used ({len(ex.missing)}): "
                       + ", ".join(f"`{p}`" for p in ex.missing))
        c = r.counts
        drops = ", ".join(f"{k[len('dropped_'):]} {v:,}" for k, v in sorted(c.items()) if k.startswith("dropped_"))
        out.append(f"- counts: raw {c['raw']:,}; dropped: {drops or 'none'}; kept {c['after_filters']:,}; "
                   f"written {c['written']:,}")
        out.append("")
    out += [
        "## Not used",
        "",
        "- Taskmaster is gate-only; it is never written to train/. SGD, MultiWOZ, ParaDetox and GoEmotions are "
        "train-only.",
        "- Twitter customer-support data, the Berkeley-annotated Enron subset and `ucc_unhealthy_comments` are not "
        "read.",
        "",
    ]
    return "\n".join(out)


def inside_git_worktree(path: Path) -> Path | None:
    """Return the git work tree root containing path (or its nearest existing parent), if any."""
    p = path.resolve()
    while not p.exists():
        p = p.parent
    for q in (p, *p.parents):
        if (q / ".git").exists():
            return q
    return None


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build the files and write SOURCES.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, required=True, help="directory holding <owner+name>/repo git mirrors")
    ap.add_argument("--out", type=Path, required=True, help="output directory (outside any git work tree)")
    args = ap.parse_args(argv)
    root = inside_git_worktree(args.out)
    if root is not None:
        log(f"refusing to write public data inside the git work tree {root}; choose --out outside it")
        return 2
    if not args.mirrors.is_dir():
        log(f"no mirrors directory at {args.mirrors}; every source skipped")
    results = build(args.mirrors, args.out)
    (args.out / "SOURCES.md").write_text(sources_md(results), encoding="utf-8")
    for r in results:
        log(f"{r.kind:7} {r.name:26} {r.counts.get('written', 0):6,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
