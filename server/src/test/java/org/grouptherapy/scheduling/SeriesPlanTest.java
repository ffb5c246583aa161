package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.grouptherapy.kernel.InvalidParameter;
import org.junit.jupiter.api.Test;

class SeriesPlanTest {

  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  @Test
  void weeklyEveningSessionsStayAtSixPmLocalAcrossDaylightSavingChanges() {
    SeriesPlan plan =
        SeriesPlan.of(
            "FREQ=WEEKLY;BYDAY=MO",
            LocalDateTime.of(2026, 2, 23, 18, 0),
            NEW_YORK,
            90,
            4,
            null,
            List.of(),
            Map.of(),
            1);

    assertThat(plan.occurrences())
        .extracting(o -> o.start().toLocalTime())
        .containsOnly(LocalTime.of(18, 0));
    assertThat(plan.occurrences())
        .extracting(o -> o.start().getOffset().getTotalSeconds() / 3600)
        .containsExactly(-5, -5, -4, -4);
    assertThat(plan.occurrences().get(2).start().toInstant().toString())
        .isEqualTo("2026-03-09T22:00:00Z");
    assertThat(plan.occurrences())
        .extracting(SeriesPlan.Occurrence::number)
        .containsExactly(1, 2, 3, 4);
    assertThat(plan.occurrences().get(0).end().toLocalTime()).isEqualTo(LocalTime.of(19, 30));
  }

  @Test
  void autumnChangeKeepsLocalTimeToo() {
    SeriesPlan plan =
        SeriesPlan.of(
            "RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3",
            LocalDateTime.of(2026, 10, 22, 18, 30),
            NEW_YORK,
            75,
            null,
            null,
            List.of(),
            Map.of(),
            1);
    assertThat(plan.occurrences())
        .extracting(o -> o.start().toOffsetDateTime().toString())
        .containsExactly(
            "2026-10-22T18:30-04:00", "2026-10-29T18:30-04:00", "2026-11-05T18:30-05:00");
  }

  @Test
  void exdatesAndHolidaysAreSkippedAndReported() {
    SeriesPlan plan =
        SeriesPlan.of(
            "FREQ=WEEKLY;BYDAY=TH",
            LocalDateTime.of(2026, 11, 5, 18, 0),
            NEW_YORK,
            60,
            null,
            LocalDate.of(2026, 12, 31),
            List.of(LocalDate.of(2026, 12, 31)),
            Holidays.usFederal(2026, 2026),
            7);
    assertThat(plan.occurrences())
        .extracting(o -> o.start().toLocalDate())
        .doesNotContain(LocalDate.of(2026, 11, 26), LocalDate.of(2026, 12, 31))
        .contains(LocalDate.of(2026, 12, 24));
    assertThat(plan.occurrences().get(0).number()).isEqualTo(7);
    assertThat(plan.skipped())
        .extracting(SeriesPlan.Skipped::reason)
        .containsExactly("holiday: Thanksgiving Day", "excluded (exdate)");
  }

  @Test
  void federalHolidaysMoveToTheirObservedDays() {
    Map<LocalDate, String> days = Holidays.usFederal(2027, 2027);
    assertThat(days).containsEntry(LocalDate.of(2027, 7, 5), "Independence Day");
    assertThat(days).containsEntry(LocalDate.of(2027, 12, 24), "Christmas Day");
    assertThat(days).containsEntry(LocalDate.of(2027, 11, 25), "Thanksgiving Day");
  }

  @Test
  void iCalendarHolidayFilesAreRead() {
    String ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1@test\r\n"
            + "DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261124\r\nSUMMARY:Practice retreat\r\n"
            + "END:VEVENT\r\nEND:VCALENDAR\r\n";
    assertThat(Holidays.fromICalendar(ics))
        .containsEntry(LocalDate.of(2026, 11, 24), "Practice retreat");
    assertThatThrownBy(() -> Holidays.fromICalendar("not a calendar"))
        .isInstanceOf(InvalidParameter.class)
        .hasMessageContaining("holidays");
  }

  @Test
  void badSeriesNameTheParameterAtFault() {
    LocalDateTime start = LocalDateTime.of(2026, 3, 2, 18, 0);
    assertThatThrownBy(() -> plan("FREQ=SOMETIMES", start, 10, null, List.of()))
        .isInstanceOf(InvalidParameter.class)
        .hasMessageContaining("rrule")
        .extracting(e -> ((InvalidParameter) e).getStatusCode())
        .isEqualTo(400);
    assertThatThrownBy(() -> plan("FREQ=WEEKLY", start, null, LocalDate.of(2026, 2, 1), List.of()))
        .hasMessageContaining("until (2026-02-01) is before");
    assertThatThrownBy(() -> plan("FREQ=WEEKLY", start, 110, null, List.of()))
        .hasMessageContaining("past two years")
        .extracting(e -> ((InvalidParameter) e).getStatusCode())
        .isEqualTo(422);
    assertThatThrownBy(() -> plan("FREQ=WEEKLY", start, null, LocalDate.of(2028, 6, 1), List.of()))
        .hasMessageContaining("at most two years");
    assertThatThrownBy(() -> plan("FREQ=WEEKLY", start, null, null, List.of()))
        .hasMessageContaining("needs an end");
    assertThatThrownBy(
            () ->
                plan(
                    "FREQ=WEEKLY",
                    start,
                    5,
                    null,
                    List.of(LocalDate.of(2026, 3, 9), LocalDate.of(2026, 3, 9))))
        .hasMessageContaining("given twice");
    assertThatThrownBy(
            () -> plan("FREQ=WEEKLY", start, 5, null, List.of(LocalDate.of(2026, 3, 10))))
        .hasMessageContaining("matches no session");
    assertThatThrownBy(() -> plan("FREQ=WEEKLY;COUNT=4", start, 5, null, List.of()))
        .hasMessageContaining("not both");
  }

  @Test
  void countAndUntilTogetherAreRefusedAsRfc5545Does() {
    LocalDateTime start = LocalDateTime.of(2026, 3, 2, 18, 0);
    assertThatThrownBy(() -> plan("FREQ=WEEKLY", start, 4, LocalDate.of(2026, 5, 1), List.of()))
        .isInstanceOf(InvalidParameter.class)
        .hasMessageContaining("count or until, not both")
        .extracting(e -> ((InvalidParameter) e).getStatusCode())
        .isEqualTo(400);
  }

  private static SeriesPlan plan(
      String rrule, LocalDateTime start, Integer count, LocalDate until, List<LocalDate> exdates) {
    return SeriesPlan.of(rrule, start, NEW_YORK, 90, count, until, exdates, Map.of(), 1);
  }
}
