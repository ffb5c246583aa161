package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;

/** {@code Patient/[id]/$place} and {@code Group/$place-waitlist}. */
@Service
public class PlacementService {

  private final PlacementFacts facts;
  private final PersonFacts persons;
  private final EnrolmentService enrolment;
  private final DaoRegistry daos;
  private final MeterRegistry meters;

  PlacementService(
      PlacementFacts facts,
      PersonFacts persons,
      EnrolmentService enrolment,
      DaoRegistry daos,
      MeterRegistry meters) {
    this.meters = meters;
    this.facts = facts;
    this.persons = persons;
    this.enrolment = enrolment;
    this.daos = daos;
  }

  /**
   * @param clinicalDetail whether the caller may read the person's clinical data: without it the
   *     clinical parts and reasons are left out (see {@link PlacementScorer.Fit#practicalReasons})
   */
  public Parameters place(String patientId, int count, boolean clinicalDetail) {
    PlacementScorer.Person person = persons.person(patientId);
    Map<String, PlacementScorer.GroupFacts> groups = facts.groups(false);
    LocalDate today = facts.today();
    List<PlacementScorer.Fit> fits = new ArrayList<>();
    List<PlacementScorer.Fit> excluded = new ArrayList<>();
    for (PlacementScorer.GroupFacts group : groups.values()) {
      PlacementScorer.Fit fit = PlacementScorer.fit(person, group, today);
      (fit.excluded() ? excluded : fits).add(fit);
    }
    fits.sort(
        Comparator.comparingDouble(PlacementScorer.Fit::score)
            .reversed()
            .thenComparing(f -> f.group().id()));
    excluded.sort(Comparator.comparing(f -> f.group().id()));
    Parameters out = new Parameters();
    out.addParameter().setName("reviewRequired").setValue(new BooleanType(person.reviewRequired()));
    if (person.reviewRequired()) {
      OperationOutcome outcome = new OperationOutcome();
      outcome
          .addIssue()
          .setSeverity(OperationOutcome.IssueSeverity.WARNING)
          .setCode(OperationOutcome.IssueType.BUSINESSRULE)
          .setDiagnostics(
              "A screening answer needs a clinician's review: the ranking is advice; enrolment waits"
                  + " until the clinician-review Flag is inactive");
      out.addParameter().setName("outcome").setResource(outcome);
    }
    for (PlacementScorer.Fit fit : fits.subList(0, Math.min(count, fits.size()))) {
      Parameters.ParametersParameterComponent candidate = out.addParameter().setName("candidate");
      candidate.addPart().setName("group").setValue(groupReference(fit.group()));
      candidate.addPart().setName("score").setValue(decimal(fit.score()));
      if (clinicalDetail) {
        candidate.addPart().setName("clinicalFit").setValue(decimal(fit.clinical()));
        candidate.addPart().setName("readiness").setValue(decimal(fit.readiness()));
      }
      candidate.addPart().setName("scheduleFit").setValue(decimal(fit.schedule()));
      candidate.addPart().setName("composition").setValue(decimal(fit.composition()));
      candidate.addPart().setName("capacity").setValue(decimal(fit.capacity()));
      if (fit.group().closed() && fit.group().cohortStart() != null) {
        candidate
            .addPart()
            .setName("joins")
            .setValue(new DateTimeType(fit.group().cohortStart().toString()));
      }
      if (fit.group().openSeats() == 0) {
        candidate
            .addPart()
            .setName("waitlistPosition")
            .setValue(new IntegerType(fit.group().waitlist() + 1));
      }
      (clinicalDetail ? fit.reasons() : fit.practicalReasons())
          .forEach(r -> candidate.addPart().setName("reason").setValue(new StringType(r)));
    }
    for (PlacementScorer.Fit fit : excluded) {
      Parameters.ParametersParameterComponent out2 = out.addParameter().setName("excluded");
      out2.addPart().setName("group").setValue(groupReference(fit.group()));
      fit.excludedBecause()
          .forEach(r -> out2.addPart().setName("reason").setValue(new StringType(r)));
    }
    return out;
  }

  private static Reference groupReference(PlacementScorer.GroupFacts group) {
    return new Reference(group.id()).setDisplay(group.name());
  }

  private static DecimalType decimal(double value) {
    return new DecimalType(BigDecimal.valueOf(value).setScale(3));
  }

  // --- the waitlist
  // -------------------------------------------------------------------------------

  /** One proposed assignment. */
  record Assignment(String patient, String group, double score, List<String> reasons) {}

  /** An assignment a person accepted: the patient into the group. */
  public record Accepted(String patient, String group) {}

