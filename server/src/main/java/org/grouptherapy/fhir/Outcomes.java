package org.grouptherapy.fhir;

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

  public static OperationOutcomeIssueComponent add(
      OperationOutcome outcome, IssueSeverity severity, IssueType type, String text) {
    return outcome.addIssue().setSeverity(severity).setCode(type).setDiagnostics(text);
  }
}
