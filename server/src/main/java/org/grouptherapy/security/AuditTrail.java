package org.grouptherapy.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.grouptherapy.fhir.FhirRestInterceptor;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * An AuditEvent (after IHE BALP) for every FHIR request: who (user and client), what (resource or
 * query), when, outcome and source address, including denied attempts. Events are written in
 * batches by a background thread, so auditing adds no database round trip to the request; the queue
 * is flushed on shutdown. AuditEvents are readable by administrators only.
 */
@Component
@Interceptor
public class AuditTrail implements FhirRestInterceptor {

  static final String AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type";
  static final String INTERACTION = "http://hl7.org/fhir/restful-interaction";
  static final String BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit";
  private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
  private static final int BATCH = 500;

  private final JdbcTemplate jdbc;
  private final FhirContext fhirContext;
  private final Clock clock;
  private final BlockingQueue<AuditEvent> queue = new LinkedBlockingQueue<>(100_000);
  private final Thread writer;
  private volatile boolean running = true;

  private final boolean enabled;

  private final CallerResolver callers;

  AuditTrail(
      JdbcTemplate jdbc,
      FhirContext fhirContext,
      Clock clock,
      AppProperties properties,
      CallerResolver callers) {
    this.callers = callers;
    this.jdbc = jdbc;
    this.fhirContext = fhirContext;
    this.clock = clock;
    // Off only with security off, which exists for the benchmark's baseline.
    this.enabled = properties.security().enabled();
    this.writer = new Thread(this::writeLoop, "audit-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
  public void completed(RequestDetails request, ServletRequestDetails servlet) {
    RestOperationTypeEnum operation = request.getRestOperationType();
    if (!enabled || operation == null || operation == RestOperationTypeEnum.METADATA) {
      return;
    }
    int status = servlet.getServletResponse().getStatus();
    AuditEvent event =
        event(
            servlet.getServletRequest(),
            status,
            null,
            callers.current(request).map(CallerResolver.Caller::access));
    event.getSubtypeFirstRep().setSystem(INTERACTION).setCode(interaction(operation));
    event.setAction(action(operation));
    if (request.getId() != null && request.getId().hasIdPart()) {
      event.addEntity().setWhat(new Reference(request.getId().toUnqualifiedVersionless()));
    } else if (request.getResourceName() != null) {
      event.addEntity().setWhat(new Reference().setType(request.getResourceName()));
    }
    if (request.getCompleteUrl() != null && request.getCompleteUrl().contains("?")) {
      String query = request.getCompleteUrl().substring(request.getCompleteUrl().indexOf('?') + 1);
      event.getEntityFirstRep().setQuery(query.getBytes(StandardCharsets.UTF_8));
    }
    enqueue(event);
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
    AuditEvent event = event(request, status, reason, caller());
    event.getSubtypeFirstRep().setSystem(INTERACTION).setCode("access-denied");
    event.setAction(AuditEvent.AuditEventAction.E);
    event.addEntity().setDescription(request.getMethod() + " " + request.getRequestURI());
    enqueue(event);
  }

  /**
   * A read of a calendar through its secret iCalendar feed URL (no token: the URL is the
   * credential), or a refused one (unknown or revoked URL).
   */
  public void calendarFeed(HttpServletRequest request, String actor, int status) {
    if (!enabled) {
      return;
    }
    AuditEvent event = event(request, status, null, Optional.empty());
    event
        .getSubtypeFirstRep()
        .setSystem(INTERACTION)
        .setCode(status < 400 ? "read" : "access-denied");
    event.setAction(AuditEvent.AuditEventAction.R);
    event.getAgentFirstRep().getWho().setDisplay("calendar feed (secret URL)");
    event.getAgentFirstRep().getWho().getIdentifier().setValue("calendar-feed");
    if (actor != null) {
      event.addEntity().setWhat(new Reference(actor)).setDescription("iCalendar feed");
    } else {
      event
          .addEntity()
          .setDescription("GET " + request.getRequestURI().replaceAll("feeds/.*", "feeds/…"));
    }
    enqueue(event);
  }

  private AuditEvent event(
      HttpServletRequest request, int status, String reason, Optional<SmartAccess> caller) {
    AuditEvent event = new AuditEvent();
    event.getMeta().addProfile(BALP);
    event.setType(new Coding(AUDIT_TYPE, "rest", "RESTful Operation"));
    event.setRecorded(Date.from(clock.instant()));
    event.setOutcome(
        status < 400
            ? AuditEvent.AuditEventOutcome._0
            : status < 500 ? AuditEvent.AuditEventOutcome._4 : AuditEvent.AuditEventOutcome._8);
    if (reason != null) {
      event.setOutcomeDesc(reason);
    } else if (status >= 400) {
      event.setOutcomeDesc("HTTP " + status);
    }
    event.getSource().setObserver(new Reference().setDisplay("Group Therapy FHIR Server"));
    AuditEvent.AuditEventAgentComponent who = event.addAgent().setRequestor(true);
    who.getNetwork()
        .setAddress(request.getRemoteAddr())
        .setType(AuditEvent.AuditEventAgentNetworkType._2);
    caller.ifPresentOrElse(
        access -> {
          who.getWho().getIdentifier().setValue(access.subject());
          if (access.fhirUser() != null) {
            who.getWho().setReference(access.fhirUser());
          }
          who.setAltId(access.clientId());
          if (access.patientId() != null) {
            event.addEntity().setWhat(new Reference("Patient/" + access.patientId()));
          }
        },
        () -> who.getWho().setDisplay("anonymous"));
    return event;
  }

  /** The caller of a request refused before HAPI saw it (no RequestDetails to cache it in). */
  private static Optional<SmartAccess> caller() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication instanceof JwtAuthenticationToken token) {
      return Optional.of(SmartAccess.fromJwt(token.getToken()));
    }
    return Optional.empty();
  }

