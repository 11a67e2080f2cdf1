"""Encoder time per benchmark email: one thread, the old whole-group split, and the even cut (interleaved).

Ran at 3356190, whose encoder took an attention layout; the one-call-per-sentence encoder that followed
has none (`git checkout 3356190` to run it again).

    PYTHONPATH=.:service TONECHECK_SCORE_CACHE_UNITS=0 python models/experiments/zen2-speed-2026-12-05/scripts/split_time.py
"""
import statistics, sys, time
from pathlib import Path
import torch
from tonecheck.settings import Settings
from tonecheck.engine import build_engine
from tonecheck.engine import EmailInput
from tonecheck.detect.classifier.detector import judged_texts
from tonecheck.detect.classifier.packed import attention_groups, split_layout


# The split as it shipped before 641ccdc, copied here to time it against the even cut.
def split_groups(lengths: list[int]) -> tuple[list[int], list[int]]:
    """Indexes of ascending `lengths` in two sets of whole attention groups, tokens as even as can be.

    Any union of whole groups forms the same groups again (a group ends where the next length is too wide
    for it, and later lengths are wider still), so each half computes exactly what the full pass did.
    """
    groups, first = [], 0
    for part in attention_groups(lengths):
        groups.append(list(range(first, first + len(part))))
        first += len(part)
    if len(groups) < 2:
        return [], list(range(len(lengths)))
    sizes = [sum(lengths[i] for i in g) for g in groups]
    total = sum(sizes)
    # Subset sums as bits of an int, one shift per group: exact, and microseconds for a full pass. The first
    # group stays on this side, so the other side's sum is one of the later groups' subset sums.
    reach = [1]
    for size in sizes[1:]:
        reach.append(reach[-1] | reach[-1] << size)
    sums = reach[-1]
    below = next((x for x in range(total // 2, 0, -1) if sums >> x & 1), None)  # the nearest sums either side
    above = next((x for x in range(total // 2 + 1, total) if sums >> x & 1), None)
    best = min((x for x in (below, above) if x is not None), key=lambda x: (abs(total - 2 * x), x))
    chosen = set()
    for g in range(len(groups) - 1, 0, -1):  # walk back: a sum the earlier groups cannot make needs group g
        if not reach[g - 1] >> best & 1:
            chosen.add(g)
            best -= sizes[g]
    theirs = sorted(i for g in chosen for i in groups[g])
    mine = sorted(i for g in range(len(groups)) if g not in chosen for i in groups[g])
    return theirs, mine


eng = build_engine(Settings())
enc = eng.classifier.encoder
emails = sorted(Path("tools/benchmark/emails").glob("*.txt"))
def old_run(ids):
    theirs, mine = split_groups([len(x) for x in ids])
    with enc.cores.spare() as helper:
        other = helper.submit(enc._helper_pass, [ids[i] for i in theirs], None)
        out = torch.empty(len(ids), enc.dim)
        out[mine] = enc._pass([ids[i] for i in mine])
        out[theirs] = other.result()
    return out
for p in emails:
    sents = judged_texts(eng._parse([EmailInput(p.read_text())]))
    ids = sorted(enc.token_ids(sents), key=len)
    L = [len(x) for x in ids]
    th, mi = split_groups(L); cut, a, b = split_layout(L)
    res = {"one": [], "old": [], "new": []}
    with torch.inference_mode():
        for r in range(25):
            for name, fn in (("one", lambda: enc._pass(ids)), ("old", lambda: old_run(ids)), ("new", lambda: enc._run(ids))):
                t = time.perf_counter(); fn(); res[name].append((time.perf_counter() - t) * 1000)
    print(f"{p.name:28s} tok {sum(L):4d} old {sum(L[i] for i in mi)}/{sum(L[i] for i in th)} new {sum(L[:cut])}/{sum(L[cut:])}",
          " ".join(f"{k} {statistics.median(v):6.2f}" for k, v in res.items()))
