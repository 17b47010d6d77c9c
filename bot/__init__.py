"""Wishwall core: the product's rules, independent of how Telegram delivers updates."""
