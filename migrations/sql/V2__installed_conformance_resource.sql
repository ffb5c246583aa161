-- The content hash of each conformance resource of the project's FHIR package as last written to
-- the FHIR repository, so that a restart skips unchanged ones (no snapshot generation, no new
-- resource versions, no reindexing).
CREATE TABLE installed_conformance_resource (
    resource_type  text        NOT NULL,
    resource_id    text        NOT NULL,
    content_sha256 text        NOT NULL,
    installed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_type, resource_id)
);
