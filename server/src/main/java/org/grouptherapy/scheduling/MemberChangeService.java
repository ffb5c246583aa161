package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.OperationParameters;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.Tasks;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A member's change requests: skip one session ({@code $skip-session}), or move to a make-up
 * session of a parallel group with the same curriculum ({@code $move-member}). Each is one
 * transaction; the booking rules hold for the make-up session (capacity, no double booking); the
 * member and the facilitators are told, nobody else. A change request kept as a Task (focus the
 * session, for the member) can be named and is completed with the change.
 */
@Service
public class MemberChangeService {

  private final DaoRegistry daos;
  private final CalendarDirectory directory;
  private final TransactionTemplate transaction;
  private final List<ScheduleChangeListener> listeners;
  private final Clock clock;

  MemberChangeService(
      DaoRegistry daos,
      CalendarDirectory directory,
      PlatformTransactionManager transactionManager,
      List<ScheduleChangeListener> listeners,
      Clock clock) {
    this.daos = daos;
    this.directory = directory;
    this.transaction = new TransactionTemplate(transactionManager);
    this.listeners = listeners;
    this.clock = clock;
  }

  /** {@code $skip-session}: the member, why, and the change-request Task it answers. */
  record Skip(String member, String reason, Optional<String> request) {

    static Skip from(Parameters parameters) {
      OperationParameters in =
          new OperationParameters(parameters).onlyThese(Set.of("member", "reason", "request"));
      return new Skip(
          memberOf(in), in.string("reason").orElse("member request"), in.reference("request"));
    }
  }

  /** {@code $move-member}: the member, the make-up session, the Task it answers. */
  record Move(String member, String to, Optional<String> request, String overrideReason) {

    static Move from(Parameters parameters) {
      OperationParameters in =
          new OperationParameters(parameters)
              .onlyThese(Set.of("member", "to", "request", "overrideReason"));
      return new Move(
          memberOf(in),
          in.reference("to")
              .orElseThrow(
                  () ->
                      InvalidParameter.malformed(
                          "to",
                          "to is required: the make-up session (Appointment) of a parallel"
                              + " group")),
          in.reference("request"),
          in.string("overrideReason").orElse(null));
    }
  }

  public Parameters skip(String sessionId, Skip skip) {
    SystemRequestDetails request = new SystemRequestDetails();
    String member = skip.member();
    String reason = skip.reason();
    Appointment session = futureSession("appointment", sessionId, request);
    AppointmentParticipantComponent participant = attending(session, member, sessionId);
    Optional<String> task = skip.request();
    transaction.executeWithoutResult(
        tx -> {
          SystemRequestDetails write = ServerWrites.writer(null);
          participant.setStatus(Appointment.ParticipationStatus.DECLINED);
          save(session, write);
          task.ifPresent(t -> complete(t, write));
          notify(
              session, member, member + " will not attend this session (" + reason + ").", request);
        });
    Parameters out = new Parameters();
    out.addParameter().setName("session").setResource(session);
    return out;
  }

  public Parameters move(String sessionId, Move move) {
    SystemRequestDetails request = new SystemRequestDetails();
    String member = move.member();
    String targetId = move.to();
    Appointment from = futureSession("appointment", sessionId, request);
    AppointmentParticipantComponent participant = attending(from, member, sessionId);
    Appointment to = futureSession("to", targetId, request);
    String fromGroup = GroupSession.groupOf(from).orElseThrow();
    String toGroup =
        GroupSession.groupOf(to)
            .orElseThrow(
                () -> InvalidParameter.unprocessable("to", targetId + " is not a group session"));
    if (fromGroup.equals(toGroup)) {
      throw InvalidParameter.unprocessable(
          "to",
          targetId + " is a session of the same group; a make-up session is in a parallel group");
    }
    Group source = directory.group(fromGroup, request);
    Group target = directory.group(toGroup, request);
    requireMakeUp(member, from, to, source, target);
    OperationOutcome outcome = curriculumWarning(from, to);
    Optional<String> task = move.request();
    transaction.executeWithoutResult(
        tx -> {
          SystemRequestDetails write = ServerWrites.writer(move.overrideReason());
          participant.setStatus(Appointment.ParticipationStatus.DECLINED);
          save(from, write);
          GroupSession.addMember(to, member);
          save(to, write);
          task.ifPresent(t -> complete(t, write));
          String summary =
              member
                  + " moves from "
                  + source.getName()
                  + " to a make-up session of "
                  + target.getName()
                  + ".";
          List<String> told = new ArrayList<>(GroupSession.practitionersOn(from));
          told.addAll(GroupSession.practitionersOn(to));
          told.add(member);
          ScheduleChange change =
              new ScheduleChange(
                  ScheduleChange.Kind.MEMBER_MOVED,
                  target,
                  List.of(from, to),
                  summary,
                  List.of(),
                  told);
          listeners.forEach(l -> l.changed(change));
        });
    Parameters out = new Parameters();
    out.addParameter().setName("from").setResource(from);
    out.addParameter().setName("to").setResource(to);
    if (outcome.hasIssue()) {
      out.addParameter().setName("outcome").setResource(outcome);
    }
    return out;
  }

