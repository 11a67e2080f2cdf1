"""`python -m tools.evaluation.judgments`: the before/after comparison the performance notes quote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from model_required import require_model

from tonecheck.engine import EmailInput, Engine
from tools.evaluation.judgments import compare, dump, main


def _email(verdict: str, *findings: list) -> dict:
    return {"verdict": verdict, "findings": [list(f) for f in findings]}


def test_judgments_compare_counts_verdicts_findings_and_score_moves() -> None:
    f1 = ["model.defensive", "defensive", 10, 40, 0.7518]
    f2 = ["blame.users_who", "blame", 50, 90, 0.78]
    before = {"dev": [_email("review", f1, f2), _email("send"), _email("hold", f2)], "only-before": []}
    after = {"dev": [_email("review", f2[:4] + [0.7804]), _email("send"), _email("review", f2)]}
    lines = compare(before, after)
    assert lines[0] == "dev: 3 emails; verdicts differ 1, findings differ 1, largest score change 0.0004"
    assert lines[1:] == [
        "  review -> review; only before [['model.defensive', 'defensive', 10, 40, 0.7518]]; only after []",
        "  hold -> review; only before []; only after []",
    ]


def test_judgments_compare_exits_1_only_when_a_verdict_differs(tmp_path: Path, capsys) -> None:
    same, score_only, verdict = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    same.write_text(json.dumps({"dev": [_email("send", ["r", "blame", 1, 2, 0.5])]}), encoding="utf-8")
    score_only.write_text(json.dumps({"dev": [_email("send", ["r", "blame", 1, 2, 0.51])]}), encoding="utf-8")
    verdict.write_text(json.dumps({"dev": [_email("review", ["r", "blame", 1, 2, 0.5])]}), encoding="utf-8")
    assert main(["compare", str(same), str(score_only)]) == 0
    assert main(["compare", str(same), str(verdict)]) == 1
    assert "verdicts differ 1" in capsys.readouterr().out


@pytest.mark.slow
def test_judgments_dump_of_one_commit_matches_itself_and_keeps_no_text(tmp_path: Path, engine: Engine) -> None:
    require_model()
    from tools.benchmark.corpus import load_emails

    path = tmp_path / "now.json"
    dump(path, ["bench"])
    judged = json.loads(path.read_text(encoding="utf-8"))
    # The dump records what the engine decides on each email, in order (send and review both occur).
    reports = engine.check_many([EmailInput(e.text) for size in load_emails().values() for e in size])
    assert [e["verdict"] for e in judged["bench"]] == [r.verdict.value for r in reports]
    assert [len(e["findings"]) for e in judged["bench"]] == [len(r.findings) for r in reports]
    assert len(judged["bench"]) == 9 and {"send", "review"} <= {e["verdict"] for e in judged["bench"]}
    raw = path.read_text(encoding="utf-8")
    assert not any(e.text[:30] in raw for size in load_emails().values() for e in size)
    assert compare(judged, judged) == [
        "bench: 9 emails; verdicts differ 0, findings differ 0, largest score change 0.0000"]
