package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import org.grouptherapy.fhir.ProfileValidationInterceptor;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.UrlType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Session series of a therapy group: schedule one from an RRULE, amend it from session N on, cancel
 * one session or the rest. Each change is one database transaction (the booking ledger checks every
 * Appointment and Slot as it is written, so a conflict undoes all of it), moves the facilitators'
 * preparation and documentation blocks with the sessions, and tells {@link ScheduleChangeListener}s
 * (notifications) inside the same transaction.
 */
@Service
public class SeriesService {

  static final String CALENDAR_SYSTEM = "http://grouptherapy.example.org/identifiers/calendar";

  private final DaoRegistry daos;
  private final IFhirSystemDao<Bundle, org.hl7.fhir.r4.model.Meta> systemDao;
  private final BookingLedger ledger;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final ZoneId defaultZone;
  private final List<ScheduleChangeListener> listeners;

  @jakarta.persistence.PersistenceContext private jakarta.persistence.EntityManager entityManager;

  SeriesService(
      DaoRegistry daos,
      IFhirSystemDao<Bundle, org.hl7.fhir.r4.model.Meta> systemDao,
      BookingLedger ledger,
      PlatformTransactionManager transactionManager,
      Clock clock,
      AppProperties properties,
      List<ScheduleChangeListener> listeners) {
    this.daos = daos;
    this.systemDao = systemDao;
    this.ledger = ledger;
    this.transaction = new TransactionTemplate(transactionManager);
    this.clock = clock;
    this.defaultZone = properties.scheduling().defaultTimeZone();
    this.listeners = listeners;
  }

  /** A facilitator of a group: primary or co. */
  record Facilitator(String practitioner, boolean primary) {}

  /** Where a session takes place: a room or platform (a Location), and a join link if virtual. */
  record Venue(String location, boolean physical, String joinUrl) {}

  /** What a session series of a group is built from. */
  record GroupContext(
      String id,
      Group group,
      ZoneId zone,
      List<Facilitator> facilitators,
      Optional<String> defaultLocation,
      Optional<String> joinUrl,
      int prepMinutes,
      int documentationMinutes) {}

  // --- $schedule-series -------------------------------------------------------------------------

  public Parameters schedule(String groupId, Parameters parameters) {
    SystemRequestDetails request = new SystemRequestDetails();
    GroupContext group = context(groupId, request);
    OperationInput in = new OperationInput(parameters);
    Extension status = group.group().getExtensionByUrl(SchedulingCodes.GROUP_STATUS);
    if (status != null && "ended".equals(status.getValue().primitiveValue())) {
      throw InvalidParameter.unprocessable(
          "group", group.id() + " has ended; no sessions can be scheduled for it");
    }
    if (group.facilitators().stream().noneMatch(Facilitator::primary)) {
      throw InvalidParameter.unprocessable(
          "group",
          group.id()
              + " has no primary facilitator: add a group-facilitator extension with role primary");
    }
    String rrule = in.requiredString("rrule", "FREQ=WEEKLY;BYDAY=MO;COUNT=12");
    LocalDateTime start =
        in.localDateTime("start", group.zone())
            .orElseThrow(
                () ->
                    InvalidParameter.malformed(
                        "start", "start is required, e.g. 2026-03-02T18:00"));
    int duration =
        in.integer("durationMinutes")
            .orElseThrow(
                () ->
                    InvalidParameter.malformed(
                        "durationMinutes", "durationMinutes is required, e.g. 90"));
    Map<LocalDate, String> holidays = new HashMap<>();
    in.string("holidayCalendar")
        .ifPresent(
            name -> {
              if (!Holidays.US_FEDERAL.equals(name)) {
                throw InvalidParameter.unprocessable(
                    "holidayCalendar",
                    "Unknown holidayCalendar "
                        + name
                        + "; known: "
                        + Holidays.US_FEDERAL
                        + " (or send your own iCalendar file as holidays)");
              }
              holidays.putAll(Holidays.usFederal(start.getYear(), start.getYear() + 3));
            });
    in.attachmentText("holidays").ifPresent(text -> holidays.putAll(Holidays.fromICalendar(text)));
    SeriesPlan plan =
        SeriesPlan.of(
            rrule,
            start,
            group.zone(),
            duration,
            in.integer("count").orElse(null),
            in.date("until").orElse(null),
            in.dates("exdate"),
            holidays,
            in.integer("firstSessionNumber").orElse(1));
    if (plan.occurrences().get(0).start().toInstant().isBefore(clock.instant())) {
      throw InvalidParameter.unprocessable(
          "start",
          "The series would start in the past (" + start + "); sessions are scheduled ahead");
    }
    Venue venue = venue(group, in, request);
    boolean dryRun = in.bool("dryRun");
    String override = in.string("overrideReason").orElse(null);
    String series = UUID.randomUUID().toString();

    List<Appointment> sessions = new ArrayList<>();
    for (SeriesPlan.Occurrence occurrence : plan.occurrences()) {
      sessions.add(session(group, occurrence, venue, series));
    }
    OperationOutcome outcome = new OperationOutcome();
    for (SeriesPlan.Skipped skipped : plan.skipped()) {
      warn(outcome, "No session on " + skipped.date() + ": " + skipped.reason());
    }
    List<String> problems = precheck(group, sessions, Set.of(), request);
    if (!problems.isEmpty() && override == null && !dryRun) {
      throw new BookingConflictException(problems);
    }
    for (String problem : problems) {
      issue(
          outcome,
          dryRun && override == null
              ? OperationOutcome.IssueSeverity.ERROR
              : OperationOutcome.IssueSeverity.WARNING,
          problem);
    }
    Bundle result = new Bundle().setType(Bundle.BundleType.COLLECTION);
    if (dryRun) {
      sessions.forEach(s -> result.addEntry().setResource(s));
      blocksOf(group, sessions, Map.of()).forEach(b -> result.addEntry().setResource(b));
      info(
          outcome,
          "Dry run: " + sessions.size() + " sessions would be scheduled; nothing was written");
      return output(series, result, outcome);
    }
    transaction.executeWithoutResult(
        tx -> {
          SystemRequestDetails write = writer(override);
          Map<String, String> schedules = schedules(group, write);
          Writes writes = new Writes();
          Map<Appointment, String> urns = new java.util.IdentityHashMap<>();
          for (Appointment session : sessions) {
            urns.put(session, writes.post(session));
          }
          List<Slot> blocks = blocksOf(group, sessions, schedules, urns::get);
          blocks.forEach(writes::post);
          writes.commit(write);
          sessions.forEach(s -> result.addEntry().setResource(s));
          blocks.forEach(b -> result.addEntry().setResource(b));
          ScheduleChange change =
              ScheduleChange.of(
                  ScheduleChange.Kind.SERIES_SCHEDULED,
                  group.group(),
                  sessions,
                  "New sessions: " + describe(sessions, group.zone()));
          listeners.forEach(l -> l.changed(change));
        });
    info(outcome, sessions.size() + " sessions scheduled, " + describe(sessions, group.zone()));
    return output(series, result, outcome);
  }

