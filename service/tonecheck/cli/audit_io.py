"""`tonecheck audit`'s input and output: mail read from mbox, .eml, CSV, JSONL or Parquet; rows written to
JSONL or Parquet in chunks, so an interrupted audit resumes where its output ends.

pyarrow is an optional extra (`tonecheck[audit]`): it is imported only when Parquet is read or written.
"""

from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import functools
import heapq
import itertools
import json
import mailbox
import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tonecheck.cleanup import ContentType
from tonecheck.cli import INPUT_FORMATS
from tonecheck.errors import InputError
from tonecheck.findings import CATEGORIES

PARQUET_HINT = "Parquet needs pyarrow: pip install 'tonecheck[audit]'"
# The output's columns, in order; `text` only with --include-text.
COLUMNS = ("id", "date", "verdict", "categories", "rule_ids", "scores", "max_score", "findings", "sentences",
           "error")
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Mail:
    """One email to audit: its id and date as the input names them, and its body (or why it has none)."""

    id: str
    date: str | None
    text: str | None
    content_type: ContentType | None  # None: not declared, so the engine sniffs HTML
    error: str | None = None

    def words(self) -> int:
        """Approximate tokens, for sizing batches."""
        return len(self.text.split()) if self.text else 1


@dataclass(frozen=True, slots=True)
class Mapping:
    """Which columns (tables) or body part (mail) hold each field."""

    id_column: str | None = None  # None: "id" when the input has it, else the row number
    text_column: str = "text"
    date_column: str | None = None  # None: "date" when the input has it
    html_column: str | None = None
    content_type_column: str | None = None
    prefer: str = "plain"  # which body a message with both parts is checked by; a table with both columns


@dataclass(frozen=True, slots=True)
class Source:
    """The mail of one input, read lazily, and how many there are when that is cheap to know."""

    mails: Iterator[Mail]
    total: int | None


def pyarrow_modules() -> tuple[Any, Any, Any]:
    """(pyarrow, pyarrow.parquet, pyarrow.dataset), or an `InputError` naming the extra to install."""
    try:
        import pyarrow
        import pyarrow.dataset
        import pyarrow.parquet
    except ImportError as exc:
        raise InputError(PARQUET_HINT) from exc
    return pyarrow, pyarrow.parquet, pyarrow.dataset


# ---------------------------------------------------------------------------------------------- input


def _is_eml(path: Path) -> bool:
    return path.suffix.lower() == ".eml" and path.is_file()


def detect_format(path: Path) -> str:
    """The input format from the path: a folder of .eml or .parquet files, a file's suffix, or an mbox."""
    if path.is_dir():
        if any(_is_eml(p) for p in path.rglob("*")):
            return "eml"
        if next(path.rglob("*.parquet"), None) is not None:
            return "parquet"
        raise InputError(f"{path}: a folder must hold .eml or .parquet files; pass --input-format")
    suffix = path.suffix.lower()
    by_suffix = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet",
                 ".mbox": "mbox", ".mbx": "mbox", ".eml": "eml"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    try:
        with path.open("rb") as f:
            if f.read(5) == b"From ":
                return "mbox"
    except OSError as exc:
        raise InputError(f"{path}: cannot read the input: {exc.strerror}") from exc
    raise InputError(f"{path}: cannot tell the format from the name; pass --input-format "
                     f"({', '.join(INPUT_FORMATS)})")


