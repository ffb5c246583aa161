package org.grouptherapy.kernel;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;

/** Adding issues to an OperationOutcome that an operation returns alongside its result. */
public final class Outcomes {

  private Outcomes() {}

  public static OperationOutcomeIssueComponent info(OperationOutcome outcome, String text) {
    return add(outcome, IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, text);
  }

  public static OperationOutcomeIssueComponent warning(
      OperationOutcome outcome, IssueType type, String text) {
    return add(outcome, IssueSeverity.WARNING, type, text);
  }

  public static OperationOutcomeIssueComponent error(
      OperationOutcome outcome, IssueType type, String text) {
    return add(outcome, IssueSeverity.ERROR, type, text);
  }

  /**
   * 409 with an OperationOutcome saying why. Not a version conflict, so HAPI's transaction retry
   * (see ConflictRetryInterceptor) leaves it alone: retrying cannot help.
   */
  public static BaseServerResponseException conflict(String text) {
    OperationOutcome outcome = new OperationOutcome();
    error(outcome, IssueType.CONFLICT, text);
    return new Conflict(text, outcome);
  }

  private static final class Conflict extends BaseServerResponseException {
    Conflict(String text, OperationOutcome outcome) {
      super(409, text, outcome);
    }
  }

  public static OperationOutcomeIssueComponent add(
      OperationOutcome outcome, IssueSeverity severity, IssueType type, String text) {
    return outcome.addIssue().setSeverity(severity).setCode(type).setDiagnostics(text);
  }
}
