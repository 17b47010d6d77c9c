-- /stats counts a community's month and year. Counted from the indexes, a year of a community
-- collecting 100,000 wishes walked ~500,000 index entries (~80-160 ms, bench/, scenario 5) and
-- grew with the year's volume. So each wish's part in those figures is kept per day, by the
-- triggers below in the same statement as every change of the wish, and a period is the sum of
-- its whole days plus index ranges for the hours at its two ends (storage/stats_days.py).
--
-- figure: 'collected', 'claimed', 'fulfilled', 'value' (fen of the fulfilled), 'c:<category>'
-- (collected, not rejected) by the UTC day of the instant (created_at, claimed_at,
-- fulfilled_at); 'due' (not rejected or cancelled) and 'due_fulfilled' by due date, a
-- calendar day. n may reach 0 and stay: a row of 0 counts nothing.
CREATE TABLE wish_days (
    community_id  INTEGER NOT NULL,
    figure        TEXT NOT NULL,
    day           TEXT NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (community_id, figure, day)
) WITHOUT ROWID;

CREATE TRIGGER wish_days_added AFTER INSERT ON wishes
BEGIN
    INSERT INTO wish_days (community_id, figure, day, n)
    SELECT community_id, figure, day, SUM(n) FROM (
        SELECT NEW.community_id AS community_id, 'collected' AS figure, substr(NEW.created_at, 1, 10) AS day, 1 AS n
        UNION ALL SELECT NEW.community_id, 'claimed', substr(NEW.claimed_at, 1, 10), 1
        UNION ALL SELECT NEW.community_id, 'fulfilled', substr(NEW.fulfilled_at, 1, 10), 1 WHERE NEW.status = 'fulfilled'
        UNION ALL SELECT NEW.community_id, 'value', substr(NEW.fulfilled_at, 1, 10), COALESCE(NEW.value_fen, 0)
            WHERE NEW.status = 'fulfilled'
        UNION ALL SELECT NEW.community_id, 'due', NEW.due_date, 1 WHERE NEW.status NOT IN ('rejected', 'cancelled')
        UNION ALL SELECT NEW.community_id, 'due_fulfilled', NEW.due_date, 1 WHERE NEW.status = 'fulfilled'
        UNION ALL SELECT NEW.community_id, 'c:' || NEW.category, substr(NEW.created_at, 1, 10), 1
            WHERE NEW.status <> 'rejected'
    ) WHERE day IS NOT NULL GROUP BY community_id, figure, day HAVING SUM(n) <> 0
    ON CONFLICT (community_id, figure, day) DO UPDATE SET n = n + excluded.n;
END;

-- Only net changes are written: a claim moves 'claimed' alone, the rest cancel out.
CREATE TRIGGER wish_days_changed AFTER UPDATE OF
    community_id, status, created_at, claimed_at, fulfilled_at, due_date, category, value_fen ON wishes
