-- The weekly report's service line (the hours and points of the wishes fulfilled in the week,
-- bot/points) is kept with the finished week like its figures (0007): worked out per wish from
-- the event log and the community's rules, it took ~90 ms for a community fulfilling 11,000
-- wishes a week (bench/, scenario 5) where the stored figures take one.
--
-- It reads more than the figures do: hours stated or corrected at any time, the holders, the
-- community's rules and settings. So besides the week's own changes (which drop the whole
-- row, 0007), each of these clears the stored line of every week it could alter, in the same
-- statement as the change; the next report works it out again (bot/reports/weekly.py).
ALTER TABLE report_weeks ADD COLUMN service TEXT;        -- JSON totals; NULL: not worked out
ALTER TABLE report_weeks ADD COLUMN service_token TEXT;  -- while it is being worked out

-- Hours stated, restated or corrected (events of a wish): the week it was fulfilled in. A
-- confirmation written before the wish's fulfilled_at is set finds nothing here; the update
-- of fulfilled_at below clears that week.
CREATE TRIGGER report_weeks_service_hours AFTER INSERT ON events
WHEN NEW.wish_id IS NOT NULL AND NEW.action IN ('deliver', 'hours', 'confirm')
BEGIN
    UPDATE report_weeks SET service = NULL, service_token = NULL
    WHERE community_id = NEW.community_id
      AND starts_at <= (SELECT w.fulfilled_at FROM wishes w WHERE w.id = NEW.wish_id)
      AND ends_at > (SELECT w.fulfilled_at FROM wishes w WHERE w.id = NEW.wish_id);
END;

-- A points rule changed or re-applied: any week of the community may count differently.
CREATE TRIGGER report_weeks_service_rules AFTER INSERT ON events
WHEN NEW.action IN ('community.setting', 'points.reapply')
BEGIN
    UPDATE report_weeks SET service = NULL, service_token = NULL
    WHERE NEW.community_id IS NULL OR community_id = NEW.community_id;
END;

-- The community's settings themselves (default hours, rules, time zone).
CREATE TRIGGER report_weeks_service_community AFTER UPDATE ON communities
BEGIN
    UPDATE report_weeks SET service = NULL, service_token = NULL WHERE community_id = NEW.id;
END;

CREATE TRIGGER report_weeks_service_holder_added AFTER INSERT ON wish_holders
BEGIN
    UPDATE report_weeks SET service = NULL, service_token = NULL
    WHERE starts_at <= (SELECT w.fulfilled_at FROM wishes w WHERE w.id = NEW.wish_id)
      AND ends_at > (SELECT w.fulfilled_at FROM wishes w WHERE w.id = NEW.wish_id)
      AND community_id = (SELECT w.community_id FROM wishes w WHERE w.id = NEW.wish_id);
END;

CREATE TRIGGER report_weeks_service_holder_removed AFTER DELETE ON wish_holders
BEGIN
    UPDATE report_weeks SET service = NULL, service_token = NULL
    WHERE starts_at <= (SELECT w.fulfilled_at FROM wishes w WHERE w.id = OLD.wish_id)
      AND ends_at > (SELECT w.fulfilled_at FROM wishes w WHERE w.id = OLD.wish_id)
      AND community_id = (SELECT w.community_id FROM wishes w WHERE w.id = OLD.wish_id);
END;

-- A wish's own fields that its credit reads: the weeks it was, or now is, fulfilled in.
CREATE TRIGGER report_weeks_service_wish AFTER UPDATE OF
    status, fulfilled_at, delivered_at, due_date, holder_id, community_id ON wishes
BEGIN
    UPDATE report_weeks SET service = NULL, service_token = NULL
    WHERE community_id IN (OLD.community_id, NEW.community_id)
      AND ((starts_at <= OLD.fulfilled_at AND ends_at > OLD.fulfilled_at)
        OR (starts_at <= NEW.fulfilled_at AND ends_at > NEW.fulfilled_at));
END;
