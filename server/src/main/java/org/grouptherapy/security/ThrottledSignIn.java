package org.grouptherapy.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The sign-in form, throttled ({@link SignInThrottle}) and audited: an attempt for a user name or
 * from an address that must still wait is refused before the password is looked at, with the same
 * page as a wrong password; every failure is counted and recorded as an AuditEvent.
 */
final class ThrottledSignIn {

  static final String SIGN_IN_FAILURE = "sign-in-failure";

  private final SignInThrottle throttle;
  private final AuditTrail audit;
  private final String failureUrl;

  ThrottledSignIn(SignInThrottle throttle, AuditTrail audit, String loginPath) {
    this.throttle = throttle;
    this.audit = audit;
    this.failureUrl = loginPath + "?error";
  }

  private static List<SignInThrottle.Key> keys(HttpServletRequest request) {
    return List.of(
        SignInThrottle.Key.user(request.getParameter("username")),
        SignInThrottle.Key.address(request.getRemoteAddr()));
  }

  /** Runs before the form's authentication filter, on POSTs of the form. */
  OncePerRequestFilter gate(String loginPath) {
    return new OncePerRequestFilter() {
      @Override
      protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod()) || !loginPath.equals(request.getServletPath());
      }

      @Override
      protected void doFilterInternal(
          HttpServletRequest request, HttpServletResponse response, FilterChain chain)
          throws ServletException, IOException {
        if (!throttle.allows(keys(request))) {
          audit.authenticationFailure(
              request,
              SIGN_IN_FAILURE,
              request.getParameter("username"),
              null,
              "too many failed attempts: refused unchecked");
          response.sendRedirect(request.getContextPath() + failureUrl);
          return;
        }
        chain.doFilter(request, response);
      }
    };
  }

  SimpleUrlAuthenticationFailureHandler failureHandler() {
    return new SimpleUrlAuthenticationFailureHandler(failureUrl) {
      @Override
      public void onAuthenticationFailure(
          HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
          throws IOException, ServletException {
        throttle.failed(keys(request));
        audit.authenticationFailure(
            request,
            SIGN_IN_FAILURE,
            request.getParameter("username"),
            null,
            "wrong user name or password");
        super.onAuthenticationFailure(request, response, e);
      }
    };
  }

  SavedRequestAwareAuthenticationSuccessHandler successHandler() {
    return new SavedRequestAwareAuthenticationSuccessHandler() {
      @Override
      public void onAuthenticationSuccess(
          HttpServletRequest request, HttpServletResponse response, Authentication authentication)
          throws ServletException, IOException {
        throttle.succeeded(SignInThrottle.Key.user(request.getParameter("username")));
        super.onAuthenticationSuccess(request, response, authentication);
      }
    };
  }
}
