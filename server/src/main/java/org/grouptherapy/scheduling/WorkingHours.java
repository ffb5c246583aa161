package org.grouptherapy.scheduling;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.grouptherapy.kernel.CalendarDirectory;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.PractitionerRole.PractitionerRoleAvailableTimeComponent;
import org.springframework.stereotype.Component;

/**
 * A practitioner's working hours: the {@code availableTime} of their active PractitionerRoles
 * (weekdays with a start and end time, or all day), read in the zone of the group whose session is
 * asked about. A practitioner whose roles record no hours is taken to work whenever booked (the
 * practice has not said otherwise); one with hours works only inside them. Leave is not here: it is
 * a PTO block in their calendar, held in the booking ledger.
 */
@Component
public class WorkingHours {

  private final CalendarDirectory directory;

  WorkingHours(CalendarDirectory directory) {
    this.directory = directory;
  }

  /**
   * Why the practitioner does not work the whole of {@code [start, end)}: a sentence with their
   * hours; empty if they do, or record no hours.
   */
  public Optional<String> outside(
      String practitioner, Instant start, Instant end, ZoneId zone, RequestDetails request) {
    List<PractitionerRoleAvailableTimeComponent> hours = new ArrayList<>();
    for (PractitionerRole role : directory.activeRoles(practitioner, request)) {
      hours.addAll(role.getAvailableTime());
    }
    if (hours.isEmpty()) {
      return Optional.empty();
    }
    ZonedDateTime from = start.atZone(zone);
    ZonedDateTime to = end.atZone(zone);
    boolean sameDay = from.toLocalDate().equals(to.toLocalDate()) || endsAtMidnight(from, to);
    for (PractitionerRoleAvailableTimeComponent time : hours) {
      if (sameDay && covers(time, from, to)) {
        return Optional.empty();
      }
    }
    return Optional.of(
        practitioner
            + " works "
            + describe(hours)
            + "; the session is "
            + day(from.getDayOfWeek())
            + " "
            + from.toLocalTime()
            + "-"
            + to.toLocalTime()
            + " ("
            + zone
            + ")");
  }

  private static boolean covers(
      PractitionerRoleAvailableTimeComponent time, ZonedDateTime from, ZonedDateTime to) {
    String weekday = code(from.getDayOfWeek());
    if (time.hasDaysOfWeek()
        && time.getDaysOfWeek().stream().noneMatch(d -> weekday.equals(d.getValueAsString()))) {
      return false;
    }
    if (time.getAllDay()) {
      return true;
    }
    if (!time.hasAvailableStartTime() || !time.hasAvailableEndTime()) {
      return false;
    }
    LocalTime open = LocalTime.parse(time.getAvailableStartTime());
    LocalTime close = LocalTime.parse(time.getAvailableEndTime());
    boolean endsInside =
        endsAtMidnight(from, to)
            ? close.equals(LocalTime.MIDNIGHT) || close.equals(LocalTime.MAX.withNano(0))
            : !to.toLocalTime().isAfter(close);
    return !from.toLocalTime().isBefore(open) && endsInside;
  }

  /** A session that ends at the midnight after its start ends on its start day, at its end. */
  private static boolean endsAtMidnight(ZonedDateTime from, ZonedDateTime to) {
    return to.toLocalTime().equals(LocalTime.MIDNIGHT)
        && from.toLocalDate().plusDays(1).equals(to.toLocalDate());
  }

  /** "Mon, Wed 09:00-17:00; Fri all day". */
  static String describe(List<PractitionerRoleAvailableTimeComponent> hours) {
    List<String> parts = new ArrayList<>();
    for (PractitionerRoleAvailableTimeComponent time : hours) {
      String days =
          time.hasDaysOfWeek()
              ? String.join(
                  ", ",
                  time.getDaysOfWeek().stream()
                      .map(d -> capitalised(d.getValueAsString()))
                      .toList())
              : "every day";
      String span =
          time.getAllDay()
              ? "all day"
              : shortTime(time.getAvailableStartTime())
                  + "-"
                  + shortTime(time.getAvailableEndTime());
      parts.add(days + " " + span);
    }
    return String.join("; ", parts);
  }

  private static String shortTime(String time) {
    return time == null ? "?" : time.length() >= 5 ? time.substring(0, 5) : time;
  }

  private static String capitalised(String code) {
    return code == null || code.isEmpty()
        ? "?"
        : Character.toUpperCase(code.charAt(0)) + code.substring(1);
  }

  private static String code(DayOfWeek day) {
    return day.getDisplayName(TextStyle.SHORT, Locale.US).toLowerCase(Locale.ROOT);
  }

  private static String day(DayOfWeek day) {
    return day.getDisplayName(TextStyle.SHORT, Locale.US);
  }
}
