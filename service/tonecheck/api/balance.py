"""With several workers: close a kept-alive connection when its worker is busier than another, so it may move.

uvicorn's workers accept from one shared socket, and a kept-alive connection stays with the worker that
accepted it. A client that keeps a few connections open (an add-in host, a gateway's pool, the
benchmark's four clients) can end up with most of them on one worker while another idles: on 4 Dec the
benchmark's concurrency-4 phase ran at 13.0 requests/s with its connections on one worker and 22.7 with
them spread. Each worker publishes its checks in flight in memory the forked workers share. A worker
that, after an answer, still has more checks in flight than the idlest other worker answers
`Connection: close`, so the client's next request goes through the shared socket again, where the idler
worker is the likelier to accept it. Workers equally loaded keep their connections, however many.
"""

from __future__ import annotations

import mmap

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tonecheck.api import metrics
from tonecheck.api.admission import Admission

FREE = -1  # a slot no live worker holds


class WorkerLoads:
    """Checks in flight per worker, in anonymous shared memory: each worker writes its slot, reads the rest.

    Made by the supervisor before it forks. One slot more than workers, so a replacement started before
    the worker it replaces retires (uvicorn's SIGHUP) still gets one.
    """

    def __init__(self, workers: int) -> None:
        self.size = workers + 1
        self._memory = mmap.mmap(-1, 8 * self.size)  # MAP_SHARED: forked workers see each other's writes
        self._counts = memoryview(self._memory).cast("q")
        for i in range(self.size):
            self._counts[i] = FREE
        self.slot: int | None = None  # this process's slot, once a forked worker has claimed it

    def claim(self, slot: int) -> None:
        """This process is the worker of `slot` (called in the worker, just after the fork)."""
        self.slot = slot
        self._counts[slot] = 0

    def free(self, slot: int | None = None) -> None:
        """Mark `slot` (default: this worker's) as held by no one: a retiring or dead worker's."""
        slot = self.slot if slot is None else slot
        if slot is not None:
            self._counts[slot] = FREE

    def held(self, slot: int) -> bool:
        """Whether a live worker has claimed `slot` (the supervisor asks before it hands one out)."""
        return self._counts[slot] != FREE

    def publish(self, running: int) -> None:
        """This worker's checks in flight (admission calls this on every change)."""
        if self.slot is not None:
            self._counts[self.slot] = running

    def idlest_other(self) -> int | None:
        """The fewest checks in flight at any other live worker, or None if there is none."""
        others = [c for i, c in enumerate(self._counts) if i != self.slot and c != FREE]
        return min(others) if others else None


class Rebalance:
    """Adds `Connection: close` to an HTTP/1.1 answer while this worker has more in flight than the idlest other."""

    def __init__(self, app: ASGIApp, admission: Admission, loads: WorkerLoads) -> None:
        self.app = app
        self.admission = admission
        self.loads = loads

    def behind(self) -> bool:
        """Whether moving one connection from here to the idlest other worker would even the load."""
        idlest = self.loads.idlest_other()
        # `running` no longer counts the check just answered: with this connection's next request it
        # would be running + 1 here against idlest there, so moving it helps when running > idlest.
        return self.loads.slot is not None and idlest is not None and self.admission.running > idlest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; close its connection after the answer if another worker is idler."""
        if scope["type"] != "http" or scope.get("http_version") != "1.1":
            await self.app(scope, receive, send)
            return

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and self.behind():
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
                metrics.REBALANCED.inc()
            await send(message)

        await self.app(scope, receive, answer)
