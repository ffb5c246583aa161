-- Access tokens refused before they expire: one revoked at /oauth2/revoke ("token:" and a SHA-256
-- of the token), or every token of an authorization (a grant) revoked because a rotated-away
-- refresh token came back or the app's refresh token was revoked ("grant:" and the authorization
-- id, which access tokens carry as grant_id). Every instance reads this table every second and
-- refuses these tokens at /fhir. Rows are kept only as long as the tokens could live.
CREATE TABLE revoked_token (
    revoked    text        PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX revoked_token_expires ON revoked_token (expires_at);
