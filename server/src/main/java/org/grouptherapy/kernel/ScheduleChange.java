package org.grouptherapy.kernel;

import java.util.List;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;

/**
 * A change to a group's schedule that the people it touches must hear about.
 *
 * @param group the group (null for an appointment of no group)
 * @param sessions the sessions as they are after the change
 * @param summary one line a person can read: what changed, and when
 * @param alsoTouched practitioners or patients the sessions do not list but who must be told (e.g.
 *     the facilitator a substitute replaced)
 * @param onlyTo when not empty, the only people told (with the referrers of the patients among
 *     them): a change of one member's attendance is no business of the other members
 */
public record ScheduleChange(
    Kind kind,
    Group group,
    List<Appointment> sessions,
    String summary,
    List<String> alsoTouched,
    List<String> onlyTo) {

  public ScheduleChange(
      Kind kind,
      Group group,
      List<Appointment> sessions,
      String summary,
      List<String> alsoTouched) {
    this(kind, group, sessions, summary, alsoTouched, List.of());
  }

  public enum Kind {
    SERIES_SCHEDULED("New group sessions"),
    SERIES_AMENDED("Group sessions changed"),
    SESSION_CANCELLED("Group session cancelled"),
    SUBSTITUTE_ASSIGNED("Substitute facilitator"),
    MEMBER_MOVED("Session change for a member"),
    MEMBER_BOOKED("Welcome to your group session"),
    MEMBER_ENROLLED("Welcome to your group: orientation"),
    MEMBER_LEFT("Group membership ended"),
    VIRTUAL_LINK_CHANGED("New link for a virtual session"),
    MEMBER_MISSED("We missed you"),
    SEAT_OFFERED("A seat for you");

    public final String subject;

    Kind(String subject) {
      this.subject = subject;
    }
  }

  public static ScheduleChange of(
      Kind kind, Group group, List<Appointment> sessions, String summary) {
    return new ScheduleChange(kind, group, List.copyOf(sessions), summary, List.of());
  }
}
