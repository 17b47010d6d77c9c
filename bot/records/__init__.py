"""Records in and out: spreadsheet imports, the claim sheet and service records, figures on
demand, retention and /forget. Imports bot.wishes, bot.people, bot.reports and storage/."""
