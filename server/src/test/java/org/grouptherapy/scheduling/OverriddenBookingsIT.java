package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Map;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A booking made through a conflict with an override reason is recorded in a Provenance, and stays
 * an ordinary booking: it can be covered, amended and cancelled afterwards, whichever kind of
 * override made it (a series through leave, a substitute through a busy calendar, a REST write with
 * the override header).
 */
@IntegrationTest
class OverriddenBookingsIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String primary;
  String co;
  String cover;
  String away;
  String group;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Override room", 10);
    primary = practice.practitioner("Overprimary", "DBT");
    co = practice.practitioner("Overco", "DBT");
    cover = practice.practitioner("Overcover", "DBT");
    away = practice.practitioner("Overaway", "DBT");
    group =
        practice.createGroup(
            "Overridden group", room, List.of(primary, co), practice.patients("Overmember", 2), 8);
    practice.block(primary, "pto", "2033-05-02T00:00:00-04:00", "2033-05-03T00:00:00-04:00");
    practice.block(away, "pto", "2033-05-09T00:00:00-04:00", "2033-05-10T00:00:00-04:00");
  }

  @Test
  void aSeriesBookedThroughLeaveCanBeCoveredAmendedAndCancelled() {
    Parameters input = series("2033-05-02T18:00", 3);
    assertThat(fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, input).status())
        .as("through leave without a reason")
        .isEqualTo(409);
    input.addParameter().setName("overrideReason").setValue(new StringType("Returns for it"));
    FhirHttp.Response booked = fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, input);
    assertThat(booked.status()).as(booked.toString()).isEqualTo(200);
    Parameters out = booked.resource(Parameters.class);
    String series = out.getParameter("series").getValue().primitiveValue();
    List<String> sessions = sessionIds(out);
    assertThat(provenancesAbout(sessions.get(0))).as("the override is recorded").isPositive();

    Parameters assign = new Parameters();
    assign.addParameter().setName("substitute").setValue(new Reference(cover));
    FhirHttp.Response covered =
        fhir.post(sessions.get(0) + "/" + OperationNames.ASSIGN_SUBSTITUTE, assign);
    assertThat(covered.status()).as(covered.toString()).isEqualTo(200);

    Parameters amend = new Parameters();
    amend.addParameter().setName("series").setValue(new StringType(series));
    amend.addParameter().setName("fromSession").setValue(new IntegerType(1));
    amend.addParameter().setName("durationMinutes").setValue(new IntegerType(75));
    FhirHttp.Response amended = fhir.post(group + "/" + OperationNames.AMEND_SERIES, amend);
    assertThat(amended.status()).as(amended.toString()).isEqualTo(200);

    FhirHttp.Response cancelled =
        fhir.post(sessions.get(1) + "/" + OperationNames.CANCEL_SESSION, reason("Room flooded"));
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);

    Parameters rest = new Parameters();
    rest.addParameter().setName("series").setValue(new StringType(series));
    rest.addParameter().setName("reason").setValue(new StringType("Group closes"));
    FhirHttp.Response closed = fhir.post(group + "/" + OperationNames.CANCEL_SERIES, rest);
    assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
    assertThat(fhir.get(sessions.get(0)).resource(Appointment.class).getStatus())
        .isEqualTo(Appointment.AppointmentStatus.CANCELLED);
    assertThat(provenancesAbout(sessions.get(0))).as("history kept").isPositive();
  }

  @Test
  void aSubstituteAssignedThroughLeaveCanBeReplacedAndTheSessionCancelled() {
    FhirHttp.Response booked =
        fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, series("2033-05-09T18:00", 1));
    assertThat(booked.status()).as(booked.toString()).isEqualTo(200);
    String session = sessionIds(booked.resource(Parameters.class)).get(0);

    Parameters onLeave = new Parameters();
    onLeave.addParameter().setName("substitute").setValue(new Reference(away));
    onLeave.addParameter().setName("replacing").setValue(new Reference(primary));
    onLeave.addParameter().setName("overrideReason").setValue(new StringType("Comes in for it"));
    FhirHttp.Response overridden =
        fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, onLeave);
    assertThat(overridden.status()).as(overridden.toString()).isEqualTo(200);

    Parameters back = new Parameters();
    back.addParameter().setName("substitute").setValue(new Reference(cover));
    back.addParameter().setName("replacing").setValue(new Reference(away));
    FhirHttp.Response replaced = fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, back);
    assertThat(replaced.status()).as(replaced.toString()).isEqualTo(200);

    FhirHttp.Response cancelled =
        fhir.post(session + "/" + OperationNames.CANCEL_SESSION, reason("Facilitator ill"));
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
  }

  @Test
  void aDoubleBookingWrittenWithTheOverrideHeaderCanBeCancelledAndDeleted() {
    Appointment first =
        TestPractice.session(
            group,
            "2033-06-06T18:00:00-04:00",
            "2033-06-06T19:30:00-04:00",
            room,
            List.of(),
            List.of());
    String firstId = fhir.create("Appointment", first);
    Appointment clash =
        TestPractice.session(
            group,
            "2033-06-06T19:00:00-04:00",
            "2033-06-06T20:00:00-04:00",
            room,
            List.of(),
            List.of());
    FhirHttp.Response refused =
        fhir.post("Appointment", fhir.encode(clash), "application/fhir+json", Map.of());
    assertThat(refused.status()).isEqualTo(409);
    FhirHttp.Response forced =
        fhir.post(
            "Appointment",
            fhir.encode(clash),
            "application/fhir+json",
            Map.of(SchedulingCodes.OVERRIDE_HEADER, "Family session needs the big room"));
    assertThat(forced.status()).as(forced.toString()).isEqualTo(201);
    String clashId =
        forced.resource(Appointment.class).getIdElement().toUnqualifiedVersionless().getValue();
    assertThat(provenancesAbout(clashId)).isPositive();

    FhirHttp.Response cancelled =
        fhir.post(clashId + "/" + OperationNames.CANCEL_SESSION, reason("Moved"));
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    assertThat(fhir.delete(clashId).status()).isIn(200, 204);
    assertThat(fhir.delete(firstId).status()).isIn(200, 204);
  }

  private int provenancesAbout(String target) {
    return fhir.get("Provenance?target=" + target + "&_summary=count")
        .resource(Bundle.class)
        .getTotal();
  }

  private static Parameters series(String start, int count) {
    Parameters series = new Parameters();
    series.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY"));
    series.addParameter().setName("start").setValue(new StringType(start));
    series.addParameter().setName("durationMinutes").setValue(new IntegerType(90));
    series.addParameter().setName("count").setValue(new IntegerType(count));
    return series;
  }

  private static Parameters reason(String text) {
    Parameters reason = new Parameters();
    reason.addParameter().setName("reason").setValue(new StringType(text));
    return reason;
  }

  private static List<String> sessionIds(Parameters out) {
    return ((Bundle) out.getParameter("sessions").getResource())
        .getEntry().stream()
            .map(e -> e.getResource().getIdElement().toUnqualifiedVersionless().getValue())
            .toList();
  }
}
