package org.grouptherapy.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Client authentication at the token, revocation and introspection endpoints, throttled ({@link
 * SignInThrottle}) per client id (for clients with a credential to guess: a secret or a key) and
 * per source address, and audited: every failure becomes an AuditEvent. An attempt that must still
 * wait gets {@code invalid_client} unchecked, the same answer as a wrong secret.
 */
final class ThrottledClientAuthentication implements AuthenticationProvider {

  static final String CLIENT_AUTHENTICATION_FAILURE = "client-authentication-failure";
  private static final String CHECKED = ThrottledClientAuthentication.class.getName();

  private final AuthenticationProvider delegate;
  private final SignInThrottle throttle;
  private final AuditTrail audit;

  ThrottledClientAuthentication(
      AuthenticationProvider delegate, SignInThrottle throttle, AuditTrail audit) {
    this.delegate = delegate;
    this.throttle = throttle;
    this.audit = audit;
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return delegate.supports(authentication);
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    if (!(authentication instanceof OAuth2ClientAuthenticationToken client)) {
      return delegate.authenticate(authentication);
    }
    HttpServletRequest request = currentRequest();
    String clientId = String.valueOf(client.getPrincipal());
    List<SignInThrottle.Key> keys = keys(client, clientId, request);
    // The providers are tried in turn (a refusal by one lets the next try): the throttle is asked
    // once per request, and its answer holds for every provider.
    Object verdict = request == null ? null : request.getAttribute(CHECKED);
    if (verdict == null) {
      verdict = throttle.allows(keys);
      if (request != null) {
        request.setAttribute(CHECKED, verdict);
      }
      if (!(Boolean) verdict) {
        audit.authenticationFailure(
            request,
            CLIENT_AUTHENTICATION_FAILURE,
            clientId,
            clientId,
            "too many failed attempts: refused unchecked");
      }
    }
    if (!(Boolean) verdict) {
      throw failed();
    }
    try {
      Authentication result = delegate.authenticate(authentication);
      if (result != null
          && result.isAuthenticated()
          && !ClientAuthenticationMethod.NONE.equals(client.getClientAuthenticationMethod())) {
        throttle.succeeded(SignInThrottle.Key.client(clientId));
      }
      return result;
    } catch (OAuth2AuthenticationException e) {
      if (OAuth2ErrorCodes.INVALID_CLIENT.equals(e.getError().getErrorCode())) {
        throttle.failed(keys);
        audit.authenticationFailure(
            request,
            CLIENT_AUTHENTICATION_FAILURE,
            clientId,
            clientId,
            e.getError().getDescription() == null
                ? "client authentication failed"
                : e.getError().getDescription());
      }
      throw e;
    }
  }

  /** A public client has no credential to guess: only the address is counted for it. */
  private static List<SignInThrottle.Key> keys(
      OAuth2ClientAuthenticationToken client, String clientId, HttpServletRequest request) {
    List<SignInThrottle.Key> keys = new ArrayList<>();
    if (!ClientAuthenticationMethod.NONE.equals(client.getClientAuthenticationMethod())) {
      keys.add(SignInThrottle.Key.client(clientId));
    }
    keys.add(SignInThrottle.Key.address(request == null ? null : request.getRemoteAddr()));
    return keys;
  }

  private static OAuth2AuthenticationException failed() {
    return new OAuth2AuthenticationException(
        new OAuth2Error(OAuth2ErrorCodes.INVALID_CLIENT, "Client authentication failed", null));
  }

  private static HttpServletRequest currentRequest() {
    return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes servlet
        ? servlet.getRequest()
        : null;
  }
}
