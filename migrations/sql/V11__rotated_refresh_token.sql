-- Refresh tokens are rotated on every use (one use each). A rotated-away token that comes back
-- was copied: the authorization it belonged to is revoked, so neither the thief nor the app keeps
-- a working refresh token (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). Only a SHA-256 of each token
-- is kept, for as long as the token could have lived.
CREATE TABLE rotated_refresh_token (
    token_hash       text        PRIMARY KEY,
    authorization_id text        NOT NULL,
    expires_at       timestamptz NOT NULL
);

CREATE INDEX rotated_refresh_token_expires ON rotated_refresh_token (expires_at);
