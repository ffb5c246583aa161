package org.grouptherapy.intake;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Task;

/**
 * The intake stage machine, as pure rules: the stages in order, the closing stages, which moves are
 * allowed and what each stage asks a person to do next. {@link IntakePipeline} applies it to every
 * write of an intake Task.
 */
public final class IntakeStages {

  public static final List<String> STAGES =
      List.of(
          "referral-received",
          "screening-scheduled",
          "screening-done",
          "consents-signed",
          "placement-decided",
          "orientation-sent",
          "first-session-attended");

  /** The ways an intake closes without placement. */
  public static final Set<String> CLOSED =
      Set.of("closed-declined", "closed-not-suitable", "closed-no-response");

  /** No next action (a finished intake). */
  static final String NO_ACTION = "-";

  private IntakeStages() {}

  public static String first() {
    return STAGES.get(0);
  }

  public static boolean isStage(String code) {
    return STAGES.contains(code) || CLOSED.contains(code);
  }

  /** A finished intake: closed, or its member attended the first session. */
  public static boolean isTerminal(String stage) {
    return stage.startsWith("closed-") || "first-session-attended".equals(stage);
  }

  /** Whether {@code stage} lies at or beyond {@code other} in the pipeline. */
  public static boolean reached(String stage, String other) {
    return STAGES.indexOf(stage) >= STAGES.indexOf(other);
  }

  /**
   * Checks a move of an intake from one stage to another and returns the stages it passes over. A
   * client moves one stage at a time (or closes an open intake); the server's own moves may pass
   * stages, which are then named in the stage note.
   *
   * @throws UnprocessableEntityException (422) naming what is wrong
   */
  public static List<String> move(String from, String to, boolean byServer) {
    if (!isStage(to)) {
      throw unprocessable(
          "Unknown intake stage " + to + "; stages are " + STAGES + " and closed-*",
          "Task.businessStatus");
    }
    if (isTerminal(from)) {
      throw unprocessable(
          "This intake is finished (" + from + "); open a new referral instead",
          "Task.businessStatus");
    }
    if (to.startsWith("closed-") || STAGES.indexOf(to) <= STAGES.indexOf(from)) {
      return List.of();
    }
    List<String> skipped = STAGES.subList(STAGES.indexOf(from) + 1, STAGES.indexOf(to));
    if (!skipped.isEmpty() && !byServer) {
      throw unprocessable(
          "The intake cannot move from "
              + from
              + " to "
              + to
              + ": "
              + String.join(", ", skipped)
              + (skipped.size() == 1 ? " comes" : " come")
              + " first",
          "Task.businessStatus");
    }
    return List.copyOf(skipped);
  }

  /** The Task status a stage means. */
  static Task.TaskStatus status(String stage) {
    if (stage.startsWith("closed-")) {
      return Task.TaskStatus.CANCELLED;
    }
    if ("first-session-attended".equals(stage)) {
      return Task.TaskStatus.COMPLETED;
    }
    return first().equals(stage) ? Task.TaskStatus.REQUESTED : Task.TaskStatus.INPROGRESS;
  }

  /** What a person does next at this stage. */
  public static String nextAction(String stage) {
    return switch (stage) {
      case "referral-received" -> "Book a screening appointment with a group therapist";
      case "screening-scheduled" -> "Screen: PHQ-9, GAD-7 and group readiness questionnaires";
      case "screening-done" ->
          "Send the group treatment consent and confidentiality agreement (telehealth for virtual groups)";
      case "consents-signed" -> "Decide placement with the therapist ($place, then $member-add)";
      case "placement-decided" -> "Send orientation materials and first-session logistics";
      case "orientation-sent" -> "First session: record attendance";
      default -> NO_ACTION;
    };
  }

  /** "Screening done" for screening-done. */
  public static String display(String stage) {
    String words = stage.replace('-', ' ');
    return Character.toUpperCase(words.charAt(0)) + words.substring(1);
  }

  /** The stage a Task is at (its businessStatus in the intake-stage code system). */
  public static Optional<String> stageOf(Task task) {
    return task.getBusinessStatus().getCoding().stream()
        .filter(c -> IntakeCodes.STAGE_SYSTEM.equals(c.getSystem()))
        .map(Coding::getCode)
        .findFirst();
  }

  static void setStage(Task task, String stage) {
    task.getBusinessStatus().getCoding().clear();
    task.getBusinessStatus()
        .addCoding()
        .setSystem(IntakeCodes.STAGE_SYSTEM)
        .setCode(stage)
        .setDisplay(display(stage));
    task.getBusinessStatus().setText(display(stage));
  }

  static UnprocessableEntityException unprocessable(String text, String expression) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.BUSINESSRULE)
        .setDiagnostics(text)
        .addExpression(expression);
    return new UnprocessableEntityException(text, outcome);
  }
}
