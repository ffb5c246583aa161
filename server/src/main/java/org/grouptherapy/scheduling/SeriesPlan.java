package org.grouptherapy.scheduling;

import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.fortuna.ical4j.model.Recur;
import org.grouptherapy.kernel.InvalidParameter;

/**
 * The occurrences of a session series: an RFC 5545 RRULE (expanded by ical4j) from a local
 * wall-clock start in the group's time zone, so that a weekly 18:00 stays 18:00 local across
 * daylight-saving changes. EXDATEs and holidays remove occurrences (after COUNT, as RFC 5545 has
 * it); each removal is reported. Nothing here touches storage.
 */
public final class SeriesPlan {

  /** The longest series one request may create. */
  public static final Duration MAXIMUM_SPAN = Duration.ofDays(2 * 365 + 1);

  /** One session of the plan, numbered in the series. */
  public record Occurrence(int number, ZonedDateTime start, ZonedDateTime end) {}

  /** An occurrence the plan leaves out, and why. */
  public record Skipped(LocalDate date, String reason) {}

  private final List<Occurrence> occurrences;
  private final List<Skipped> skipped;

  private SeriesPlan(List<Occurrence> occurrences, List<Skipped> skipped) {
    this.occurrences = List.copyOf(occurrences);
    this.skipped = List.copyOf(skipped);
  }

  public List<Occurrence> occurrences() {
    return occurrences;
  }

  public List<Skipped> skipped() {
    return skipped;
  }

