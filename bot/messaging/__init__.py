"""Telegram delivery machinery: the outbox sender, rate limits, the HTTP client and gate, the
ordered update processor and conversation persistence. Imports bot.wishes (cards), bot.people and storage/."""
