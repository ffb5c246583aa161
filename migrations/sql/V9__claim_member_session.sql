-- One live claim per member per session (DESIGN: "no member billed twice for one session; one
-- rendering provider per member per session"). ClaimGuard keeps a row per live group-session
-- Claim in the transaction that writes it; the unique key lets PostgreSQL settle two writers
-- racing for the same member and session. Cancelled and entered-in-error claims have no row.
CREATE TABLE claim_member_session (
    claim_id  text PRIMARY KEY,          -- Claim/12
    patient   text NOT NULL,             -- Patient/40
    session   text NOT NULL,             -- Appointment/55
    CONSTRAINT claim_member_session_once UNIQUE (patient, session)
);
