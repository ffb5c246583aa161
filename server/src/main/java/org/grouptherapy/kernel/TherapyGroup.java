package org.grouptherapy.kernel;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.UnsignedIntType;

/**
 * A therapy group as the features read it: the profile's extensions as plain values. A view over
 * the stored {@link Group}; it changes nothing.
 *
 * @param zone the group's time zone (see {@link PracticeTime#zoneOf})
 */
public record TherapyGroup(Group resource, String id, ZoneId zone) {

  /** A facilitator of a group: primary or co. */
  public record Facilitator(String practitioner, boolean primary) {}

  public static TherapyGroup of(Group group, PracticeTime time) {
    return new TherapyGroup(group, References.of(group), time.zoneOf(group));
  }

  /** Whether a Group claims the therapy-group profile (the others are plain FHIR Groups). */
  public static boolean isTherapyGroup(Group group) {
    return group.getMeta().getProfile().stream()
        .anyMatch(
            p -> p.getValue() != null && p.getValue().startsWith(SchedulingCodes.THERAPY_GROUP));
  }

  /** The facilitators, primary first; a facilitator without a role is primary. */
  public List<Facilitator> facilitators() {
    return facilitatorsOf(resource);
  }

  public static List<Facilitator> facilitatorsOf(Group group) {
    List<Facilitator> facilitators = new ArrayList<>();
    for (Extension e : group.getExtensionsByUrl(SchedulingCodes.GROUP_FACILITATOR)) {
      Extension who = e.getExtensionByUrl("practitioner");
      Extension role = e.getExtensionByUrl("role");
      if (who != null && who.getValue() instanceof Reference r && References.of(r) != null) {
        facilitators.add(
            new Facilitator(
                References.of(r),
                role == null
                    || role.getValue() == null
                    || "primary".equals(role.getValue().primitiveValue())));
      }
    }
    facilitators.sort(Comparator.comparing(f -> !f.primary()));
    return facilitators;
  }

  public Optional<String> primaryFacilitator() {
    return facilitators().stream()
        .filter(Facilitator::primary)
        .map(Facilitator::practitioner)
        .findFirst();
  }

  /** The value of a simple extension (a code, string or url) of the group. */
  public static Optional<String> code(Group group, String url) {
    Extension extension = group.getExtensionByUrl(url);
    return extension == null || extension.getValue() == null
        ? Optional.empty()
        : Optional.ofNullable(extension.getValue().primitiveValue());
  }

  /** running, paused or ended (running when the group says nothing). */
  public String status() {
    return code(resource, SchedulingCodes.GROUP_STATUS).orElse("running");
  }

  public boolean closedEnrolment() {
    return "closed".equals(code(resource, SchedulingCodes.GROUP_ENROLMENT_MODE).orElse("open"));
  }

  /** The usual room or platform (a Location reference). */
  public Optional<String> defaultLocation() {
    Extension location = resource.getExtensionByUrl(SchedulingCodes.GROUP_LOCATION);
    return location != null && location.getValue() instanceof Reference r
        ? Optional.ofNullable(References.of(r))
        : Optional.empty();
  }

  public Optional<String> joinUrl() {
    return code(resource, SchedulingCodes.GROUP_JOIN_URL);
  }

  public int prepMinutes() {
    return blockMinutes("prepMinutes");
  }

  public int documentationMinutes() {
    return blockMinutes("documentationMinutes");
  }

  private int blockMinutes(String part) {
    Extension blocks = resource.getExtensionByUrl(SchedulingCodes.GROUP_SESSION_BLOCKS);
    Extension value = blocks == null ? null : blocks.getExtensionByUrl(part);
    return value != null && value.getValue() instanceof UnsignedIntType n && n.getValue() != null
        ? n.getValue()
        : 0;
  }

  /** The most members the group takes, if it says. */
  public static Optional<Integer> maximum(Group group) {
    Extension capacity = group.getExtensionByUrl(SchedulingCodes.GROUP_CAPACITY);
    Extension maximum = capacity == null ? null : capacity.getExtensionByUrl("maximum");
    return maximum != null && maximum.getValue() instanceof IntegerType n
        ? Optional.ofNullable(n.getValue())
        : Optional.empty();
  }

  /**
   * A group that meets online: it has a join link, or its usual location is a video platform.
   *
   * @param virtualLocation whether a Location reference ("Location/3") is a video platform
   */
  public static boolean meetsOnline(Group group, Predicate<String> virtualLocation) {
    if (group.getExtensionByUrl(SchedulingCodes.GROUP_JOIN_URL) != null) {
      return true;
    }
    Extension location = group.getExtensionByUrl(SchedulingCodes.GROUP_LOCATION);
    return location != null
        && location.getValue() instanceof Reference r
        && r.hasReference()
        && virtualLocation.test(r.getReference());
  }

  /** Members on a day: the membership is not inactive, has begun and has not ended. */
  public static List<String> membersOn(Group group, LocalDate day, ZoneId zone) {
    List<String> members = new ArrayList<>();
    for (Group.GroupMemberComponent member : group.getMember()) {
      if (!member.getInactive()
          && References.of(member.getEntity()) != null
          && covers(member, day, zone)) {
        members.add(References.of(member.getEntity()));
      }
    }
    return members;
  }

  /**
   * Members whose membership is not inactive and has not ended before the day (including those
   * whose membership begins later: they hold a seat).
   */
  public static List<String> activeMembers(Group group, LocalDate day, ZoneId zone) {
    List<String> members = new ArrayList<>();
    for (Group.GroupMemberComponent member : group.getMember()) {
      if (member.getInactive() || References.of(member.getEntity()) == null) {
        continue;
      }
      if (member.getPeriod().hasEnd()
          && dateOf(member.getPeriod().getEndElement(), zone).isBefore(day)) {
        continue;
      }
      members.add(References.of(member.getEntity()));
    }
    return members;
  }

  /** Whether a membership covers a day: begun on or before it, not ended before it. */
  public static boolean covers(Group.GroupMemberComponent member, LocalDate day, ZoneId zone) {
    if (!member.hasPeriod()) {
      return true;
    }
    if (member.getPeriod().hasStart()
        && dateOf(member.getPeriod().getStartElement(), zone).isAfter(day)) {
      return false;
    }
    return !member.getPeriod().hasEnd()
        || !dateOf(member.getPeriod().getEndElement(), zone).isBefore(day);
  }

  private static LocalDate dateOf(BaseDateTimeType value, ZoneId zone) {
    return PracticeTime.dateOf(value, zone);
  }
}
