package org.grouptherapy.reporting;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.TokenParam;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.intake.IntakeStages;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TherapyGroup;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Service;

/**
 * Retention at session N (8 by default): of the members who joined a group in a period and whose
 * Nth session since joining has taken place, the share still attending at it: listed in that
 * session and not declined. By group, modality and intake path (structured: an intake Task reached
 * placement-decided; direct: none did).
 */
@Service
public class RetentionReport {

  private static final Set<Appointment.AppointmentStatus> HELD =
      Set.of(
          Appointment.AppointmentStatus.BOOKED,
          Appointment.AppointmentStatus.ARRIVED,
          Appointment.AppointmentStatus.FULFILLED,
          Appointment.AppointmentStatus.CHECKEDIN);

  private final DaoRegistry daos;
  private final PracticeTime time;

  RetentionReport(DaoRegistry daos, PracticeTime time) {
    this.daos = daos;
    this.time = time;
  }

  private record Row(String dimension, String value) {}

  /**
   * The sessions that have taken place since the day before {@code start} (none for a future
   * period).
   */
  private List<IBaseResource> sessionsSince(LocalDate start, SystemRequestDetails read) {
    Instant from = PracticeTime.startOf(start.minusDays(1), time.zone());
    Instant now = time.now();
    if (!from.isBefore(now)) {
      return List.of();
    }
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(
        Appointment.SP_DATE,
        new DateRangeParam(
            new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(from)),
            new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(now))));
    return List.copyOf(daos.getResourceDao(Appointment.class).searchForResources(search, read));
  }

  public Parameters report(LocalDate start, LocalDate end, int sessionNumber) {
    if (end.isBefore(start)) {
      throw InvalidParameter.unprocessable("end", "end " + end + " is before start " + start);
    }
    if (sessionNumber < 1) {
      throw InvalidParameter.unprocessable("session", "session must be 1 or more");
    }
    SystemRequestDetails read = new SystemRequestDetails();
    Map<String, List<Appointment>> sessions = heldSessionsByGroup(start, read);
    Set<String> structured = structuredIntakes(read);
    Map<Row, int[]> counts = new LinkedHashMap<>();
    counts.put(new Row("overall", "all"), new int[2]);
    for (Group group : therapyGroups(read)) {
      String groupId = References.of(group);
      ZoneId zone = time.zoneOf(group);
      List<Appointment> held = sessions.getOrDefault(groupId, List.of());
      String modality = group.getCode().getCodingFirstRep().getCode();
      for (Group.GroupMemberComponent member : group.getMember()) {
        if (!member.hasEntity() || !member.getPeriod().hasStart()) {
          continue;
        }
        LocalDate joined = PracticeTime.dateOf(member.getPeriod().getStartElement(), zone);
        if (joined.isBefore(start) || joined.isAfter(end)) {
          continue;
        }
        String patient = References.of(member.getEntity());
        Optional<Boolean> retained = retainedAt(patient, joined, held, zone, sessionNumber);
        if (retained.isEmpty()) {
          continue;
        }
        for (Row row :
            List.of(
                new Row("overall", "all"),
                new Row("group", groupId),
                new Row("modality", modality == null ? "unknown" : modality),
                new Row("intake-path", structured.contains(patient) ? "structured" : "direct"))) {
          int[] c = counts.computeIfAbsent(row, r -> new int[2]);
          c[0]++;
          c[1] += retained.get() ? 1 : 0;
        }
      }
    }
    return rows(counts);
  }

  private List<Group> therapyGroups(SystemRequestDetails read) {
    List<Group> groups = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Group.class)
            .searchForResources(SearchParameterMap.newSynchronous(), read)) {
      if (TherapyGroup.isTherapyGroup((Group) found)) {
        groups.add((Group) found);
      }
    }
    return groups;
  }

  /** Sessions that took place (not cancelled) since the period began, by group, in time order. */
  private Map<String, List<Appointment>> heldSessionsByGroup(
      LocalDate start, SystemRequestDetails read) {
    Map<String, List<Appointment>> sessions = new HashMap<>();
    for (IBaseResource found : sessionsSince(start, read)) {
      Appointment session = (Appointment) found;
      if (HELD.contains(session.getStatus())) {
        GroupSession.groupOf(session)
            .ifPresent(g -> sessions.computeIfAbsent(g, k -> new ArrayList<>()).add(session));
      }
    }
    sessions.values().forEach(l -> l.sort(Comparator.comparing(Appointment::getStart)));
    return sessions;
  }

  /**
   * Whether the member still attended the Nth session since joining: listed and not declined; empty
   * when that session has not taken place yet.
   */
  private static Optional<Boolean> retainedAt(
      String patient, LocalDate joined, List<Appointment> held, ZoneId zone, int sessionNumber) {
    List<Appointment> since =
        held.stream().filter(s -> !PracticeTime.dateOf(s, zone).isBefore(joined)).toList();
    if (since.size() < sessionNumber) {
      return Optional.empty();
    }
    return Optional.of(
        since.get(sessionNumber - 1).getParticipant().stream()
            .anyMatch(
                p ->
                    patient.equals(References.of(p.getActor()))
                        && p.getStatus() != Appointment.ParticipationStatus.DECLINED));
  }

  private static Parameters rows(Map<Row, int[]> counts) {
    Parameters out = new Parameters();
    counts.entrySet().stream()
        .sorted(
            Comparator.comparing((Map.Entry<Row, int[]> e) -> order(e.getKey().dimension()))
                .thenComparing(e -> e.getKey().value()))
        .forEach(
            e -> {
              Parameters.ParametersParameterComponent row = out.addParameter().setName("row");
              row.addPart().setName("dimension").setValue(new StringType(e.getKey().dimension()));
              row.addPart().setName("value").setValue(new StringType(e.getKey().value()));
              row.addPart().setName("members").setValue(new IntegerType(e.getValue()[0]));
              row.addPart().setName("retained").setValue(new IntegerType(e.getValue()[1]));
              if (e.getValue()[0] > 0) {
                row.addPart()
                    .setName("rate")
                    .setValue(
                        new DecimalType(
                            BigDecimal.valueOf(e.getValue()[1])
                                .divide(
                                    BigDecimal.valueOf(e.getValue()[0]), 3, RoundingMode.HALF_UP)));
              }
            });
    return out;
  }

  private static int order(String dimension) {
    return List.of("overall", "group", "modality", "intake-path").indexOf(dimension);
  }

  /** People with an intake that reached placement-decided or beyond. */
  private Set<String> structuredIntakes(SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Task.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "intake"));
    Set<String> people = new HashSet<>();
    for (IBaseResource found : daos.getResourceDao(Task.class).searchForResources(search, read)) {
      Task task = (Task) found;
      String stage = IntakeStages.stageOf(task).orElse("");
      if (IntakeStages.reached(stage, "placement-decided") && task.hasFor()) {
        people.add(task.getFor().getReference());
      }
    }
    return people;
  }
}
