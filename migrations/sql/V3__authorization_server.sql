-- Tables of the embedded authorization server (Spring Authorization Server's JDBC services), so
-- that authorization codes, refresh tokens and registered clients are shared by every server
-- instance. Adapted for PostgreSQL as its schema files advise: text for blob, timestamptz for
-- timestamp; scopes are text since SMART scope lists run long. The server reaches these tables
-- through search_path (public, gt).
CREATE TABLE oauth2_registered_client (
    id                            varchar(100) NOT NULL,
    client_id                     varchar(100) NOT NULL UNIQUE,
    client_id_issued_at           timestamptz  DEFAULT CURRENT_TIMESTAMP NOT NULL,
    client_secret                 varchar(200) DEFAULT NULL,
    client_secret_expires_at      timestamptz  DEFAULT NULL,
    client_name                   varchar(200) NOT NULL,
    client_authentication_methods varchar(1000) NOT NULL,
    authorization_grant_types     varchar(1000) NOT NULL,
    redirect_uris                 text DEFAULT NULL,
    post_logout_redirect_uris     text DEFAULT NULL,
    scopes                        text NOT NULL,
    client_settings               text NOT NULL,
    token_settings                text NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE oauth2_authorization (
    id                            varchar(100) NOT NULL,
    registered_client_id          varchar(100) NOT NULL,
    principal_name                varchar(200) NOT NULL,
    authorization_grant_type      varchar(100) NOT NULL,
    authorized_scopes             text DEFAULT NULL,
    attributes                    text DEFAULT NULL,
    state                         varchar(500) DEFAULT NULL,
    authorization_code_value      text DEFAULT NULL,
    authorization_code_issued_at  timestamptz DEFAULT NULL,
    authorization_code_expires_at timestamptz DEFAULT NULL,
    authorization_code_metadata   text DEFAULT NULL,
    access_token_value            text DEFAULT NULL,
    access_token_issued_at        timestamptz DEFAULT NULL,
    access_token_expires_at       timestamptz DEFAULT NULL,
    access_token_metadata         text DEFAULT NULL,
    access_token_type             varchar(100) DEFAULT NULL,
    access_token_scopes           text DEFAULT NULL,
    oidc_id_token_value           text DEFAULT NULL,
    oidc_id_token_issued_at       timestamptz DEFAULT NULL,
    oidc_id_token_expires_at      timestamptz DEFAULT NULL,
    oidc_id_token_metadata        text DEFAULT NULL,
    refresh_token_value           text DEFAULT NULL,
    refresh_token_issued_at       timestamptz DEFAULT NULL,
    refresh_token_expires_at      timestamptz DEFAULT NULL,
    refresh_token_metadata        text DEFAULT NULL,
    user_code_value               text DEFAULT NULL,
    user_code_issued_at           timestamptz DEFAULT NULL,
    user_code_expires_at          timestamptz DEFAULT NULL,
    user_code_metadata            text DEFAULT NULL,
    device_code_value             text DEFAULT NULL,
    device_code_issued_at         timestamptz DEFAULT NULL,
    device_code_expires_at        timestamptz DEFAULT NULL,
    device_code_metadata          text DEFAULT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE oauth2_authorization_consent (
    registered_client_id varchar(100) NOT NULL,
    principal_name       varchar(200) NOT NULL,
    authorities          text NOT NULL,
    PRIMARY KEY (registered_client_id, principal_name)
);

-- The token signing keys, as JWK JSON (private parts included): every instance signs with and
-- publishes the same keys. The newest active key signs; older ones stay published to verify.
CREATE TABLE signing_key (
    kid        text        PRIMARY KEY,
    jwk        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    active     boolean     NOT NULL DEFAULT true
);

-- The jti of every client assertion (private_key_jwt) seen, until it expires, so that a replayed
-- assertion is refused by any instance.
CREATE TABLE client_assertion_jti (
    jti        text        PRIMARY KEY,
    client_id  text        NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Clients switched off by an administrator: their tokens stop working at once.
CREATE TABLE disabled_client (
    client_id   text        PRIMARY KEY,
    disabled_at timestamptz NOT NULL DEFAULT now(),
    reason      text
);
