"""Import spaCy without its command line, which the service never runs: ~0.4 s of a ~3.5 s cold start.

spaCy's `__init__` imports `spacy.cli.info` only to re-export `spacy.info`, and `spacy.cli` pulls in
typer, requests, weasel and the training loop. While spaCy's own `__init__` runs, `spacy.cli` and
`spacy.cli.info` are stand-ins; they are removed as soon as it finishes, so a later `import spacy.cli`
imports the real one, and `spacy.info` imports it on first call. Nothing else about spaCy changes.
"""

from __future__ import annotations

import types
from typing import Any

from tonecheck.stand_ins import Deferral


def _info(*args: Any, **kwargs: Any) -> Any:
    """`spacy.info`, importing spaCy's command line on first call."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _stand_ins() -> dict[str, types.ModuleType]:
    cli = types.ModuleType("spacy.cli")
    cli.__path__ = []  # a package, so `spacy.cli.info` resolves as its submodule
    info = types.ModuleType("spacy.cli.info")
    info.info = _info  # type: ignore[attr-defined]
    return {"spacy.cli": cli, "spacy.cli.info": info}


_DEFERRAL = Deferral("spacy", _stand_ins)
install = _DEFERRAL.install
uninstall = _DEFERRAL.uninstall
