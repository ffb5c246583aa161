package org.grouptherapy.security;

import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import org.springframework.security.crypto.keygen.Base64StringKeyGenerator;
import org.springframework.security.crypto.keygen.StringKeyGenerator;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;

/**
 * Refresh tokens as SMART App Launch means them: issued when the app asked for {@code
 * offline_access} (or {@code online_access}) and its registration allows the refresh_token grant,
 * to confidential and public apps alike. Spring Authorization Server on its own never gives a
 * public client one; here a public app's refresh token is protected the way OAuth 2.0 for browser
 * and native apps advises: it is single-use (rotated on every refresh, {@code
 * reuseRefreshTokens=false}) and a rotated-away token coming back revokes the whole authorization
 * ({@link RotatingAuthorizationService}).
 */
final class SmartRefreshTokens implements OAuth2TokenGenerator<OAuth2RefreshToken> {

  static final Set<String> REFRESH_SCOPES = Set.of("offline_access", "online_access");

  private final StringKeyGenerator values =
      new Base64StringKeyGenerator(Base64.getUrlEncoder().withoutPadding(), 96);
  private final Clock clock;

  SmartRefreshTokens(Clock clock) {
    this.clock = clock;
  }

  @Override
  public OAuth2RefreshToken generate(OAuth2TokenContext context) {
    if (!OAuth2TokenType.REFRESH_TOKEN.equals(context.getTokenType())
        || !context
            .getRegisteredClient()
            .getAuthorizationGrantTypes()
            .contains(AuthorizationGrantType.REFRESH_TOKEN)
        || context.getAuthorizedScopes().stream().noneMatch(REFRESH_SCOPES::contains)) {
      return null;
    }
    Instant issued = clock.instant();
    return new OAuth2RefreshToken(
        values.generateKey(),
        issued,
        issued.plus(context.getRegisteredClient().getTokenSettings().getRefreshTokenTimeToLive()));
  }
}
