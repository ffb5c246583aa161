-- The booking ledger: one row per person, room and time a calendar entry holds, kept by
-- BookingLedger in the same transaction as HAPI's write of the Appointment or Slot it comes from.
-- PostgreSQL, not Java, keeps two entries of one practitioner, room or member from overlapping:
-- the exclusion constraint holds across threads and across server instances. An entry written
-- with an explicit override (reason recorded, and a Provenance beside the resource) is left out
-- of the constraint.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE booking (
    id              bigserial   PRIMARY KEY,
    -- who or what is booked: Practitioner/12, Location/7 (a physical room), Patient/40
    resource_key    text        NOT NULL,
    -- the Appointment or Slot the booking comes from: Appointment/55
    source          text        NOT NULL,
    -- session, appointment, or a calendar-block-type code (pto, supervision, prep, ...)
    kind            text        NOT NULL,
    during          tstzrange   NOT NULL,
    override_reason text,
    CONSTRAINT booking_no_overlap
        EXCLUDE USING gist (resource_key WITH =, during WITH &&) WHERE (override_reason IS NULL)
);

CREATE INDEX booking_source ON booking (source);
CREATE INDEX booking_key_during ON booking USING gist (resource_key, during);