def read_input(path: Path, fmt: str, mapping: Mapping) -> Source:
    """The mail in `path`, read as `fmt`."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    readers = {"mbox": _read_mbox, "eml": _read_eml_folder, "csv": _read_csv, "jsonl": _read_jsonl,
               "parquet": _read_parquet}
    return readers[fmt](path, mapping)


def _header_date(msg: EmailMessage) -> str | None:
    """The Date header as ISO 8601 when it parses, else as written."""
    raw = msg.get("Date")
    if raw is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return str(raw).strip() or None
    return parsed.isoformat()


def mail_of_message(msg: EmailMessage, fallback_id: str, prefer: str = "plain") -> Mail:
    """A parsed message as a `Mail`: Message-ID (or `fallback_id`), Date, and its text/plain or text/html body."""
    try:
        message_id = str(msg.get("Message-ID") or "").strip() or fallback_id
    except Exception:  # a malformed header must not stop the audit
        message_id = fallback_id
    try:
        when = _header_date(msg)
    except Exception:
        when = None
    order = ("plain", "html") if prefer == "plain" else ("html", "plain")
    body = msg.get_body(preferencelist=order)
    if body is None:
        return Mail(message_id, when, None, None, "no text/plain or text/html part")
    try:
        text = body.get_content()
    except (LookupError, ValueError) as exc:
        return Mail(message_id, when, None, None, f"cannot decode the body: {exc}")
    html = body.get_content_type() == "text/html"
    if not text.strip():
        return Mail(message_id, when, None, None, "empty body")
    return Mail(message_id, when, text, ContentType.HTML if html else ContentType.PLAIN)


def _parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def _read_mbox(path: Path, mapping: Mapping) -> Source:
    box = mailbox.mbox(path, create=False)
    keys = box.keys()  # scans the file once for message boundaries; messages are read one at a time

    def mails() -> Iterator[Mail]:
        for n, key in enumerate(keys, 1):
            yield mail_of_message(_parse(box.get_bytes(key)), f"{path.name}#{n}", mapping.prefer)

    return Source(mails(), len(keys))


def _read_eml_folder(path: Path, mapping: Mapping) -> Source:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if _is_eml(p))
    base = path.parent if path.is_file() else path

    def mails() -> Iterator[Mail]:
        for file in files:
            name = file.relative_to(base).as_posix()
            try:
                data = file.read_bytes()
            except OSError as exc:
                yield Mail(name, None, None, None, f"cannot read the file: {exc.strerror}")
                continue
            yield mail_of_message(_parse(data), name, mapping.prefer)

    return Source(mails(), len(files))


class _Columns:
    """Turns table rows into `Mail`, once the column names are known."""

    def __init__(self, mapping: Mapping, names: Iterable[str], where: str) -> None:
        names = list(names)
        present = set(names)
        self.mapping = mapping

        def need(column: str | None, option: str) -> None:
            if column is not None and column not in present:
                raise InputError(f"{where}: no column '{column}' (columns: {', '.join(names)}); pass {option}")

        need(mapping.id_column, "--id-column")
        need(mapping.html_column, "--html-column")
        need(mapping.content_type_column, "--content-type-column")
        need(mapping.date_column, "--date-column")
        self.id = mapping.id_column or ("id" if "id" in present else None)
        self.date = mapping.date_column or ("date" if "date" in present else None)
        self.text = mapping.text_column if mapping.text_column in present else None
        if self.text is None and mapping.html_column is None:
            need(mapping.text_column, "--text-column or --html-column")
        self.bodies = [(self.text, False), (mapping.html_column, True)]
        if mapping.prefer == "html":
            self.bodies.reverse()

    def mail(self, row: dict[str, Any], n: int) -> Mail:
        """Row `n` (1-based) as a `Mail`."""
        ident = _cell(row.get(self.id)) if self.id else None
        when = _cell(row.get(self.date)) if self.date else None
        ident = ident or f"#{n}"
        for column, html in self.bodies:
            text = _cell(row.get(column)) if column else None
            if text and text.strip():
                return Mail(ident, when, text, self._content_type(row, html))
        return Mail(ident, when, None, None, "empty body")

    def _content_type(self, row: dict[str, Any], html: bool) -> ContentType | None:
        if html:
            return ContentType.HTML
        if self.mapping.content_type_column is None:
            return None
        declared = (_cell(row.get(self.mapping.content_type_column)) or "").split(";")[0].strip().lower()
        return ContentType.HTML if declared == "text/html" else ContentType.PLAIN if declared else None


def _cell(value: Any) -> str | None:
    """A table cell as text: dates as ISO 8601, numbers as written, empty as None."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if text != "" else None


