"""The rule file format: pydantic models that reject unknown keys and malformed values."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from tonecheck.findings import Category, Severity

TokenPattern = list[dict[str, Any]]


class Examples(BaseModel):
    """Sentences a rule must flag and sentences it must let pass."""

    model_config = ConfigDict(extra="forbid")

    flag: list[str] = Field(min_length=1)
    pass_: list[str] = Field(alias="pass", min_length=1)


class RuleSpec(BaseModel):
    """One rule: what it matches, what it says, how to say it better, and its own tests.

    `action: clear` rules flag nothing: they mark a sentence whose words rule out their category (a cause
    the writer owns, a customer cleared of fault), and the classifier's finding of that category there is
    dropped. Their `flag` examples are sentences they must clear.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    category: Category
    severity: Severity
    action: Literal["flag", "clear"] = "flag"
    message: str = Field(min_length=1)
    suggestions: list[str] = Field(default_factory=list, validate_default=True)
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

    @field_validator("suggestions")
    @classmethod
    def _flags_suggest(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("action", "flag") == "flag" and not value:
            raise ValueError("a rule that flags needs at least one suggestion (only `action: clear` has none)")
        return value


class RuleFile(BaseModel):
    """A `rules/*.yaml` file: a list of rules."""

    model_config = ConfigDict(extra="forbid")

    rules: list[RuleSpec] = Field(min_length=1)
