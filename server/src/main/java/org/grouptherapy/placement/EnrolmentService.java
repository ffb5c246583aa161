package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
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
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.intake.IntakePipeline;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Enrolment after Da Vinci ATR's {@code $member-add} and {@code $member-remove}, and the groups'
 * waitlists. Each runs in one transaction under a lock on the group (a PostgreSQL advisory lock, so
 * it holds across server instances): capacity is counted after the lock is taken, so of two
 * requests for the last seat exactly one gets it.
 */
@Service
public class EnrolmentService {

  private final DaoRegistry daos;
  private final IFhirSystemDao<Bundle, Meta> systemDao;
  private final Consents consents;
  private final IntakePipeline pipeline;
  private final PlacementFacts facts;
  private final List<ScheduleChangeListener> listeners;
  private final TransactionLocks locks;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final CalendarDirectory directory;

  @PersistenceContext private EntityManager entityManager;

  EnrolmentService(
      DaoRegistry daos,
      IFhirSystemDao<Bundle, Meta> systemDao,
      Consents consents,
      IntakePipeline pipeline,
      PlacementFacts facts,
      List<ScheduleChangeListener> listeners,
      TransactionLocks locks,
      PlatformTransactionManager transactionManager,
      Clock clock,
      CalendarDirectory directory) {
    this.daos = daos;
    this.systemDao = systemDao;
    this.consents = consents;
    this.pipeline = pipeline;
    this.facts = facts;
    this.listeners = listeners;
    this.locks = locks;
    this.transaction = new TransactionTemplate(transactionManager);
    this.clock = clock;
    this.directory = directory;
  }

  /** userData flag of the server's own Group writes whose enrolment rules were already checked. */
  static final String CHECKED = EnrolmentService.class.getName() + ".checked";

