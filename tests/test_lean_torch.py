"""torch imported through the command line skips its compiler registrations, and the scores do not change."""

from __future__ import annotations

import json
import subprocess
import sys

from model_required import require_model

# Run in fresh interpreters: this test process imported torch whole long ago.
_PROBE = """
import json, sys
if sys.argv[1] == "lean":
    import tonecheck.cli.main  # installs lean_torch, as every `tonecheck` command does
import torch
deferred = [m for m in ("torch._meta_registrations", "torch._decomp", "torch.export") if m not in sys.modules]
from tonecheck.engine import build_engine
from tonecheck.settings import Settings
engine = build_engine(Settings().model_copy(update={"score_cache_units": 0}))
texts = ["Thanks for your patience while we fixed the billing error.", "As I told you twice, read the manual!",
         "This is NOT acceptable and I am done waiting."]
scores = engine.classifier.score(texts).tolist()
verdicts = [engine.check(t).verdict.value for t in texts]
import torch.export, torch._meta_registrations
real = callable(torch.export.export)
print(json.dumps({"deferred": deferred, "scores": scores, "verdicts": verdicts, "real_export": real}))
"""


def _probe(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True,
                         timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_lean_torch_defers_registrations_and_changes_no_score() -> None:
    require_model()
    lean, whole = _probe("lean"), _probe("whole")
    assert lean["deferred"] == ["torch._meta_registrations", "torch._decomp", "torch.export"]
    assert whole["deferred"] == []
    assert lean["scores"] == whole["scores"]  # the same eager kernels: bit for bit
    assert lean["verdicts"] == whole["verdicts"] and set(lean["verdicts"]) != {"send"}
    assert lean["real_export"] and whole["real_export"]  # a later import gets the real module


def test_lean_torch_leaves_no_finder_behind() -> None:
    from tonecheck import lean_torch

    lean_torch.install()  # torch is imported here already, so nothing is installed
    assert lean_torch._DEFERRAL not in sys.meta_path
