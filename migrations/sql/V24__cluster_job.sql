-- Periodic jobs that must run once per interval across every server instance (HAPI's clustered
-- jobs): the instance whose timer finds a job due claims the round by moving next_due on; the
-- others skip it (org.grouptherapy.fhir.OncePerCluster).
CREATE TABLE cluster_job (
    job       text         PRIMARY KEY,
    next_due  timestamptz  NOT NULL,
    last_run  timestamptz  NOT NULL
);
