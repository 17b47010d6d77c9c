-- Communities own data and carry their own settings; branches group members and group chats.

ALTER TABLE communities ADD COLUMN four_eyes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN member_cap INTEGER NOT NULL DEFAULT 2;
ALTER TABLE communities ADD COLUMN value_cap_fen INTEGER;
ALTER TABLE communities ADD COLUMN require_phone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE communities ADD COLUMN reminder_hour INTEGER NOT NULL DEFAULT 9;
ALTER TABLE communities ADD COLUMN escalate_after INTEGER NOT NULL DEFAULT 3;
ALTER TABLE communities ADD COLUMN unclaimed_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE communities ADD COLUMN max_extension_days INTEGER NOT NULL DEFAULT 14;
ALTER TABLE communities ADD COLUMN quiet_start INTEGER NOT NULL DEFAULT 21;
ALTER TABLE communities ADD COLUMN quiet_end INTEGER NOT NULL DEFAULT 8;
-- ISO weekday: 1 = Monday ... 7 = Sunday (converted for the JobQueue where it is scheduled).
ALTER TABLE communities ADD COLUMN report_weekday INTEGER NOT NULL DEFAULT 1;
ALTER TABLE communities ADD COLUMN report_hour INTEGER NOT NULL DEFAULT 9;
ALTER TABLE communities ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 180;
ALTER TABLE communities ADD COLUMN repeat_months INTEGER NOT NULL DEFAULT 12;

CREATE TABLE branches (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (community_id, name)
);
-- Data from before communities existed lands in the default community's default branch.
INSERT INTO branches (id, community_id, name, created_at)
VALUES (1, 1, 'default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

ALTER TABLE groups ADD COLUMN branch_id INTEGER REFERENCES branches(id);
UPDATE groups SET branch_id = 1 WHERE community_id = 1;

-- Which branch a registered person serves in. One branch per member.
CREATE TABLE memberships (
    user_id       INTEGER PRIMARY KEY REFERENCES members(user_id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    branch_id     INTEGER NOT NULL REFERENCES branches(id),
    status        TEXT NOT NULL DEFAULT 'active',
    phone         TEXT,
    joined_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (status IN ('active', 'suspended', 'removed'))
);
CREATE INDEX memberships_branch ON memberships (branch_id, status);
INSERT INTO memberships (user_id, community_id, branch_id, status, joined_at, updated_at)
SELECT user_id, 1, 1, 'active', registered_at, registered_at FROM members;

CREATE TABLE coordinators (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    user_id       INTEGER NOT NULL,
    appointed_by  INTEGER,
    appointed_at  TEXT NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX coordinators_user ON coordinators (user_id);

CREATE TABLE invites (
    token         TEXT PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    branch_id     INTEGER NOT NULL REFERENCES branches(id),
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    max_uses      INTEGER NOT NULL,
    uses          INTEGER NOT NULL DEFAULT 0,
    revoked       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE join_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL,
    full_name     TEXT NOT NULL,
    community_id  INTEGER REFERENCES communities(id),
    status        TEXT NOT NULL DEFAULT 'pending',
    created_at    TEXT NOT NULL,
    decided_by    INTEGER,
    decided_at    TEXT,
    CHECK (status IN ('pending', 'approved', 'declined'))
);
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (user_id) WHERE status = 'pending';

-- The branch a wish was posted to (for per-branch figures), and joint claims.
ALTER TABLE wishes ADD COLUMN branch_id INTEGER REFERENCES branches(id);
ALTER TABLE wishes ADD COLUMN needed_members INTEGER NOT NULL DEFAULT 1;
CREATE TABLE wish_holders (
    wish_id    INTEGER NOT NULL REFERENCES wishes(id),
    user_id    INTEGER NOT NULL,
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (wish_id, user_id)
);
CREATE INDEX wish_holders_user ON wish_holders (user_id);
CREATE INDEX wishes_due ON wishes (status, due_date);
CREATE INDEX wishes_community_created ON wishes (community_id, created_at);
