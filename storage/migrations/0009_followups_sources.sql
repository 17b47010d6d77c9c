-- Follow-up visits (回访) after a wish is fulfilled, the members appointed to make them, and
-- where each wish came from (网格员 / 楼长 / 社区医生 / 居民自报 / other, and who).

-- How many days a fulfilled wish may wait for its follow-up before it is listed as waiting.
ALTER TABLE communities ADD COLUMN followup_days INTEGER NOT NULL DEFAULT 14;
-- Wishes fulfilled up to this instant were fulfilled before follow-ups existed: they are left out
-- of the follow-up rate and the waiting list (a program upgrading after years would otherwise be
-- told to visit every beneficiary it ever served). NULL: every fulfilled wish counts.
ALTER TABLE communities ADD COLUMN followups_since TEXT;
UPDATE communities SET followups_since = (
    SELECT MAX(w.fulfilled_at) FROM wishes w WHERE w.community_id = communities.id AND w.status = 'fulfilled'
);

-- Optional; NULL for every wish entered before this migration.
ALTER TABLE wishes ADD COLUMN source_kind TEXT
    CHECK (source_kind IN ('grid_worker', 'building_head', 'doctor', 'self_reported', 'other'));
ALTER TABLE wishes ADD COLUMN source_name TEXT;

-- Members a community's coordinators appointed to record follow-ups (回访员).
CREATE TABLE visitors (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    user_id       INTEGER NOT NULL,
    appointed_by  INTEGER,
    appointed_at  TEXT NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
-- Read for nearly every update (who a user is: storage/identity.py).
CREATE INDEX visitors_user ON visitors (user_id);

-- At most one follow-up per wish: recording it twice (a repeated tap, a replayed update) keeps
-- the first. The note and photo may carry personal data; retention and /forget erase them.
CREATE TABLE followups (
    wish_id        INTEGER PRIMARY KEY REFERENCES wishes(id),
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    visitor_id     INTEGER NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('satisfied', 'partly', 'not')),
    note           TEXT,
    photo_file_id  TEXT,
    recorded_at    TEXT NOT NULL,
    -- The wish's, copied (a fulfilled wish stays fulfilled when it was): the follow-up rate is
    -- then counted from this table's index alone, however many wishes a community has.
    fulfilled_at   TEXT NOT NULL
);
CREATE INDEX followups_fulfilled ON followups (community_id, fulfilled_at, recorded_at);
-- The waiting list and the rate read a community's fulfilled wishes by when they were fulfilled
-- through wishes_community_fulfilled (0007).
