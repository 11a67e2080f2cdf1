"""`tonecheck audit`: every input format gives the rows `Engine.check_many` gives; resume; workers; Ray."""

from __future__ import annotations

import csv
import email.message
import email.utils
import io
import json
import mailbox
import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tonecheck.cleanup import ContentType
from tonecheck.cli.audit import audit_command
from tonecheck.cli.audit_io import Mail, ParquetOutput, word_batches
from tonecheck.cli.main import build_parser
from tonecheck.engine import EmailInput, Engine
from tonecheck.settings import Settings

N = 240
CALM = [
    "Thanks for your patience while we looked into this.",
    "Your order ships on Monday.",
    "We have refunded the shipping fee to your card.",
    "Let me know if there is anything else I can do.",
    "I've attached the updated invoice for March.",
    "Happy to walk you through the setup on Thursday.",
    "The replacement part is already on its way.",
    "I'm sorry the first delivery went wrong.",
]
FLAGGED = [
    "As I said in my last email, the coupon expired on the 1st.",
    "You failed to attach the signed form.",
    "That's not on us; the carrier handles deliveries.",
    "Great, another ticket about the same bug. Fantastic.",
    "Per my last email, the deadline was Friday.",
    "You should have read the instructions before installing it!!!",
    "Hopefully the instructions are clearer this time.",
]
QUOTE = "\nOn Mon, 5 Jan 2026 at 09:12, Sam Lee wrote:\n> You failed to ship it. This is a joke!!!\n> Fix it now.\n"
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _emails() -> list[dict]:
    """Synthetic sent mail: about half calm, some with quoted history, some HTML-only, some with both parts."""
    rng = random.Random(13)
    out = []
    for i in range(N):
        sentences = rng.sample(CALM, 2)
        if rng.random() < 0.5:
            sentences.insert(rng.randrange(3), rng.choice(FLAGGED))
        when = START + timedelta(hours=7 * i)
        kind = ("plain", "plain", "quoted", "html", "both")[i % 5]
        plain = f"Hi Sam,\n\n{' '.join(sentences)}\n\nBest,\nDana\n" + (QUOTE if kind == "quoted" else "")
        html = ("<html><body><p>Hi Sam,</p>" + "".join(f"<p>{s}</p>" for s in sentences)
                + "<p>Best,<br>Dana</p><div class=\"gmail_quote\">On Mon, Sam wrote:<blockquote>"
                "You failed to ship it!!!</blockquote></div></body></html>")
        out.append({
            "id": f"<m{i:04d}@mail.example>", "date": when.isoformat(), "when": when, "kind": kind,
            # what a reader checks: the text/plain part when there is one
            "body": html if kind == "html" else plain,
            "content_type": ContentType.HTML if kind == "html" else ContentType.PLAIN,
            "plain": None if kind == "html" else plain, "html": html if kind in ("html", "both") else None,
        })
    return out


EMAILS = _emails()
SENTENCES = CALM + FLAGGED


def _message(e: dict) -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "dana@shop.example", "sam@customer.example", "Your order"
    msg["Message-ID"], msg["Date"] = e["id"], email.utils.format_datetime(e["when"])
    if e["plain"] is not None:
        msg.set_content(e["plain"])
        if e["html"] is not None:
            msg.add_alternative(e["html"], subtype="html")
    else:
        msg.set_content(e["html"], subtype="html")
    return msg


def write_input(fmt: str, folder: Path, emails: list[dict] = EMAILS) -> Path:
    """The emails in one input format (tables carry a text and an html column)."""
    table = [{"id": e["id"], "date": e["date"], "text": e["plain"], "html": e["html"]} for e in emails]
    if fmt == "mbox":
        path = folder / "sent.mbox"
        box = mailbox.mbox(path)
        for e in emails:
            box.add(_message(e))
        box.flush()
        box.close()
    elif fmt == "eml":
        path = folder / "sent"
        for i, e in enumerate(emails):
            (path / f"{i // 100:02d}").mkdir(parents=True, exist_ok=True)
            (path / f"{i // 100:02d}" / f"{i:04d}.eml").write_bytes(_message(e).as_bytes())
    elif fmt == "csv":
        path = folder / "sent.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, ["id", "date", "text", "html"])
            writer.writeheader()
            writer.writerows(table)
    elif fmt == "jsonl":
        path = folder / "sent.jsonl"
        # null fields left out, as JSON-lines exports often do: the first line has no html key
        path.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in table),
                        encoding="utf-8")
    else:
        path = folder / "sent.parquet"
        pq.write_table(pa.Table.from_pylist(table), path)
    return path


