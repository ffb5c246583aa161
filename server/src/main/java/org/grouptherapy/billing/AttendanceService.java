package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.access.Callers;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code Appointment/[id]/$record-attendance}: per member attended, late, left early, no-show, late
 * cancel or excused, and which facilitators were present. One Encounter per attending member
 * (identified by session and member, so a second run updates it rather than adding one), the
 * session's participant statuses, and a Provenance of who recorded what when anything changed.
 * Corrections are new versions; the same input again changes nothing. All in one transaction.
 */
@Service
public class AttendanceService {

  public static final List<String> STATUSES =
      List.of("attended", "late", "left-early", "no-show", "late-cancel", "excused");
  public static final Set<String> ATTENDING = Set.of("attended", "late", "left-early");

  /** One member's attendance as recorded. */
  public record Mark(
      String patient,
      String status,
      int minutesLate,
      int minutesLeftEarly,
      String setting,
      boolean familyOnly) {}

  private final DaoRegistry daos;
  private final Callers callers;
  private final CalendarDirectory directory;
  private final Clock clock;
  private final TransactionTemplate transaction;
  private final NoShowFollowUp noShows;

  AttendanceService(
      DaoRegistry daos,
      Callers callers,
      CalendarDirectory directory,
      Clock clock,
      PlatformTransactionManager transactionManager,
      NoShowFollowUp noShows) {
    this.daos = daos;
    this.callers = callers;
    this.directory = directory;
    this.clock = clock;
    this.transaction = new TransactionTemplate(transactionManager);
    this.noShows = noShows;
  }

  /**
   * @param onlyFacilitator when a therapist records, their fhirUser: they must be on the session
   */
  public Parameters record(
      String sessionId,
      List<Mark> marks,
      List<String> facilitators,
      String onlyFacilitator,
      RequestDetails request) {
    if (marks.isEmpty()) {
      throw InvalidParameter.malformed(
          "attendance", "Send at least one attendance (patient and status parts)");
    }
    String actor = callers.actor(request).orElse(null);
    return transaction.execute(
        status -> recordInTransaction(sessionId, marks, facilitators, onlyFacilitator, actor));
  }

  private Parameters recordInTransaction(
      String sessionId,
      List<Mark> marks,
      List<String> facilitators,
      String onlyFacilitator,
      String actor) {
    // The server's own writes: built from the checked marks and the stored session (tests
    // validate what they produce against the profiles).
    SystemRequestDetails system = org.grouptherapy.kernel.ServerWrites.writer(null);
    Appointment session = readSession(sessionId, system);
    requireRecordable(session, sessionId, onlyFacilitator);
    Map<String, Mark> byPatient = byMember(session, sessionId, marks);
    List<String> onSession = GroupSession.practitionersOn(session);
    for (String facilitator : facilitators) {
      if (!onSession.contains(facilitator)) {
        throw InvalidParameter.unprocessable(
            "facilitator",
            facilitator + " is not a facilitator of " + sessionId + " (it has " + onSession + ")");
      }
    }
    List<String> present = facilitators.isEmpty() ? onSession : facilitators;
    boolean virtual = isVirtual(session, system);
    List<String> changed = new ArrayList<>();
    Parameters out = new Parameters();
    for (Mark mark : byPatient.values()) {
      writeEncounter(session, sessionId, mark, present, virtual, changed, system)
          .ifPresent(id -> out.addParameter().setName("encounter").setValue(new Reference(id)));
    }
    markParticipants(session, byPatient, facilitators, present);
    DaoMethodOutcome sessionWrite = daos.getResourceDao(Appointment.class).update(session, system);
    if (!sessionWrite.isNop()) {
      changed.add(sessionWrite.getId().toUnqualified().getValue());
    }
    if (!changed.isEmpty()) {
      provenance(changed, actor, system);
    }
    byPatient.values().stream()
        .filter(m -> "no-show".equals(m.status()))
        .forEach(m -> noShows.follow(session, m, system));
    OperationOutcome outcome = new OperationOutcome();
    Outcomes.info(
        outcome,
        changed.isEmpty()
            ? "Nothing changed: this attendance was already recorded"
            : "Recorded attendance of "
                + byPatient.size()
                + " member(s); "
                + changed.size()
                + " resource(s) written");
    out.addParameter().setName("changed").setValue(new BooleanType(!changed.isEmpty()));
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }

