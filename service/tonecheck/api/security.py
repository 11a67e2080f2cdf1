"""API keys (constant-time comparison) and an optional per-key rate limit, shared through Redis if set."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable

from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string

from tonecheck.errors import ConfigError, TonecheckError

log = logging.getLogger("tonecheck.api")


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
    """A fixed one-minute window per caller, counted in a `limits` storage; 0 per minute means no limit.

    `memory://` counts in this worker. `redis://...` shares one count across every worker and replica,
    since windows are wall-clock minutes that all processes agree on.
    """

    def __init__(self, per_minute: int, storage_uri: str = "memory://",
                 clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.storage_uri = storage_uri
        try:
            # wrap_exceptions: every backend failure arrives as limits' StorageError, whatever the client;
            # short socket timeouts, so a Redis that stops answering costs a request half a second, not a hang.
            options = {} if storage_uri.startswith("memory") else {
                "wrap_exceptions": True, "socket_connect_timeout": 0.5, "socket_timeout": 0.5}
            self._storage = storage_from_string(storage_uri, **options)
        except (ConfigurationError, ValueError) as exc:
            reason = str(exc).replace(storage_uri, _redact(storage_uri))  # the library quotes the password
            raise ConfigError(f"TONECHECK_RATE_LIMIT_STORAGE={_redact(storage_uri)}: {reason}; "
                              "use memory:// or redis://host:6379/0") from None
        self._warned_at = -math.inf

    @property
    def blocking(self) -> bool:
        """Whether counting waits on the network (a shared store), so it must run off the event loop."""
        return bool(self.per_minute) and not self.storage_uri.startswith("memory")

    def hit(self, caller: str) -> None:
        """Count one request, or raise `RateLimited` with the seconds until the window resets."""
        if not self.per_minute:
            return
        now = self.clock()
        window = int(now // 60)
        try:
            count = self._storage.incr(f"tonecheck:rate:{caller}:{window}", expiry=120)
        except StorageError:
            # Fail open: tone checks are advice, and an add-in waiting on a dead Redis would send unchecked
            # anyway. Said once a minute, without the caller, so the log shows the outage and nothing else.
            if now - self._warned_at >= 60:
                self._warned_at = now
                log.warning("rate limit storage %s unreachable: requests are not limited until it is back",
                            _redact(self.storage_uri))
            return
        if count > self.per_minute:
            wait = max(1, math.ceil((window + 1) * 60 - now))
            raise RateLimited(f"more than {self.per_minute} requests a minute; retry in {wait} s", wait)


def _redact(uri: str) -> str:
    """A storage URI without its password."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
