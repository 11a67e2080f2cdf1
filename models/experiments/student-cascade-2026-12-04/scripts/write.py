"""Step 3: write a trained student into a model folder (its file and the manifest's `cascade` entry).

Usage: python .../write.py WORK TAG MODEL_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from tonecheck.detect.classifier.cascade import Student
from tonecheck.detect.classifier.manifest import MANIFEST, STUDENT_FILE, CascadeInfo, file_sha256, read_manifest
from tonecheck.engine import policy_from
from tonecheck.findings import CATEGORIES, Sensitivity


def main() -> int:
    work, tag, model_dir = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    state = torch.load(work / f"student-{tag}.pt")
    report = json.loads((work / f"report-{tag}.json").read_text())
    count = report["layers"]
    layers = {f"{i}.{k.split('.', 4)[4]}": v for k, v in state.items() for i in range(count)
              if k.startswith(f"bert.encoder.layer.{i}.")}
    head = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith("head.")}
    manifest = read_manifest(model_dir)
    policy = policy_from(manifest)
    strict = np.array([policy.level(c, Sensitivity.STRICT) for c in CATEGORIES], dtype=np.float32)
    floors = torch.from_numpy(strict * report["tau"])
    Student.save(model_dir / STUDENT_FILE, layers, head, floors, count)
    sets = report["sets"]
    info = CascadeInfo(
        layers=count, sha256=file_sha256(model_dir / STUDENT_FILE), tau=report["tau"],
        floors={c.value: round(float(f), 5) for c, f in zip(CATEGORIES, floors, strict=True)},
        recall_strict={k: round(1 - v["missed_strict"] / max(1, v["flagged_strict"]), 4) for k, v in sets.items()},
        settled={k: v["settled"] for k, v in sets.items()}, distilled_units=report.get("distilled_units", 0),
    )
    path = model_dir / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cascade"] = info.model_dump()
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    read_manifest(model_dir)
    print("wrote", model_dir / STUDENT_FILE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
