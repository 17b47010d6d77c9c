-- Service hours and points (志愿服务时长 / 积分): each community's rules, and who hides from
-- the leaderboards.
--
-- The hours themselves live in the event log, never in a column of their own: every 'deliver'
-- event carries the hours it recorded (`details.hours`: what the member stated, or the
-- community's default), an 'hours' event a member's restatement or a coordinator's correction,
-- and a 'confirm' event the hours a coordinator confirmed with. A wish's hours are those of its
-- latest event that carries any. Points are not stored at all: bot/points works them out from
-- those events and the rules in force when the wish was fulfilled. The rules' history is in the
-- log too: a 'community.setting' event for each change (from then on), a 'points.reapply' event
-- when a coordinator applies the rules of now to an earlier period.

ALTER TABLE communities ADD COLUMN hours_default INTEGER NOT NULL DEFAULT 2;
ALTER TABLE communities ADD COLUMN points_per_wish INTEGER NOT NULL DEFAULT 10;
ALTER TABLE communities ADD COLUMN points_on_time_bonus INTEGER NOT NULL DEFAULT 5;
ALTER TABLE communities ADD COLUMN points_per_hour INTEGER NOT NULL DEFAULT 0;
-- A joint wish's points: 0 split among its members, 1 each member gets them in full.
ALTER TABLE communities ADD COLUMN points_joint INTEGER NOT NULL DEFAULT 0;

-- A member's own choice: on leaderboards they appear as "a volunteer" (一位志愿者).
CREATE TABLE leaderboard_privacy (
    user_id     INTEGER PRIMARY KEY,
    hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    updated_at  TEXT NOT NULL
);

-- A community's rule changes and re-applications, read whole for every figure of points.
CREATE INDEX events_points_rules ON events (community_id, id)
    WHERE action IN ('community.setting', 'points.reapply');
-- A wish's hours: its latest event carrying them (events_wish gives a wish's events in order,
-- this one leaves out the claims, posts and refusals in between).
CREATE INDEX events_hours ON events (wish_id, id)
    WHERE action IN ('deliver', 'hours', 'confirm');
