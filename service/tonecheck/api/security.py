"""API keys (constant-time comparison) and an optional per-key rate limit."""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable

from tonecheck.errors import TonecheckError


class Unauthorized(TonecheckError):
    """No valid API key was sent (HTTP 401)."""

    code = "unauthorized"


class RateLimited(TonecheckError):
    """The key made too many requests this minute (HTTP 429 with Retry-After)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class KeyChecker:
    """Accepts a request when no keys are configured, or when it carries one of them."""

    def __init__(self, keys: list[str]) -> None:
        # Compare digests so every comparison takes the same time whatever the key's length.
        self._digests = [hashlib.sha256(k.encode()).digest() for k in keys]

    @property
    def enabled(self) -> bool:
        """True when keys are required."""
        return bool(self._digests)

    def identify(self, authorization: str | None, api_key: str | None) -> str:
        """The caller's identity (a key digest prefix), or raise `Unauthorized`."""
        if not self.enabled:
            return "anonymous"
        sent = api_key or ""
        if not sent and authorization and authorization.lower().startswith("bearer "):
            sent = authorization[7:].strip()
        digest = hashlib.sha256(sent.encode()).digest()
        match = False
        for known in self._digests:  # every key, no early exit: the time taken says nothing about the keys
            match |= hmac.compare_digest(digest, known)
        if not sent or not match:
            raise Unauthorized("a valid API key is required: send `Authorization: Bearer <key>` or "
                               "`X-API-Key: <key>`")
        return digest.hex()[:12]


class RateLimiter:
    """A fixed one-minute window per caller; 0 requests per minute means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, caller: str) -> None:
        """Count one request, or raise `RateLimited` with the seconds until the window resets."""
        if not self.per_minute:
            return
        now = self.clock()
        with self._lock:
            start, count = self._windows.get(caller, (now, 0))
            if now - start >= 60:
                start, count = now, 0
            if count >= self.per_minute:
                wait = max(1, math.ceil(60 - (now - start)))
                raise RateLimited(f"more than {self.per_minute} requests a minute; retry in {wait} s", wait)
            self._windows[caller] = (start, count + 1)