  public Parameters placeWaitlist(boolean apply, List<Accepted> accepted, boolean clinicalDetail) {
    if (apply) {
      return applyAssignments(accepted);
    }
    // Every group read once: their facts, and who was placed when (for stale waitlist entries).
    List<org.hl7.fhir.r4.model.Group> all = phase("groups").record(facts::therapyGroups);
    Map<String, PlacementScorer.GroupFacts> groups =
        phase("groups").record(() -> facts.groups(all, true));
    List<PlacementScorer.GroupFacts> open =
        groups.values().stream().filter(g -> g.openSeats() > 0).toList();
    Map<String, String> left = new LinkedHashMap<>();
    List<PlacementScorer.Person> persons =
        phase("people").record(() -> screened(waiting(all), left));
    LocalDate today = facts.today();
    boolean[] fitsSomewhere = new boolean[persons.size()];
    List<WaitlistSolver.Candidate> candidates =
        phase("scoring").record(() -> candidates(persons, open, today, fitsSomewhere));
    List<WaitlistSolver.Seats> seats = open.stream().map(PlacementService::seats).toList();
    int[] assigned =
        phase("solving").record(() -> WaitlistSolver.solve(persons.size(), seats, candidates));
    Parameters out = new Parameters();
    BigDecimal total = BigDecimal.ZERO.setScale(3);
    for (int p = 0; p < persons.size(); p++) {
      String id = persons.get(p).id();
      if (assigned[p] < 0) {
        left.put(
            id,
            fitsSomewhere[p]
                ? "Open seats went to better-fitting people; stays on the waitlist"
                : "No group with an open seat fits (age, mode, schedule or enrolment)");
        continue;
      }
      // Only the chosen pairs are explained: scoring them again is cheaper than keeping every fit.
      PlacementScorer.Fit fit = PlacementScorer.fit(persons.get(p), open.get(assigned[p]), today);
      total = total.add(BigDecimal.valueOf(fit.score()).setScale(3, RoundingMode.HALF_UP));
      Parameters.ParametersParameterComponent a = out.addParameter().setName("assignment");
      a.addPart().setName("patient").setValue(new Reference(id));
      a.addPart().setName("group").setValue(groupReference(fit.group()));
      a.addPart().setName("score").setValue(decimal(fit.score()));
      (clinicalDetail ? fit.reasons() : fit.practicalReasons())
          .forEach(r -> a.addPart().setName("reason").setValue(new StringType(r)));
    }
    left.forEach(
        (id, why) -> {
          Parameters.ParametersParameterComponent u = out.addParameter().setName("unassigned");
          u.addPart().setName("patient").setValue(new Reference(id));
          u.addPart().setName("reason").setValue(new StringType(why));
        });
    out.addParameter().setName("totalScore").setValue(new DecimalType(total));
    out.addParameter()
        .setName("firstComeFirstServedScore")
        .setValue(new DecimalType(firstComeFirstServed(persons.size(), seats, candidates)));
    out.addParameter()
        .setName("method")
        .setValue(
            new StringType(
                "exact: minimum-cost flow over "
                    + persons.size()
                    + " people, "
                    + open.size()
                    + " groups with open seats, "
                    + candidates.size()
                    + " feasible pairs"));
    return out;
  }

  /** The time of one phase of $place-waitlist (metric gt.placement.waitlist, tag phase). */
  private Timer phase(String name) {
    return Timer.builder("gt.placement.waitlist")
        .description("Phases of Group/$place-waitlist")
        .tag("phase", name)
        .register(meters);
  }

  /**
   * Everyone waiting, in waitlist order (oldest lists first, then their entries); not those placed
   * in a group on or after the day they were listed.
   */
  private List<String> waiting(List<org.hl7.fhir.r4.model.Group> groups) {
    SystemRequestDetails read = new SystemRequestDetails();
    Map<String, LocalDate> placed = facts.latestPlacements(groups);
    Set<String> waiting = new LinkedHashSet<>();
    List<ListResource> lists = new ArrayList<>(facts.waitlists(read));
    lists.sort(Comparator.comparing(References::of, References.BY_ID));
    for (ListResource list : lists) {
      list.getEntry().stream()
          .filter(e -> !e.getDeleted() && e.getItem().hasReference())
          .filter(e -> !placedSinceListed(e, placed.get(References.of(e.getItem()))))
          .forEach(e -> waiting.add(References.of(e.getItem())));
    }
    return new ArrayList<>(waiting);
  }

  private boolean placedSinceListed(ListResource.ListEntryComponent entry, LocalDate placedOn) {
    if (placedOn == null) {
      return false;
    }
    if (!entry.hasDate()) {
      return true;
    }
    return !placedOn.isBefore(PracticeTime.dateOf(entry.getDate().toInstant(), facts.zone()));
  }

