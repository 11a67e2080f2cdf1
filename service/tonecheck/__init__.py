"""tonecheck: checks an outgoing customer email for tone before it is sent."""

__version__ = "0.1.0"
