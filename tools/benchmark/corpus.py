"""The benchmark's emails (short, typical, long customer-service replies) and the template folder built from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

EMAILS_DIR = Path(__file__).resolve().parent / "emails"
SIZES = ("short", "typical", "long")
# The greeting's name becomes a template value, as in a real template folder (and cleanup masks it).
_GREETING = re.compile(r"^(Hi|Hello|Dear) [A-Z][a-z]+,", re.M)


@dataclass(frozen=True, slots=True)
class BenchEmail:
    """One benchmark email: its file name, size class and text."""

    name: str
    size: str
    text: str

    @property
    def words(self) -> int:
        """Whitespace-separated words, signature and greeting included."""
        return len(self.text.split())


def load_emails(folder: Path = EMAILS_DIR) -> dict[str, list[BenchEmail]]:
    """The emails by size class, from `<size>-<n>.txt` files, in name order."""
    out: dict[str, list[BenchEmail]] = {size: [] for size in SIZES}
    for path in sorted(folder.glob("*.txt")):
        size = path.stem.split("-", 1)[0]
        if size in out:
            out[size].append(BenchEmail(path.name, size, path.read_text(encoding="utf-8")))
    missing = [size for size, emails in out.items() if not emails]
    if missing:
        raise FileNotFoundError(f"{folder}: no benchmark emails for {', '.join(missing)}")
    return out


def capped_email(emails: dict[str, list[BenchEmail]], max_bytes: int) -> str:
    """The long emails' bodies repeated up to just under the request size cap: the worst case accepted."""
    bodies = [e.text for e in emails["long"]]
    parts: list[str] = []
    size = 0
    while True:
        body = bodies[len(parts) % len(bodies)] + "\n"
        if size + len(body.encode("utf-8")) > max_bytes - 1_000:  # room for the JSON wrapper
            return "".join(parts)
        parts.append(body)
        size += len(body.encode("utf-8"))


def write_templates(folder: Path, count: int, emails: dict[str, list[BenchEmail]]) -> list[Path]:
    """`count` Jinja templates in `folder`, cycling through every benchmark email, greeting name templated."""
    every = [e for size in SIZES for e in emails[size]]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        email = every[i % len(every)]
        text = _GREETING.sub(lambda m: f"{m.group(1)} {{{{ customer.first_name }}}},", email.text, count=1)
        path = folder / f"{i:04d}-{Path(email.name).stem}.j2"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
