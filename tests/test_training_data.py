"""Training data readers: every extra file is read, and the extra rows stay clear of dev, test and the guide."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools import REPO_ROOT
from tools.training.data import extra_train_rows


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
