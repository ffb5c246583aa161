-- One row per committed transaction that wrote FHIR resources (or moved a batch job, such as a
-- reindex, on), whichever instance or tool made it: the statement triggers below note the
-- transaction id. A paged search HAPI saved may be reused only while no such transaction has
-- committed since the search's snapshot (org.grouptherapy.fhir.FreshSearchCache): a cached search
-- never answers what the database would not. Rows older than ten minutes are deleted; a reusable
-- search is at most a minute old.
CREATE TABLE resource_write (
    xid  xid8         PRIMARY KEY,
    at   timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX resource_write_at ON resource_write (at);

-- Once per transaction: the first write statement notes it, the rest see the local setting.
CREATE FUNCTION note_resource_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('gt.resource_write_noted', true) IS DISTINCT FROM 'on' THEN
        INSERT INTO gt.resource_write (xid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
        PERFORM set_config('gt.resource_write_noted', 'on', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER gt_note_resource_write
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.hfj_resource
    FOR EACH STATEMENT EXECUTE FUNCTION note_resource_write();
CREATE TRIGGER gt_note_resource_write
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.hfj_res_ver
    FOR EACH STATEMENT EXECUTE FUNCTION note_resource_write();
CREATE TRIGGER gt_note_resource_write
    AFTER INSERT OR UPDATE OR DELETE ON public.bt2_job_instance
    FOR EACH STATEMENT EXECUTE FUNCTION note_resource_write();
