-- A therapist's caseload: the patients whose clinical data they may read. Each row says that one
-- practitioner cares for one patient because of one resource: a Group they facilitate (the
-- patient a member of it) or an Appointment they take part in (the patient too). Rows are written
-- by the server in the same transaction as the Group or Appointment, and only for writes made by
-- someone entitled to assign care (a VA, an administrator, a system client, the server's own
-- jobs): a therapist's own writes never add a row, so they never widen their own access.
CREATE TABLE care_assignment (
    practitioner_id text        NOT NULL,
    patient_id      text        NOT NULL,
    source          text        NOT NULL,
    assigned_by     text        NOT NULL,
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, practitioner_id, patient_id)
);

CREATE INDEX care_assignment_practitioner ON care_assignment (practitioner_id, patient_id);

-- Work that must run once per database, whichever instance starts first (taken under an
-- advisory lock, recorded here when done).
CREATE TABLE startup_task (
    name    text        PRIMARY KEY,
    done_at timestamptz NOT NULL DEFAULT now()
);
