package org.grouptherapy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;

class DemoSessionCalendarTest {

  static final FhirContext FHIR = FhirContext.forR4Cached();

  @Test
  void movesEveryDateByWholeWeeksButBirthDates() {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Patient patient = new Patient();
    patient.setBirthDateElement(new DateType("1990-03-04"));
    bundle.addEntry().setResource(patient);
    Group group = new Group();
    group.addExtension(
        "http://grouptherapy.example.org/fhir/StructureDefinition/group-cohort-start",
        new DateType("2026-02-02"));
    group.addMember().getPeriod().setStartElement(new DateTimeType("2025-11-24"));
    bundle.addEntry().setResource(group);
    Consent consent = new Consent();
    consent.setDateTimeElement(new DateTimeType("2025-11-17T10:00:00-05:00"));
    consent.getProvision().getPeriod().setStartElement(new DateTimeType("2025-11-17"));
    consent.getProvision().getPeriod().setEndElement(new DateTimeType("2027-01-04"));
    bundle.addEntry().setResource(consent);
    ServiceRequest referral = new ServiceRequest();
    referral.setAuthoredOnElement(new DateTimeType("2025-12-15"));
    bundle.addEntry().setResource(referral);

    // Loaded on Wednesday 2026-07-15: 27 weeks after the anchor Monday.
    DemoSessionCalendar.moveToWeekOf(FHIR, bundle, Instant.parse("2026-07-15T12:00:00Z"));

    assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1990-03-04");
    assertThat(group.getExtension().get(0).getValue().primitiveValue()).isEqualTo("2026-08-10");
    assertThat(group.getMemberFirstRep().getPeriod().getStartElement().getValueAsString())
        .isEqualTo("2026-06-01");
    assertThat(consent.getDateTimeElement().getValueAsString())
        .isEqualTo("2026-05-25T10:00:00-04:00");
    assertThat(consent.getProvision().getPeriod().getEndElement().getValueAsString())
        .isEqualTo("2027-07-12");
    assertThat(referral.getAuthoredOnElement().getValueAsString()).isEqualTo("2026-06-22");
  }

  @Test
  void keepsTheLocalWallClockTimeAcrossDaylightSavingTime() {
    Bundle bundle = bundleWithSession("2026-01-05T18:00:00-05:00", "2026-01-05T19:30:00-05:00");

    DemoSessionCalendar.moveToWeekOf(FHIR, bundle, Instant.parse("2026-07-15T12:00:00Z"));

    Appointment session = (Appointment) bundle.getEntryFirstRep().getResource();
    ZonedDateTime start = session.getStart().toInstant().atZone(DemoSessionCalendar.PRACTICE_ZONE);
    assertThat(start.toLocalDate().toString()).isEqualTo("2026-07-13");
    assertThat(start.toLocalTime()).isEqualTo(LocalTime.of(18, 0));
    assertThat(session.getStartElement().getValueAsString()).endsWith("-04:00");
  }

  @Test
  void marksSessionsThatEndedFulfilledAndLeavesLaterOnesBooked() {
    Bundle bundle = bundleWithSession("2026-01-05T18:00:00-05:00", "2026-01-05T19:30:00-05:00");
    bundle
        .addEntry()
        .setResource(session("2026-01-12T18:00:00-05:00", "2026-01-12T19:30:00-05:00"));

    DemoSessionCalendar.moveToWeekOf(FHIR, bundle, Instant.parse("2026-01-08T12:00:00Z"));

    assertThat(((Appointment) bundle.getEntry().get(0).getResource()).getStatus())
        .isEqualTo(Appointment.AppointmentStatus.FULFILLED);
    assertThat(((Appointment) bundle.getEntry().get(1).getResource()).getStatus())
        .isEqualTo(Appointment.AppointmentStatus.BOOKED);
  }

  private static Bundle bundleWithSession(String start, String end) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    bundle.addEntry().setResource(session(start, end));
    return bundle;
  }

  private static Appointment session(String start, String end) {
    Appointment session = new Appointment().setStatus(Appointment.AppointmentStatus.BOOKED);
    session.getStartElement().setValueAsString(start);
    session.getEndElement().setValueAsString(end);
    return session;
  }
}
