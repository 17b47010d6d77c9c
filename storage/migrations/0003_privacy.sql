-- PLACEHOLDER in branch issue-5 only. Migration 0003 belongs to another branch (main's
-- 0003_privacy.sql); this empty file keeps the 1..n sequence unbroken so 0004 applies here.
-- When merging, take the other branch's version of this file (an add/add conflict on purpose).
SELECT 1;