  /** A session that took place, not cancelled; a therapist records only their own sessions. */
  private void requireRecordable(Appointment session, String sessionId, String onlyFacilitator) {
    if (onlyFacilitator != null
        && !GroupSession.practitionersOn(session).contains(onlyFacilitator)) {
      throw new ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException(
          "Only the session's facilitators, a VA or an administrator record its attendance");
    }
    if (session.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
      throw Outcomes.conflict(sessionId + " was cancelled: nobody attended a cancelled session");
    }
    if (session.getStart() == null || session.getStart().toInstant().isAfter(clock.instant())) {
      throw InvalidParameter.unprocessable(
          "attendance", sessionId + " has not started yet: record attendance after the session");
    }
  }

  /** The marks by member; each must be on the session, once. */
  private static Map<String, Mark> byMember(
      Appointment session, String sessionId, List<Mark> marks) {
    Set<String> members = new java.util.LinkedHashSet<>(GroupSession.membersOf(session));
    Map<String, Mark> byPatient = new LinkedHashMap<>();
    for (Mark mark : marks) {
      if (!members.contains(mark.patient())) {
        throw InvalidParameter.unprocessable(
            "attendance",
            mark.patient()
                + " is not a member of "
                + sessionId
                + ": add them to the session (or the group) before recording attendance");
      }
      if (byPatient.put(mark.patient(), mark) != null) {
        throw InvalidParameter.malformed(
            "attendance", mark.patient() + " appears twice: send one attendance per member");
      }
    }
    return byPatient;
  }

  /**
   * The member's Encounter as this attendance has it: written when it changed (its new version
   * noted in {@code changed}); its id when the member attended.
   */
  private java.util.Optional<String> writeEncounter(
      Appointment session,
      String sessionId,
      Mark mark,
      List<String> present,
      boolean virtual,
      List<String> changed,
      SystemRequestDetails system) {
    String key = BillingCodes.memberSessionKey(sessionId, mark.patient());
    Encounter existing = existingEncounter(key, system);
    // A multi-family session the family attended without the identified patient still bills.
    boolean attending = ATTENDING.contains(mark.status()) || mark.familyOnly();
    if (!attending && existing == null) {
      return java.util.Optional.empty();
    }
    Encounter encounter =
        encounter(session, sessionId, mark, key, present, virtual, attending, existing);
    String id;
    if (existing != null && sameContent(existing, encounter)) {
      id = References.of(existing);
    } else {
      String match = "Encounter?identifier=" + BillingCodes.MEMBER_SESSION_SYSTEM + "|" + key;
      DaoMethodOutcome written =
          daos.getResourceDao(Encounter.class).update(encounter, match, system);
      id = written.getId().toUnqualifiedVersionless().getValue();
      changed.add(written.getId().toUnqualified().getValue());
    }
    return attending ? java.util.Optional.of(id) : java.util.Optional.empty();
  }

