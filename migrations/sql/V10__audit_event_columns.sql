-- Audit rows become plain columns: the request thread records a few strings and the writer
-- COPYs them in batches; AuditEventProvider renders the FHIR AuditEvent when an administrator
-- reads it. Building and JSON-encoding a HAPI AuditEvent per request was most of the audit cost.
ALTER TABLE audit_event
    ADD COLUMN outcome_desc text,
    ADD COLUMN user_ref     text,
    ADD COLUMN subject      text,
    ADD COLUMN address      text,
    ADD COLUMN entity_type  text,
    ADD COLUMN query        text,
    ADD COLUMN description  text;

UPDATE audit_event SET
    outcome_desc = event ->> 'outcomeDesc',
    user_ref     = event #>> '{agent,0,who,reference}',
    subject      = event #>> '{agent,0,who,identifier,value}',
    address      = event #>> '{agent,0,network,address}',
    entity_type  = jsonb_path_query_first(event, '$.entity[*].what.type') #>> '{}',
    query        = convert_from(decode(jsonb_path_query_first(event, '$.entity[*].query') #>> '{}', 'base64'), 'UTF8'),
    description  = jsonb_path_query_first(event, '$.entity[*].description') #>> '{}';

ALTER TABLE audit_event DROP COLUMN event;
