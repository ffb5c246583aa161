package org.grouptherapy.kernel;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;

/**
 * A group session (an Appointment of the {@code group-session} profile) as the features read it:
 * its group, number, facilitators, members, times and date of service. The static helpers work on
 * any Appointment; an instance adds the group's zone, which dates depend on.
 */
public record GroupSession(Appointment appointment, ZoneId zone) {

  public String id() {
    return References.of(appointment);
  }

  public Optional<String> group() {
    return groupOf(appointment);
  }

  public int number() {
    return number(appointment);
  }

  public Instant start() {
    return appointment.getStart().toInstant();
  }

  public Instant end() {
    return appointment.getEnd().toInstant();
  }

  /** The date of service: the local date the session starts on in the group's zone. */
  public LocalDate date() {
    return PracticeTime.dateOf(start(), zone);
  }

  public boolean cancelled() {
    return appointment.getStatus() == Appointment.AppointmentStatus.CANCELLED;
  }

  public List<String> practitioners() {
    return practitionersOn(appointment);
  }

  public List<String> members() {
    return membersOf(appointment);
  }

  /** The group a session belongs to (its {@code supportingInformation}), if any. */
  public static Optional<String> groupOf(Appointment appointment) {
    return appointment.getSupportingInformation().stream()
        .map(References::of)
        .filter(r -> References.isOf(r, "Group"))
        .findFirst();
  }

  /** The session's number in its series (0 when it has none). */
  public static int number(Appointment session) {
    Extension number = session.getExtensionByUrl(SchedulingCodes.SESSION_NUMBER);
    return number != null && number.getValue() instanceof IntegerType n && n.getValue() != null
        ? n.getValue()
        : 0;
  }

  /** The practitioners on a session (facilitators and co-facilitators). */
  public static List<String> practitionersOn(Appointment session) {
    return session.getParticipant().stream()
        .map(p -> References.of(p.getActor()))
        .filter(a -> References.isOf(a, "Practitioner"))
        .toList();
  }

  /** The patients on a session, whatever their participation status. */
  public static List<String> membersOf(Appointment session) {
    return session.getParticipant().stream()
        .map(p -> References.of(p.getActor()))
        .filter(a -> References.isOf(a, "Patient"))
        .toList();
  }

  /** A primary (PPRF) or co-facilitator (SPRF) participant. */
  public static boolean isFacilitator(
      AppointmentParticipantComponent participant, boolean primary) {
    return participant.getType().stream()
        .flatMap(t -> t.getCoding().stream())
        .anyMatch(c -> (primary ? "PPRF" : "SPRF").equals(c.getCode()));
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
}
