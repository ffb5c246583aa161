package org.grouptherapy.billing;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.springframework.stereotype.Component;

/**
 * Attendance and billing: {@code Appointment/[id]/$record-attendance}, {@code
 * $reconcile-attendance} (one session or a period) and {@code Claim/$billing-package} (FHIR Bundle
 * or X12 837P). OperationDefinitions are in fhir-profiles/; AccessRules says who may call them.
 */
@Component
class BillingOperations implements FhirOperationProvider {

  private final AttendanceService attendance;
  private final BillingService billing;
  private final Clock clock;
  private final Callers callers;

  BillingOperations(
      AttendanceService attendance, BillingService billing, Clock clock, Callers callers) {
    this.attendance = attendance;
    this.billing = billing;
    this.clock = clock;
    this.callers = callers;
  }

  /** A therapist (not also a VA or administrator) records only sessions they facilitate. */
  private String therapistOnly(RequestDetails request) {
    return callers
        .current(request)
        .filter(
            a ->
                a.roles().contains(Role.THERAPIST)
                    && !a.roles().contains(Role.VA)
                    && !a.roles().contains(Role.ADMIN))
        .map(a -> a.fhirUser() == null ? "" : a.fhirUser())
        .orElse(null);
  }

  @Operation(name = "$record-attendance", type = Appointment.class, idempotent = false)
  public Parameters recordAttendance(
      @IdParam IdType session, @ResourceParam Parameters parameters, RequestDetails request) {
    Parameters in = parameters == null ? new Parameters() : parameters;
    List<AttendanceService.Mark> marks = new ArrayList<>();
    List<String> facilitators = new ArrayList<>();
    for (Parameters.ParametersParameterComponent parameter : in.getParameter()) {
      if ("facilitator".equals(parameter.getName())) {
        facilitators.add(reference(parameter.getValue(), "facilitator", "Practitioner/"));
      } else if ("attendance".equals(parameter.getName())) {
        marks.add(mark(parameter));
      } else {
        throw InvalidParameter.malformed(
            parameter.getName(),
            "Unknown parameter " + parameter.getName() + ": send attendance and facilitator");
      }
    }
    return attendance.record(
        session.toUnqualifiedVersionless().getValue(),
        marks,
        facilitators,
        therapistOnly(request),
        request);
  }

  private static AttendanceService.Mark mark(Parameters.ParametersParameterComponent attendance) {
    String patient = null;
    String status = null;
    int late = 0;
    int early = 0;
    String setting = null;
    boolean familyOnly = false;
    for (Parameters.ParametersParameterComponent part : attendance.getPart()) {
      Type value = part.getValue();
      switch (part.getName()) {
        case "patient" -> patient = reference(value, "attendance.patient", "Patient/");
        case "status" -> status = value == null ? null : value.primitiveValue();
        case "minutesLate" -> late = minutes(value, "attendance.minutesLate");
        case "minutesLeftEarly" -> early = minutes(value, "attendance.minutesLeftEarly");
        case "setting" -> setting = value == null ? null : value.primitiveValue();
        case "familyOnly" -> familyOnly = value instanceof BooleanType b && b.booleanValue();
        default ->
            throw InvalidParameter.malformed(
                "attendance." + part.getName(), "Unknown part attendance." + part.getName());
      }
    }
    if (patient == null) {
      throw InvalidParameter.malformed(
          "attendance.patient", "Each attendance needs a patient (Patient/id reference)");
    }
    if (status == null || !AttendanceService.STATUSES.contains(status)) {
      throw InvalidParameter.malformed(
          "attendance.status",
          "attendance.status of "
              + patient
              + " must be one of "
              + AttendanceService.STATUSES
              + (status == null ? "" : " (was '" + status + "')"));
    }
    if (setting != null && !List.of("telehealth-home", "telehealth-other").contains(setting)) {
      throw InvalidParameter.malformed(
          "attendance.setting", "attendance.setting must be telehealth-home or telehealth-other");
    }
    return new AttendanceService.Mark(patient, status, late, early, setting, familyOnly);
  }

  @Operation(name = "$reconcile-attendance", type = Appointment.class, idempotent = false)
  public Parameters reconcileSession(@IdParam IdType session) {
    return billing.reconcile(
        new ClaimReconciler.Scope(
            session.toUnqualifiedVersionless().getValue(), null, null, null, null, null));
  }

