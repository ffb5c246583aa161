package org.grouptherapy.scheduling;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.system.AppProperties;
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
class SeatOperations implements FhirOperationProvider {

  private final SeatService seats;
  private final MemberChangeService changes;
  private final Callers callers;
  private final Clock clock;
  private final ZoneId zone;

  SeatOperations(
      SeatService seats,
      MemberChangeService changes,
      Callers callers,
      Clock clock,
      AppProperties properties) {
    this.seats = seats;
    this.changes = changes;
    this.callers = callers;
    this.clock = clock;
    this.zone = properties.scheduling().defaultTimeZone();
  }

  @Operation(name = "$find", type = Appointment.class, idempotent = true)
  public Bundle find(
      @OperationParam(name = "start", max = 1) DateTimeType start,
      @OperationParam(name = "end", max = 1) DateTimeType end,
      @OperationParam(name = "specialty", max = 1) StringType specialty,
      @OperationParam(name = "practitioner", max = 1) StringType practitioner,
      @OperationParam(name = "location-reference", max = 1) StringType location,
      @OperationParam(name = "patient-reference", max = 1) StringType patient,
      @OperationParam(name = "_count", max = 1) IntegerType count) {
    Instant from =
        start == null || !start.hasValue() ? clock.instant() : start.getValue().toInstant();
    Instant to =
        end == null || !end.hasValue()
            ? LocalDate.ofInstant(from, zone).plusDays(28).atStartOfDay(zone).toInstant()
            : end.getValue().toInstant();
    int limit =
        count == null || count.getValue() == null
            ? 20
            : Math.max(1, Math.min(100, count.getValue()));
    return seats.find(
        new SeatService.Criteria(
            from,
            to,
            reference(patient, "patient-reference", "Patient/"),
            specialty == null ? null : specialty.getValue(),
            reference(practitioner, "practitioner", "Practitioner/"),
            reference(location, "location-reference", "Location/"),
            limit));
  }

  @Operation(name = "$hold", type = Appointment.class, idempotent = false)
  public Bundle hold(@ResourceParam Parameters parameters, RequestDetails request) {
    Appointment held = seats.hold(requested(parameters), who(request));
    Bundle out = new Bundle().setType(Bundle.BundleType.COLLECTION);
    out.addEntry().setResource(held);
    return out;
  }

  @Operation(name = "$book", type = Appointment.class, idempotent = false)
  public Bundle book(@ResourceParam Parameters parameters, RequestDetails request) {
    Appointment booked = seats.book(requested(parameters), who(request));
    Bundle out = new Bundle().setType(Bundle.BundleType.COLLECTION);
    out.addEntry().setResource(booked);
    return out;
  }

  @Operation(name = "$skip-session", type = Appointment.class, idempotent = false)
  public Parameters skip(@IdParam IdType session, @ResourceParam Parameters parameters) {
    return changes.skip(session.toUnqualifiedVersionless().getValue(), parameters);
  }

  @Operation(name = "$move-member", type = Appointment.class, idempotent = false)
  public Parameters move(@IdParam IdType session, @ResourceParam Parameters parameters) {
    return changes.move(session.toUnqualifiedVersionless().getValue(), parameters);
  }

  /**
   * The appointment to hold or book: {@code appointment-resource} (as $find or $hold returned it),
   * or {@code appointment-reference} to the group session with {@code patient-reference}.
   */
  private static Appointment requested(Parameters parameters) {
    Parameters in = parameters == null ? new Parameters() : parameters;
    var resource = in.getParameter("appointment-resource");
    if (resource != null && resource.getResource() instanceof Appointment appointment) {
      return appointment;
    }
    var reference = in.getParameter("appointment-reference");
    var patient = in.getParameter("patient-reference");
    if (reference != null && reference.getValue() instanceof Reference session) {
      Appointment appointment = new Appointment();
      appointment.addSupportingInformation(new Reference(session.getReference()));
      if (patient != null && patient.getValue() instanceof Reference who) {
        appointment.addParticipant().setActor(new Reference(who.getReference()));
      }
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

  private static String reference(StringType value, String parameter, String prefix) {
    if (value == null || !value.hasValue()) {
      return null;
    }
    String text = value.getValue().strip();
    if (!text.startsWith(prefix)) {
      throw InvalidParameter.malformed(
          parameter, parameter + " must be a " + prefix + "id reference");
    }
    return new IdType(text).toUnqualifiedVersionless().getValue();
  }
}
