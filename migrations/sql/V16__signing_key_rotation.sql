-- Signing key rotation (SigningKeys): a key signs from signs_from on, until a newer key's
-- signs_from has passed; it is published from creation (so that every instance and every relying
-- party knows it before it signs) until the tokens it signed have expired. Keys already stored sign
-- from their creation, so a database where two instances each created a first key now has one
-- signing key (the newer) and two published ones, instead of tokens failing for good.
ALTER TABLE signing_key ADD COLUMN signs_from timestamptz;
UPDATE signing_key SET signs_from = created_at;
ALTER TABLE signing_key ALTER COLUMN signs_from SET NOT NULL;
ALTER TABLE signing_key ALTER COLUMN signs_from SET DEFAULT now();
