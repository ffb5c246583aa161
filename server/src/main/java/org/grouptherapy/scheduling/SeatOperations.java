package org.grouptherapy.scheduling;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;
import static org.grouptherapy.kernel.access.OperationPermit.onType;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.OperationParameters;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * IHE ITI Scheduling over open group seats ({@code $find}, {@code $hold}, {@code $book}), and a
 * member's own change requests ({@code $skip-session}, {@code $move-member}).
 */
@Component
class SeatOperations implements FhirOperationProvider, OperationAccess {

  private final SeatService seats;
  private final MemberChangeService changes;
  private final Callers callers;
  private final PracticeTime time;

  SeatOperations(
      SeatService seats, MemberChangeService changes, Callers callers, PracticeTime time) {
    this.seats = seats;
    this.changes = changes;
    this.callers = callers;
    this.time = time;
  }

  @Override
  public List<OperationPermit> permits() {
    String booksSeats =
        "write access to Appointment anywhere (user/Appointment.cu or system/Appointment.cu): a"
            + " VA, an administrator, an EHR";
    return List.of(
        onType(
            OperationNames.FIND,
            Appointment.class,
            g -> g.writesAnywhere("Appointment"),
            booksSeats),
        onType(
            OperationNames.HOLD,
            Appointment.class,
            g -> g.writesAnywhere("Appointment"),
            booksSeats),
        onType(
            OperationNames.BOOK,
            Appointment.class,
            g -> g.writesAnywhere("Appointment"),
            booksSeats),
        onInstances(
            OperationNames.SKIP_SESSION,
            Appointment.class,
            SchedulingOperations::writesSchedules,
            SchedulingOperations.WRITES_SCHEDULES),
        onInstances(
            OperationNames.MOVE_MEMBER,
            Appointment.class,
            SchedulingOperations::writesSchedules,
            SchedulingOperations.WRITES_SCHEDULES));
  }

  /** GET Appointment/$find (IHE ITI-115) */
  @Operation(name = OperationNames.FIND, type = Appointment.class, idempotent = true)
  public Bundle find(
      @OperationParam(name = "start", max = 1) DateTimeType start,
      @OperationParam(name = "end", max = 1) DateTimeType end,
      @OperationParam(name = "specialty", max = 1) StringType specialty,
      @OperationParam(name = "practitioner", max = 1) StringType practitioner,
      @OperationParam(name = "location-reference", max = 1) StringType location,
      @OperationParam(name = "patient-reference", max = 1) StringType patient,
      @OperationParam(name = "_count", max = 1) IntegerType count) {
    ZoneId zone = time.zone();
    Instant from = start == null || !start.hasValue() ? time.now() : start.getValue().toInstant();
    Instant to =
        end == null || !end.hasValue()
            ? PracticeTime.startOf(PracticeTime.dateOf(from, zone).plusDays(28), zone)
            : end.getValue().toInstant();
    int limit =
        count == null || count.getValue() == null
            ? 20
            : Math.max(1, Math.min(100, count.getValue()));
    return seats.find(
        new SeatService.Criteria(
            from,
            to,
            OperationParameters.optionalReference("patient-reference", patient, "Patient"),
            specialty == null ? null : specialty.getValue(),
            OperationParameters.optionalReference("practitioner", practitioner, "Practitioner"),
            OperationParameters.optionalReference("location-reference", location, "Location"),
            limit));
  }

  /** POST Appointment/$hold (IHE ITI-116) */
  @Operation(name = OperationNames.HOLD, type = Appointment.class)
  public Bundle hold(@ResourceParam Parameters parameters, RequestDetails request) {
    Appointment held = seats.hold(requested(parameters), who(request));
    Bundle out = new Bundle().setType(Bundle.BundleType.COLLECTION);
    out.addEntry().setResource(held);
    return out;
  }

  /** POST Appointment/$book (IHE ITI-117) */
  @Operation(name = OperationNames.BOOK, type = Appointment.class)
  public Bundle book(@ResourceParam Parameters parameters, RequestDetails request) {
    Appointment booked = seats.book(requested(parameters), who(request));
    Bundle out = new Bundle().setType(Bundle.BundleType.COLLECTION);
    out.addEntry().setResource(booked);
    return out;
  }

  /** POST Appointment/[id]/$skip-session */
  @Operation(name = OperationNames.SKIP_SESSION, type = Appointment.class)
  public Parameters skip(@IdParam IdType session, @ResourceParam Parameters parameters) {
    return changes.skip(
        References.unversioned(session.getValue()), MemberChangeService.Skip.from(parameters));
  }

  /** POST Appointment/[id]/$move-member */
  @Operation(name = OperationNames.MOVE_MEMBER, type = Appointment.class)
  public Parameters move(@IdParam IdType session, @ResourceParam Parameters parameters) {
    return changes.move(
        References.unversioned(session.getValue()), MemberChangeService.Move.from(parameters));
  }

  /**
   * The appointment to hold or book: {@code appointment-resource} (as $find or $hold returned it),
   * or {@code appointment-reference} to the group session with {@code patient-reference}.
   */
  private static Appointment requested(Parameters parameters) {
    OperationParameters in =
        new OperationParameters(parameters)
            .onlyThese(
                Set.of("appointment-resource", "appointment-reference", "patient-reference"));
    Optional<Appointment> resource = in.resource("appointment-resource", Appointment.class);
    if (resource.isPresent()) {
      return resource.get();
    }
    Optional<String> session = in.reference("appointment-reference", "Appointment");
    if (session.isPresent()) {
      Appointment appointment = new Appointment();
      appointment.addSupportingInformation(new Reference(session.get()));
      in.reference("patient-reference", "Patient")
          .ifPresent(who -> appointment.addParticipant().setActor(new Reference(who)));
      return appointment;
    }
    throw InvalidParameter.malformed(
        "appointment-resource",
        "Send appointment-resource (an Appointment from $find or $hold), or appointment-reference"
            + " (the group session) with patient-reference");
  }

  private String who(RequestDetails request) {
    return callers.actor(request).orElse(null);
  }
}
