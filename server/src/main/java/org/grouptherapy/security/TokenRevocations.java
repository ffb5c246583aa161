package org.grouptherapy.security;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.grouptherapy.system.Hashes;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Refuses access tokens that were revoked before they expired ({@code gt.revoked_token}) and tokens
 * of clients an administrator disabled ({@code gt.disabled_client}). Each instance reads both lists
 * once a second (one query, not one per request), so a revocation made on any instance is enforced
 * on all of them within a second; one made on this instance counts at once.
 */
class TokenRevocations implements OAuth2TokenValidator<Jwt> {

  private static final Duration REFRESH = Duration.ofSeconds(1);

  /** The claim naming the authorization an access token was issued under. */
  static final String GRANT_CLAIM = "grant_id";

  private static final String GRANT = "grant:";
  private static final String TOKEN = "token:";

  private record Lists(Set<String> disabledClients, Set<String> revokedTokens, Instant loadedAt) {}

  private final JdbcTemplate jdbc;
  private final Clock clock;
  private volatile Lists lists = new Lists(Set.of(), Set.of(), Instant.EPOCH);

  TokenRevocations(JdbcTemplate jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  @Override
  public OAuth2TokenValidatorResult validate(Jwt jwt) {
    Lists current = current();
    // Read the claims directly: this runs on every request, and Jwt's typed accessors go through
    // a conversion service.
    Object client = jwt.getClaims().get("client_id");
    if (client == null) {
      client = jwt.getClaims().get("azp");
    }
    if (client != null && current.disabledClients().contains(client.toString())) {
      return OAuth2TokenValidatorResult.failure(
          new OAuth2Error("invalid_token", "The client " + client + " has been disabled", null));
    }
    Set<String> revoked = current.revokedTokens();
    if (!revoked.isEmpty()) {
      Object grant = jwt.getClaims().get(GRANT_CLAIM);
      if ((grant != null && revoked.contains(GRANT + grant))
          || revoked.contains(TOKEN + Hashes.sha256Hex(jwt.getTokenValue()))) {
        return OAuth2TokenValidatorResult.failure(
            new OAuth2Error("invalid_token", "The access token has been revoked", null));
      }
    }
    return OAuth2TokenValidatorResult.success();
  }

  /** Refuses one access token from now on (here at once, on the other instances within 1 s). */
  void revokeToken(String accessToken, Instant expiresAt) {
    if (accessToken != null) {
      record(TOKEN + Hashes.sha256Hex(accessToken), expiresAt);
    }
  }

  /**
   * Refuses every access token issued under an authorization (they carry its id as {@value
   * #GRANT_CLAIM}), up to {@code lastExpiry}, when the last of them expires.
   */
  void revokeGrant(String authorizationId, Instant lastExpiry) {
    record(GRANT + authorizationId, lastExpiry);
  }

  private void record(String revoked, Instant expiresAt) {
    Instant now = clock.instant();
    if (expiresAt != null && !expiresAt.isAfter(now)) {
      return;
    }
    jdbc.update("DELETE FROM gt.revoked_token WHERE expires_at < now()");
    jdbc.update(
        "INSERT INTO gt.revoked_token (revoked, expires_at) VALUES (?, ?)"
            + " ON CONFLICT (revoked) DO UPDATE SET expires_at ="
            + " greatest(gt.revoked_token.expires_at, excluded.expires_at)",
        revoked,
        Timestamp.from(expiresAt != null ? expiresAt : now.plus(Duration.ofDays(1))));
    Lists known = current();
    Set<String> all = new HashSet<>(known.revokedTokens());
    all.add(revoked);
    lists = new Lists(known.disabledClients(), Set.copyOf(all), known.loadedAt());
  }

  /** Whether a client is disabled now (asked when issuing tokens: no cache). */
  boolean isDisabled(String clientId) {
    Integer count =
        jdbc.queryForObject(
            "SELECT count(*) FROM gt.disabled_client WHERE client_id = ?", Integer.class, clientId);
    return count != null && count > 0;
  }

  private Lists current() {
    Lists known = lists;
    Instant now = clock.instant();
    if (known.loadedAt().plus(REFRESH).isBefore(now)) {
      Set<String> clients = new HashSet<>();
      Set<String> tokens = new HashSet<>();
      jdbc.query(
          "SELECT 'c', client_id FROM gt.disabled_client"
              + " UNION ALL SELECT 't', revoked FROM gt.revoked_token WHERE expires_at > now()",
          row -> {
            ("c".equals(row.getString(1)) ? clients : tokens).add(row.getString(2));
          });
      known = new Lists(Set.copyOf(clients), Set.copyOf(tokens), now);
      lists = known;
    }
    return known;
  }
}
