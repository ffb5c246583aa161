package org.grouptherapy.fhir;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.server.WebServer;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Until the server is ready (Spring's readiness state: migrations run, conformance resources
 * installed, the demo loaded, its clients registered), every request but the health probes is
 * answered 503 with {@code Retry-After} and an OperationOutcome, instead of a 401 {@code
 * invalid_client} or an empty search that would send a newcomer looking for a mistake of theirs.
 * The same while the server is shutting down.
 */
class ReadinessGate extends OncePerRequestFilter {

  static final int RETRY_AFTER_SECONDS = 5;

  /**
   * The web server of an event that made the application ready (Spring turns readiness on after
   * every start-up task), or empty for any other availability change.
   */
  static Optional<WebServer> readyWebServer(AvailabilityChangeEvent<ReadinessState> event) {
    return event.getState() == ReadinessState.ACCEPTING_TRAFFIC
            && event.getSource() instanceof WebServerApplicationContext web
        ? Optional.of(web.getWebServer())
        : Optional.empty();
  }

  private final ApplicationAvailability availability;

  ReadinessGate(ApplicationAvailability availability) {
    this.availability = availability;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC
        || request.getRequestURI().startsWith("/actuator/")) {
      chain.doFilter(request, response);
      return;
    }
    FhirErrorResponses.unavailable(
        request,
        response,
        RETRY_AFTER_SECONDS,
        "The server is starting (or stopping) and not ready for requests yet. Try again in "
            + RETRY_AFTER_SECONDS
            + " seconds; /actuator/health/readiness says UP when it is ready.");
  }
}
