package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Optional;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.kernel.access.AccessAudit;
import org.grouptherapy.kernel.access.Role;
import org.grouptherapy.system.AppProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * An AuditEvent (after IHE BALP) for every FHIR request: who (user and client), what (resource or
 * query), when, outcome and source address, including denied attempts. A request only queues a few
 * strings ({@link AuditRecord}); a background thread ({@link AuditWriter}) COPYs them into {@code
 * gt.audit_event} in batches, so auditing adds no database round trip to the request; batches the
 * database refuses are written again, and the queue is flushed on shutdown. {@link
 * AuditEventProvider} renders them as FHIR AuditEvents, for administrators only.
 */
@Component
@Interceptor
public class AuditTrail implements FhirRestInterceptor, AccessAudit {

  static final String AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type";
  static final String INTERACTION = "http://hl7.org/fhir/restful-interaction";
  static final String BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit";
  private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
  static final String CALENDAR_FEED = "calendar-feed";

  private final JdbcTemplate jdbc;
  private final Clock clock;

  private final AuditWriter writer;

  private final boolean enabled;

  private final CallerResolver callers;

  AuditTrail(
      JdbcTemplate jdbc,
      Clock clock,
      AppProperties properties,
      CallerResolver callers,
      io.micrometer.core.instrument.MeterRegistry meters) {
    this.callers = callers;
    this.jdbc = jdbc;
    this.clock = clock;
    // Off only with security off, which exists for the benchmark's baseline.
    this.enabled = properties.security().enabled();
    this.writer = new AuditWriter(jdbc, meters);
  }

