-- A community's own wish categories, beside the seven built in (whose names live in the text
-- catalog and never change here). A wish refers to one of these as 'c' || id in wishes.category,
-- so existing wishes keep their built-in keys untouched. Rows are never deleted: a hidden
-- category is no longer offered for new wishes but still labels the wishes that have it.
CREATE TABLE wish_categories (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    hidden        INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (hidden IN (0, 1)),
    CHECK (length(name_zh) > 0 AND length(name_en) > 0)
);
CREATE INDEX wish_categories_community ON wish_categories (community_id, id);
