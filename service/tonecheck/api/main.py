"""The ASGI app uvicorn imports in every worker: settings read once, models loaded in the background."""

from __future__ import annotations

from tonecheck.api.app import configure_logging, create_app
from tonecheck.settings import get_settings

_settings = get_settings()
configure_logging(_settings)
app = create_app(_settings, load_in_background=True)
