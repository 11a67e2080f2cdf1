"""The ASGI app uvicorn imports in every worker: settings read once, models loaded in the background."""

from __future__ import annotations

import logging

from tonecheck.api.app import create_app
from tonecheck.settings import get_settings

_settings = get_settings()
logging.basicConfig(level=_settings.log_level.upper(),
                    format="%(asctime)s %(levelname)s %(name)s %(message)s")
# Our request log replaces uvicorn's access log, whose line carries the client address and the raw
# path with its query string; ours carries an id, the route, sizes, verdict and timing only.
logging.getLogger("uvicorn.access").disabled = True
app = create_app(_settings, load_in_background=True)
