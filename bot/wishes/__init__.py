"""Wishes and their lifecycle: every change of state, joint claims, bulk creation, cards and
auto-balance. Imports the shared basics of bot/, bot.people (who may act) and storage/."""
