-- Messages that show a beneficiary's details to a member, so they can be taken back when the
-- member no longer holds the claim.
CREATE TABLE detail_messages (
    wish_id     INTEGER NOT NULL REFERENCES wishes(id),
    user_id     INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX detail_messages_wish_user ON detail_messages (wish_id, user_id);

ALTER TABLE outbox ADD COLUMN tracks_details INTEGER NOT NULL DEFAULT 0;

-- Claims made before joint claims existed: their holder is the one holder.
INSERT OR IGNORE INTO wish_holders (wish_id, user_id, joined_at)
SELECT id, holder_id, COALESCE(claimed_at, updated_at) FROM wishes WHERE holder_id IS NOT NULL;

-- Which community a coordinator of several (or a super-admin) is working in now (/use).
CREATE TABLE user_prefs (
    user_id       INTEGER PRIMARY KEY,
    community_id  INTEGER REFERENCES communities(id)
);

-- Migration 0001 seeded a 'default' community (and 0002 its branch) so data from before
-- communities had a home. A database that never used them starts empty instead: operators
-- create their own community by name.
DELETE FROM branches WHERE id = 1 AND community_id = 1 AND name = 'default'
    AND NOT EXISTS (SELECT 1 FROM memberships WHERE branch_id = 1)
    AND NOT EXISTS (SELECT 1 FROM groups WHERE community_id = 1)
    AND NOT EXISTS (SELECT 1 FROM wishes WHERE community_id = 1);
DELETE FROM communities WHERE id = 1 AND name = 'default'
    AND NOT EXISTS (SELECT 1 FROM branches WHERE community_id = 1)
    AND NOT EXISTS (SELECT 1 FROM groups WHERE community_id = 1)
    AND NOT EXISTS (SELECT 1 FROM wishes WHERE community_id = 1)
    AND NOT EXISTS (SELECT 1 FROM coordinators WHERE community_id = 1);
