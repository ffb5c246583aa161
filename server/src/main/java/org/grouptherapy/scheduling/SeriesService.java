package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
import org.grouptherapy.kernel.TherapyGroup.Facilitator;
import org.grouptherapy.scheduling.SeriesRequests.AmendSeries;
import org.grouptherapy.scheduling.SeriesRequests.CancelSeries;
import org.grouptherapy.scheduling.SeriesRequests.ScheduleSeries;
import org.grouptherapy.scheduling.SessionMapper.Venue;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Session series of a therapy group: schedule one from an RRULE, amend it from session N on, cancel
 * one session or the rest. Each change is one database transaction (the booking ledger checks every
 * Appointment and Slot as it is written, so a conflict undoes all of it), moves the facilitators'
 * preparation and documentation blocks with the sessions, and tells {@link ScheduleChangeListener}s
 * (notifications) inside the same transaction. Sessions and blocks are built by {@link
 * SessionMapper}; the checks before writing by {@link SeriesCheck}.
 */
@Service
public class SeriesService {

  private final DaoRegistry daos;
  private final CalendarDirectory directory;
  private final Venues venues;
  private final FacilitatorCalendars calendars;
  private final SeriesCheck check;
  private final ServerWrites writes;
  private final TransactionTemplate transaction;
  private final PracticeTime time;
  private final List<ScheduleChangeListener> listeners;

  SeriesService(
      DaoRegistry daos,
      CalendarDirectory directory,
      Venues venues,
      FacilitatorCalendars calendars,
      SeriesCheck check,
      ServerWrites writes,
      PlatformTransactionManager transactionManager,
      PracticeTime time,
      List<ScheduleChangeListener> listeners) {
    this.daos = daos;
    this.directory = directory;
    this.venues = venues;
    this.calendars = calendars;
    this.check = check;
    this.writes = writes;
    this.transaction = new TransactionTemplate(transactionManager);
    this.time = time;
    this.listeners = listeners;
  }

  /** The group a series operation is called on, with its zone (which its input is read in). */
  TherapyGroup group(String groupId) {
    return directory.therapyGroup(groupId, new SystemRequestDetails());
  }

  // --- $schedule-series -------------------------------------------------------------------------

  public Parameters schedule(TherapyGroup group, ScheduleSeries request) {
    SystemRequestDetails read = new SystemRequestDetails();
    requireSchedulable(group);
    SeriesPlan plan = plan(group, request);
    Venue venue = venues.resolve(group, request.venue(), read);
    String series = UUID.randomUUID().toString();
    List<Appointment> sessions = new ArrayList<>();
    for (SeriesPlan.Occurrence occurrence : plan.occurrences()) {
      sessions.add(SessionMapper.session(group, occurrence, venue, series));
    }
    OperationOutcome outcome = new OperationOutcome();
    for (SeriesPlan.Skipped skipped : plan.skipped()) {
      conflict(
          outcome,
          IssueSeverity.WARNING,
          "No session on " + skipped.date() + ": " + skipped.reason());
    }
    String override = request.overrideReason();
    List<String> problems = check.problems(group, group.facilitators(), sessions, Set.of(), read);
    if (!problems.isEmpty() && override == null && !request.dryRun()) {
      throw new BookingConflictException(problems);
    }
    IssueSeverity severity =
        request.dryRun() && override == null ? IssueSeverity.ERROR : IssueSeverity.WARNING;
    problems.forEach(p -> conflict(outcome, severity, p));
    check
        .outsideWorkingHours(group, group.facilitators(), sessions, read)
        .forEach(w -> conflict(outcome, IssueSeverity.WARNING, w));
    Bundle result = new Bundle().setType(Bundle.BundleType.COLLECTION);
    if (request.dryRun()) {
      sessions.forEach(s -> result.addEntry().setResource(s));
      SessionMapper.blocks(group, group.facilitators(), sessions, Map.of(), SessionMapper::idOf)
          .forEach(b -> result.addEntry().setResource(b));
      Outcomes.info(
          outcome,
          "Dry run: " + sessions.size() + " sessions would be scheduled; nothing was written");
      return output(series, result, outcome);
    }
    transaction.executeWithoutResult(tx -> writeSeries(group, sessions, override, result));
    Outcomes.info(
        outcome,
        sessions.size() + " sessions scheduled, " + SessionMapper.describe(sessions, group.zone()));
    return output(series, result, outcome);
  }

