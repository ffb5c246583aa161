package org.grouptherapy.security;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.grouptherapy.kernel.Outcomes;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 from the security filters in FHIR's own error format: the bearer-token handlers set
 * the status and {@code WWW-Authenticate}; the body is an OperationOutcome saying what to do.
 */
final class OperationOutcomeErrors {

  private OperationOutcomeErrors() {}

  static AuthenticationEntryPoint unauthorized(FhirContext fhirContext, AuditTrail audit) {
    BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
    return (request, response, exception) -> {
      bearer.commence(request, response, exception);
      audit.denied(request, HttpServletResponse.SC_UNAUTHORIZED, exception.getMessage());
      write(
          fhirContext,
          response,
          OperationOutcome.IssueType.LOGIN,
          "Authentication required: send a valid, unexpired bearer access token issued for this"
              + " server ("
              + exception.getMessage()
              + ")");
    };
  }

  static AccessDeniedHandler forbidden(FhirContext fhirContext, AuditTrail audit) {
    BearerTokenAccessDeniedHandler bearer = new BearerTokenAccessDeniedHandler();
    return (request, response, exception) -> {
      bearer.handle(request, response, exception);
      audit.denied(request, HttpServletResponse.SC_FORBIDDEN, exception.getMessage());
      write(
          fhirContext,
          response,
          OperationOutcome.IssueType.FORBIDDEN,
          "The access token does not allow this request: " + exception.getMessage());
    };
  }

  private static void write(
      FhirContext fhirContext,
      HttpServletResponse response,
      OperationOutcome.IssueType type,
      String message)
      throws IOException {
    OperationOutcome outcome = new OperationOutcome();
    Outcomes.error(outcome, type, message);
    response.setContentType("application/fhir+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
  }
}
