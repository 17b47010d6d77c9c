-- The weekly report counts a community's events in a week; with a million wishes that must not
-- walk every wish of the community through the events table (bench/queries.py measures it).
CREATE INDEX events_community_at ON events (community_id, at);
