-- Holds on open seats of group sessions, after IHE ITI Scheduling ($hold, ITI-116): a seat held
-- for a member until expires_at, then booked ($book, ITI-117) or released. Kept here rather than
-- as FHIR resources so that the seat count (members + live holds <= capacity) can be checked
-- under a per-session advisory lock, across server instances.
CREATE TABLE seat_hold (
    id          uuid        PRIMARY KEY,
    session     text        NOT NULL,   -- Appointment/55
    patient     text        NOT NULL,   -- Patient/40
    held_by     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    status      text        NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'booked', 'released'))
);

CREATE INDEX seat_hold_session ON seat_hold (session) WHERE status = 'held';
