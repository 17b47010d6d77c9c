-- Subscriptions to a daily digest of new wishes, and coordinators' broadcasts to a branch.
-- New tables only: nothing that exists changes.

-- A member who asked for the digest (/subscribe); deleting the row is /unsubscribe.
CREATE TABLE subscriptions (
    user_id     INTEGER PRIMARY KEY,
    categories  TEXT NOT NULL DEFAULT '[]',  -- JSON list of category keys; [] = every category
    since       TEXT NOT NULL,               -- wishes posted from then on are new to them
    updated_at  TEXT NOT NULL
);

-- One row per member and local day once that day's digest was made (wishes = 0: nothing new
-- then), so a repeated, late or second pass never makes a second digest that day.
CREATE TABLE digests (
    user_id  INTEGER NOT NULL,
    day      TEXT NOT NULL,
    wishes   INTEGER NOT NULL,
    made_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);
-- Each wish goes to a member in one digest at most, whatever happens to it afterwards.
CREATE TABLE digest_wishes (
    user_id  INTEGER NOT NULL,
    wish_id  INTEGER NOT NULL,
    day      TEXT NOT NULL,
    PRIMARY KEY (user_id, wish_id)
);

-- A message a coordinator sent to every active member of a branch. `token` is the draft's
-- (the confirm button's), unique per sender, so a second tap of Send sends nothing more.
CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id   INTEGER NOT NULL REFERENCES communities(id),
    branch_id      INTEGER NOT NULL REFERENCES branches(id),
    sender_id      INTEGER NOT NULL,
    token          TEXT NOT NULL,
    text           TEXT NOT NULL,
    photo_file_id  TEXT,
    created_at     TEXT NOT NULL,
    reported_at    TEXT,  -- when the sender was told how many it reached
    UNIQUE (sender_id, token)
);
CREATE INDEX broadcasts_community ON broadcasts (community_id, id);
CREATE INDEX broadcasts_unreported ON broadcasts (id) WHERE reported_at IS NULL;
-- Who it went to, and the outbox row carrying it (NULL: known to be unreachable, not queued);
-- delivered / unreachable / still waiting are read from those rows' status.
CREATE TABLE broadcast_recipients (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts(id),
    user_id       INTEGER NOT NULL,
    outbox_id     INTEGER,
    PRIMARY KEY (broadcast_id, user_id)
);
