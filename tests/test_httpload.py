"""The load test's lean HTTP client: encoding, keep-alive reuse, a stale connection retried, bad answers."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools.httpload import BadAnswer, Pool, prepare


class _Server:
    """A loopback HTTP/1.1 server that answers each request with `reply(count)` and records what came in."""

    def __init__(self, reply) -> None:  # noqa: ANN001 - a test double
        self.reply, self.requests, self.connections = reply, [], 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b": ")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                self.requests.append(head + await reader.readexactly(length))
                answer, close = self.reply(len(self.requests))
                writer.write(answer)
                await writer.drain()
                if close:
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()


def _ok(body: bytes, close_after: bool = False, header: bool = False) -> tuple[bytes, bool]:
    extra = b"Connection: close\r\n" if header else b""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body), close_after


def _run(reply, scenario, timeout: float = 30.0):  # noqa: ANN001, ANN202 - a test helper
    async def main():  # noqa: ANN202
        fake = _Server(reply)
        server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        pool = Pool("127.0.0.1", port, timeout=timeout)
        try:
            return fake, await scenario(pool)
        finally:
            await pool.close()
            server.close()
    # Its own thread: a test before this one (Playwright's sync API) may leave a loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=60)


def test_prepare_encodes_json_text_and_query_requests() -> None:
    json_req = prepare("a", {"json": {"text": "Hi 🎉"}}, "127.0.0.1:8000")
    head, body = json_req.raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n")
    assert b"content-type: application/json" in head and json.loads(body) == {"text": "Hi 🎉"}
    assert f"Content-Length: {len(body)}".encode() in head and json_req.expect == b'"verdict"'
    text_req = prepare("b", {"path": "/v1/check", "params": {"format": "text"}, "content": b"To be honest.",
                             "headers": {"Content-Type": "text/plain"}}, "h")
    assert text_req.raw.startswith(b"POST /v1/check?format=text HTTP/1.1") and text_req.raw.endswith(b"To be honest.")
    assert b"content-type: text/plain" in text_req.raw and text_req.expect == b"verdict:"


def test_pool_reuses_a_kept_alive_connection() -> None:
    async def scenario(pool: Pool) -> list[bytes]:
        return [(await pool.send(prepare("a", {"json": {"text": str(i)}}, "h"))).body for i in range(3)]

    fake, bodies = _run(lambda n: _ok(b"answer %d" % n), scenario)
    assert bodies == [b"answer 1", b"answer 2", b"answer 3"] and fake.connections == 1


def test_pool_retries_once_on_a_connection_the_server_closed_while_idle() -> None:
    async def scenario(pool: Pool) -> list[int]:
        first = await pool.send(prepare("a", {"json": {"text": "1"}}, "h"))
        await asyncio.sleep(0.05)  # the server has closed the idle connection by now
        second = await pool.send(prepare("a", {"json": {"text": "2"}}, "h"))
        return [first.status, second.status]

    fake, statuses = _run(lambda n: _ok(b"{}", close_after=True), scenario)
    assert statuses == [200, 200] and fake.connections == 2 and len(fake.requests) == 2


def test_pool_drops_a_connection_the_answer_closes() -> None:
    async def scenario(pool: Pool) -> int:
        await pool.send(prepare("a", {"json": {}}, "h"))
        return len(pool._idle)

    _, idle = _run(lambda n: _ok(b"{}", header=True), scenario)
    assert idle == 0


def test_pool_refuses_an_answer_without_content_length() -> None:
    async def scenario(pool: Pool) -> None:
        await pool.send(prepare("a", {"json": {}}, "h"))

    with pytest.raises(BadAnswer, match="no Content-Length"):
        _run(lambda n: (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", True), scenario)


def test_pool_gives_up_on_a_server_that_never_answers() -> None:
    async def scenario(pool: Pool) -> None:
        await pool.send(prepare("a", {"json": {}}, "h"))

    def silent(n: int) -> tuple[bytes, bool]:
        return b"", False  # reads the request, answers nothing

    with pytest.raises(TimeoutError):
        _run(silent, scenario, timeout=0.2)
