package org.grouptherapy.reporting;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import java.time.LocalDate;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.springframework.stereotype.Component;

/** Practice reports: {@code Group/$retention-report}. */
@Component
class ReportingOperations implements FhirOperationProvider {

  private final RetentionReport retention;

  ReportingOperations(RetentionReport retention) {
    this.retention = retention;
  }

  @Operation(name = "$retention-report", type = Group.class, idempotent = true)
  public Parameters retentionReport(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "session", max = 1) IntegerType session) {
    if (start == null || !start.hasValue()) {
      throw InvalidParameter.malformed("start", "start (a date) is required");
    }
    if (end == null || !end.hasValue()) {
      throw InvalidParameter.malformed("end", "end (a date) is required");
    }
    return retention.report(
        LocalDate.parse(start.getValueAsString().substring(0, 10)),
        LocalDate.parse(end.getValueAsString().substring(0, 10)),
        session == null || session.getValue() == null ? 8 : session.getValue());
  }
}
