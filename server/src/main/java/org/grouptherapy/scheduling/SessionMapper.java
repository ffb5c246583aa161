package org.grouptherapy.scheduling;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.TherapyGroup.Facilitator;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.UrlType;

/**
 * Builds group sessions and the facilitators' preparation and documentation blocks as FHIR
 * resources (profiles {@code group-session} and {@code calendar-block}), and changes them. Pure:
 * nothing here reads or writes storage.
 */
final class SessionMapper {

  private SessionMapper() {}

  /** Where a session takes place: a room or platform (a Location), and a join link if virtual. */
  record Venue(String location, boolean physical, String joinUrl) {}

  /** A new session of a series, with the group's facilitators and its members on that day. */
  static Appointment session(
      TherapyGroup group, SeriesPlan.Occurrence occurrence, Venue venue, String series) {
    Appointment session = new Appointment();
    session.getMeta().addProfile(SchedulingCodes.GROUP_SESSION);
    session.addIdentifier().setSystem(SchedulingCodes.SERIES_SYSTEM).setValue(series);
    session.setStatus(Appointment.AppointmentStatus.BOOKED);
    setTimes(session, occurrence.start(), occurrence.end());
    session.setMinutesDuration(
        (int) Duration.between(occurrence.start(), occurrence.end()).toMinutes());
    Group resource = group.resource();
    if (resource.hasCode()) {
      session.addServiceType(resource.getCode().copy());
    }
    session.setDescription(resource.getName() + ", session " + occurrence.number());
    session.addSupportingInformation(new Reference(group.id()));
    session.addExtension(SchedulingCodes.SESSION_NUMBER, new PositiveIntType(occurrence.number()));
    for (Facilitator facilitator : group.facilitators()) {
      facilitatorParticipant(
          session.addParticipant(), facilitator.practitioner(), facilitator.primary());
    }
    replaceVenue(session, venue);
    for (String member :
        TherapyGroup.membersOn(resource, occurrence.start().toLocalDate(), group.zone())) {
      GroupSession.addMember(session, member);
    }
    return session;
  }

  static void setTimes(Appointment session, ZonedDateTime start, ZonedDateTime end) {
    session.setStartElement(PracticeTime.instant(start));
    session.setEndElement(PracticeTime.instant(end));
  }

  /** Moves a session to a new local start, keeping or changing its length. */
  static void reschedule(Appointment session, ZonedDateTime start, long minutes) {
    setTimes(session, start, start.plusMinutes(minutes));
    session.setMinutesDuration((int) minutes);
  }

  static long minutes(Appointment session) {
    return Duration.between(session.getStart().toInstant(), session.getEnd().toInstant())
        .toMinutes();
  }

  static void facilitatorParticipant(
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

  /** Puts {@code practitioner} in the primary (or co-facilitator) place of a session. */
  static void replaceFacilitator(Appointment session, String practitioner, boolean primary) {
    Optional<AppointmentParticipantComponent> existing =
        session.getParticipant().stream()
            .filter(p -> GroupSession.isFacilitator(p, primary))
            .findFirst();
    facilitatorParticipant(existing.orElseGet(session::addParticipant), practitioner, primary);
  }

  static void replaceVenue(Appointment session, Venue venue) {
    session
        .getParticipant()
        .removeIf(p -> References.isOf(References.of(p.getActor()), "Location"));
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

  /** The facilitators as a session lists them (after an amendment or a substitute). */
  static List<Facilitator> facilitatorsOn(Appointment session) {
    List<Facilitator> facilitators = new ArrayList<>();
    for (AppointmentParticipantComponent p : session.getParticipant()) {
      boolean primary = GroupSession.isFacilitator(p, true);
      if (primary || GroupSession.isFacilitator(p, false)) {
        facilitators.add(new Facilitator(References.of(p.getActor()), primary));
      }
    }
    return facilitators;
  }

  /**
   * Each facilitator's preparation block before each session and documentation block after it.
   *
   * @param schedules each facilitator's Schedule (their calendar)
   * @param refOf how a block refers to its session: the session's id, or the urn of a session being
   *     created in the same Bundle
   */
  static List<Slot> blocks(
      TherapyGroup group,
      List<Facilitator> facilitators,
      List<Appointment> sessions,
      Map<String, String> schedules,
      Function<Appointment, String> refOf) {
    List<Slot> blocks = new ArrayList<>();
    for (Appointment session : sessions) {
      Instant start = session.getStart().toInstant();
      Instant end = session.getEnd().toInstant();
      for (Facilitator facilitator : facilitators) {
        String schedule = schedules.get(facilitator.practitioner());
        if (group.prepMinutes() > 0) {
          blocks.add(
              block(
                  session,
                  refOf.apply(session),
                  schedule,
                  "prep",
                  "Session preparation",
                  start.minusSeconds(60L * group.prepMinutes()),
                  start,
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
                  end,
                  end.plusSeconds(60L * group.documentationMinutes()),
                  group.zone()));
        }
      }
    }
    return blocks;
  }

  /** A stored session's id ("Appointment/3"), or null for one not yet written. */
  static String idOf(Appointment session) {
    return session.hasId() ? References.of(session) : null;
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
    slot.setStartElement(PracticeTime.instant(start, zone));
    slot.setEndElement(PracticeTime.instant(end, zone));
    if (sessionRef != null) {
      slot.addExtension(SchedulingCodes.BLOCK_FOR, new Reference(sessionRef));
    }
    slot.setComment(display + ": " + session.getDescription());
    return slot;
  }

  /** "2026-03-02 18:00 to 2026-05-25 18:00 (America/New_York)". */
  static String describe(List<Appointment> sessions, ZoneId zone) {
    if (sessions.isEmpty()) {
      return "none";
    }
    String first = local(sessions.get(0), zone);
    String last = local(sessions.get(sessions.size() - 1), zone);
    return (sessions.size() == 1 ? first : first + " to " + last) + " (" + zone + ")";
  }

  private static String local(Appointment session, ZoneId zone) {
    LocalDateTime start = session.getStart().toInstant().atZone(zone).toLocalDateTime();
    return start.toString().replace('T', ' ');
  }
}
