package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.TherapyGroup.Facilitator;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Slot;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Substitute cover for one group session: the swap itself ({@code $assign-substitute}: atomic,
 * blocks moved, people told), and the session to cover with the facilitator replaced, which {@link
 * SubstituteFinder} ranks candidates for.
 */
@Service
public class SubstituteService {

  private final DaoRegistry daos;
  private final CalendarDirectory directory;
  private final Venues venues;
  private final FacilitatorCalendars calendars;
  private final ServerWrites writes;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final List<ScheduleChangeListener> listeners;
  private final Clock clock;
  private final WorkingHours hours;

  SubstituteService(
      DaoRegistry daos,
      CalendarDirectory directory,
      Venues venues,
      FacilitatorCalendars calendars,
      ServerWrites writes,
      JdbcTemplate jdbc,
      PlatformTransactionManager transactionManager,
      List<ScheduleChangeListener> listeners,
      Clock clock,
      WorkingHours hours) {
    this.daos = daos;
    this.hours = hours;
    this.directory = directory;
    this.venues = venues;
    this.calendars = calendars;
    this.writes = writes;
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactionManager);
    this.listeners = listeners;
    this.clock = clock;
  }

  /** The session, its group, and the facilitator to be replaced. */
  record Cover(
      Appointment session, TherapyGroup group, String replacing, Instant from, Instant to) {}

  /** A request for cover: who would cover, and (to assign) who does and why. */
  public record CoverRequest(
      String substitute, String replacing, String reason, String overrideReason) {}

  public Parameters assign(String appointmentId, CoverRequest assignment) {
    SystemRequestDetails request = new SystemRequestDetails();
    String substitute = assignment.substitute();
    Cover cover = cover(appointmentId, assignment.replacing(), request);
    Practitioner substituteResource = venues.practitioner("substitute", substitute, request);
    if (facilitators(cover.session()).contains(substitute)) {
      throw new BookingConflictException(
          List.of(
              substitute
                  + " already facilitates "
                  + appointmentId
                  + "; choose a practitioner who is not on the session"),
          "substitute");
    }
    String override = assignment.overrideReason();
    String note = assignment.reason();
    Appointment session = cover.session();
    boolean primary =
        session.getParticipant().stream()
            .filter(p -> cover.replacing().equals(References.of(p.getActor())))
            .anyMatch(p -> GroupSession.isFacilitator(p, true));
    transaction.executeWithoutResult(
        tx -> {
          SystemRequestDetails write = ServerWrites.writer(override);
          String oldSchedule = calendars.scheduleOf(cover.replacing(), write);
          ServerWrites.Batch swap = writes.batch();
          for (Slot block : calendars.blocksFor(List.of(session), request)) {
            if (oldSchedule.equals(References.of(block.getSchedule()))) {
              swap.delete(block);
            }
          }
          for (AppointmentParticipantComponent p : session.getParticipant()) {
            if (cover.replacing().equals(References.of(p.getActor()))) {
              p.setActor(new Reference(substitute));
              p.setStatus(Appointment.ParticipationStatus.ACCEPTED);
            }
          }
          if (note != null) {
            session.setComment(
                (session.hasComment() ? session.getComment() + "\n" : "") + "Substitute: " + note);
          }
          swap.update(session);
          swap.commit(write);
          List<Facilitator> covering = List.of(new Facilitator(substitute, primary));
          ServerWrites.Batch blocks = writes.batch();
          SessionMapper.blocks(
                  cover.group(),
                  covering,
                  List.of(session),
                  calendars.schedules(covering, write),
                  SessionMapper::idOf)
              .forEach(blocks::create);
          blocks.commit(write);
          String summary =
              name(substituteResource, substitute)
                  + " will facilitate this session instead of "
                  + name(
                      daos.getResourceDao(Practitioner.class)
                          .read(new IdType(cover.replacing()), request),
                      cover.replacing())
                  + ".";
          ScheduleChange change =
              new ScheduleChange(
                  ScheduleChange.Kind.SUBSTITUTE_ASSIGNED,
                  cover.group().resource(),
                  List.of(session),
                  summary,
                  List.of(cover.replacing()));
          listeners.forEach(l -> l.changed(change));
        });
    Parameters out = new Parameters();
    out.addParameter().setName("session").setResource(session);
    offDuty(substitute, cover, request)
        .ifPresent(o -> out.addParameter().setName("outcome").setResource(o));
    return out;
  }

  /**
   * A warning when the substitute's working hours do not cover the session. (Off duty is a conflict
   * when the practice says so: the ledger refused the write then, unless overridden.)
   */
  private Optional<org.hl7.fhir.r4.model.OperationOutcome> offDuty(
      String substitute, Cover cover, SystemRequestDetails request) {
    return hours
        .outside(substitute, cover.from(), cover.to(), cover.group().zone(), request)
        .map(
            outside -> {
              org.hl7.fhir.r4.model.OperationOutcome outcome =
                  new org.hl7.fhir.r4.model.OperationOutcome();
              outcome
                  .addIssue()
                  .setSeverity(org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.WARNING)
                  .setCode(org.hl7.fhir.r4.model.OperationOutcome.IssueType.BUSINESSRULE)
                  .setDiagnostics("Outside working hours: " + outside);
              return outcome;
            });
  }

  Cover cover(String appointmentId, String replacing, SystemRequestDetails request) {
    Appointment session;
    try {
      session = daos.getResourceDao(Appointment.class).read(new IdType(appointmentId), request);
    } catch (ResourceGoneException e) {
      throw new ResourceNotFoundException(appointmentId + " was deleted");
    }
    String group =
        GroupSession.groupOf(session)
            .orElseThrow(
                () ->
                    InvalidParameter.unprocessable(
                        "appointment", appointmentId + " is not a group session"));
    if (session.getStatus() != Appointment.AppointmentStatus.BOOKED) {
      throw new BookingConflictException(
          List.of(
              appointmentId
                  + " is "
                  + session.getStatus().toCode()
                  + "; only a booked session can get a substitute"));
    }
    if (!session.getStart().toInstant().isAfter(clock.instant())) {
      throw InvalidParameter.unprocessable(
          "appointment",
          appointmentId + " has already begun; a substitute is for a future session");
    }
    Set<String> facilitating = facilitators(session);
    String who =
        replacing != null
            ? replacing
            : session.getParticipant().stream()
                .filter(p -> GroupSession.isFacilitator(p, true))
                .map(p -> References.of(p.getActor()))
                .findFirst()
                .orElseGet(() -> facilitating.stream().findFirst().orElse(null));
    if (who == null || !facilitating.contains(who)) {
      throw InvalidParameter.unprocessable(
          "replacing",
          (who == null
                  ? "The session has no facilitator"
                  : who + " does not facilitate " + appointmentId)
              + "; name the facilitator to replace");
    }
    TherapyGroup context = directory.therapyGroup(group, request);
    Instant from = session.getStart().toInstant().minusSeconds(60L * context.prepMinutes());
    Instant to = session.getEnd().toInstant().plusSeconds(60L * context.documentationMinutes());
    return new Cover(session, context, who, from, to);
  }

  static Set<String> facilitators(Appointment session) {
    return Set.copyOf(GroupSession.practitionersOn(session));
  }

  static String name(Practitioner practitioner, String id) {
    if (!practitioner.hasName()) {
      return id;
    }
    var name = practitioner.getNameFirstRep();
    String text =
        name.hasText()
            ? name.getText()
            : (name.getGivenAsSingleString() + " " + name.getFamily()).strip();
    return text.isBlank() ? id : text;
  }
}
