-- Handover offers: a holder who cannot deliver offers the wish to one named member (to_user) or
-- to whoever follows a link they forward (to_user NULL: any active member of the community but
-- the holder). The token names the offer in links and buttons (unguessable, unlike the id).
-- An offer is answered once: the conditional UPDATE from 'pending' decides which answer counts.
CREATE TABLE handover_offers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token         TEXT NOT NULL UNIQUE,
    wish_id       INTEGER NOT NULL REFERENCES wishes(id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    from_user     INTEGER NOT NULL,
    to_user       INTEGER,
    status        TEXT NOT NULL DEFAULT 'pending',
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    answered_at   TEXT,
    answered_by   INTEGER,
    CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'void'))
);
CREATE INDEX handover_offers_pending ON handover_offers (status, expires_at);
CREATE INDEX handover_offers_wish ON handover_offers (wish_id, status);

-- Auto-release of stale claims: a claim overdue by this many days with no answer to the
-- reminders goes back to open. 0 = off, which every existing community keeps.
ALTER TABLE communities ADD COLUMN auto_release_days INTEGER NOT NULL DEFAULT 0;

-- Releases counted by reason for the branch report read events by community and time.
CREATE INDEX events_community_action_at ON events (community_id, action, at);
