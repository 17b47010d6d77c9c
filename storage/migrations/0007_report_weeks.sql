-- Weekly report figures, stored per community, week and branch; counts of wishes by status;
-- and indexes that let /stats and a week's figures read only what they count.
--
-- A week's figures (storage/stats.py, StatsRepo.by_branch) depend on the database alone, not
-- on when they are read, and a finished week's hardly ever change: they are computed the
-- first time a report needs them (or when the scheduler sees the week end) and read from here
-- afterwards (storage/stats_weeks.py). They are a copy, so the triggers below drop a week's
-- copy in the same statement as any change that could alter what recomputing it would give:
-- a late cancellation or rejection, a new due date, a claim given back, a disputed or reopened
-- delivery, a wish moved to another branch, an event written into a past week. Retention and
-- /forget erase personal data only, which no figure reads, and fire none of them.

CREATE TABLE report_weeks (
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    starts_at     TEXT NOT NULL,    -- Monday 00:00 in the community's zone, as UTC text
    ends_at       TEXT NOT NULL,    -- the next Monday 00:00: the figures are taken at this moment
    first_day     TEXT NOT NULL,    -- the local calendar days of the week (due dates are days)
    last_day      TEXT NOT NULL,
    -- While a computation is under way: its token. NULL once the figures below are complete.
    computing     TEXT,
    PRIMARY KEY (community_id, starts_at)
);
CREATE INDEX report_weeks_ends ON report_weeks (community_id, ends_at);
CREATE INDEX report_weeks_first_day ON report_weeks (community_id, first_day);

CREATE TABLE report_week_branches (
    community_id   INTEGER NOT NULL,
    starts_at      TEXT NOT NULL,
    branch_key     INTEGER NOT NULL,  -- the branch's id; 0 for wishes not posted to any branch
    collected      INTEGER NOT NULL,
    verified       INTEGER NOT NULL,
    posted         INTEGER NOT NULL,
    claimed        INTEGER NOT NULL,
    delivered      INTEGER NOT NULL,
    fulfilled      INTEGER NOT NULL,
    due            INTEGER NOT NULL,
    due_fulfilled  INTEGER NOT NULL,
    overdue        INTEGER NOT NULL,
    PRIMARY KEY (community_id, starts_at, branch_key)
);

CREATE TRIGGER report_weeks_removed AFTER DELETE ON report_weeks
BEGIN
    DELETE FROM report_week_branches WHERE community_id = OLD.community_id AND starts_at = OLD.starts_at;
END;

-- A step (create ... confirm) counts in the week it happened: one written into a stored week.
CREATE TRIGGER report_weeks_event_added AFTER INSERT ON events
WHEN NEW.action IN ('create', 'verify', 'post', 'claim', 'deliver', 'confirm')
BEGIN
    DELETE FROM report_weeks
    WHERE community_id = NEW.community_id AND ends_at > NEW.at AND starts_at <= NEW.at;
END;

-- A new wish counts in the week it is due, and where it is held past its due date (a wish is
-- normally created pending, due ahead: then nothing matches).
CREATE TRIGGER report_weeks_wish_added AFTER INSERT ON wishes
BEGIN
    DELETE FROM report_weeks
    WHERE community_id = NEW.community_id
      AND first_day = date(NEW.due_date, 'weekday 0', '-6 days')
      AND NEW.status NOT IN ('rejected', 'cancelled')
      AND NEW.due_date BETWEEN first_day AND last_day;
    DELETE FROM report_weeks
    WHERE community_id = NEW.community_id
      AND ends_at > COALESCE(NEW.claimed_at, '~')
      AND NEW.holder_id IS NOT NULL AND NEW.due_date < date(last_day, '+1 day')
      AND (NEW.delivered_at IS NULL OR NEW.delivered_at >= ends_at);
END;

-- A change of a wish: each stored week where the wish counted, or counts now, differently.
-- Per week, a wish's part is 0 (not due), 1 (due) or 2 (due and fulfilled by the week's end),
-- and overdue or not at the week's end; both are compared before and after the change. The
-- week it is due in is found from its due date (its Monday), the weeks it can be overdue in
-- end after it was claimed. A step taken after a week ended (a late delivery or confirmation)
-- changes nothing in that week, so it deletes nothing.
CREATE TRIGGER report_weeks_wish_changed
AFTER UPDATE OF status, due_date, holder_id, claimed_at, delivered_at, fulfilled_at ON wishes
WHEN OLD.community_id = NEW.community_id AND OLD.branch_id IS NEW.branch_id
BEGIN
    DELETE FROM report_weeks
    WHERE community_id = NEW.community_id
      AND first_day IN (date(OLD.due_date, 'weekday 0', '-6 days'), date(NEW.due_date, 'weekday 0', '-6 days'))
      AND (CASE WHEN OLD.status IN ('rejected', 'cancelled')
                  OR OLD.due_date NOT BETWEEN first_day AND last_day THEN 0
                WHEN OLD.fulfilled_at IS NOT NULL AND OLD.fulfilled_at < ends_at THEN 2
                ELSE 1 END)
          IS NOT
          (CASE WHEN NEW.status IN ('rejected', 'cancelled')
                  OR NEW.due_date NOT BETWEEN first_day AND last_day THEN 0
                WHEN NEW.fulfilled_at IS NOT NULL AND NEW.fulfilled_at < ends_at THEN 2
                ELSE 1 END);

    DELETE FROM report_weeks
    WHERE community_id = NEW.community_id
      AND ends_at > min(COALESCE(OLD.claimed_at, '~'), COALESCE(NEW.claimed_at, '~'))
      AND COALESCE(OLD.holder_id IS NOT NULL AND OLD.claimed_at < ends_at
                   AND OLD.due_date < date(last_day, '+1 day')
                   AND (OLD.delivered_at IS NULL OR OLD.delivered_at >= ends_at), 0)
          IS NOT
          COALESCE(NEW.holder_id IS NOT NULL AND NEW.claimed_at < ends_at
                   AND NEW.due_date < date(last_day, '+1 day')
                   AND (NEW.delivered_at IS NULL OR NEW.delivered_at >= ends_at), 0);
