"""Training data readers: every extra file is read, extra and distillation rows stay clear of held-out text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tools import REPO_ROOT
from tools.training.data import distil_targets, extra_train_rows, read_split, spent_blind_rows


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_extra_rows_come_from_every_train_extra_file_and_nothing_else(tmp_path):
    _write(tmp_path / "train_extra.jsonl", [{"id": "tx-000001", "text": "As agreed, it ships today.", "labels": [],
                                             "hold": False}])
    _write(tmp_path / "train_extra_requests.jsonl", [{"id": "tq-000001", "text": "Why was this closed?!",
                                                      "labels": ["heated"], "hold": True}])
    _write(tmp_path / "dev.jsonl", [{"id": "dv-000001", "text": "Not training.", "labels": [], "hold": False}])
    rows = extra_train_rows(tmp_path)
    assert [(r.id, r.labels, r.hold) for r in rows] == [("tx-000001", (), False), ("tq-000001", ("heated",), True)]
    assert extra_train_rows(tmp_path / "absent") == []


def test_the_repositorys_extra_rows_pass_their_leakage_check():
    script = REPO_ROOT / "models" / "data" / "check_extra.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "OK" in done.stdout.splitlines()[-1]


def test_distillation_targets_are_read_as_texts_and_one_probability_per_category(tmp_path):
    path = tmp_path / "teacher.jsonl"
    _write(path, [{"id": "se-1-0", "text": "Thanks, that fixed it.", "teacher": [0.01, 0.02, 0.03, 0.04]},
                  {"id": "se-2-0", "text": "Read the FAQ first.", "teacher": [0.6, 0.1, 0.0, 0.2]}])
    texts, probs = distil_targets(path)
    assert texts == ["Thanks, that fixed it.", "Read the FAQ first."]
    assert probs.shape == (2, 4) and probs[1, 0] == np.float32(0.6)
    _write(path, [{"id": "se-1-0", "text": "Too few.", "teacher": [0.1, 0.2]}])
    with pytest.raises(ValueError, match="one teacher probability per category"):
        distil_targets(path)


def test_the_repositorys_distillation_targets_are_clear_of_dev_test_and_the_scored_blind_sets():
    # The comments were guarded at extraction; this re-checks the committed units against the held-out text.
    texts, probs = distil_targets(REPO_ROOT / "models" / "data" / "distil" / "stackexchange-teacher.jsonl")
    held_out = {r.text.strip().lower() for split in ("dev", "test") for r in read_split(split)}
    held_out |= {r.text.strip().lower() for r in spent_blind_rows()}
    assert len(texts) > 10_000 and len(set(texts)) == len(texts)
    assert not held_out & {t.strip().lower() for t in texts}
    assert ((probs >= 0) & (probs <= 1)).all()


def test_clean_comment_keeps_prose_and_drops_code_links_and_mentions():
    sys.path.insert(0, str(REPO_ROOT / "models" / "data"))
    from stackexchange import clean_comment

    assert clean_comment("@Kaveh: - True, although *we* are **big** and _that_ one") == \
        "True, although we are big and that one"
    assert clean_comment("See [the FAQ](https://cs.meta.stackexchange.com/faq) before you post.") == \
        "See the FAQ before you post."
    assert clean_comment("Use `git log` here instead, it is simpler.") is None
    assert clean_comment("Details at https://example.com and more text here.") is None
    assert clean_comment("I agree with @Raphael on this one, mostly.") is None
    assert clean_comment("Thanks!") is None
