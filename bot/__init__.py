"""Palaver: structured dialogue between communities in conflict, on Telegram."""

__version__ = "0.1.0"
