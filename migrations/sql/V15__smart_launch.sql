-- SMART EHR launches: a signed-in user opened an app from this server for a patient (and maybe an
-- encounter). The app gets the opaque id as `launch`, asks for the `launch` scope with it, and the
-- token then carries the patient. A launch must be used within minutes, once, by the app and the
-- user it was made for; it is kept while refresh tokens of that sign-in may live.
CREATE TABLE smart_launch (
    id         text        PRIMARY KEY,
    client_id  text        NOT NULL,
    user_name  text        NOT NULL,
    patient    text        NOT NULL,
    encounter  text,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz
);

CREATE INDEX smart_launch_created ON smart_launch (created_at);