def _read_csv(path: Path, mapping: Mapping) -> Source:
    csv.field_size_limit(2**31 - 1)  # an email body is often over the 128 KB default
    f = path.open(encoding="utf-8-sig", newline="")
    reader = csv.DictReader(f)
    try:
        columns = _Columns(mapping, reader.fieldnames or [], str(path))
    except (csv.Error, UnicodeDecodeError, InputError) as exc:
        f.close()
        raise exc if isinstance(exc, InputError) else InputError(f"{path}: not a UTF-8 CSV file ({exc})") from exc

    def mails() -> Iterator[Mail]:
        with f:
            try:
                for n, row in enumerate(reader, 1):
                    yield columns.mail(row, n)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InputError(f"{path}: line {reader.line_num}: {exc}") from exc

    return Source(mails(), None)


JSONL_SNIFF = 100  # JSON lines often leave out null fields: the columns are the keys of the first 100 lines


def _objects(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8-sig") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{line_no}: not valid JSON ({exc.msg})") from exc
                if not isinstance(obj, dict):
                    raise InputError(f"{path}:{line_no}: each line must be a JSON object")
                yield obj
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 ({exc.reason}); save it as UTF-8") from exc


def _read_jsonl(path: Path, mapping: Mapping) -> Source:
    objects = _objects(path)
    head = list(itertools.islice(objects, JSONL_SNIFF))
    columns = _Columns(mapping, dict.fromkeys(k for obj in head for k in obj), str(path))

    def mails() -> Iterator[Mail]:
        for n, obj in enumerate(itertools.chain(head, objects), 1):
            yield columns.mail(obj, n)

    return Source(mails(), None)


def _read_parquet(path: Path, mapping: Mapping) -> Source:
    _, _, ds = pyarrow_modules()
    dataset = ds.dataset(path, format="parquet")
    columns = _Columns(mapping, dataset.schema.names, str(path))
    wanted = [c for c in (columns.id, columns.date, columns.text, mapping.html_column,
                          mapping.content_type_column) if c]

    def mails() -> Iterator[Mail]:
        n = 0
        for batch in dataset.to_batches(columns=list(dict.fromkeys(wanted)), batch_size=1024):
            for row in batch.to_pylist():
                n += 1
                yield columns.mail(row, n)

    return Source(mails(), dataset.count_rows())


def word_batches(mails: Iterable[Mail], words: int, most: int = 256) -> Iterator[list[Mail]]:
    """Consecutive mails grouped to about `words` words (at most `most` mails) per engine call."""
    batch: list[Mail] = []
    size = 0
    for mail in mails:
        batch.append(mail)
        size += mail.words()
        if size >= words or len(batch) >= most:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# --------------------------------------------------------------------------------------------- output


def error_row(mail: Mail, include_text: bool) -> Row:
    """The row of a mail that could not be checked."""
    row: Row = {"id": mail.id, "date": mail.date, "verdict": None, "categories": [], "rule_ids": [],
                "scores": None, "max_score": None, "findings": None, "sentences": None, "error": mail.error}
    if include_text:
        row["text"] = mail.text
    return row


def parquet_schema(include_text: bool) -> Any:
    """The Parquet schema of the rows."""
    pa, _, _ = pyarrow_modules()
    fields = [
        ("id", pa.string()), ("date", pa.string()), ("verdict", pa.string()),
        ("categories", pa.list_(pa.string())), ("rule_ids", pa.list_(pa.string())),
        ("scores", pa.struct([(c.value, pa.float64()) for c in CATEGORIES])), ("max_score", pa.float64()),
        ("findings", pa.int32()), ("sentences", pa.int32()), ("error", pa.string()),
    ]
    if include_text:
        fields.append(("text", pa.string()))
    return pa.schema(fields)


