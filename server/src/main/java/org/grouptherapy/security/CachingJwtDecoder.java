package org.grouptherapy.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * Verifies each distinct token once: a client sends the same token with every request, and the
 * signature of an identical string cannot change. Later uses only re-check what can change — the
 * expiry and whether the client was disabled. Kept for at most a minute.
 */
class CachingJwtDecoder implements JwtDecoder {

  private final JwtDecoder delegate;
  private final OAuth2TokenValidator<Jwt> recheck;
  private final Clock clock;
  private final Cache<String, Jwt> verified =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  CachingJwtDecoder(JwtDecoder delegate, OAuth2TokenValidator<Jwt> recheck, Clock clock) {
    this.delegate = delegate;
    this.recheck = recheck;
    this.clock = clock;
  }

  @Override
  public Jwt decode(String token) {
    Jwt jwt = verified.getIfPresent(token);
    if (jwt == null) {
      jwt = delegate.decode(token);
      verified.put(token, jwt);
      return jwt;
    }
    if (jwt.getExpiresAt() != null && !clock.instant().isBefore(jwt.getExpiresAt())) {
      verified.invalidate(token);
      throw new BadJwtException("Jwt expired at " + jwt.getExpiresAt());
    }
    OAuth2TokenValidatorResult result = recheck.validate(jwt);
    if (result.hasErrors()) {
      throw new JwtValidationException(
          result.getErrors().iterator().next().getDescription(), List.copyOf(result.getErrors()));
    }
    return jwt;
  }
}
