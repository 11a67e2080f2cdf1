"""Development tools beside the runtime: benchmark, evaluation, training, load test, dev server."""

from pathlib import Path

# Tools run from a checkout (`make eval`, `make train`, ...): they read the repository's own folders.
REPO_ROOT = Path(__file__).resolve().parent.parent
