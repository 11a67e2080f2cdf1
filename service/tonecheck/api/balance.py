"""With several workers: close a kept-alive connection when its worker is behind, so it may reconnect to another.

uvicorn's workers accept from one shared socket, and a kept-alive connection stays with the worker that
accepted it. A client that keeps a few connections open (an add-in host, a gateway's pool, the
benchmark's four clients) can end up with most of them on one worker while the other idles: on 4 Dec
the benchmark's concurrency-4 phase ran at 13.0 requests/s with its connections on one worker and 22.7
with them spread. Answering `Connection: close` while this worker still has two or more checks in
flight sends the client's next request through the shared socket again, where an idle worker is the
likelier to accept it. A worker with one other check in flight (its fair share at two connections per
worker) keeps the connection, so a balanced server does not churn.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tonecheck.api import metrics
from tonecheck.api.admission import Admission

# Checks in flight in this worker, not counting the one answered, from which a connection is closed.
BACKLOG = 2


class Rebalance:
    """Adds `Connection: close` to an HTTP/1.1 answer while this worker has `backlog` other checks in flight."""

    def __init__(self, app: ASGIApp, admission: Admission, backlog: int = BACKLOG) -> None:
        self.app = app
        self.admission = admission
        self.backlog = backlog

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; close its connection after the answer if this worker is behind."""
        if scope["type"] != "http" or scope.get("http_version") != "1.1":
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            # The answered check has released its place by now: `running` counts the others.
            if message["type"] == "http.response.start" and self.admission.running >= self.backlog:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
                metrics.REBALANCED.inc()
            await send(message)

        await self.app(scope, receive, answer)
