package org.grouptherapy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.ZoneId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one date policy: what each way of writing a date means, in New York. */
class LocalDatesTest {

  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  @ParameterizedTest(name = "{0} as {1} is {2}")
  @CsvSource({
    "2026-11-05, START, 2026-11-05",
    "2026-11-05, END, 2026-11-05",
    "2026-11, START, 2026-11-01",
    "2026-11, END, 2026-11-30",
    "2028-02, END, 2028-02-29",
    "2026, START, 2026-01-01",
    "2026, END, 2026-12-31",
    // an evening session in New York is the next day in UTC: the local date counts
    "2026-11-06T01:30:00Z, START, 2026-11-05",
    "2026-11-05T20:30:00-05:00, START, 2026-11-05",
    "2026-11-05T20:30:00, START, 2026-11-05"
  })
  void datesMeanLocalDays(String text, LocalDates.Bound bound, LocalDate day) {
    assertThat(LocalDates.parse("start", text, NEW_YORK, bound)).isEqualTo(day);
  }

  @ParameterizedTest
  @CsvSource({"2026-13", "2026-02-30", "tomorrow", "26-11-05", "2026-11-05T25:00:00Z"})
  void anythingElseIsA400NamingTheParameter(String text) {
    assertThatThrownBy(
            () ->
                LocalDates.parse(
                    "end", text.strip().isEmpty() ? text : text, NEW_YORK, LocalDates.Bound.END))
        .isInstanceOf(InvalidParameter.class)
        .hasMessageContaining("end must be a date");
  }
}
