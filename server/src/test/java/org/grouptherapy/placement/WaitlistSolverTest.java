package org.grouptherapy.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The solver against every possible assignment, on instances small enough to enumerate. */
class WaitlistSolverTest {

  @Test
  void findsTheOptimumOnRandomSmallInstances() {
    Random random = new Random(42);
    for (int instance = 0; instance < 300; instance++) {
      int people = 1 + random.nextInt(6);
      int groups = 1 + random.nextInt(3);
      List<WaitlistSolver.Seats> seats = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        seats.add(
            new WaitlistSolver.Seats(
                random.nextInt(3), random.nextBoolean() ? -1 : random.nextInt(2)));
      }
      List<WaitlistSolver.Candidate> candidates = new ArrayList<>();
      boolean[] severe = new boolean[people];
      for (int p = 0; p < people; p++) {
        severe[p] = random.nextInt(3) == 0;
        for (int g = 0; g < groups; g++) {
          if (random.nextInt(4) > 0) {
            candidates.add(new WaitlistSolver.Candidate(p, g, 1 + random.nextInt(1000), severe[p]));
          }
        }
      }
      int[] solved = WaitlistSolver.solve(people, seats, candidates);
      assertThat(feasible(solved, seats, candidates, severe)).as("instance " + instance).isTrue();
      assertThat(total(solved, candidates))
          .as("instance " + instance)
          .isEqualTo(best(0, new int[people], seats, candidates, severe));
      int[] byHand = WaitlistSolver.firstComeFirstServed(people, seats, candidates);
      assertThat(feasible(byHand, seats, candidates, severe)).as("instance " + instance).isTrue();
      assertThat(total(byHand, candidates)).isLessThanOrEqualTo(total(solved, candidates));
    }
  }

  @Test
  void solvesAPracticeSizedWaitlist() {
    Random random = new Random(7);
    int people = 5_000;
    List<WaitlistSolver.Seats> seats = new ArrayList<>();
    for (int g = 0; g < 500; g++) {
      seats.add(new WaitlistSolver.Seats(1 + random.nextInt(6), g % 5 == 0 ? 1 : -1));
    }
    List<WaitlistSolver.Candidate> candidates = new ArrayList<>();
    boolean[] severe = new boolean[people];
    for (int p = 0; p < people; p++) {
      severe[p] = random.nextInt(10) == 0;
      for (int g = 0; g < 500; g++) {
        if (random.nextInt(10) == 0) {
          candidates.add(new WaitlistSolver.Candidate(p, g, 1 + random.nextInt(1000), severe[p]));
        }
      }
    }
    int[] solved = WaitlistSolver.solve(people, seats, candidates);
    int[] byHand = WaitlistSolver.firstComeFirstServed(people, seats, candidates);
    assertThat(feasible(solved, seats, candidates, severe)).isTrue();
    assertThat(total(solved, candidates)).isGreaterThan(total(byHand, candidates));
  }

  @Test
  void leavesPeopleWaitingRatherThanBreakingAnAcuityLimit() {
    List<WaitlistSolver.Seats> seats = List.of(new WaitlistSolver.Seats(3, 1));
    List<WaitlistSolver.Candidate> candidates =
        List.of(
            new WaitlistSolver.Candidate(0, 0, 900, true),
            new WaitlistSolver.Candidate(1, 0, 800, true),
            new WaitlistSolver.Candidate(2, 0, 100, false));
    assertThat(WaitlistSolver.solve(3, seats, candidates)).containsExactly(0, -1, 0);
  }

  private static long best(
      int person,
      int[] choice,
      List<WaitlistSolver.Seats> seats,
      List<WaitlistSolver.Candidate> candidates,
      boolean[] severe) {
    if (person == choice.length) {
      return feasible(choice, seats, candidates, severe)
          ? total(choice, candidates)
          : Long.MIN_VALUE;
    }
    long best = Long.MIN_VALUE;
    for (int g = -1; g < seats.size(); g++) {
      int group = g;
      if (g >= 0
          && candidates.stream().noneMatch(c -> c.person() == person && c.group() == group)) {
        continue;
      }
      choice[person] = g;
      best = Math.max(best, best(person + 1, choice, seats, candidates, severe));
    }
    choice[person] = -1;
    return best;
  }

  private static boolean feasible(
      int[] choice,
      List<WaitlistSolver.Seats> seats,
      List<WaitlistSolver.Candidate> candidates,
      boolean[] severe) {
    for (int g = 0; g < seats.size(); g++) {
      int taken = 0;
      int severeTaken = 0;
      for (int p = 0; p < choice.length; p++) {
        if (choice[p] == g) {
          taken++;
          severeTaken += severe[p] ? 1 : 0;
        }
      }
      if (taken > seats.get(g).open()
          || (seats.get(g).severeRoom() >= 0 && severeTaken > seats.get(g).severeRoom())) {
        return false;
      }
    }
    return true;
  }

  private static long total(int[] choice, List<WaitlistSolver.Candidate> candidates) {
    long total = 0;
    for (int p = 0; p < choice.length; p++) {
      int person = p;
      if (choice[p] >= 0) {
        total +=
            candidates.stream()
                .filter(c -> c.person() == person && c.group() == choice[person])
                .findFirst()
                .orElseThrow()
                .score();
      }
    }
    return total;
  }
}