def expected_rows(engine: Engine) -> dict[str, dict]:
    """What `Engine.check_many` says about the same texts, one row per id."""
    reports = engine.check_many([EmailInput(e["body"], e["content_type"]) for e in EMAILS])
    return {
        e["id"]: {
            "date": e["date"], "verdict": r.verdict.value,
            "categories": sorted({f.category.value for f in r.findings}),
            "rule_ids": sorted({f.rule_id for f in r.findings}),
            "scores": {c.value: s for c, s in r.scores.items()},
        }
        for e, r in zip(EMAILS, reports, strict=True)
    }


@pytest.fixture(scope="module")
def expected_rules(rules_engine: Engine) -> dict[str, dict]:
    return expected_rows(rules_engine)


def audit(engine: Engine | None, *args: str, settings: Settings | None = None) -> tuple[int, str, str]:
    """Run `tonecheck audit ARGS` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    parsed = build_parser().parse_args(["audit", *args])
    code = audit_command(parsed, settings or Settings(use_classifier=False), out, err, engine)
    return code, out.getvalue(), err.getvalue()


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pq.read_table(path).to_pylist()


def assert_matches(rows: list[dict], expected: dict[str, dict]) -> None:
    """Same ids once each, same dates, verdicts, categories and rules; nearly the same scores."""
    assert sorted(r["id"] for r in rows) == sorted(expected)
    for row in rows:
        want = expected[row["id"]]
        got = {"date": row["date"], "verdict": row["verdict"], "categories": sorted(row["categories"]),
               "rule_ids": row["rule_ids"]}
        assert got == {k: want[k] for k in got}, row["id"]
        # the encoder's arithmetic (bf16 where the CPU has it) varies a little with what shares its batch
        assert row["scores"] == pytest.approx(want["scores"], abs=2e-3), row["id"]
        assert row["max_score"] == max(row["scores"].values())
        assert row["error"] is None


def assert_summary(summary: dict, rows: list[dict], share: float = 0.01) -> None:
    """The summary's rates and worst share, recomputed from the rows."""
    checked = len(rows)
    assert (summary["emails"], summary["checked"], summary["errors"]) == (checked, checked, 0)
    for verdict in ("send", "review", "hold"):
        count = sum(r["verdict"] == verdict for r in rows)
        assert summary["verdicts"][verdict] == {"count": count, "rate": round(count / checked, 6)}
    for cat, got in summary["categories"].items():
        assert got["count"] == sum(cat in r["categories"] for r in rows)
    rules = {rule for r in rows for rule in r["rule_ids"]}
    assert set(summary["rules"]) == rules
    for rule in rules:
        assert summary["rules"][rule]["count"] == sum(rule in r["rule_ids"] for r in rows)
    k = math.ceil(share * checked)
    worst = sorted(rows, key=lambda r: (-r["max_score"], r["id"]))[:k]
    assert [w["id"] for w in summary["worst"]["emails"]] == [r["id"] for r in worst]


# Input format -> output suffix: both writers are covered.
FORMATS = [("mbox", ".jsonl"), ("eml", ".parquet"), ("csv", ".jsonl"), ("jsonl", ".parquet"), ("parquet", ".jsonl")]


