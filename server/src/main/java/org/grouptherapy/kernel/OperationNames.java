package org.grouptherapy.kernel;

/**
 * The names of the server's own operations, as bound, permitted and tested. Each has its
 * OperationDefinition in fhir-profiles/ (docs/operations.md lists them with their parameters).
 */
public final class OperationNames {

  private OperationNames() {}

  // Scheduling
  public static final String SCHEDULE_SERIES = "$schedule-series";
  public static final String AMEND_SERIES = "$amend-series";
  public static final String CANCEL_SERIES = "$cancel-series";
  public static final String CANCEL_SESSION = "$cancel-session";
  public static final String FIND_SUBSTITUTE = "$find-substitute";
  public static final String ASSIGN_SUBSTITUTE = "$assign-substitute";
  public static final String SKIP_SESSION = "$skip-session";
  public static final String MOVE_MEMBER = "$move-member";
  public static final String FIND = "$find";
  public static final String HOLD = "$hold";
  public static final String BOOK = "$book";

  // Calendars
  public static final String CALENDAR = "$calendar";
  public static final String CALENDAR_FEED = "$calendar-feed";

  // Intake and placement
  public static final String INTAKE_BOARD = "$intake-board";
  public static final String PLACE = "$place";
  public static final String MEMBER_ADD = "$member-add";
  public static final String MEMBER_REMOVE = "$member-remove";
  public static final String PLACE_WAITLIST = "$place-waitlist";

  // Attendance and billing
  public static final String RECORD_ATTENDANCE = "$record-attendance";
  public static final String RECONCILE_ATTENDANCE = "$reconcile-attendance";
  public static final String BILLING_SUMMARY = "$billing-summary";
  public static final String BILLING_PACKAGE = "$billing-package";
  public static final String MARK_RECEIVED = "$mark-received";
  public static final String IMPORT_REMITTANCE = "$import-remittance";
  public static final String IMPORT_ACKNOWLEDGEMENT = "$import-acknowledgement";
  public static final String CODER_REVIEW = "$coder-review";

  // Communication
  public static final String RETRY = "$retry";

  // Reports
  public static final String RETENTION_REPORT = "$retention-report";

  // Administration
  public static final String ROTATE_SIGNING_KEY = "$rotate-signing-key";
}