  /** A make-up session: same curriculum (modality), the member not already in it. */
  private static void requireMakeUp(
      String member, Appointment from, Appointment to, Group source, Group target) {
    String targetId = References.of(to);
    if (!modality(source).equals(modality(target))) {
      throw InvalidParameter.unprocessable(
          "to",
          References.of(target)
              + " runs "
              + modality(target)
              + ", not the same curriculum as "
              + References.of(source)
              + " ("
              + modality(source)
              + ")");
    }
    boolean listed =
        to.getParticipant().stream()
            .anyMatch(
                p ->
                    member.equals(References.of(p.getActor()))
                        && p.getStatus() != Appointment.ParticipationStatus.DECLINED);
    if (listed) {
      throw new BookingConflictException(List.of(member + " is already in " + targetId), "to");
    }
  }

  /** A warning when the make-up session is another number of its series than the missed one. */
  private static OperationOutcome curriculumWarning(Appointment from, Appointment to) {
    OperationOutcome outcome = new OperationOutcome();
    int fromNumber = GroupSession.number(from);
    int toNumber = GroupSession.number(to);
    if (fromNumber > 0 && toNumber > 0 && fromNumber != toNumber) {
      Outcomes.warning(
          outcome,
          OperationOutcome.IssueType.INFORMATIONAL,
          "The make-up session is number "
              + toNumber
              + " of its series, the missed one "
              + fromNumber
              + ": check the curriculum lines up");
    }
    return outcome;
  }

  private static String memberOf(OperationParameters in) {
    String member =
        in.reference("member")
            .orElseThrow(
                () ->
                    InvalidParameter.malformed(
                        "member", "member is required: the Patient the change is for"));
    if (!member.startsWith("Patient/")) {
      throw InvalidParameter.malformed("member", "member must be a Patient reference");
    }
    return member;
  }

  private Appointment futureSession(String parameter, String id, SystemRequestDetails request) {
    Appointment session;
    try {
      session = daos.getResourceDao(Appointment.class).read(new IdType(id), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      if ("appointment".equals(parameter)) {
        throw e;
      }
      throw InvalidParameter.unprocessable(parameter, id + " does not exist");
    }
    if (GroupSession.groupOf(session).isEmpty()) {
      throw InvalidParameter.unprocessable(parameter, id + " is not a group session");
    }
    if (session.getStatus() != Appointment.AppointmentStatus.BOOKED) {
      throw new BookingConflictException(
          List.of(id + " is " + session.getStatus().toCode() + ", not booked"), parameter);
    }
    if (!session.getStart().toInstant().isAfter(clock.instant())) {
      throw InvalidParameter.unprocessable(parameter, id + " has already begun");
    }
    return session;
  }

  private static AppointmentParticipantComponent attending(
      Appointment session, String member, String sessionId) {
    return session.getParticipant().stream()
        .filter(p -> member.equals(References.of(p.getActor())))
        .filter(p -> p.getStatus() != Appointment.ParticipationStatus.DECLINED)
        .findFirst()
        .orElseThrow(
            () ->
                InvalidParameter.unprocessable(
                    "member",
                    member + " is not a member of " + sessionId + " (or already skips it)"));
  }

  private void save(Appointment session, SystemRequestDetails write) {
    session.setIdElement(
        (IdType)
            daos.getResourceDao(Appointment.class).update(session, write).getId().toUnqualified());
  }

  private void complete(String taskId, SystemRequestDetails write) {
    if (!Tasks.close(daos, taskId, Task.TaskStatus.COMPLETED, null, clock.instant(), write)) {
      throw InvalidParameter.unprocessable("request", taskId + " does not exist");
    }
  }

  private void notify(
      Appointment session, String member, String summary, SystemRequestDetails request) {
    String group = GroupSession.groupOf(session).orElseThrow();
    List<String> told = new ArrayList<>(GroupSession.practitionersOn(session));
    told.add(member);
    ScheduleChange change =
        new ScheduleChange(
            ScheduleChange.Kind.MEMBER_MOVED,
            directory.group(group, request),
            List.of(session),
            summary,
            List.of(),
            told);
    listeners.forEach(l -> l.changed(change));
  }

  private static String modality(Group group) {
    return group.getCode().getCoding().stream()
        .filter(c -> SchedulingCodes.MODALITY_SYSTEM.equals(c.getSystem()))
        .map(c -> c.getCode())
        .findFirst()
        .orElse("unknown");
  }
}
