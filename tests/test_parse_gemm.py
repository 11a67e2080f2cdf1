"""The parse's matrix products run in torch when the classifier is loaded and BLIS has no kernel for the CPU,
with the same parse as BLIS."""

from __future__ import annotations

import numpy as np
import pytest
from spacy.language import Language
from thinc.api import NumpyOps

from tonecheck.detect.rules.loader import load_rules
from tonecheck.engine import Engine
from tonecheck.parse.gemm import TorchGemmOps, blis_arch, torch_gemm_pays, use_torch_gemm
from tonecheck.settings import Settings
from tools.benchmark.corpus import EMAILS_DIR, load_emails


@pytest.mark.parametrize("trans1", [False, True])
@pytest.mark.parametrize("trans2", [False, True])
@pytest.mark.parametrize("into", [False, True])
def test_gemm_equals_numpy(trans1: bool, trans2: bool, into: bool) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 3) if trans1 else (3, 5), dtype=np.float32)
    y = rng.standard_normal((4, 5) if trans2 else (5, 4), dtype=np.float32)
    expected = (x.T if trans1 else x) @ (y.T if trans2 else y)
    out = np.zeros((3, 4), dtype=np.float32) if into else None
    got = TorchGemmOps().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if into:
        assert got is out


def test_gemm_leaves_other_dtypes_to_thinc() -> None:
    x, y = np.ones((2, 3)), np.ones((3, 2))  # float64: thinc's own path, which asks for float32
    with pytest.raises(ValueError, match="float32") as ours:
        TorchGemmOps().gemm(x, y)
    with pytest.raises(ValueError, match="float32") as thincs:
        NumpyOps().gemm(x, y)
    assert str(ours.value) == str(thincs.value)


def test_blis_names_the_kernel_it_runs_and_torch_takes_over_only_from_the_generic_one() -> None:
    arch = blis_arch()
    assert isinstance(arch, str) and arch  # cython-blis's wheel exports its choice
    assert torch_gemm_pays("generic") and torch_gemm_pays(None)
    assert not torch_gemm_pays("zen2") and not torch_gemm_pays("haswell")


def test_engine_with_the_classifier_parses_through_torch_where_blis_is_generic(
    engine: Engine, rules_engine: Engine
) -> None:
    through_torch = torch_gemm_pays(blis_arch())
    for name in ("tok2vec", "tagger", "parser"):
        nodes = list(engine.nlp.get_pipe(name).model.walk())
        assert all(isinstance(node.ops, TorchGemmOps) == through_torch for node in nodes), name
    # Rules only: torch is never imported for the parse's sake.
    assert not isinstance(rules_engine.nlp.get_pipe("tok2vec").model.ops, TorchGemmOps)


def test_torch_gemm_parse_equals_the_blis_parse(nlp: Language) -> None:
    from tonecheck.parse import load_pipeline

    texts = [e.text for size in load_emails(EMAILS_DIR).values() for e in size]
    for spec, _, _ in load_rules([Settings().rules_dir]):
        texts += [*spec.examples.flag, *spec.examples.pass_]
    through_torch = load_pipeline(Settings().spacy_model)  # torch's products, whichever this CPU's engine runs
    use_torch_gemm(through_torch)
    assert not isinstance(nlp.get_pipe("tok2vec").model.ops, TorchGemmOps)

    def read(doc):
        return [(t.tag_, t.pos_, t.lemma_, str(t.morph), t.dep_, t.head.i, t.is_sent_start) for t in doc]

    for text, a, b in zip(texts, through_torch.pipe(texts), nlp.pipe(texts), strict=True):
        assert read(a) == read(b), text


def test_same_parse_tool_finds_no_difference_on_examples_and_benchmark_emails(capsys) -> None:
    """`python -m tools.evaluation.same_parse`: the figures the README quotes come from this comparison."""
    from tools.evaluation.same_parse import main

    assert main(["--sets", "examples,bench"]) == 0
    out = capsys.readouterr().out
    assert "attribute_ruler" in out and "tonecheck_attribute_table" in out  # two different pipelines compared
    assert "examples: " in out and "tokens differing 0, emails whose rule findings differ 0" in out
