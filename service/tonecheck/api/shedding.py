"""A pure-ASGI gate that sheds a check before its body is read when even the smallest check would be shed.

Under overload most requests are refused. Refused after routing, the route's dependencies and the body
parse, each refusal took event-loop time that the admitted checks then waited for. Here a refusal costs
the server's HTTP parse, the request log and one comparison. At 3x one worker's capacity (4 Dec, short
`tools.loadtest` runs, this gate together with the routes' dependencies made coroutines) the 503s came
back in 6.2-6.8 ms at p95 against 12.5-13.1 ms without both, and 760-898 requests were admitted
against 598-633.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from tonecheck.api.admission import Admission
from tonecheck.api.middleware import send_error


class ShedGate:
    """503 `overloaded` with Retry-After for a check that `admission` would refuse whatever its size."""

    def __init__(self, app: ASGIApp, admission: Admission, routes: Mapping[str, BaseRoute]) -> None:
        self.app = app
        self.admission = admission
        self.routes = routes  # the check routes by path: the request log labels a refusal with its route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a check at once when the worker is too busy for any check; pass everything else on."""
        route = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        refusal = self.admission.refuse_any() if route is not None else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        await send_error(send, 503, refusal.code, str(refusal),
                         ((b"retry-after", str(refusal.retry_after).encode()),))
