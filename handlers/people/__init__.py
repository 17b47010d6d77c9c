"""Telegram handlers for people: /start and registration, the organisation commands, group
binding and the bot's membership in groups. Calls bot/ only."""
