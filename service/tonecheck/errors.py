"""Domain errors: each says what went wrong and what to fix; the HTTP layer maps them to status codes."""

from __future__ import annotations


class TonecheckError(Exception):
    """Base class: `code` is a stable machine-readable name, the message is for people."""

    code = "tonecheck_error"


class InputError(TonecheckError):
    """The email or request cannot be checked as sent (HTTP 400/422, CLI exit 2)."""

    code = "invalid_input"


class UnsupportedMediaType(InputError):
    """The body is in a format tonecheck does not read (HTTP 415)."""

    code = "unsupported_media_type"


class TooLarge(InputError):
    """The body, batch or email is over a configured limit (HTTP 413)."""

    code = "too_large"


class NotReady(TonecheckError):
    """Models are still loading (HTTP 503)."""

    code = "not_ready"


class CheckTimeout(TonecheckError):
    """A check outlived the configured timeout (HTTP 503)."""

    code = "timeout"


class ConfigError(TonecheckError):
    """Settings, a config file or the model manifest are wrong; the service refuses to start."""

    code = "config_error"


class RuleFileError(ConfigError):
    """A rule file is malformed; names the file and the line."""

    code = "rule_file_error"

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source, self.line, self.reason = source, line, reason
        super().__init__(f"{source}:{line}: {reason}")
