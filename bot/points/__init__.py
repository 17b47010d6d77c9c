"""Service hours and points (志愿服务时长 / 积分): hours as typed and shown, each community's
points rules and their history, what service adds up to, the leaderboards and who hides there.
Points are worked out from the event log and the rules in force, never stored."""
