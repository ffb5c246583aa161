package org.grouptherapy.kernel;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * 400 or 422 for one operation parameter: the OperationOutcome names the parameter (in {@code
 * expression}) and says what to send instead.
 */
public class InvalidParameter extends BaseServerResponseException {

  private InvalidParameter(int status, String parameter, String message) {
    super(status, message, outcome(parameter, message));
  }

  /** Malformed or missing: the request cannot be read. */
  public static InvalidParameter malformed(String parameter, String message) {
    return new InvalidParameter(400, parameter, message);
  }

  /** Well formed but not acceptable: an unknown room, an end before the start, too long. */
  public static InvalidParameter unprocessable(String parameter, String message) {
    return new InvalidParameter(422, parameter, message);
  }

  private static OperationOutcome outcome(String parameter, String message) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.INVALID)
        .setDiagnostics(message)
        .addExpression("Parameters.parameter.where(name = '" + parameter + "')");
    return outcome;
  }
}
