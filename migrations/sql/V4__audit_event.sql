-- The audit trail: one row per FHIR request or refused attempt, the AuditEvent itself as JSON
-- beside the columns it is searched by. Written in JDBC batches (cheap: one row per event)
-- rather than through the FHIR repository, whose indexing would double the cost of every read;
-- served read-only as FHIR AuditEvent to administrators (AuditEventProvider). Append-only.
CREATE TABLE audit_event (
    id         bigserial   PRIMARY KEY,
    recorded   timestamptz NOT NULL,
    subtype    text        NOT NULL,
    action     text        NOT NULL,
    outcome    text        NOT NULL,
    agent      text,
    client_id  text,
    entity     text,
    patient    text,
    event      jsonb       NOT NULL
);

CREATE INDEX audit_event_recorded ON audit_event (recorded DESC);
CREATE INDEX audit_event_entity ON audit_event (entity, recorded DESC);
CREATE INDEX audit_event_agent ON audit_event (agent, recorded DESC);
CREATE INDEX audit_event_patient ON audit_event (patient, recorded DESC);
