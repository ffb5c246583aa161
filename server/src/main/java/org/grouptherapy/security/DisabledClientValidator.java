package org.grouptherapy.security;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Rejects tokens of clients an administrator disabled ({@code gt.disabled_client}), within a second
 * of disabling on every instance, without a database query per request.
 */
class DisabledClientValidator implements OAuth2TokenValidator<Jwt> {

  private static final Duration REFRESH = Duration.ofSeconds(1);

  private final JdbcTemplate jdbc;
  private volatile Set<String> disabled = Set.of();
  private volatile Instant loadedAt = Instant.EPOCH;

  DisabledClientValidator(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public OAuth2TokenValidatorResult validate(Jwt jwt) {
    // Read the claims directly: this runs on every request, and Jwt's typed accessors go through
    // a conversion service.
    Object client = jwt.getClaims().get("client_id");
    if (client == null) {
      client = jwt.getClaims().get("azp");
    }
    if (client != null && disabledClients().contains(client.toString())) {
      return OAuth2TokenValidatorResult.failure(
          new OAuth2Error("invalid_token", "The client " + client + " has been disabled", null));
    }
    return OAuth2TokenValidatorResult.success();
  }

  private Set<String> disabledClients() {
    Instant now = Instant.now();
    if (loadedAt.plus(REFRESH).isBefore(now)) {
      disabled =
          Set.copyOf(jdbc.queryForList("SELECT client_id FROM gt.disabled_client", String.class));
      loadedAt = now;
    }
    return disabled;
  }
}
