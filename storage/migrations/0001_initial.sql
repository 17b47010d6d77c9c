-- Communities own data; a new database starts with community 1.
CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    tz          TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    created_at  TEXT NOT NULL
);
INSERT INTO communities (id, name, created_at) VALUES (1, 'default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE members (
    user_id        INTEGER PRIMARY KEY,
    full_name      TEXT NOT NULL,
    lang           TEXT NOT NULL DEFAULT 'zh',
    registered_at  TEXT NOT NULL,
    unreachable_at TEXT
);

CREATE TABLE groups (
    chat_id       INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    title         TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'zh',
    bound_by      INTEGER NOT NULL,
    bound_at      TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE wishes (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id        INTEGER NOT NULL REFERENCES communities(id),
    status              TEXT NOT NULL,
    beneficiary_name    TEXT NOT NULL,
    beneficiary_phone   TEXT NOT NULL,
    beneficiary_address TEXT NOT NULL,
    category            TEXT NOT NULL,
    description         TEXT NOT NULL,
    value_fen           INTEGER,
    due_date            TEXT NOT NULL,
    photo_file_id       TEXT,
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    holder_id           INTEGER,
    claimed_at          TEXT,
    delivered_at        TEXT,
    delivery_note       TEXT,
    delivery_photo_id   TEXT,
    fulfilled_at        TEXT,
    reason              TEXT,
    updated_at          TEXT NOT NULL,
    CHECK (status IN ('pending','verified','open','claimed','delivered','fulfilled','rejected','cancelled')),
    -- One holder while claimed or delivered (kept once fulfilled), none otherwise: enforced here too.
    CHECK ((status IN ('claimed','delivered','fulfilled')) = (holder_id IS NOT NULL))
);
CREATE INDEX wishes_community_status ON wishes (community_id, status);
CREATE INDEX wishes_holder ON wishes (holder_id) WHERE holder_id IS NOT NULL;

-- Where a wish's card lives in each group; message_id is filled in once the card is sent.
CREATE TABLE wish_posts (
    wish_id     INTEGER NOT NULL REFERENCES wishes(id),
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER,
    posted_at   TEXT NOT NULL,
    PRIMARY KEY (wish_id, chat_id)
);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    wish_id       INTEGER REFERENCES wishes(id),
    community_id  INTEGER,
    actor_id      INTEGER,
    action        TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT,
    at            TEXT NOT NULL,
    details       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_wish ON events (wish_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    chat_id       INTEGER NOT NULL,
    wish_id       INTEGER,
    payload       TEXT,
    coalesce_key  TEXT,
    status        TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    not_before    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    sent_at       TEXT,
    last_error    TEXT
);
CREATE INDEX outbox_pending ON outbox (status, not_before, id) WHERE status = 'pending';
CREATE INDEX outbox_coalesce ON outbox (coalesce_key, status) WHERE coalesce_key IS NOT NULL;

-- Conversation drafts and states, so a restart mid-conversation loses nothing.
CREATE TABLE drafts (
    user_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE TABLE conversations (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,
    state  TEXT NOT NULL,
    PRIMARY KEY (name, key)
);
