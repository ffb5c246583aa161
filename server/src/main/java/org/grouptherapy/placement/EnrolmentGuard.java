package org.grouptherapy.placement;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.intake.Consents;
import org.grouptherapy.kernel.BookingConflictException;
import org.grouptherapy.kernel.TherapyGroup;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.stereotype.Component;

/**
 * The enrolment rules on every write of a therapy group, whatever the path (REST, transaction,
 * operation): no more active members than the group's maximum (409), and no member added by a
 * client without the consents the group requires or outside its eligibility rules (age range,
 * acuity limit; 422). The server's own enrolments ({@code $member-add}) have checked both under the
 * group's lock already; the demo load brings its signed consents with it.
 */
@Component
class EnrolmentGuard implements FhirStorageInterceptor {

  private final Consents consents;
  private final PlacementFacts facts;
  private final org.grouptherapy.kernel.CalendarDirectory directory;
  private final Eligibility eligibility;

  EnrolmentGuard(
      Consents consents,
      PlacementFacts facts,
      org.grouptherapy.kernel.CalendarDirectory directory,
      Eligibility eligibility) {
    this.consents = consents;
    this.facts = facts;
    this.directory = directory;
    this.eligibility = eligibility;
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void created(IBaseResource resource, RequestDetails request) {
    if (resource instanceof Group group) {
      check(null, group, request);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    if (resource instanceof Group group) {
      check((Group) previous, group, request);
    }
  }

  private void check(Group previous, Group group, RequestDetails request) {
    if (!TherapyGroup.isTherapyGroup(group)
        || Boolean.TRUE.equals(request.getUserData().get(EnrolmentService.CHECKED))) {
      return;
    }
    List<String> active = facts.activeMembers(group, facts.today());
    int maximum = TherapyGroup.maximum(group).orElse(Integer.MAX_VALUE);
    if (active.size() > maximum) {
      throw new BookingConflictException(
          List.of(
              group.getName()
                  + " would have "
                  + active.size()
                  + " active members, above its maximum of "
                  + maximum
                  + "; end a membership or raise the capacity"));
    }
    if (request instanceof SystemRequestDetails) {
      return;
    }
    Set<String> before =
        previous == null ? Set.of() : Set.copyOf(facts.activeMembers(previous, facts.today()));
    List<String> problems = new ArrayList<>();
    boolean virtual = directory.meetsOnline(group, new SystemRequestDetails());
    for (String member : active) {
      if (before.contains(member) || !member.startsWith("Patient/")) {
        continue;
      }
      Map<String, String> missing = consents.missing(member, virtual, null);
      if (!missing.isEmpty()) {
        problems.add(
            "A member joins a group only with its required consents signed: "
                + member
                + " lacks "
                + Consents.describe(missing));
      }
      eligibility.problems(group, member, firstDay(group, member)).stream()
          .map(p -> p + " (use $member-add with overrideReason to enrol anyway)")
          .forEach(problems::add);
    }
    if (!problems.isEmpty()) {
      OperationOutcome outcome = new OperationOutcome();
      for (String problem : problems) {
        outcome
            .addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.ERROR)
            .setCode(OperationOutcome.IssueType.BUSINESSRULE)
            .setDiagnostics(problem)
            .addExpression("Group.member");
      }
      throw new UnprocessableEntityException(outcome.getIssueFirstRep().getDiagnostics(), outcome);
    }
  }

  /** The member's first day as written (a future start), else today. */
  private java.time.LocalDate firstDay(Group group, String member) {
    return group.getMember().stream()
        .filter(m -> member.equals(m.getEntity().getReference()) && m.getPeriod().hasStart())
        .map(
            m ->
                org.grouptherapy.kernel.PracticeTime.dateOf(
                    m.getPeriod().getStartElement(), facts.zoneOf(group)))
        .reduce((a, b) -> b)
        .filter(start -> start.isAfter(facts.today()))
        .orElse(facts.today());
  }
}
