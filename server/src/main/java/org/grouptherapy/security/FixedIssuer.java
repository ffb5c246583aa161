package org.grouptherapy.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.grouptherapy.fhir.ServerUrls;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContext;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Makes the authorization server's issuer the server's public URL ({@link ServerUrls#issuer()}) on
 * every request: in tokens' {@code iss}, in discovery documents, whatever host the request named.
 * Runs after Spring's own context filter, which would take the issuer from the request.
 */
final class FixedIssuer extends OncePerRequestFilter {

  private final ServerUrls urls;

  FixedIssuer(ServerUrls urls) {
    this.urls = urls;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    AuthorizationServerContext resolved = AuthorizationServerContextHolder.getContext();
    if (resolved != null) {
      AuthorizationServerSettings settings = resolved.getAuthorizationServerSettings();
      String issuer = urls.issuer();
      AuthorizationServerContextHolder.setContext(
          new AuthorizationServerContext() {
            @Override
            public String getIssuer() {
              return issuer;
            }

            @Override
            public AuthorizationServerSettings getAuthorizationServerSettings() {
              return settings;
            }
          });
    }
    chain.doFilter(request, response);
  }
}