  // --- $amend-series ----------------------------------------------------------------------------

  public Parameters amend(String groupId, Parameters parameters) {
    SystemRequestDetails request = new SystemRequestDetails();
    GroupContext group = context(groupId, request);
    OperationInput in = new OperationInput(parameters);
    String series = in.requiredString("series", "the series id $schedule-series returned");
    int from =
        in.integer("fromSession")
            .orElseThrow(
                () -> InvalidParameter.malformed("fromSession", "fromSession is required"));
    Optional<LocalTime> time = in.time("time");
    Optional<Integer> duration = in.integer("durationMinutes");
    Optional<String> facilitator = in.reference("facilitator");
    Optional<String> coFacilitator = in.reference("coFacilitator");
    boolean moves = in.reference("room").isPresent() || in.string("virtual").isPresent();
    if (time.isEmpty()
        && duration.isEmpty()
        && facilitator.isEmpty()
        && coFacilitator.isEmpty()
        && !moves) {
      throw InvalidParameter.malformed(
          "fromSession",
          "Nothing to amend: give time, durationMinutes, room, virtual, facilitator or"
              + " coFacilitator");
    }
    duration.ifPresent(
        d -> {
          if (d < 5 || d > 720) {
            throw InvalidParameter.unprocessable(
                "durationMinutes", "durationMinutes must be between 5 and 720; was " + d);
          }
        });
    facilitator.ifPresent(p -> practitioner("facilitator", p, request));
    coFacilitator.ifPresent(p -> practitioner("coFacilitator", p, request));
    if (facilitator.isPresent() && facilitator.equals(coFacilitator)) {
      throw InvalidParameter.unprocessable(
          "coFacilitator", "The co-facilitator must be another practitioner than the facilitator");
    }
    Optional<Venue> venue = moves ? Optional.of(venue(group, in, request)) : Optional.empty();
    String override = in.string("overrideReason").orElse(null);

    List<Appointment> all = seriesSessions(group.id(), series, request);
    Appointment first =
        all.stream()
            .filter(a -> number(a) == from)
            .findFirst()
            .orElseThrow(
                () ->
                    InvalidParameter.unprocessable(
                        "fromSession",
                        "Series " + series + " of " + group.id() + " has no session " + from));
    if (first.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
      throw new BookingConflictException(
          List.of(
              "Session " + from + " is cancelled and cannot be amended; amend from a later one"),
          "fromSession");
    }
    if (!first.getStart().toInstant().isAfter(clock.instant())) {
      throw InvalidParameter.unprocessable(
          "fromSession",
          "Session "
              + from
              + " has already begun ("
              + first.getStartElement().getValueAsString()
              + "); amend from a future session");
    }
    List<Appointment> sessions =
        all.stream()
            .filter(a -> number(a) >= from)
            .filter(a -> a.getStatus() == Appointment.AppointmentStatus.BOOKED)
            .toList();
    Set<String> ignored = new HashSet<>();
    for (Appointment session : sessions) {
      ignored.add(session.getIdElement().toUnqualifiedVersionless().getValue());
      ZonedDateTime start = session.getStart().toInstant().atZone(group.zone());
      long minutes =
          duration.orElse(
              (int) ((session.getEnd().getTime() - session.getStart().getTime()) / 60_000));
      if (time.isPresent()) {
        start = start.toLocalDate().atTime(time.get()).atZone(group.zone());
        if (!start.toInstant().isAfter(clock.instant())) {
          throw InvalidParameter.unprocessable(
              "time", "Session " + number(session) + " would move into the past (" + start + ")");
        }
      }
      setTimes(session, start, start.plusMinutes(minutes), group.zone());
      session.setMinutesDuration((int) minutes);
      facilitator.ifPresent(p -> replaceFacilitator(session, p, true));
      coFacilitator.ifPresent(p -> replaceFacilitator(session, p, false));
      venue.ifPresent(v -> replaceVenue(session, v));
    }
    List<Slot> oldBlocks = blocks(sessions, request);
    oldBlocks.forEach(b -> ignored.add(b.getIdElement().toUnqualifiedVersionless().getValue()));
    GroupContext amended = withFacilitators(group, sessions);
    List<String> problems = precheck(amended, sessions, ignored, request);
    if (!problems.isEmpty() && override == null) {
      throw new BookingConflictException(problems);
    }
    OperationOutcome outcome = new OperationOutcome();
    problems.forEach(p -> warn(outcome, p));
    Bundle result = new Bundle().setType(Bundle.BundleType.COLLECTION);
    transaction.executeWithoutResult(
        tx -> {
          SystemRequestDetails write = writer(override);
          // Three Bundles in one database transaction, so that the ledger sees each step done
          // before the next is checked: the old blocks go, the sessions move, the new blocks come.
          Writes release = new Writes();
          oldBlocks.forEach(release::delete);
          release.commit(write);
          Writes shift = new Writes();
          sessions.forEach(shift::put);
          shift.commit(write);
          Writes blocks = new Writes();
          List<Slot> created =
              blocksOf(amended, sessions, schedules(amended, write), SeriesService::idOf);
          created.forEach(blocks::post);
          blocks.commit(write);
          sessions.forEach(s -> result.addEntry().setResource(s));
          created.forEach(b -> result.addEntry().setResource(b));
          ScheduleChange change =
              ScheduleChange.of(
                  ScheduleChange.Kind.SERIES_AMENDED,
                  group.group(),
                  sessions,
                  "Changed from session " + from + ": " + describe(sessions, group.zone()));
          listeners.forEach(l -> l.changed(change));
        });
    info(outcome, sessions.size() + " sessions amended from session " + from);
    return output(series, result, outcome);
  }

