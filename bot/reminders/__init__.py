"""Reminders: the one table of reminder kinds (kinds.py), their passes, messages and answers, and the
scheduler that runs them. Imports bot.wishes, bot.people, bot.reports (the weekly report) and storage/."""
