package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.kernel.CalendarDirectory;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.kernel.TherapyGroup;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Service;

/**
 * Reads what placement needs to know of the groups: every therapy group's modality, focus, ages,
 * enrolment, capacity, waitlist and session times. A group's facts take a few searches for all
 * groups at once, not a search per group.
 */
@Service
public class PlacementFacts {

  private static final Duration SESSION_HORIZON = Duration.ofDays(28);
  private static final Duration BIRTH_DATES_KEPT = Duration.ofMinutes(10);

  private final DaoRegistry daos;
  private final Clock clock;
  private final PracticeTime time;
  private final PersonFacts people;
  private final Map<String, Optional<LocalDate>> birthDates = new ConcurrentHashMap<>();
  private volatile Instant birthDatesSince = Instant.EPOCH;

  PlacementFacts(DaoRegistry daos, Clock clock, PracticeTime time, PersonFacts people) {
    this.daos = daos;
    this.people = people;
    this.clock = clock;
    this.time = time;
  }

  public LocalDate today() {
    return time.today();
  }

  // --- groups ------------------------------------------------------------------------------------

  /** The facts of every therapy group, by group id. */
  public Map<String, PlacementScorer.GroupFacts> groups(boolean withAcuity) {
    return groups(therapyGroups(), withAcuity);
  }

