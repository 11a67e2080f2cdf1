"""The serving encoder (PackedEncoder) against transformers' Encoder, bf16 against fp32, and what it embeds.

Regression set: the sentences of models/data/dev.jsonl as the service splits them (830 for the model of
24 Nov 2026), scored through the trained head. bf16 must keep every sentence's probabilities within
BF16_TOLERANCE of fp32 (largest difference measured: 0.014), and its labels (probability >= the manifest's
threshold) identical on every sentence whose fp32 log-odds are at least MARGIN from each threshold's.
Closer than that, any change of arithmetic can tip a label (measured: 2 of 830, at 0.749 vs 0.750 and 0.700
vs 0.698); at most BORDERLINE_SHARE of the sentences may be left out that way (docs/performance.md).
The margin is in log-odds because a threshold near 1 (heat 0.98) leaves no room for a fixed margin in
probability: every confidently heated sentence would count as borderline. For the model of 4 Dec 2026: no
label of the 830 changes, and the largest log-odds difference is 0.063.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from model_required import require_model

from tonecheck.detect.classifier.encoder import Encoder, encoder_dir
from tonecheck.detect.classifier.head import Head
from tonecheck.detect.classifier.manifest import HEAD_FILE, TOP_FILE, read_manifest
from tonecheck.detect.classifier.packed import PackedEncoder, native_bf16, resolve_precision
from tonecheck.errors import ConfigError
from tools.training.data import read_split

BF16_TOLERANCE = 0.03
MARGIN = 0.1  # log-odds: 0.025 in probability at 0.5, 0.002 at 0.98
BORDERLINE_SHARE = 0.02
FP32_TOLERANCE = 1e-5


@pytest.mark.parametrize(("setting", "expected"), [
    ("fp32", "fp32"),
    ("bf16", "bf16"),
    ("auto", "bf16" if native_bf16() else "fp32"),
])
def test_classifier_packed_precision_resolves(setting: str, expected: str) -> None:
    assert resolve_precision(setting) == expected


def test_classifier_packed_precision_rejects_unknown() -> None:
    with pytest.raises(ConfigError, match="int8"):
        resolve_precision("int8")


@pytest.fixture(scope="module")
def trained():
    """The trained model's files, fp32 transformers encoder, head and manifest."""
    model_dir = require_model()
    manifest = read_manifest(model_dir)
    top = model_dir / TOP_FILE if manifest.encoder.fine_tuned_layers else None
    torch.set_num_threads(1)  # fixed order of float sums, so repeated runs agree bit for bit
    reference = Encoder(encoder_dir(), top_layers=top, depth=manifest.encoder.depth)
    head = Head.load(model_dir / HEAD_FILE, reference.dim, manifest.hidden)
    return top, reference, head, manifest


@pytest.fixture(scope="module")
def dev_texts(nlp) -> list[str]:
    """The regression set: the judged sentences of every dev row, as ClassifierDetector embeds them."""
    from tonecheck.cleanup import clean
    from tonecheck.parse import parse_many

    parsed = parse_many(nlp, [clean(r.text) for r in read_split("dev")], 2_000)
    return [s.text.strip() for p in parsed for s in p.sentences]


@pytest.mark.slow
def test_classifier_packed_fp32_equals_transformers(trained, dev_texts) -> None:
    top, reference, _, manifest = trained
    packed = PackedEncoder(encoder_dir(), top_layers=top, precision="fp32", depth=manifest.encoder.depth)
    assert packed.token_ids(dev_texts) == reference.tokenizer(dev_texts, truncation=True,
                                                              max_length=128)["input_ids"]
    diff = np.abs(packed.embed(dev_texts) - reference.embed(dev_texts)).max()
    assert diff <= FP32_TOLERANCE


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


@pytest.mark.slow
def test_classifier_packed_bf16_agrees_with_fp32(trained, dev_texts) -> None:
    top, reference, head, manifest = trained
    thresholds = np.array(list(manifest.thresholds.values()))
    full = head.probabilities(reference.embed(dev_texts))
    fast = head.probabilities(PackedEncoder(encoder_dir(), top_layers=top, precision="bf16",
                                            depth=manifest.encoder.depth).embed(dev_texts))
    assert np.abs(full - fast).max() <= BF16_TOLERANCE
    clear = (np.abs(_logit(full) - _logit(thresholds)) >= MARGIN).all(1)
    assert clear.mean() >= 1 - BORDERLINE_SHARE
    changed = [dev_texts[i] for i in np.nonzero(clear & ((full >= thresholds) != (fast >= thresholds)).any(1))[0]]
    assert changed == []


