package org.grouptherapy.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Sends a signed-in staff user whose app asked for {@code launch/patient} to the patient picker
 * before the authorization endpoint answers, unless a patient was picked already.
 */
final class PatientPickerRedirect extends OncePerRequestFilter {

  private final String authorizationEndpoint;

  PatientPickerRedirect(String authorizationEndpoint) {
    this.authorizationEndpoint = authorizationEndpoint;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !"GET".equals(request.getMethod())
        || !authorizationEndpoint.equals(request.getServletPath())
        || request.getParameter(PatientLaunch.PARAMETER) != null
        || request.getParameter("scope") == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Set<String> scopes = Set.of(request.getParameter("scope").trim().split("\\s+"));
    if (PatientLaunch.picks(SecurityContextHolder.getContext().getAuthentication(), scopes)) {
      response.sendRedirect(
          request.getContextPath()
              + PatientLaunch.PICKER_PATH
              + "?authorize="
              + URLEncoder.encode(request.getQueryString(), StandardCharsets.UTF_8));
      return;
    }
    chain.doFilter(request, response);
  }
}
