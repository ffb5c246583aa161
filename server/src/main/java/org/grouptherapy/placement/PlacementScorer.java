package org.grouptherapy.placement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The placement score of one person for one group, with its parts and reasons in words, or the
 * reasons the group is out of the question. Pure: the same facts give the same answer.
 *
 * <p>Weights: clinical fit 0.35, schedule fit 0.25, readiness 0.15, composition 0.15, capacity
 * 0.10. Each part is between 0 and 1; the score is rounded to three decimals.
 */
public final class PlacementScorer {

  static final double CLINICAL = 0.35;
  static final double SCHEDULE = 0.25;
  static final double READINESS = 0.15;
  static final double COMPOSITION = 0.15;
  static final double CAPACITY = 0.10;

  private static final Set<String> LIGHTER_MODALITIES =
      Set.of("support", "psychoeducation", "mindfulness-based", "social-skills");

  private PlacementScorer() {}

  /** What placement knows of a person. */
  public record Person(
      String id,
      Integer age,
      List<String> conditions,
      Integer phq9,
      Integer gad7,
      Integer readiness,
      boolean reviewRequired,
      Set<String> availability,
      String mode) {

    boolean severe() {
      return (phq9 != null && phq9 >= 20) || (gad7 != null && gad7 >= 15);
    }
  }

  /** What placement knows of a group. */
  public record GroupFacts(
      String id,
      String name,
      String modality,
      List<String> focus,
      Integer ageLow,
      Integer ageHigh,
      String status,
      boolean closed,
      LocalDate cohortStart,
      int maximum,
      int members,
      int waitlist,
      boolean virtual,
      Set<String> windows,
      String nextSession,
      Double medianAge,
      Integer acuityLimit,
      int severeMembers) {

    public int openSeats() {
      return Math.max(0, maximum - members);
    }
  }

  /** A ranked fit: the score, its parts and reasons; or exclusion reasons. */
  public record Fit(
      GroupFacts group,
      double score,
      double clinical,
      double readiness,
      double schedule,
      double composition,
      double capacity,
      List<String> reasons,
      List<String> clinicalReasons,
      List<String> excludedBecause) {

    public boolean excluded() {
      return !excludedBecause.isEmpty();
    }

    /**
     * The reasons without clinical content (focus against diagnoses, symptom severity, readiness):
     * what a VA may read, with one line saying the clinical fit was weighed.
     */
    public List<String> practicalReasons() {
      List<String> practical = new ArrayList<>();
      if (!clinicalReasons.isEmpty()) {
        practical.add(CLINICAL_WEIGHED);
      }
      reasons.stream().filter(r -> !clinicalReasons.contains(r)).forEach(practical::add);
      return practical;
    }
  }

  /** Said in place of clinical reasons to those who may not read them. */
  public static final String CLINICAL_WEIGHED =
      "Clinical fit and readiness weighed from the referral and screening (the screening"
          + " therapist sees the details)";

  public static Fit fit(Person person, GroupFacts group, LocalDate today) {
    List<String> excluded = exclusions(person, group, today);
    if (!excluded.isEmpty()) {
      return new Fit(group, 0, 0, 0, 0, 0, 0, List.of(), List.of(), excluded);
    }
    List<String> reasons = new ArrayList<>();
    double clinical = clinical(person, group, reasons);
    double readiness;
    if (person.readiness() == null) {
      readiness = 0.5;
    } else {
      readiness = person.readiness() / 24.0;
      reasons.add("Group readiness " + person.readiness() + "/24");
    }
    List<String> clinicalReasons = List.copyOf(reasons);
    double schedule = schedule(person, group, reasons);
    double composition;
    if (group.medianAge() == null || person.age() == null) {
      composition = 0.5;
    } else {
      double gap = Math.abs(group.medianAge() - person.age());
      composition = Math.max(0, 1 - gap / 20.0);
      reasons.add(
          "Members' median age "
              + Math.round(group.medianAge())
              + ", the person's "
              + person.age());
    }
    double capacity = capacity(group, reasons);
    if (group.closed()) {
      reasons.add("Closed group: joins at the cohort start " + group.cohortStart());
    }
    double score =
        round(
            CLINICAL * clinical
                + READINESS * readiness
                + SCHEDULE * schedule
                + COMPOSITION * composition
                + CAPACITY * capacity);
    return new Fit(
        group,
        score,
        round(clinical),
        round(readiness),
        round(schedule),
        round(composition),
        round(capacity),
        reasons,
        clinicalReasons,
        List.of());
  }

