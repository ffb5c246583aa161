package org.grouptherapy.billing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.grouptherapy.billing.AttendanceService.Mark;
import org.grouptherapy.billing.ClaimRules.Problem;
import org.grouptherapy.billing.ClaimRules.SessionFacts;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.Appointment;

/** A payer's limits on what it pays for: group size, session length, minutes attended. */
final class PayerLimits {

  private PayerLimits() {}

  /** The payer's group-size cap and minimum session length. */
  static List<Problem> ofSession(
      SessionFacts facts,
      String sessionId,
      String patient,
      long attending,
      BillingRules.Payer payer) {
    List<Problem> problems = new ArrayList<>();
    if (attending > payer.maxGroupSize()) {
      problems.add(
          Problem.error(
              "group-above-cap",
              sessionId
                  + " had "
                  + attending
                  + " attending; "
                  + payer.name()
                  + " pays for groups of at most "
                  + payer.maxGroupSize(),
              "Check the attendance; if it is right, this session cannot be billed to "
                  + payer.name()
                  + " as a group",
              sessionId,
              patient));
    }
    Appointment session = facts.session();
    long minutes =
        Duration.between(session.getStart().toInstant(), session.getEnd().toInstant()).toMinutes();
    if (minutes < payer.minimumMinutes()) {
      problems.add(
          Problem.error(
              "session-too-short",
              sessionId
                  + " lasted "
                  + minutes
                  + " minutes; "
                  + payer.name()
                  + " requires at least "
                  + payer.minimumMinutes(),
              "Correct the session's times if they are wrong; otherwise it is not billable",
              sessionId));
    }
    return problems;
  }

  /**
   * The payer's minimum against the minutes the member attended (late arrival and early leaving
   * taken off), when the payer's rule for partial attendance says so.
   */
  static List<Problem> ofAttendance(SessionFacts facts, Mark mark, BillingRules.Payer payer) {
    Appointment session = facts.session();
    long minutes =
        Duration.between(session.getStart().toInstant(), session.getEnd().toInstant()).toMinutes();
    long missed = (long) mark.minutesLate() + mark.minutesLeftEarly();
    long attended = Math.max(0, minutes - missed);
    if (!payer.countsAttendedMinutes()
        || missed == 0
        || minutes < payer.minimumMinutes()
        || attended >= payer.minimumMinutes()) {
      return List.of();
    }
    return List.of(
        Problem.error(
            "attended-too-short",
            mark.patient()
                + " attended "
                + attended
                + " of the "
                + minutes
                + " minutes ("
                + mark.minutesLate()
                + " late, left "
                + mark.minutesLeftEarly()
                + " early); "
                + payer.name()
                + " requires at least "
                + payer.minimumMinutes()
                + " attended",
            "Check the arrival and leaving times recorded with $record-attendance; if they are"
                + " right, this member's session is not billable to "
                + payer.name(),
            References.of(session),
            mark.patient()));
  }
}