BEGIN
    INSERT INTO wish_days (community_id, figure, day, n)
    SELECT community_id, figure, day, SUM(n) FROM (
        SELECT OLD.community_id AS community_id, 'collected' AS figure, substr(OLD.created_at, 1, 10) AS day, -1 AS n
        UNION ALL SELECT OLD.community_id, 'claimed', substr(OLD.claimed_at, 1, 10), -1
        UNION ALL SELECT OLD.community_id, 'fulfilled', substr(OLD.fulfilled_at, 1, 10), -1 WHERE OLD.status = 'fulfilled'
        UNION ALL SELECT OLD.community_id, 'value', substr(OLD.fulfilled_at, 1, 10), -COALESCE(OLD.value_fen, 0)
            WHERE OLD.status = 'fulfilled'
        UNION ALL SELECT OLD.community_id, 'due', OLD.due_date, -1 WHERE OLD.status NOT IN ('rejected', 'cancelled')
        UNION ALL SELECT OLD.community_id, 'due_fulfilled', OLD.due_date, -1 WHERE OLD.status = 'fulfilled'
        UNION ALL SELECT OLD.community_id, 'c:' || OLD.category, substr(OLD.created_at, 1, 10), -1
            WHERE OLD.status <> 'rejected'
        UNION ALL SELECT NEW.community_id AS community_id, 'collected' AS figure, substr(NEW.created_at, 1, 10) AS day, 1 AS n
        UNION ALL SELECT NEW.community_id, 'claimed', substr(NEW.claimed_at, 1, 10), 1
        UNION ALL SELECT NEW.community_id, 'fulfilled', substr(NEW.fulfilled_at, 1, 10), 1 WHERE NEW.status = 'fulfilled'
        UNION ALL SELECT NEW.community_id, 'value', substr(NEW.fulfilled_at, 1, 10), COALESCE(NEW.value_fen, 0)
            WHERE NEW.status = 'fulfilled'
        UNION ALL SELECT NEW.community_id, 'due', NEW.due_date, 1 WHERE NEW.status NOT IN ('rejected', 'cancelled')
        UNION ALL SELECT NEW.community_id, 'due_fulfilled', NEW.due_date, 1 WHERE NEW.status = 'fulfilled'
        UNION ALL SELECT NEW.community_id, 'c:' || NEW.category, substr(NEW.created_at, 1, 10), 1
            WHERE NEW.status <> 'rejected'
    ) WHERE day IS NOT NULL GROUP BY community_id, figure, day HAVING SUM(n) <> 0
    ON CONFLICT (community_id, figure, day) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER wish_days_removed AFTER DELETE ON wishes
BEGIN
    INSERT INTO wish_days (community_id, figure, day, n)
    SELECT community_id, figure, day, SUM(n) FROM (
        SELECT OLD.community_id AS community_id, 'collected' AS figure, substr(OLD.created_at, 1, 10) AS day, -1 AS n
        UNION ALL SELECT OLD.community_id, 'claimed', substr(OLD.claimed_at, 1, 10), -1
        UNION ALL SELECT OLD.community_id, 'fulfilled', substr(OLD.fulfilled_at, 1, 10), -1 WHERE OLD.status = 'fulfilled'
        UNION ALL SELECT OLD.community_id, 'value', substr(OLD.fulfilled_at, 1, 10), -COALESCE(OLD.value_fen, 0)
            WHERE OLD.status = 'fulfilled'
        UNION ALL SELECT OLD.community_id, 'due', OLD.due_date, -1 WHERE OLD.status NOT IN ('rejected', 'cancelled')
        UNION ALL SELECT OLD.community_id, 'due_fulfilled', OLD.due_date, -1 WHERE OLD.status = 'fulfilled'
        UNION ALL SELECT OLD.community_id, 'c:' || OLD.category, substr(OLD.created_at, 1, 10), -1
            WHERE OLD.status <> 'rejected'
    ) WHERE day IS NOT NULL GROUP BY community_id, figure, day HAVING SUM(n) <> 0
    ON CONFLICT (community_id, figure, day) DO UPDATE SET n = n + excluded.n;
END;

-- The wishes already there.
INSERT INTO wish_days (community_id, figure, day, n)
SELECT community_id, figure, day, SUM(n) FROM (
    SELECT community_id, 'collected' AS figure, substr(created_at, 1, 10) AS day, 1 AS n FROM wishes
    UNION ALL SELECT community_id, 'claimed', substr(claimed_at, 1, 10), 1 FROM wishes
    UNION ALL SELECT community_id, 'fulfilled', substr(fulfilled_at, 1, 10), 1 FROM wishes WHERE status = 'fulfilled'
    UNION ALL SELECT community_id, 'value', substr(fulfilled_at, 1, 10), COALESCE(value_fen, 0) FROM wishes
        WHERE status = 'fulfilled'
    UNION ALL SELECT community_id, 'due', due_date, 1 FROM wishes WHERE status NOT IN ('rejected', 'cancelled')
    UNION ALL SELECT community_id, 'due_fulfilled', due_date, 1 FROM wishes WHERE status = 'fulfilled'
    UNION ALL SELECT community_id, 'c:' || category, substr(created_at, 1, 10), 1 FROM wishes
        WHERE status <> 'rejected'
) WHERE day IS NOT NULL GROUP BY community_id, figure, day HAVING SUM(n) <> 0;