class Output:
    """Where rows go: appended in chunks, and read back to resume and to summarise."""

    path: Path
    include_text: bool

    def done(self) -> tuple[set[str], int]:
        """Ids already written, and how many rows hold them (after repairing a chunk cut short)."""
        ids: set[str] = set()
        rows = 0
        for row in self.rows(("id",)):
            ids.add(row["id"])
            rows += 1
        return ids, rows

    def rows(self, columns: tuple[str, ...]) -> Iterator[Row]:  # pragma: no cover - abstract
        """Every row written so far, with only `columns`."""
        raise NotImplementedError

    def write(self, rows: list[Row]) -> None:  # pragma: no cover - abstract
        """Add `rows` durably: after this returns, an interrupt cannot lose them."""
        raise NotImplementedError


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class JsonlOutput(Output):
    """One JSON object per line, appended chunk by chunk; a line cut short by an interrupt is dropped."""

    def __init__(self, path: Path, include_text: bool) -> None:
        self.path = path
        self.include_text = include_text

    def rows(self, columns: tuple[str, ...]) -> Iterator[Row]:
        """Every row written so far, with only `columns`."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{self.path}:{line_no}: not a row of tonecheck audit ({exc.msg}); "
                                     "write to a new --output") from exc
                yield {c: row.get(c) for c in columns}

    def _same_columns(self, row: Row) -> None:
        if "verdict" not in row or "id" not in row:
            raise InputError(f"{self.path}: not the output of tonecheck audit; write to a new --output")
        if ("text" in row) != self.include_text:
            raise InputError(f"{self.path} was written {'with' if 'text' in row else 'without'} --include-text; "
                             "resume with the same option or write to a new --output")

    def done(self) -> tuple[set[str], int]:
        """Ids already written; a last line an interrupt cut short is dropped (a broken line before it is an error)."""
        ids: set[str] = set()
        rows = 0
        if not self.path.exists():
            return ids, rows
        torn: tuple[int, int] | None = None  # (line number, offset) of a line that does not parse
        offset = 0
        with self.path.open("rb+") as f:
            for line_no, line in enumerate(f, 1):
                if torn is not None:
                    raise InputError(f"{self.path}:{torn[0]}: not a row of tonecheck audit; write to a new --output")
                if line.strip():
                    try:
                        row = json.loads(line)
                    except ValueError:
                        row = None
                    if isinstance(row, dict):
                        if rows == 0:
                            self._same_columns(row)
                        ids.add(str(row["id"]))
                        rows += 1
                        if not line.endswith(b"\n"):
                            f.write(b"\n")  # the row is whole; only its line break was lost
                    else:
                        torn = (line_no, offset)
                offset += len(line)
            if torn is not None:
                f.truncate(torn[1])
        return ids, rows

    def write(self, rows: list[Row]) -> None:
        """Append `rows`, flushed and synced."""
        if not rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        blob = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())


class ParquetOutput(Output):
    """A folder of part files (`part-00000.parquet`, ...), one per chunk, each written whole then renamed.

    Any Parquet reader takes the folder as one table (`pyarrow.parquet.read_table`, pandas, DuckDB, Spark).
    """

    PART = "part-{:05d}.parquet"

    def __init__(self, path: Path, include_text: bool) -> None:
        pa, pq, _ = pyarrow_modules()
        self.pa, self.pq = pa, pq
        self.path = path
        self.include_text = include_text
        self.schema = parquet_schema(include_text)
        if path.exists() and not path.is_dir():
            raise InputError(f"{path}: Parquet output is a folder of part files, and this is a file; "
                             "choose another --output")

    def _parts(self) -> list[Path]:
        return sorted(self.path.glob("part-*.parquet")) if self.path.is_dir() else []

    def rows(self, columns: tuple[str, ...]) -> Iterator[Row]:
        """Every row written so far, with only `columns`."""
        for part in self._parts():
            file = self.pq.ParquetFile(part)
            written_with_text = "text" in file.schema_arrow.names
            if written_with_text != self.include_text:
                raise InputError(f"{self.path} was written {'with' if written_with_text else 'without'} "
                                 "--include-text; resume with the same option or write to a new --output")
            for batch in file.iter_batches(columns=list(columns), batch_size=8192):
                yield from batch.to_pylist()

    def done(self) -> tuple[set[str], int]:
        """Ids already written; a part file an interrupt left half-written (`.tmp`) is removed."""
        if self.path.is_dir():
            for tmp in self.path.glob(".part-*.tmp"):
                tmp.unlink()
        return super().done()

    def write(self, rows: list[Row]) -> None:
        """Write `rows` as the next part file: to a temporary name first, so a part is whole or absent."""
        if not rows:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        parts = self._parts()
        number = int(parts[-1].name[5:10]) + 1 if parts else 0
        final = self.path / self.PART.format(number)
        tmp = self.path / f".{final.name}.tmp"
        table = self.pa.Table.from_pylist(rows, schema=self.schema)
        self.pq.write_table(table, tmp)
        _fsync(tmp)
        os.replace(tmp, final)
        _fsync(self.path)


def open_output(path: Path, include_text: bool) -> Output:
    """The writer for `--output`, chosen by its suffix."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return JsonlOutput(path, include_text)
    if suffix in (".parquet", ".pq"):
        return ParquetOutput(path, include_text)
    raise InputError(f"{path}: --output must end in .jsonl (JSON lines) or .parquet (a folder of part files)")


