package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.intake.Consents;
import org.grouptherapy.intake.IntakePipeline;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Enrolment after Da Vinci ATR's {@code $member-add} and {@code $member-remove}; a full group puts
 * the person on its waitlist ({@link Waitlists}) when asked. Each runs in one transaction under a
 * lock on the group (a PostgreSQL advisory lock, so it holds across server instances): capacity is
 * counted after the lock is taken, so of two requests for the last seat exactly one gets it.
 */
@Service
public class EnrolmentService {

  private final DaoRegistry daos;
  private final ServerWrites writes;
  private final Waitlists waitlists;
  private final Consents consents;
  private final IntakePipeline pipeline;
  private final PlacementFacts facts;
  private final PersonFacts persons;
  private final List<ScheduleChangeListener> listeners;
  private final TransactionLocks locks;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final CalendarDirectory directory;
  private final Eligibility eligibility;
  private final SeatOffers offers;

  EnrolmentService(
      DaoRegistry daos,
      ServerWrites writes,
      Waitlists waitlists,
      Consents consents,
      IntakePipeline pipeline,
      PlacementFacts facts,
      PersonFacts persons,
      List<ScheduleChangeListener> listeners,
      TransactionLocks locks,
      PlatformTransactionManager transactionManager,
      Clock clock,
      CalendarDirectory directory,
      Eligibility eligibility,
      SeatOffers offers) {
    this.daos = daos;
    this.offers = offers;
    this.writes = writes;
    this.waitlists = waitlists;
    this.consents = consents;
    this.pipeline = pipeline;
    this.facts = facts;
    this.persons = persons;
    this.listeners = listeners;
    this.locks = locks;
    this.transaction = new TransactionTemplate(transactionManager);
    this.clock = clock;
    this.directory = directory;
    this.eligibility = eligibility;
  }

  /** userData flag of the server's own Group writes whose enrolment rules were already checked. */
  static final String CHECKED = EnrolmentService.class.getName() + ".checked";

  /**
   * An enrolment: who, from and to when, whether to waitlist when full, and the reason to enrol
   * despite the group's eligibility rules (age range, acuity limit, closed cohort) with who gives
   * it, or null.
   */
  public record Request(
      String patient,
      LocalDate start,
      LocalDate end,
      boolean waitlistIfFull,
      String overrideReason,
      String actor) {

    public Request(String patient, LocalDate start, LocalDate end, boolean waitlistIfFull) {
      this(patient, start, end, waitlistIfFull, null, null);
    }
  }

  public Parameters add(String groupId, Request request) {
    return transaction.execute(tx -> addLocked(groupId, request));
  }

