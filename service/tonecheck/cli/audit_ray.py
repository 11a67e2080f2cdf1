"""`tonecheck audit --engine ray`: the same batches checked by Ray Data actors, each loading the engine once.

Imported only when `--engine ray` is chosen, so the runtime never needs Ray (`pip install 'tonecheck[ray]'`).
The driver reads the input with the same readers as the local engine and puts each batch (about
`--batch-words` words) into Ray's object store as one Arrow block; `map_batches` hands every block whole to
an actor of an `ActorPoolStrategy` pool, and the rows stream back to the driver, which writes them in chunks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import ray
import ray.data

from tonecheck.cleanup import ContentType
from tonecheck.cli.audit_check import Levels, check_batch
from tonecheck.cli.audit_io import Mail, Row, parquet_schema

MAIL_SCHEMA = pa.schema([("id", pa.string()), ("date", pa.string()), ("text", pa.string()),
                         ("content_type", pa.string()), ("error", pa.string())])


def mails_table(mails: list[Mail]) -> pa.Table:
    """A batch of mail as one Arrow block."""
    return pa.Table.from_pylist(
        [{"id": m.id, "date": m.date, "text": m.text, "error": m.error,
          "content_type": m.content_type.value if m.content_type else None} for m in mails],
        schema=MAIL_SCHEMA,
    )


def mails_of(table: pa.Table) -> list[Mail]:
    """The mail of one Arrow block."""
    return [Mail(r["id"], r["date"], r["text"], ContentType(r["content_type"]) if r["content_type"] else None,
                 r["error"]) for r in table.to_pylist()]


class Checker:
    """A Ray actor: loads the engine once (its own settings, from the worker's environment), then checks blocks."""

    def __init__(self, settings_update: dict[str, Any], include_text: bool, levels: Levels) -> None:
        from tonecheck.engine import build_engine
        from tonecheck.settings import get_settings

        self.engine = build_engine(get_settings().model_copy(update=settings_update))
        self.include_text = include_text
        self.levels = levels
        self.schema = parquet_schema(include_text)

    def __call__(self, block: pa.Table) -> pa.Table:
        """The rows of one block, as the local engine would write them."""
        rows = check_batch(self.engine, mails_of(block), self.include_text, self.levels)
        return pa.Table.from_pylist(rows, schema=self.schema)


def _quiet_data() -> None:
    """Ray Data's own progress bars and logs off: the audit has its own bar."""
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.enable_operator_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.enable_auto_log_stats = False


def run_ray(
    batches: Iterable[list[Mail]],
    *,
    jobs: int | None,
    address: str | None,
    include_text: bool,
    levels: Levels,
    settings_update: dict[str, Any],
) -> Iterator[list[Row]]:
    """Rows block by block, in the order the actors finish them.

    Starts Ray here unless it is already running in this process or `address` (or RAY_ADDRESS, which `ray job
    submit` sets) names a cluster; `jobs` actors (default: one per CPU of the cluster), each with one CPU.
    """
    started = False
    if not ray.is_initialized():
        options: dict[str, Any] = {"address": address, "logging_level": logging.WARNING}
        if address is None and not os.environ.get("RAY_ADDRESS") and jobs:  # a new local Ray, not `ray job submit`'s
            options["num_cpus"] = jobs
        ray.init(**options)
        started = True
    try:
        _quiet_data()
        # The whole input goes into the object store first (it spills to disk when full); reading is far
        # faster than checking, so the actors still start at once.
        refs = [ray.put(mails_table(batch)) for batch in batches]
        if not refs:
            return
        size = jobs or max(1, int(ray.cluster_resources().get("CPU", 1)))
        env = {k: v for k, v in os.environ.items() if k.startswith("TONECHECK_")}
        ds = ray.data.from_arrow_refs(refs).map_batches(
            Checker,
            fn_constructor_kwargs={"settings_update": settings_update, "include_text": include_text,
                                   "levels": levels},
            compute=ray.data.ActorPoolStrategy(size=min(size, len(refs))),
            batch_size=None,  # each block is one word-sized batch: one check_many call, as locally
            batch_format="pyarrow",
            num_cpus=1,
            **({"runtime_env": {"env_vars": env}} if env else {}),
        )
        for table in ds.iter_batches(batch_format="pyarrow", batch_size=None):
            yield table.to_pylist()
    finally:
        if started:
            ray.shutdown()