  @Operation(name = "$reconcile-attendance", type = Appointment.class, idempotent = false)
  public Parameters reconcilePeriod(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "group", max = 1) Reference group,
      @OperationParam(name = "practitioner", max = 1) Reference practitioner,
      @OperationParam(name = "payer", max = 1) StringType payer) {
    return billing.reconcile(scope(start, end, group, practitioner, payer));
  }

  @Operation(name = "$billing-summary", type = Appointment.class, idempotent = true)
  public Parameters billingSummary(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "group", max = 1) StringType group,
      @OperationParam(name = "practitioner", max = 1) StringType practitioner,
      @OperationParam(name = "payer", max = 1) StringType payer) {
    return billing.summary(scope(start, end, group, practitioner, payer));
  }

  @Operation(name = "$billing-package", type = Claim.class, idempotent = true)
  public IBaseResource billingPackage(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "payer", max = 1) StringType payer,
      @OperationParam(name = "group", max = 1) StringType group,
      @OperationParam(name = "format", max = 1) CodeType format) {
    String as = format == null ? "fhir" : format.primitiveValue();
    if (!List.of("fhir", "x12").contains(as)) {
      throw InvalidParameter.malformed("format", "format must be fhir (a Bundle) or x12 (837P)");
    }
    BillingService.Package built = billing.billingPackage(scope(start, end, group, null, payer));
    if ("fhir".equals(as)) {
      return built.bundle();
    }
    String x12 =
        X12ClaimWriter.write(
            built.claims(),
            built.resources(),
            built.bundle().getIdentifier().getValue().substring(0, 9),
            X12ClaimWriter.now(clock));
    Binary binary = new Binary();
    binary.setContentType("application/edi-x12");
    binary.setData(x12.getBytes(StandardCharsets.US_ASCII));
    return binary;
  }

  @Operation(name = "$mark-received", type = Claim.class, idempotent = false)
  public Parameters markReceived(@ResourceParam Parameters parameters, RequestDetails request) {
    Parameters in = parameters == null ? new Parameters() : parameters;
    List<String> claims = new ArrayList<>();
    String packageId = null;
    for (Parameters.ParametersParameterComponent parameter : in.getParameter()) {
      if ("claim".equals(parameter.getName())) {
        claims.add(reference(parameter.getValue(), "claim", "Claim/"));
      } else if ("package".equals(parameter.getName()) && parameter.getValue() != null) {
        packageId = parameter.getValue().primitiveValue();
      } else {
        throw InvalidParameter.malformed(
            parameter.getName(),
            "Unknown parameter " + parameter.getName() + ": send claim, package");
      }
    }
    return billing.markReceived(claims, packageId, callers.actor(request).orElse(null));
  }

  private static ClaimReconciler.Scope scope(
      Type start, Type end, Type group, Type practitioner, Type payer) {
    LocalDate from = date(start, "start");
    LocalDate to = date(end, "end");
    ClaimReconciler.requireOrdered(from, to);
    if (java.time.temporal.ChronoUnit.DAYS.between(from, to) > 366) {
      throw InvalidParameter.unprocessable("end", "A period is at most a year: split longer ones");
    }
    return new ClaimReconciler.Scope(
        null,
        from,
        to,
        group == null ? null : reference(group, "group", "Group/"),
        practitioner == null ? null : reference(practitioner, "practitioner", "Practitioner/"),
        payer == null ? null : payer.primitiveValue());
  }

  private static LocalDate date(Type value, String name) {
    if (value == null || value.primitiveValue() == null) {
      return null;
    }
    try {
      String text = value.primitiveValue();
      return LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text);
    } catch (DateTimeParseException e) {
      throw InvalidParameter.malformed(name, name + " must be a date (YYYY-MM-DD)");
    }
  }

  private static int minutes(Type value, String name) {
    if (value instanceof IntegerType n && n.getValue() != null && n.getValue() >= 0) {
      return n.getValue();
    }
    throw InvalidParameter.malformed(name, name + " must be a whole number of minutes, 0 or more");
  }

  private static String reference(Type value, String name, String prefix) {
    String text = null;
    if (value instanceof Reference r && r.hasReference()) {
      text = r.getReference();
    } else if (value instanceof StringType s && s.hasValue()) {
      text = s.getValue();
    } else if (value != null && value.primitiveValue() != null) {
      text = value.primitiveValue();
    }
    if (text == null || !text.strip().startsWith(prefix)) {
      throw InvalidParameter.malformed(name, name + " must be a " + prefix + "id reference");
    }
    return new IdType(text.strip()).toUnqualifiedVersionless().getValue();
  }
}
