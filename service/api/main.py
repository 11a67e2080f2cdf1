"""The ASGI app uvicorn imports in every worker: settings read once, models loaded in the lifespan."""

from __future__ import annotations

import logging

from service.api.app import create_app
from service.settings import get_settings

_settings = get_settings()
logging.basicConfig(level=_settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app(_settings)
