package org.grouptherapy.scheduling;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import java.util.Set;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.OperationParameters;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TherapyGroup;
import org.grouptherapy.kernel.access.CallerGrants;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.scheduling.SeriesRequests.AmendSeries;
import org.grouptherapy.scheduling.SeriesRequests.CancelSeries;
import org.grouptherapy.scheduling.SeriesRequests.ScheduleSeries;
import org.grouptherapy.scheduling.SubstituteService.CoverRequest;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * Session series and substitute cover. Who may call them: whoever may write sessions and calendar
 * blocks anywhere (VAs, administrators, system clients).
 */
@Component
class SchedulingOperations implements FhirOperationProvider, OperationAccess {

  static final String WRITES_SCHEDULES =
      "write access to Appointment and Slot (scopes user/Appointment.cu and user/Slot.cu, or"
          + " system/ ones): a VA, an administrator or a system client";

  private final SeriesService series;
  private final SubstituteFinder finder;
  private final SubstituteService substitutes;

  SchedulingOperations(
      SeriesService series, SubstituteFinder finder, SubstituteService substitutes) {
    this.series = series;
    this.finder = finder;
    this.substitutes = substitutes;
  }

  static boolean writesSchedules(CallerGrants grants) {
    return grants.writesAnywhere("Appointment") && grants.writesAnywhere("Slot");
  }

  @Override
  public List<OperationPermit> permits() {
    return List.of(
        onInstances(
            OperationNames.SCHEDULE_SERIES,
            Group.class,
            SchedulingOperations::writesSchedules,
            WRITES_SCHEDULES),
        onInstances(
            OperationNames.AMEND_SERIES,
            Group.class,
            SchedulingOperations::writesSchedules,
            WRITES_SCHEDULES),
        onInstances(
            OperationNames.CANCEL_SERIES,
            Group.class,
            SchedulingOperations::writesSchedules,
            WRITES_SCHEDULES),
        onInstances(
            OperationNames.CANCEL_SESSION,
            Appointment.class,
            SchedulingOperations::writesSchedules,
            WRITES_SCHEDULES),
        onInstances(
            OperationNames.FIND_SUBSTITUTE,
            Appointment.class,
            SchedulingOperations::writesSchedules,
            WRITES_SCHEDULES),
        onInstances(
            OperationNames.ASSIGN_SUBSTITUTE,
            Appointment.class,
            SchedulingOperations::writesSchedules,
            WRITES_SCHEDULES));
  }

  /** GET or POST Appointment/[id]/$find-substitute */
  @Operation(name = OperationNames.FIND_SUBSTITUTE, type = Appointment.class, idempotent = true)
  public Parameters findSubstitute(
      @IdParam IdType appointment,
      @OperationParam(name = "replacing", max = 1) StringType replacing) {
    return finder.find(
        References.unversioned(appointment.getValue()),
        OperationParameters.optionalReference("replacing", replacing, null));
  }

  /** POST Appointment/[id]/$assign-substitute */
  @Operation(name = OperationNames.ASSIGN_SUBSTITUTE, type = Appointment.class)
  public Parameters assignSubstitute(
      @IdParam IdType appointment, @ResourceParam Parameters parameters) {
    OperationParameters in =
        new OperationParameters(parameters)
            .onlyThese(Set.of("substitute", "replacing", "reason", "overrideReason"));
    CoverRequest request =
        new CoverRequest(
            in.reference("substitute")
                .orElseThrow(
                    () ->
                        org.grouptherapy.kernel.InvalidParameter.malformed(
                            "substitute", "substitute is required: the Practitioner who covers")),
            in.reference("replacing").orElse(null),
            in.string("reason").orElse(null),
            in.string("overrideReason").orElse(null));
    return substitutes.assign(References.unversioned(appointment.getValue()), request);
  }

  /** POST Group/[id]/$schedule-series */
  @Operation(name = OperationNames.SCHEDULE_SERIES, type = Group.class)
  public Parameters scheduleSeries(
      @IdParam IdType groupId, @ResourceParam Parameters parameters, RequestDetails request) {
    TherapyGroup group = series.group(References.unversioned(groupId.getValue()));
    return minimal(series.schedule(group, ScheduleSeries.from(parameters, group.zone())), request);
  }

  /** POST Group/[id]/$amend-series */
  @Operation(name = OperationNames.AMEND_SERIES, type = Group.class)
  public Parameters amendSeries(
      @IdParam IdType groupId, @ResourceParam Parameters parameters, RequestDetails request) {
    AmendSeries amendment = AmendSeries.from(parameters);
    TherapyGroup group = series.group(References.unversioned(groupId.getValue()));
    return minimal(series.amend(group, amendment), request);
  }

  /** POST Group/[id]/$cancel-series */
  @Operation(name = OperationNames.CANCEL_SERIES, type = Group.class)
  public Parameters cancelSeries(@IdParam IdType groupId, @ResourceParam Parameters parameters) {
    CancelSeries cancellation = CancelSeries.from(parameters);
    TherapyGroup group = series.group(References.unversioned(groupId.getValue()));
    return series.cancelSeries(group, cancellation);
  }

  /** POST Appointment/[id]/$cancel-session */
  @Operation(name = OperationNames.CANCEL_SESSION, type = Appointment.class)
  public Appointment cancelSession(
      @IdParam IdType appointment, @ResourceParam Parameters parameters) {
    return series.cancelSession(
        References.unversioned(appointment.getValue()), SeriesRequests.cancelReason(parameters));
  }

  /** {@code Prefer: return=minimal}: the series id and the outcome, without the resources. */
  private static Parameters minimal(Parameters out, RequestDetails request) {
    String prefer = request.getHeader("Prefer");
    if (prefer != null && prefer.contains("return=minimal")) {
      out.getParameter().removeIf(p -> "sessions".equals(p.getName()));
    }
    return out;
  }
}
