-- Which versions of the demo data sets have been loaded into this database, so that the demo
-- practice is loaded once on the first start and never duplicated on later starts.
CREATE TABLE demo_data_load (
    data_set   text        NOT NULL,
    version    integer     NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now(),
    resources  integer     NOT NULL,
    PRIMARY KEY (data_set, version)
);
