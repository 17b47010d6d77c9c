"""Reports: completion-rate formulas and periods, the weekly report and its chart (drawn in a
worker process). Imports the shared basics of bot/, bot.people and storage/."""
