package org.grouptherapy.kernel;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * 409: a write would double-book a practitioner, room or member, or overfill a session. Not a
 * version conflict, so HAPI's transaction retry leaves it alone: retrying cannot help.
 */
public class BookingConflictException extends BaseServerResponseException {

  public BookingConflictException(List<String> problems) {
    super(409, summary(problems), outcome(problems));
  }

  /** A conflict that one operation parameter caused, named in the outcome's expression. */
  public BookingConflictException(List<String> problems, String parameter) {
    this(problems);
    ((OperationOutcome) getOperationOutcome())
        .getIssue()
        .forEach(i -> i.addExpression("Parameters.parameter.where(name = '" + parameter + "')"));
  }

  private static String summary(List<String> problems) {
    return problems.size() == 1
        ? problems.get(0)
        : problems.size() + " scheduling conflicts: " + String.join("; ", problems);
  }

  private static OperationOutcome outcome(List<String> problems) {
    OperationOutcome outcome = new OperationOutcome();
    for (String problem : problems) {
      outcome
          .addIssue()
          .setSeverity(OperationOutcome.IssueSeverity.ERROR)
          .setCode(OperationOutcome.IssueType.CONFLICT)
          .setDiagnostics(
              problem
                  + ". Choose another time, room or person, or send the header "
                  + SchedulingCodes.OVERRIDE_HEADER
                  + " with the reason to book anyway.");
    }
    return outcome;
  }
}