  /** The enrolment itself; the caller holds a transaction. */
  Parameters addLocked(String groupId, Request request) {
    lock(groupId);
    SystemRequestDetails read = new SystemRequestDetails();
    Group group = group(groupId, read);
    String patient = patient(request.patient(), read);
    LocalDate today = facts.today();
    boolean virtual = directory.meetsOnline(group, read);
    requireEligible(group, patient, virtual, today);
    Eligibility.Admission admission = eligibility.admit(group, patient, request, today);
    LocalDate start = admission.start();
    SeatOffers.Seats seats = offers.seats(group, start, patient);
    int maximum = seats.maximum();
    int members = seats.members();
    int offered = seats.offered();
    Parameters out = new Parameters();
    OperationOutcome outcome = new OperationOutcome();
    out.addParameter().setName("outcome").setResource(outcome);
    if (seats.free() <= 0) {
      if (!request.waitlistIfFull()) {
        throw new BookingConflictException(
            List.of(
                group.getName()
                    + " is full ("
                    + members
                    + "/"
                    + maximum
                    + (offered > 0
                        ? ", " + offered + " seat(s) offered to people on its waitlist"
                        : "")
                    + "); send waitlistIfFull=true to put "
                    + patient
                    + " on its waitlist"),
            "patient");
      }
      int position = waitlists.add(group, patient);
      Outcomes.info(
          outcome,
          group.getName() + " is full: " + patient + " is number " + position + " on its waitlist");
      out.addParameter().setName("waitlistPosition").setValue(new IntegerType(position));
      return out;
    }
    Group.GroupMemberComponent member = group.addMember().setEntity(new Reference(patient));
    member.getPeriod().setStartElement(new DateTimeType(start.toString()));
    if (request.end() != null) {
      member.getPeriod().setEndElement(new DateTimeType(request.end().toString()));
    }
    daos.getResourceDao(Group.class).update(group, checkedWrite());
    eligibility.recordOverride(group, patient, request, admission, outcome);
    List<Appointment> joined = joinSessions(group, patient, start, request.end(), read);
    waitlists.placed(group, patient, read);
    offers.joined(groupId, patient);
    pipeline.advance(patient, "placement-decided", "Enrolled in " + group.getName());
    Outcomes.info(
        outcome,
        patient
            + " joins "
            + group.getName()
            + " from "
            + start
            + ": added to "
            + joined.size()
            + " scheduled session"
            + (joined.size() == 1 ? "" : "s"));
    out.addParameter().setName("sessions").setValue(new IntegerType(joined.size()));
    if (joined.isEmpty()) {
      Outcomes.warning(
          outcome,
          OperationOutcome.IssueType.INCOMPLETE,
          "No session is scheduled yet: orientation is sent when you tell the member the first date");
      return out;
    }
    Appointment first = joined.get(0);
    out.addParameter().setName("firstSession").setValue(new Reference(References.of(first)));
    orient(group, patient, first, virtual, read)
        .ifPresent(c -> out.addParameter().setName("orientation").setValue(new Reference(c)));
    return out;
  }