  public record Request(String patient, LocalDate start, LocalDate end, boolean waitlistIfFull) {}

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
    String status = TherapyGroup.code(group, SchedulingCodes.GROUP_STATUS).orElse("running");
    if ("ended".equals(status)) {
      throw InvalidParameter.unprocessable(
          "patient", group.getName() + " (" + groupId + ") has ended and takes no members");
    }
    if (facts.activeMembers(group, today).contains(patient)) {
      throw new BookingConflictException(
          List.of(patient + " is already a member of " + groupId), "patient");
    }
    if (facts.underClinicianReview(patient)) {
      throw new BookingConflictException(
          List.of(
              patient
                  + " has an active clinician-review flag from screening: a clinician must review"
                  + " it (set the Flag inactive) before placement"),
          "patient");
    }
    boolean virtual = directory.meetsOnline(group, read);
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
    LocalDate start = request.start() == null ? today : request.start();
    boolean closed =
        "closed"
            .equals(TherapyGroup.code(group, SchedulingCodes.GROUP_ENROLMENT_MODE).orElse("open"));
    if (closed) {
      Optional<LocalDate> cohort = PlacementFacts.cohortStart(group);
      if (cohort.isEmpty() || cohort.get().isBefore(today)) {
        throw new BookingConflictException(
            List.of(
                group.getName()
                    + " has closed enrolment and no upcoming cohort start: members join only"
                    + " when a new cohort starts"),
            "patient");
      }
      if (request.start() == null) {
        start = cohort.get();
      } else if (!request.start().equals(cohort.get())) {
        throw InvalidParameter.unprocessable(
            "period",
            group.getName()
                + " has closed enrolment: members join at the cohort start "
                + cohort.get());
      }
    }
    if (request.end() != null && request.end().isBefore(start)) {
      throw InvalidParameter.unprocessable("period", "period.end is before period.start");
    }
    int maximum = TherapyGroup.maximum(group).orElse(Integer.MAX_VALUE);
    int members = facts.activeMembers(group, start).size();
    Parameters out = new Parameters();
    OperationOutcome outcome = new OperationOutcome();
    out.addParameter().setName("outcome").setResource(outcome);
    if (members >= maximum) {
      if (!request.waitlistIfFull()) {
        throw new BookingConflictException(
            List.of(
                group.getName()
                    + " is full ("
                    + members
                    + "/"
                    + maximum
                    + "); send waitlistIfFull=true to put "
                    + patient
                    + " on its waitlist"),
            "patient");
      }
      int position = waitlist(group, patient);
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
    SystemRequestDetails write = ServerWrites.writer(null);
    write.getUserData().put(CHECKED, Boolean.TRUE);
    daos.getResourceDao(Group.class).update(group, write);

    ZoneId zone = facts.zoneOf(group);
    List<Appointment> sessions = futureSessions(groupId, start, zone, read);
    List<Appointment> joined = new ArrayList<>();
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    for (Appointment session : sessions) {
      if (request.end() != null
          && session.getStart().toInstant().atZone(zone).toLocalDate().isAfter(request.end())) {
        continue;
      }
      boolean listed =
          session.getParticipant().stream()
              .anyMatch(p -> patient.equals(p.getActor().getReference()));
      if (!listed) {
        GroupSession.addMember(session, patient);
        put(bundle, session);
      }
      joined.add(session);
    }
    commit(bundle);
    removeFromWaitlist(groupId, patient, read);
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
    out.addParameter()
        .setName("firstSession")
        .setValue(new Reference(first.getIdElement().toUnqualifiedVersionless().getValue()));
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
    orientationSent(patient, first, read)
        .ifPresent(c -> out.addParameter().setName("orientation").setValue(new Reference(c)));
    return out;
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

  public Parameters remove(String groupId, String patientRef, LocalDate end, String reason) {
    return transaction.execute(
        tx -> {
          lock(groupId);
          SystemRequestDetails read = new SystemRequestDetails();
          Group group = group(groupId, read);
          String patient = patientRef;
          LocalDate today = facts.today();
          LocalDate last = end == null ? today : end;
          Group.GroupMemberComponent membership =
              group.getMember().stream()
                  .filter(
                      m ->
                          !m.getInactive()
                              && patient.equals(m.getEntity().getReference())
                              && (!m.getPeriod().hasEnd()
                                  || LocalDate.parse(
                                          m.getPeriod()
                                              .getEndElement()
                                              .getValueAsString()
                                              .substring(0, 10))
                                      .isAfter(last)))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          InvalidParameter.unprocessable(
                              "patient",
                              patient
                                  + " is not an active member of "
                                  + group.getName()
                                  + " ("
                                  + groupId
                                  + ")"));
          if (membership.getPeriod().hasStart()
              && LocalDate.parse(
                      membership.getPeriod().getStartElement().getValueAsString().substring(0, 10))
                  .isAfter(last)) {
            throw InvalidParameter.unprocessable(
                "end", "end " + last + " is before the membership started");
          }
          membership.getPeriod().setEndElement(new DateTimeType(last.toString()));
          if (reason != null && !reason.isBlank()) {
            membership.addExtension(
                "http://hl7.org/fhir/StructureDefinition/statusReason-text",
                new StringType(reason));
          }
          SystemRequestDetails write = ServerWrites.writer(null);
          write.getUserData().put(CHECKED, Boolean.TRUE);
          daos.getResourceDao(Group.class).update(group, write);
          ZoneId zone = facts.zoneOf(group);
          Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
          List<Appointment> left = new ArrayList<>();
          for (Appointment session : futureSessions(groupId, last.plusDays(1), zone, read)) {
            if (session
                .getParticipant()
                .removeIf(p -> patient.equals(p.getActor().getReference()))) {
              put(bundle, session);
              left.add(session);
            }
          }
          commit(bundle);
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
          Parameters out = new Parameters();
          OperationOutcome outcome = new OperationOutcome();
          int waiting =
              waitlistOf(groupId, read)
                  .map(l -> (int) l.getEntry().stream().filter(e -> !e.getDeleted()).count())
                  .orElse(0);
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
                  + (waiting > 0 ? "; " + waiting + " waiting for a seat ($place-waitlist)" : ""));
          out.addParameter().setName("outcome").setResource(outcome);
          out.addParameter().setName("sessionsLeft").setValue(new IntegerType(left.size()));
          return out;
        });
  }

  // --- waitlists --------------------------------------------------------------------------------

  Optional<ListResource> waitlistOf(String groupId, SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(ListResource.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "waitlist"))
            .add(ListResource.SP_SUBJECT, new ReferenceParam(groupId));
    return daos.getResourceDao(ListResource.class).searchForResources(search, read).stream()
        .map(ListResource.class::cast)
        .filter(l -> l.getStatus() == ListResource.ListStatus.CURRENT)
        .findFirst();
  }

  /** Puts the person at the end of the group's waitlist (once); returns their position. */
  private int waitlist(Group group, String patient) {
    SystemRequestDetails read = new SystemRequestDetails();
    String groupId = group.getIdElement().toUnqualifiedVersionless().getValue();
    ListResource list = waitlistOf(groupId, read).orElse(null);
    if (list == null) {
      list = new ListResource();
      list.setStatus(ListResource.ListStatus.CURRENT);
      list.setMode(ListResource.ListMode.WORKING);
      list.setTitle("Waitlist: " + group.getName());
      list.getCode().addCoding().setSystem(IntakeCodes.CODES_SYSTEM).setCode("waitlist");
      list.setSubject(new Reference(groupId));
      list.setOrderedBy(
          new org.hl7.fhir.r4.model.CodeableConcept()
              .addCoding(
                  new org.hl7.fhir.r4.model.Coding(
                      "http://terminology.hl7.org/CodeSystem/list-order",
                      "entry-date",
                      "Sorted by Item Date")));
    }
    int position = 0;
    for (ListResource.ListEntryComponent entry : list.getEntry()) {
      if (entry.getDeleted()) {
        continue;
      }
      position++;
      if (patient.equals(entry.getItem().getReference())) {
        return position;
      }
    }
    list.addEntry().setItem(new Reference(patient)).setDate(Date.from(clock.instant()));
    if (list.hasId()) {
      daos.getResourceDao(ListResource.class).update(list, new SystemRequestDetails());
    } else {
      daos.getResourceDao(ListResource.class).create(list, new SystemRequestDetails());
    }
    return position + 1;
  }

  private void removeFromWaitlist(String groupId, String patient, SystemRequestDetails read) {
    waitlistOf(groupId, read)
        .ifPresent(
            list -> {
              if (list.getEntry().removeIf(e -> patient.equals(e.getItem().getReference()))) {
                daos.getResourceDao(ListResource.class).update(list, new SystemRequestDetails());
              }
            });
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

  private static void put(Bundle bundle, Appointment session) {
    bundle
        .addEntry()
        .setResource(session)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.PUT)
        .setUrl(session.getIdElement().toUnqualifiedVersionless().getValue());
  }

  private void commit(Bundle bundle) {
    if (bundle.getEntry().isEmpty()) {
      return;
    }
    entityManager.flush();
    systemDao.transactionNested(ServerWrites.writer(null), bundle);
    entityManager.flush();
  }
}