@pytest.mark.parametrize("depth", [1, 4])
def test_classifier_packed_shallow_equals_transformers_cut_alike(depth: int) -> None:
    texts = ["Thanks for your patience, we will fix it today.", "As I said before, read the manual!", "Hi,"]
    shallow = PackedEncoder(encoder_dir(), precision="fp32", depth=depth)
    assert len(shallow.layers) == depth
    reference = Encoder(encoder_dir(), depth=depth)
    assert len(reference.model.encoder.layer) == depth
    embedded = shallow.embed(texts)
    assert np.abs(embedded - reference.embed(texts)).max() <= FP32_TOLERANCE
    # and the cut is real: the full encoder embeds the same sentences differently
    assert np.abs(embedded - PackedEncoder(encoder_dir(), precision="fp32").embed(texts)).max() > 0.05


def test_classifier_packed_runs_top_layers_where_they_were_tuned_and_refuses_another_depth(tmp_path) -> None:
    # Layers 3-4 of the plain encoder, written as if fine-tuned at depth 4: applied at depth 4 they change
    # nothing but fp16 rounding; at the full depth they would land on layers 5-6, which must be refused.
    from tonecheck.detect.classifier.encoder import save_top_layers

    plain = Encoder(encoder_dir(), depth=4)
    top = tmp_path / "encoder-top.safetensors"
    save_top_layers(list(plain.model.encoder.layer)[2:4], top, depth=4)
    texts = ["Thanks for your patience, we will fix it today.", "As I said before, read the manual!"]
    tuned = PackedEncoder(encoder_dir(), top_layers=top, precision="fp32", depth=4)
    assert np.abs(tuned.embed(texts) - plain.embed(texts)).max() < 1e-2
    with pytest.raises(ConfigError, match="fine-tuned on the encoder's first 4 layers, but 6 are configured"):
        PackedEncoder(encoder_dir(), top_layers=top)
    with pytest.raises(ConfigError, match="first 4 layers, but 5 are configured"):
        Encoder(encoder_dir(), top_layers=top, depth=5)


def test_classifier_packed_refuses_the_shipped_top_layers_at_a_hand_edited_depth() -> None:
    # The shipped file was tuned at the manifest's depth (six when it names none: files from before depths
    # carry no depth), so one layer fewer is refused.
    model_dir = require_model()
    tuned = read_manifest(model_dir).encoder.depth or 6
    with pytest.raises(ConfigError, match=f"first {tuned} layers, but {tuned - 1} are configured"):
        PackedEncoder(encoder_dir(), top_layers=model_dir / TOP_FILE, depth=tuned - 1)


@pytest.mark.parametrize("depth", [0, 7])
def test_classifier_packed_refuses_a_depth_the_encoder_lacks(depth: int) -> None:
    with pytest.raises(ConfigError, match=r"depth .* outside 1\.\.6"):
        PackedEncoder(encoder_dir(), depth=depth)
    with pytest.raises(ConfigError, match=r"depth .* outside 1\.\.6"):
        Encoder(encoder_dir(), depth=depth)


@pytest.mark.slow
@pytest.mark.parametrize("texts", [
    [],
    ["Thanks."],
    ["Thanks.", "As I said in my last email, the form must be signed before we can refund you.", "Thanks.",
     "Hi Dana,", "word " * 200],
])
def test_classifier_packed_keeps_order_and_batches_alike(texts: list[str]) -> None:
    packed = PackedEncoder(encoder_dir(), precision="fp32")
    together = packed.embed(texts)
    assert together.shape == (len(texts), packed.dim)
    for i, text in enumerate(texts):
        assert np.array_equal(together[i], packed.embed([text])[0])  # each sentence is computed alone