  /**
   * The group takes members, the person is not one yet, no clinician-review flag holds them back,
   * and the consents the group requires are signed and in force.
   */
  private void requireEligible(Group group, String patient, boolean virtual, LocalDate today) {
    String groupId = References.of(group);
    if ("ended".equals(TherapyGroup.code(group, SchedulingCodes.GROUP_STATUS).orElse("running"))) {
      throw InvalidParameter.unprocessable(
          "patient", group.getName() + " (" + groupId + ") has ended and takes no members");
    }
    if (facts.activeMembers(group, today).contains(patient)) {
      throw new BookingConflictException(
          List.of(patient + " is already a member of " + groupId), "patient");
    }
    if (persons.underClinicianReview(patient)) {
      throw new BookingConflictException(
          List.of(
              patient
                  + " has an active clinician-review flag from screening: a clinician must review"
                  + " it (set the Flag inactive) before placement"),
          "patient");
    }
    Map<String, String> missing = consents.missing(patient, virtual, null);
    if (!missing.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "patient",
          patient
              + " lacks the consents "
              + group.getName()
              + " requires: "
              + Consents.describe(missing)
              + ". Send them for signature; enrolment needs each signed and in force");
    }
  }

  /** Adds the member to the group's sessions from {@code start} (to {@code end}). */
  private List<Appointment> joinSessions(
      Group group, String patient, LocalDate start, LocalDate end, SystemRequestDetails read) {
    ZoneId zone = facts.zoneOf(group);
    List<Appointment> joined = new ArrayList<>();
    ServerWrites.Batch batch = writes.batch();
    for (Appointment session : futureSessions(References.of(group), start, zone, read)) {
      if (end != null && PracticeTime.dateOf(session, zone).isAfter(end)) {
        continue;
      }
      if (!GroupSession.membersOf(session).contains(patient)) {
        GroupSession.addMember(session, patient);
        batch.update(session);
      }
      joined.add(session);
    }
    batch.commit(ServerWrites.writer(null));
    return joined;
  }

  /**
   * The orientation: a Communication with the first session's logistics to the member and the
   * facilitators, and the intake moved on. Returns the member's Communication.
   */
  private Optional<String> orient(
      Group group, String patient, Appointment first, boolean virtual, SystemRequestDetails read) {
    List<String> told = new ArrayList<>(GroupSession.practitionersOn(first));
    told.add(patient);
    ScheduleChange orientation =
        new ScheduleChange(
            ScheduleChange.Kind.MEMBER_ENROLLED,
            group,
            List.of(first),
            orientationText(group, virtual),
            List.of(),
            told);
    listeners.forEach(l -> l.changed(orientation));
    pipeline.advance(patient, "orientation-sent", "Orientation sent for " + group.getName());
    return orientationSent(patient, first, read);
  }

  /** The server's own Group write, its enrolment rules already checked under the lock. */
  private static SystemRequestDetails checkedWrite() {
    SystemRequestDetails write = ServerWrites.writer(null);
    write.getUserData().put(CHECKED, Boolean.TRUE);
    return write;
  }

  private static String orientationText(Group group, boolean virtual) {
    return "Welcome to "
        + group.getName()
        + ". Your first session is below.\n\n"
        + "Before it:\n"
        + "- Read the group agreement you signed: what members share stays in the group.\n"
        + "- Arrive 10 minutes early the first time; the facilitator will meet you.\n"
        + (virtual
            ? "- Join from a private, quiet place with headphones; test the link beforehand.\n"
            : "- Bring your insurance card and a photo ID to the front desk.\n")
        + "- If you cannot come, tell the practice at least 24 hours before.";
  }

  private Optional<String> orientationSent(
      String patient, Appointment first, SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Communication.SP_RECIPIENT, new ReferenceParam(patient))
            .add(
                "about",
                new ReferenceParam(first.getIdElement().toUnqualifiedVersionless().getValue()));
    return daos.getResourceDao(Communication.class).searchForResources(search, read).stream()
        .map(Communication.class::cast)
        .filter(c -> ScheduleChange.Kind.MEMBER_ENROLLED.subject.equals(c.getTopic().getText()))
        .map(c -> c.getIdElement().toUnqualifiedVersionless().getValue())
        .findFirst();
  }

  public Parameters remove(String groupId, String patient, LocalDate end, String reason) {
    return transaction.execute(
        tx -> {
          lock(groupId);
          SystemRequestDetails read = new SystemRequestDetails();
          Group group = group(groupId, read);
          LocalDate last = end == null ? facts.today() : end;
          Group.GroupMemberComponent membership = activeMembership(group, patient, last);
          membership.getPeriod().setEndElement(new DateTimeType(last.toString()));
          if (reason != null && !reason.isBlank()) {
            membership.addExtension(
                "http://hl7.org/fhir/StructureDefinition/statusReason-text",
                new StringType(reason));
          }
          daos.getResourceDao(Group.class).update(group, checkedWrite());
          List<Appointment> left = leaveSessions(group, patient, last, read);
          Parameters out = new Parameters();
          OperationOutcome outcome = new OperationOutcome();
          List<String> offered = offers.offerFreeSeats(group, last.plusDays(1));
          int waiting = waitlists.waiting(groupId, read);
          Outcomes.info(
              outcome,
              patient
                  + " leaves "
                  + group.getName()
                  + " after "
                  + last
                  + "; taken off "
                  + left.size()
                  + " session"
                  + (left.size() == 1 ? "" : "s")
                  + (offered.isEmpty()
                      ? ""
                      : "; the seat is offered to " + String.join(", ", offered))
                  + (waiting > offered.size()
                      ? "; " + (waiting - offered.size()) + " more waiting for a seat"
                      : ""));
          out.addParameter().setName("outcome").setResource(outcome);
          offered.forEach(p -> out.addParameter().setName("offeredTo").setValue(new Reference(p)));
          out.addParameter().setName("sessionsLeft").setValue(new IntegerType(left.size()));
          return out;
        });
  }

  /** The person's membership that is active on {@code last}; 422 when there is none. */
  private Group.GroupMemberComponent activeMembership(Group group, String patient, LocalDate last) {
    ZoneId zone = facts.zoneOf(group);
    Group.GroupMemberComponent membership =
        group.getMember().stream()
            .filter(m -> !m.getInactive() && patient.equals(References.of(m.getEntity())))
            .filter(
                m ->
                    !m.getPeriod().hasEnd()
                        || PracticeTime.dateOf(m.getPeriod().getEndElement(), zone).isAfter(last))
            .findFirst()
            .orElseThrow(
                () ->
                    InvalidParameter.unprocessable(
                        "patient",
                        patient
                            + " is not an active member of "
                            + group.getName()
                            + " ("
                            + References.of(group)
                            + ")"));
    if (membership.getPeriod().hasStart()
        && PracticeTime.dateOf(membership.getPeriod().getStartElement(), zone).isAfter(last)) {
      throw InvalidParameter.unprocessable(
          "end", "end " + last + " is before the membership started");
    }
    return membership;
  }

  /** Takes the member off the group's sessions after {@code last}; the people told. */
  private List<Appointment> leaveSessions(
      Group group, String patient, LocalDate last, SystemRequestDetails read) {
    ZoneId zone = facts.zoneOf(group);
    ServerWrites.Batch batch = writes.batch();
    List<Appointment> left = new ArrayList<>();
    for (Appointment session : futureSessions(References.of(group), last.plusDays(1), zone, read)) {
      if (session.getParticipant().removeIf(p -> patient.equals(References.of(p.getActor())))) {
        batch.update(session);
        left.add(session);
      }
    }
    batch.commit(ServerWrites.writer(null));
    if (!left.isEmpty()) {
      List<String> told = new ArrayList<>(GroupSession.practitionersOn(left.get(0)));
      told.add(patient);
      ScheduleChange change =
          new ScheduleChange(
              ScheduleChange.Kind.MEMBER_LEFT,
              group,
              left,
              "Membership of "
                  + group.getName()
                  + " ends on "
                  + last
                  + "; these sessions no longer include it.",
              List.of(patient),
              told);
      listeners.forEach(l -> l.changed(change));
    }
    return left;
  }

  // --- helpers
  // ------------------------------------------------------------------------------------

  void lock(String groupId) {
    locks.lock("group:" + groupId);
  }

  private Group group(String groupId, SystemRequestDetails read) {
    Group group;
    try {
      group = daos.getResourceDao(Group.class).read(new IdType(groupId), read);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw new ResourceNotFoundException(groupId + " does not exist");
    }
    if (!TherapyGroup.isTherapyGroup(group)) {
      throw InvalidParameter.unprocessable(
          "group", groupId + " is not a therapy group (profile therapy-group)");
    }
    return group;
  }

  private String patient(String reference, SystemRequestDetails read) {
    if (reference == null || !reference.startsWith("Patient/")) {
      throw InvalidParameter.malformed("patient", "patient must be a Patient/id reference");
    }
    try {
      daos.getResourceDao(Patient.class).read(new IdType(reference), read);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable("patient", reference + " does not exist");
    }
    return new IdType(reference).toUnqualifiedVersionless().getValue();
  }

  private List<Appointment> futureSessions(
      String groupId, LocalDate from, ZoneId zone, SystemRequestDetails read) {
    Date since =
        Date.from(
            from.atStartOfDay(zone).toInstant().isAfter(clock.instant())
                ? from.atStartOfDay(zone).toInstant()
                : clock.instant());
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add("supporting-info", new ReferenceParam(groupId))
            .add(Appointment.SP_STATUS, new TokenParam("booked"))
            .add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, since));
    List<Appointment> sessions = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(search, read)) {
      sessions.add((Appointment) found);
    }
    sessions.sort(Comparator.comparing(Appointment::getStart));
    return sessions;
  }
}
