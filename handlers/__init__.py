"""Telegram layer: turns updates into calls on the core and results into messages."""