  private void enqueue(AuditEvent event) {
    if (!queue.offer(event)) {
      log.error("Audit queue full: an AuditEvent was dropped");
    }
  }

  /** Writes what is queued now; used on shutdown and by tests that read the trail. */
  public void flush() {
    List<AuditEvent> batch = new ArrayList<>();
    queue.drainTo(batch);
    while (!batch.isEmpty()) {
      List<AuditEvent> chunk = batch.subList(0, Math.min(BATCH, batch.size()));
      write(chunk);
      chunk.clear();
    }
  }

  private void writeLoop() {
    while (running) {
      try {
        AuditEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        List<AuditEvent> batch = new ArrayList<>();
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("Could not write AuditEvents: {}", e.getClass().getSimpleName());
      }
    }
  }

  private synchronized void write(List<AuditEvent> events) {
    var parser = fhirContext.newJsonParser();
    List<Object[]> rows = new ArrayList<>(events.size());
    for (AuditEvent event : events) {
      AuditEvent.AuditEventAgentComponent who = event.getAgentFirstRep();
      rows.add(
          new Object[] {
            java.sql.Timestamp.from(event.getRecorded().toInstant()),
            event.getSubtypeFirstRep().getCode(),
            event.getAction() == null ? "E" : event.getAction().toCode(),
            event.getOutcome() == null ? "0" : event.getOutcome().toCode(),
            who.getWho().hasReference()
                ? who.getWho().getReference()
                : who.getWho().getIdentifier().getValue(),
            who.getAltId(),
            event.getEntity().stream()
                .map(e -> e.getWhat().getReference())
                .filter(r -> r != null && !r.startsWith("Patient/"))
                .findFirst()
                .orElse(event.getEntityFirstRep().getWhat().getReference()),
            event.getEntity().stream()
                .map(e -> e.getWhat().getReference())
                .filter(r -> r != null && r.startsWith("Patient/"))
                .findFirst()
                .orElse(null),
            parser.encodeResourceToString(event)
          });
    }
    jdbc.batchUpdate(
        "INSERT INTO gt.audit_event (recorded, subtype, action, outcome, agent, client_id, entity,"
            + " patient, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)",
        rows);
  }

  @PreDestroy
  void stop() throws InterruptedException {
    running = false;
    writer.interrupt();
    writer.join(2000);
    flush();
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

  private static AuditEvent.AuditEventAction action(RestOperationTypeEnum operation) {
    return switch (operation) {
      case CREATE, TRANSACTION, BATCH -> AuditEvent.AuditEventAction.C;
      case UPDATE, PATCH -> AuditEvent.AuditEventAction.U;
      case DELETE -> AuditEvent.AuditEventAction.D;
      case READ,
              VREAD,
              SEARCH_TYPE,
              SEARCH_SYSTEM,
              HISTORY_INSTANCE,
              HISTORY_TYPE,
              HISTORY_SYSTEM,
              GET_PAGE ->
          AuditEvent.AuditEventAction.R;
      default -> AuditEvent.AuditEventAction.E;
    };
  }
}
