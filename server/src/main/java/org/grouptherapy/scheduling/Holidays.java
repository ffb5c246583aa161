package org.grouptherapy.scheduling;

import java.io.IOException;
import java.io.StringReader;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.Month;
import java.time.temporal.Temporal;
import java.time.temporal.TemporalAdjusters;
import java.util.Map;
import java.util.TreeMap;
import net.fortuna.ical4j.data.CalendarBuilder;
import net.fortuna.ical4j.data.ParserException;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.component.VEvent;
import net.fortuna.ical4j.model.property.DtStart;
import org.grouptherapy.kernel.InvalidParameter;

/**
 * Days a series skips: a built-in calendar ({@code us-federal}) or any iCalendar file a practice
 * sends (each VEVENT's start date is a holiday, named by its SUMMARY).
 */
public final class Holidays {

  public static final String US_FEDERAL = "us-federal";

  private Holidays() {}

  /** US federal holidays (5 U.S.C. 6103) of the given years, on their observed days. */
  public static Map<LocalDate, String> usFederal(int fromYear, int toYear) {
    Map<LocalDate, String> days = new TreeMap<>();
    for (int year = fromYear; year <= toYear; year++) {
      observed(days, LocalDate.of(year, Month.JANUARY, 1), "New Year's Day");
      days.put(
          nth(year, Month.JANUARY, DayOfWeek.MONDAY, 3), "Birthday of Martin Luther King, Jr.");
      days.put(nth(year, Month.FEBRUARY, DayOfWeek.MONDAY, 3), "Washington's Birthday");
      days.put(
          LocalDate.of(year, Month.MAY, 31)
              .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)),
          "Memorial Day");
      observed(days, LocalDate.of(year, Month.JUNE, 19), "Juneteenth National Independence Day");
      observed(days, LocalDate.of(year, Month.JULY, 4), "Independence Day");
      days.put(nth(year, Month.SEPTEMBER, DayOfWeek.MONDAY, 1), "Labor Day");
      days.put(nth(year, Month.OCTOBER, DayOfWeek.MONDAY, 2), "Columbus Day");
      observed(days, LocalDate.of(year, Month.NOVEMBER, 11), "Veterans Day");
      days.put(nth(year, Month.NOVEMBER, DayOfWeek.THURSDAY, 4), "Thanksgiving Day");
      observed(days, LocalDate.of(year, Month.DECEMBER, 25), "Christmas Day");
    }
    return days;
  }

  /** The all-day events of an iCalendar file, by start date. */
  public static Map<LocalDate, String> fromICalendar(String text) {
    Calendar calendar;
    try {
      calendar = new CalendarBuilder().build(new StringReader(text));
    } catch (IOException | ParserException e) {
      throw InvalidParameter.malformed(
          "holidays", "holidays is not a valid iCalendar (RFC 5545) file: " + e.getMessage());
    }
    Map<LocalDate, String> days = new TreeMap<>();
    for (VEvent event : calendar.<VEvent>getComponents("VEVENT")) {
      Temporal start =
          event
              .<DtStart<Temporal>>getProperty("DTSTART")
              .map(DtStart::getDate)
              .orElseThrow(
                  () ->
                      InvalidParameter.malformed(
                          "holidays", "Every VEVENT in holidays needs a DTSTART"));
      LocalDate date = LocalDate.from(start);
      String name = event.getProperty("SUMMARY").map(p -> p.getValue()).orElse("holiday");
      days.put(date, name);
    }
    return days;
  }

  private static void observed(Map<LocalDate, String> days, LocalDate date, String name) {
    LocalDate day =
        switch (date.getDayOfWeek()) {
          case SATURDAY -> date.minusDays(1);
          case SUNDAY -> date.plusDays(1);
          default -> date;
        };
    days.put(day, name);
  }

  private static LocalDate nth(int year, Month month, DayOfWeek day, int n) {
    return LocalDate.of(year, month, 1).with(TemporalAdjusters.dayOfWeekInMonth(n, day));
  }
}
