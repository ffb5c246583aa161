package org.grouptherapy.placement;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.springframework.stereotype.Component;

/**
 * Placement and enrolment: {@code Patient/[id]/$place}, {@code Group/[id]/$member-add}, {@code
 * $member-remove} and {@code Group/$place-waitlist}. OperationDefinitions are in fhir-profiles/;
 * AccessRules says who may call them.
 */
@Component
class PlacementOperations implements FhirOperationProvider {

  private final PlacementService placement;
  private final EnrolmentService enrolment;

  PlacementOperations(PlacementService placement, EnrolmentService enrolment) {
    this.placement = placement;
    this.enrolment = enrolment;
  }

  @Operation(name = "$place", type = Patient.class, idempotent = true)
  public Parameters place(
      @IdParam IdType patient, @OperationParam(name = "_count", max = 1) IntegerType count) {
    int limit =
        count == null || count.getValue() == null
            ? 10
            : Math.max(1, Math.min(100, count.getValue()));
    return placement.place(patient.toUnqualifiedVersionless().getValue(), limit);
  }

  @Operation(name = "$member-add", type = Group.class, idempotent = false)
  public Parameters memberAdd(@IdParam IdType group, @ResourceParam Parameters parameters) {
    Parameters in = parameters == null ? new Parameters() : parameters;
    String patient = reference(in, "patient");
    LocalDate start = null;
    LocalDate end = null;
    Type period = value(in, "period");
    if (period != null) {
      if (!(period instanceof Period p)) {
        throw InvalidParameter.malformed("period", "period must be a Period");
      }
      start = p.hasStart() ? date(p.getStartElement().getValueAsString(), "period") : null;
      end = p.hasEnd() ? date(p.getEndElement().getValueAsString(), "period") : null;
    }
    Type waitlist = value(in, "waitlistIfFull");
    boolean waitlistIfFull = waitlist instanceof BooleanType b && Boolean.TRUE.equals(b.getValue());
    return enrolment.add(
        group.toUnqualifiedVersionless().getValue(),
        new EnrolmentService.Request(patient, start, end, waitlistIfFull));
  }

  @Operation(name = "$member-remove", type = Group.class, idempotent = false)
  public Parameters memberRemove(@IdParam IdType group, @ResourceParam Parameters parameters) {
    Parameters in = parameters == null ? new Parameters() : parameters;
    String patient = reference(in, "patient");
    Type end = value(in, "end");
    Type reason = value(in, "reason");
    return enrolment.remove(
        group.toUnqualifiedVersionless().getValue(),
        new IdType(patient).toUnqualifiedVersionless().getValue(),
        end == null ? null : date(end.primitiveValue(), "end"),
        reason == null ? null : reason.primitiveValue());
  }

  @Operation(name = "$place-waitlist", type = Group.class, idempotent = false)
  public Parameters placeWaitlist(@ResourceParam Parameters parameters) {
    Parameters in = parameters == null ? new Parameters() : parameters;
    Type apply = value(in, "apply");
    boolean applying = apply instanceof BooleanType b && Boolean.TRUE.equals(b.getValue());
    List<String[]> accepted = new ArrayList<>();
    for (Parameters.ParametersParameterComponent assignment : in.getParameter()) {
      if (!"assignment".equals(assignment.getName())) {
        continue;
      }
      String patient = null;
      String group = null;
      for (Parameters.ParametersParameterComponent part : assignment.getPart()) {
        if (part.getValue() instanceof Reference r && r.hasReference()) {
          if ("patient".equals(part.getName())) {
            patient = r.getReference();
          } else if ("group".equals(part.getName())) {
            group = r.getReference();
          }
        }
      }
      if (patient == null || group == null || !group.startsWith("Group/")) {
        throw InvalidParameter.malformed(
            "assignment", "Each assignment needs a patient and a group (Group/id) reference");
      }
      accepted.add(new String[] {patient, new IdType(group).toUnqualifiedVersionless().getValue()});
    }
    return placement.placeWaitlist(applying, accepted);
  }

  private static Type value(Parameters in, String name) {
    Parameters.ParametersParameterComponent parameter = in.getParameter(name);
    return parameter == null ? null : parameter.getValue();
  }

  private static String reference(Parameters in, String name) {
    Type value = value(in, name);
    if (value instanceof Reference r && r.hasReference()) {
      return r.getReference();
    }
    if (value instanceof StringType s && s.hasValue()) {
      return s.getValue();
    }
    throw InvalidParameter.malformed(name, name + " is required: a Patient/id reference");
  }

  private static LocalDate date(String text, String parameter) {
    try {
      return LocalDate.parse(text.length() >= 10 ? text.substring(0, 10) : text);
    } catch (DateTimeParseException | NullPointerException e) {
      throw InvalidParameter.malformed(parameter, parameter + " must be a date (YYYY-MM-DD)");
    }
  }
}
