-- The notification outbox: one row per message to deliver, written in the same transaction as
-- the schedule change and the Communication it belongs to, so a change is never without its
-- messages nor a message without its change. OutboxDispatcher claims due rows with
-- SELECT ... FOR UPDATE SKIP LOCKED (safe with several server instances), sends them, and marks
-- them sent in the same transaction that held the lock; failures are retried with exponential
-- backoff until max attempts, then marked failed. The Communication mirrors the status.
CREATE TABLE outbox_message (
    id               bigserial   PRIMARY KEY,
    communication    text        NOT NULL UNIQUE,   -- Communication/123
    channel          text        NOT NULL,          -- email
    address          text        NOT NULL,
    subject          text        NOT NULL,
    body             text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending'
                                 CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);

CREATE INDEX outbox_message_due ON outbox_message (next_attempt_at) WHERE status = 'pending';