  private static void requireSchedulable(TherapyGroup group) {
    if ("ended".equals(group.status())) {
      throw InvalidParameter.unprocessable(
          "group", group.id() + " has ended; no sessions can be scheduled for it");
    }
    if (group.facilitators().stream().noneMatch(Facilitator::primary)) {
      throw InvalidParameter.unprocessable(
          "group",
          group.id()
              + " has no primary facilitator: add a group-facilitator extension with role primary");
    }
  }

  /** The series' dates, in the group's zone, starting ahead. */
  private SeriesPlan plan(TherapyGroup group, ScheduleSeries request) {
    SeriesPlan plan =
        SeriesPlan.of(
            request.rrule(),
            request.start(),
            group.zone(),
            request.durationMinutes(),
            request.count(),
            request.until(),
            request.exdates(),
            holidays(request),
            request.firstSessionNumber());
    if (plan.occurrences().get(0).start().toInstant().isBefore(time.now())) {
      throw InvalidParameter.unprocessable(
          "start",
          "The series would start in the past ("
              + request.start()
              + "); sessions are scheduled ahead");
    }
    return plan;
  }

  /** Sessions and their blocks in one Bundle; the people they touch are told. */
  private void writeSeries(
      TherapyGroup group, List<Appointment> sessions, String override, Bundle result) {
    SystemRequestDetails write = ServerWrites.writer(override);
    Map<String, String> schedules = calendars.schedules(group.facilitators(), write);
    ServerWrites.Batch batch = writes.batch();
    Map<Appointment, String> urns = new IdentityHashMap<>();
    sessions.forEach(session -> urns.put(session, batch.create(session)));
    List<Slot> blocks =
        SessionMapper.blocks(group, group.facilitators(), sessions, schedules, urns::get);
    blocks.forEach(batch::create);
    batch.commit(write);
    writes.release();
    sessions.forEach(s -> result.addEntry().setResource(s));
    blocks.forEach(b -> result.addEntry().setResource(b));
    tell(
        ScheduleChange.of(
            ScheduleChange.Kind.SERIES_SCHEDULED,
            group.resource(),
            sessions,
            "New sessions: " + SessionMapper.describe(sessions, group.zone())));
  }

  private static Map<LocalDate, String> holidays(ScheduleSeries request) {
    Map<LocalDate, String> holidays = new HashMap<>();
    int year = request.start().getYear();
    request
        .holidayCalendar()
        .ifPresent(calendar -> holidays.putAll(Holidays.usFederal(year, year + 3)));
    request.holidays().ifPresent(text -> holidays.putAll(Holidays.fromICalendar(text)));
    return holidays;
  }

  // --- $amend-series ----------------------------------------------------------------------------

  public Parameters amend(TherapyGroup group, AmendSeries request) {
    SystemRequestDetails read = new SystemRequestDetails();
    request.facilitator().ifPresent(p -> venues.practitioner("facilitator", p, read));
    request.coFacilitator().ifPresent(p -> venues.practitioner("coFacilitator", p, read));
    Optional<Venue> venue =
        request.venue().given()
            ? Optional.of(venues.resolve(group, request.venue(), read))
            : Optional.empty();
    List<Appointment> all = seriesSessions(group.id(), request.series(), read);
    int from = request.fromSession();
    requireAmendable(group, request, all);
    List<Appointment> sessions =
        all.stream()
            .filter(a -> GroupSession.number(a) >= from)
            .filter(a -> a.getStatus() == Appointment.AppointmentStatus.BOOKED)
            .toList();
    Set<String> ignored = new HashSet<>();
    for (Appointment session : sessions) {
      ignored.add(References.of(session));
      amend(session, request, venue, group);
    }
    List<Slot> oldBlocks = calendars.blocksFor(sessions, read);
    oldBlocks.forEach(b -> ignored.add(References.of(b)));
    List<Facilitator> facilitators =
        sessions.isEmpty() ? group.facilitators() : SessionMapper.facilitatorsOn(sessions.get(0));
    List<String> problems = check.problems(group, facilitators, sessions, ignored, read);
    if (!problems.isEmpty() && request.overrideReason() == null) {
      throw new BookingConflictException(problems);
    }
    OperationOutcome outcome = new OperationOutcome();
    problems.forEach(p -> conflict(outcome, IssueSeverity.WARNING, p));
    check
        .outsideWorkingHours(group, facilitators, sessions, read)
        .forEach(w -> conflict(outcome, IssueSeverity.WARNING, w));
    Bundle result = new Bundle().setType(Bundle.BundleType.COLLECTION);
    transaction.executeWithoutResult(
        tx -> writeAmendment(group, facilitators, sessions, oldBlocks, request, result));
    Outcomes.info(outcome, sessions.size() + " sessions amended from session " + from);
    return output(request.series(), result, outcome);
  }

