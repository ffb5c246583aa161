package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Keeps therapists' caseloads ({@code gt.care_assignment}) in step with what assigns care: the
 * facilitators of a Group and its members, the practitioners and patients of an Appointment (a
 * screening, an individual session, a session covered by a substitute). Rows are written in the
 * same transaction as the Group or Appointment, whatever the path (REST, transaction, operation).
 *
 * <p>Only someone entitled to assign care adds to a caseload (see {@link Author#mayAssign}): a
 * write made on behalf of a therapist (their token, or an operation they called) adds no row for
 * anyone, and no write ever adds its author to a caseload. Such a write can still narrow one (a
 * patient taken off an appointment leaves it). Every caseload change (a patient entering or leaving
 * a practitioner's caseload, whatever the number of sources) is recorded in the audit trail, with
 * who made it.
 */
@Component
@Interceptor
class CareAssignments implements FhirStorageInterceptor {

  static final String CASELOAD_CHANGE = "caseload-change";

  /** Who made a write, as far as assigning care goes. */
  record Author(String who, SmartAccess access) {

    static final Author SERVER = new Author("server", null);

    /**
     * Assigning care is the work of VAs and administrators (and of system clients and the server's
     * own jobs, acting for the practice); a therapist, biller or patient assigns none.
     */
    boolean mayAssign() {
      if (access == null) {
        return true;
      }
      if (!access.isUser()) {
        return access.patientId() == null;
      }
      return access.roles().contains(Role.VA) || access.roles().contains(Role.ADMIN);
    }

    boolean is(String practitioner) {
      return access != null && practitioner.equals(access.fhirUser());
    }
  }

  record Pair(String practitioner, String patient) {}

  private final JdbcTemplate jdbc;
  private final DaoRegistry daos;
  private final Clock clock;

  CareAssignments(JdbcTemplate jdbc, DaoRegistry daos, Clock clock) {
    this.jdbc = jdbc;
    this.daos = daos;
    this.clock = clock;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    assign(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    assign(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    if (resource instanceof Group || resource instanceof Appointment) {
      replace(References.of(resource), Set.of(), author());
    }
  }

  private void assign(IBaseResource resource) {
    if (resource instanceof Group group) {
      replace(References.of(group), pairsOf(group), author());
    } else if (resource instanceof Appointment appointment) {
      replace(References.of(appointment), pairsOf(appointment), author());
    }
  }

  /** Every facilitator with every member listed (an inactive one too: their notes get written). */
  Set<Pair> pairsOf(Group group) {
    Set<String> practitioners = new LinkedHashSet<>();
    for (TherapyGroup.Facilitator facilitator : TherapyGroup.facilitatorsOf(group)) {
      practitioner(facilitator.practitioner()).ifPresent(practitioners::add);
    }
    Set<String> patients = new LinkedHashSet<>();
    for (Group.GroupMemberComponent member : group.getMember()) {
      patient(member.getEntity()).ifPresent(patients::add);
    }
    return pairs(practitioners, patients);
  }

  Set<Pair> pairsOf(Appointment appointment) {
    Set<String> practitioners = new LinkedHashSet<>();
    Set<String> patients = new LinkedHashSet<>();
    for (Appointment.AppointmentParticipantComponent participant : appointment.getParticipant()) {
      String actor = References.of(participant.getActor());
      if (actor == null) {
        continue;
      }
      if (References.isOf(actor, "Patient")) {
        patients.add(actor);
      } else {
        practitioner(actor).ifPresent(practitioners::add);
      }
    }
    return pairs(practitioners, patients);
  }

  private static Set<Pair> pairs(Set<String> practitioners, Set<String> patients) {
    Set<Pair> pairs = new LinkedHashSet<>();
    for (String practitioner : practitioners) {
      for (String patient : patients) {
        pairs.add(new Pair(practitioner, patient));
      }
    }
    return pairs;
  }

  private static Optional<String> patient(Reference reference) {
    String id = References.of(reference);
    return id != null && References.isOf(id, "Patient") ? Optional.of(id) : Optional.empty();
  }

  /** A Practitioner, or the Practitioner of a PractitionerRole. */
  private Optional<String> practitioner(String reference) {
    if (References.isOf(reference, "Practitioner")) {
      return Optional.of(reference);
    }
    if (References.isOf(reference, "PractitionerRole")) {
      PractitionerRole role =
          (PractitionerRole)
              daos.getResourceDao("PractitionerRole")
                  .read(new IdType(reference), new SystemRequestDetails(), true);
      return Optional.ofNullable(References.of(role.getPractitioner()))
          .filter(p -> References.isOf(p, "Practitioner"));
    }
    return Optional.empty();
  }

  /**
   * Makes the rows of one source what the resource now says: those no longer there go; new ones
   * come only when the author may assign care, and never to the author themself.
   */
  void replace(String source, Set<Pair> wanted, Author author) {
    Set<Pair> had =
        new HashSet<>(
            jdbc.query(
                "SELECT practitioner_id, patient_id FROM gt.care_assignment WHERE source = ?",
                (row, n) -> new Pair(row.getString(1), row.getString(2)),
                source));
    List<Pair> removed = had.stream().filter(p -> !wanted.contains(p)).toList();
    List<Pair> added =
        author.mayAssign()
            ? wanted.stream()
                .filter(p -> !had.contains(p))
                .filter(p -> !author.is(p.practitioner()))
                .toList()
            : List.of();
    if (removed.isEmpty() && added.isEmpty()) {
      return;
    }
    List<Pair> touched = new ArrayList<>(removed);
    touched.addAll(added);
    Set<Pair> elsewhere = fromOtherSources(source, touched);
    jdbc.batchUpdate(
        "DELETE FROM gt.care_assignment WHERE source = ? AND practitioner_id = ? AND patient_id = ?",
        removed,
        500,
        (statement, pair) -> {
          statement.setString(1, source);
          statement.setString(2, pair.practitioner());
          statement.setString(3, pair.patient());
        });
    Timestamp now = Timestamp.from(clock.instant());
    jdbc.batchUpdate(
        "INSERT INTO gt.care_assignment (source, practitioner_id, patient_id, assigned_by,"
            + " assigned_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        added,
        500,
        (statement, pair) -> {
          statement.setString(1, source);
          statement.setString(2, pair.practitioner());
          statement.setString(3, pair.patient());
          statement.setString(4, author.who());
          statement.setTimestamp(5, now);
        });
    audit(
        source,
        removed.stream().filter(p -> !elsewhere.contains(p)).toList(),
        added.stream().filter(p -> !elsewhere.contains(p)).toList(),
        author,
        now);
  }

  /** Of these pairs, those another source puts in a caseload anyway. */
  private Set<Pair> fromOtherSources(String source, List<Pair> pairs) {
    List<Pair> found =
        jdbc.query(
            connection -> {
              PreparedStatement statement =
                  connection.prepareStatement(
                      "SELECT DISTINCT a.practitioner_id, a.patient_id FROM gt.care_assignment a"
                          + " JOIN unnest(?::text[], ?::text[]) AS p(practitioner_id, patient_id)"
                          + " ON a.practitioner_id = p.practitioner_id"
                          + " AND a.patient_id = p.patient_id WHERE a.source <> ?");
              Array practitioners =
                  connection.createArrayOf(
                      "text", pairs.stream().map(Pair::practitioner).toArray());
              Array patients =
                  connection.createArrayOf("text", pairs.stream().map(Pair::patient).toArray());
              statement.setArray(1, practitioners);
              statement.setArray(2, patients);
              statement.setString(3, source);
              return statement;
            },
            (row, n) -> new Pair(row.getString(1), row.getString(2)));
    return new HashSet<>(found);
  }

  /** One audit row per patient entering or leaving a practitioner's caseload. */
  private void audit(
      String source, List<Pair> left, List<Pair> entered, Author author, Timestamp now) {
    List<Object[]> rows = new ArrayList<>();
    String address = address();
    SmartAccess access = author.access();
    String userRef = access == null ? null : access.fhirUser();
    String subject = access == null ? null : access.subject();
    String agent = userRef != null ? userRef : subject != null ? subject : author.who();
    for (Pair pair : entered) {
      rows.add(
          row(
              now,
              "C",
              agent,
              userRef,
              subject,
              access,
              address,
              pair,
              pair.patient()
                  + " entered the caseload of "
                  + pair.practitioner()
                  + " ("
                  + source
                  + ")"));
    }
    for (Pair pair : left) {
      rows.add(
          row(
              now,
              "D",
              agent,
              userRef,
              subject,
              access,
              address,
              pair,
              pair.patient()
                  + " left the caseload of "
                  + pair.practitioner()
                  + " ("
                  + source
                  + ")"));
    }
    jdbc.batchUpdate(
        "INSERT INTO gt.audit_event (recorded, subtype, action, outcome, agent, user_ref, subject,"
            + " client_id, address, entity, patient, description)"
            + " VALUES (?, ?, ?, '0', ?, ?, ?, ?, ?, ?, ?, ?)",
        rows);
  }

  private static Object[] row(
      Timestamp now,
      String action,
      String agent,
      String userRef,
      String subject,
      SmartAccess access,
      String address,
      Pair pair,
      String description) {
    return new Object[] {
      now,
      CASELOAD_CHANGE,
      action,
      agent,
      userRef,
      subject,
      access == null ? null : access.clientId(),
      address,
      pair.practitioner(),
      pair.patient(),
      description
    };
  }

  /** The author of the current write: the caller of the HTTP request it serves, or the server. */
  static Author author() {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication instanceof JwtAuthenticationToken token) {
      SmartAccess access = SmartAccess.fromJwt(token.getToken());
      String who = access.fhirUser() != null ? access.fhirUser() : access.subject();
      return new Author(who == null ? "unknown" : who, access);
    }
    return Author.SERVER;
  }

  private static String address() {
    if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes servlet) {
      HttpServletRequest request = servlet.getRequest();
      return request.getRemoteAddr();
    }
    return null;
  }
}
