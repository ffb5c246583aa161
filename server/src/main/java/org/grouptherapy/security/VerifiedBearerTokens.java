package org.grouptherapy.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Bearer tokens of {@code /fhir} requests to authentications, each distinct token verified once: a
 * client sends the same token with every request, and the signature of an identical string cannot
 * change. The verified authentication is kept (at most a minute) and handed out as it is; later
 * uses only re-check what can change: the expiry, and whether the client was disabled. It carries
 * no Spring authorities (the scopes are applied by {@link AccessRules}, per FHIR interaction) and
 * no per-request details, so one instance can serve concurrent requests.
 */
final class VerifiedBearerTokens implements AuthenticationManager {

  private final JwtAuthenticationProvider verifier;
  private final OAuth2TokenValidator<Jwt> recheck;
  private final Clock clock;
  private final Duration clockSkew;
  private final Cache<String, JwtAuthenticationToken> verified =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  VerifiedBearerTokens(
      JwtDecoder decoder, OAuth2TokenValidator<Jwt> recheck, Clock clock, Duration clockSkew) {
    this.verifier = new JwtAuthenticationProvider(decoder);
    this.verifier.setJwtAuthenticationConverter(
        jwt -> new JwtAuthenticationToken(jwt, List.of(), jwt.getSubject()));
    this.recheck = recheck;
    this.clock = clock;
    this.clockSkew = clockSkew;
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    BearerTokenAuthenticationToken bearer = (BearerTokenAuthenticationToken) authentication;
    String token = bearer.getToken();
    JwtAuthenticationToken known = verified.getIfPresent(token);
    if (known == null) {
      JwtAuthenticationToken fresh =
          (JwtAuthenticationToken) verifier.authenticate(new BearerTokenAuthenticationToken(token));
      verified.put(token, fresh);
      return fresh;
    }
    Instant expires = known.getToken().getExpiresAt();
    if (expires != null && !clock.instant().isBefore(expires.plus(clockSkew))) {
      verified.invalidate(token);
      throw new InvalidBearerTokenException("Jwt expired at " + expires);
    }
    OAuth2TokenValidatorResult result = recheck.validate(known.getToken());
    if (result.hasErrors()) {
      throw new InvalidBearerTokenException(result.getErrors().iterator().next().getDescription());
    }
    return known;
  }
}
