package org.grouptherapy.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The placement score: its parts, its weights, the exclusions, each with the reason in words. */
class PlacementScorerTest {

  private static final LocalDate TODAY = LocalDate.of(2026, 12, 1);

  private static PlacementScorer.Person person(Integer age, Integer phq9, String mode) {
    return new PlacementScorer.Person(
        "Patient/1", age, List.of("F33.1"), phq9, null, 24, false, Set.of("mon-evening"), mode);
  }

  private static PlacementScorer.GroupFacts group(
      String modality, boolean virtual, int members, Set<String> windows) {
    return new PlacementScorer.GroupFacts(
        "Group/1",
        "Evening group",
        modality,
        List.of("F33"),
        18,
        65,
        "running",
        false,
        null,
        8,
        members,
        2,
        virtual,
        windows,
        "Appointment/9",
        40.0,
        null,
        0);
  }

  @Test
  void aPersonWhoFitsInEveryWayScoresNearTheTop() {
    PlacementScorer.Fit fit =
        PlacementScorer.fit(
            person(40, 8, "either"), group("process", false, 4, Set.of("mon-evening")), TODAY);
    assertThat(fit.excluded()).isFalse();
    assertThat(fit.clinical()).isEqualTo(1.0);
    assertThat(fit.schedule()).isEqualTo(1.0);
    assertThat(fit.readiness()).isEqualTo(1.0);
    assertThat(fit.composition()).isEqualTo(1.0);
    // 4 open seats: 0.4 + 0.2 * 4 capped at 1
    assertThat(fit.capacity()).isEqualTo(1.0);
    assertThat(fit.score()).isEqualTo(1.0);
    assertThat(fit.reasons()).anyMatch(r -> r.contains("Its focus matches F33.1"));
  }

  @Test
  void theWeightsAddUpToOne() {
    assertThat(
            PlacementScorer.CLINICAL
                + PlacementScorer.SCHEDULE
                + PlacementScorer.READINESS
                + PlacementScorer.COMPOSITION
                + PlacementScorer.CAPACITY)
        .isEqualTo(1.0);
  }

  @Test
  void severeScoresDiscountALighterModality() {
    PlacementScorer.Fit fit =
        PlacementScorer.fit(
            person(40, 22, "either"),
            group("psychoeducation", false, 4, Set.of("mon-evening")),
            TODAY);
    assertThat(fit.clinical()).isEqualTo(0.7);
    assertThat(fit.reasons()).anyMatch(r -> r.contains("may be too light"));
  }

  @Test
  void aFullGroupScoresNoCapacityAndSaysTheWaitlistPlace() {
    PlacementScorer.Fit fit =
        PlacementScorer.fit(
            person(40, 8, "either"), group("process", false, 8, Set.of("mon-evening")), TODAY);
    assertThat(fit.capacity()).isZero();
    assertThat(fit.reasons()).anyMatch(r -> r.contains("would be number 3 on the waitlist"));
  }

  @Test
  void exclusionsAreReasonsNotScores() {
    PlacementScorer.GroupFacts evening = group("process", false, 4, Set.of("mon-evening"));
    assertThat(PlacementScorer.fit(person(17, 8, "either"), evening, TODAY).excludedBecause())
        .containsExactly("Age 17 is outside the group's range 18-65");
    assertThat(PlacementScorer.fit(person(40, 8, "virtual"), evening, TODAY).excludedBecause())
        .containsExactly("Meets in person; the person wants to meet by video");
    PlacementScorer.GroupFacts morning = group("process", false, 4, Set.of("tue-morning"));
    assertThat(PlacementScorer.fit(person(40, 8, "either"), morning, TODAY).excludedBecause())
        .singleElement()
        .asString()
        .contains("No session time fits");
    PlacementScorer.Fit excluded = PlacementScorer.fit(person(17, 8, "virtual"), evening, TODAY);
    assertThat(excluded.score()).isZero();
    assertThat(excluded.excludedBecause()).hasSize(2);
  }

  @Test
  void theSameFactsGiveTheSameAnswer() {
    PlacementScorer.GroupFacts facts =
        group("process", true, 5, Set.of("mon-evening", "wed-evening"));
    assertThat(PlacementScorer.fit(person(33, 12, "either"), facts, TODAY))
        .isEqualTo(PlacementScorer.fit(person(33, 12, "either"), facts, TODAY));
  }
}
