package org.grouptherapy.billing;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import org.grouptherapy.kernel.InvalidParameter;

/**
 * What a reconcile, a billing summary or a package covers: one session, or the sessions of a period
 * of dates of service (local dates, see PracticeTime) with optional filters.
 */
sealed interface ReconcileScope {

  /** Only members whose payer has this payer id (null: all). */
  String payer();

  record OneSession(String session) implements ReconcileScope {
    @Override
    public String payer() {
      return null;
    }
  }

  record Period(LocalDate start, LocalDate end, String group, String practitioner, String payer)
      implements ReconcileScope {

    /** The longest period one request covers. */
    static final int MAXIMUM_DAYS = 366;

    public Period {
      if (start == null || end == null) {
        throw InvalidParameter.malformed(
            "start", "start and end (dates) are required for a period, or call it on one session");
      }
      if (end.isBefore(start)) {
        throw InvalidParameter.unprocessable(
            "end", "end " + end + " is before start " + start + ": the period is inverted");
      }
      if (ChronoUnit.DAYS.between(start, end) > MAXIMUM_DAYS) {
        throw InvalidParameter.unprocessable(
            "end", "A period is at most a year: split longer ones");
      }
    }
  }
}
