package org.grouptherapy.demo;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.util.FhirTerser;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Date;
import java.util.Set;
import java.util.TimeZone;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.RelatedPerson;

/**
 * Moves the demo practice from the weeks around the anchor Monday it was written for to the weeks
 * around today: every date and time in it (sessions and calendar blocks, memberships, cohort
 * starts, consents and their periods, referrals, screenings, questionnaires, coverage), by whole
 * weeks, at the same local wall-clock time (an 18:00 group stays at 18:00 across a DST change).
 * Birth dates stay. Past sessions are marked fulfilled.
 */
final class DemoSessionCalendar {

  static final LocalDate ANCHOR_MONDAY = LocalDate.of(2026, 1, 5);
  static final ZoneId PRACTICE_ZONE = ZoneId.of("America/New_York");

  private DemoSessionCalendar() {}

  static void moveToWeekOf(FhirContext fhirContext, Bundle bundle, Instant now) {
    LocalDate thisMonday =
        now.atZone(PRACTICE_ZONE)
            .toLocalDate()
            .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    long weeks = ChronoUnit.WEEKS.between(ANCHOR_MONDAY, thisMonday);
    FhirTerser terser = fhirContext.newTerser();
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      IBaseResource resource = entry.getResource();
      if (resource == null) {
        continue;
      }
      Set<BaseDateTimeType> kept = birthDates(resource);
      for (BaseDateTimeType date :
          terser.getAllPopulatedChildElementsOfType(resource, BaseDateTimeType.class)) {
        if (!kept.contains(date)) {
          move(date, weeks);
        }
      }
      if (resource instanceof Appointment session
          && session.getStatus() == Appointment.AppointmentStatus.BOOKED
          && session.hasEnd()
          && session.getEnd().toInstant().isBefore(now)) {
        session.setStatus(Appointment.AppointmentStatus.FULFILLED);
      }
    }
  }

  private static Set<BaseDateTimeType> birthDates(IBaseResource resource) {
    java.util.Set<BaseDateTimeType> kept =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    if (resource instanceof Patient p && p.hasBirthDate()) {
      kept.add(p.getBirthDateElement());
    } else if (resource instanceof Practitioner p && p.hasBirthDate()) {
      kept.add(p.getBirthDateElement());
    } else if (resource instanceof RelatedPerson r && r.hasBirthDate()) {
      kept.add(r.getBirthDateElement());
    }
    return kept;
  }

  /** A date by whole weeks; a time by whole weeks of local wall-clock time, its offset updated. */
  private static void move(BaseDateTimeType date, long weeks) {
    if (date.getValue() == null || date.getPrecision() == null) {
      return;
    }
    TemporalPrecisionEnum precision = date.getPrecision();
    if (precision == TemporalPrecisionEnum.YEAR || precision == TemporalPrecisionEnum.MONTH) {
      return; // "2026" or "2026-01" says no week
    }
    if (precision == TemporalPrecisionEnum.DAY) {
      date.setValueAsString(LocalDate.parse(date.getValueAsString()).plusWeeks(weeks).toString());
      return;
    }
    ZonedDateTime moved = date.getValue().toInstant().atZone(PRACTICE_ZONE).plusWeeks(weeks);
    boolean utc = date.getTimeZone() != null && "UTC".equals(date.getTimeZone().getID());
    date.setValue(Date.from(moved.toInstant()), precision);
    date.setTimeZone(utc ? TimeZone.getTimeZone("UTC") : TimeZone.getTimeZone(moved.getZone()));
  }
}