  /**
   * The facts of the people who can be placed, read in bulk; those who cannot (not screened, under
   * clinician review) go into {@code left} with the reason.
   */
  private List<PlacementScorer.Person> screened(List<String> people, Map<String, String> left) {
    List<String> asked = people.isEmpty() ? List.of("Patient/none") : people;
    Map<String, Map<String, Integer>> scores = persons.latestScores(asked);
    Map<String, QuestionnaireResponse> readiness = persons.readinessResponses(asked);
    Map<String, Patient> patients = persons.patients(people);
    Map<String, List<String>> conditions = persons.conditions(people);
    Set<String> underReview = persons.underClinicianReview(people);
    List<PlacementScorer.Person> screened = new ArrayList<>();
    for (String id : people) {
      Patient patient = patients.get(id);
      PlacementScorer.Person person =
          patient == null
              ? null
              : persons.personOrNull(
                  patient,
                  scores.getOrDefault(id, Map.of()),
                  readiness.get(id),
                  conditions.getOrDefault(id, List.of()),
                  underReview.contains(id));
      if (person == null) {
        left.put(id, "Not screened (group readiness and PHQ-9 or GAD-7 needed)");
      } else if (person.reviewRequired()) {
        left.put(id, "Waiting for a clinician's review of screening");
      } else {
        screened.add(person);
      }
    }
    return screened;
  }

  /** Every feasible (person, group) pair with its score; marks who fits somewhere. */
  private static List<WaitlistSolver.Candidate> candidates(
      List<PlacementScorer.Person> persons,
      List<PlacementScorer.GroupFacts> open,
      LocalDate today,
      boolean[] fitsSomewhere) {
    List<WaitlistSolver.Candidate> candidates = new ArrayList<>();
    for (int p = 0; p < persons.size(); p++) {
      for (int g = 0; g < open.size(); g++) {
        PlacementScorer.Fit fit = PlacementScorer.fit(persons.get(p), open.get(g), today);
        if (!fit.excluded() && fit.score() > 0) {
          candidates.add(
              new WaitlistSolver.Candidate(
                  p, g, (int) Math.round(fit.score() * 1000), persons.get(p).severe()));
          fitsSomewhere[p] = true;
        }
      }
    }
    return candidates;
  }

  /** A group's open seats, and how many of them may go to people with severe scores. */
  private static WaitlistSolver.Seats seats(PlacementScorer.GroupFacts group) {
    return new WaitlistSolver.Seats(
        group.openSeats(),
        group.acuityLimit() == null
            ? -1
            : Math.max(0, group.acuityLimit() - group.severeMembers()));
  }

  /** What placing in waitlist order would have reached, for comparison. */
  private static BigDecimal firstComeFirstServed(
      int people, List<WaitlistSolver.Seats> seats, List<WaitlistSolver.Candidate> candidates) {
    int[] byHand = WaitlistSolver.firstComeFirstServed(people, seats, candidates);
    BigDecimal total = BigDecimal.ZERO.setScale(3);
    for (WaitlistSolver.Candidate c : candidates) {
      if (byHand[c.person()] == c.group()) {
        total = total.add(BigDecimal.valueOf(c.score(), 3));
      }
    }
    return total;
  }

  /**
   * Enrols each accepted assignment through $member-add's path, each in its own transaction: one
   * that no longer holds (the seat went, a consent lapsed) is reported, and the others go on.
   */
  private Parameters applyAssignments(List<Accepted> accepted) {
    if (accepted.isEmpty()) {
      throw InvalidParameter.malformed(
          "assignment",
          "apply=true needs the accepted assignments (assignment with patient and group parts)");
    }
    Parameters out = new Parameters();
    OperationOutcome outcome = new OperationOutcome();
    int enrolled = 0;
    for (Accepted pair : accepted) {
      String patient = pair.patient();
      String group = pair.group();
      try {
        enrolment.add(group, new EnrolmentService.Request(patient, null, null, false));
        enrolled++;
        Parameters.ParametersParameterComponent a = out.addParameter().setName("assignment");
        a.addPart().setName("patient").setValue(new Reference(patient));
        a.addPart().setName("group").setValue(new Reference(group));
        outcome
            .addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
            .setCode(OperationOutcome.IssueType.INFORMATIONAL)
            .setDiagnostics(patient + " enrolled in " + group);
      } catch (BookingConflictException | InvalidParameter e) {
        outcome
            .addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.ERROR)
            .setCode(OperationOutcome.IssueType.CONFLICT)
            .setDiagnostics(patient + " not enrolled in " + group + ": " + e.getMessage());
      } catch (ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException e) {
        outcome
            .addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.ERROR)
            .setCode(OperationOutcome.IssueType.NOTFOUND)
            .setDiagnostics(patient + " not enrolled in " + group + ": " + e.getMessage());
      }
    }
    out.addParameter().setName("totalScore").setValue(new DecimalType(0));
    out.addParameter()
        .setName("method")
        .setValue(
            new StringType("applied " + enrolled + " of " + accepted.size() + " assignments"));
    out.addParameter().setName("outcome").setResource(outcome);
    return out;
  }
}