  /** Participant statuses: members by their attendance, facilitators by presence. */
  private static void markParticipants(
      Appointment session,
      Map<String, Mark> byPatient,
      List<String> facilitators,
      List<String> present) {
    for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
      String who = References.of(p.getActor());
      if (who == null) {
        continue;
      }
      Mark mark = byPatient.get(who);
      if (mark != null) {
        p.setStatus(
            ATTENDING.contains(mark.status()) || mark.familyOnly()
                ? Appointment.ParticipationStatus.ACCEPTED
                : Appointment.ParticipationStatus.DECLINED);
        p.removeExtension(BillingCodes.SESSION_ATTENDANCE);
        p.addExtension(attendanceExtension(mark));
      } else if (who.startsWith("Practitioner/") && !facilitators.isEmpty()) {
        p.setStatus(
            present.contains(who)
                ? Appointment.ParticipationStatus.ACCEPTED
                : Appointment.ParticipationStatus.DECLINED);
      }
    }
  }

  private Encounter encounter(
      Appointment session,
      String sessionId,
      Mark mark,
      String key,
      List<String> present,
      boolean virtual,
      boolean attending,
      Encounter existing) {
    Encounter encounter = new Encounter();
    encounter.addIdentifier(
        new Identifier().setSystem(BillingCodes.MEMBER_SESSION_SYSTEM).setValue(key));
    encounter.setStatus(
        attending ? Encounter.EncounterStatus.FINISHED : Encounter.EncounterStatus.CANCELLED);
    encounter.setClass_(
        new Coding(
            "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            virtual ? "VR" : "AMB",
            virtual ? "virtual" : "ambulatory"));
    encounter
        .addType()
        .addCoding()
        .setSystem(BillingCodes.CPT)
        .setCode("90853")
        .setDisplay("Group psychotherapy");
    encounter.setSubject(new Reference(mark.patient()));
    encounter.addAppointment(new Reference(sessionId));
    Date start = new Date(session.getStart().getTime() + mark.minutesLate() * 60_000L);
    Date end = new Date(session.getEnd().getTime() - mark.minutesLeftEarly() * 60_000L);
    encounter.getPeriod().setStart(start).setEnd(end);
    for (int i = 0; i < present.size(); i++) {
      Encounter.EncounterParticipantComponent participant = encounter.addParticipant();
      participant.setIndividual(new Reference(present.get(i)));
      participant
          .addType()
          .addCoding()
          .setSystem("http://terminology.hl7.org/CodeSystem/v3-ParticipationType")
          .setCode(i == 0 ? "PPRF" : "SPRF");
    }
    encounter.addExtension(attendanceExtension(mark));
    if (existing != null) {
      encounter.setId(existing.getIdElement().toUnqualifiedVersionless());
    }
    return encounter;
  }

  /** Equal apart from id and meta: writing one over the other would change nothing. */
  private static boolean sameContent(
      org.hl7.fhir.r4.model.DomainResource a, org.hl7.fhir.r4.model.DomainResource b) {
    org.hl7.fhir.r4.model.DomainResource x = a.copy();
    org.hl7.fhir.r4.model.DomainResource y = b.copy();
    for (org.hl7.fhir.r4.model.DomainResource r : List.of(x, y)) {
      r.setId((String) null);
      r.setMeta(null);
      r.setText(null);
    }
    return x.equalsDeep(y);
  }

  static Extension attendanceExtension(Mark mark) {
    Extension extension = new Extension(BillingCodes.SESSION_ATTENDANCE);
    extension.addExtension("status", new CodeType(mark.status()));
    if (mark.minutesLate() > 0) {
      extension.addExtension("minutesLate", new IntegerType(mark.minutesLate()));
    }
    if (mark.minutesLeftEarly() > 0) {
      extension.addExtension("minutesLeftEarly", new IntegerType(mark.minutesLeftEarly()));
    }
    if (mark.setting() != null) {
      extension.addExtension("setting", new CodeType(mark.setting()));
    }
    if (mark.familyOnly()) {
      extension.addExtension("familyOnly", new BooleanType(true));
    }
    return extension;
  }

  /** The attendance recorded on an Encounter or a participant, or null. */
  public static Mark markOf(String patient, Extension extension) {
    if (extension == null) {
      return null;
    }
    Extension status = extension.getExtensionByUrl("status");
    Extension late = extension.getExtensionByUrl("minutesLate");
    Extension early = extension.getExtensionByUrl("minutesLeftEarly");
    Extension setting = extension.getExtensionByUrl("setting");
    Extension family = extension.getExtensionByUrl("familyOnly");
    return new Mark(
        patient,
        status == null ? null : status.getValue().primitiveValue(),
        late == null ? 0 : ((IntegerType) late.getValue()).getValue(),
        early == null ? 0 : ((IntegerType) early.getValue()).getValue(),
        setting == null ? null : setting.getValue().primitiveValue(),
        family != null && ((BooleanType) family.getValue()).booleanValue());
  }

  private Encounter existingEncounter(String key, SystemRequestDetails system) {
    var search =
        ca.uhn.fhir.jpa.searchparam.SearchParameterMap.newSynchronous()
            .add(
                Encounter.SP_IDENTIFIER,
                new ca.uhn.fhir.rest.param.TokenParam(BillingCodes.MEMBER_SESSION_SYSTEM, key));
    var found = daos.getResourceDao(Encounter.class).searchForResources(search, system);
    return found.isEmpty() ? null : (Encounter) found.get(0);
  }

  private Appointment readSession(String sessionId, SystemRequestDetails system) {
    try {
      return daos.getResourceDao(Appointment.class).read(new IdType(sessionId), system);
    } catch (ResourceGoneException e) {
      throw new ResourceNotFoundException(sessionId + " was deleted");
    }
  }

  /** A session meets online when it has a join link, or its group does. */
  private boolean isVirtual(Appointment session, SystemRequestDetails system) {
    if (session.getExtensionByUrl(SchedulingCodes.SESSION_JOIN_URL) != null) {
      return true;
    }
    return GroupSession.groupOf(session)
        .map(group -> directory.meetsOnline(directory.group(group, system), system))
        .orElse(false);
  }

  private void provenance(List<String> targets, String actor, SystemRequestDetails system) {
    Provenance provenance = new Provenance();
    targets.forEach(t -> provenance.addTarget(new Reference(t)));
    provenance.setRecorded(Date.from(clock.instant()));
    provenance.getActivity().setText("Attendance recorded");
    Provenance.ProvenanceAgentComponent agent = provenance.addAgent();
    agent.setWho(Callers.agent(actor, "the server"));
    daos.getResourceDao(Provenance.class).create(provenance, system);
  }
}
