-- Secret iCalendar feed URLs, one active per practitioner or room. Only a SHA-256 hash of the
-- secret is kept, so a database dump reveals no working URL; revoking sets revoked_at.
CREATE TABLE calendar_feed (
    token_hash  text        PRIMARY KEY,
    actor       text        NOT NULL,  -- Practitioner/12 or Location/7
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text,
    revoked_at  timestamptz
);

CREATE INDEX calendar_feed_actor ON calendar_feed (actor) WHERE revoked_at IS NULL;
