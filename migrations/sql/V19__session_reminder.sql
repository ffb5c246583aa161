-- Session reminders sent (SessionReminders): one row per session, person and reminder (minutes
-- before the start), written in the transaction that creates the reminder's Communications and
-- outbox rows. The primary key makes each reminder happen exactly once, however many server
-- instances look for due reminders at the same moment: the second insert waits for the first and
-- then does nothing.
CREATE TABLE session_reminder (
    session         text        NOT NULL,   -- Appointment/123
    person          text        NOT NULL,   -- Patient/7, Practitioner/3, RelatedPerson/9
    before_minutes  integer     NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session, person, before_minutes)
);
