"""Inline suppressions: `tonecheck: off` / `tonecheck: on` and `tonecheck-disable-next-line RULE -- reason`.

They live in any comment the file allows (`<!-- -->`, `{# #}`, `{{! }}`, `{{!-- --}}`). A suppressed
finding is not dropped silently: the engine moves it to `Report.suppressed`, and reports count it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tonecheck.errors import InputError
from tonecheck.findings import IgnoredKind, IgnoredRange
from tonecheck.offsets import LineIndex

_COMMENT = re.compile(
    r"<!--(?P<html>.*?)-->|\{#(?P<jinja>.*?)#\}|\{\{~?!--(?P<hbs_long>.*?)--~?\}\}|\{\{~?!(?P<hbs>.*?)~?\}\}",
    re.S,
)
_DIRECTIVE = re.compile(r"tonecheck(?P<kind>:|-disable-next-line\b)(?P<rest>.*)\Z", re.S)
_SWITCH = re.compile(r"\s*(?P<state>off|on)\b(?P<rest>.*)\Z", re.S)
_TARGET = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)?$")


@dataclass(frozen=True, slots=True)
class Suppression:
    """Findings starting in `[start, end)` are suppressed: for the listed rules or categories, else all."""

    start: int
    end: int
    line: int
    targets: frozenset[str] = frozenset()
    reason: str = ""

    def covers(self, rule_id: str, category: str, offset: int) -> bool:
        """True when a finding of `rule_id`/`category` starting at `offset` is suppressed here."""
        if not self.start <= offset < self.end:
            return False
        return not self.targets or rule_id in self.targets or category in self.targets


@dataclass(frozen=True, slots=True)
class Directives:
    """The suppressions a file declares, and the comments that declare them (never checked themselves)."""

    suppressions: tuple[Suppression, ...]
    comments: tuple[IgnoredRange, ...]


def _split_reason(rest: str) -> tuple[str, str]:
    """`"blame.x, heated -- the customer asked"` -> (`"blame.x, heated"`, `"the customer asked"`)."""
    body, _, reason = rest.partition("--")
    return body.strip(), " ".join(reason.split())


def find_directives(text: str, name: str = "<input>") -> Directives:
    """Every `tonecheck` directive in a comment of `text`; a malformed one raises `InputError` (with line)."""
    lines = LineIndex(text)
    suppressions: list[Suppression] = []
    comments: list[IgnoredRange] = []
    off_at: tuple[int, int, str] | None = None  # (offset, line, reason) of an open `tonecheck: off`
    for m in _COMMENT.finditer(text):
        content = next(g for g in m.groups() if g is not None).strip(" \t\r\n-~")
        directive = _DIRECTIVE.match(content)
        if directive is None:
            continue
        line = lines.line_of(m.start())
        comments.append(IgnoredRange(m.start(), m.end(), IgnoredKind.MARKUP))
        if directive["kind"] == ":":
            switch = _SWITCH.match(directive["rest"])
            extra, reason = _split_reason(switch["rest"]) if switch else ("?", "")
            if switch is None or extra:
                raise InputError(f"{name}:{line}: write `tonecheck: off` or `tonecheck: on` "
                                 f"(to silence one rule use `tonecheck-disable-next-line RULE`)")
            if switch["state"] == "off" and off_at is None:
                off_at = (m.end(), line, reason)
            elif switch["state"] == "on" and off_at is not None:
                suppressions.append(Suppression(off_at[0], m.start(), off_at[1], reason=off_at[2]))
                off_at = None
            continue
        body, reason = _split_reason(directive["rest"])
        targets = frozenset(t for t in re.split(r"[\s,]+", body) if t)
        bad = sorted(t for t in targets if not _TARGET.match(t))
        if bad:
            raise InputError(f"{name}:{line}: '{bad[0]}' is not a rule id or category; "
                             "write `tonecheck-disable-next-line blame.should_have -- reason`")
        next_line = lines.line_of(m.end()) + 1
        suppressions.append(
            Suppression(lines.start_of(next_line), lines.start_of(next_line + 1), line, targets, reason)
        )
    if off_at is not None:
        suppressions.append(Suppression(off_at[0], len(text), off_at[1], reason=off_at[2]))
    return Directives(tuple(suppressions), tuple(comments))
