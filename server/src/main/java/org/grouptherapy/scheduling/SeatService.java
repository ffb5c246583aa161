package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.ScheduleChange;
import org.grouptherapy.kernel.ScheduleChangeListener;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Open seats of group sessions through IHE ITI Scheduling: {@code Appointment/$find} (ITI-115)
 * proposes future sessions of open-enrolment groups with a free seat, {@code $hold} (ITI-116) holds
 * one for a member until it expires, {@code $book} (ITI-117) adds the member to the session. A seat
 * is free when the members not declined plus live holds stay under the group's maximum; that count
 * is taken under a per-session advisory lock, so two systems cannot take the last seat at once, on
 * one server or several.
 */
@Service
public class SeatService {

  public static final String HOLD_SYSTEM = "http://grouptherapy.example.org/identifiers/seat-hold";
  public static final Duration HOLD_FOR = Duration.ofMinutes(15);

  private final DaoRegistry daos;
  private final BookingLedger ledger;
  private final CalendarDirectory directory;
  private final JdbcTemplate jdbc;
  private final TransactionLocks locks;
  private final TransactionTemplate transaction;
  private final List<ScheduleChangeListener> listeners;
  private final Clock clock;

  SeatService(
      DaoRegistry daos,
      BookingLedger ledger,
      CalendarDirectory directory,
      JdbcTemplate jdbc,
      TransactionLocks locks,
      PlatformTransactionManager transactionManager,
      List<ScheduleChangeListener> listeners,
      Clock clock) {
    this.daos = daos;
    this.ledger = ledger;
    this.directory = directory;
    this.jdbc = jdbc;
    this.locks = locks;
    this.transaction = new TransactionTemplate(transactionManager);
    this.listeners = listeners;
    this.clock = clock;
  }

  /** Search criteria of ITI-115 that apply to group seats. */
  public record Criteria(
      Instant start,
      Instant end,
      String patient,
      String specialty,
      String practitioner,
      String location,
      int count) {}

