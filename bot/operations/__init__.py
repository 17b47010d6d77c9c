"""Running the bot for years: backups and restore, health, metrics, the doctor's checklist.
Imports the shared basics of bot/, bot.people (notices to super-admins) and storage/."""
