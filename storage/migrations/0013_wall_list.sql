-- The wish wall's list (storage/wall.py): what a page filters and sorts on, for the wishes that
-- may be on the wall only. Partial, so it holds a community's open and claimed wishes and never
-- its fulfilled years, and stays small however long a community runs; covering, so a page's ids
-- and the count of all matches come from it alone, the description included for searches.
-- Category comes right after the status: a category filter is a range of the index.
CREATE INDEX wishes_wall ON wishes
    (community_id, status, category, due_date, value_fen, branch_id, needed_members, description)
    WHERE status IN ('open', 'claimed');
