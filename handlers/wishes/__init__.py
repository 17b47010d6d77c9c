"""Telegram handlers for the wish loop: /newwish, review (Verify, Post, Confirm, reasons),
Claim and Release, delivery reports, batch posting. Calls bot/ only."""
