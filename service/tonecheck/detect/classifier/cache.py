"""A bounded cache of unit scores, so a re-checked draft or a shared template line skips the encoder.

A unit's scores depend on its text alone (the packed encoder attends within a unit); the batch around
it and torch's thread count move them only by bf16 rounding (~1e-5), with or without the cache, so a
cached row is as good as a fresh one. The cache holds no text: keys are
keyed BLAKE2b digests with a random key drawn when the models load (forked workers inherit it), so
they match nothing outside the running service.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


class ScoreCache:
    """The most recent `max_units` units' probability rows, looked up by a digest of the unit text."""

    def __init__(self, max_units: int) -> None:
        self.max_units = max_units
        self._key = os.urandom(16)
        self._rows: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, text: str) -> bool:
        with self._lock:
            return self.digest(text) in self._rows

    def digest(self, text: str) -> bytes:
        """The unit's key: a keyed digest, never the text."""
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16, key=self._key).digest()

    def scores(self, texts: list[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Rows for `texts`, computing (in one call, in order) only those not cached; repeats computed once."""
        keys = [self.digest(t) for t in texts]
        with self._lock:
            cached = {k: self._rows[k] for k in keys if k in self._rows}
            for k in cached:
                self._rows.move_to_end(k)
        todo: dict[bytes, str] = {}  # first text of each key not cached, in order
        for k, t in zip(keys, texts, strict=True):
            if k not in cached and k not in todo:
                todo[k] = t
        if todo:
            fresh = compute(list(todo.values()))
            cached.update(zip(todo, [row.copy() for row in fresh], strict=True))  # not views that pin the batch
        with self._lock:
            for k in todo:
                self._rows[k] = cached[k]
            while len(self._rows) > self.max_units:
                self._rows.popitem(last=False)
            self.misses += len(todo)
            self.hits += len(keys) - len(todo)
        return np.stack([cached[k] for k in keys])
