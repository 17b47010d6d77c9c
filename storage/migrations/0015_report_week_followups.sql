-- The weekly report's follow-up line (done / waiting as things stood at the week's end, read by
-- storage/followups.py) is kept with the finished week like its service line (0014). Counted
-- from the indexes, it still walked every fulfilled wish and follow-up since the community
-- began: the report of a community with ten years of history took ~9 ms of its ~11 for this
-- line alone (bench/, scenario 5), and it grew with every year.
--
-- Unlike the week's figures the line is cumulative: a change counts in every week that ends
-- after it. So each change below clears the line of the weeks ending after the instant it
-- alters, in the same statement as the change; the next report works it out again.
ALTER TABLE report_weeks ADD COLUMN followups TEXT;        -- JSON {done, waiting}; NULL: not worked out
ALTER TABLE report_weeks ADD COLUMN followups_token TEXT;  -- while it is being worked out

-- A wish fulfilled, no longer fulfilled, re-dated or moved: the weeks after either fulfilment.
-- (Deleting a wish drops all of its community's weeks already, 0007.)
CREATE TRIGGER report_weeks_followups_wish AFTER UPDATE OF status, fulfilled_at, community_id ON wishes
WHEN OLD.fulfilled_at IS NOT NULL OR NEW.fulfilled_at IS NOT NULL
BEGIN
    UPDATE report_weeks SET followups = NULL, followups_token = NULL
    WHERE community_id IN (OLD.community_id, NEW.community_id)
      AND (ends_at > OLD.fulfilled_at OR ends_at > NEW.fulfilled_at);
END;

-- A wish entered as already fulfilled (old records brought in).
CREATE TRIGGER report_weeks_followups_wish_added AFTER INSERT ON wishes
WHEN NEW.fulfilled_at IS NOT NULL
BEGIN
    UPDATE report_weeks SET followups = NULL, followups_token = NULL
    WHERE community_id = NEW.community_id AND ends_at > NEW.fulfilled_at;
END;

-- A follow-up counts from the later of its wish's fulfilment and its recording.
CREATE TRIGGER report_weeks_followups_added AFTER INSERT ON followups
BEGIN
    UPDATE report_weeks SET followups = NULL, followups_token = NULL
    WHERE community_id = NEW.community_id
      AND ends_at > NEW.fulfilled_at AND ends_at > NEW.recorded_at;
END;

-- Only what the counts read: erasing a note or photo (personal data) changes no figure.
CREATE TRIGGER report_weeks_followups_changed AFTER UPDATE OF community_id, fulfilled_at, recorded_at ON followups
BEGIN
    UPDATE report_weeks SET followups = NULL, followups_token = NULL
    WHERE (community_id = OLD.community_id AND ends_at > OLD.fulfilled_at AND ends_at > OLD.recorded_at)
       OR (community_id = NEW.community_id AND ends_at > NEW.fulfilled_at AND ends_at > NEW.recorded_at);
END;

CREATE TRIGGER report_weeks_followups_removed AFTER DELETE ON followups
BEGIN
    UPDATE report_weeks SET followups = NULL, followups_token = NULL
    WHERE community_id = OLD.community_id
      AND ends_at > OLD.fulfilled_at AND ends_at > OLD.recorded_at;
END;

-- Counting since another day, or waiting another number of days: every week of the community.
CREATE TRIGGER report_weeks_followups_community AFTER UPDATE OF followups_since, followup_days ON communities
BEGIN
    UPDATE report_weeks SET followups = NULL, followups_token = NULL WHERE community_id = NEW.id;
END;