  /**
   * Three Bundles in one database transaction, so that the ledger sees each step done before the
   * next is checked: the old blocks go, the sessions move, the new blocks come.
   */
  private void writeAmendment(
      TherapyGroup group,
      List<Facilitator> facilitators,
      List<Appointment> sessions,
      List<Slot> oldBlocks,
      AmendSeries request,
      Bundle result) {
    SystemRequestDetails write = ServerWrites.writer(request.overrideReason());
    ServerWrites.Batch release = writes.batch();
    oldBlocks.forEach(release::delete);
    release.commit(write);
    ServerWrites.Batch shift = writes.batch();
    sessions.forEach(shift::update);
    shift.commit(write);
    ServerWrites.Batch blocks = writes.batch();
    List<Slot> created =
        SessionMapper.blocks(
            group,
            facilitators,
            sessions,
            calendars.schedules(facilitators, write),
            SessionMapper::idOf);
    created.forEach(blocks::create);
    blocks.commit(write);
    writes.release();
    sessions.forEach(s -> result.addEntry().setResource(s));
    created.forEach(b -> result.addEntry().setResource(b));
    tell(
        ScheduleChange.of(
            ScheduleChange.Kind.SERIES_AMENDED,
            group.resource(),
            sessions,
            "Changed from session "
                + request.fromSession()
                + ": "
                + SessionMapper.describe(sessions, group.zone())));
  }

  /** Session N exists, is not cancelled and has not begun. */
  private void requireAmendable(TherapyGroup group, AmendSeries request, List<Appointment> all) {
    int from = request.fromSession();
    Appointment first =
        all.stream()
            .filter(a -> GroupSession.number(a) == from)
            .findFirst()
            .orElseThrow(
                () ->
                    InvalidParameter.unprocessable(
                        "fromSession",
                        "Series "
                            + request.series()
                            + " of "
                            + group.id()
                            + " has no session "
                            + from));
    if (first.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
      throw new BookingConflictException(
          List.of(
              "Session " + from + " is cancelled and cannot be amended; amend from a later one"),
          "fromSession");
    }
    if (!first.getStart().toInstant().isAfter(time.now())) {
      throw InvalidParameter.unprocessable(
          "fromSession",
          "Session "
              + from
              + " has already begun ("
              + first.getStartElement().getValueAsString()
              + "); amend from a future session");
    }
  }

  /** One session as the amendment has it: time, length, facilitators, room or link. */
  private void amend(
      Appointment session, AmendSeries request, Optional<Venue> venue, TherapyGroup group) {
    ZonedDateTime start = session.getStart().toInstant().atZone(group.zone());
    long minutes =
        request.durationMinutes().map(Long::valueOf).orElse(SessionMapper.minutes(session));
    if (request.time().isPresent()) {
      start = start.toLocalDate().atTime(request.time().get()).atZone(group.zone());
      if (!start.toInstant().isAfter(time.now())) {
        throw InvalidParameter.unprocessable(
            "time",
            "Session "
                + GroupSession.number(session)
                + " would move into the past ("
                + start
                + ")");
      }
    }
    SessionMapper.reschedule(session, start, minutes);
    request.facilitator().ifPresent(p -> SessionMapper.replaceFacilitator(session, p, true));
    request.coFacilitator().ifPresent(p -> SessionMapper.replaceFacilitator(session, p, false));
    venue.ifPresent(v -> SessionMapper.replaceVenue(session, v));
  }