  /** Why the group cannot take the person at all (empty when it can). */
  static List<String> exclusions(Person person, GroupFacts group, LocalDate today) {
    List<String> out = new ArrayList<>();
    if ("ended".equals(group.status()) || "paused".equals(group.status())) {
      out.add("The group is " + group.status());
    }
    if (person.age() != null
        && ((group.ageLow() != null && person.age() < group.ageLow())
            || (group.ageHigh() != null && person.age() > group.ageHigh()))) {
      out.add(
          "Age "
              + person.age()
              + " is outside the group's range "
              + (group.ageLow() == null ? "" : group.ageLow())
              + "-"
              + (group.ageHigh() == null ? "" : group.ageHigh()));
    }
    if ("in-person".equals(person.mode()) && group.virtual()) {
      out.add("Meets by video; the person wants to meet in person");
    } else if ("virtual".equals(person.mode()) && !group.virtual()) {
      out.add("Meets in person; the person wants to meet by video");
    }
    if (group.closed() && (group.cohortStart() == null || group.cohortStart().isBefore(today))) {
      out.add("Closed enrolment and no upcoming cohort start");
    }
    if (!group.windows().isEmpty() && fitting(person, group) == 0) {
      out.add(
          "No session time fits the person's availability (meets "
              + String.join(", ", group.windows().stream().sorted().toList())
              + ")");
    }
    return out;
  }

  private static long fitting(Person person, GroupFacts group) {
    return group.windows().stream().filter(w -> person.availability().contains(w)).count();
  }

  /** Clinical fit: the group's focus against the person's conditions, lighter for severe scores. */
  private static double clinical(Person person, GroupFacts group, List<String> reasons) {
    double focus;
    if (group.focus().isEmpty()) {
      focus = 0.5;
      reasons.add("The group names no clinical focus");
    } else {
      List<String> matched =
          person.conditions().stream()
              .filter(c -> group.focus().stream().anyMatch(f -> c.startsWith(f)))
              .distinct()
              .sorted()
              .toList();
      if (matched.isEmpty()) {
        focus = 0.2;
        reasons.add(
            "Its focus ("
                + String.join(", ", group.focus())
                + ") matches none of the referral reasons or conditions");
      } else {
        focus = 1.0;
        reasons.add("Its focus matches " + String.join(", ", matched));
      }
    }
    double intensity = 1.0;
    if (person.severe() && LIGHTER_MODALITIES.contains(group.modality())) {
      intensity = 0.7;
      reasons.add(
          "Severe symptom scores: a " + group.modality() + " group may be too light on its own");
    }
    return focus * intensity;
  }

  /** The share of the group's session times inside the person's availability. */
  private static double schedule(Person person, GroupFacts group, List<String> reasons) {
    if (group.windows().isEmpty()) {
      reasons.add("No sessions scheduled in the next four weeks");
      return 0.5;
    }
    long fitting = fitting(person, group);
    reasons.add(
        "Meets "
            + String.join(", ", group.windows().stream().sorted().toList())
            + (fitting == group.windows().size()
                ? ", inside the person's availability"
                : ", partly inside the person's availability"));
    return (double) fitting / group.windows().size();
  }

  /** Open seats: none scores 0 (with the waitlist place it would take). */
  private static double capacity(GroupFacts group, List<String> reasons) {
    int open = group.openSeats();
    if (open <= 0) {
      reasons.add(
          "Full ("
              + group.members()
              + "/"
              + group.maximum()
              + "): would be number "
              + (group.waitlist() + 1)
              + " on the waitlist");
      return 0;
    }
    reasons.add(open + " open seat" + (open == 1 ? "" : "s") + " of " + group.maximum());
    return Math.min(1.0, 0.4 + 0.2 * open);
  }

  static double round(double value) {
    return BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP).doubleValue();
  }
}