  // --- $cancel-session and $cancel-series -------------------------------------------------------

  public Appointment cancelSession(String appointmentId, Parameters parameters) {
    SystemRequestDetails request = new SystemRequestDetails();
    OperationInput in = new OperationInput(parameters);
    String reason = in.requiredString("reason", "Facilitator ill");
    Appointment session = readSession(appointmentId, request);
    if (session.getStatus() == Appointment.AppointmentStatus.CANCELLED) {
      throw new BookingConflictException(
          List.of(appointmentId + " is already cancelled"), "reason");
    }
    if (session.getStatus() != Appointment.AppointmentStatus.BOOKED
        || !session.getStart().toInstant().isAfter(clock.instant())) {
      throw InvalidParameter.unprocessable(
          "reason", appointmentId + " has already taken place or begun; record attendance instead");
    }
    String groupId = BookingLedger.groupOf(session).orElse(null);
    Group group =
        groupId == null
            ? null
            : daos.getResourceDao(Group.class).read(new IdType(groupId), request);
    transaction.executeWithoutResult(tx -> cancel(List.of(session), reason, group, request));
    return session;
  }

  public Parameters cancelSeries(String groupId, Parameters parameters) {
    SystemRequestDetails request = new SystemRequestDetails();
    GroupContext group = context(groupId, request);
    OperationInput in = new OperationInput(parameters);
    String series = in.requiredString("series", "the series id $schedule-series returned");
    String reason = in.requiredString("reason", "Group closes for the summer");
    Optional<Integer> from = in.integer("fromSession");
    List<Appointment> all = seriesSessions(group.id(), series, request);
    if (all.isEmpty()) {
      throw InvalidParameter.unprocessable("series", group.id() + " has no series " + series);
    }
    Instant now = clock.instant();
    List<Appointment> sessions =
        all.stream()
            .filter(a -> a.getStatus() == Appointment.AppointmentStatus.BOOKED)
            .filter(a -> a.getStart().toInstant().isAfter(now))
            .filter(a -> from.map(n -> number(a) >= n).orElse(true))
            .toList();
    if (sessions.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "fromSession", "No future booked sessions of series " + series + " to cancel");
    }
    transaction.executeWithoutResult(tx -> cancel(sessions, reason, group.group(), request));
    Bundle result = new Bundle().setType(Bundle.BundleType.COLLECTION);
    sessions.forEach(s -> result.addEntry().setResource(s));
    OperationOutcome outcome = new OperationOutcome();
    info(outcome, sessions.size() + " sessions cancelled: " + reason);
    return output(series, result, outcome);
  }

  private void cancel(List<Appointment> sessions, String reason, Group group, RequestDetails read) {
    Writes writes = new Writes();
    blocks(sessions, read).forEach(writes::delete);
    for (Appointment session : sessions) {
      session.setStatus(Appointment.AppointmentStatus.CANCELLED);
      session.setCancelationReason(new CodeableConcept().setText(reason));
      writes.put(session);
    }
    writes.commit(writer(null));
    ScheduleChange change =
        ScheduleChange.of(
            ScheduleChange.Kind.SESSION_CANCELLED,
            group,
            sessions,
            "Cancelled (" + reason + "): " + describe(sessions, zoneOf(group)));
    listeners.forEach(l -> l.changed(change));
  }

  // --- building sessions and blocks -------------------------------------------------------------

  GroupContext context(String groupId, RequestDetails request) {
    Group group;
    try {
      group = daos.getResourceDao(Group.class).read(new IdType(groupId), request);
    } catch (ResourceGoneException e) {
      throw new ResourceNotFoundException(groupId + " was deleted");
    }
    List<Facilitator> facilitators = new ArrayList<>();
    for (Extension e : group.getExtensionsByUrl(SchedulingCodes.GROUP_FACILITATOR)) {
      Extension who = e.getExtensionByUrl("practitioner");
      Extension role = e.getExtensionByUrl("role");
      if (who != null && who.getValue() instanceof Reference r && r.hasReference()) {
        facilitators.add(
            new Facilitator(
                References.of(r),
                role == null || "primary".equals(role.getValue().primitiveValue())));
      }
    }
    facilitators.sort(Comparator.comparing(f -> !f.primary()));
    Extension location = group.getExtensionByUrl(SchedulingCodes.GROUP_LOCATION);
    Extension join = group.getExtensionByUrl(SchedulingCodes.GROUP_JOIN_URL);
    return new GroupContext(
        group.getIdElement().toUnqualifiedVersionless().getValue(),
        group,
        zoneOf(group),
        facilitators,
        Optional.ofNullable(location).map(l -> References.of((Reference) l.getValue())),
        Optional.ofNullable(join).map(j -> j.getValue().primitiveValue()),
        CalendarDirectory.minutes(group, "prepMinutes"),
        CalendarDirectory.minutes(group, "documentationMinutes"));
  }

  ZoneId zoneOf(Group group) {
    Extension zone = group == null ? null : group.getExtensionByUrl(SchedulingCodes.GROUP_TIMEZONE);
    if (zone == null) {
      return defaultZone;
    }
    try {
      return ZoneId.of(zone.getValue().primitiveValue());
    } catch (RuntimeException e) {
      throw InvalidParameter.unprocessable(
          "group",
          "The group's time zone " + zone.getValue().primitiveValue() + " is not an IANA zone");
    }
  }

  private Venue venue(GroupContext group, OperationInput in, RequestDetails request) {
    Optional<String> room = in.reference("room");
    Optional<String> virtual = in.string("virtual");
    if (room.isPresent() && virtual.isPresent()) {
      throw InvalidParameter.malformed("virtual", "Give a room or a virtual link, not both");
    }
    if (virtual.isPresent()) {
      if (!virtual.get().matches("https://\\S+")) {
        throw InvalidParameter.malformed("virtual", "virtual must be an https:// join link");
      }
      String platform =
          group
              .defaultLocation()
              .filter(l -> !CalendarDirectory.isPhysicalRoom(location("virtual", l, request)))
              .orElse(null);
      return new Venue(platform, false, virtual.get());
    }
    if (room.isPresent()) {
      Location location = location("room", room.get(), request);
      if (!CalendarDirectory.isPhysicalRoom(location)) {
        throw InvalidParameter.unprocessable(
            "room",
            room.get() + " is a virtual platform, not a room: send virtual with the join link");
      }
      if (location.getStatus() == Location.LocationStatus.INACTIVE) {
        throw InvalidParameter.unprocessable("room", room.get() + " is inactive");
      }
      group
          .defaultLocation()
          .map(l -> location("room", l, request))
          .filter(CalendarDirectory::isPhysicalRoom)
          .filter(home -> home.hasPartOf() && location.hasPartOf())
          .filter(
              home -> !References.of(home.getPartOf()).equals(References.of(location.getPartOf())))
          .ifPresent(
              home -> {
                throw InvalidParameter.unprocessable(
                    "room",
                    room.get()
                        + " is at "
                        + References.of(location.getPartOf())
                        + ", another site than the group's room at "
                        + References.of(home.getPartOf())
                        + "; members expect the group at its own site");
              });
      return new Venue(room.get(), true, null);
    }
    if (group.defaultLocation().isEmpty()) {
      throw InvalidParameter.malformed(
          "room", group.id() + " has no default room: give room or virtual");
    }
    Location home = location("room", group.defaultLocation().get(), request);
    boolean physical = CalendarDirectory.isPhysicalRoom(home);
    if (!physical && group.joinUrl().isEmpty()) {
      throw InvalidParameter.malformed(
          "virtual", group.id() + " meets virtually but has no join link: give virtual");
    }
    return new Venue(
        group.defaultLocation().get(), physical, physical ? null : group.joinUrl().get());
  }

  private Location location(String parameter, String id, RequestDetails request) {
    try {
      return daos.getResourceDao(Location.class).read(new IdType(id), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable(parameter, parameter + " " + id + " does not exist");
    }
  }

  Practitioner practitioner(String parameter, String id, RequestDetails request) {
    if (!id.startsWith("Practitioner/")) {
      throw InvalidParameter.malformed(parameter, parameter + " must be a Practitioner reference");
    }
    try {
      Practitioner practitioner =
          daos.getResourceDao(Practitioner.class).read(new IdType(id), request);
      if (practitioner.hasActive() && !practitioner.getActive()) {
        throw InvalidParameter.unprocessable(parameter, id + " is not active");
      }
      return practitioner;
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable(parameter, parameter + " " + id + " does not exist");
    }
  }

  private Appointment session(
      GroupContext group, SeriesPlan.Occurrence occurrence, Venue venue, String series) {
    Appointment session = new Appointment();
    session.getMeta().addProfile(SchedulingCodes.GROUP_SESSION);
    session.addIdentifier().setSystem(SchedulingCodes.SERIES_SYSTEM).setValue(series);
    session.setStatus(Appointment.AppointmentStatus.BOOKED);
    setTimes(session, occurrence.start(), occurrence.end(), group.zone());
    session.setMinutesDuration(
        (int) java.time.Duration.between(occurrence.start(), occurrence.end()).toMinutes());
    if (group.group().hasCode()) {
      session.addServiceType(group.group().getCode().copy());
    }
    session.setDescription(group.group().getName() + ", session " + occurrence.number());
    session.addSupportingInformation(new Reference(group.id()));
    session.addExtension(SchedulingCodes.SESSION_NUMBER, new PositiveIntType(occurrence.number()));
    for (Facilitator facilitator : group.facilitators()) {
      facilitatorParticipant(
          session.addParticipant(), facilitator.practitioner(), facilitator.primary());
    }
    replaceVenue(session, venue);
    LocalDate day = occurrence.start().toLocalDate();
    for (Group.GroupMemberComponent member : group.group().getMember()) {
      if (member.getInactive() || !member.hasEntity() || !coversDay(member, day)) {
        continue;
      }
      addMember(session, References.of(member.getEntity()));
    }
    return session;
  }

  private static boolean coversDay(Group.GroupMemberComponent member, LocalDate day) {
    if (!member.hasPeriod()) {
      return true;
    }
    if (member.getPeriod().hasStart()
        && LocalDate.parse(member.getPeriod().getStartElement().getValueAsString().substring(0, 10))
            .isAfter(day)) {
      return false;
    }
    return !member.getPeriod().hasEnd()
        || !LocalDate.parse(member.getPeriod().getEndElement().getValueAsString().substring(0, 10))
            .isBefore(day);
  }

  private static void facilitatorParticipant(
      AppointmentParticipantComponent participant, String practitioner, boolean primary) {
    participant.setActor(new Reference(practitioner));
    participant.setRequired(Appointment.ParticipantRequired.REQUIRED);
    participant.setStatus(Appointment.ParticipationStatus.ACCEPTED);
    participant.getType().clear();
    participant
        .addType()
        .addCoding()
        .setSystem(SchedulingCodes.PARTICIPATION_SYSTEM)
        .setCode(primary ? "PPRF" : "SPRF")
        .setDisplay(primary ? "primary performer" : "secondary performer");
  }

  /** The practitioners on a session (facilitators and co-facilitators). */
  public static List<String> practitionersOn(Appointment session) {
    return session.getParticipant().stream()
        .map(p -> References.of(p.getActor()))
        .filter(a -> a != null && a.startsWith("Practitioner/"))
        .toList();
  }

  /** Adds a member to a session as an attending subject. */
  public static void addMember(Appointment session, String member) {
    session
        .addParticipant()
        .setActor(new Reference(member))
        .setRequired(Appointment.ParticipantRequired.REQUIRED)
        .setStatus(Appointment.ParticipationStatus.ACCEPTED)
        .addType()
        .addCoding()
        .setSystem(SchedulingCodes.PARTICIPATION_SYSTEM)
        .setCode("SBJ")
        .setDisplay("subject");
  }

  static boolean isFacilitator(AppointmentParticipantComponent participant, boolean primary) {
    return participant.getType().stream()
        .flatMap(t -> t.getCoding().stream())
        .anyMatch(c -> (primary ? "PPRF" : "SPRF").equals(c.getCode()));
  }

  private static void replaceFacilitator(
      Appointment session, String practitioner, boolean primary) {
    Optional<AppointmentParticipantComponent> existing =
        session.getParticipant().stream().filter(p -> isFacilitator(p, primary)).findFirst();
    facilitatorParticipant(existing.orElseGet(session::addParticipant), practitioner, primary);
  }

  private static void replaceVenue(Appointment session, Venue venue) {
    session
        .getParticipant()
        .removeIf(
            p ->
                p.getActor().hasReference() && p.getActor().getReference().startsWith("Location/"));
    session.getExtension().removeIf(e -> SchedulingCodes.SESSION_JOIN_URL.equals(e.getUrl()));
    if (venue.location() != null) {
      session
          .addParticipant()
          .setActor(new Reference(venue.location()))
          .setRequired(Appointment.ParticipantRequired.REQUIRED)
          .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    }
    if (venue.joinUrl() != null) {
      session.addExtension(SchedulingCodes.SESSION_JOIN_URL, new UrlType(venue.joinUrl()));
    }
  }

  static void setTimes(Appointment session, ZonedDateTime start, ZonedDateTime end, ZoneId zone) {
    session.setStartElement(instant(start, zone));
    session.setEndElement(instant(end, zone));
  }

  private static InstantType instant(ZonedDateTime time, ZoneId zone) {
    return new InstantType(
        Date.from(time.toInstant()), TemporalPrecisionEnum.SECOND, TimeZone.getTimeZone(zone));
  }

  /** The group as these sessions now have it: facilitators from the sessions themselves. */
  private static GroupContext withFacilitators(GroupContext group, List<Appointment> sessions) {
    if (sessions.isEmpty()) {
      return group;
    }
    List<Facilitator> facilitators = new ArrayList<>();
    for (AppointmentParticipantComponent p : sessions.get(0).getParticipant()) {
      if (isFacilitator(p, true) || isFacilitator(p, false)) {
        facilitators.add(new Facilitator(References.of(p.getActor()), isFacilitator(p, true)));
      }
    }
    return new GroupContext(
        group.id(),
        group.group(),
        group.zone(),
        facilitators,
        group.defaultLocation(),
        group.joinUrl(),
        group.prepMinutes(),
        group.documentationMinutes());
  }

  /** Each facilitator's Schedule (their calendar), created when they have none yet. */
  Map<String, String> schedules(GroupContext group, RequestDetails write) {
    Map<String, String> schedules = new LinkedHashMap<>();
    for (Facilitator facilitator : group.facilitators()) {
      schedules.put(facilitator.practitioner(), scheduleOf(facilitator.practitioner(), write));
    }
    return schedules;
  }

  /** The actor's own calendar: an active Schedule of theirs alone, created when there is none. */
  public String scheduleOf(String actor, RequestDetails write) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(Schedule.SP_ACTOR, new ReferenceParam(actor));
    Optional<String> own =
        daos.getResourceDao(Schedule.class).searchForResources(search, write).stream()
            .map(Schedule.class::cast)
            .filter(s -> s.getActor().size() == 1 && (!s.hasActive() || s.getActive()))
            .map(s -> s.getIdElement().toUnqualifiedVersionless().getValue())
            .sorted(
                Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder()))
            .findFirst();
    if (own.isPresent()) {
      return own.get();
    }
    Schedule schedule = new Schedule();
    schedule.addIdentifier().setSystem(CALENDAR_SYSTEM).setValue(actor);
    schedule.setActive(true);
    schedule.addActor(new Reference(actor));
    schedule.setComment("Calendar of " + actor);
    return daos.getResourceDao(Schedule.class)
        .create(schedule, "Schedule?identifier=" + CALENDAR_SYSTEM + "|" + actor, write)
        .getId()
        .toUnqualifiedVersionless()
        .getValue();
  }

  List<Slot> blocksOf(
      GroupContext group, List<Appointment> sessions, Map<String, String> schedules) {
    return blocksOf(group, sessions, schedules, SeriesService::idOf);
  }

  /**
   * @param refOf how a block refers to its session: the session's id, or the urn of a session being
   *     created in the same Bundle
   */
  List<Slot> blocksOf(
      GroupContext group,
      List<Appointment> sessions,
      Map<String, String> schedules,
      java.util.function.Function<Appointment, String> refOf) {
    List<Slot> blocks = new ArrayList<>();
    for (Appointment session : sessions) {
      for (Facilitator facilitator : group.facilitators()) {
        String schedule = schedules.getOrDefault(facilitator.practitioner(), null);
        if (group.prepMinutes() > 0) {
          blocks.add(
              block(
                  session,
                  refOf.apply(session),
                  schedule,
                  "prep",
                  "Session preparation",
                  session.getStart().toInstant().minusSeconds(60L * group.prepMinutes()),
                  session.getStart().toInstant(),
                  group.zone()));
        }
        if (group.documentationMinutes() > 0) {
          blocks.add(
              block(
                  session,
                  refOf.apply(session),
                  schedule,
                  "documentation",
                  "Documentation",
                  session.getEnd().toInstant(),
                  session.getEnd().toInstant().plusSeconds(60L * group.documentationMinutes()),
                  group.zone()));
        }
      }
    }
    return blocks;
  }

  private static Slot block(
      Appointment session,
      String sessionRef,
      String schedule,
      String type,
      String display,
      Instant start,
      Instant end,
      ZoneId zone) {
    Slot slot = new Slot();
    slot.getMeta().addProfile(SchedulingCodes.CALENDAR_BLOCK);
    if (schedule != null) {
      slot.setSchedule(new Reference(schedule));
    }
    slot.setStatus(Slot.SlotStatus.BUSY);
    slot.addServiceType()
        .addCoding()
        .setSystem(SchedulingCodes.BLOCK_TYPE_SYSTEM)
        .setCode(type)
        .setDisplay(display);
    slot.setStartElement(instant(start.atZone(zone), zone));
    slot.setEndElement(instant(end.atZone(zone), zone));
    if (sessionRef != null) {
      slot.addExtension(SchedulingCodes.BLOCK_FOR, new Reference(sessionRef));
    }
    slot.setComment(display + ": " + session.getDescription());
    return slot;
  }

  /** Everything that would stop these sessions and their blocks being booked. */
  private List<String> precheck(
      GroupContext group, List<Appointment> sessions, Set<String> ignored, RequestDetails request) {
    List<List<String>> perSession = new ArrayList<>();
    List<BookingLedger.Booking> all = new ArrayList<>();
    List<Integer> owner = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      Appointment session = sessions.get(i);
      perSession.add(new ArrayList<>(ledger.standing(session, request)));
      List<BookingLedger.Booking> bookings = new ArrayList<>(ledger.bookingsOf(session, request));
      Instant start = session.getStart().toInstant();
      Instant end = session.getEnd().toInstant();
      for (Facilitator f : group.facilitators()) {
        if (group.prepMinutes() > 0) {
          bookings.add(
              new BookingLedger.Booking(
                  f.practitioner(), "prep", start.minusSeconds(60L * group.prepMinutes()), start));
        }
        if (group.documentationMinutes() > 0) {
          bookings.add(
              new BookingLedger.Booking(
                  f.practitioner(),
                  "documentation",
                  end,
                  end.plusSeconds(60L * group.documentationMinutes())));
        }
      }
      for (BookingLedger.Booking booking : bookings) {
        all.add(booking);
        owner.add(i);
      }
    }
    ledger
        .conflictsOfEach(all, ignored)
        .forEach((index, found) -> perSession.get(owner.get(index)).addAll(found));
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      Appointment session = sessions.get(i);
      String when =
          session.getStart().toInstant().atZone(group.zone()).toLocalDateTime().toString();
      for (String problem : perSession.get(i).stream().distinct().toList()) {
        problems.add("Session " + number(session) + " (" + when + "): " + problem);
      }
    }
    return problems;
  }

  // --- reading sessions -------------------------------------------------------------------------

  private List<Appointment> seriesSessions(String groupId, String series, RequestDetails request) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(Appointment.SP_IDENTIFIER, new TokenParam(SchedulingCodes.SERIES_SYSTEM, series));
    search.add(Appointment.SP_SUPPORTING_INFO, new ReferenceParam(groupId));
    return daos.getResourceDao(Appointment.class).searchForResources(search, request).stream()
        .map(Appointment.class::cast)
        .sorted(Comparator.comparingInt(SeriesService::number))
        .toList();
  }

  private Appointment readSession(String id, RequestDetails request) {
    return daos.getResourceDao(Appointment.class).read(new IdType(id), request);
  }

  List<Slot> blocks(List<Appointment> sessions, RequestDetails request) {
    if (sessions.isEmpty()) {
      return List.of();
    }
    ReferenceOrListParam any = new ReferenceOrListParam();
    sessions.forEach(
        s -> any.addOr(new ReferenceParam(s.getIdElement().toUnqualifiedVersionless().getValue())));
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add("block-for", any);
    return daos.getResourceDao(Slot.class).searchForResources(search, request).stream()
        .map(Slot.class::cast)
        .toList();
  }

  public static int number(Appointment session) {
    Extension number = session.getExtensionByUrl(SchedulingCodes.SESSION_NUMBER);
    return number != null && number.getValue() instanceof IntegerType n && n.getValue() != null
        ? n.getValue()
        : 0;
  }

  static String idOf(Appointment session) {
    return session.hasId() ? session.getIdElement().toUnqualifiedVersionless().getValue() : null;
  }

  /**
   * The server's own writes of one step, as one transaction Bundle through HAPI's transaction
   * processor (which defers flushing and resolves urn references), joining the caller's database
   * transaction. Written resources get their new ids.
   */
  final class Writes {
    private final Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    private final List<org.hl7.fhir.r4.model.Resource> written = new ArrayList<>();

    String post(org.hl7.fhir.r4.model.Resource resource) {
      String urn = "urn:uuid:" + UUID.randomUUID();
      bundle
          .addEntry()
          .setFullUrl(urn)
          .setResource(resource)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.POST)
          .setUrl(resource.fhirType());
      written.add(resource);
      return urn;
    }

    void put(org.hl7.fhir.r4.model.Resource resource) {
      bundle
          .addEntry()
          .setResource(resource)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.PUT)
          .setUrl(resource.getIdElement().toUnqualifiedVersionless().getValue());
      written.add(resource);
    }

    void delete(org.hl7.fhir.r4.model.Resource resource) {
      bundle
          .addEntry()
          .getRequest()
          .setMethod(Bundle.HTTPVerb.DELETE)
          .setUrl(resource.getIdElement().toUnqualifiedVersionless().getValue());
      written.add(null);
    }

    void commit(SystemRequestDetails write) {
      if (bundle.getEntry().isEmpty()) {
        return;
      }
      // What this transaction wrote before (e.g. a new Schedule) must be visible to the
      // Bundle's reference checks, which query the database.
      entityManager.flush();
      Bundle response = systemDao.transactionNested(write, bundle);
      // Written and flushed: let go of the entities, or every later query's auto-flush would
      // dirty-check all of them again.
      entityManager.flush();
      entityManager.clear();
      for (int i = 0; i < written.size(); i++) {
        org.hl7.fhir.r4.model.Resource resource = written.get(i);
        String location = response.getEntry().get(i).getResponse().getLocation();
        if (resource != null && location != null) {
          resource.setIdElement(new IdType(location).toUnqualified());
        }
      }
    }
  }

  // --- output -----------------------------------------------------------------------------------

  public static SystemRequestDetails writer(String override) {
    SystemRequestDetails write = new SystemRequestDetails();
    write.getUserData().put(ProfileValidationInterceptor.BUILT_BY_SERVER, Boolean.TRUE);
    if (override != null) {
      write.getUserData().put(BookingLedger.OVERRIDE_REASON, override);
    }
    return write;
  }

  static String describe(List<Appointment> sessions, ZoneId zone) {
    if (sessions.isEmpty()) {
      return "none";
    }
    LocalDateTime first = sessions.get(0).getStart().toInstant().atZone(zone).toLocalDateTime();
    LocalDateTime last =
        sessions.get(sessions.size() - 1).getStart().toInstant().atZone(zone).toLocalDateTime();
    return sessions.size() == 1
        ? first.toString().replace('T', ' ') + " (" + zone + ")"
        : first.toString().replace('T', ' ')
            + " to "
            + last.toString().replace('T', ' ')
            + " ("
            + zone
            + ")";
  }

  private static Parameters output(String series, Bundle sessions, OperationOutcome outcome) {
    Parameters out = new Parameters();
    out.addParameter().setName("series").setValue(new org.hl7.fhir.r4.model.StringType(series));
    out.addParameter().setName("sessions").setResource(sessions);
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }

  private static void info(OperationOutcome outcome, String text) {
    issue(outcome, OperationOutcome.IssueSeverity.INFORMATION, text);
  }

  private static void warn(OperationOutcome outcome, String text) {
    issue(outcome, OperationOutcome.IssueSeverity.WARNING, text);
  }

  private static void issue(
      OperationOutcome outcome, OperationOutcome.IssueSeverity severity, String text) {
    outcome
        .addIssue()
        .setSeverity(severity)
        .setCode(
            severity == OperationOutcome.IssueSeverity.INFORMATION
                ? OperationOutcome.IssueType.INFORMATIONAL
                : OperationOutcome.IssueType.CONFLICT)
        .setDiagnostics(text);
  }
}
