"""Request and response models: the documented shape of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tonecheck.cleanup import ContentType
from tonecheck.findings import Category, IgnoredKind, Sensitivity, Severity, Source, Verdict
from tonecheck.offsets import OffsetUnit


class CheckRequest(BaseModel):
    """One draft to check."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The draft, as plain text or HTML (quoted history may stay in).")
    content_type: ContentType | None = Field(
        None, description="`text/plain` or `text/html`; when left out, an HTML body is recognised by its tags."
    )
    offset_unit: OffsetUnit = Field(OffsetUnit.CODEPOINT, description="Unit of every `start`/`end`.")
    sensitivity: Sensitivity | dict[Category, Sensitivity] | None = Field(
        None,
        description="`strict`, `default` or `relaxed` for every category, or per category "
        '(`{"heated": "relaxed"}`). Default puts precision first.',
    )


class BatchRequest(BaseModel):
    """Several drafts in one call."""

    model_config = ConfigDict(extra="forbid")

    emails: list[CheckRequest] = Field(min_length=1, description="The drafts, checked in one batch.")


class FindingOut(BaseModel):
    """One flagged span."""

    category: Category
    rule_id: str = Field(description="The rule's id, or `model.<category>` for a classifier finding.")
    source: Literal[Source.RULE, Source.MODEL, Source.BOTH] = Field(
        description="rule, model, or both (a rule the classifier agrees with).")
    severity: Severity
    score: float = Field(ge=0, le=1, description="Estimated chance a reviewer would flag this span (README).")
    start: int = Field(description="Start offset, inclusive, in `offset_unit`.")
    end: int = Field(description="End offset, exclusive, in `offset_unit`.")
    text: str = Field(description="The flagged words.")
    message: str
    suggestions: list[str]
    explanation: str = Field(description="Why it fired.")


class HoldOut(BaseModel):
    """The advice to wait before sending a heated draft."""

    recommended: Literal[True] = True
    minutes: int
    until: datetime = Field(description="ISO-8601 UTC time after which sending is advised.")
    reason: str


class IgnoredOut(BaseModel):
    """A range never judged, and why."""

    start: int
    end: int
    kind: IgnoredKind


class VersionsOut(BaseModel):
    """What produced the result."""

    service: str
    rules: str
    model: str | None


class CheckResponse(BaseModel):
    """The result for one draft."""

    verdict: Verdict
    findings: list[FindingOut]
    hold: HoldOut | None
    ignored: list[IgnoredOut]
    scores: dict[Category, float] = Field(description="Per-category document scores, 0..1.")
    offset_unit: OffsetUnit
    text: str | None = Field(description="For HTML input: the plain-text rendering offsets point into.")
    sentences: int = Field(description="Sentences judged (quoted history and signatures excluded).")
    versions: VersionsOut


class BatchResponse(BaseModel):
    """Results in the order the drafts were sent."""

    results: list[CheckResponse]


class RuleOut(BaseModel):
    """A rule as published by `GET /v1/rules`."""

    id: str
    category: Category
    severity: Severity
    message: str
    suggestions: list[str]
    action: Literal["flag", "clear"] = Field(
        description="flag: it reports its words; clear: it drops the classifier's finding of its category in "
                    "its sentence (a cause the writer owns, a customer cleared of fault) and reports nothing.")
    examples_flag: list[str] = Field(description="Sentences it must flag (for `clear`: must clear).")
    examples_pass: list[str]


class ErrorBody(BaseModel):
    """What went wrong and what to fix."""

    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer has this shape."""

    error: ErrorBody
