package org.grouptherapy.placement;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;
import static org.grouptherapy.kernel.access.OperationPermit.onType;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import java.util.Set;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.LocalDates;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.OperationParameters;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.access.CallerGrants;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.stereotype.Component;

/**
 * Placement and enrolment: {@code Patient/[id]/$place}, {@code Group/[id]/$member-add}, {@code
 * $member-remove} and {@code Group/$place-waitlist}.
 */
@Component
class PlacementOperations implements FhirOperationProvider, OperationAccess {

  private final PlacementService placement;
  private final EnrolmentService enrolment;
  private final PracticeTime time;
  private final Callers callers;

  PlacementOperations(
      PlacementService placement, EnrolmentService enrolment, PracticeTime time, Callers callers) {
    this.callers = callers;
    this.placement = placement;
    this.enrolment = enrolment;
    this.time = time;
  }

  @Override
  public List<OperationPermit> permits() {
    String enrols =
        "Group and Appointment write anywhere (user/Group.cu user/Appointment.cu): a VA, an"
            + " administrator or a system client";
    return List.of(
        // $place reads the person's screening: whoever may read their Observations (a
        // therapist: their caseload, including the people they screen) gets its clinical
        // reasons; a VA gets the ranking with practical reasons only.
        new OperationPermit(
            OperationNames.PLACE,
            OperationPermit.Level.INSTANCE,
            Patient.class,
            g ->
                g.caller().has(Role.VA) && g.writesAnywhere("Group")
                    ? OperationPermit.Reach.ANY
                    : g.reads("Observation"),
            "Observation read for the person (user/Observation.r): an administrator, or a"
                + " therapist for their caseload; or a VA (Group write), without the clinical"
                + " reasons"),
        onInstances(OperationNames.MEMBER_ADD, Group.class, PlacementOperations::enrols, enrols),
        onInstances(OperationNames.MEMBER_REMOVE, Group.class, PlacementOperations::enrols, enrols),
        onType(
            OperationNames.PLACE_WAITLIST,
            Group.class,
            g -> enrols(g) && (g.readsAnywhere("Observation") || g.caller().has(Role.VA)),
            "Group and Appointment write and Observation read anywhere: an administrator or a"
                + " system client; or a VA, without the clinical reasons"));
  }

  private static boolean enrols(CallerGrants grants) {
    return grants.writesAnywhere("Group") && grants.writesAnywhere("Appointment");
  }

  /** GET Patient/[id]/$place */
  @Operation(name = OperationNames.PLACE, type = Patient.class, idempotent = true)
  public Parameters place(
      @IdParam IdType patient,
      @OperationParam(name = "_count", max = 1) IntegerType count,
      RequestDetails request) {
    int limit =
        count == null || count.getValue() == null
            ? 10
            : Math.max(1, Math.min(100, count.getValue()));
    return placement.place(
        References.unversioned(patient.getValue()), limit, clinicalDetail(request));
  }

  /** POST Group/[id]/$member-add */
  @Operation(name = OperationNames.MEMBER_ADD, type = Group.class)
  public Parameters memberAdd(
      @IdParam IdType group, @ResourceParam Parameters parameters, RequestDetails request) {
    OperationParameters in =
        new OperationParameters(parameters)
            .onlyThese(Set.of("patient", "period", "waitlistIfFull", "overrideReason"));
    OperationParameters.DatePeriod period =
        in.period("period", time.zone()).orElse(new OperationParameters.DatePeriod(null, null));
    return enrolment.add(
        References.unversioned(group.getValue()),
        new EnrolmentService.Request(
            in.requiredReference("patient", "Patient"),
            period.start(),
            period.end(),
            in.bool("waitlistIfFull"),
            in.string("overrideReason").map(String::strip).filter(r -> !r.isEmpty()).orElse(null),
            callers.actor(request).orElse(null)));
  }

  /** POST Group/[id]/$member-remove */
  @Operation(name = OperationNames.MEMBER_REMOVE, type = Group.class)
  public Parameters memberRemove(@IdParam IdType group, @ResourceParam Parameters parameters) {
    OperationParameters in =
        new OperationParameters(parameters).onlyThese(Set.of("patient", "end", "reason"));
    return enrolment.remove(
        References.unversioned(group.getValue()),
        in.requiredReference("patient", "Patient"),
        in.date("end", time.zone(), LocalDates.Bound.END).orElse(null),
        in.string("reason").orElse(null));
  }

  /** POST Group/$place-waitlist */
  @Operation(name = OperationNames.PLACE_WAITLIST, type = Group.class)
  public Parameters placeWaitlist(@ResourceParam Parameters parameters, RequestDetails request) {
    OperationParameters in =
        new OperationParameters(parameters).onlyThese(Set.of("apply", "assignment"));
    List<PlacementService.Accepted> accepted =
        in.parts("assignment").stream()
            .map(
                part ->
                    new PlacementService.Accepted(
                        part.onlyThese(Set.of("patient", "group", "score", "reason"))
                            .requiredReference("patient", "Patient"),
                        part.requiredReference("group", "Group")))
            .toList();
    return placement.placeWaitlist(in.bool("apply"), accepted, clinicalDetail(request));
  }

  /**
   * Whether the caller may read placement's clinical reasons: not a VA (unless also a therapist or
   * an administrator); system clients may (their permits need Observation read).
   */
  private boolean clinicalDetail(RequestDetails request) {
    return callers
        .caller(request)
        .map(c -> !c.has(Role.VA) || c.has(Role.THERAPIST) || c.has(Role.ADMIN))
        .orElse(true);
  }
}
