package org.grouptherapy.security;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.grouptherapy.system.Hashes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;

/**
 * The authorization store with refresh-token reuse detection. Refresh tokens are single-use: each
 * refresh replaces the token, and the replaced one is remembered (as a hash). If a replaced token
 * is presented again, someone kept a copy, so the whole authorization is revoked and the app's user
 * signs in again (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
 */
final class RotatingAuthorizationService implements OAuth2AuthorizationService {

  private static final Logger log = LoggerFactory.getLogger(RotatingAuthorizationService.class);

  private final OAuth2AuthorizationService delegate;
  private final JdbcTemplate jdbc;
  private final Clock clock;
  private final TokenRevocations revocations;
  private final Duration accessTokenLifetime;

  RotatingAuthorizationService(
      OAuth2AuthorizationService delegate,
      JdbcTemplate jdbc,
      Clock clock,
      TokenRevocations revocations,
      Duration accessTokenLifetime) {
    this.delegate = delegate;
    this.jdbc = jdbc;
    this.clock = clock;
    this.revocations = revocations;
    this.accessTokenLifetime = accessTokenLifetime;
  }

  @Override
  public void save(OAuth2Authorization authorization) {
    // Only a save that carries a refresh token can have replaced one: Spring's providers derive
    // a new authorization from the old one, which keeps every token not replaced. The others
    // (client credentials, codes, sign-ins without offline_access) need no look at the old one.
    OAuth2RefreshToken current =
        authorization.getRefreshToken() == null ? null : authorization.getRefreshToken().getToken();
    OAuth2Authorization before = current == null ? null : delegate.findById(authorization.getId());
    OAuth2RefreshToken replaced =
        before == null || before.getRefreshToken() == null
            ? null
            : before.getRefreshToken().getToken();
    if (replaced != null && !current.getTokenValue().equals(replaced.getTokenValue())) {
      Instant expires = replaced.getExpiresAt() != null ? replaced.getExpiresAt() : clock.instant();
      jdbc.update("DELETE FROM gt.rotated_refresh_token WHERE expires_at < now()");
      jdbc.update(
          "INSERT INTO gt.rotated_refresh_token (token_hash, authorization_id, expires_at)"
              + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          hash(replaced.getTokenValue()),
          authorization.getId(),
          Timestamp.from(expires));
    }
    revokeInvalidated(authorization);
    delegate.save(authorization);
  }

  /**
   * A token revoked at the revocation endpoint is saved as invalidated: an access token is refused
   * from then on; a refresh token takes every access token of its authorization with it.
   */
  private void revokeInvalidated(OAuth2Authorization authorization) {
    OAuth2Authorization.Token<OAuth2RefreshToken> refresh = authorization.getRefreshToken();
    if (refresh != null && refresh.isInvalidated()) {
      revokeAll(authorization);
      return;
    }
    OAuth2Authorization.Token<OAuth2AccessToken> access = authorization.getAccessToken();
    if (access != null && access.isInvalidated()) {
      revocations.revokeToken(access.getToken().getTokenValue(), access.getToken().getExpiresAt());
    }
  }

  /** Every access token issued under the authorization, past ones included. */
  private void revokeAll(OAuth2Authorization authorization) {
    OAuth2Authorization.Token<OAuth2AccessToken> access = authorization.getAccessToken();
    Instant lastExpiry =
        access != null && access.getToken().getExpiresAt() != null
            ? access.getToken().getExpiresAt()
            : clock.instant().plus(accessTokenLifetime);
    revocations.revokeGrant(authorization.getId(), lastExpiry);
    if (access != null) {
      revocations.revokeToken(access.getToken().getTokenValue(), access.getToken().getExpiresAt());
    }
  }

  @Override
  public void remove(OAuth2Authorization authorization) {
    revokeAll(authorization);
    delegate.remove(authorization);
  }

  @Override
  public OAuth2Authorization findById(String id) {
    return delegate.findById(id);
  }

  @Override
  public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
    OAuth2Authorization found = delegate.findByToken(token, tokenType);
    if (found == null
        && token != null
        && (tokenType == null || OAuth2TokenType.REFRESH_TOKEN.equals(tokenType))) {
      revokeIfReused(token);
    }
    return found;
  }

  private void revokeIfReused(String token) {
    List<String> authorizations =
        jdbc.queryForList(
            "SELECT authorization_id FROM gt.rotated_refresh_token"
                + " WHERE token_hash = ? AND expires_at >= now()",
            String.class,
            hash(token));
    for (String id : authorizations) {
      OAuth2Authorization stolen = delegate.findById(id);
      if (stolen != null) {
        log.warn(
            "A used refresh token was presented again: authorization {} of client {} revoked",
            id,
            stolen.getRegisteredClientId());
        remove(stolen);
      }
    }
  }

  private static String hash(String token) {
    return Hashes.sha256Hex(token);
  }
}
