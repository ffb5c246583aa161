package org.grouptherapy.billing;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.Coverage;

/**
 * The coverage that pays for a date of service: active (cancelled and draft coverages were left out
 * when read), its period holding the date (a local date, in the practice's zone), and of several
 * the primary (lowest {@code Coverage.order}, then id).
 *
 * @param coverage the one to bill, if any covers the date
 * @param notInForce when the member has coverage but none on the date: why, in words
 * @param others how many more coverages also cover the date (secondary, tertiary)
 */
record CoverageOnDate(Optional<Coverage> coverage, Optional<String> notInForce, int others) {

  static final CoverageOnDate NONE = new CoverageOnDate(Optional.empty(), Optional.empty(), 0);

  static CoverageOnDate choose(List<Coverage> coverages, LocalDate date, ZoneId zone) {
    if (coverages.isEmpty()) {
      return NONE;
    }
    List<Coverage> covering =
        coverages.stream()
            .filter(c -> covers(c, date, zone))
            .sorted(
                Comparator.comparing(
                        (Coverage c) -> c.hasOrder() ? c.getOrder() : Integer.MAX_VALUE)
                    .thenComparing(References::of, References.BY_ID))
            .toList();
    if (covering.isEmpty()) {
      return new CoverageOnDate(Optional.empty(), Optional.of(whyNot(coverages, date, zone)), 0);
    }
    return new CoverageOnDate(Optional.of(covering.get(0)), Optional.empty(), covering.size() - 1);
  }

  /** What a reconcile says of the member's coverage: none, none in force, or several. */
  Optional<ClaimRules.Problem> problem(String patient) {
    if (notInForce.isPresent()) {
      return Optional.of(
          ClaimRules.Problem.error(
              "coverage-not-in-force",
              patient + " has no coverage in force on the date of service: " + notInForce.get(),
              "Add or correct the member's Coverage for that date (period, status), or bill the"
                  + " member",
              patient));
    }
    if (coverage.isEmpty()) {
      return Optional.of(
          ClaimRules.Problem.error(
              "missing-coverage",
              patient + " has no active Coverage",
              "Add the member's active Coverage (payer and member id)",
              patient));
    }
    if (others > 0) {
      return Optional.of(
          ClaimRules.Problem.warning(
              "secondary-coverage",
              patient
                  + " has "
                  + (others + 1)
                  + " coverages on the date of service: billed to the primary "
                  + References.of(coverage.get())
                  + " (lowest Coverage.order)",
              "Bill the secondary coverage after the primary's remittance",
              patient));
    }
    return Optional.empty();
  }

  private static boolean covers(Coverage coverage, LocalDate date, ZoneId zone) {
    if (coverage.getPeriod().hasStart()
        && PracticeTime.dateOf(coverage.getPeriod().getStartElement(), zone).isAfter(date)) {
      return false;
    }
    return !coverage.getPeriod().hasEnd()
        || !PracticeTime.dateOf(coverage.getPeriod().getEndElement(), zone).isBefore(date);
  }

  private static String whyNot(List<Coverage> coverages, LocalDate date, ZoneId zone) {
    StringBuilder why = new StringBuilder();
    for (Coverage coverage : coverages) {
      if (why.length() > 0) {
        why.append("; ");
      }
      why.append(References.of(coverage));
      if (coverage.getPeriod().hasStart()
          && PracticeTime.dateOf(coverage.getPeriod().getStartElement(), zone).isAfter(date)) {
        why.append(" begins ")
            .append(PracticeTime.dateOf(coverage.getPeriod().getStartElement(), zone));
      } else {
        why.append(" ended ")
            .append(PracticeTime.dateOf(coverage.getPeriod().getEndElement(), zone));
      }
    }
    return why.append(", and the date of service is ").append(date).toString();
  }
}
