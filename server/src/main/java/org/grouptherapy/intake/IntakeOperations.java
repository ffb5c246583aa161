package org.grouptherapy.intake;

import static org.grouptherapy.kernel.access.OperationPermit.onType;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import java.util.List;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.OperationParameters;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;

/** {@code Task/$intake-board}: the open intakes, their stages and next actions. */
@Component
class IntakeOperations implements FhirOperationProvider, OperationAccess {

  private final IntakeBoard board;
  private final AppProperties properties;

  IntakeOperations(IntakeBoard board, AppProperties properties) {
    this.board = board;
    this.properties = properties;
  }

  @Override
  public List<OperationPermit> permits() {
    return List.of(
        onType(
            OperationNames.INTAKE_BOARD,
            Task.class,
            g -> g.readsAnywhere("Task"),
            "Task read anywhere (user/Task.r): a VA, a therapist, an administrator"));
  }

  /** GET Task/$intake-board */
  @Operation(name = OperationNames.INTAKE_BOARD, type = Task.class, idempotent = true)
  public Parameters board(
      @OperationParam(name = "staleAfterDays", max = 1) IntegerType stale,
      @OperationParam(name = "owner", max = 1) StringType owner) {
    int days =
        stale == null || stale.getValue() == null
            ? properties.intake().staleAfterDays()
            : stale.getValue();
    if (days < 1) {
      throw InvalidParameter.unprocessable("staleAfterDays", "staleAfterDays must be 1 or more");
    }
    return board.board(days, OperationParameters.optionalReference("owner", owner, "Practitioner"));
  }
}
