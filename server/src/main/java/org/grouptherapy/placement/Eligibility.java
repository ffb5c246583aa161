package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.Outcomes;
import org.grouptherapy.kernel.OverrideProvenance;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.access.Callers;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Range;
import org.springframework.stereotype.Component;

/**
 * The hard eligibility rules of a group, which placement's scoring only weighs: the group's age
 * range (the person's age on the first day of membership), and its acuity limit (the most members
 * with a severe screening score). Broken, they refuse an enrolment unless it carries an {@code
 * overrideReason}; an enrolment made despite them is recorded in a Provenance naming who, why and
 * which rules it set aside. (A closed group's cohort start is the third rule; {@code
 * EnrolmentService} applies it, as it decides the membership's first day.)
 */
@Component
class Eligibility {

  private final PersonFacts persons;
  private final PlacementFacts facts;
  private final DaoRegistry daos;

  Eligibility(PersonFacts persons, PlacementFacts facts, DaoRegistry daos) {
    this.persons = persons;
    this.facts = facts;
    this.daos = daos;
  }

  /** The first day of a membership, and the rules an override sets aside for it. */
  record Admission(LocalDate start, List<String> overridden) {}

  /**
   * The membership's first day and the eligibility rules it breaks: refused (422, or 409 for a
   * closed group with no cohort to join) unless the request carries an overrideReason.
   */
  Admission admit(Group group, String patient, EnrolmentService.Request request, LocalDate today) {
    List<String> overridden = new ArrayList<>();
    LocalDate start = startDate(group, request, today, overridden);
    if (request.end() != null && request.end().isBefore(start)) {
      throw InvalidParameter.unprocessable("period", "period.end is before period.start");
    }
    overridden.addAll(problems(group, patient, start));
    if (!overridden.isEmpty() && request.overrideReason() == null) {
      throw InvalidParameter.unprocessable(
          "patient",
          String.join("; ", overridden)
              + ". To enrol anyway, send overrideReason (it is recorded with who sent it)");
    }
    return new Admission(start, List.copyOf(overridden));
  }

  /**
   * The membership's first day: as asked, or today; a closed group's next cohort start. Joining a
   * closed group outside its cohort start is a rule the enrolment's overrideReason may set aside
   * (added to {@code overridden}).
   */
  private static LocalDate startDate(
      Group group, EnrolmentService.Request request, LocalDate today, List<String> overridden) {
    boolean closed =
        "closed"
            .equals(TherapyGroup.code(group, SchedulingCodes.GROUP_ENROLMENT_MODE).orElse("open"));
    if (!closed) {
      return request.start() == null ? today : request.start();
    }
    Optional<LocalDate> cohort = PlacementFacts.cohortStart(group);
    boolean atCohortStart =
        cohort.isPresent()
            && !cohort.get().isBefore(today)
            && (request.start() == null || request.start().equals(cohort.get()));
    if (!atCohortStart && request.overrideReason() != null) {
      overridden.add(
          group.getName()
              + " has closed enrolment"
              + cohort.map(c -> " (cohort start " + c + ")").orElse(""));
      return request.start() == null ? today : request.start();
    }
    if (cohort.isEmpty() || cohort.get().isBefore(today)) {
      throw new BookingConflictException(
          List.of(
              group.getName()
                  + " has closed enrolment and no upcoming cohort start: members join only"
                  + " when a new cohort starts"),
          "patient");
    }
    if (request.start() != null && !request.start().equals(cohort.get())) {
      throw InvalidParameter.unprocessable(
          "period",
          group.getName()
              + " has closed enrolment: members join at the cohort start "
              + cohort.get());
    }
    return cohort.get();
  }

  /** What keeps the person out of the group from {@code start}; empty if nothing does. */
  List<String> problems(Group group, String patient, LocalDate start) {
    List<String> problems = new ArrayList<>();
    ageProblem(group, patient, start).ifPresent(problems::add);
    acuityProblem(group, patient, start).ifPresent(problems::add);
    return problems;
  }

  private java.util.Optional<String> ageProblem(Group group, String patient, LocalDate start) {
    Extension extension = group.getExtensionByUrl(IntakeCodes.GROUP_AGE_RANGE);
    if (extension == null || !(extension.getValue() instanceof Range range)) {
      return java.util.Optional.empty();
    }
    Integer low = range.hasLow() ? range.getLow().getValue().intValue() : null;
    Integer high = range.hasHigh() ? range.getHigh().getValue().intValue() : null;
    String ages =
        (low == null ? "up to " + high : high == null ? low + " and over" : low + "-" + high);
    Patient person = persons.patients(List.of(patient)).get(patient);
    if (person == null || !person.hasBirthDate()) {
      return java.util.Optional.of(
          patient
              + " has no birth date, and "
              + group.getName()
              + " takes ages "
              + ages
              + ": record the birth date first");
    }
    LocalDate born = LocalDate.parse(person.getBirthDateElement().getValueAsString());
    int age = Period.between(born, start).getYears();
    if ((low != null && age < low) || (high != null && age > high)) {
      return java.util.Optional.of(
          patient
              + " is "
              + age
              + " on "
              + start
              + ", outside "
              + group.getName()
              + "'s age range "
              + ages);
    }
    return java.util.Optional.empty();
  }

  private java.util.Optional<String> acuityProblem(Group group, String patient, LocalDate start) {
    Extension extension = group.getExtensionByUrl(IntakeCodes.GROUP_ACUITY_LIMIT);
    if (extension == null || !(extension.getValue() instanceof PositiveIntType limit)) {
      return java.util.Optional.empty();
    }
    List<String> members = new ArrayList<>(facts.activeMembers(group, start));
    members.remove(patient);
    List<String> asked = new ArrayList<>(members);
    asked.add(patient);
    Map<String, Map<String, Integer>> scores = persons.latestScores(asked);
    if (PlacementFacts.severe(List.of(patient), scores) == 0) {
      return java.util.Optional.empty();
    }
    int severe = PlacementFacts.severe(members, scores);
    if (severe < limit.getValue()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        group.getName()
            + " is at its acuity limit ("
            + severe
            + " of "
            + limit.getValue()
            + " members with a severe screening score), and "
            + patient
            + "'s latest screening is severe");
  }

  /**
   * For an enrolment made despite the rules: a warning in the outcome, and a Provenance of who,
   * when, why and which rules. Nothing when no rule was set aside.
   */
  void recordOverride(
      Group group,
      String patient,
      EnrolmentService.Request request,
      Admission admission,
      OperationOutcome outcome) {
    List<String> problems = admission.overridden();
    if (problems.isEmpty()) {
      return;
    }
    String reason = request.overrideReason();
    Outcomes.warning(
        outcome,
        OperationOutcome.IssueType.BUSINESSRULE,
        "Enrolled despite: " + String.join("; ", problems) + " (reason recorded: " + reason + ")");
    Provenance provenance =
        OverrideProvenance.of(
            References.of(group),
            "Enrolled despite eligibility rules: " + reason,
            "TREAT",
            Callers.agent(request.actor(), "the server"),
            problems);
    provenance.getActivity().setText("Enrolment of " + patient + " past the group's rules");
    provenance
        .addEntity()
        .setRole(Provenance.ProvenanceEntityRole.SOURCE)
        .getWhat()
        .setReference(patient);
    daos.getResourceDao(Provenance.class).create(provenance, new SystemRequestDetails());
  }
}
