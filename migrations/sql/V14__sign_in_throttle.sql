-- Failed sign-ins and client authentications, per user name ("user:"), client id ("client:") and
-- source address ("address:"): the count of failures in the current window and the moment before
-- which the next attempt is refused without being checked (growing delays, then a lockout).
-- Unknown user names are counted like known ones, so the answers say nothing about who exists.
CREATE TABLE sign_in_throttle (
    key              text        PRIMARY KEY,
    failures         integer     NOT NULL,
    first_failure_at timestamptz NOT NULL,
    not_before       timestamptz NOT NULL
);