  // --- $cancel-session and $cancel-series -------------------------------------------------------

  public Appointment cancelSession(String appointmentId, String reason) {
    SystemRequestDetails read = new SystemRequestDetails();
    Appointment session =
        daos.getResourceDao(Appointment.class).read(new IdType(appointmentId), read);
    if (session.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
      throw new BookingConflictException(
          List.of(appointmentId + " is already cancelled"), "reason");
    }
    if (session.getStatus() != Appointment.AppointmentStatus.BOOKED
        || !session.getStart().toInstant().isAfter(time.now())) {
      throw InvalidParameter.unprocessable(
          "reason", appointmentId + " has already taken place or begun; record attendance instead");
    }
    Group group = GroupSession.groupOf(session).map(g -> directory.group(g, read)).orElse(null);
    transaction.executeWithoutResult(tx -> cancel(List.of(session), reason, group, read));
    return session;
  }

  public Parameters cancelSeries(TherapyGroup group, CancelSeries request) {
    SystemRequestDetails read = new SystemRequestDetails();
    List<Appointment> all = seriesSessions(group.id(), request.series(), read);
    if (all.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "series", group.id() + " has no series " + request.series());
    }
    Instant now = time.now();
    List<Appointment> sessions =
        all.stream()
            .filter(a -> a.getStatus() == Appointment.AppointmentStatus.BOOKED)
            .filter(a -> a.getStart().toInstant().isAfter(now))
            .filter(a -> request.fromSession().map(n -> GroupSession.number(a) >= n).orElse(true))
            .toList();
    if (sessions.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "fromSession", "No future booked sessions of series " + request.series() + " to cancel");
    }
    transaction.executeWithoutResult(
        tx -> cancel(sessions, request.reason(), group.resource(), read));
    Bundle result = new Bundle().setType(Bundle.BundleType.COLLECTION);
    sessions.forEach(s -> result.addEntry().setResource(s));
    OperationOutcome outcome = new OperationOutcome();
    Outcomes.info(outcome, sessions.size() + " sessions cancelled: " + request.reason());
    return output(request.series(), result, outcome);
  }

  private void cancel(List<Appointment> sessions, String reason, Group group, RequestDetails read) {
    ServerWrites.Batch batch = writes.batch();
    calendars.blocksFor(sessions, read).forEach(batch::delete);
    for (Appointment session : sessions) {
      session.setStatus(Appointment.AppointmentStatus.CANCELLED);
      session.setCancelationReason(new CodeableConcept().setText(reason));
      batch.update(session);
    }
    batch.commit(ServerWrites.writer(null));
    tell(
        ScheduleChange.of(
            ScheduleChange.Kind.SESSION_CANCELLED,
            group,
            sessions,
            "Cancelled (" + reason + "): " + SessionMapper.describe(sessions, time.zoneOf(group))));
  }

  // --- shared -----------------------------------------------------------------------------------

  private void tell(ScheduleChange change) {
    listeners.forEach(l -> l.changed(change));
  }

  private List<Appointment> seriesSessions(String groupId, String series, RequestDetails request) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(Appointment.SP_IDENTIFIER, new TokenParam(SchedulingCodes.SERIES_SYSTEM, series));
    search.add(Appointment.SP_SUPPORTING_INFO, new ReferenceParam(groupId));
    return daos.getResourceDao(Appointment.class).searchForResources(search, request).stream()
        .map(Appointment.class::cast)
        .sorted(Comparator.comparingInt(GroupSession::number))
        .toList();
  }

  private static Parameters output(String series, Bundle sessions, OperationOutcome outcome) {
    Parameters out = new Parameters();
    out.addParameter().setName("series").setValue(new StringType(series));
    out.addParameter().setName("sessions").setResource(sessions);
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }

  private static void conflict(OperationOutcome outcome, IssueSeverity severity, String text) {
    Outcomes.add(outcome, severity, IssueType.CONFLICT, text);
  }
}
