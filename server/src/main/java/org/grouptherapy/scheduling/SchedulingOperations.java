package org.grouptherapy.scheduling;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * Session series operations. Their OperationDefinitions are in fhir-profiles/; the caller needs
 * write access to Appointment and Slot (see AccessRules).
 */
@Component
class SchedulingOperations implements FhirOperationProvider {

  private final SeriesService series;
  private final SubstituteService substitutes;

  SchedulingOperations(SeriesService series, SubstituteService substitutes) {
    this.series = series;
    this.substitutes = substitutes;
  }

  @Operation(name = "$find-substitute", type = Appointment.class, idempotent = true)
  public Parameters findSubstitute(
      @IdParam IdType appointment,
      @OperationParam(name = "replacing", max = 1) StringType replacing) {
    Parameters parameters = new Parameters();
    if (replacing != null && replacing.hasValue()) {
      parameters.addParameter().setName("replacing").setValue(new Reference(replacing.getValue()));
    }
    return substitutes.find(appointment.toUnqualifiedVersionless().getValue(), parameters);
  }

  @Operation(name = "$assign-substitute", type = Appointment.class, idempotent = false)
  public Parameters assignSubstitute(
      @IdParam IdType appointment, @ResourceParam Parameters parameters) {
    return substitutes.assign(appointment.toUnqualifiedVersionless().getValue(), parameters);
  }

  @Operation(name = "$schedule-series", type = Group.class, idempotent = false)
  public Parameters scheduleSeries(
      @IdParam IdType group,
      @ResourceParam Parameters parameters,
      ca.uhn.fhir.rest.api.server.RequestDetails request) {
    Parameters out = series.schedule(group.toUnqualifiedVersionless().getValue(), parameters);
    return minimal(out, request);
  }

  /** {@code Prefer: return=minimal}: the series id and the outcome, without the resources. */
  private static Parameters minimal(
      Parameters out, ca.uhn.fhir.rest.api.server.RequestDetails request) {
    String prefer = request.getHeader("Prefer");
    if (prefer != null && prefer.contains("return=minimal")) {
      out.getParameter().removeIf(p -> "sessions".equals(p.getName()));
    }
    return out;
  }

  @Operation(name = "$amend-series", type = Group.class, idempotent = false)
  public Parameters amendSeries(
      @IdParam IdType group,
      @ResourceParam Parameters parameters,
      ca.uhn.fhir.rest.api.server.RequestDetails request) {
    return minimal(series.amend(group.toUnqualifiedVersionless().getValue(), parameters), request);
  }

  @Operation(name = "$cancel-series", type = Group.class, idempotent = false)
  public Parameters cancelSeries(@IdParam IdType group, @ResourceParam Parameters parameters) {
    return series.cancelSeries(group.toUnqualifiedVersionless().getValue(), parameters);
  }

  @Operation(name = "$cancel-session", type = Appointment.class, idempotent = false)
  public Appointment cancelSession(
      @IdParam IdType appointment, @ResourceParam Parameters parameters) {
    return series.cancelSession(appointment.toUnqualifiedVersionless().getValue(), parameters);
  }
}
