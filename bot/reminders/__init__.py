"""Reminders: due-soon and overdue chases, escalations, nudges, extensions and the scheduler
that runs them. Imports bot.wishes, bot.people, bot.reports (the weekly report) and storage/."""
