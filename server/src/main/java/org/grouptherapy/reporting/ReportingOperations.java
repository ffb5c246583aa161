package org.grouptherapy.reporting;

import static org.grouptherapy.kernel.access.OperationPermit.onType;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import java.time.LocalDate;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.LocalDates;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.springframework.stereotype.Component;

/** Practice reports: {@code Group/$retention-report}. */
@Component
class ReportingOperations implements FhirOperationProvider, OperationAccess {

  private final RetentionReport retention;
  private final PracticeTime time;

  ReportingOperations(RetentionReport retention, PracticeTime time) {
    this.retention = retention;
    this.time = time;
  }

  @Override
  public List<OperationPermit> permits() {
    return List.of(
        onType(
            OperationNames.RETENTION_REPORT,
            Group.class,
            g -> g.readsAnywhere("Group") && g.readsAnywhere("Appointment"),
            "Group and Appointment read anywhere (user/Group.r user/Appointment.r): staff"));
  }

  /** GET Group/$retention-report */
  @Operation(name = OperationNames.RETENTION_REPORT, type = Group.class, idempotent = true)
  public Parameters retentionReport(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "session", max = 1) IntegerType session) {
    return retention.report(
        required("start", start, LocalDates.Bound.START),
        required("end", end, LocalDates.Bound.END),
        session == null || session.getValue() == null ? 8 : session.getValue());
  }

  private LocalDate required(String name, DateType value, LocalDates.Bound bound) {
    if (value == null || !value.hasValue()) {
      throw InvalidParameter.malformed(name, name + " (a date) is required");
    }
    return LocalDates.parse(name, value.getValueAsString(), time.zone(), bound);
  }
}
