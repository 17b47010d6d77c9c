-- The scheduler's memory: every reminder and report it queued, so a re-run, a restart or a
-- second process (the `wishwall jobs run` command next to the bot) never sends one twice.
-- Rows are written in the same transaction as the outbox rows that carry the message.
CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    wish_id       INTEGER NOT NULL DEFAULT 0,   -- 0: not about one wish (a weekly report)
    recipient     INTEGER NOT NULL,             -- the chat: a member, a coordinator or a group
    period        TEXT NOT NULL,                -- local date, ISO week or due-date key, per kind
    due_date      TEXT,                         -- the due date a wish reminder was about
    sent_at       TEXT NOT NULL,                -- when it was queued for sending
    CHECK (kind IN ('due_soon', 'overdue', 'escalation', 'unclaimed', 'weekly_report')),
    UNIQUE (kind, wish_id, recipient, period)
);
CREATE INDEX reminders_recipient ON reminders (recipient, kind, period);

-- Pictures the bot makes (report charts) wait here until the outbox has sent them; after the
-- first upload Telegram's file_id is kept so the same chart goes to other chats without re-uploading.
CREATE TABLE media (
    key         TEXT PRIMARY KEY,               -- sha256 of the content
    content     BLOB NOT NULL,
    mime_type   TEXT NOT NULL,
    file_id     TEXT,
    created_at  TEXT NOT NULL
);

-- Weekly figures select events by time.
CREATE INDEX events_at ON events (at);

-- A sender takes a row for a short lease before sending it, so two processes draining one
-- outbox (the bot and `wishwall jobs run`) never send the same row twice.
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
