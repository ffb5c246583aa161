package org.grouptherapy.intake;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;

/** {@code Task/$intake-board}: the open intakes, their stages and next actions. */
@Component
class IntakeOperations implements FhirOperationProvider {

  private final IntakePipeline pipeline;
  private final int staleAfterDays;

  IntakeOperations(IntakePipeline pipeline, AppProperties properties) {
    this.pipeline = pipeline;
    this.staleAfterDays = properties.intake().staleAfterDays();
  }

  @Operation(name = "$intake-board", type = Task.class, idempotent = true)
  public Parameters board(
      @OperationParam(name = "staleAfterDays", max = 1) IntegerType stale,
      @OperationParam(name = "owner", max = 1) StringType owner) {
    int days = stale == null || stale.getValue() == null ? staleAfterDays : stale.getValue();
    if (days < 1) {
      throw InvalidParameter.unprocessable("staleAfterDays", "staleAfterDays must be 1 or more");
    }
    String who = owner == null || !owner.hasValue() ? null : owner.getValue().strip();
    if (who != null && !who.startsWith("Practitioner/")) {
      throw InvalidParameter.malformed("owner", "owner must be a Practitioner/id reference");
    }
    return pipeline.board(days, who);
  }
}
