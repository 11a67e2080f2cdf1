"""The one result type that crosses module boundaries, and the small vocabularies around it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Category(StrEnum):
    """What a finding says about the wording (see the labeling guide)."""

    TOLD_YOU_SO = "told_you_so"
    BLAME = "blame"
    DEFENSIVE = "defensive"
    HEATED = "heated"


CATEGORIES: tuple[Category, ...] = tuple(Category)


class Source(StrEnum):
    """Which detector produced a finding."""

    RULE = "rule"
    MODEL = "model"
    BOTH = "both"
    CLEAR = "clear"  # an `action: clear` rule's cue: combine consumes it, the writer never sees it


class Severity(StrEnum):
    """How much a finding matters; `high` findings are never downgraded by the model."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Verdict(StrEnum):
    """What the writer should do with the draft."""

    SEND = "send"
    REVIEW = "review"
    HOLD = "hold"


class Sensitivity(StrEnum):
    """How readily a category is flagged: `default` puts precision first, as a false hold costs a user."""

    STRICT = "strict"
    DEFAULT = "default"
    RELAXED = "relaxed"


def sensitivity_map(value: Sensitivity | Mapping[Category, Sensitivity] | None) -> dict[Category, Sensitivity]:
    """One level for every category, or a per-category mapping, as a mapping."""
    if value is None:
        return {}
    if isinstance(value, Sensitivity):
        return dict.fromkeys(CATEGORIES, value)
    return dict(value)


def parse_sensitivity(spec: str) -> dict[Category, Sensitivity]:
    """`strict`, or `heated=relaxed,blame=strict` (the CLI's and the query string's form)."""
    levels = ", ".join(s.value for s in Sensitivity)
    names = ", ".join(c.value for c in CATEGORIES)
    spec = spec.strip()
    if "=" not in spec:
        if spec not in {s.value for s in Sensitivity}:
            raise ValueError(f"sensitivity '{spec}' is not one of {levels} (or CATEGORY=LEVEL pairs)")
        return sensitivity_map(Sensitivity(spec))
    out: dict[Category, Sensitivity] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, level = (x.strip() for x in part.partition("="))
        if name not in {c.value for c in CATEGORIES}:
            raise ValueError(f"sensitivity: '{name}' is not a category ({names})")
        if level not in {s.value for s in Sensitivity}:
            raise ValueError(f"sensitivity: '{level}' for {name} is not one of {levels}")
        out[Category(name)] = Sensitivity(level)
    return out


class IgnoredKind(StrEnum):
    """Why a range of the input is never judged."""

    QUOTE = "quote"
    SIGNATURE = "signature"
    DISCLAIMER = "disclaimer"
    PLACEHOLDER = "placeholder"
    SUPPRESSED = "suppressed"
    MARKUP = "markup"  # HTML tags and comments of a template checked where it stands (CI)


@dataclass(frozen=True, slots=True)
class TextRange:
    """A half-open range `[start, end)` of code points in the analysed text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class IgnoredRange:
    """A range that cleanup removed from judgement, and why."""

    start: int
    end: int
    kind: IgnoredKind


@dataclass(frozen=True, slots=True)
class Finding:
    """One flagged span: what, where, how sure, why, and how to say it better."""

    category: Category
    rule_id: str
    source: Source
    severity: Severity
    score: float
    start: int
    end: int
    message: str
    suggestions: tuple[str, ...] = ()
    explanation: str = ""
    sentence: TextRange | None = field(default=None, compare=False)

    def with_(self, **changes: object) -> Finding:
        """A copy with some fields changed (findings are immutable)."""
        return replace(self, **changes)
