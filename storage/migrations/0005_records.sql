-- Records in and out: notes that come with imported wishes, when a beneficiary's
-- personal data was erased (retention or /forget), and indexes for statistics and look-ups.

ALTER TABLE wishes ADD COLUMN notes TEXT;
-- Set once phone and address (and notes) are erased; statistics keep the rest of the row.
ALTER TABLE wishes ADD COLUMN personal_erased_at TEXT;

-- Repeat beneficiaries are found by name and phone within a community.
CREATE INDEX wishes_beneficiary ON wishes (community_id, beneficiary_name, beneficiary_phone);
-- Completion rates select by due date, service records by holder and claim date.
CREATE INDEX wishes_community_due ON wishes (community_id, due_date);
CREATE INDEX wishes_holder_claimed ON wishes (holder_id, claimed_at) WHERE holder_id IS NOT NULL;
-- Retention looks for closed wishes whose data is still held.
CREATE INDEX wishes_not_erased ON wishes (status) WHERE personal_erased_at IS NULL;