  public Bundle find(Criteria criteria) {
    if (!criteria.end().isAfter(criteria.start())) {
      throw InvalidParameter.malformed("end", "end must be after start");
    }
    if (Duration.between(criteria.start(), criteria.end()).toDays() > 190) {
      throw InvalidParameter.unprocessable("end", "Search at most 190 days at a time");
    }
    SystemRequestDetails request = new SystemRequestDetails();
    Instant from = criteria.start().isBefore(clock.instant()) ? clock.instant() : criteria.start();
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(
        Appointment.SP_DATE,
        new DateRangeParam(
            new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(from)),
            new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(criteria.end()))));
    search.add(Appointment.SP_STATUS, new TokenParam("booked"));
    List<Appointment> sessions = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(search, request)) {
      sessions.add((Appointment) found);
    }
    sessions.sort(
        Comparator.comparing(Appointment::getStart)
            .thenComparing(References::of, References.BY_ID));
    // Candidates first (group open, criteria met, member not already listed), then every
    // candidate's holds and the member's own bookings in one query each: at 200 groups a query per
    // session made $find seconds long.
    List<Appointment> candidates = new ArrayList<>();
    Map<String, Group> groups = new HashMap<>();
    for (Appointment session : sessions) {
      Optional<String> groupId = GroupSession.groupOf(session);
      if (groupId.isEmpty()) {
        continue;
      }
      Group group = directory.group(groupId.get(), request);
      if (!takesMembers(group)
          || !matches(session, group, criteria)
          || (criteria.patient() != null && listed(session, criteria.patient()))) {
        continue;
      }
      candidates.add(session);
      groups.put(References.of(session), group);
    }
    Map<String, Integer> holds = holds(candidates.stream().map(References::of).toList());
    Map<Integer, List<String>> busy =
        criteria.patient() == null
            ? Map.of()
            : ledger.conflictsOfEach(
                candidates.stream()
                    .map(
                        session ->
                            new BookingLedger.Booking(
                                criteria.patient(),
                                "seat",
                                session.getStart().toInstant(),
                                session.getEnd().toInstant()))
                    .toList(),
                candidates.stream().map(References::of).collect(Collectors.toSet()));
    Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    for (int i = 0; i < candidates.size() && bundle.getEntry().size() < criteria.count(); i++) {
      Appointment session = candidates.get(i);
      String sessionId = References.of(session);
      Group group = groups.get(sessionId);
      int open = openSeats(session, group, holds.getOrDefault(sessionId, 0));
      if (open <= 0 || busy.containsKey(i)) {
        continue;
      }
      Appointment proposal = proposal(session, group, criteria.patient(), open);
      bundle.addEntry().setResource(proposal).getSearch().setMode(Bundle.SearchEntryMode.MATCH);
    }
    bundle.setTotal(bundle.getEntry().size());
    return bundle;
  }

  public Appointment hold(Appointment requested, String heldBy) {
    SystemRequestDetails request = new SystemRequestDetails();
    Seat seat = seat(requested, request);
    String holdId = UUID.randomUUID().toString();
    Instant expires = clock.instant().plus(HOLD_FOR);
    transaction.executeWithoutResult(
        tx -> {
          lock(seat.sessionId());
          if (listed(seat.session(), seat.patient())) {
            throw new BookingConflictException(
                List.of(seat.patient() + " is already in " + seat.sessionId()),
                "appointment-resource");
          }
          if (openSeats(seat.session(), seat.group(), seat.sessionId()) <= 0) {
            throw new BookingConflictException(
                List.of(seat.sessionId() + " has no open seat left"), "appointment-resource");
          }
          var busy =
              ledger.conflicts(
                  List.of(
                      new BookingLedger.Booking(
                          seat.patient(),
                          "seat",
                          seat.session().getStart().toInstant(),
                          seat.session().getEnd().toInstant())),
                  Set.of(seat.sessionId()));
          if (!busy.isEmpty()) {
            throw new BookingConflictException(busy, "appointment-resource");
          }
          jdbc.update(
              "INSERT INTO gt.seat_hold (id, session, patient, held_by, expires_at)"
                  + " VALUES (?, ?, ?, ?, ?)",
              UUID.fromString(holdId),
              seat.sessionId(),
              seat.patient(),
              heldBy,
              Timestamp.from(expires));
        });
    Appointment held = proposal(seat.session(), seat.group(), seat.patient(), -1);
    held.setStatus(Appointment.AppointmentStatus.PENDING);
    held.addIdentifier(new Identifier().setSystem(HOLD_SYSTEM).setValue(holdId));
    held.setComment("Seat held until " + expires + "; book it with Appointment/$book before then");
    return held;
  }

  public Appointment book(Appointment requested, String bookedBy) {
    SystemRequestDetails request = new SystemRequestDetails();
    Seat seat = seat(requested, request);
    Optional<String> holdId =
        requested.getIdentifier().stream()
            .filter(i -> HOLD_SYSTEM.equals(i.getSystem()))
            .map(Identifier::getValue)
            .findFirst();
    Appointment session = seat.session();
    transaction.executeWithoutResult(
        tx -> {
          lock(seat.sessionId());
          if (holdId.isPresent()) {
            UUID id;
            try {
              id = UUID.fromString(holdId.get());
            } catch (IllegalArgumentException e) {
              throw InvalidParameter.malformed(
                  "appointment-resource", "Unknown hold " + holdId.get());
            }
            List<java.util.Map<String, Object>> rows =
                jdbc.queryForList(
                    "SELECT session, patient, status, expires_at > now() AS live FROM gt.seat_hold"
                        + " WHERE id = ? FOR UPDATE",
                    id);
            if (rows.isEmpty()
                || !seat.sessionId().equals(rows.get(0).get("session"))
                || !seat.patient().equals(rows.get(0).get("patient"))) {
              throw InvalidParameter.unprocessable(
                  "appointment-resource",
                  "Hold "
                      + holdId.get()
                      + " is not a hold of "
                      + seat.patient()
                      + " on "
                      + seat.sessionId());
            }
            if (!"held".equals(rows.get(0).get("status"))
                || !Boolean.TRUE.equals(rows.get(0).get("live"))) {
              throw new BookingConflictException(
                  List.of(
                      "Hold "
                          + holdId.get()
                          + " has expired or was used; find and hold a seat again"),
                  "appointment-resource");
            }
            jdbc.update("UPDATE gt.seat_hold SET status = 'booked' WHERE id = ?", id);
          } else if (openSeats(session, seat.group(), seat.sessionId()) <= 0) {
            throw new BookingConflictException(
                List.of(seat.sessionId() + " has no open seat left"), "appointment-resource");
          }
          if (listed(session, seat.patient())) {
            throw new BookingConflictException(
                List.of(seat.patient() + " is already in " + seat.sessionId()),
                "appointment-resource");
          }
          GroupSession.addMember(session, seat.patient());
          session.setIdElement(
              (IdType)
                  daos.getResourceDao(Appointment.class)
                      .update(session, ServerWrites.writer(null))
                      .getId()
                      .toUnqualified());
          List<String> told = new ArrayList<>(GroupSession.practitionersOn(session));
          told.add(seat.patient());
          ScheduleChange change =
              new ScheduleChange(
                  ScheduleChange.Kind.MEMBER_BOOKED,
                  seat.group(),
                  List.of(session),
                  "You have a place in " + seat.group().getName() + ".",
                  List.of(),
                  told);
          listeners.forEach(l -> l.changed(change));
        });
    return session;
  }

  private record Seat(Appointment session, String sessionId, Group group, String patient) {}

  /** The session and member an ITI Appointment names: supportingInformation and a participant. */
  private Seat seat(Appointment requested, SystemRequestDetails request) {
    if (requested == null) {
      throw InvalidParameter.malformed(
          "appointment-resource",
          "appointment-resource is required: the Appointment $find proposed (or $hold returned)");
    }
    String sessionId =
        requested.getSupportingInformation().stream()
            .map(References::of)
            .filter(r -> r != null && r.startsWith("Appointment/"))
            .findFirst()
            .orElseThrow(
                () ->
                    InvalidParameter.unprocessable(
                        "appointment-resource",
                        "The appointment names no group session in supportingInformation (Appointment/..)"
                            + "; use one that $find returned"));
    String patient =
        requested.getParticipant().stream()
            .map(p -> References.of(p.getActor()))
            .filter(r -> r != null && r.startsWith("Patient/"))
            .findFirst()
            .orElseThrow(
                () ->
                    InvalidParameter.unprocessable(
                        "appointment-resource",
                        "The appointment names no Patient participant: who is the seat for?"));
    try {
      daos.getResourceDao(org.hl7.fhir.r4.model.Patient.class).read(new IdType(patient), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable("appointment-resource", patient + " does not exist");
    }
    Appointment session;
    try {
      session = daos.getResourceDao(Appointment.class).read(new IdType(sessionId), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw InvalidParameter.unprocessable("appointment-resource", sessionId + " does not exist");
    }
    if (session.getStatus() != Appointment.AppointmentStatus.BOOKED
        || !session.getStart().toInstant().isAfter(clock.instant())) {
      throw new BookingConflictException(
          List.of(sessionId + " is not a future booked session"), "appointment-resource");
    }
    Group group =
        directory.group(
            GroupSession.groupOf(session)
                .orElseThrow(
                    () ->
                        InvalidParameter.unprocessable(
                            "appointment-resource", sessionId + " is not a group session")),
            request);
    if (!takesMembers(group)) {
      throw InvalidParameter.unprocessable(
          "appointment-resource",
          group.getIdElement().toUnqualifiedVersionless().getValue()
              + " does not take members now (closed enrolment or not running)");
    }
    return new Seat(session, sessionId, group, patient);
  }

  private void lock(String sessionId) {
    locks.lock("seat:" + sessionId);
  }

  private int openSeats(Appointment session, Group group, String sessionId) {
    return openSeats(session, group, holds(List.of(sessionId)).getOrDefault(sessionId, 0));
  }

  private static int openSeats(Appointment session, Group group, int holds) {
    int maximum = TherapyGroup.maximum(group).orElse(Integer.MAX_VALUE);
    long members =
        session.getParticipant().stream()
            .filter(p -> p.getStatus() != Appointment.ParticipationStatus.DECLINED)
            .map(p -> References.of(p.getActor()))
            .filter(a -> a != null && a.startsWith("Patient/"))
            .count();
    return (int) (maximum - members - holds);
  }

  /** Unexpired holds on each of these sessions (absent: none). */
  private Map<String, Integer> holds(List<String> sessionIds) {
    Map<String, Integer> holds = new HashMap<>();
    if (sessionIds.isEmpty()) {
      return holds;
    }
    jdbc.query(
        "SELECT session, count(*) AS n FROM gt.seat_hold WHERE session = ANY (?)"
            + " AND status = 'held' AND expires_at > now() GROUP BY session",
        ps -> ps.setArray(1, ps.getConnection().createArrayOf("text", sessionIds.toArray())),
        rs -> {
          holds.put(rs.getString("session"), rs.getInt("n"));
        });
    return holds;
  }

  private static boolean takesMembers(Group group) {
    Extension mode = group.getExtensionByUrl(SchedulingCodes.GROUP_ENROLMENT_MODE);
    Extension status = group.getExtensionByUrl(SchedulingCodes.GROUP_STATUS);
    boolean open = mode == null || "open".equals(mode.getValue().primitiveValue());
    boolean running =
        status == null || Set.of("running", "forming").contains(status.getValue().primitiveValue());
    return open && running && (!group.hasActive() || group.getActive());
  }

  private boolean matches(Appointment session, Group group, Criteria criteria) {
    if (criteria.practitioner() != null
        && session.getParticipant().stream()
            .noneMatch(p -> criteria.practitioner().equals(References.of(p.getActor())))) {
      return false;
    }
    if (criteria.location() != null
        && session.getParticipant().stream()
            .noneMatch(p -> criteria.location().equals(References.of(p.getActor())))) {
      return false;
    }
    if (criteria.specialty() != null) {
      String wanted = criteria.specialty().toLowerCase(Locale.ROOT);
      boolean fits =
          group.getCode().getCoding().stream()
                  .anyMatch(c -> wanted.equals(c.getCode()) || wanted.endsWith("|" + c.getCode()))
              || (group.getCode().hasText()
                  && group.getCode().getText().toLowerCase(Locale.ROOT).contains(wanted));
      return fits;
    }
    return true;
  }

  private static boolean listed(Appointment session, String patient) {
    return session.getParticipant().stream()
        .anyMatch(
            p ->
                patient.equals(References.of(p.getActor()))
                    && p.getStatus() != Appointment.ParticipationStatus.DECLINED);
  }

  /**
   * A proposed appointment for one seat: the session's time, place and facilitators, no members.
   */
  private static Appointment proposal(Appointment session, Group group, String patient, int open) {
    Appointment proposal = new Appointment();
    proposal.setStatus(Appointment.AppointmentStatus.PROPOSED);
    proposal.setStartElement(session.getStartElement().copy());
    proposal.setEndElement(session.getEndElement().copy());
    proposal.setMinutesDuration(session.getMinutesDuration());
    proposal.setServiceType(session.getServiceType());
    proposal.setDescription(
        group.getName()
            + ", session "
            + GroupSession.number(session)
            + (open > 0 ? " (" + open + " open seat" + (open == 1 ? "" : "s") + ")" : ""));
    proposal.addSupportingInformation(
        new Reference(session.getIdElement().toUnqualifiedVersionless().getValue()));
    proposal.addSupportingInformation(
        new Reference(group.getIdElement().toUnqualifiedVersionless().getValue()));
    for (AppointmentParticipantComponent p : session.getParticipant()) {
      String actor = References.of(p.getActor());
      if (actor != null && (actor.startsWith("Practitioner/") || actor.startsWith("Location/"))) {
        proposal.addParticipant(p.copy());
      }
    }
    Extension join = session.getExtensionByUrl(SchedulingCodes.SESSION_JOIN_URL);
    if (join != null) {
      proposal.addExtension(join.copy());
    }
    if (patient != null) {
      proposal
          .addParticipant()
          .setActor(new Reference(patient))
          .setRequired(Appointment.ParticipantRequired.REQUIRED)
          .setStatus(Appointment.ParticipationStatus.NEEDSACTION);
    }
    return proposal;
  }
}
