package org.grouptherapy.scheduling;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.OverrideProvenance;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Appointment.ParticipationStatus;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps the booking ledger ({@code gt.booking}) in step with every Appointment and Slot written, in
 * the same transaction as HAPI's write, whatever the path: REST create or update, transaction
 * bundle, custom operation, demo load. A write that would double-book a practitioner, room or
 * member, fill a session beyond its room or group, or give a group session a facilitator who is
 * inactive or holds no active role is refused with 409 and an OperationOutcome naming what it
 * collides with, unless the request carries an override reason ({@value
 * SchedulingCodes#OVERRIDE_HEADER}), which is then recorded in a Provenance.
 *
 * <p>The pre-check gives people readable conflicts; PostgreSQL's exclusion constraint decides the
 * races: of two requests booking the same room at once, the second waits for the first to commit
 * and then fails its insert.
 */
@Component
@Interceptor
public class BookingLedger implements FhirStorageInterceptor {

  private static final Set<Appointment.AppointmentStatus> HOLDING =
      Set.of(
          Appointment.AppointmentStatus.PENDING,
          Appointment.AppointmentStatus.BOOKED,
          Appointment.AppointmentStatus.ARRIVED,
          Appointment.AppointmentStatus.CHECKEDIN,
          Appointment.AppointmentStatus.FULFILLED);

  private static final Set<Slot.SlotStatus> BUSY =
      Set.of(Slot.SlotStatus.BUSY, Slot.SlotStatus.BUSYUNAVAILABLE, Slot.SlotStatus.BUSYTENTATIVE);

  /** One person or room held for one span of time by one calendar entry. */
  public record Booking(String key, String kind, Instant start, Instant end) {}

  private final JdbcTemplate jdbc;
  private final CalendarDirectory directory;
  private final DaoRegistry daos;
  private final Callers callers;
  private final boolean enforced;
  private final WorkingHours hours;
  private final PracticeTime time;
  private final boolean hoursConflict;

  BookingLedger(
      JdbcTemplate jdbc,
      CalendarDirectory directory,
      DaoRegistry daos,
      Callers callers,
      AppProperties properties,
      WorkingHours hours,
      PracticeTime time) {
    this.jdbc = jdbc;
    this.directory = directory;
    this.daos = daos;
    this.callers = callers;
    this.enforced = properties.scheduling().enforceInvariants();
    this.hours = hours;
    this.time = time;
    this.hoursConflict =
        properties.scheduling().outsideWorkingHours() == AppProperties.OutsideWorkingHours.CONFLICT;
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    record(resource, request, false);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    record(resource, request, true);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
  public void deleted(IBaseResource resource) {
    if (resource instanceof Appointment || resource instanceof Slot) {
      jdbc.update("DELETE FROM gt.booking WHERE source = ?", source(resource));
    }
  }

  private void record(IBaseResource resource, RequestDetails request, boolean replacing) {
    if (!enforced) {
      return;
    }
    List<Booking> bookings;
    List<String> problems = new ArrayList<>();
    if (resource instanceof Appointment appointment) {
      bookings = bookingsOf(appointment, request);
      problems.addAll(sessionProblems(appointment, bookings, request));
    } else if (resource instanceof Slot slot) {
      bookings = bookingsOf(slot, request);
    } else {
      return;
    }
    String source = source(resource);
    if (replacing) {
      jdbc.update("DELETE FROM gt.booking WHERE source = ?", source);
    }
    if (bookings.isEmpty()) {
      return;
    }
    problems.addAll(conflicts(bookings, Set.of(source)));
    String override = overrideReason(request).orElse(null);
    if (!problems.isEmpty() && override == null) {
      throw new BookingConflictException(problems);
    }
    insert(bookings, source, problems.isEmpty() ? null : override);
    if (!problems.isEmpty()) {
      recordOverride(resource, override, problems, request);
    }
  }

  /** Who and what an Appointment holds: practitioners, physical rooms, members not declined. */
  public List<Booking> bookingsOf(Appointment appointment, RequestDetails request) {
    if (!HOLDING.contains(appointment.getStatus())
        || appointment.getStart() == null
        || appointment.getEnd() == null) {
      return List.of();
    }
    String kind = GroupSession.groupOf(appointment).isPresent() ? "session" : "appointment";
    Instant start = appointment.getStart().toInstant();
    Instant end = appointment.getEnd().toInstant();
    Set<String> keys = new LinkedHashSet<>();
    for (AppointmentParticipantComponent participant : appointment.getParticipant()) {
      if (participant.getStatus() == ParticipationStatus.DECLINED) {
        continue;
      }
      bookable(participant.getActor(), request).ifPresent(keys::add);
    }
    return keys.stream().map(key -> new Booking(key, kind, start, end)).toList();
  }

  /** A busy Slot holds every actor of its Schedule. */
  public List<Booking> bookingsOf(Slot slot, RequestDetails request) {
    if (!BUSY.contains(slot.getStatus())
        || slot.getStart() == null
        || slot.getEnd() == null
        || References.of(slot.getSchedule()) == null) {
      return List.of();
    }
    String kind =
        slot.getServiceType().stream()
            .flatMap(c -> c.getCoding().stream())
            .filter(c -> SchedulingCodes.BLOCK_TYPE_SYSTEM.equals(c.getSystem()))
            .map(Coding::getCode)
            .findFirst()
            .orElse("busy");
    Schedule schedule = directory.schedule(References.of(slot.getSchedule()), request);
    Set<String> keys = new LinkedHashSet<>();
    for (Reference actor : schedule.getActor()) {
      bookable(actor, request).ifPresent(keys::add);
    }
    Instant start = slot.getStart().toInstant();
    Instant end = slot.getEnd().toInstant();
    return keys.stream().map(key -> new Booking(key, kind, start, end)).toList();
  }

  private Optional<String> bookable(Reference actor, RequestDetails request) {
    String reference = References.of(actor);
    if (reference == null) {
      return Optional.empty();
    }
    String type = reference.substring(0, reference.indexOf('/'));
    return switch (type) {
      case "Practitioner", "Patient" -> Optional.of(reference);
      case "PractitionerRole" -> {
        PractitionerRole role =
            (PractitionerRole)
                daos.getResourceDao(PractitionerRole.class)
                    .read(new org.hl7.fhir.r4.model.IdType(reference), new SystemRequestDetails());
        yield Optional.ofNullable(References.of(role.getPractitioner()));
      }
      case "Location" ->
          CalendarDirectory.isPhysicalRoom(directory.location(reference, request))
              ? Optional.of(reference)
              : Optional.empty();
      default -> Optional.empty();
    };
  }

  /** Capacity of the room and the group, and the facilitators' standing, for group sessions. */
  private List<String> sessionProblems(
      Appointment appointment, List<Booking> bookings, RequestDetails request) {
    List<String> problems = new ArrayList<>();
    if (bookings.isEmpty()) {
      return problems;
    }
    long members = bookings.stream().filter(b -> b.key().startsWith("Patient/")).count();
    for (Booking booking : bookings) {
      if (booking.key().startsWith("Location/")) {
        Location room = directory.location(booking.key(), request);
        CalendarDirectory.roomCapacity(room)
            .filter(seats -> members > seats)
            .ifPresent(
                seats ->
                    problems.add(
                        booking.key()
                            + " seats "
                            + seats
                            + " but the session has "
                            + members
                            + " members"));
      }
    }
    Optional<String> groupId = GroupSession.groupOf(appointment);
    if (groupId.isEmpty()) {
      return problems;
    }
    Group group = directory.group(groupId.get(), request);
    TherapyGroup.maximum(group)
        .filter(maximum -> members > maximum)
        .ifPresent(
            maximum ->
                problems.add(
                    groupId.get()
                        + " holds at most "
                        + maximum
                        + " members but the session has "
                        + members));
    for (Booking booking : bookings) {
      if (booking.key().startsWith("Practitioner/")) {
        Practitioner practitioner = directory.practitioner(booking.key(), request);
        if (practitioner.hasActive() && !practitioner.getActive()) {
          problems.add(booking.key() + " is not active and cannot facilitate a group session");
        } else if (directory.activeRoles(booking.key(), request).isEmpty()) {
          problems.add(
              booking.key()
                  + " holds no active PractitionerRole in the practice and cannot facilitate a"
                  + " group session");
        } else if (hoursConflict) {
          hours
              .outside(booking.key(), booking.start(), booking.end(), time.zoneOf(group), request)
              .ifPresent(problems::add);
        }
      }
    }
    return problems;
  }

  /**
   * What would stop this Appointment being booked now, without writing anything: capacities,
   * facilitators' standing, and overlaps with bookings of other entries than {@code ignored}.
   */
  public List<String> check(Appointment appointment, Set<String> ignored, RequestDetails request) {
    List<Booking> bookings = bookingsOf(appointment, request);
    List<String> problems = new ArrayList<>(sessionProblems(appointment, bookings, request));
    problems.addAll(conflicts(bookings, ignored));
    return problems;
  }

  /** Capacities and facilitators' standing of a group session, without the overlap check. */
  public List<String> standing(Appointment appointment, RequestDetails request) {
    return sessionProblems(appointment, bookingsOf(appointment, request), request);
  }

  /**
   * Overlaps of many bookings at once, in one query: for each booking (by its index in the list),
   * the sentences naming what it collides with. For checking a whole series before writing it.
   */
  public Map<Integer, List<String>> conflictsOfEach(List<Booking> bookings, Set<String> ignored) {
    Map<Integer, List<String>> found = new java.util.TreeMap<>();
    if (bookings.isEmpty()) {
      return found;
    }
    String[] keys = bookings.stream().map(Booking::key).toArray(String[]::new);
    Timestamp[] starts =
        bookings.stream().map(b -> Timestamp.from(b.start())).toArray(Timestamp[]::new);
    Timestamp[] ends =
        bookings.stream().map(b -> Timestamp.from(b.end())).toArray(Timestamp[]::new);
    jdbc.query(
        "SELECT q.i, b.resource_key, b.source, b.kind, lower(b.during) AS s, upper(b.during) AS e"
            + " FROM unnest(?::text[], ?::timestamptz[], ?::timestamptz[]) WITH ORDINALITY"
            + " AS q(key, qs, qe, i)"
            + " JOIN gt.booking b ON b.resource_key = q.key AND b.during && tstzrange(q.qs, q.qe)"
            + " AND b.source <> ALL (?) ORDER BY q.i, b.resource_key, s",
        ps -> {
          ps.setArray(1, ps.getConnection().createArrayOf("text", keys));
          ps.setArray(2, ps.getConnection().createArrayOf("timestamptz", starts));
          ps.setArray(3, ps.getConnection().createArrayOf("timestamptz", ends));
          ps.setArray(4, ps.getConnection().createArrayOf("text", ignored.toArray()));
        },
        rs -> {
          String conflict =
              rs.getString("resource_key")
                  + " is already booked from "
                  + rs.getTimestamp("s").toInstant()
                  + " to "
                  + rs.getTimestamp("e").toInstant()
                  + " by "
                  + rs.getString("source")
                  + " ("
                  + rs.getString("kind")
                  + ")";
          found.computeIfAbsent((int) rs.getLong("i") - 1, k -> new ArrayList<>()).add(conflict);
        });
    return found;
  }

  /**
   * Bookings of entries other than {@code ignored} that overlap these, as sentences naming both
   * sides.
   */
  public List<String> conflicts(List<Booking> bookings, Set<String> ignored) {
    return conflictsOfEach(bookings, ignored).values().stream()
        .flatMap(List::stream)
        .distinct()
        .toList();
  }

  private void insert(List<Booking> bookings, String source, String override) {
    try {
      jdbc.batchUpdate(
          "INSERT INTO gt.booking (resource_key, source, kind, during, override_reason)"
              + " VALUES (?, ?, ?, tstzrange(?, ?), ?)",
          bookings,
          bookings.size(),
          (ps, booking) -> {
            ps.setString(1, booking.key());
            ps.setString(2, source);
            ps.setString(3, booking.kind());
            ps.setTimestamp(4, Timestamp.from(booking.start()));
            ps.setTimestamp(5, Timestamp.from(booking.end()));
            ps.setString(6, override);
          });
    } catch (DataAccessException e) {
      if (isExclusionViolation(e)) {
        throw new BookingConflictException(
            List.of(
                "Another request booked "
                    + String.join(", ", bookings.stream().map(Booking::key).distinct().toList())
                    + " for an overlapping time a moment ago"));
      }
      throw e;
    }
  }

  private static boolean isExclusionViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "23P01".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> overrideReason(RequestDetails request) {
    if (request == null) {
      return Optional.empty();
    }
    Object set = request.getUserData().get(ServerWrites.OVERRIDE_REASON);
    String reason =
        set instanceof String s ? s : request.getHeader(SchedulingCodes.OVERRIDE_HEADER);
    return Optional.ofNullable(reason).map(String::strip).filter(r -> !r.isEmpty());
  }

  /** Provenance of a booking made despite conflicts: who, when, why, and what it overrode. */
  private void recordOverride(
      IBaseResource resource, String reason, List<String> problems, RequestDetails request) {
    Provenance provenance =
        OverrideProvenance.of(
            resource.getIdElement().toUnqualified().getValue(),
            "Booked despite scheduling conflicts: " + reason,
            "TREAT",
            Callers.agent(callers.actor(request).orElse(null), "the server"),
            problems);
    provenance
        .getActivity()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/v3-DataOperation")
        .setCode(resource.getIdElement().getVersionIdPartAsLong() == 1L ? "CREATE" : "UPDATE");
    daos.getResourceDao(Provenance.class).create(provenance, new SystemRequestDetails());
  }

  private static String source(IBaseResource resource) {
    return resource.getIdElement().toUnqualifiedVersionless().getValue();
  }
}
