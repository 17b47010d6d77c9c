"""Reaching members privately: the daily digest of new wishes for those who subscribed, and a
coordinator's broadcast to every active member of a branch. Both go through the outbox."""