END;

-- A wish moved to another branch (posting sets it) or community: every week it counted in,
-- whatever for. The weeks with one of its steps end after its first event; the weeks it was
-- due or overdue in are found as above, without comparing its parts.
CREATE TRIGGER report_weeks_wish_moved
AFTER UPDATE OF community_id, branch_id ON wishes
WHEN OLD.community_id IS NOT NEW.community_id OR OLD.branch_id IS NOT NEW.branch_id
BEGIN
    DELETE FROM report_weeks
    WHERE community_id IN (SELECT e.community_id FROM events e WHERE e.wish_id = NEW.id)
      AND ends_at > (SELECT MIN(e.at) FROM events e WHERE e.wish_id = NEW.id)
      AND EXISTS (
          SELECT 1 FROM events e
          WHERE e.wish_id = NEW.id AND e.community_id = report_weeks.community_id
            AND e.at >= report_weeks.starts_at AND e.at < report_weeks.ends_at
            AND e.action IN ('create', 'verify', 'post', 'claim', 'deliver', 'confirm'));
    DELETE FROM report_weeks
    WHERE community_id IN (OLD.community_id, NEW.community_id)
      AND first_day IN (date(OLD.due_date, 'weekday 0', '-6 days'), date(NEW.due_date, 'weekday 0', '-6 days'));
    DELETE FROM report_weeks
    WHERE community_id IN (OLD.community_id, NEW.community_id)
      AND ends_at > min(COALESCE(OLD.claimed_at, '~'), COALESCE(NEW.claimed_at, '~'));
END;

-- Wishes are never deleted; should one be, every week of its community is worked out again.
CREATE TRIGGER report_weeks_wish_removed AFTER DELETE ON wishes
BEGIN
    DELETE FROM report_weeks
    WHERE community_id = OLD.community_id
       OR community_id IN (SELECT e.community_id FROM events e WHERE e.wish_id = OLD.id);
END;

-- How many wishes of each community stand in each status: /stats' "what stands open now"
-- without counting them (a community with a long history has most of its wishes finished).
-- Kept by the triggers below in the same statement as every write of a wish.
CREATE TABLE wish_counts (
    community_id  INTEGER NOT NULL,
    status        TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (community_id, status)
);
INSERT INTO wish_counts (community_id, status, n)
SELECT community_id, status, COUNT(*) FROM wishes GROUP BY community_id, status;

CREATE TRIGGER wish_counts_added AFTER INSERT ON wishes
BEGIN
    INSERT INTO wish_counts (community_id, status, n) VALUES (NEW.community_id, NEW.status, 1)
    ON CONFLICT (community_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER wish_counts_changed AFTER UPDATE OF community_id, status ON wishes
WHEN OLD.community_id IS NOT NEW.community_id OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE wish_counts SET n = n - 1 WHERE community_id = OLD.community_id AND status = OLD.status;
    INSERT INTO wish_counts (community_id, status, n) VALUES (NEW.community_id, NEW.status, 1)
    ON CONFLICT (community_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER wish_counts_removed AFTER DELETE ON wishes
BEGIN
    UPDATE wish_counts SET n = n - 1 WHERE community_id = OLD.community_id AND status = OLD.status;
END;

-- A week's steps: the week's events of one community, and each one's wish's branch, read
-- from indexes alone (not from the wide rows of events and wishes).
DROP INDEX events_community_at;
CREATE INDEX events_community_at_action ON events (community_id, at, action, wish_id);
CREATE INDEX wishes_branch_of ON wishes (id, branch_id);
-- Overdue at a week's end: wishes held and not delivered (few), and those delivered after it.
CREATE INDEX wishes_held_undelivered ON wishes (community_id, due_date, claimed_at, branch_id)
    WHERE holder_id IS NOT NULL AND delivered_at IS NULL;
CREATE INDEX wishes_community_delivered ON wishes (community_id, delivered_at);
-- /stats: what stands open now (by status, overdue by due date), and a period's figures, each
-- from an index range that covers the period only (the years before it are never read).
CREATE INDEX wishes_community_status_due ON wishes (community_id, status, due_date, fulfilled_at);
CREATE INDEX wishes_community_claimed ON wishes (community_id, claimed_at);
CREATE INDEX wishes_community_fulfilled ON wishes (community_id, status, fulfilled_at, value_fen);
CREATE INDEX wishes_community_category ON wishes (community_id, category, created_at, status);