@pytest.mark.parametrize(("fmt", "suffix"), FORMATS)
def test_cli_audit_every_format_matches_check_many(
    tmp_path: Path, rules_engine: Engine, expected_rules: dict, fmt: str, suffix: str
) -> None:
    source = write_input(fmt, tmp_path)
    output, summary = tmp_path / f"rows{suffix}", tmp_path / "summary.json"
    code, out, err = audit(rules_engine, str(source), "-o", str(output), "--html-column", "html", "--jobs", "1",
                           "--summary", str(summary))
    assert code == 0, err
    rows = read_rows(output)
    assert_matches(rows, expected_rules)
    assert {r["verdict"] for r in rows} == {"send", "review", "hold"}
    # never the text unless --include-text: no column, and not one of the sentences anywhere in the output
    assert all("text" not in r for r in rows)
    blob = output.read_bytes() if output.is_file() else b"".join(p.read_bytes() for p in output.iterdir())
    assert not [s for s in SENTENCES if s.encode() in blob]
    written = json.loads(summary.read_text(encoding="utf-8"))
    assert_summary(written, rows)
    assert written["run"]["checked_now"] == N and f"{N} emails in {output}" in out


def test_cli_audit_include_text_writes_the_checked_text(tmp_path: Path, rules_engine: Engine) -> None:
    source = write_input("mbox", tmp_path, EMAILS[:10])
    code, _, err = audit(rules_engine, str(source), "-o", str(tmp_path / "rows.jsonl"), "--include-text")
    assert code == 0, err
    rows = read_rows(tmp_path / "rows.jsonl")
    plain = {e["id"]: e["body"] for e in EMAILS[:10] if e["content_type"] is ContentType.PLAIN}
    assert {r["id"]: r["text"] for r in rows if r["id"] in plain} == plain
    html = [r for r in rows if r["id"] not in plain]
    assert html and all(r["text"].startswith("Hi Sam,") and "<p>" not in r["text"] for r in html)  # rendered