  @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
  public void completed(RequestDetails request, ServletRequestDetails servlet) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (!enabled || operation == null || operation == RestOperationTypeEnum.METADATA) {
      return;
    }
    String entity = null;
    if (request.getId() != null && request.getId().hasIdPart()) {
      entity = request.getId().toUnqualifiedVersionless().getValue();
    }
    String url = request.getCompleteUrl();
    int question = url == null ? -1 : url.indexOf('?');
    enqueue(
        record(
            servlet.getServletRequest(),
            servlet.getServletResponse().getStatus(),
            null,
            callers.current(request).map(CallerResolver.Caller::access),
            interaction(operation),
            action(operation),
            entity,
            entity == null ? request.getResourceName() : null,
            question < 0 ? null : url.substring(question + 1),
            null));
  }

  /** Only administrators read the audit trail. */
  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -20)
  public void onlyAdministratorsAskForAuditEvents(RequestDetails request) {
    if (Role.AUDIT_EVENT.equals(request.getResourceName())
        && callers.current(request).map(c -> !c.access().isAdmin()).orElse(false)) {
      throw new ForbiddenOperationException(
          "Only administrators may read or change the audit trail (AuditEvent)");
    }
  }

  /** A request refused before it reached the FHIR server (no or bad token). */
  void denied(HttpServletRequest request, int status, String reason) {
    enqueue(
        record(
            request,
            status,
            reason,
            caller(),
            "access-denied",
            "E",
            null,
            null,
            null,
            request.getMethod() + " " + request.getRequestURI()));
  }

  /**
   * A read of a calendar through its secret iCalendar feed URL (no token: the URL is the
   * credential), or a refused one (unknown or revoked URL).
   */
  @Override
  public void calendarFeed(HttpServletRequest request, String actor, int status) {
    if (!enabled) {
      return;
    }
    AuditRecord record =
        record(
            request,
            status,
            null,
            Optional.empty(),
            status < 400 ? "read" : "access-denied",
            "R",
            actor,
            null,
            null,
            actor != null
                ? "iCalendar feed"
                : "GET " + request.getRequestURI().replaceAll("feeds/.*", "feeds/…"));
    enqueue(record.withAgent(CALENDAR_FEED));
  }

  /**
   * A failed sign-in ({@code sign-in-failure}, {@code who} the user name given) or client
   * authentication ({@code client-authentication-failure}, {@code who} the client id), including
   * attempts refused by {@link SignInThrottle} unchecked.
   */
  void authenticationFailure(
      HttpServletRequest request, String subtype, String who, String clientId, String reason) {
    if (!enabled) {
      return;
    }
    enqueue(
        new AuditRecord(
            clock.instant(),
            subtype,
            "E",
            "4",
            reason,
            who,
            null,
            who,
            clientId,
            request == null ? null : request.getRemoteAddr(),
            null,
            null,
            null,
            null,
            request == null ? null : request.getMethod() + " " + request.getRequestURI()));
  }

  /**
   * The SMART launch patient picker: the list of patients shown to a signed-in user ({@code chosen}
   * null), or the patient they picked for an app.
   */
  void patientPicker(
      HttpServletRequest request, SmartAccess user, String chosen, int status, String what) {
    if (!enabled) {
      return;
    }
    enqueue(
        record(
            request,
            status,
            null,
            Optional.of(user),
            chosen == null ? "search-type" : "operation",
            chosen == null ? "R" : "E",
            chosen,
            chosen == null ? "Patient" : null,
            null,
            what));
  }

  private AuditRecord record(
      HttpServletRequest request,
      int status,
      String reason,
      Optional<SmartAccess> caller,
      String subtype,
      String action,
      String entity,
      String entityType,
      String query,
      String description) {
    SmartAccess access = caller.orElse(null);
    String patient =
        access != null && access.patientId() != null
            ? "Patient/" + access.patientId()
            : entity != null && entity.startsWith("Patient/") ? entity : null;
    String userRef = access == null ? null : access.fhirUser();
    String subject = access == null ? null : access.subject();
    return new AuditRecord(
        clock.instant(),
        subtype,
        action,
        status < 400 ? "0" : status < 500 ? "4" : "8",
        reason != null ? reason : status >= 400 ? "HTTP " + status : null,
        userRef != null ? userRef : subject,
        userRef,
        subject,
        access == null ? null : access.clientId(),
        request.getRemoteAddr(),
        entity,
        entityType,
        patient,
        query,
        description);
  }

  /** The caller of a request refused before HAPI saw it (no RequestDetails to cache it in). */
  private static Optional<SmartAccess> caller() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication instanceof JwtAuthenticationToken token) {
      return Optional.of(SmartAccess.fromJwt(token.getToken()));
    }
    return Optional.empty();
  }

  private void enqueue(AuditRecord record) {
    writer.enqueue(record);
  }

  /**
   * Writes everything recorded so far and waits for a batch the writer thread is writing; used on
   * shutdown and by tests that read the trail.
   */
  public void flush() {
    writer.flush();
  }

  @PreDestroy
  void stop() throws InterruptedException {
    writer.stop();
  }

  private static String interaction(RestOperationTypeEnum operation) {
    return switch (operation) {
      case READ -> "read";
      case VREAD -> "vread";
      case UPDATE -> "update";
      case PATCH -> "patch";
      case DELETE -> "delete";
      case CREATE -> "create";
      case SEARCH_TYPE -> "search-type";
      case SEARCH_SYSTEM -> "search-system";
      case HISTORY_INSTANCE -> "history-instance";
      case HISTORY_TYPE -> "history-type";
      case HISTORY_SYSTEM -> "history-system";
      case TRANSACTION -> "transaction";
      case BATCH -> "batch";
      default -> "operation";
    };
  }

  private static String action(RestOperationTypeEnum operation) {
    return switch (operation) {
      case CREATE, TRANSACTION, BATCH -> "C";
      case UPDATE, PATCH -> "U";
      case DELETE -> "D";
      case READ,
              VREAD,
              SEARCH_TYPE,
              SEARCH_SYSTEM,
              HISTORY_INSTANCE,
              HISTORY_TYPE,
              HISTORY_SYSTEM,
              GET_PAGE ->
          "R";
      default -> "E";
    };
  }
}
