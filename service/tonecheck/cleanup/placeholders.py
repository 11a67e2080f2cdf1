"""Find template syntax (Jinja, Handlebars/Mustache, Liquid, `${ }`) so it never flags or shifts offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tonecheck.findings import IgnoredKind, IgnoredRange

# Order matters: comment blocks first (their text may hold `}}` or `%}`), then triple braces before
# double, so `{{{ x }}}` is one placeholder. Bounded lengths keep a stray `{{` from swallowing the
# rest of a large file. Only the tags are masked: the text between `{% if %}` and `{% endif %}`
# (or `{{#if}}` and `{{/if}}`) is the writer's and is still checked.
_PLACEHOLDER = re.compile(
    r"\{%-?\s*comment\s*-?%\}.{0,20000}?\{%-?\s*endcomment\s*-?%\}"  # Liquid comment block
    r"|\{\{~?!--.{0,5000}?--~?\}\}"  # Handlebars long comment `{{!-- --}}`
    r"|\{\{\{.{0,200}?\}\}\}"
    r"|\{\{.{0,400}?\}\}"
    r"|\{%.{0,2000}?%\}"  # Liquid `{% liquid %}` tags run over several lines
    r"|\{#.{0,2000}?#\}"
    r"|\$\{[^{}\n]{0,200}\}",
    re.S,
)
# Tags that only steer the template (blocks, comments, partials, delimiter changes) read as nothing;
# values read as a word. `-` and `~` are Jinja/Liquid and Handlebars whitespace control.
_STRUCTURAL = re.compile(r"^(\{%|\{#|\{\{[-~]?\s*([#/!^>=]|else\b))")


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A placeholder range and whether it stands for a value (a word) or for structure (nothing)."""

    range: IgnoredRange
    is_value: bool


def find_placeholders(text: str) -> list[Placeholder]:
    """Every template placeholder in `text`."""
    found = []
    for m in _PLACEHOLDER.finditer(text):
        rng = IgnoredRange(m.start(), m.end(), IgnoredKind.PLACEHOLDER)
        found.append(Placeholder(rng, not _STRUCTURAL.match(m.group())))
    return found