  /**
   * @param rrule the recurrence rule, with or without the {@code RRULE:} prefix
   * @param start the first session's local start, in {@code zone}
   * @param count at most this many occurrences (or null: the rule's COUNT, or {@code until})
   * @param until no occurrence after this local date (or null)
   * @param exdates local dates without a session; each must match an occurrence
   * @param holidays local dates without a session, by name; those matching no occurrence are
   *     ignored
   * @param firstNumber the number of the first session
   */
  public static SeriesPlan of(
      String rrule,
      LocalDateTime start,
      ZoneId zone,
      int durationMinutes,
      Integer count,
      LocalDate until,
      List<LocalDate> exdates,
      Map<LocalDate, String> holidays,
      int firstNumber) {
    if (durationMinutes < 5 || durationMinutes > 12 * 60) {
      throw InvalidParameter.unprocessable(
          "durationMinutes", "durationMinutes must be between 5 and 720; was " + durationMinutes);
    }
    Recur<ZonedDateTime> recur = rule(rrule, count, until);
    List<ZonedDateTime> dates = dates(recur, rrule, start, zone, count, until);
    Map<LocalDate, ZonedDateTime> byDate = new HashMap<>();
    for (ZonedDateTime date : dates) {
      if (byDate.put(date.toLocalDate(), date) != null) {
        throw InvalidParameter.unprocessable(
            "rrule",
            "The rule yields two sessions on " + date.toLocalDate() + "; one a day at most");
      }
    }
    Set<LocalDate> excluded = new LinkedHashSet<>();
    List<Skipped> skipped = excluded(byDate.keySet(), exdates, holidays, excluded);
    List<Occurrence> occurrences = new ArrayList<>();
    int number = firstNumber;
    for (ZonedDateTime date : dates) {
      if (!excluded.contains(date.toLocalDate())) {
        occurrences.add(new Occurrence(number++, date, date.plusMinutes(durationMinutes)));
      }
    }
    if (occurrences.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "exdate", "Every session of the series is excluded; nothing to schedule");
    }
    return new SeriesPlan(occurrences, skipped);
  }

  /**
   * The rule, read by ical4j, with its end: COUNT or UNTIL in the rule, or the count or until
   * parameter; never two ends (RFC 5545 allows COUNT or UNTIL, not both).
   */
  private static Recur<ZonedDateTime> rule(String rrule, Integer count, LocalDate until) {
    if (rrule == null || rrule.isBlank()) {
      throw InvalidParameter.malformed("rrule", "rrule is required, e.g. FREQ=WEEKLY;BYDAY=MO");
    }
    Recur<ZonedDateTime> recur;
    try {
      recur = new Recur<>(rrule.strip().replaceFirst("(?i)^RRULE:", ""));
    } catch (RuntimeException e) {
      throw InvalidParameter.malformed(
          "rrule",
          "rrule is not a valid RFC 5545 recurrence rule ("
              + e.getMessage()
              + "); e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=12");
    }
    if (recur.getFrequency() == null) {
      throw InvalidParameter.malformed("rrule", "rrule needs a FREQ, e.g. FREQ=WEEKLY");
    }
    boolean ruleEnds = recur.getCount() > 0 || recur.getUntil() != null;
    if (ruleEnds && (count != null || until != null)) {
      throw InvalidParameter.malformed(
          count != null ? "count" : "until",
          "The rrule already has COUNT or UNTIL: give the end in the rule or as a parameter, not"
              + " both");
    }
    if (count != null && until != null) {
      throw InvalidParameter.malformed(
          "until",
          "Give count or until, not both: RFC 5545 ends a recurrence by COUNT or by UNTIL");
    }
    if (!ruleEnds && count == null && until == null) {
      throw InvalidParameter.unprocessable(
          "count", "A series needs an end: a count, an until date, or COUNT/UNTIL in the rrule");
    }
    if (count != null && count < 1) {
      throw InvalidParameter.unprocessable("count", "count must be at least 1");
    }
    return recur;
  }

  /** The rule's dates from the local start, at most two years of them. */
  private static List<ZonedDateTime> dates(
      Recur<ZonedDateTime> recur,
      String rrule,
      LocalDateTime start,
      ZoneId zone,
      Integer count,
      LocalDate until) {
    ZonedDateTime seed = start.atZone(zone);
    ZonedDateTime limit = seed.plus(MAXIMUM_SPAN);
    if (until != null) {
      if (until.isBefore(start.toLocalDate())) {
        throw InvalidParameter.unprocessable(
            "until", "until (" + until + ") is before the series starts (" + start + ")");
      }
      if (until.atStartOfDay(zone).isAfter(limit)) {
        throw InvalidParameter.unprocessable(
            "until", "A series may span at most two years; until " + until + " is further");
      }
    }
    ZonedDateTime periodEnd =
        until != null ? until.plusDays(1).atStartOfDay(zone).minusNanos(1) : limit;
    List<ZonedDateTime> dates;
    try {
      dates = recur.getDates(seed, seed, periodEnd);
    } catch (RuntimeException e) {
      throw InvalidParameter.malformed(
          "rrule", "rrule cannot be expanded from " + start + " (" + e.getMessage() + ")");
    }
    dates = new ArrayList<>(dates.stream().filter(d -> !d.isBefore(seed)).sorted().toList());
    if (count != null) {
      if (dates.size() < count) {
        throw InvalidParameter.unprocessable(
            "count",
            count + " sessions with rule " + rrule + " would run past two years from " + start);
      }
      dates = dates.subList(0, count);
    } else if (recur.getCount() > 0 && dates.size() < recur.getCount()) {
      throw InvalidParameter.unprocessable(
          "rrule", "COUNT=" + recur.getCount() + " would run past two years from " + start);
    } else if (until == null && recur.getUntil() != null) {
      ZonedDateTime last = dates.isEmpty() ? seed : dates.get(dates.size() - 1);
      ZonedDateTime next = recur.getNextDate(seed, last);
      if (next != null && !next.isAfter(periodEnd) && next.isAfter(limit.minusDays(1))) {
        throw InvalidParameter.unprocessable(
            "rrule", "The rule's UNTIL lies more than two years after " + start);
      }
    }
    if (dates.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "rrule", "The rule yields no session from " + start + " on; check BYDAY and the start");
    }
    return dates;
  }

  /**
   * The days left out, and why: each exdate (which must match a session, once), and holidays that
   * fall on a session. Fills {@code excluded}.
   */
  private static List<Skipped> excluded(
      Set<LocalDate> sessionDays,
      List<LocalDate> exdates,
      Map<LocalDate, String> holidays,
      Set<LocalDate> excluded) {
    List<Skipped> skipped = new ArrayList<>();
    for (LocalDate exdate : exdates) {
      if (!excluded.add(exdate)) {
        throw InvalidParameter.unprocessable(
            "exdate", "exdate " + exdate + " is given twice; give each date once");
      }
      if (!sessionDays.contains(exdate)) {
        throw InvalidParameter.unprocessable(
            "exdate", "exdate " + exdate + " matches no session of the series");
      }
      skipped.add(new Skipped(exdate, "excluded (exdate)"));
    }
    for (Map.Entry<LocalDate, String> holiday : holidays.entrySet()) {
      if (sessionDays.contains(holiday.getKey()) && excluded.add(holiday.getKey())) {
        skipped.add(new Skipped(holiday.getKey(), "holiday: " + holiday.getValue()));
      }
    }
    skipped.sort((a, b) -> a.date().compareTo(b.date()));
    return skipped;
  }
}