  /** Every therapy group, read once for callers that need them for several facts. */
  List<Group> therapyGroups() {
    List<Group> groups = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Group.class)
            .searchForResources(SearchParameterMap.newSynchronous(), new SystemRequestDetails())) {
      if (TherapyGroup.isTherapyGroup((Group) found)) {
        groups.add((Group) found);
      }
    }
    return groups;
  }

  /** The facts of these therapy groups, by group id. */
  Map<String, PlacementScorer.GroupFacts> groups(List<Group> groups, boolean withAcuity) {
    SystemRequestDetails read = new SystemRequestDetails();
    LocalDate today = today();
    Set<String> members = new HashSet<>();
    groups.forEach(group -> members.addAll(activeMembers(group, today)));
    Everything all =
        new Everything(
            today,
            virtualLocations(read),
            waitlistLengths(read),
            upcomingSessions(read),
            birthDates(members),
            withAcuity && !members.isEmpty()
                ? people.latestScores(new ArrayList<>(members))
                : null);
    Map<String, PlacementScorer.GroupFacts> facts = new LinkedHashMap<>();
    for (Group group : groups) {
      facts.put(References.of(group), factsOf(group, all));
    }
    return facts;
  }

  /** What every group's facts are read from, read once for all groups. */
  private record Everything(
      LocalDate today,
      Set<String> virtualLocations,
      Map<String, Integer> waitlists,
      Map<String, List<Appointment>> sessions,
      Map<String, Optional<LocalDate>> births,
      Map<String, Map<String, Integer>> scores) {}

  private PlacementScorer.GroupFacts factsOf(Group group, Everything all) {
    String id = References.of(group);
    ZoneId zone = zoneOf(group);
    List<String> active = activeMembers(group, all.today());
    Set<String> windows = new TreeSet<>();
    List<Appointment> upcoming = all.sessions().getOrDefault(id, List.of());
    for (Appointment session : upcoming) {
      windows.add(window(session.getStart().toInstant().atZone(zone)));
    }
    Range ages =
        group.getExtensionByUrl(IntakeCodes.GROUP_AGE_RANGE) != null
                && group.getExtensionByUrl(IntakeCodes.GROUP_AGE_RANGE).getValue()
                    instanceof Range range
            ? range
            : null;
    Extension acuity = group.getExtensionByUrl(IntakeCodes.GROUP_ACUITY_LIMIT);
    return new PlacementScorer.GroupFacts(
        id,
        group.getName(),
        group.getCode().getCodingFirstRep().getCode(),
        group.getExtensionsByUrl(IntakeCodes.GROUP_CLINICAL_FOCUS).stream()
            .filter(e -> e.getValue() instanceof CodeableConcept)
            .flatMap(e -> PersonFacts.codes((CodeableConcept) e.getValue()).stream())
            .toList(),
        ages != null && ages.hasLow() ? ages.getLow().getValue().intValue() : null,
        ages != null && ages.hasHigh() ? ages.getHigh().getValue().intValue() : null,
        TherapyGroup.code(group, SchedulingCodes.GROUP_STATUS).orElse("running"),
        "closed"
            .equals(TherapyGroup.code(group, SchedulingCodes.GROUP_ENROLMENT_MODE).orElse("open")),
        cohortStart(group).orElse(null),
        TherapyGroup.maximum(group).orElse(Integer.MAX_VALUE),
        active.size(),
        all.waitlists().getOrDefault(id, 0),
        TherapyGroup.meetsOnline(group, all.virtualLocations()::contains),
        windows,
        upcoming.isEmpty() ? null : References.of(upcoming.get(0)),
        medianAge(active, all.births(), all.today()),
        acuity != null && acuity.getValue() instanceof PositiveIntType p ? p.getValue() : null,
        all.scores() == null ? 0 : severe(active, all.scores()));
  }

  private Set<String> virtualLocations(SystemRequestDetails read) {
    Set<String> virtual = new HashSet<>();
    for (IBaseResource found :
        daos.getResourceDao(Location.class)
            .searchForResources(SearchParameterMap.newSynchronous(), read)) {
      if (CalendarDirectory.isVirtual((Location) found)) {
        virtual.add(References.of(found));
      }
    }
    return virtual;
  }

  private Map<String, Integer> waitlistLengths(SystemRequestDetails read) {
    Map<String, Integer> lengths = new HashMap<>();
    for (ListResource list : waitlists(read)) {
      lengths.put(
          References.of(list.getSubject()),
          (int) list.getEntry().stream().filter(e -> !e.getDeleted()).count());
    }
    return lengths;
  }

  private static Double medianAge(
      List<String> members, Map<String, Optional<LocalDate>> births, LocalDate today) {
    List<Integer> ages =
        members.stream()
            .map(births::get)
            .filter(b -> b != null && b.isPresent())
            .map(b -> Period.between(b.get(), today).getYears())
            .sorted()
            .toList();
    if (ages.isEmpty()) {
      return null;
    }
    return ages.size() % 2 == 1
        ? ages.get(ages.size() / 2).doubleValue()
        : (ages.get(ages.size() / 2 - 1) + ages.get(ages.size() / 2)) / 2.0;
  }

  /** Members with a severe score: PHQ-9 of 20 or more, or GAD-7 of 15 or more. */
  static int severe(List<String> members, Map<String, Map<String, Integer>> scores) {
    int severe = 0;
    for (String member : members) {
      Map<String, Integer> s = scores.getOrDefault(member, Map.of());
      if (s.getOrDefault(IntakeCodes.PHQ9_TOTAL, 0) >= 20
          || s.getOrDefault(IntakeCodes.GAD7_TOTAL, 0) >= 15) {
        severe++;
      }
    }
    return severe;
  }

  public static Optional<LocalDate> cohortStart(Group group) {
    Extension start = group.getExtensionByUrl(IntakeCodes.GROUP_COHORT_START);
    return start != null && start.getValue() instanceof DateType date && date.hasValue()
        ? Optional.of(LocalDate.parse(date.getValueAsString()))
        : Optional.empty();
  }

  /** The practice's zone. */
  public ZoneId zone() {
    return time.zone();
  }

  public ZoneId zoneOf(Group group) {
    return time.zoneOf(group);
  }

  /** Members holding a seat on the day: not inactive, not ended before it. */
  public List<String> activeMembers(Group group, LocalDate day) {
    return TherapyGroup.activeMembers(group, day, time.zoneOf(group));
  }

  /** "mon-evening": the weekday and part of the day of a local time. */
  static String window(ZonedDateTime start) {
    String day = start.getDayOfWeek().getDisplayName(java.time.format.TextStyle.SHORT, Locale.US);
    int hour = start.getHour();
    String part = hour < 12 ? "morning" : hour < 17 ? "afternoon" : "evening";
    return day.toLowerCase(Locale.ROOT) + "-" + part;
  }

  private Map<String, List<Appointment>> upcomingSessions(SystemRequestDetails read) {
    Instant now = clock.instant();
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(
        Appointment.SP_DATE,
        new DateRangeParam(
            new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(now)),
            new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(now.plus(SESSION_HORIZON)))));
    search.add(Appointment.SP_STATUS, new TokenParam("booked"));
    Map<String, List<Appointment>> byGroup = new HashMap<>();
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(search, read)) {
      Appointment session = (Appointment) found;
      session.getSupportingInformation().stream()
          .map(Reference::getReference)
          .filter(r -> r != null && r.startsWith("Group/"))
          .findFirst()
          .ifPresent(g -> byGroup.computeIfAbsent(g, k -> new ArrayList<>()).add(session));
    }
    byGroup.values().forEach(list -> list.sort(Comparator.comparing(Appointment::getStart)));
    return byGroup;
  }

  /**
   * The latest first day of any membership of each person in a therapy group: a waitlist entry
   * written on or before that day is stale (the person was placed after they were listed), even if
   * taking them off that list did not happen.
   */
  Map<String, LocalDate> latestPlacements(List<Group> groups) {
    Map<String, LocalDate> latest = new HashMap<>();
    for (Group group : groups) {
      ZoneId zone = zoneOf(group);
      for (Group.GroupMemberComponent member : group.getMember()) {
        if (!member.getEntity().hasReference() || member.getInactive()) {
          continue;
        }
        LocalDate start =
            member.getPeriod().hasStart()
                ? PracticeTime.dateOf(member.getPeriod().getStartElement(), zone)
                : LocalDate.MIN;
        latest.merge(References.of(member.getEntity()), start, (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    return latest;
  }

  /** Every group waitlist (List with code intake-codes#waitlist). */
  List<ListResource> waitlists(SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(ListResource.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "waitlist"));
    return daos.getResourceDao(ListResource.class).searchForResources(search, read).stream()
        .map(ListResource.class::cast)
        .filter(l -> l.getStatus() == ListResource.ListStatus.CURRENT && l.hasSubject())
        .toList();
  }

  /**
   * Birth dates of patients, kept for ten minutes: a group's composition needs its members' ages,
   * and a birth date seldom changes.
   */
  private Map<String, Optional<LocalDate>> birthDates(Set<String> patients) {
    Instant now = clock.instant();
    if (birthDatesSince.plus(BIRTH_DATES_KEPT).isBefore(now)) {
      birthDates.clear();
      birthDatesSince = now;
    }
    List<String> missing = patients.stream().filter(p -> !birthDates.containsKey(p)).toList();
    Map<String, Patient> found = people.patients(missing);
    for (String id : missing) {
      Patient patient = found.get(id);
      birthDates.put(
          id,
          patient != null && patient.hasBirthDate()
              ? Optional.of(LocalDate.parse(patient.getBirthDateElement().getValueAsString()))
              : Optional.empty());
    }
    Map<String, Optional<LocalDate>> out = new HashMap<>();
    patients.forEach(p -> out.put(p, birthDates.getOrDefault(p, Optional.empty())));
    return out;
  }
}
