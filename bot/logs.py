"""Logging that never writes a bot token, and keeps HTTP libraries from logging URLs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# A bot token embedded anywhere, e.g. in a Bot API URL: /bot123456:AAE.../sendMessage
_TOKEN_IN_TEXT = re.compile(r"\d{4,20}:[A-Za-z0-9_-]{30,64}")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces bot tokens (configured ones and anything token-shaped) in every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts (e.g. an httpx error quoting the URL) are redacted too, by
            # rendering the traceback now and redacting it.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return _TOKEN_IN_TEXT.sub("<token>", text)


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level`, with tokens redacted from every handler's output."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token;
    # python-telegram-bot logs whole updates and request parameters (people's words) at DEBUG.
    quieter = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "aiosqlite": logging.WARNING}
    quieter |= {"telegram": logging.INFO, "apscheduler": logging.INFO}
    for name, floor in quieter.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelNamesMapping()[level]))
