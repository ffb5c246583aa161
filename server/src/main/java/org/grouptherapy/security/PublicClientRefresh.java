package org.grouptherapy.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * A public app (no secret, e.g. the VA browser app) identifying itself by {@code client_id} alone
 * when it uses its refresh token, as RFC 6749 §6 allows for public clients: the refresh token,
 * single-use and bound to that client, is the credential. Spring Authorization Server accepts
 * public clients only at the code exchange (with PKCE); this adds the refresh grant and revoking
 * (signing out).
 */
final class PublicClientRefresh {

  private PublicClientRefresh() {}

  /**
   * {@code grant_type=refresh_token&client_id=…} at the token endpoint, or {@code
   * token=…&client_id=…} at the revocation endpoint (RFC 7009 §2.1: a public app signing out
   * revokes its refresh token), with no other client credentials.
   */
  static final class Converter implements AuthenticationConverter {

    private final String revocationEndpoint;

    Converter(String revocationEndpoint) {
      this.revocationEndpoint = revocationEndpoint;
    }

    @Override
    public Authentication convert(HttpServletRequest request) {
      boolean refresh =
          AuthorizationGrantType.REFRESH_TOKEN
              .getValue()
              .equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE));
      boolean revoke =
          revocationEndpoint.equals(request.getServletPath())
              && request.getParameter(OAuth2ParameterNames.TOKEN) != null;
      if (!"POST".equals(request.getMethod())
          || !(refresh || revoke)
          || request.getHeader(HttpHeaders.AUTHORIZATION) != null
          || request.getParameter(OAuth2ParameterNames.CLIENT_SECRET) != null
          || request.getParameter(OAuth2ParameterNames.CLIENT_ASSERTION) != null) {
        return null;
      }
      String[] clientIds = request.getParameterValues(OAuth2ParameterNames.CLIENT_ID);
      if (clientIds == null || clientIds.length != 1 || clientIds[0].isBlank()) {
        return null;
      }
      return new OAuth2ClientAuthenticationToken(
          clientIds[0], ClientAuthenticationMethod.NONE, null, null);
    }
  }

  /** Accepts the client if it is registered as public and may use refresh tokens. */
  static final class Provider implements AuthenticationProvider {

    private final RegisteredClientRepository clients;

    Provider(RegisteredClientRepository clients) {
      this.clients = clients;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
      OAuth2ClientAuthenticationToken request = (OAuth2ClientAuthenticationToken) authentication;
      if (!ClientAuthenticationMethod.NONE.equals(request.getClientAuthenticationMethod())
          || request.getCredentials() != null
          || request.getAdditionalParameters().containsKey("code_verifier")) {
        return null; // PKCE code exchanges stay with Spring's own provider
      }
      RegisteredClient client = clients.findByClientId((String) request.getPrincipal());
      if (client == null
          || !client.getClientAuthenticationMethods().contains(ClientAuthenticationMethod.NONE)
          || !client.getAuthorizationGrantTypes().contains(AuthorizationGrantType.REFRESH_TOKEN)) {
        throw new OAuth2AuthenticationException(
            new OAuth2Error(
                OAuth2ErrorCodes.INVALID_CLIENT,
                "Client authentication failed: only a registered public client may refresh with"
                    + " its client_id alone",
                null));
      }
      return new OAuth2ClientAuthenticationToken(client, ClientAuthenticationMethod.NONE, null);
    }

    @Override
    public boolean supports(Class<?> authentication) {
      return OAuth2ClientAuthenticationToken.class.isAssignableFrom(authentication);
    }
  }
}