class Counting:
    """An engine that counts the emails it is asked to check."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.versions, self.checked = engine, engine.versions, 0

    def check_many(self, emails: list[EmailInput]) -> list:
        self.checked += len(emails)
        return self.engine.check_many(emails)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_cli_audit_resume_skips_rows_already_written(
    tmp_path: Path, rules_engine: Engine, expected_rules: dict, suffix: str
) -> None:
    source = write_input("jsonl", tmp_path)
    output = tmp_path / f"rows{suffix}"
    # An audit interrupted after 100 rows: whole rows (marked, to see they are kept, not redone), then the
    # chunk it was writing when it stopped: a line cut short (JSONL) or a part file never renamed (Parquet).
    done = [{"id": e["id"], "date": e["date"], **{k: v for k, v in expected_rules[e["id"]].items() if k != "date"},
             "max_score": max(expected_rules[e["id"]]["scores"].values()), "findings": 0, "sentences": -1,
             "error": None} for e in EMAILS[:100]]
    if suffix == ".jsonl":
        output.write_text("".join(json.dumps(r) + "\n" for r in done) + '{"id": "<m0100@mail.exa', encoding="utf-8")
    else:
        ParquetOutput(output, include_text=False).write(done)
        (output / ".part-00001.parquet.tmp").write_bytes(b"PAR1 half a part")
    counting = Counting(rules_engine)
    code, out, err = audit(counting, str(source), "-o", str(output), "--html-column", "html", "--jobs", "1",
                           "--chunk-size", "64")
    assert code == 0, err
    assert counting.checked == N - 100
    assert "this run checked 140" in out and "100 were already done" in out
    rows = read_rows(output)
    assert_matches(rows, expected_rules)
    assert sum(r["sentences"] == -1 for r in rows) == 100
    if suffix == ".parquet":  # the half-written part is gone; the new rows are in parts after the first
        names = sorted(p.name for p in output.iterdir())
        assert names[0] == "part-00000.parquet" and len(names) > 2 and all(n.startswith("part-") for n in names)
    # run again: nothing left to check, no model needed, the same rows
    code, out, _ = audit(None, str(source), "-o", str(output), "--html-column", "html")
    assert code == 0 and "this run checked 0" in out and len(read_rows(output)) == N


def test_cli_audit_unreadable_mail_is_a_row_with_an_error(tmp_path: Path, rules_engine: Engine) -> None:
    box = mailbox.mbox(tmp_path / "odd.mbox")
    no_id = email.message.EmailMessage()
    no_id.set_content("Thanks, the refund is on its way.\n")
    attachment_only = email.message.EmailMessage()
    attachment_only["Message-ID"] = "<pdf@x>"
    attachment_only.set_content(b"%PDF-1.4", maintype="application", subtype="pdf")
    for msg in (no_id, attachment_only):
        box.add(msg)
    box.flush()
    code, out, err = audit(rules_engine, str(tmp_path / "odd.mbox"), "-o", str(tmp_path / "rows.jsonl"))
    assert code == 0, err
    first, second = read_rows(tmp_path / "rows.jsonl")
    assert (first["id"], first["verdict"], first["date"]) == ("odd.mbox#1", "send", None)
    assert (second["id"], second["verdict"], second["error"]) == ("<pdf@x>", None, "no text/plain or text/html part")
    assert "2 emails" in out and "(1 checked, 1 not checkable)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-column", "body"], "no column 'body' (columns: id, date, text, html)"),
        (["--id-column", "uid"], "no column 'uid'"),
        (["-o", "rows.csv"], "--output must end in .jsonl"),
    ],
)
def test_cli_audit_usage_errors_name_the_fix(tmp_path: Path, args: list[str], message: str) -> None:
    source = write_input("csv", tmp_path, EMAILS[:3])
    output = ["-o", str(tmp_path / "rows.jsonl")] if "-o" not in args else []
    code, _, err = audit(None, str(source), *output, *args)
    assert code == 2 and message in err, err


@pytest.mark.parametrize(
    ("missing", "args", "message"),
    [
        ("pyarrow", ["-o", "rows.parquet"], "pip install 'tonecheck[audit]'"),
        ("ray", ["-o", "rows.jsonl", "--engine", "ray"], "--engine ray needs Ray: pip install 'tonecheck[ray]'"),
    ],
)
def test_cli_audit_without_an_extra_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str, args: list[str], message: str
) -> None:
    source = write_input("csv", tmp_path, EMAILS[:3])
    monkeypatch.setitem(sys.modules, missing, None)  # import fails as when the extra is not installed
    monkeypatch.delitem(sys.modules, "tonecheck.cli.audit_ray", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = audit(None, str(source), *args)
    assert code == 2 and message in err, err


def test_cli_audit_batches_are_sized_by_words() -> None:
    mails = [Mail(str(i), None, "word " * n, None) for i, n in enumerate([10, 30, 70, 5, 200, 1])]
    assert [[m.id for m in b] for b in word_batches(mails, 100)] == [["0", "1", "2"], ["3", "4"], ["5"]]
    assert [len(b) for b in word_batches(mails, 10_000, most=4)] == [4, 2]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> tuple[Path, list[dict]]:
    """The JSONL input and the rows of one local audit with the full engine (classifier), one process."""
    folder = tmp_path_factory.mktemp("full")
    source = write_input("jsonl", folder)
    code, _, err = audit(engine, str(source), "-o", str(folder / "rows.jsonl"), "--html-column", "html",
                         "--jobs", "1", settings=Settings())
    assert code == 0, err
    return source, read_rows(folder / "rows.jsonl")


@pytest.mark.slow
def test_cli_audit_full_engine_matches_check_many_and_jobs_2_equals_jobs_1(
    tmp_path: Path, engine: Engine, full_run: tuple[Path, list[dict]]
) -> None:
    source, rows = full_run
    assert_matches(rows, expected_rows(engine))
    assert {r["verdict"] for r in rows} == {"send", "review", "hold"}
    code, _, err = audit(engine, str(source), "-o", str(tmp_path / "rows.jsonl"), "--html-column", "html",
                         "--jobs", "2", settings=Settings())
    assert code == 0, err
    assert read_rows(tmp_path / "rows.jsonl") == rows  # forked workers, same batches: the very same rows


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own, from its DataContext
def test_cli_audit_ray_gives_the_local_rows(tmp_path: Path, full_run: tuple[Path, list[dict]]) -> None:
    ray = pytest.importorskip("ray")
    source, rows = full_run
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        code, out, err = audit(None, str(source), "-o", str(tmp_path / "rows.parquet"), "--html-column", "html",
                               "--engine", "ray", settings=Settings())
    finally:
        ray.shutdown()
    assert code == 0, err
    by_id = sorted(read_rows(tmp_path / "rows.parquet"), key=lambda r: r["id"])
    assert by_id == sorted(rows, key=lambda r: r["id"])
    assert f"this run checked {N}" in out