class _Spy:
    """An encoder that records what it is asked to embed."""

    dim = 384

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.zeros((len(texts), self.dim), dtype=np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("email", [
    "Thanks, the refund went out today.\n\nOn Mon, 3 Mar 2025 at 09:12, Sam <sam@example.com> wrote:\n"
    "> You people are useless and I want my money back now.\n> Nobody answers the phone.\n",
    "Thanks, the refund went out today.\n\nBest regards,\nAnna Smith\nUseless Complaints Department\n",
])
def test_classifier_never_embeds_ignored_text(nlp, email: str) -> None:
    from tonecheck.cleanup import clean
    from tonecheck.detect.classifier.detector import ClassifierDetector
    from tonecheck.parse import parse_many

    spy = _Spy()
    ClassifierDetector(spy, Head(spy.dim)).detect(parse_many(nlp, [clean(email)], 100))
    assert spy.seen and all("seless" not in t and "money" not in t for t in spy.seen)


@pytest.mark.parametrize("rows", [1, 7, 128, 300, 1024])
def test_classifier_packed_prepacked_weights_multiply_like_plain_ones(rows: int) -> None:
    from tonecheck.detect.classifier.packed import bf16_by_onednn, linear, prepack

    gen = torch.Generator().manual_seed(rows)
    w = (torch.randn(1536, 384, generator=gen) * 0.05).bfloat16()
    b, x = torch.randn(1536, generator=gen).bfloat16(), torch.randn(rows, 384, generator=gen).bfloat16()
    packed = prepack(w)
    assert packed.is_mkldnn == bf16_by_onednn()
    assert torch.equal(linear(x, packed, b), F.linear(x, w, b))


@pytest.mark.parametrize("rows", [1, 2, 3, 7, 128, 300])
def test_classifier_packed_fp32_products_give_a_row_the_same_result_whatever_shares_the_call(rows: int) -> None:
    """MKL rounds a call of 1 to 3 rows differently; `linear` pads small calls, so a row's result is its own."""
    from tonecheck.detect.classifier.packed import linear, prepack

    gen = torch.Generator().manual_seed(rows)
    w = torch.randn(1536, 384, generator=gen) * 0.05
    b, x = torch.randn(1536, generator=gen), torch.randn(rows, 384, generator=gen)
    assert not prepack(w).is_mkldnn  # fp32 runs on MKL, plain
    many = torch.cat([x, torch.randn(40, 384, generator=gen)])
    together = linear(many, w, b)
    assert torch.equal(linear(x, w, b), together[:rows])
    for i in range(min(rows, 4)):
        assert torch.equal(linear(x[i:i + 1], w, b), together[i:i + 1])
    assert torch.allclose(together, F.linear(many, w, b))


@pytest.mark.slow
def test_classifier_packed_bf16_prepacking_changes_no_embedding(trained, dev_texts, monkeypatch) -> None:
    from tonecheck.detect.classifier import packed as packed_module

    top, depth = trained[0], trained[3].encoder.depth
    fast = PackedEncoder(encoder_dir(), top_layers=top, precision="bf16", depth=depth)
    assert fast.layers[0].up.is_mkldnn == packed_module.bf16_by_onednn()
    monkeypatch.setattr(packed_module, "prepack", lambda w: w)
    plain = PackedEncoder(encoder_dir(), top_layers=top, precision="bf16", depth=depth)
    assert not plain.layers[0].up.is_mkldnn
    assert np.array_equal(fast.embed(dev_texts), plain.embed(dev_texts))


@pytest.mark.slow
def test_an_emails_scores_do_not_depend_on_what_else_is_checked_with_it(engine, email_sentences) -> None:
    """Alone, in a batch of files, merged with other requests or in another order: the same scores, bit for bit.

    In the engine's own precision (bf16 where the CPU has it), over the benchmark's emails and 150 dev emails,
    which fill several forward passes together.
    """
    emails = email_sentences
    flat = [s for sentences in emails for s in sentences]
    encoder = engine.classifier.encoder
    together = encoder.embed(flat)
    assert sum(len(x) for x in encoder.token_ids(flat)) > 3 * 1024  # several passes, of mixed emails
    assert np.array_equal(encoder.embed(flat[::-1])[::-1], together)
    first = 0
    for sentences in emails:
        assert np.array_equal(encoder.embed(sentences), together[first:first + len(sentences)])
        first += len(sentences)
