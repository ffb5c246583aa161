package org.grouptherapy.demo;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Date;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Slot;

/**
 * Moves the demo practice's sessions from the weeks around the anchor Monday they were written for
 * to the weeks around today, at the same local wall-clock time (so an 18:00 group stays at 18:00
 * across a DST change), and marks past sessions fulfilled. Calendar blocks (Slots) move with them.
 */
final class DemoSessionCalendar {

  static final LocalDate ANCHOR_MONDAY = LocalDate.of(2026, 1, 5);
  static final ZoneId PRACTICE_ZONE = ZoneId.of("America/New_York");

  private DemoSessionCalendar() {}

  static void moveSessionsToWeekOf(Bundle bundle, Instant now) {
    LocalDate thisMonday =
        now.atZone(PRACTICE_ZONE)
            .toLocalDate()
            .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    long weeks = ChronoUnit.WEEKS.between(ANCHOR_MONDAY, thisMonday);
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      if (entry.getResource() instanceof Appointment session) {
        ZonedDateTime start = move(session.getStart(), weeks);
        ZonedDateTime end = move(session.getEnd(), weeks);
        session.setStartElement(instant(start));
        session.setEndElement(instant(end));
        if (session.getStatus() == Appointment.AppointmentStatus.BOOKED
            && end.toInstant().isBefore(now)) {
          session.setStatus(Appointment.AppointmentStatus.FULFILLED);
        }
      } else if (entry.getResource() instanceof Slot block) {
        block.setStartElement(instant(move(block.getStart(), weeks)));
        block.setEndElement(instant(move(block.getEnd(), weeks)));
      }
    }
  }

  private static ZonedDateTime move(Date written, long weeks) {
    return written.toInstant().atZone(PRACTICE_ZONE).plusWeeks(weeks);
  }

  private static InstantType instant(ZonedDateTime time) {
    return new InstantType(
        Date.from(time.toInstant()),
        TemporalPrecisionEnum.SECOND,
        TimeZone.getTimeZone(time.getZone()));
  }
}