# -------------------------------------------------------------------------------------------- summary


def summarize(rows: Iterable[Row], total_rows: int, worst_share: float) -> dict[str, Any]:
    """Rates per verdict, category and rule over the checked rows, and the worst-scoring share with ids.

    `total_rows` (at least the rows to come) bounds the heap that keeps the worst ones.
    """
    keep = max(1, math.ceil(worst_share * total_rows))
    worst: list[tuple[float, str, str]] = []  # a min-heap of (max_score, negated-order id, verdict)
    verdicts: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    emails = errors = 0
    for row in rows:
        emails += 1
        if row.get("error") is not None or row.get("verdict") is None:
            errors += 1
            continue
        verdicts[row["verdict"]] += 1
        categories.update(row.get("categories") or [])
        rules.update(row.get("rule_ids") or [])
        item = (float(row.get("max_score") or 0.0), _Desc(row["id"]), row["verdict"])
        if len(worst) < keep:
            heapq.heappush(worst, item)
        elif item > worst[0]:
            heapq.heapreplace(worst, item)
    checked = emails - errors

    def rate(counter: Counter[str], names: Iterable[str]) -> dict[str, dict[str, float | int]]:
        return {n: {"count": counter[n], "rate": round(counter[n] / checked, 6) if checked else 0.0} for n in names}

    count = min(len(worst), math.ceil(worst_share * checked)) if checked else 0
    top = sorted(worst, reverse=True)[:count]
    return {
        "emails": emails,
        "checked": checked,
        "errors": errors,
        "verdicts": rate(verdicts, ("send", "review", "hold")),
        "categories": rate(categories, [c.value for c in CATEGORIES]),
        "rules": rate(rules, sorted(rules, key=lambda r: (-rules[r], r))),
        "worst": {
            "share": worst_share,
            "count": len(top),
            "min_max_score": top[-1][0] if top else None,
            "emails": [{"id": d.value, "max_score": s, "verdict": v} for s, d, v in top],
        },
    }


@functools.total_ordering
class _Desc:
    """An id that sorts in reverse, so among equal scores the heap keeps (and the list shows) ids in order."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)
