"""tonecheck: checks an outgoing customer email for tone before it is sent."""

from tonecheck import lazy_spacy_cli

__version__ = "0.1.0"

lazy_spacy_cli.install()  # before any module here imports spaCy
