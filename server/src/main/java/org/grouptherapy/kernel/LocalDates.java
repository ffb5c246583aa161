package org.grouptherapy.kernel;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.regex.Pattern;

/**
 * Reads the dates people send as operation parameters, by one rule (see {@link PracticeTime}):
 * {@code 2026-11-05} is that day; a partial date ({@code 2026-11}, {@code 2026}) is its first day
 * as a start and its last day as an end; a dateTime with an offset ({@code 2026-11-06T01:00:00Z})
 * is the local date of that instant in the zone; a dateTime without one is its own date. Anything
 * else is 400 naming the parameter.
 */
public final class LocalDates {

  /** Which day of a partial date is meant: its first (a start) or its last (an end). */
  public enum Bound {
    START,
    END
  }

  private static final Pattern YEAR = Pattern.compile("\\d{4}");
  private static final Pattern YEAR_MONTH = Pattern.compile("\\d{4}-\\d{2}");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  private LocalDates() {}

  public static LocalDate parse(String parameter, String text, ZoneId zone, Bound bound) {
    String value = text == null ? "" : text.strip();
    try {
      if (DATE.matcher(value).matches()) {
        return LocalDate.parse(value);
      }
      if (YEAR_MONTH.matcher(value).matches()) {
        YearMonth month = YearMonth.parse(value);
        return bound == Bound.START ? month.atDay(1) : month.atEndOfMonth();
      }
      if (YEAR.matcher(value).matches()) {
        int year = Integer.parseInt(value);
        return bound == Bound.START ? LocalDate.of(year, 1, 1) : LocalDate.of(year, 12, 31);
      }
      if (value.length() > 10 && value.charAt(10) == 'T') {
        if (hasOffset(value)) {
          return OffsetDateTime.parse(value).atZoneSameInstant(zone).toLocalDate();
        }
        return LocalDateTime.parse(value).toLocalDate();
      }
    } catch (java.time.DateTimeException e) {
      // falls through to the message below
    }
    throw InvalidParameter.malformed(
        parameter,
        parameter
            + " must be a date such as 2026-11-05 (or 2026-11 for a month); was '"
            + value
            + "'");
  }

  private static boolean hasOffset(String value) {
    return value.endsWith("Z") || value.matches(".*T.*[+-]\\d{2}:\\d{2}$");
  }
}
