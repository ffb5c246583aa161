package org.grouptherapy.kernel;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.TimeZone;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.InstantType;
import org.springframework.stereotype.Component;

/**
 * The one time policy of the server (docs/architecture.md, "Times"). Sessions are stored as
 * instants; every date a person means (a date of service, a report or calendar period, "today", a
 * membership's first day) is a local date in a time zone: the group's ({@code group-timezone}),
 * else the practice's ({@code app.scheduling.default-time-zone}). A period of dates covers whole
 * local days: from the start of its first day to the start of the day after its last.
 */
@Component
public class PracticeTime {

  private final Clock clock;
  private final ZoneId practiceZone;

  public PracticeTime(Clock clock, AppProperties properties) {
    this.clock = clock;
    this.practiceZone = properties.scheduling().defaultTimeZone();
  }

  /** The practice's zone: of groups that name none, of calendars and reports. */
  public ZoneId zone() {
    return practiceZone;
  }

  public Instant now() {
    return clock.instant();
  }

  /** Today in the practice's zone. */
  public LocalDate today() {
    return LocalDate.now(clock.withZone(practiceZone));
  }

  /**
   * A group's zone: its {@code group-timezone} extension, else the practice's. A group that names a
   * zone which is not an IANA zone is refused (422): nothing about it could be dated.
   */
  public ZoneId zoneOf(Group group) {
    Extension zone = group == null ? null : group.getExtensionByUrl(SchedulingCodes.GROUP_TIMEZONE);
    if (zone == null || zone.getValue() == null || zone.getValue().primitiveValue() == null) {
      return practiceZone;
    }
    String name = zone.getValue().primitiveValue();
    try {
      return ZoneId.of(name);
    } catch (RuntimeException e) {
      throw InvalidParameter.unprocessable(
          "group",
          "The group's time zone " + name + " is not an IANA zone (e.g. America/New_York)");
    }
  }

  /** The local date of an instant in a zone. */
  public static LocalDate dateOf(Instant instant, ZoneId zone) {
    return instant.atZone(zone).toLocalDate();
  }

  /** A session's date of service: the local date of its start in the group's zone. */
  public static LocalDate dateOf(Appointment session, ZoneId zone) {
    return dateOf(session.getStart().toInstant(), zone);
  }

  /** The first instant of a local date. */
  public static Instant startOf(LocalDate date, ZoneId zone) {
    return date.atStartOfDay(zone).toInstant();
  }

  /** Whole local days, first to last inclusive, as the half-open instants [from, to). */
  public static Window days(LocalDate first, LocalDate last, ZoneId zone) {
    return new Window(startOf(first, zone), startOf(last.plusDays(1), zone));
  }

  /** A span of time, start inclusive, end exclusive. */
  public record Window(Instant from, Instant to) {
    public boolean contains(Instant instant) {
      return !instant.isBefore(from) && instant.isBefore(to);
    }
  }

  /**
   * A date of a FHIR date or dateTime element as the local date it means in a zone: a date as
   * written (its first day when partial), a dateTime with an offset converted to the zone.
   */
  public static LocalDate dateOf(BaseDateTimeType value, ZoneId zone) {
    return LocalDates.parse("date", value.getValueAsString(), zone, LocalDates.Bound.START);
  }

  /** An instant as FHIR writes it, to the second, with the zone's offset (18:00-05:00). */
  public static InstantType instant(Instant instant, ZoneId zone) {
    return new InstantType(
        Date.from(instant), TemporalPrecisionEnum.SECOND, TimeZone.getTimeZone(zone));
  }

  public static InstantType instant(ZonedDateTime time) {
    return instant(time.toInstant(), time.getZone());
  }
}
