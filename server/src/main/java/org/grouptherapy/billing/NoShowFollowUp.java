package org.grouptherapy.billing;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.billing.AttendanceService.Mark;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;

/**
 * What follows a no-show: a Task for the VA to check in with the member, an optional message to the
 * member ("we missed you", naming no one else; {@code app.attendance.no-show-message}), and, when
 * the member missed their previous session of the group too, a Flag for the facilitators. Each is
 * written once per member and session (conditional creates on an identifier), however often the
 * attendance is recorded again.
 */
@Component
class NoShowFollowUp {

  static final String TASK_SYSTEM = "http://grouptherapy.example.org/identifiers/no-show-follow-up";
  static final String FLAG_SYSTEM =
      "http://grouptherapy.example.org/identifiers/consecutive-no-shows";
  static final String CODES = SchedulingCodes.WORKFLOW_CODES_SYSTEM;

  private final DaoRegistry daos;
  private final CalendarDirectory directory;
  private final PracticeTime time;
  private final List<ScheduleChangeListener> listeners;
  private final boolean messageMember;

  NoShowFollowUp(
      DaoRegistry daos,
      CalendarDirectory directory,
      PracticeTime time,
      List<ScheduleChangeListener> listeners,
      AppProperties properties) {
    this.daos = daos;
    this.directory = directory;
    this.time = time;
    this.listeners = listeners;
    this.messageMember = properties.attendance().noShowMessage();
  }

  /** For a member newly recorded as a no-show at the session. */
  void follow(Appointment session, Mark mark, SystemRequestDetails system) {
    String sessionId = References.of(session);
    String patient = mark.patient();
    String key =
        new org.hl7.fhir.r4.model.IdType(sessionId).getIdPart()
            + "-"
            + new org.hl7.fhir.r4.model.IdType(patient).getIdPart();
    Group group = GroupSession.groupOf(session).map(g -> directory.group(g, system)).orElse(null);
    ZoneId zone = time.zoneOf(group);
    String groupName = group == null ? "the group session" : group.getName();
    String day = PracticeTime.dateOf(session, zone).toString();
    boolean created = task(session, patient, key, groupName, day, system);
    if (!created) {
      return; // followed up already
    }
    previousNoShow(session, patient, system)
        .ifPresent(previous -> flag(session, patient, key, groupName, day, previous, system));
    if (messageMember && group != null) {
      ScheduleChange change =
          new ScheduleChange(
              ScheduleChange.Kind.MEMBER_MISSED,
              group,
              List.of(session),
              "We missed you at "
                  + groupName
                  + " on "
                  + day
                  + ". We hope you are well; your next session is as planned. If something has"
                  + " changed, reply or call the practice.",
              List.of(),
              List.of(patient));
      listeners.forEach(l -> l.changed(change));
    }
  }

  private boolean task(
      Appointment session,
      String patient,
      String key,
      String groupName,
      String day,
      SystemRequestDetails system) {
    Task task = new Task();
    task.addIdentifier().setSystem(TASK_SYSTEM).setValue(key);
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setPriority(Task.TaskPriority.ROUTINE);
    task.getCode()
        .addCoding()
        .setSystem(CODES)
        .setCode("no-show-follow-up")
        .setDisplay("Follow up a missed group session");
    task.setFor(new Reference(patient));
    task.setFocus(new Reference(References.of(session)));
    task.setAuthoredOn(Date.from(time.now()));
    task.setDescription(
        "Missed "
            + groupName
            + " on "
            + day
            + ": check in with the member and confirm the next"
            + " session");
    return daos.getResourceDao(Task.class)
        .create(task, "identifier=" + TASK_SYSTEM + "|" + key, system)
        .getCreated();
  }

  /** The member's previous session of the group, if they were a no-show there too. */
  private Optional<Appointment> previousNoShow(
      Appointment session, String patient, SystemRequestDetails system) {
    Optional<String> group = GroupSession.groupOf(session);
    if (group.isEmpty()) {
      return Optional.empty();
    }
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Appointment.SP_ACTOR, new ReferenceParam(patient))
            .add(Appointment.SP_SUPPORTING_INFO, new ReferenceParam(group.get()))
            .add(Appointment.SP_DATE, new DateParam(ParamPrefixEnum.LESSTHAN, session.getStart()))
            .setSort(new SortSpec(Appointment.SP_DATE, SortOrderEnum.DESC))
            .setCount(5);
    return daos.getResourceDao(Appointment.class).searchForResources(search, system).stream()
        .map(Appointment.class::cast)
        .filter(a -> a.getStatus() != Appointment.AppointmentStatus.CANCELLED)
        .filter(a -> a.getStart().before(session.getStart()))
        .findFirst()
        .filter(previous -> "no-show".equals(statusOf(previous, patient)));
  }

  private static String statusOf(Appointment session, String patient) {
    return session.getParticipant().stream()
        .filter(p -> patient.equals(References.of(p.getActor())))
        .map(
            p ->
                AttendanceService.markOf(
                    patient, p.getExtensionByUrl(BillingCodes.SESSION_ATTENDANCE)))
        .filter(m -> m != null)
        .map(Mark::status)
        .findFirst()
        .orElse(null);
  }

  private void flag(
      Appointment session,
      String patient,
      String key,
      String groupName,
      String day,
      Appointment previous,
      SystemRequestDetails system) {
    Flag flag = new Flag();
    flag.addIdentifier().setSystem(FLAG_SYSTEM).setValue(key);
    flag.setStatus(Flag.FlagStatus.ACTIVE);
    flag.addCategory()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/flag-category")
        .setCode("admin");
    flag.getCode()
        .addCoding()
        .setSystem(CODES)
        .setCode("consecutive-no-shows")
        .setDisplay("Missed two group sessions in a row");
    flag.getCode()
        .setText(
            "Missed two sessions of "
                + groupName
                + " in a row ("
                + References.of(previous)
                + " and the session on "
                + day
                + "): for the facilitators");
    flag.setSubject(new Reference(patient));
    flag.getPeriod().setStart(Date.from(time.now()));
    daos.getResourceDao(Flag.class).create(flag, "identifier=" + FLAG_SYSTEM + "|" + key, system);
  }
}
