package org.grouptherapy.kernel;

/** URLs of the scheduling profiles, extensions and code systems in fhir-profiles/. */
public final class SchedulingCodes {

  private static final String SD = Canonical.BASE + "/StructureDefinition/";
  private static final String CS = Canonical.BASE + "/CodeSystem/";

  public static final String THERAPY_GROUP = SD + "therapy-group";
  public static final String GROUP_SESSION = SD + "group-session";
  public static final String CALENDAR_BLOCK = SD + "calendar-block";
  public static final String GROUP_ROOM = SD + "group-room";

  public static final String GROUP_CAPACITY = SD + "group-capacity";
  public static final String GROUP_STATUS = SD + "group-status";
  public static final String GROUP_ENROLMENT_MODE = SD + "group-enrolment-mode";
  public static final String GROUP_TIMEZONE = SD + "group-timezone";
  public static final String GROUP_CADENCE = SD + "group-cadence";
  public static final String GROUP_LOCATION = SD + "group-location";
  public static final String GROUP_JOIN_URL = SD + "group-join-url";
  public static final String GROUP_FACILITATOR = SD + "group-facilitator";
  public static final String GROUP_SESSION_BLOCKS = SD + "group-session-blocks";
  public static final String SESSION_NUMBER = SD + "session-number";
  public static final String SESSION_JOIN_URL = SD + "session-join-url";
  public static final String SESSION_REMINDERS = SD + "session-reminders";
  public static final String BLOCK_FOR = SD + "block-for";
  public static final String LOCATION_CAPACITY = SD + "location-capacity";
  public static final String LOCATION_FEATURE = SD + "location-feature";
  public static final String WEEKLY_HOURS_LIMIT = SD + "weekly-hours-limit";

  public static final String GROUP_STATUS_SYSTEM = CS + "group-status";
  public static final String FACILITATOR_ROLE_SYSTEM = CS + "facilitator-role";
  public static final String BLOCK_TYPE_SYSTEM = CS + "calendar-block-type";

  /** Codes of the practice's workflow Tasks, Flags and Lists (intake, waitlist, follow-ups). */
  public static final String WORKFLOW_CODES_SYSTEM = CS + "intake-codes";

  public static final String MODALITY_SYSTEM = CS + "group-modality";

  /** Identifier system of a session series: every session of one series shares the value. */
  public static final String SERIES_SYSTEM = "http://grouptherapy.example.org/identifiers/series";

  public static final String PARTICIPATION_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

  /** Request header that books despite conflicts; its value is the reason, kept in Provenance. */
  public static final String OVERRIDE_HEADER = "X-Booking-Override-Reason";

  private SchedulingCodes() {}
}
