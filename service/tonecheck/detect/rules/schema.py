"""The rule file format: pydantic models that reject unknown keys and malformed values."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tonecheck.findings import Category, Severity

TokenPattern = list[dict[str, Any]]


class Examples(BaseModel):
    """Sentences a rule must flag and sentences it must let pass."""

    model_config = ConfigDict(extra="forbid")

    flag: list[str] = Field(min_length=1)
    pass_: list[str] = Field(alias="pass", min_length=1)


class RuleSpec(BaseModel):
    """One rule: what it matches, what it says, how to say it better, and its own tests."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    category: Category
    severity: Severity
    message: str = Field(min_length=1)
    suggestions: list[str] = Field(min_length=1)
    tokens: list[TokenPattern] = []
    phrases: list[str] = []
    dependency: list[list[dict[str, Any]]] = []
    regex: list[str] = []
    builtin: Literal["shouting"] | None = None
    unless: list[TokenPattern] = []
    extend: Literal["match", "subtree"] = "match"
    examples: Examples

    @model_validator(mode="after")
    def _has_a_pattern(self) -> RuleSpec:
        if not (self.tokens or self.phrases or self.dependency or self.regex or self.builtin):
            raise ValueError("a rule needs at least one of tokens, phrases, dependency, regex or builtin")
        if not self.id.startswith(self.category.value + "."):
            raise ValueError(f"rule id must start with its category, '{self.category.value}.'")
        return self


class RuleFile(BaseModel):
    """A `rules/*.yaml` file: a list of rules."""

    model_config = ConfigDict(extra="forbid")

    rules: list[RuleSpec] = Field(min_length=1)
