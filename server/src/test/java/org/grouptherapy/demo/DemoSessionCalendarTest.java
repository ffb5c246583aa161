package org.grouptherapy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;

class DemoSessionCalendarTest {

  @Test
  void keepsTheLocalWallClockTimeAcrossDaylightSavingTime() {
    Bundle bundle = bundleWithSession("2026-01-05T18:00:00-05:00", "2026-01-05T19:30:00-05:00");

    DemoSessionCalendar.moveSessionsToWeekOf(bundle, Instant.parse("2026-07-15T12:00:00Z"));

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

    DemoSessionCalendar.moveSessionsToWeekOf(bundle, Instant.parse("2026-01-08T12:00:00Z"));

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
