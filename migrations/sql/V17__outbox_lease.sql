-- The outbox is claimed with a lease instead of a lock held while sending (OutboxDispatcher): a
-- short transaction sets lease_until and lease_token on due rows (FOR UPDATE SKIP LOCKED), the
-- mail is sent outside any transaction, and the outcome is written only by the holder of the
-- lease. A hung SMTP server no longer holds rows "idle in transaction"; an instance that dies
-- while sending leaves a lease that expires, and another instance sends the message (at least
-- once).
ALTER TABLE outbox_message ADD COLUMN lease_until timestamptz;
ALTER TABLE outbox_message ADD COLUMN lease_token uuid;
