-- Which sender holds a row's lease (storage/lease_holders.py): a restarted bot sends at once
-- what a killed one had on the wire, instead of waiting for the lease to run out. NULL for
-- leases taken before this column, and where a sender has no name: those run out by time.
ALTER TABLE outbox ADD COLUMN lease_by TEXT;
